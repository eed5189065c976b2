// SPDX-License-Identifier: GPL-2.0
/*
 * bench/floor: the kernel's own price for what enid does to a burst of ENIs. It plans the
 * links the same way (the daemon's link_plan(), host_plan() and kdiff, linked from
 * build/daemon/obj/libenid.a; slots in argument order), builds the same rtnetlink requests,
 * and sends them through one request socket in as few sendmsg() calls as fit (whole
 * messages, at most 60 KiB each), with no daemon logic between: no state machine, no
 * dumps, no sysctls, no slot or address files, no announcements. Two modes:
 *
 *   floor CONFIG IFNAME...
 *     static: the links exist already and carry their config's MACs (read from sysfs).
 *     Every link is planned first; then the dispatch rules (kdiff_host against nothing),
 *     then every link's requests, all at once. Makespan: first send to last ACK.
 *
 *   floor --follow CONFIG IFNAME...
 *     event-driven, what enid does on its rtnetlink source minus the daemon: joins
 *     RTNLGRP_LINK on an event socket before the links exist and prints "ready" (the
 *     harness then creates them). At each wakeup it reads every queued event; the first
 *     RTM_NEWLINK of each named link gives its facts (ifindex, name, MAC, MTU, kind: what
 *     enid's src_rtnl takes) and it is planned at once. Then, in one go: the dispatch
 *     rules the links planned so far need and are not yet sent (kdiff_host against the
 *     rules already sent: all of them with the first link, the additions and deletions
 *     when a later link's subnet changes the collapse), then those links' requests.
 *     Later events of a planned link are ignored. It ends when every named link's
 *     requests are answered. Makespan: first RTM_NEWLINK read to last ACK read (enid's:
 *     first RTM_NEWLINK read to last link CONFIGURED, i.e. its batch's last ACK read).
 *     The kernel announces a created link from rtnl_configure_link(), after it and a
 *     veth's peer are registered, and the creating request holds RTNL until it is done;
 *     the floor's requests need RTNL too, so they never meet a half-made link. A link
 *     whose peer is still down takes addresses, rules and routes (shown "linkdown"). enid
 *     does the same: in a namespace without udevd it plans at the first RTM_NEWLINK.
 *     60 s with nothing read: it gives up and says which links it never saw.
 *
 * Both print "requests R failed F makespan_us M sendmsg S" (F counts every nonzero ACK,
 * the first one on stderr); exit 0 when F is 0.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "config.h"
#include "kdiff.h"
#include "kstate.h"
#include "nl_util.h"
#include "owned.h"
#include "plan.h"
#include "rtnl_msg.h"
#include "src_rtnl.h"

#define SEND_CHUNK   (60 * 1024)
#define EVENT_RCVBUF (4 * 1024 * 1024) /* as enid's rtnetlink event socket */
#define ACK_RCVBUF   (16 * 1024 * 1024)
#define IDLE_MS	     60000

struct floor {
	struct enid_config cfg;
	struct mnl_socket *rq; /* requests and their ACKs */
	char *buf;	       /* requests built, not yet sent */
	size_t len, cap;
	uint32_t seq;
	size_t sent, acked, failed, sendmsgs;
	uint64_t last_ack;
	bool lost;
	struct kstate host_ks; /* the dispatch rules sent so far */
	struct enid_ip nets[ENID_MAX_SLOTS * ENID_MAX_ADDRS];
	unsigned int n_nets;
	struct kreqs q;	   /* planned links' requests, not yet queued */
	struct follow *fw; /* --follow: per-link latency */
};

/* --follow: the named links and what the events have shown so far */
struct follow {
	struct floor *fl;
	char **names;
	int n_names;
	bool *planned;
	int n_planned;
	uint64_t first_event;
	/* per link, in the order planned: its event, its last request, that one's ACK */
	uint64_t *event_at, *done_at, *lat;
	uint32_t *last_seq;
	size_t *q_end; /* its requests' end in fl->q, until queued */
	int n_queued, n_done;
	bool lost;
	int err;
};

static uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static int mac_of(const char *ifname, uint8_t mac[6])
{
	char path[128], text[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(text, sizeof(text), f) &&
	     (text[strcspn(text, "\n")] = '\0', mac_parse(text, mac));
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* One link's requests appended to fl->q, its addresses to the dispatch's subnets. */
static int plan_link(struct floor *fl, const struct link_facts *f, unsigned int slot)
{
	static struct plan plan;
	static struct owned own;
	struct addressing a;

	plan.why[0] = '\0';
	if (addressing_from_config(&fl->cfg, f->mac, &a) ||
	    link_plan(&fl->cfg, f, &a, slot, &plan)) {
		fprintf(stderr, "floor: %s: no addressing or plan (%s)\n", f->ifname, plan.why);
		return -EINVAL;
	}
	for (unsigned int k = 0; k < a.n_addrs; k++)
		fl->nets[fl->n_nets++] = a.addrs[k];
	kdiff_apply(&fl->cfg, &plan, NULL, &own, &fl->q);
	return fl->q.oom ? -ENOMEM : 0;
}

/* The requests as netlink messages at the end of fl->buf. */
static int queue(struct floor *fl, const struct kreqs *q)
{
	for (size_t i = 0; i < q->n; i++) {
		struct nlmsghdr *nlh;

		if (fl->cap - fl->len < RTNL_MSG_MAX) {
			size_t cap = fl->cap ? 2 * fl->cap : NL_BUF_SIZE;
			char *p = realloc(fl->buf, cap);

			if (!p)
				return -ENOMEM;
			fl->buf = p;
			fl->cap = cap;
		}
		nlh = kreq_build(fl->buf + fl->len, RTNL_MSG_MAX, ++fl->seq, &q->v[i]);
		if (!nlh) {
			fprintf(stderr, "floor: request %u does not build\n", fl->seq);
			return -EINVAL;
		}
		fl->len += NLMSG_ALIGN(nlh->nlmsg_len);
		fl->sent++;
	}
	return 0;
}

/* The dispatch for the links planned so far: what the rules sent lack (kdiff_host), then
 * the planned links' requests. */
static int queue_planned(struct floor *fl)
{
	static struct host_plan want;
	struct kreqs h = {0};
	int err;

	host_plan(&fl->cfg, fl->nets, fl->n_nets, NULL, 0, 0, &want);
	kdiff_host(&fl->cfg, &want, &fl->host_ks, &h);
	err = h.oom ? -ENOMEM : queue(fl, &h);
	kreqs_free(&h);
	kstate_reset(&fl->host_ks);
	for (unsigned int i = 0; !err && i < want.n_rules; i++)
		err = kstate_add_rule(&fl->host_ks, &fl->cfg, &(struct krule){.r = want.rules[i]});
	if (!err) {
		uint32_t base = fl->seq;

		err = queue(fl, &fl->q);
		for (struct follow *fw = fl->fw; fw && fw->n_queued < fw->n_planned; fw->n_queued++)
			fw->last_seq[fw->n_queued] = base + (uint32_t)fw->q_end[fw->n_queued];
	}
	kreqs_reset(&fl->q);
	return err;
}

static void ack_msg(const struct nlmsghdr *nlh, void *data)
{
	struct floor *fl = data;
	const struct nlmsgerr *e;

	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return;
	e = mnl_nlmsg_get_payload(nlh);
	fl->acked++;
	fl->last_ack = now_us();
	/* ACKs come in request order: the links whose last request this answers are done */
	for (struct follow *fw = fl->fw;
	     fw && fw->n_done < fw->n_queued && nlh->nlmsg_seq >= fw->last_seq[fw->n_done];)
		fw->done_at[fw->n_done++] = fl->last_ack;
	if (e->error && !fl->failed++) {
		const char *msg = nl_extack_msg(nlh);

		fprintf(stderr, "floor: request %u (%s): %s%s%s\n", nlh->nlmsg_seq,
			rtnl_type_name(e->msg.nlmsg_type), strerror(-e->error), msg ? ": " : "",
			msg ? msg : "");
	}
}

/* ENOBUFS: the kernel dropped messages to that socket */
static void acks_lost(void *data)
{
	((struct floor *)data)->lost = true;
}

static void events_lost(void *data)
{
	((struct follow *)data)->lost = true;
}

/* Every ACK queued so far (the kernel answers rtnetlink requests within sendmsg). */
static int read_acks(struct floor *fl)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	int err = nl_drain(fl->rq, buf, sizeof(buf), ack_msg, acks_lost, fl);

	if (!err && fl->lost)
		err = -ENOBUFS;
	if (err)
		fprintf(stderr, "floor: reading ACKs: %s\n", strerror(-err));
	return err;
}

/* Sends what is queued, whole messages up to SEND_CHUNK bytes per sendmsg as rtreq does,
 * reading the ACKs after each so the receive buffer never overflows. */
static int flush(struct floor *fl)
{
	for (size_t off = 0; off < fl->len;) {
		size_t chunk = 0;
		int err;

		while (off + chunk < fl->len) {
			const struct nlmsghdr *m = (const void *)(fl->buf + off + chunk);
			size_t l = NLMSG_ALIGN(m->nlmsg_len);

			if (chunk && chunk + l > SEND_CHUNK)
				break;
			chunk += l;
		}
		if (mnl_socket_sendto(fl->rq, fl->buf + off, chunk) < 0) {
			perror("floor: sendto");
			return -errno;
		}
		fl->sendmsgs++;
		off += chunk;
		err = read_acks(fl);
		if (err)
			return err;
	}
	fl->len = 0;
	return 0;
}

static int wait_in(struct pollfd *fds, nfds_t n)
{
	int r;

	do
		r = poll(fds, n, IDLE_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

static int run_static(struct floor *fl, char **names, int n)
{
	struct pollfd p = {.fd = mnl_socket_get_fd(fl->rq), .events = POLLIN};
	uint64_t t0;
	int err = 0;

	for (int i = 0; i < n && !err; i++) {
		struct link_facts f = {.ifindex = (int)if_nametoindex(names[i])};

		snprintf(f.ifname, sizeof(f.ifname), "%s", names[i]);
		snprintf(f.driver, sizeof(f.driver), "veth");
		if (!f.ifindex || mac_of(names[i], f.mac)) {
			fprintf(stderr, "floor: %s: no such link\n", names[i]);
			return -ENODEV;
		}
		err = plan_link(fl, &f, (unsigned int)i + 1);
	}
	if (!err)
		err = queue_planned(fl);
	t0 = now_us();
	if (!err)
		err = flush(fl);
	while (!err && fl->acked < fl->sent && !(err = wait_in(&p, 1)))
		err = read_acks(fl);
	if (err)
		return err;
	printf("requests %zu failed %zu makespan_us %llu sendmsg %zu\n", fl->sent, fl->failed,
	       (unsigned long long)(fl->last_ack - t0), fl->sendmsgs);
	return 0;
}

/* An event: the first RTM_NEWLINK of a named link plans it, as enid's src_rtnl and
 * links_seen() take a new link. */
static void event_msg(const struct nlmsghdr *nlh, void *data)
{
	struct follow *fw = data;
	struct link_facts f = {0};
	struct klink k;
	int i;

	if (fw->err || nlh->nlmsg_type != RTM_NEWLINK || rtnl_parse_link(nlh, &k) < 0 ||
	    k.mac_len != 6)
		return;
	for (i = 0; i < fw->n_names && strcmp(fw->names[i], k.ifname); i++)
		;
	if (i == fw->n_names || fw->planned[i])
		return;
	if (!fw->first_event)
		fw->first_event = now_us();
	f.ifindex = k.ifindex;
	snprintf(f.ifname, sizeof(f.ifname), "%s", k.ifname);
	memcpy(f.mac, k.mac, 6);
	f.mtu = k.mtu;
	src_rtnl_sysfs_driver(k.ifname, f.driver, sizeof(f.driver));
	if (!f.driver[0])
		snprintf(f.driver, sizeof(f.driver), "%s", k.kind);
	fw->planned[i] = true;
	fw->event_at[fw->n_planned] = now_us();
	fw->err = plan_link(fw->fl, &f, (unsigned int)i + 1);
	fw->q_end[fw->n_planned++] = fw->fl->q.n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile of each link's event to its last ACK, as bench/burst ranks enid's. */
static uint64_t latency_pct(const struct follow *fw, int p)
{
	uint64_t *lat = fw->lat;
	int n = fw->n_done;

	for (int i = 0; i < n; i++)
		lat[i] = fw->done_at[i] - fw->event_at[i];
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	return n ? lat[(n * p + 99) / 100 - 1] : 0;
}

static int run_follow(struct floor *fl, char **names, int n)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct follow fw = {.fl = fl, .names = names, .n_names = n};
	struct mnl_socket *ev = nl_open(NETLINK_ROUTE, 0, EVENT_RCVBUF);
	struct pollfd p[2];
	uint64_t p50, p99;
	int err;

	fw.planned = calloc((size_t)n, sizeof(*fw.planned));
	fw.event_at = calloc((size_t)n, sizeof(*fw.event_at));
	fw.done_at = calloc((size_t)n, sizeof(*fw.done_at));
	fw.last_seq = calloc((size_t)n, sizeof(*fw.last_seq));
	fw.q_end = calloc((size_t)n, sizeof(*fw.q_end));
	fw.lat = calloc((size_t)n, sizeof(*fw.lat));
	fl->fw = &fw;
	if (!ev || !fw.planned || !fw.event_at || !fw.done_at || !fw.last_seq || !fw.q_end ||
	    !fw.lat || nl_join(ev, RTNLGRP_LINK)) {
		perror("floor: event socket");
		return -EIO;
	}
	p[0] = (struct pollfd){.fd = mnl_socket_get_fd(ev), .events = POLLIN};
	p[1] = (struct pollfd){.fd = mnl_socket_get_fd(fl->rq), .events = POLLIN};
	printf("ready\n");
	fflush(stdout);
	while (fw.n_planned < n || fl->acked < fl->sent) {
		err = wait_in(p, 2);
		if (!err)
			err = nl_drain(ev, buf, sizeof(buf), event_msg, events_lost, &fw);
		if (!err && fw.lost)
			err = -ENOBUFS; /* enid would dump the links; a floor just says so */
		if (!err)
			err = fw.err;
		if (!err && fl->q.n)
			err = queue_planned(fl);
		if (!err)
			err = flush(fl);
		if (!err)
			err = read_acks(fl);
		if (err) {
			fprintf(stderr, "floor: %s with %d of %d links seen:", strerror(-err),
				fw.n_planned, n);
			for (int i = 0; i < n; i++)
				if (!fw.planned[i])
					fprintf(stderr, " %s", names[i]);
			fprintf(stderr, "%s\n", fw.n_planned < n ? " not seen" : "");
			return err;
		}
	}
	p50 = latency_pct(&fw, 50);
	p99 = latency_pct(&fw, 99);
	printf("requests %zu failed %zu makespan_us %llu sendmsg %zu p50_us %llu p99_us %llu\n",
	       fl->sent, fl->failed, (unsigned long long)(fl->last_ack - fw.first_event),
	       fl->sendmsgs, (unsigned long long)p50, (unsigned long long)p99);
	fl->fw = NULL;
	free(fw.planned);
	free(fw.done_at);
	free(fw.last_seq);
	free(fw.q_end);
	free(fw.event_at);
	free(fw.lat);
	mnl_socket_close(ev);
	return 0;
}

int main(int argc, char **argv)
{
	static struct floor fl;
	struct config_errors errs;
	bool follow = argc > 1 && !strcmp(argv[1], "--follow");
	int first = follow ? 3 : 2, err;

	if (argc <= first) {
		fprintf(stderr, "usage: floor [--follow] CONFIG IFNAME...\n");
		return 2;
	}
	if (config_load(argv[first - 1], &fl.cfg, &errs)) {
		for (unsigned int i = 0; i < errs.n; i++)
			fprintf(stderr, "floor: %s\n", errs.msg[i]);
		return 1;
	}
	fl.rq = nl_open(NETLINK_ROUTE, NL_STRICT, ACK_RCVBUF);
	if (!fl.rq) {
		perror("floor: netlink");
		return 1;
	}
	err = follow ? run_follow(&fl, argv + first, argc - first)
		     : run_static(&fl, argv + first, argc - first);
	free(fl.buf);
	kreqs_free(&fl.q);
	kstate_free(&fl.host_ks);
	config_free(&fl.cfg);
	mnl_socket_close(fl.rq);
	return err || fl.failed ? 1 : 0;
}
