// SPDX-License-Identifier: GPL-2.0
/*
 * The link manager (daemon/links.c) driven as the event sources drive it, with static
 * addressing from a config string: no socket is opened (no udev, no metadata client, no
 * primary to dump), so what is checked is links.c's own bookkeeping: the state each event
 * leads to, the flags the applier reads, the udev wait and its timeout, the sweep after a
 * dump, and a slot remembered in the run dir from before a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "claim.h"
#include "links.h"
#include "slots.h"
#include "util.h"

#define MAC1 "00:16:3e:00:00:01"
#define MAC2 "00:16:3e:00:00:02"
#define MAC3 "00:16:3e:00:00:03"

static const char conf[] = "[global]\naddressing = static\n"
			   "[" MAC1 "]\naddress = 10.0.0.10/24\ngateway = 10.0.0.253\n"
			   "[" MAC2 "]\naddress = 10.0.1.10/24\nunmanaged = yes\n";

static unsigned int timer_calls;

static void timer_changed(void *ctx)
{
	(void)ctx;
	timer_calls++;
}

FIXTURE(links) {
	struct enid_config cfg;
	struct loop loop;
	struct udev_src udev;
	struct addr_sources addr;
	struct links lk;
	char run_dir[64];
};

FIXTURE_SETUP(links)
{
	struct config_errors errs;
	int r = config_load_string("links.conf", conf, &self->cfg, &errs);

	for (unsigned int i = 0; i < errs.n; i++)
		TH_LOG("%s", errs.msg[i]);
	config_errors_free(&errs);
	ASSERT_EQ(0, r);
	snprintf(self->run_dir, sizeof(self->run_dir), "/tmp/links_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->run_dir));
	memset(&self->udev, 0, sizeof(self->udev));
	self->lk = (struct links){
		.cfg = &self->cfg,
		.loop = &self->loop,
		.addr = &self->addr,
		.udev = &self->udev,
		.timer_changed = timer_changed,
	};
	self->addr = (struct addr_sources){
		.cfg = &self->cfg,
		.loop = &self->loop,
		.lt = &self->lk.lt,
		.primary_ifindex = &self->lk.primary_ifindex,
		.ops = &links_addressing_ops,
		.ctx = &self->lk,
	};
	slots_load(&self->lk.slots, self->run_dir);
	timer_calls = 0;
}

FIXTURE_TEARDOWN(links)
{
	char path[128];

	links_free_all(&self->lk);
	owned_free(&self->lk.owned);
	config_free(&self->cfg);
	snprintf(path, sizeof(path), "%s/slots", self->run_dir);
	unlink(path);
	rmdir(self->run_dir);
}

static void seen(struct links *lk, int ifindex, const char *name, const char *mac,
		 const char *driver)
{
	struct link_facts f = {.ifindex = ifindex, .mtu = 1500};

	snprintf(f.ifname, sizeof(f.ifname), "%s", name);
	snprintf(f.driver, sizeof(f.driver), "%s", driver);
	mac_parse(mac, f.mac);
	links_seen(lk, &f, "0000:00:04.0", now_us());
}

/* A virtio-net ENI with a [MAC] section: resolved at once, handed to the applier. */
TEST_F(links, eni_resolved_and_pending)
{
	struct link *l;

	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	l = links_find(&self->lk, 5);
	ASSERT_NE(NULL, l);
	EXPECT_TRUE(l->sm.managed);
	EXPECT_EQ(LINK_PENDING, l->sm.state);
	EXPECT_TRUE(l->pending);
	EXPECT_FALSE(l->dirty); /* a fresh link without a slot: nothing to diff */
	ASSERT_NE(NULL, l->addr);
	ASSERT_EQ(1, l->addr->n_addrs);
	EXPECT_EQ(24, l->addr->addrs[0].prefixlen);
	EXPECT_STREQ("", l->why);
	EXPECT_FALSE(link_settled(l)); /* READY waits for it */
}

/* unmanaged = yes, another driver, no section: tracked, never managed or applied; with
 * no default route, the first link of a listed driver without a section is the primary
 * (claim.h's boot rule), the next one an ENI. */
TEST_F(links, left_alone)
{
	struct link *l;

	seen(&self->lk, 2, "eth0", "00:16:3e:00:00:99", "virtio_net");
	l = links_find(&self->lk, 2);
	ASSERT_NE(NULL, l);
	EXPECT_FALSE(l->sm.managed);
	EXPECT_TRUE(l->facts.is_primary);
	EXPECT_EQ(CLAIM_PRIMARY_FIRST, l->claim);
	seen(&self->lk, 6, "eth2", MAC2, "virtio_net");
	seen(&self->lk, 7, "veth0", MAC3, "veth");
	seen(&self->lk, 8, "eth3", MAC3, "virtio_net");
	l = links_find(&self->lk, 6);
	ASSERT_NE(NULL, l);
	EXPECT_FALSE(l->sm.managed);
	EXPECT_FALSE(l->pending);
	l = links_find(&self->lk, 7);
	ASSERT_NE(NULL, l);
	EXPECT_FALSE(l->sm.managed);
	l = links_find(&self->lk, 8); /* managed driver, but no [MAC] section */
	ASSERT_NE(NULL, l);
	EXPECT_TRUE(l->sm.managed);
	EXPECT_FALSE(l->pending);
	EXPECT_EQ(NULL, l->addr);
	EXPECT_NE(NULL, strstr(l->why, "no [" MAC3 "] section"));
}

/* Unplugged before anything was applied: no slot, nothing to clean, forgotten at once. */
TEST_F(links, unplug_before_apply_forgets)
{
	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	ASSERT_NE(NULL, links_find(&self->lk, 5));
	links_gone(&self->lk, 5);
	EXPECT_EQ(NULL, links_find(&self->lk, 5));
	EXPECT_EQ(0, self->lk.lt.n);
}

/* Unplugged while holding a slot: REMOVED with a cleanup for the applier, kept till then. */
TEST_F(links, unplug_with_slot_cleans)
{
	struct link *l;

	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	l = links_find(&self->lk, 5);
	ASSERT_NE(NULL, l);
	l->slot = slots_get(&self->lk.slots, l->facts.mac, NULL, NULL); /* as apply.c does */
	ASSERT_NE(0, l->slot);
	links_gone(&self->lk, 5);
	l = links_find(&self->lk, 5);
	ASSERT_NE(NULL, l);
	EXPECT_EQ(LINK_REMOVED, l->sm.state);
	EXPECT_TRUE(l->cleanup);
	EXPECT_FALSE(l->pending);
	/* back before the cleanup ran (a netns round trip): no cleanup, the same slot, and
	 * the plan is diffed against what the kernel still holds */
	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	EXPECT_FALSE(l->cleanup);
	EXPECT_TRUE(l->dirty);
	EXPECT_NE(0, l->slot);
	EXPECT_EQ(LINK_PENDING, l->sm.state);
	EXPECT_TRUE(l->pending);
}

/* udev has not initialized the link: it waits, with a deadline; udev's word moves it on. */
TEST_F(links, udev_wait_then_ready)
{
	struct link *l;

	self->lk.udev_gate = true; /* no udev handle: "not initialized" */
	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	l = links_find(&self->lk, 5);
	ASSERT_NE(NULL, l);
	EXPECT_EQ(LINK_WAIT_UDEV, l->sm.state);
	EXPECT_FALSE(l->pending);
	EXPECT_NE(0, l->udev_deadline);
	EXPECT_EQ(l->udev_deadline, links_next_timer(&self->lk));
	EXPECT_LT(0, timer_calls);
	links_udev_ready(&self->lk, 5, "ens5"); /* renamed by udev */
	EXPECT_EQ(LINK_PENDING, l->sm.state);
	EXPECT_STREQ("ens5", l->facts.ifname);
	EXPECT_EQ(0, l->udev_deadline);
	EXPECT_TRUE(l->pending);
}

/* udev never answers: at its deadline the link is configured anyway. */
TEST_F(links, udev_timeout)
{
	struct link *l;

	self->lk.udev_gate = true;
	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	l = links_find(&self->lk, 5);
	ASSERT_NE(NULL, l);
	links_timer(&self->lk, l->udev_deadline - 1);
	EXPECT_EQ(LINK_WAIT_UDEV, l->sm.state);
	links_timer(&self->lk, l->udev_deadline);
	EXPECT_EQ(LINK_PENDING, l->sm.state);
	EXPECT_TRUE(l->pending);
}

/* A full dump that does not list a link means it is gone (a missed unplug). */
TEST_F(links, dump_sweeps_the_unlisted)
{
	links_dump_begin(&self->lk);
	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	seen(&self->lk, 9, "eth9", MAC3, "veth");
	links_dump_done(&self->lk, true);
	EXPECT_TRUE(self->lk.synced);
	EXPECT_TRUE(self->lk.orphans_pending); /* the first sync sweeps orphans once */
	links_dump_begin(&self->lk);
	seen(&self->lk, 9, "eth9", MAC3, "veth");
	links_dump_done(&self->lk, false); /* a dump that only adds removes nothing */
	EXPECT_NE(NULL, links_find(&self->lk, 5));
	links_dump_begin(&self->lk);
	seen(&self->lk, 9, "eth9", MAC3, "veth");
	links_dump_done(&self->lk, true);
	EXPECT_EQ(NULL, links_find(&self->lk, 5));
	EXPECT_NE(NULL, links_find(&self->lk, 9));
}

/* Restarted with the slot file in the run dir: the ENI keeps its slot and is diffed first. */
TEST_F(links, restart_keeps_slot)
{
	struct link *l;
	uint8_t mac[6];
	unsigned int slot;

	mac_parse(MAC1, mac);
	slot = slots_get(&self->lk.slots, mac, NULL, NULL);
	ASSERT_NE(0, slot);
	ASSERT_EQ(0, slots_sync(&self->lk.slots));
	memset(&self->lk.slots, 0, sizeof(self->lk.slots));
	slots_load(&self->lk.slots, self->run_dir); /* as enid does at start */
	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	l = links_find(&self->lk, 5);
	ASSERT_NE(NULL, l);
	EXPECT_EQ(slot, l->slot);
	EXPECT_TRUE(l->dirty); /* the kernel may hold its state: diff against a dump */
	EXPECT_TRUE(l->pending);
}

/* A failure backs off: the retry is the next timer, and due it goes back to the applier. */
TEST_F(links, failure_backoff_then_retry)
{
	struct link *l;

	seen(&self->lk, 5, "eth1", MAC1, "virtio_net");
	l = links_find(&self->lk, 5);
	ASSERT_NE(NULL, l);
	link_failed(&self->lk, l, "test: %s", "refused");
	EXPECT_EQ(LINK_FAILED, l->sm.state);
	EXPECT_FALSE(l->pending);
	EXPECT_STREQ("test: refused", l->why);
	ASSERT_NE(0, l->retry_at);
	EXPECT_EQ(l->retry_at, links_next_timer(&self->lk));
	EXPECT_TRUE(link_settled(l)); /* READY does not wait for a failed link */
	links_timer(&self->lk, l->retry_at);
	EXPECT_TRUE(l->pending);
	EXPECT_NE(LINK_FAILED, l->sm.state);
}

TEST_HARNESS_MAIN
