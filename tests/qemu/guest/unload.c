// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading: no "removed" event for the links still there (the listener
 * stays subscribed until the family is gone), and 20 load/unload cycles with
 * links coming and going leave a clean kernel log.
 */
#include <stdio.h>
#include <linux/genetlink.h>

#include "harness.h"
#include "checks.h"

#define CYCLES 20

FIXTURE(unload)
{
	struct rtnl rt;
	struct eni_sock ev, req, ctrl;
	struct kmsg km;
};

FIXTURE_SETUP(unload)
{
	self->km.fd = -1;
	ASSERT_RESET(&self->rt);
	ASSERT_EQ(0, kmsg_open(&self->km));
	/* nlctrl's "notify" group tells when the family goes away. */
	ASSERT_EQ(0, nlctrl_notify_open(&self->ctrl));
}

FIXTURE_TEARDOWN(unload)
{
	testenv_teardown(&self->rt, &self->km, &self->ev, &self->req, &self->ctrl);
}

/* rmmod, then wait until nlctrl reports the family gone. */
static void unload_and_wait(struct __test_metadata *_metadata,
			    FIXTURE_DATA(unload) *self)
{
	const char *step;
	int err = kmod_unload_wait_gone(&self->ctrl, WAIT_MS, &step);

	ASSERT_EQ(0, err) TH_LOG("%s: %s", step, strerror(-err));
	ASSERT_FALSE(kmod_loaded());
}

TEST_F(unload, no_remove_events)
{
	struct rtnl_link k;
	struct eni_sock probe;
	struct eni_link e;
	int u0, u1, u2;

	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-u0", NULL, &u0));
	ASSERT_LOAD("drivers=dummy,virtio_net log=1");
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-u1", NULL, &u1));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)u1, &e);
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-u2", NULL, &u2));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)u2, &e);

	unload_and_wait(_metadata, self);
	/* Anything sent while unloading is queued before DELFAMILY. */
	ASSERT_NO_EVENT(&self->ev, "rmmod");

	ASSERT_EQ(0, link_get(&self->rt, u0, &k));
	ASSERT_EQ(0, link_get(&self->rt, u1, &k));
	ASSERT_EQ(0, link_get(&self->rt, u2, &k));
	ASSERT_EQ(-ENOENT, eni_sock_open_family(&probe))
	TH_LOG("family still registered after rmmod");
	eni_sock_close(&probe);

	kmsg_drain(&self->km);
	ASSERT_EQ(0, kmsg_count_prefix(&self->km, "eni_notify: remove "))
	TH_LOG("remove lines logged at unload");
	assert_kernel_clean(_metadata, &self->km);
}

/* Names of this cycle's links. */
static void cycle_names(int i, char *a, char *b, size_t len)
{
	snprintf(a, len, "enit-ca%d", i);
	snprintf(b, len, "enit-cb%d", i);
}

TEST_F_TIMEOUT(unload, load_unload_cycles, 600)
{
	char a_name[IFNAMSIZ], b_name[IFNAMSIZ], prev_b[IFNAMSIZ] = "";
	struct eni_link all[64], e;
	struct eni_ack ack;
	int a, b, prev = 0, n, mine;

	for (int i = 0; i < CYCLES; i++) {
		cycle_names(i, a_name, b_name, sizeof(a_name));
		/* Unloaded: the last cycle's link goes, a new one comes. */
		if (prev)
			ASSERT_EQ(0, link_del(&self->rt, prev));
		ASSERT_EQ(0, link_add(&self->rt, "dummy", a_name, NULL, &a));

		ASSERT_LOAD("drivers=dummy log=1");
		ASSERT_FAMILY_OPEN(&self->ev);
		ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
		ASSERT_FAMILY_OPEN(&self->req);

		/* Exactly this cycle's link is present (the last one was deleted). */
		n = 0;
		ASSERT_EQ(0, eni_dump(&self->req, all, 64, &n, &ack));
		mine = 0;
		for (int j = 0; j < n && j < 64; j++) {
			if (strncmp(all[j].ifname, TEST_LINK_PREFIX,
				    strlen(TEST_LINK_PREFIX)))
				continue;
			mine++;
			ASSERT_LINK_WELLFORMED(&all[j]);
			ASSERT_EQ(ORIGIN_PRESENT, all[j].origin);
			ASSERT_EQ(0u, all[j].seq);
			ASSERT_EQ((uint32_t)a, all[j].ifindex)
			TH_LOG("cycle %d: stale link %s in the dump", i,
			       all[j].ifname);
		}
		ASSERT_EQ(1, mine) TH_LOG("cycle %d", i);

		ASSERT_EQ(0, link_add(&self->rt, "dummy", b_name, NULL, &b));
		expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)b, &e);
		ASSERT_EQ(1u, e.seq) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, link_del(&self->rt, a));
		expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, (uint32_t)a, &e);
		ASSERT_EQ(2u, e.seq) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, link_set_mtu(&self->rt, b, 1000 + (uint32_t)i));
		expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_CHANGE, (uint32_t)b, &e);
		ASSERT_EQ(3u, e.seq) TH_LOG("cycle %d", i);

		/* Unload with a link present and the listener still joined. */
		unload_and_wait(_metadata, self);
		ASSERT_NO_EVENT(&self->ev, "rmmod");
		eni_sock_close(&self->ev);
		eni_sock_close(&self->req);
		prev = b;
		snprintf(prev_b, sizeof(prev_b), "%s", b_name);
	}
	ASSERT_EQ(0, link_del(&self->rt, prev)) TH_LOG("%s", prev_b);

	/* One add and one remove line per cycle, each for the right link. */
	kmsg_drain(&self->km);
	for (int i = 0; i < CYCLES; i++) {
		char pfx[64];

		cycle_names(i, a_name, b_name, sizeof(a_name));
		snprintf(pfx, sizeof(pfx), "eni_notify: add %s ", b_name);
		ASSERT_EQ(1, kmsg_count_prefix(&self->km, pfx)) TH_LOG("%s", pfx);
		snprintf(pfx, sizeof(pfx), "eni_notify: remove %s ", a_name);
		ASSERT_EQ(1, kmsg_count_prefix(&self->km, pfx)) TH_LOG("%s", pfx);
	}
	ASSERT_EQ(CYCLES, kmsg_count_prefix(&self->km, "eni_notify: add "));
	ASSERT_EQ(CYCLES, kmsg_count_prefix(&self->km, "eni_notify: remove "));
	assert_kernel_clean(_metadata, &self->km);
}

TEST_HARNESS_MAIN
