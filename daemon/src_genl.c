// SPDX-License-Identifier: GPL-2.0-or-later
/* Event source: the eni_notify generic-netlink family (src_genl.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#include "eni_msg.h"
#include "genl_ctrl.h"
#include "log.h"
#include "nl_util.h"
#include "src_genl.h"
#include "util.h"

#define EVENT_RCVBUF (4 * 1024 * 1024)
/* A dump not answered by then is taken as failed (an error ACK can be dropped). */
#define DUMP_DEADLINE_US 5000000u

/* One timer: while a dump runs, its deadline; after a failed one, the retry. 0 disarms. */
static void dump_timer_set(struct genl_src *g, uint64_t delay_us)
{
	struct itimerspec its = {0};

	if (!g->retry_w.fn)
		return;
	its.it_value.tv_sec = (time_t)(delay_us / 1000000u);
	its.it_value.tv_nsec = (long)(delay_us % 1000000u) * 1000;
	if (timerfd_settime(g->retry_w.fd, 0, &its, NULL) < 0)
		log_err("eni_notify dump timer: %m");
}

/* A dump failed: the links stay unreconciled until one succeeds, so try again later. */
static void dump_failed(struct genl_src *g, int err, const char *detail)
{
	uint64_t delay;

	g->s.dump_fails++;
	delay = src_retry_delay_us(g->s.dump_fails);
	log_warn("eni_notify dump failed: %s%s%s; retry %u in %llu ms", strerror(-err),
		 detail ? ": " : "", detail ? detail : "", g->s.dump_fails,
		 (unsigned long long)(delay / 1000));
	dump_timer_set(g, delay);
}

static void dump_succeeded(struct genl_src *g)
{
	if (g->s.dump_fails)
		log_info("eni_notify dump done after %u failed attempts", g->s.dump_fails);
	g->s.dump_fails = 0;
	dump_timer_set(g, 0);
}

static void dump_timer_fire(struct watch *w, uint32_t events)
{
	struct genl_src *g = w->data;
	uint64_t ticks;

	(void)events;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("eni_notify dump timer: %m");
	if (!g->s.active || !g->fam_id)
		return; /* the family went: its return dumps anew */
	if (g->s.dump_seq) {
		g->s.dump_seq = 0; /* abandoned: late replies are ignored */
		dump_failed(g, -ETIMEDOUT, "no answer");
		return;
	}
	log_info("eni_notify dump: retry %u", g->s.dump_fails);
	genl_source_start_dump(g, g->dump_no_sweep); /* a failure schedules the next retry */
}

static void family_up(struct genl_src *g, uint16_t id, uint32_t grp)
{
	int err;

	if (g->fam_id == id && g->fam_grp == grp && g->fam_joined)
		return;
	if (g->fam_joined && g->fam_grp != grp)
		nl_leave(g->s.sock, g->fam_grp);
	g->fam_id = id;
	g->fam_grp = grp;
	g->fam_joined = false;
	err = nl_join(g->s.sock, grp);
	if (err) {
		log_err("joining eni_notify group %u: %s", grp, strerror(-err));
		return;
	}
	g->fam_joined = true;
	g->last_seq = 0;
	log_info("eni_notify family %u, events group %u", id, grp);
	g->s.ops->family(g->s.ops->ctx, true);
}

static void family_down(struct genl_src *g)
{
	if (!g->fam_id)
		return;
	log_warn("eni_notify family went away (module unloaded)");
	g->fam_id = 0;
	g->fam_joined = false; /* the kernel dropped the membership with the group */
	g->s.dump_seq = 0;
	g->s.lost = false;
	g->s.dump_fails = 0;
	dump_timer_set(g, 0);
	g->s.ops->family(g->s.ops->ctx, false);
}

static void handle_ctrl(struct genl_src *g, const struct nlmsghdr *nlh)
{
	struct genl_family_info fi;
	uint32_t grp;

	if (genl_ctrl_parse(nlh, &fi) < 0 || strcmp(fi.name, ENI_NOTIFY_FAMILY_NAME))
		return;
	switch (fi.cmd) {
	case CTRL_CMD_NEWFAMILY:
	case CTRL_CMD_NEWMCAST_GRP:
		grp = genl_ctrl_group(&fi, ENI_NOTIFY_MCGRP_EVENTS);
		if (grp)
			family_up(g, fi.id, grp);
		break;
	case CTRL_CMD_DELFAMILY:
		family_down(g);
		break;
	}
}

static void event_facts(const struct eni_event *ev, struct link_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->ifindex = (int)ev->ifindex;
	snprintf(f->ifname, sizeof(f->ifname), "%s", ev->ifname);
	memcpy(f->mac, ev->mac, 6);
	snprintf(f->driver, sizeof(f->driver), "%s", ev->driver);
	f->mtu = ev->mtu;
}

static void handle_eni(struct genl_src *g, const struct nlmsghdr *nlh, bool from_dump)
{
	struct link_facts f;
	struct eni_event ev;
	uint64_t t;
	bool gap = false;

	if (eni_msg_parse(nlh, &ev) < 0 || ev.mac_len != 6)
		return;
	t = ev.timestamp_ns ? ev.timestamp_ns / 1000 : now_us();
	event_facts(&ev, &f);
	if (from_dump || ev.cmd == ENI_NOTIFY_CMD_GET) {
		if (ev.seq > g->dump_max_seq)
			g->dump_max_seq = ev.seq;
		g->s.ops->seen(g->s.ops->ctx, &f, ev.bus_info, t);
		return;
	}
	if (ev.seq) {
		gap = g->last_seq && ev.seq > g->last_seq + 1;
		if (gap)
			log_warn("eni_notify events %llu..%llu missed",
				 (unsigned long long)g->last_seq + 1,
				 (unsigned long long)ev.seq - 1);
		if (ev.seq > g->last_seq)
			g->last_seq = ev.seq;
	}
	switch (ev.cmd) {
	case ENI_NOTIFY_CMD_LINK_ADD:
	case ENI_NOTIFY_CMD_LINK_CHANGE:
		g->s.ops->seen(g->s.ops->ctx, &f, ev.bus_info, t);
		break;
	case ENI_NOTIFY_CMD_LINK_DEL:
		g->s.ops->gone(g->s.ops->ctx, f.ifindex);
		break;
	}
	if (gap && !g->s.lost) /* after ENOBUFS the resync waits for the drain */
		g->s.ops->resync(g->s.ops->ctx, "eni_notify sequence gap");
}

static void genl_msg(const struct nlmsghdr *nlh, void *data)
{
	struct genl_src *g = data;
	bool mine = nlh->nlmsg_pid == mnl_socket_get_portid(g->s.sock);
	bool dump = mine && g->s.dump_seq && nlh->nlmsg_seq == g->s.dump_seq;

	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		if (!dump)
			return;
		g->s.dump_seq = 0;
		if (nlh->nlmsg_type == NLMSG_ERROR && nl_error_code(nlh)) {
			dump_failed(g, nl_error_code(nlh), nl_extack_msg(nlh));
			return;
		}
		if (nlh->nlmsg_type == NLMSG_DONE && nl_done_code(nlh)) {
			dump_failed(g, nl_done_code(nlh), "the dump ended early");
			return;
		}
		dump_succeeded(g);
		if (g->dump_max_seq > g->last_seq)
			g->last_seq = g->dump_max_seq;
		/*
		 * Right after the module loaded its dump can be short (the family
		 * registers before the module has listed the present devices), so
		 * that first dump only adds; rtnetlink still reports removals.
		 */
		if (g->s.active)
			g->s.ops->dump_done(g->s.ops->ctx, !g->dump_no_sweep);
		g->dump_no_sweep = false;
		return;
	}
	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		handle_ctrl(g, nlh);
		return;
	}
	if (!g->fam_id || nlh->nlmsg_type != g->fam_id || !g->s.active)
		return;
	if (mine && !dump)
		return; /* a reply to an abandoned dump */
	handle_eni(g, nlh, dump);
}

/* Messages were dropped, nlctrl's family notifications perhaps among them: ask again. */
static void genl_resync_lost(struct genl_src *g)
{
	bool was = g->s.active;
	struct genl_family_info fi;
	uint32_t grp = 0;
	int err;

	err = genl_ctrl_resolve(ENI_NOTIFY_FAMILY_NAME, &fi);
	if (!err)
		grp = genl_ctrl_group(&fi, ENI_NOTIFY_MCGRP_EVENTS);
	if (grp)
		family_up(g, fi.id, grp);
	else if (err == -ENOENT)
		family_down(g);
	/* a mode switch above dumped already */
	if (was && g->s.active)
		g->s.ops->resync(g->s.ops->ctx, "eni_notify events lost (ENOBUFS)");
}

/*
 * Not at once: until the socket is drained the kernel drops what it sends there (an error
 * ACK included), and a dump of ours still paused in the kernel would refuse a new one.
 */
static void genl_lost(void *data)
{
	struct genl_src *g = data;

	g->s.lost = true;
}

static void genl_read(struct watch *w, uint32_t events)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct genl_src *g = w->data;
	int err;

	(void)events;
	err = nl_drain(g->s.sock, buf, sizeof(buf), genl_msg, genl_lost, g);
	if (err)
		log_err("genetlink socket: %s", strerror(-err));
	if (g->s.lost) {
		g->s.lost = false;
		genl_resync_lost(g);
	}
}

bool genl_source_present(const struct genl_src *g)
{
	return g->fam_id != 0;
}

int genl_source_open(struct genl_src *g, struct loop *loop, const struct src_ops *ops)
{
	struct genl_family_info fi;
	uint32_t grp;
	int err, fd;

	g->s.loop = loop;
	g->s.ops = ops;
	g->s.sock = nl_open(NETLINK_GENERIC, 0, EVENT_RCVBUF);
	if (!g->s.sock)
		return -errno;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = loop_watch(g->s.loop, &g->retry_w, fd, dump_timer_fire, g);
	if (err) {
		close(fd);
		g->retry_w.fn = NULL;
		return err;
	}
	err = genl_ctrl_resolve("nlctrl", &fi);
	if (err) {
		log_err("resolving nlctrl: %s", strerror(-err));
		return err;
	}
	g->ctrl_grp = genl_ctrl_group(&fi, "notify");
	if (g->ctrl_grp) {
		err = nl_join(g->s.sock, g->ctrl_grp);
		if (err)
			log_warn("joining nlctrl notify: %s: module load/unload goes unseen",
				 strerror(-err));
	}
	err = loop_watch(g->s.loop, &g->s.w, mnl_socket_get_fd(g->s.sock), genl_read, g);
	if (err)
		return err;
	/* after joining notify: a module loading now is either resolved here or notified */
	err = genl_ctrl_resolve(ENI_NOTIFY_FAMILY_NAME, &fi);
	if (err == -ENOENT)
		return 0;
	if (err) {
		log_warn("resolving %s: %s", ENI_NOTIFY_FAMILY_NAME, strerror(-err));
		return 0;
	}
	grp = genl_ctrl_group(&fi, ENI_NOTIFY_MCGRP_EVENTS);
	if (!grp) {
		log_warn("%s has no \"%s\" group", ENI_NOTIFY_FAMILY_NAME, ENI_NOTIFY_MCGRP_EVENTS);
		return 0;
	}
	g->fam_id = fi.id;
	g->fam_grp = grp;
	err = nl_join(g->s.sock, grp);
	if (err) {
		log_err("joining %s/%s: %s", ENI_NOTIFY_FAMILY_NAME, ENI_NOTIFY_MCGRP_EVENTS,
			strerror(-err));
		g->fam_id = 0;
		return 0;
	}
	g->fam_joined = true;
	return 0;
}

void genl_source_close(struct genl_src *g)
{
	if (!g->s.sock)
		return;
	if (g->retry_w.fn) {
		loop_del(g->s.loop, &g->retry_w);
		close(g->retry_w.fd);
		g->retry_w.fn = NULL;
	}
	loop_del(g->s.loop, &g->s.w);
	mnl_socket_close(g->s.sock);
	g->s.sock = NULL;
}

int genl_source_start_dump(struct genl_src *g, bool no_sweep)
{
	char req[ENI_MSG_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	if (!g->fam_id)
		return -ENOENT;
	g->s.ops->dump_begin(g->s.ops->ctx);
	g->dump_no_sweep = no_sweep;
	g->dump_max_seq = 0;
	src_dump_seq(&g->s);
	nlh = eni_msg_build_dump(req, sizeof(req), g->fam_id, g->s.dump_seq);
	if (!nlh || mnl_socket_sendto(g->s.sock, nlh, nlh->nlmsg_len) < 0) {
		int err = nlh ? -errno : -EINVAL;

		g->s.dump_seq = 0;
		dump_failed(g, err, "request not sent");
		return err;
	}
	dump_timer_set(g, DUMP_DEADLINE_US);
	return 0;
}
