// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "enid.h"
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

	if (!portid) {
		snprintf(out, len, "the kernel");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", portid);
	if (file_read_line(path, comm, sizeof(comm)) == 0 && comm[0])
		snprintf(out, len, "pid %u (%s)", portid, comm);
	else
		snprintf(out, len, "netlink port %u", portid);
}

/*
 * One heal per apply: what one process deletes in a burst (networkd flushing its foreign
 * rules, an ip -batch) is counted and answered once. The plan is sent again as it is;
 * what still exists answers EEXIST and is compared after (verify), so nothing waits for
 * a dump before the missing pieces go back.
 */
static void heal(struct enid *d, struct link *l, const struct nlmsghdr *nlh, const char *what)
{
	uint64_t now = now_us(), delay;

	if (l->state != LINK_CONFIGURED && l->state != LINK_CONFIGURING)
		return;
	who(nlh->nlmsg_pid, l->heal.by, sizeof(l->heal.by));
	if (l->heal_queued)
		return;
	l->heal_queued = true;
	delay = heal_delay(&l->heal, now);
	l->pending = true;
	if (!delay) {
		log_info("%s: %s deleted by %s: applying again", l->facts.ifname, what, l->heal.by);
		return;
	}
	log_warn("%s: %s deleted by %s again (%u times in %llu s): applying again in %llu ms",
		 l->facts.ifname, what, l->heal.by, l->heal.in_window,
		 HEAL_WINDOW_US / 1000000ULL, (unsigned long long)(delay / 1000));
	l->retry_at = now + delay;
	enid_timer_rearm(d);
}

static struct link *link_of_slot(struct enid *d, unsigned int slot)
{
	for (unsigned int i = 0; slot && i < d->n_links; i++)
		if (d->links[i]->slot == slot && d->links[i]->managed && !d->links[i]->cleanup)
			return d->links[i];
	return NULL;
}

static bool addr_planned(const struct link *l, const struct enid_ip *ip)
{
	for (unsigned int i = 0; l->addr && i < l->addr->n_addrs; i++)
		if (l->addr->addrs[i].family == ip->family &&
		    l->addr->addrs[i].prefixlen == ip->prefixlen &&
		    enid_ip_same_addr(&l->addr->addrs[i], ip))
			return true;
	return false;
}

/* Every rule and route notification, anyone's: the foreign occupants of our ranges. */
static void track_foreign(struct enid *d, const struct nlmsghdr *nlh)
{
	bool present = nlh->nlmsg_type == RTM_NEWRULE || nlh->nlmsg_type == RTM_NEWROUTE;
	struct kroute rt;
	struct krule r;
	int err = 0;

	if (nlh->nlmsg_type == RTM_NEWRULE || nlh->nlmsg_type == RTM_DELRULE) {
		if (rtnl_parse_rule(nlh, &r) == 0)
			err = kstate_foreign_rule(&d->kwatch.foreign, &d->cfg, &r, present);
	} else if (nlh->nlmsg_type == RTM_NEWROUTE || nlh->nlmsg_type == RTM_DELROUTE) {
		if (rtnl_parse_route(nlh, &rt) == 0)
			err = kstate_foreign_route(&d->kwatch.foreign, &d->cfg, &rt, present);
	}
	if (err)
		d->kwatch.stale = true;
}

void kwatch_sync(struct enid *d)
{
	d->kwatch.stale = kstate_foreign_copy(&d->kwatch.foreign, &d->cfg, &d->ks) != 0;
}

static void kwatch_msg(const struct nlmsghdr *nlh, void *data)
{
	struct enid *d = data;
	struct link *l = NULL;
	const char *what = NULL;
	unsigned int slot;
	struct krule r;
	struct kroute rt;
	struct kaddr a;

	track_foreign(d, nlh);
	/*
	 * Our own deletions (stale state, cleanups) come back too; port 0 is the kernel
	 * dropping a device's state as it goes down or away, which the link events report.
	 */
	if (!nlh->nlmsg_pid || nlh->nlmsg_pid == rtreq_portid(&d->rtreq))
		return;
	switch (nlh->nlmsg_type) {
	case RTM_DELRULE:
		if (rtnl_parse_rule(nlh, &r) == 0)
			l = link_of_slot(d, krule_slot(&d->cfg, &r));
		what = "a rule";
		break;
	case RTM_DELROUTE:
		if (rtnl_parse_route(nlh, &rt) || kroute_classify(&d->cfg, &rt, &slot) == KR_FOREIGN)
			break;
		l = link_of_slot(d, slot);
		if (l && rt.r.table == RT_TABLE_MAIN && rt.r.oif != l->facts.ifindex)
			l = NULL;
		what = "a route";
		break;
	case RTM_DELADDR:
		if (rtnl_parse_addr(nlh, &a) == 0) {
			l = links_find(d, a.ifindex);
			if (l && (!l->managed || !addr_planned(l, &a.a.ip)))
				l = NULL;
		}
		what = "an address";
		break;
	default:
		return;
	}
	if (!l)
		return;
	d->kwatch.events++;
	heal(d, l, nlh, what);
}

static void kwatch_lost(void *data)
{
	struct enid *d = data;

	log_warn("rule/route/address notifications lost (ENOBUFS): applying every ENI again");
	d->kwatch.stale = true;
	for (unsigned int i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (l->managed && l->state == LINK_CONFIGURED) {
			l->pending = true;
			l->dirty = true;
		}
	}
}

static void kwatch_read(struct watch *w, uint32_t events)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct enid *d = w->data;
	int err;

	(void)events;
	err = nl_drain(d->kwatch.nl, buf, sizeof(buf), kwatch_msg, kwatch_lost, d);
	if (err)
		log_err("rule/route/address notifications: %s", strerror(-err));
}

int kwatch_open(struct enid *d)
{
	static const unsigned int groups[] = {
		RTNLGRP_IPV4_RULE,  RTNLGRP_IPV6_RULE,	 RTNLGRP_IPV4_ROUTE,
		RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	};
	int err;

	d->kwatch.nl = nl_open(NETLINK_ROUTE, 0, KWATCH_RCVBUF);
	if (!d->kwatch.nl)
		return -errno;
	for (unsigned int i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		err = nl_join(d->kwatch.nl, groups[i]);
		/* IPv6 disabled: its groups still exist; any other error is real */
		if (err)
			return err;
	}
	return loop_watch(&d->loop, &d->kwatch.w, mnl_socket_get_fd(d->kwatch.nl), kwatch_read,
			  d);
}

void kwatch_close(struct enid *d)
{
	if (!d->kwatch.nl)
		return;
	loop_del(&d->loop, &d->kwatch.w);
	mnl_socket_close(d->kwatch.nl);
	d->kwatch.nl = NULL;
	kstate_free(&d->kwatch.foreign);
}
