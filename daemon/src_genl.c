// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Event source: the eni_notify generic-netlink family. One socket carries the family's
 * events, its dump replies (so both arrive in kernel order) and nlctrl's notifications
 * (the family coming and going as the module loads and unloads).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#include "eni_msg.h"
#include "enid.h"
#include "genl_ctrl.h"
#include "log.h"
#include "nl_util.h"
#include "util.h"

#define EVENT_RCVBUF (4 * 1024 * 1024)
/* A failed dump is tried again after 50 ms, doubling up to 5 s, with jitter. */
#define DUMP_RETRY_BASE_US 50000u
#define DUMP_RETRY_MAX_US  5000000u
/* A dump not answered by then is taken as failed (an error ACK can be dropped). */
#define DUMP_DEADLINE_US 5000000u

static uint64_t dump_max_seq;

static uint64_t dump_retry_delay_us(unsigned int fails)
{
	uint64_t delay = DUMP_RETRY_BASE_US;

	while (fails-- > 1 && delay < DUMP_RETRY_MAX_US)
		delay *= 2;
	if (delay > DUMP_RETRY_MAX_US)
		delay = DUMP_RETRY_MAX_US;
	/* anywhere in the upper half, so daemons that failed together do not retry in step */
	return delay / 2 + (uint64_t)random() % (delay / 2 + 1);
}

/* One timer: while a dump runs, its deadline; after a failed one, the retry. 0 disarms. */
static void dump_timer_set(struct enid *d, uint64_t delay_us)
{
	struct itimerspec its = {0};

	if (!d->genl_retry_w.fn)
		return;
	its.it_value.tv_sec = (time_t)(delay_us / 1000000u);
	its.it_value.tv_nsec = (long)(delay_us % 1000000u) * 1000;
	if (timerfd_settime(d->genl_retry_w.fd, 0, &its, NULL) < 0)
		log_err("eni_notify dump timer: %m");
}

/* A dump failed: the links stay unreconciled until one succeeds, so try again later. */
static void dump_failed(struct enid *d, int err, const char *detail)
{
	uint64_t delay;

	d->genl_dump_fails++;
	delay = dump_retry_delay_us(d->genl_dump_fails);
	log_warn("eni_notify dump failed: %s%s%s; retry %u in %llu ms", strerror(-err),
		 detail ? ": " : "", detail ? detail : "", d->genl_dump_fails,
		 (unsigned long long)(delay / 1000));
	dump_timer_set(d, delay);
}

static void dump_succeeded(struct enid *d)
{
	if (d->genl_dump_fails)
		log_info("eni_notify dump done after %u failed attempts", d->genl_dump_fails);
	d->genl_dump_fails = 0;
	dump_timer_set(d, 0);
}

static void dump_timer_fire(struct watch *w, uint32_t events)
{
	struct enid *d = w->data;
	uint64_t ticks;

	(void)events;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("eni_notify dump timer: %m");
	if (d->mode != MODE_GENL || !d->fam_id)
		return; /* the family went: its return dumps anew */
	if (d->genl_dump_seq) {
		d->genl_dump_seq = 0; /* abandoned: late replies are ignored */
		dump_failed(d, -ETIMEDOUT, "no answer");
		return;
	}
	log_info("eni_notify dump: retry %u", d->genl_dump_fails);
	genl_source_start_dump(d); /* a failure schedules the next retry */
}

static void family_up(struct enid *d, uint16_t id, uint32_t grp)
{
	int err;

	if (d->fam_id == id && d->fam_grp == grp && d->fam_joined)
		return;
	if (d->fam_joined && d->fam_grp != grp)
		nl_leave(d->genl, d->fam_grp);
	d->fam_id = id;
	d->fam_grp = grp;
	d->fam_joined = false;
	err = nl_join(d->genl, grp);
	if (err) {
		log_err("joining eni_notify group %u: %s", grp, strerror(-err));
		return;
	}
	d->fam_joined = true;
	d->last_seq = 0;
	log_info("eni_notify family %u, events group %u", id, grp);
	if (d->source_opt != ENID_SOURCE_RTNL)
		enid_set_mode(d, MODE_GENL);
}

static void family_down(struct enid *d)
{
	if (!d->fam_id)
		return;
	log_warn("eni_notify family went away (module unloaded)");
	d->fam_id = 0;
	d->fam_joined = false; /* the kernel dropped the membership with the group */
	d->genl_dump_seq = 0;
	d->genl_lost = false;
	d->genl_dump_fails = 0;
	dump_timer_set(d, 0);
	if (d->source_opt == ENID_SOURCE_AUTO)
		enid_set_mode(d, MODE_RTNL);
	else if (d->mode == MODE_GENL)
		d->mode = MODE_NONE;
}

static void handle_ctrl(struct enid *d, const struct nlmsghdr *nlh)
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
			family_up(d, fi.id, grp);
		break;
	case CTRL_CMD_DELFAMILY:
		family_down(d);
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

static void handle_eni(struct enid *d, const struct nlmsghdr *nlh, bool from_dump)
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
		if (ev.seq > dump_max_seq)
			dump_max_seq = ev.seq;
		links_seen(d, &f, ev.bus_info, t);
		return;
	}
	if (ev.seq) {
		gap = d->last_seq && ev.seq > d->last_seq + 1;
		if (gap)
			log_warn("eni_notify events %llu..%llu missed",
				 (unsigned long long)d->last_seq + 1,
				 (unsigned long long)ev.seq - 1);
		if (ev.seq > d->last_seq)
			d->last_seq = ev.seq;
	}
	switch (ev.cmd) {
	case ENI_NOTIFY_CMD_LINK_ADD:
	case ENI_NOTIFY_CMD_LINK_CHANGE:
		links_seen(d, &f, ev.bus_info, t);
		break;
	case ENI_NOTIFY_CMD_LINK_DEL:
		links_gone(d, f.ifindex);
		break;
	}
	if (gap && !d->genl_lost) /* after ENOBUFS the resync waits for the drain */
		enid_resync(d, "eni_notify sequence gap");
}

static void genl_msg(const struct nlmsghdr *nlh, void *data)
{
	struct enid *d = data;
	bool mine = nlh->nlmsg_pid == mnl_socket_get_portid(d->genl);
	bool dump = mine && d->genl_dump_seq && nlh->nlmsg_seq == d->genl_dump_seq;

	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		if (!dump)
			return;
		d->genl_dump_seq = 0;
		if (nlh->nlmsg_type == NLMSG_ERROR && nl_error_code(nlh)) {
			dump_failed(d, nl_error_code(nlh), nl_extack_msg(nlh));
			return;
		}
		if (nlh->nlmsg_type == NLMSG_DONE && nl_done_code(nlh)) {
			dump_failed(d, nl_done_code(nlh), "the dump ended early");
			return;
		}
		dump_succeeded(d);
		if (dump_max_seq > d->last_seq)
			d->last_seq = dump_max_seq;
		/*
		 * Right after the module loaded its dump can be short (the family
		 * registers before the module has listed the present devices), so
		 * that first dump only adds; rtnetlink still reports removals.
		 */
		if (d->mode == MODE_GENL)
			links_dump_done(d, !d->genl_switch_dump);
		d->genl_switch_dump = false;
		return;
	}
	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		handle_ctrl(d, nlh);
		return;
	}
	if (!d->fam_id || nlh->nlmsg_type != d->fam_id || d->mode != MODE_GENL)
		return;
	if (mine && !dump)
		return; /* a reply to an abandoned dump */
	handle_eni(d, nlh, dump);
}

/* Messages were dropped, nlctrl's family notifications perhaps among them: ask again. */
static void genl_resync_lost(struct enid *d)
{
	enum enid_mode was = d->mode;
	struct genl_family_info fi;
	uint32_t grp = 0;
	int err;

	err = genl_ctrl_resolve(ENI_NOTIFY_FAMILY_NAME, &fi);
	if (!err)
		grp = genl_ctrl_group(&fi, ENI_NOTIFY_MCGRP_EVENTS);
	if (grp)
		family_up(d, fi.id, grp);
	else if (err == -ENOENT)
		family_down(d);
	/* a mode switch above dumped already */
	if (was == MODE_GENL && d->mode == MODE_GENL)
		enid_resync(d, "eni_notify events lost (ENOBUFS)");
}

/*
 * Not at once: until the socket is drained the kernel drops what it sends there (an error
 * ACK included), and a dump of ours still paused in the kernel would refuse a new one.
 */
static void genl_lost(void *data)
{
	struct enid *d = data;

	d->genl_lost = true;
}

static void genl_read(struct watch *w, uint32_t events)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct enid *d = w->data;
	int err;

	(void)events;
	err = nl_drain(d->genl, buf, sizeof(buf), genl_msg, genl_lost, d);
	if (err)
		log_err("genetlink socket: %s", strerror(-err));
	if (d->genl_lost) {
		d->genl_lost = false;
		genl_resync_lost(d);
	}
}

int genl_source_open(struct enid *d)
{
	struct genl_family_info fi;
	uint32_t grp;
	int err, fd;

	d->genl = nl_open(NETLINK_GENERIC, 0, EVENT_RCVBUF);
	if (!d->genl)
		return -errno;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = loop_watch(&d->loop, &d->genl_retry_w, fd, dump_timer_fire, d);
	if (err) {
		close(fd);
		d->genl_retry_w.fn = NULL;
		return err;
	}
	err = genl_ctrl_resolve("nlctrl", &fi);
	if (err) {
		log_err("resolving nlctrl: %s", strerror(-err));
		return err;
	}
	d->ctrl_grp = genl_ctrl_group(&fi, "notify");
	if (d->ctrl_grp) {
		err = nl_join(d->genl, d->ctrl_grp);
		if (err)
			log_warn("joining nlctrl notify: %s: module load/unload goes unseen",
				 strerror(-err));
	}
	err = loop_watch(&d->loop, &d->genl_w, mnl_socket_get_fd(d->genl), genl_read, d);
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
	d->fam_id = fi.id;
	d->fam_grp = grp;
	err = nl_join(d->genl, grp);
	if (err) {
		log_err("joining %s/%s: %s", ENI_NOTIFY_FAMILY_NAME, ENI_NOTIFY_MCGRP_EVENTS,
			strerror(-err));
		d->fam_id = 0;
		return 0;
	}
	d->fam_joined = true;
	return 0;
}

void genl_source_close(struct enid *d)
{
	if (!d->genl)
		return;
	if (d->genl_retry_w.fn) {
		loop_del(&d->loop, &d->genl_retry_w);
		close(d->genl_retry_w.fd);
		d->genl_retry_w.fn = NULL;
	}
	loop_del(&d->loop, &d->genl_w);
	mnl_socket_close(d->genl);
	d->genl = NULL;
}

int genl_source_start_dump(struct enid *d)
{
	char req[ENI_MSG_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;

	if (!d->fam_id)
		return -ENOENT;
	d->gen++;
	dump_max_seq = 0;
	d->genl_dump_seq = ++d->req_seq;
	nlh = eni_msg_build_dump(req, sizeof(req), d->fam_id, d->genl_dump_seq);
	if (!nlh || mnl_socket_sendto(d->genl, nlh, nlh->nlmsg_len) < 0) {
		int err = nlh ? -errno : -EINVAL;

		d->genl_dump_seq = 0;
		dump_failed(d, err, "request not sent");
		return err;
	}
	dump_timer_set(d, DUMP_DEADLINE_US);
	return 0;
}
