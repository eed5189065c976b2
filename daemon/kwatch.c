// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "kwatch.h"
#include "log.h"
#include "nl_util.h"
#include "rtnl_msg.h"
#include "util.h"

#define KWATCH_RCVBUF (4 * 1024 * 1024)

/* The sender of a notification: the requester's netlink port, usually its pid. */
static void who(uint32_t portid, char *out, size_t len)
{
	char path[64], comm[32] = "";

	snprintf(path, sizeof(path), "/proc/%u/comm", portid);
	if (file_read_line(path, comm, sizeof(comm)) == 0 && comm[0])
		snprintf(out, len, "pid %u (%s)", portid, comm);
	else
		snprintf(out, len, "netlink port %u", portid);
}

/*
 * The kernel drops enid's own notifications before they are queued: a 16-address ENI's
 * batch makes about 60 of them, which this socket would only read to skip (kwatch_msg
 * skips them too, should the filter be missing). Those of the kernel itself (port 0: the
 * local and prefix routes of an address) and everyone else's still come.
 */
static void drop_own(struct kwatch *kw)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
		/* loaded big-endian: the port as the host stored it, swapped alike */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(kw->own_portid), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (kw->own_portid && setsockopt(mnl_socket_get_fd(kw->nl), SOL_SOCKET, SO_ATTACH_FILTER,
					 &prog, sizeof(prog)) < 0)
		log_debug("rule/route/address notifications: no filter for our own (%s)",
			  strerror(errno));
}

/* Every rule and route notification, anyone's: the foreign occupants of our ranges. */
static void track_foreign(struct kwatch *kw, const struct nlmsghdr *nlh)
{
	bool present = nlh->nlmsg_type == RTM_NEWRULE || nlh->nlmsg_type == RTM_NEWROUTE;
	struct kroute rt;
	struct krule r;
	int err = 0;

	if (nlh->nlmsg_type == RTM_NEWRULE || nlh->nlmsg_type == RTM_DELRULE) {
		if (rtnl_parse_rule(nlh, &r) == 0)
			err = kstate_foreign_rule(&kw->foreign, kw->cfg, &r, present);
	} else if (nlh->nlmsg_type == RTM_NEWROUTE || nlh->nlmsg_type == RTM_DELROUTE) {
		if (rtnl_parse_route(nlh, &rt) == 0)
			err = kstate_foreign_route(&kw->foreign, kw->cfg, &rt, present);
	}
	if (err)
		kw->stale = true;
}

void kwatch_sync(struct kwatch *kw, const struct kstate *ks)
{
	kw->stale = kstate_foreign_copy(&kw->foreign, kw->cfg, ks) != 0;
}

/* A deletion by another process of something that may be ours: what and where. */
static bool undone_of(struct kwatch *kw, const struct nlmsghdr *nlh, struct kwatch_undone *u)
{
	struct kroute rt;
	struct krule r;
	struct kaddr a;

	memset(u, 0, sizeof(*u));
	switch (nlh->nlmsg_type) {
	case RTM_DELRULE:
		if (rtnl_parse_rule(nlh, &r))
			return false;
		u->what = KW_RULE;
		u->rule = r;
		u->slot = krule_slot(kw->cfg, &r);
		u->host =
			!u->slot && r.r.protocol == ENID_RTPROT && host_pref_is(kw->cfg, r.r.pref);
		return u->slot != 0 || u->host;
	case RTM_DELROUTE:
		if (rtnl_parse_route(nlh, &rt))
			return false;
		u->what = KW_ROUTE;
		u->route = rt;
		if (kroute_classify(kw->cfg, &rt, &u->slot) == KR_FOREIGN)
			return false;
		u->ifindex = rt.r.table == RT_TABLE_MAIN ? rt.r.oif : 0;
		return true;
	case RTM_DELADDR:
		if (rtnl_parse_addr(nlh, &a))
			return false;
		u->what = KW_ADDR;
		u->ifindex = a.ifindex;
		u->ip = a.a.ip;
		return true;
	default:
		return false;
	}
}

static void kwatch_msg(const struct nlmsghdr *nlh, void *data)
{
	struct kwatch *kw = data;
	struct kwatch_undone u;
	char by[64];

	track_foreign(kw, nlh);
	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR) {
		struct kaddr a;

		if (rtnl_parse_addr(nlh, &a) == 0)
			kw->ops->addr_changed(kw->ctx, a.ifindex);
	}
	/*
	 * Our own deletions (stale state, cleanups) come back too; port 0 is the kernel
	 * dropping a device's state as it goes down or away, which the link events report.
	 */
	if (!nlh->nlmsg_pid || nlh->nlmsg_pid == kw->own_portid || !undone_of(kw, nlh, &u))
		return;
	who(nlh->nlmsg_pid, by, sizeof(by));
	u.who = by;
	kw->events++;
	kw->ops->undone(kw->ctx, &u);
}

static void kwatch_lost(void *data)
{
	struct kwatch *kw = data;

	kw->stale = true;
	kw->ops->addr_changed(kw->ctx, 0);
	kw->ops->lost(kw->ctx);
}

static void kwatch_read(struct watch *w, uint32_t events)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct kwatch *kw = w->data;
	int err;

	(void)events;
	err = nl_drain(kw->nl, buf, sizeof(buf), kwatch_msg, kwatch_lost, kw);
	if (err)
		log_err("rule/route/address notifications: %s", strerror(-err));
}

int kwatch_open(struct kwatch *kw, struct loop *loop, const struct enid_config *cfg,
		uint32_t own_portid, const struct kwatch_ops *ops, void *ctx)
{
	static const unsigned int groups[] = {
		RTNLGRP_IPV4_RULE,  RTNLGRP_IPV6_RULE,	 RTNLGRP_IPV4_ROUTE,
		RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	};
	int err;

	memset(kw, 0, sizeof(*kw));
	kw->loop = loop;
	kw->cfg = cfg;
	kw->own_portid = own_portid;
	kw->ops = ops;
	kw->ctx = ctx;
	kw->nl = nl_open(NETLINK_ROUTE, 0, KWATCH_RCVBUF);
	if (!kw->nl)
		return -errno;
	for (unsigned int i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		err = nl_join(kw->nl, groups[i]);
		if (err)
			return err;
	}
	drop_own(kw);
	return loop_watch(loop, &kw->w, mnl_socket_get_fd(kw->nl), kwatch_read, kw);
}

void kwatch_close(struct kwatch *kw)
{
	if (!kw->nl)
		return;
	loop_del(kw->loop, &kw->w);
	mnl_socket_close(kw->nl);
	kw->nl = NULL;
	kstate_free(&kw->foreign);
}
