// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Event source: rtnetlink RTM_NEWLINK/RTM_DELLINK (group RTNLGRP_LINK), used when the
 * eni_notify module is absent. The driver comes from sysfs (the parent device's driver
 * link), else from the link kind (veth, dummy: no parent device).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "enid.h"
#include "log.h"
#include "nl_util.h"
#include "rtnl_msg.h"
#include "util.h"

#define EVENT_RCVBUF	   (4 * 1024 * 1024)
#define DUMP_RETRY_BASE_US 50000u
#define DUMP_RETRY_MAX_US  5000000u

/* The parent device's driver ("virtio_net"), or "" when it has none. */
static void sysfs_driver(const char *ifname, char *out, size_t len)
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

static void handle_link(struct enid *d, const struct nlmsghdr *nlh, uint64_t t)
{
	struct link_facts f;
	struct klink k;
	struct link *l;

	if (rtnl_parse_link(nlh, &k) < 0)
		return;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		links_gone(d, k.ifindex);
		return;
	}
	if (k.mac_len != 6)
		return; /* not Ethernet-like: never an ENI */
	memset(&f, 0, sizeof(f));
	f.ifindex = k.ifindex;
	snprintf(f.ifname, sizeof(f.ifname), "%s", k.ifname);
	memcpy(f.mac, k.mac, 6);
	f.mtu = k.mtu;
	l = links_find(d, k.ifindex);
	if (l) {
		memcpy(f.driver, l->facts.driver, sizeof(f.driver));
	} else {
		sysfs_driver(k.ifname, f.driver, sizeof(f.driver));
		if (!f.driver[0])
			snprintf(f.driver, sizeof(f.driver), "%s", k.kind);
	}
	links_seen(d, &f, NULL, t);
}

/* A failed link dump leaves the links unreconciled: again later, backed off and jittered. */
static void dump_failed(struct enid *d, int err)
{
	uint64_t delay = DUMP_RETRY_BASE_US;

	d->rtnl_dump_fails++;
	for (unsigned int i = 1; i < d->rtnl_dump_fails && delay < DUMP_RETRY_MAX_US; i++)
		delay *= 2;
	if (delay > DUMP_RETRY_MAX_US)
		delay = DUMP_RETRY_MAX_US;
	delay = delay / 2 + (uint64_t)random() % (delay / 2 + 1);
	log_warn("link dump failed: %s; retry %u in %llu ms", strerror(-err), d->rtnl_dump_fails,
		 (unsigned long long)(delay / 1000));
	d->rtnl_retry_at = now_us() + delay;
	enid_timer_rearm(d);
}

void rtnl_source_timer(struct enid *d, uint64_t now)
{
	int err;

	if (!d->rtnl_retry_at || d->rtnl_retry_at > now)
		return;
	d->rtnl_retry_at = 0;
	if (d->mode != MODE_RTNL)
		return;
	err = rtnl_source_start(d);
	if (err)
		dump_failed(d, err);
}

static void rtev_msg(const struct nlmsghdr *nlh, void *data)
{
	struct enid *d = data;
	int err;
	/* our dump's replies; events may carry another requester's seq */
	bool mine = nlh->nlmsg_pid == mnl_socket_get_portid(d->rtev);
	bool ours = mine && d->rtnl_dump_seq && nlh->nlmsg_seq == d->rtnl_dump_seq;

	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		if (!ours)
			return;
		d->rtnl_dump_seq = 0;
		err = nlh->nlmsg_type == NLMSG_ERROR ? nl_error_code(nlh) : nl_done_code(nlh);
		if (err) {
			dump_failed(d, err);
			return;
		}
		d->rtnl_dump_fails = 0;
		if (d->mode == MODE_RTNL)
			links_dump_done(d, true);
		return;
	}
	if (mine && !ours)
		return; /* a reply to an abandoned dump */
	if (d->mode != MODE_RTNL) {
		/* genetlink mode: removals only, a second witness of unplugs */
		if (nlh->nlmsg_type == RTM_DELLINK)
			handle_link(d, nlh, now_us());
		return;
	}
	handle_link(d, nlh, now_us());
}

/* The kernel drops to this socket until it is read empty: resync after the drain. */
static void rtev_lost(void *data)
{
	struct enid *d = data;

	d->rtnl_lost = true;
}

static void rtev_read(struct watch *w, uint32_t events)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct enid *d = w->data;
	int err;

	(void)events;
	err = nl_drain(d->rtev, buf, sizeof(buf), rtev_msg, rtev_lost, d);
	if (err)
		log_err("rtnetlink event socket: %s", strerror(-err));
	if (d->rtnl_lost) {
		d->rtnl_lost = false;
		enid_resync(d, "rtnetlink events lost (ENOBUFS)");
	}
}

int rtnl_source_open(struct enid *d)
{
	int err;

	d->rtev = nl_open(NETLINK_ROUTE, 0, EVENT_RCVBUF);
	if (!d->rtev)
		return -errno;
	err = nl_join(d->rtev, RTNLGRP_LINK);
	if (err)
		return err;
	d->rtev_joined = true;
	return loop_watch(&d->loop, &d->rtev_w, mnl_socket_get_fd(d->rtev), rtev_read, d);
}

void rtnl_source_close(struct enid *d)
{
	if (!d->rtev)
		return;
	loop_del(&d->loop, &d->rtev_w);
	mnl_socket_close(d->rtev);
	d->rtev = NULL;
}

/* Joins the link group (once: it stays for unplugs in genetlink mode too), then dumps:
 * events after the join are never missed. */
int rtnl_source_start(struct enid *d)
{
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int err;

	if (!d->rtev_joined) {
		err = nl_join(d->rtev, RTNLGRP_LINK);
		if (err)
			return err;
		d->rtev_joined = true;
	}
	d->gen++;
	d->rtnl_dump_seq = ++d->req_seq;
	nlh = rtnl_build_dump_links(req, sizeof(req), d->rtnl_dump_seq);
	if (mnl_socket_sendto(d->rtev, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		d->rtnl_dump_seq = 0;
		return err;
	}
	return 0;
}

void rtnl_source_stop(struct enid *d)
{
	/* stay in the group: RTM_DELLINK still reports unplugs in genetlink mode */
	d->rtnl_dump_seq = 0;
}
