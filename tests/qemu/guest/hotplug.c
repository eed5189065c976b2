// SPDX-License-Identifier: GPL-2.0
/*
 * Real hot-plug: the host adds and removes virtio-net-pci devices on request
 * (hostctl.h). Every LINK_ADD is reported back at once (MARK seen <id>) so
 * the host can time it; every event is checked and accounted for.
 */
#include <poll.h>
#include <stdio.h>

#include "harness.h"
#include "checks.h"
#include "hostctl.h"

#define MAX_NICS 32
#define CYCLES 10
#define PER_CYCLE 3

struct nic {
	char id[16];
	char mac[18];
	uint8_t macb[6];
	bool plug_sent, plugged, added, unplug_sent, unplugged, removed;
	uint64_t t_plug, t_added;	/* guest clock: request sent, ADD seen */
	struct eni_link add, del;
};

FIXTURE(hotplug)
{
	struct rtnl rt;
	struct eni_sock ev;
	struct kmsg km;
	struct hostctl h;
	bool no_host;
	struct nic nics[MAX_NICS];
	int n;
	uint64_t last_seq;	/* 0: none yet */
	uint64_t last_ts;
	int adds, dels, renames;
};

FIXTURE_SETUP(hotplug)
{
	const char *path = hostctl_path();
	int err;

	self->km.fd = -1;
	self->h.fd = -1;
	err = hostctl_open(&self->h, path);
	if (err) {
		self->no_host = true;
		SKIP(return, "no host control channel %s: %s", path, strerror(-err));
	}
	ASSERT_RESET(&self->rt);
	ASSERT_EQ(0, kmsg_open(&self->km));
	ASSERT_LOAD("drivers=dummy,virtio_net log=1");
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
}

FIXTURE_TEARDOWN(hotplug)
{
	struct host_done d;

	/* Leave no device behind for the next test. */
	for (int i = 0; i < self->n; i++) {
		struct nic *c = &self->nics[i];

		/* "not plugged" is a fine answer if the plug never happened. */
		if (c->plug_sent && !c->unplugged && self->h.fd >= 0 &&
		    !hostctl_unplug(&self->h, c->id))
			hostctl_wait_done(&self->h, "unplug", c->id, WAIT_MS, &d);
	}
	eni_sock_close(&self->ev);
	testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
	kmsg_close(&self->km);
	hostctl_close(&self->h);
}

static struct nic *nic_new(struct __test_metadata *_metadata,
			   FIXTURE_DATA(hotplug) *self, const char *id,
			   unsigned int a, unsigned int b, unsigned int c)
{
	struct nic *n;

	ASSERT_GT(MAX_NICS, self->n);
	n = &self->nics[self->n++];
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	snprintf(n->mac, sizeof(n->mac), "00:16:3e:%02x:%02x:%02x", a & 0xff,
		 b & 0xff, c & 0xff);
	mac_parse(n->mac, n->macb);
	return n;
}

static void on_host_line(struct __test_metadata *_metadata,
			 FIXTURE_DATA(hotplug) *self, const char *line)
{
	struct host_done d;

	if (hostctl_parse_done(line, &d)) {
		TH_LOG("host said: %s", line);
		return;
	}
	for (int i = 0; i < self->n; i++) {
		struct nic *c = &self->nics[i];

		if (strcmp(c->id, d.id))
			continue;
		ASSERT_TRUE(d.ok) TH_LOG("host: %s %s failed: %s", d.verb, d.id, d.err);
		if (!strcmp(d.verb, "plug"))
			c->plugged = true;
		else
			c->unplugged = true;
		return;
	}
	TH_LOG("host answered for unknown id: %s", line);
}

static struct nic *by_mac(FIXTURE_DATA(hotplug) *self, const struct eni_link *e)
{
	for (int i = 0; i < self->n; i++)
		if (e->mac_len == 6 && !memcmp(self->nics[i].macb, e->mac, 6))
			return &self->nics[i];
	return NULL;
}

static struct nic *by_ifindex(FIXTURE_DATA(hotplug) *self, uint32_t ifindex)
{
	for (int i = 0; i < self->n; i++) {
		struct nic *c = &self->nics[i];

		if (c->added && !c->removed && c->add.ifindex == ifindex)
			return c;
	}
	return NULL;
}

static void on_event(struct __test_metadata *_metadata,
		     FIXTURE_DATA(hotplug) *self, const struct eni_link *e)
{
	char d[512];
	struct nic *c;

	eni_link_describe(e, d, sizeof(d));
	ASSERT_LINK_WELLFORMED(e);
	/* One gap-free sequence over everything this listener heard. */
	if (self->last_seq)
		ASSERT_EQ(self->last_seq + 1, e->seq) TH_LOG("gap: %s", d);
	self->last_seq = e->seq;
	ASSERT_LE(self->last_ts, e->timestamp) TH_LOG("time went back: %s", d);
	self->last_ts = e->timestamp;

	switch (e->cmd) {
	case ENI_NOTIFY_CMD_LINK_ADD:
		c = by_mac(self, e);
		ASSERT_NE(NULL, c) TH_LOG("ADD of a MAC never plugged: %s", d);
		ASSERT_FALSE(c->added) TH_LOG("second ADD: %s", d);
		/* Tell the host first: it times device_add -> this line. */
		ASSERT_EQ(0, hostctl_mark_seen(&self->h, c->id));
		c->t_added = mono_ns();
		c->added = true;
		c->add = *e;
		self->adds++;
		break;
	case ENI_NOTIFY_CMD_LINK_DEL:
		c = by_ifindex(self, e->ifindex);
		ASSERT_NE(NULL, c) TH_LOG("DEL of a link never added: %s", d);
		c->removed = true;
		c->del = *e;
		self->dels++;
		break;
	case ENI_NOTIFY_CMD_LINK_CHANGE:
		/* Only a rename (udev, if any) is expected while plugged. */
		c = by_ifindex(self, e->ifindex);
		ASSERT_NE(NULL, c) TH_LOG("CHANGE of an unknown link: %s", d);
		ASSERT_EQ((uint32_t)ENI_NOTIFY_CHANGE_NAME, e->change) TH_LOG("%s", d);
		c->add = *e;
		self->renames++;
		break;
	default:
		ASSERT_EQ(0, 1) TH_LOG("unexpected message: %s", d);
	}
	TH_LOG("event: %s", d);
}

/* Handles host lines and events until done(self) or WAIT_MS passes. */
static void pump_until(struct __test_metadata *_metadata,
		       FIXTURE_DATA(hotplug) *self,
		       bool (*done)(FIXTURE_DATA(hotplug) *self, const void *arg),
		       const void *arg, const char *what)
{
	uint64_t deadline = mono_ns() + (uint64_t)WAIT_MS * 1000000ull;
	char line[512];
	struct eni_link e;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = self->h.fd, .events = POLLIN },
			{ .fd = self->ev.fd, .events = POLLIN },
		};
		int err;

		while (hostctl_next_line(&self->h, line, sizeof(line)))
			on_host_line(_metadata, self, line);
		while (eni_recv_event(&self->ev, &e, 0) == 0)
			on_event(_metadata, self, &e);
		ASSERT_FALSE(self->ev.overrun) TH_LOG("events lost (ENOBUFS)");
		if (done(self, arg))
			return;
		ASSERT_NE(0, ms_left(deadline)) TH_LOG("timed out waiting for %s", what);
		poll(pfd, 2, ms_left(deadline));
		err = hostctl_fill(&self->h);
		ASSERT_EQ(0, err) TH_LOG("host channel: %s", strerror(-err));
	}
}

static bool plugged(FIXTURE_DATA(hotplug) *self, const void *arg)
{
	(void)self;
	return ((const struct nic *)arg)->plugged;
}

static bool unplugged(FIXTURE_DATA(hotplug) *self, const void *arg)
{
	(void)self;
	return ((const struct nic *)arg)->unplugged;
}

static bool all_added(FIXTURE_DATA(hotplug) *self, const void *arg)
{
	(void)arg;
	for (int i = 0; i < self->n; i++)
		if (self->nics[i].plug_sent && !self->nics[i].added)
			return false;
	return true;
}

static bool all_removed(FIXTURE_DATA(hotplug) *self, const void *arg)
{
	(void)arg;
	for (int i = 0; i < self->n; i++)
		if (self->nics[i].unplug_sent && !self->nics[i].removed)
			return false;
	return true;
}

static void plug(struct __test_metadata *_metadata,
		 FIXTURE_DATA(hotplug) *self, struct nic *c)
{
	c->t_plug = mono_ns();
	c->plug_sent = true;
	ASSERT_EQ(0, hostctl_plug(&self->h, c->id, c->mac));
	pump_until(_metadata, self, plugged, c, "DONE plug");
}

static void unplug(struct __test_metadata *_metadata,
		   FIXTURE_DATA(hotplug) *self, struct nic *c)
{
	c->unplug_sent = true;
	ASSERT_EQ(0, hostctl_unplug(&self->h, c->id));
	pump_until(_metadata, self, unplugged, c, "DONE unplug");
}

/* What the LINK_ADD of a hot-plugged virtio NIC must say. */
static void check_add(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hotplug) *self, const struct nic *c)
{
	const struct eni_link *e = &c->add;
	char sys[64];

	ASSERT_STREQ("virtio_net", e->driver);
	ASSERT_TRUE(ENI_HAVE(e, ENI_NOTIFY_A_BUS_INFO)) TH_LOG("no bus info");
	ASSERT_TRUE(is_pci_slot_addr(e->bus_info))
	TH_LOG("bus info \"%s\" is not 0000:00:xx.f", e->bus_info);
	ASSERT_EQ(ORIGIN_HOTPLUG, e->origin);
	ASSERT_EQ(6, e->mac_len);
	ASSERT_EQ(0, memcmp(c->macb, e->mac, 6));
	ASSERT_EQ(0, memcmp(c->macb, e->perm_mac, 6)) TH_LOG("perm MAC");
	ASSERT_GE(e->timestamp, c->t_plug);
	ASSERT_LE(e->timestamp, c->t_added);
	ASSERT_MATCHES_KERNEL(&self->rt, e);
	if (!sysfs_pci_addr(e->ifname, sys, sizeof(sys)))
		ASSERT_STREQ(sys, e->bus_info) TH_LOG("sysfs disagrees");
}

/* The DEL carries the link as last seen. */
static void check_del(struct __test_metadata *_metadata, const struct nic *c)
{
	ASSERT_EQ(c->add.ifindex, c->del.ifindex);
	ASSERT_STREQ(c->add.ifname, c->del.ifname);
	ASSERT_STREQ("virtio_net", c->del.driver);
	ASSERT_STREQ(c->add.bus_info, c->del.bus_info);
	ASSERT_EQ(0, memcmp(c->macb, c->del.mac, 6));
	ASSERT_EQ(c->add.mtu, c->del.mtu);
}

/* Exactly one kernel log line for this add or remove, in the documented format. */
static void check_log(struct __test_metadata *_metadata, struct kmsg *km,
		      const char *verb, const struct eni_link *e)
{
	char expect[256];
	int i;

	snprintf(expect, sizeof(expect),
		 "eni_notify: %s %s mac %02x:%02x:%02x:%02x:%02x:%02x pci %s driver virtio_net seq %llu",
		 verb, e->ifname, e->mac[0], e->mac[1], e->mac[2], e->mac[3],
		 e->mac[4], e->mac[5], e->bus_info, (unsigned long long)e->seq);
	i = kmsg_wait_prefix(km, expect, WAIT_MS);
	ASSERT_LE(0, i) TH_LOG("no kernel log line \"%s\"", expect);
	ASSERT_STREQ(expect, km->lines[i]);
	TH_LOG("log: %s", km->lines[i]);
}

TEST_F_TIMEOUT(hotplug, plug_unplug_one, 180)
{
	struct nic *c;

	if (self->no_host)
		SKIP(return, "no host control channel");
	c = nic_new(_metadata, self, "eni1", 0x5e, 0x00, 0x01);
	plug(_metadata, self, c);
	pump_until(_metadata, self, all_added, NULL, "LINK_ADD");
	check_add(_metadata, self, c);
	check_log(_metadata, &self->km, "add", &c->add);

	unplug(_metadata, self, c);
	pump_until(_metadata, self, all_removed, NULL, "LINK_DEL");
	check_del(_metadata, c);
	ASSERT_EQ(c->add.seq + 1 + (uint64_t)self->renames, c->del.seq);
	check_log(_metadata, &self->km, "remove", &c->del);

	ASSERT_NO_EVENT(&self->ev, "the unplug");
	kmsg_drain(&self->km);
	ASSERT_EQ(1, kmsg_count_prefix(&self->km, "eni_notify: add "));
	ASSERT_EQ(1, kmsg_count_prefix(&self->km, "eni_notify: remove "));
	assert_kernel_clean(_metadata, &self->km);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F_TIMEOUT(hotplug, plug_cycles, 1500)
{
	uint64_t lat[CYCLES * PER_CYCLE];
	int nlat = 0;

	if (self->no_host)
		SKIP(return, "no host control channel");
	for (int cyc = 0; cyc < CYCLES; cyc++) {
		struct nic *set[PER_CYCLE];

		for (int k = 0; k < PER_CYCLE; k++) {
			char id[16];

			snprintf(id, sizeof(id), "c%dn%d", cyc, k);
			set[k] = nic_new(_metadata, self, id, 0xc0 + (unsigned int)cyc,
					 0x00, 0x01 + (unsigned int)k);
			plug(_metadata, self, set[k]);
		}
		pump_until(_metadata, self, all_added, NULL, "LINK_ADDs");
		for (int k = 0; k < PER_CYCLE; k++) {
			check_add(_metadata, self, set[k]);
			lat[nlat++] = set[k]->t_added - set[k]->t_plug;
		}
		for (int k = 0; k < PER_CYCLE; k++)
			unplug(_metadata, self, set[k]);
		pump_until(_metadata, self, all_removed, NULL, "LINK_DELs");
		for (int k = 0; k < PER_CYCLE; k++)
			check_del(_metadata, set[k]);
		TH_LOG("cycle %d: %d adds, %d dels so far, last seq %llu", cyc,
		       self->adds, self->dels, (unsigned long long)self->last_seq);
	}
	/* All 60 events, nothing else (renames aside). */
	ASSERT_EQ(CYCLES * PER_CYCLE, self->adds);
	ASSERT_EQ(CYCLES * PER_CYCLE, self->dels);
	ASSERT_NO_EVENT(&self->ev, "the last unplug");
	ASSERT_EQ((uint64_t)(2 * CYCLES * PER_CYCLE + self->renames),
		  self->last_seq) TH_LOG("sequence did not start at 1");

	qsort(lat, (size_t)nlat, sizeof(lat[0]), cmp_u64);
	TH_LOG("guest-side plug request -> LINK_ADD: n=%d median %.1f ms max %.1f ms",
	       nlat, lat[nlat / 2] / 1e6, lat[nlat - 1] / 1e6);

	kmsg_drain(&self->km);
	ASSERT_EQ(CYCLES * PER_CYCLE, kmsg_count_prefix(&self->km, "eni_notify: add "));
	ASSERT_EQ(CYCLES * PER_CYCLE, kmsg_count_prefix(&self->km, "eni_notify: remove "));
	assert_kernel_clean(_metadata, &self->km);
}

TEST_HARNESS_MAIN
