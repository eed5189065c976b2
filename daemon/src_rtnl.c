// SPDX-License-Identifier: GPL-2.0-or-later
/* Event source: rtnetlink link events and link dumps (src_rtnl.h). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "log.h"
#include "nl_util.h"
#include "rtnl_msg.h"
#include "src_rtnl.h"
#include "util.h"

#define EVENT_RCVBUF (4 * 1024 * 1024)

void src_rtnl_sysfs_driver(const char *ifname, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	out[0] = '\0';
	if (!ifname[0] || strchr(ifname, '/'))
		return;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", ifname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	snprintf(out, len, "%s", basename(target));
}

static void handle_link(struct rtnl_src *r, const struct nlmsghdr *nlh, uint64_t t)
{
	const struct src_ops *ops = r->s.ops;
	struct link_facts f;
	struct klink k;

	if (rtnl_parse_link(nlh, &k) < 0)
		return;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		ops->gone(ops->ctx, k.ifindex);
		return;
	}
	if (k.mac_len != 6)
		return; /* not Ethernet-like: never an ENI */
	memset(&f, 0, sizeof(f));
	f.ifindex = k.ifindex;
	snprintf(f.ifname, sizeof(f.ifname), "%s", k.ifname);
	memcpy(f.mac, k.mac, 6);
	f.mtu = k.mtu;
	if (!ops->known_driver(ops->ctx, k.ifindex, f.driver, sizeof(f.driver))) {
		src_rtnl_sysfs_driver(k.ifname, f.driver, sizeof(f.driver));
		if (!f.driver[0])
			snprintf(f.driver, sizeof(f.driver), "%s", k.kind);
	}
	ops->seen(ops->ctx, &f, NULL, t);
}

/* A failed link dump leaves the links unreconciled: again later, backed off and jittered. */
static void dump_failed(struct rtnl_src *r, int err)
{
	uint64_t delay = src_retry_delay_us(++r->s.dump_fails);

	log_warn("link dump failed: %s; retry %u in %llu ms", strerror(-err), r->s.dump_fails,
		 (unsigned long long)(delay / 1000));
	r->retry_at = now_us() + delay;
	r->s.ops->timer_changed(r->s.ops->ctx);
}

uint64_t rtnl_source_next_timer(const struct rtnl_src *r)
{
	return r->retry_at;
}

void rtnl_source_timer(struct rtnl_src *r, uint64_t now)
{
	int err;

	if (!r->retry_at || r->retry_at > now)
		return;
	r->retry_at = 0;
	if (!r->s.active)
		return;
	err = rtnl_source_start(r);
	if (err)
		dump_failed(r, err);
}

static void rtev_msg(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_src *r = data;
	int err;
	/* our dump's replies; events may carry another requester's seq */
	bool mine = nlh->nlmsg_pid == mnl_socket_get_portid(r->s.sock);
	bool ours = mine && r->s.dump_seq && nlh->nlmsg_seq == r->s.dump_seq;

	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		if (!ours)
			return;
		r->s.dump_seq = 0;
		err = nlh->nlmsg_type == NLMSG_ERROR ? nl_error_code(nlh) : nl_done_code(nlh);
		if (err) {
			dump_failed(r, err);
			return;
		}
		r->s.dump_fails = 0;
		if (r->s.active)
			r->s.ops->dump_done(r->s.ops->ctx, true);
		return;
	}
	if (mine && !ours)
		return; /* a reply to an abandoned dump */
	if (!r->s.active) {
		/* genetlink mode: removals only, a second witness of unplugs */
		if (nlh->nlmsg_type == RTM_DELLINK)
			handle_link(r, nlh, now_us());
		return;
	}
	handle_link(r, nlh, now_us());
}

/* The kernel drops to this socket until it is read empty: resync after the drain. */
static void rtev_lost(void *data)
{
	struct rtnl_src *r = data;

	r->s.lost = true;
}

static void rtev_read(struct watch *w, uint32_t events)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct rtnl_src *r = w->data;
	int err;

	(void)events;
	err = nl_drain(r->s.sock, buf, sizeof(buf), rtev_msg, rtev_lost, r);
	if (err)
		log_err("rtnetlink event socket: %s", strerror(-err));
	if (r->s.lost) {
		r->s.lost = false;
		if (r->s.active)
			r->s.ops->resync(r->s.ops->ctx, "rtnetlink events lost (ENOBUFS)");
		else
			r->s.ops->resync(r->s.ops->ctx, "rtnetlink link removals lost (ENOBUFS)");
	}
}

int rtnl_source_open(struct rtnl_src *r, struct loop *loop, const struct src_ops *ops)
{
	int err;

	r->s.loop = loop;
	r->s.ops = ops;
	r->s.sock = nl_open(NETLINK_ROUTE, 0, EVENT_RCVBUF);
	if (!r->s.sock)
		return -errno;
	err = nl_join(r->s.sock, RTNLGRP_LINK);
	if (err)
		return err;
	r->joined = true;
	return loop_watch(r->s.loop, &r->s.w, mnl_socket_get_fd(r->s.sock), rtev_read, r);
}

void rtnl_source_close(struct rtnl_src *r)
{
	if (!r->s.sock)
		return;
	loop_del(r->s.loop, &r->s.w);
	mnl_socket_close(r->s.sock);
	r->s.sock = NULL;
}

/* Joins the link group (once: it stays for unplugs in genetlink mode too), then dumps:
 * events after the join are never missed. */
int rtnl_source_start(struct rtnl_src *r)
{
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int err;

	if (!r->joined) {
		err = nl_join(r->s.sock, RTNLGRP_LINK);
		if (err)
			return err;
		r->joined = true;
	}
	r->s.ops->dump_begin(r->s.ops->ctx);
	src_dump_seq(&r->s);
	nlh = rtnl_build_dump_links(req, sizeof(req), r->s.dump_seq);
	if (mnl_socket_sendto(r->s.sock, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		r->s.dump_seq = 0;
		return err;
	}
	return 0;
}

void rtnl_source_stop(struct rtnl_src *r)
{
	/* stay in the group: RTM_DELLINK still reports unplugs in genetlink mode */
	r->s.dump_seq = 0;
}
