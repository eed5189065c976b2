// SPDX-License-Identifier: GPL-2.0-or-later
/* DHCPv4 clients in the loop (dhcp_client.h). */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "addr.h"
#include "dhcp_client.h"
#include "log.h"
#include "nl_util.h"
#include "util.h"

#ifndef IFF_LOWER_UP /* <linux/if.h> has it, but clashes with <net/if.h> */
#define IFF_LOWER_UP 0x10000
#endif

struct dhcp_client {
	struct dhcp_clients *owner;
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct dhcp_fsm fsm;
	struct watch ip_w;  /* ETH_P_IP packet socket while a transaction runs; fd -1 = none */
	struct watch arp_w; /* ETH_P_ARP while probing */
	uint64_t started_at, bound_at;
	unsigned sent_at_bind; /* messages sent for the first lease */
	bool no_carrier;       /* its first message went without carrier */
	struct in_addr expect; /* check_only: the metadata's primary address */
	struct dhcp_client *next_stopped;
	char why[160];
};

static uint32_t client_random(void *ctx)
{
	(void)ctx;
	return (uint32_t)random() ^ ((uint32_t)random() << 16);
}

static struct dhcp_client *find(const struct dhcp_clients *c, int ifindex)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->v[i]->ifindex == ifindex)
			return c->v[i];
	return NULL;
}

bool dhcp_client_running(const struct dhcp_clients *c, int ifindex)
{
	return find(c, ifindex) != NULL;
}

/* ---- the leases file: "<mac> <addr>/<prefix> <server>" per line ---- */

static void leases_path(const struct dhcp_clients *c, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", c->run_dir, DHCP_LEASES_FILE);
}

/* The lease remembered for mac (addr, prefix, server), false when none. */
static bool lease_recall(const struct dhcp_clients *c, const uint8_t mac[6], struct dhcp_lease *l)
{
	char path[512], line[128], m[18], want[18], a[ENID_IP_STRLEN], s[ENID_IP_STRLEN];
	unsigned prefix;
	bool found = false;
	FILE *f;

	leases_path(c, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return false;
	mac_format(mac, want);
	memset(l, 0, sizeof(*l));
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%17s %45[^/]/%u %45s", m, a, &prefix, s) == 4 &&
		    !strcmp(m, want) && prefix >= 1 && prefix <= 32 &&
		    inet_pton(AF_INET, a, &l->addr) == 1 && inet_pton(AF_INET, s, &l->server) == 1)
			found = true;
	}
	fclose(f);
	l->prefixlen = (uint8_t)prefix;
	return found;
}

/* Writes the leases file again with mac's line replaced (l NULL: removed). */
static void lease_remember(const struct dhcp_clients *c, const uint8_t mac[6],
			   const struct dhcp_lease *l)
{
	char path[512], line[128], want[18], a[16], s[16];
	struct sbuf b = {0};
	FILE *f;
	int err;

	leases_path(c, path, sizeof(path));
	mac_format(mac, want);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, want, 17) && strchr(line, '\n'))
			sbuf_printf(&b, "%s", line);
	if (f)
		fclose(f);
	if (l)
		sbuf_printf(&b, "%s %s/%u %s\n", want, inet_ntop(AF_INET, &l->addr, a, sizeof(a)),
			    l->prefixlen, inet_ntop(AF_INET, &l->server, s, sizeof(s)));
	err = b.oom ? -ENOMEM : file_replace(path, b.s ? b.s : "", b.len);
	if (err)
		log_warn("%s: %s", path, strerror(-err));
	sbuf_free(&b);
}

/* ---- sockets ---- */

static void close_watch(struct dhcp_client *cl, struct watch *w)
{
	if (w->fd < 0)
		return;
	loop_del(cl->owner->loop, w);
	close(w->fd);
	w->fd = -1;
}

static int packet_socket(int ifindex, uint16_t proto, const struct sock_fprog *filter)
{
	struct sockaddr_ll sa = {
		.sll_family = AF_PACKET, .sll_protocol = htons(proto), .sll_ifindex = ifindex};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(proto));

	if (fd < 0)
		return -errno;
	if ((filter && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, filter, sizeof(*filter))) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Passes unfragmented UDP to port 68; the offsets count from the IPv4 header. */
static const struct sock_filter udp68[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 5),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 3, 0),
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
	BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, 0),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
};

static void carry_out(struct dhcp_client *cl, uint64_t now, unsigned act);
static void on_arp(struct watch *w, uint32_t events);

static void on_ip(struct watch *w, uint32_t events)
{
	struct dhcp_client *cl = w->data;
	uint8_t buf[2048];
	ssize_t n;

	(void)events;
	while ((n = recv(w->fd, buf, sizeof(buf), 0)) > 0) {
		const uint8_t *p;
		size_t plen;
		struct dhcp_reply m;
		char why[DHCP_WHY_LEN];
		unsigned act;

		if (dhcp_frame_parse(buf, (size_t)n, &p, &plen, why, sizeof(why)) ||
		    dhcp_msg_parse(p, plen, &m, why, sizeof(why))) {
			log_debug("%s: dhcp: ignored: %s", cl->ifname, why);
			continue;
		}
		/* a conflict already queued counts before an ACK that would bind at once */
		if (m.type == DHCP_ACK && dhcp_fsm_probing(&cl->fsm) && cl->arp_w.fd >= 0)
			on_arp(&cl->arp_w, 0);
		act = dhcp_fsm_rx(&cl->fsm, now_us(), &m);
		log_debug("%s: dhcp: %s from %s in %s", cl->ifname, dhcp_type_name(m.type),
			  inet_ntoa(m.server_id), dhcp_state_name(cl->fsm.state));
		if (m.type == DHCP_NAK && act)
			log_info("%s: dhcp: NAK from %s: starting over", cl->ifname,
				 inet_ntoa(m.server_id));
		carry_out(cl, now_us(), act);
		if (w->fd < 0)
			return; /* closed by what the reply did */
	}
}

static void on_arp(struct watch *w, uint32_t events)
{
	struct dhcp_client *cl = w->data;
	uint8_t buf[256];
	ssize_t n;

	(void)events;
	while ((n = recv(w->fd, buf, sizeof(buf), 0)) > 0) {
		if (!dhcp_fsm_probing(&cl->fsm) || cl->fsm.conflict ||
		    !dhcp_arp_conflict(buf, (size_t)n, cl->fsm.mac, cl->fsm.probed))
			continue;
		log_warn("%s: dhcp: %s is in use by %02x:%02x:%02x:%02x:%02x:%02x: declining it",
			 cl->ifname, inet_ntoa(cl->fsm.probed), buf[8], buf[9], buf[10], buf[11],
			 buf[12], buf[13]);
		carry_out(cl, now_us(), dhcp_fsm_step(&cl->fsm, now_us(), DEV_CONFLICT, NULL));
		return;
	}
}

static int open_watch(struct dhcp_client *cl, struct watch *w, uint16_t proto, watch_fn fn)
{
	static const struct sock_fprog prog = {sizeof(udp68) / sizeof(udp68[0]),
					       (struct sock_filter *)udp68};
	int fd = packet_socket(cl->ifindex, proto, proto == ETH_P_IP ? &prog : NULL);

	if (fd < 0)
		return fd;
	return loop_watch(cl->owner->loop, w, fd, fn, cl);
}

/* Sockets as the state needs them: IP while asking, ARP while probing, none when bound. */
static void sync_sockets(struct dhcp_client *cl)
{
	enum dhcp_state s = cl->fsm.state;
	bool ip = s == DHCP_SELECTING || s == DHCP_REQUESTING || s == DHCP_INIT_REBOOT ||
		  s == DHCP_RENEWING || s == DHCP_REBINDING;
	int err;

	if (!ip)
		close_watch(cl, &cl->ip_w);
	if (!dhcp_fsm_probing(&cl->fsm))
		close_watch(cl, &cl->arp_w);
	if (ip && cl->ip_w.fd < 0 && (err = open_watch(cl, &cl->ip_w, ETH_P_IP, on_ip)))
		log_warn("%s: dhcp: packet socket: %s", cl->ifname, strerror(-err));
	if (dhcp_fsm_probing(&cl->fsm) && cl->arp_w.fd < 0 &&
	    (err = open_watch(cl, &cl->arp_w, ETH_P_ARP, on_arp)))
		log_warn("%s: dhcp: ARP socket: %s", cl->ifname, strerror(-err));
}

static int send_to(struct dhcp_client *cl, int fd, uint16_t proto, const uint8_t *buf, size_t n)
{
	struct sockaddr_ll sa = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(proto),
				 .sll_ifindex = cl->ifindex,
				 .sll_halen = 6};

	memset(sa.sll_addr, 0xff, 6); /* the server's MAC is not known: broadcast */
	if (sendto(fd, buf, n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static void send_msg(struct dhcp_client *cl)
{
	uint8_t msg[DHCP_MAX_LEN], frame[DHCP_MAX_LEN + DHCP_FRAME_HDR];
	struct in_addr dst = {INADDR_BROADCAST};
	size_t n = dhcp_msg_build(msg, sizeof(msg), &cl->fsm.out);
	int err;

	if (cl->fsm.state == DHCP_RENEWING) /* unicast to the server (IP; L2 broadcast) */
		dst = cl->fsm.lease.server;
	n = n ? dhcp_frame_build(frame, sizeof(frame), cl->fsm.out.ciaddr, dst, msg, n) : 0;
	err = n && cl->ip_w.fd >= 0 ? send_to(cl, cl->ip_w.fd, ETH_P_IP, frame, n) : -EBADF;
	if (err)
		log_warn("%s: dhcp: sending %s: %s", cl->ifname, dhcp_type_name(cl->fsm.out.type),
			 strerror(-err));
	else
		log_debug("%s: dhcp: %s sent (%s)", cl->ifname, dhcp_type_name(cl->fsm.out.type),
			  dhcp_state_name(cl->fsm.state));
}

static void send_probe(struct dhcp_client *cl)
{
	uint8_t buf[DHCP_ARP_LEN];
	size_t n = dhcp_arp_probe_build(buf, sizeof(buf), cl->fsm.mac, cl->fsm.probed);
	int err = cl->arp_w.fd >= 0 ? send_to(cl, cl->arp_w.fd, ETH_P_ARP, buf, n) : -EBADF;

	if (err)
		log_warn("%s: dhcp: ARP probe: %s", cl->ifname, strerror(-err));
}

static void set_why(struct dhcp_client *cl)
{
	const struct dhcp_fsm *f = &cl->fsm;
	char a[16];

	if (f->bound)
		snprintf(cl->why, sizeof(cl->why), "dhcp: %s %s/%u", dhcp_state_name(f->state),
			 inet_ntop(AF_INET, &f->lease.addr, a, sizeof(a)), f->lease.prefixlen);
	else
		snprintf(cl->why, sizeof(cl->why), "dhcp: %s, %u messages sent",
			 dhcp_state_name(f->state), f->sent);
}

/* check_only: the OFFER against the metadata's primary, said once. */
static void check_verdict(struct dhcp_client *cl)
{
	const struct dhcp_lease *o = &cl->fsm.offer;
	char a[16], e[16];

	inet_ntop(AF_INET, &cl->expect, e, sizeof(e));
	if (!o->addr.s_addr)
		log_info("%s: dhcp check: no answer to %u DISCOVERs: nothing to compare with the "
			 "metadata's %s",
			 cl->ifname, cl->fsm.sent, e);
	else if (o->addr.s_addr == cl->expect.s_addr)
		log_info("%s: dhcp check: the DHCP server offers %s, the metadata's primary "
			 "address: they agree",
			 cl->ifname, e);
	else
		log_warn("%s: dhcp check: the DHCP server offers %s but the metadata's primary "
			 "address is %s: they disagree (the metadata's addresses are applied)",
			 cl->ifname, inet_ntop(AF_INET, &o->addr, a, sizeof(a)), e);
}

static void carry_out(struct dhcp_client *cl, uint64_t now, unsigned act)
{
	struct dhcp_clients *c = cl->owner;
	char a[16];

	sync_sockets(cl);
	/* without carrier it would be lost: carrier_came() sends it (a retransmission timer
	 * of the state machine still sends it if the carrier is never reported) */
	if ((act & DACT_SEND) && !cl->no_carrier)
		send_msg(cl);
	if (act & DACT_PROBE)
		send_probe(cl);
	set_why(cl);
	if (act & DACT_BIND) {
		const struct dhcp_lease *l = &cl->fsm.lease;

		if (!cl->bound_at) {
			cl->bound_at = now;
			cl->sent_at_bind = cl->fsm.sent;
		}
		log_info("%s: dhcp: %s/%u from %s, lease %u s (T1 %u s, T2 %u s)%s", cl->ifname,
			 inet_ntop(AF_INET, &l->addr, a, sizeof(a)), l->prefixlen,
			 inet_ntoa(l->server), l->lease_s, l->t1_s, l->t2_s,
			 l->has_routes ? ", classless routes" : "");
		lease_remember(c, cl->fsm.mac, l);
	}
	if (act & DACT_UNBIND)
		log_warn("%s: dhcp: lease of %s lost (expired or refused): removing it", cl->ifname,
			 inet_ntop(AF_INET, &cl->fsm.lease.addr, a, sizeof(a)));
	if (act & (DACT_BIND | DACT_UNBIND))
		c->changed(c->ctx, cl->ifindex);
	if (act & DACT_CHECKED)
		check_verdict(cl);
}

/* The link's name now (udev may have renamed it since the event): by its ifindex. */
static int refresh_name(struct dhcp_client *cl)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname((unsigned)cl->ifindex, name))
		return -errno;
	memcpy(cl->ifname, name, sizeof(name));
	return 0;
}

/* The link must be up to send (the plan sets it up too, later). */
static int link_up(struct dhcp_client *cl)
{
	struct ifreq ifr = {0};
	int fd, err = refresh_name(cl);

	if (err)
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cl->ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(fd);
	return err;
}

/* ---- carrier: the link notifications, only while a client waits for it ---- */

/* IPv4 flows once the link is up with carrier (IFF_LOWER_UP); IFF_RUNNING (operstate)
 * follows later through linkwatch, so it is not waited for. */
static bool has_carrier(struct dhcp_client *cl)
{
	char path[64], v[8];

	if (refresh_name(cl))
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", cl->ifname);
	return !file_read_line(path, v, sizeof(v)) && !strcmp(v, "1");
}

static void carrier_came(struct dhcp_client *cl)
{
	enum dhcp_state s = cl->fsm.state;

	cl->no_carrier = false;
	log_debug("%s: dhcp: carrier", cl->ifname);
	if (s == DHCP_SELECTING || s == DHCP_INIT_REBOOT) /* what went before is lost */
		carry_out(cl, now_us(), dhcp_fsm_step(&cl->fsm, now_us(), DEV_TIMEOUT, NULL));
}

static void carrier_msg(const struct nlmsghdr *nlh, void *data)
{
	struct dhcp_clients *c = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct dhcp_client *cl;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	cl = find(c, ifi->ifi_index);
	if (cl && cl->no_carrier && (ifi->ifi_flags & IFF_LOWER_UP))
		carrier_came(cl);
}

static void carrier_sync(struct dhcp_clients *c);

static void carrier_lost(void *data)
{
	struct dhcp_clients *c = data;

	for (unsigned i = 0; i < c->n; i++) /* notifications lost: ask each one */
		if (c->v[i]->no_carrier && has_carrier(c->v[i]))
			carrier_came(c->v[i]);
}

static void carrier_read(struct watch *w, uint32_t events)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct dhcp_clients *c = w->data;
	int err;

	(void)events;
	err = nl_drain(c->carrier_nl, buf, sizeof(buf), carrier_msg, carrier_lost, c);
	if (err)
		log_warn("dhcp: link notifications: %s", strerror(-err));
	carrier_sync(c);
}

static void carrier_close(struct dhcp_clients *c)
{
	if (!c->carrier_nl)
		return;
	loop_del(c->loop, &c->carrier_w);
	mnl_socket_close(c->carrier_nl);
	c->carrier_nl = NULL;
}

/* Open while some client waits for carrier, closed otherwise. */
static void carrier_sync(struct dhcp_clients *c)
{
	bool waiting = false;

	for (unsigned i = 0; i < c->n; i++)
		waiting |= c->v[i]->no_carrier;
	if (!waiting) {
		carrier_close(c);
		return;
	}
	if (c->carrier_nl)
		return;
	c->carrier_nl = nl_open(NETLINK_ROUTE, 0, 0);
	if (!c->carrier_nl || nl_join(c->carrier_nl, RTNLGRP_LINK) ||
	    loop_watch(c->loop, &c->carrier_w, mnl_socket_get_fd(c->carrier_nl), carrier_read, c)) {
		log_warn("dhcp: link notifications: %m; a link without carrier is asked again "
			 "at the next retransmission");
		if (c->carrier_nl)
			mnl_socket_close(c->carrier_nl);
		c->carrier_nl = NULL;
	}
}

/* A new client for ifindex in the table (a running one is replaced), or NULL. */
static struct dhcp_client *client_new(struct dhcp_clients *c, int ifindex)
{
	struct dhcp_client *cl, **v;

	dhcp_client_stop(c, ifindex);
	cl = calloc(1, sizeof(*cl));
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (v)
		c->v = v;
	if (!cl || !v) {
		free(cl);
		return NULL;
	}
	c->v[c->n++] = cl;
	cl->owner = c;
	cl->ifindex = ifindex;
	cl->ip_w.fd = cl->arp_w.fd = -1;
	return cl;
}

/* The link up, its carrier watched, the state machine set up: 0 or -errno (stopped). */
static int client_ready(struct dhcp_client *cl, const char *ifname, const uint8_t mac[6])
{
	struct dhcp_clients *c = cl->owner;
	int err;

	snprintf(cl->ifname, sizeof(cl->ifname), "%s", ifname);
	cl->no_carrier = true; /* watched before it is asked: carrier cannot come unseen */
	carrier_sync(c);
	err = link_up(cl);
	if (err) {
		log_warn("%s: dhcp: setting the link up: %s", ifname, strerror(-err));
		dhcp_client_stop(c, cl->ifindex);
		return err;
	}
	cl->no_carrier = !has_carrier(cl);
	carrier_sync(c);
	cl->started_at = now_us();
	dhcp_fsm_init(&cl->fsm, mac, client_random, NULL);
	cl->fsm.lease_max_s = c->lease_max_s;
	return 0;
}

int dhcp_client_start(struct dhcp_clients *c, int ifindex, const char *ifname, const uint8_t mac[6])
{
	const struct dhcp_client *old_cl = find(c, ifindex);
	struct dhcp_client *cl;
	struct dhcp_lease old;
	bool known;
	int err;

	if (old_cl && !old_cl->fsm.check_only)
		return 0;
	cl = client_new(c, ifindex);
	if (!cl)
		return -ENOMEM;
	err = client_ready(cl, ifname, mac);
	if (err)
		return err;
	known = lease_recall(c, mac, &old);
	log_info("%s: dhcp: %s%s", cl->ifname,
		 known ? "INIT-REBOOT with the address it had" : "DISCOVER",
		 cl->no_carrier ? " (no carrier yet: sent when it comes)" : "");
	carry_out(cl, cl->started_at,
		  dhcp_fsm_start(&cl->fsm, cl->started_at, known ? &old : NULL));
	return 0;
}

int dhcp_client_check(struct dhcp_clients *c, int ifindex, const char *ifname, const uint8_t mac[6],
		      struct in_addr expect)
{
	struct dhcp_client *cl = find(c, ifindex);
	int err;

	if (cl && cl->fsm.check_only) {
		if (cl->expect.s_addr != expect.s_addr) { /* the metadata changed: compare again */
			cl->expect = expect;
			if (cl->fsm.checked)
				check_verdict(cl);
		}
		return 0;
	}
	cl = client_new(c, ifindex); /* a lease client (DHCP before the metadata) stops */
	if (!cl)
		return -ENOMEM;
	err = client_ready(cl, ifname, mac);
	if (err)
		return err;
	cl->expect = expect;
	cl->fsm.check_only = true;
	log_info("%s: dhcp check: DISCOVER (the lease must agree with the metadata)%s", cl->ifname,
		 cl->no_carrier ? " (no carrier yet: sent when it comes)" : "");
	carry_out(cl, cl->started_at, dhcp_fsm_start(&cl->fsm, cl->started_at, NULL));
	return 0;
}

static void client_free(struct dhcp_client *cl)
{
	close_watch(cl, &cl->ip_w);
	close_watch(cl, &cl->arp_w);
	free(cl);
}

void dhcp_client_stop(struct dhcp_clients *c, int ifindex)
{
	for (unsigned i = 0; i < c->n; i++) {
		if (c->v[i]->ifindex != ifindex)
			continue;
		struct dhcp_client *cl = c->v[i];

		close_watch(cl, &cl->ip_w);
		close_watch(cl, &cl->arp_w);
		cl->next_stopped = c->stopped;
		c->stopped = cl;
		c->v[i] = c->v[--c->n];
		carrier_sync(c);
		return;
	}
}

void dhcp_clients_idle(struct dhcp_clients *c)
{
	while (c->stopped) {
		struct dhcp_client *cl = c->stopped;

		c->stopped = cl->next_stopped;
		client_free(cl);
	}
}

void dhcp_clients_free(struct dhcp_clients *c)
{
	dhcp_clients_idle(c);
	for (unsigned i = 0; i < c->n; i++)
		client_free(c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
	carrier_close(c);
}

const struct dhcp_lease *dhcp_client_lease(const struct dhcp_clients *c, int ifindex)
{
	const struct dhcp_client *cl = find(c, ifindex);

	return cl && cl->fsm.bound ? &cl->fsm.lease : NULL;
}

const char *dhcp_client_why(const struct dhcp_clients *c, int ifindex)
{
	const struct dhcp_client *cl = find(c, ifindex);

	return cl ? cl->why : "dhcp: not running";
}

uint64_t dhcp_clients_next_timer(const struct dhcp_clients *c)
{
	uint64_t at = 0;

	for (unsigned i = 0; i < c->n; i++) {
		uint64_t t = dhcp_fsm_next(&c->v[i]->fsm);

		if (t && (!at || t < at))
			at = t;
	}
	return at;
}

void dhcp_clients_timer(struct dhcp_clients *c, uint64_t now)
{
	/* by ifindex: a client's changed() may stop another one and shift the array */
	int ifs[64];
	unsigned n = 0;

	for (unsigned i = 0; i < c->n && n < 64; i++) {
		uint64_t t = dhcp_fsm_next(&c->v[i]->fsm);

		if (t && t <= now)
			ifs[n++] = c->v[i]->ifindex;
	}
	for (unsigned i = 0; i < n; i++) {
		struct dhcp_client *cl = find(c, ifs[i]);

		if (cl)
			carry_out(cl, now, dhcp_fsm_timer(&cl->fsm, now));
	}
}

static long long secs_to(uint64_t at, uint64_t now)
{
	return at > now ? (long long)((at - now) / 1000000u) : 0;
}

static int describe_check(const struct dhcp_client *cl, char *buf, size_t len)
{
	const struct dhcp_fsm *f = &cl->fsm;
	char a[16], e[16], s[16];

	inet_ntop(AF_INET, &cl->expect, e, sizeof(e));
	if (!f->checked)
		snprintf(buf, len, "check: %s, %u messages sent", dhcp_state_name(f->state),
			 f->sent);
	else if (!f->offer.addr.s_addr)
		snprintf(buf, len, "check: no answer to %u DISCOVERs", f->sent);
	else
		snprintf(buf, len, "check: %s/%u offered by %s (%u DISCOVER) %s the metadata's %s",
			 inet_ntop(AF_INET, &f->offer.addr, a, sizeof(a)), f->offer.prefixlen,
			 inet_ntop(AF_INET, &f->offer.server, s, sizeof(s)), f->sent,
			 f->offer.addr.s_addr == cl->expect.s_addr ? "agrees with"
								   : "disagrees with",
			 e);
	return 0;
}

int dhcp_client_describe(const struct dhcp_clients *c, int ifindex, uint64_t now, char *buf,
			 size_t len)
{
	const struct dhcp_client *cl = find(c, ifindex);
	const struct dhcp_fsm *f;
	char a[16], s[16];

	if (!cl)
		return -ENOENT;
	f = &cl->fsm;
	if (f->check_only)
		return describe_check(cl, buf, len);
	if (!f->bound) {
		snprintf(buf, len, "%s, %u messages sent", dhcp_state_name(f->state), f->sent);
		return 0;
	}
	if (f->state != DHCP_BOUND && f->state != DHCP_RENEWING && f->state != DHCP_REBINDING) {
		snprintf(buf, len,
			 "%s, %u messages sent; %s/%u NAKed, kept %lld s more for the "
			 "new lease",
			 dhcp_state_name(f->state), f->sent,
			 inet_ntop(AF_INET, &f->lease.addr, a, sizeof(a)), f->lease.prefixlen,
			 secs_to(f->expire_at, now));
		return 0;
	}
	snprintf(buf, len,
		 "%s %s/%u from %s, T1 in %lld s, T2 in %lld s, expires in %lld s, "
		 "bound in %llu ms after %u messages",
		 dhcp_state_name(f->state), inet_ntop(AF_INET, &f->lease.addr, a, sizeof(a)),
		 f->lease.prefixlen, inet_ntop(AF_INET, &f->lease.server, s, sizeof(s)),
		 secs_to(f->t1_at, now), secs_to(f->t2_at, now), secs_to(f->expire_at, now),
		 (unsigned long long)(cl->bound_at - cl->started_at) / 1000u, cl->sent_at_bind);
	return 0;
}
