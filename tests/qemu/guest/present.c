// SPDX-License-Identifier: GPL-2.0
/*
 * Links that exist before the module loads: no events for them (their
 * addition spends no sequence number), the dump and GET report them with
 * origin "present"; GET of a link the module does not match is ENODEV with
 * an extended-ACK message.
 */
#include <stdio.h>

#include "harness.h"
#include "checks.h"

static const uint8_t p0_mac[6] = { 0x02, 0xe5, 0x00, 0x00, 0xb0, 0x01 };

FIXTURE(present)
{
	struct rtnl rt;
	struct eni_sock ev, req;
	int p0, p1;
	uint64_t t0, t1;	/* insmod window */
};

FIXTURE_SETUP(present)
{
	ASSERT_RESET(&self->rt);
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-p0", p0_mac, &self->p0));
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-p1", NULL, &self->p1));
	self->t0 = mono_ns();
	ASSERT_LOAD("drivers=dummy,virtio_net");
	self->t1 = mono_ns();
	ASSERT_FAMILY_OPEN(&self->req);
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
}

FIXTURE_TEARDOWN(present)
{
	eni_sock_close(&self->ev);
	eni_sock_close(&self->req);
	testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
}

static const struct eni_link *find(const struct eni_link *all, int n,
				   int ifindex)
{
	for (int i = 0; i < n; i++)
		if ((int)all[i].ifindex == ifindex)
			return &all[i];
	return NULL;
}

/* What every reply about a present dummy link must say. */
static void check_present(struct __test_metadata *_metadata,
			  FIXTURE_DATA(present) *self, const struct eni_link *l,
			  uint64_t seq)
{
	ASSERT_LINK_WELLFORMED(l);
	ASSERT_EQ(ENI_NOTIFY_CMD_GET, l->cmd);
	ASSERT_EQ(ORIGIN_PRESENT, l->origin);
	ASSERT_STREQ("dummy", l->driver);
	ASSERT_FALSE(ENI_HAVE(l, ENI_NOTIFY_A_BUS_INFO));
	ASSERT_EQ(seq, l->seq) TH_LOG("GET seq is not the last one issued");
	/* First seen: when the module loaded. */
	ASSERT_GE(l->timestamp, self->t0);
	ASSERT_LE(l->timestamp, self->t1);
	ASSERT_MATCHES_KERNEL(&self->rt, l);
}

TEST_F(present, dumped_not_announced)
{
	struct eni_link all[64], e;
	const struct eni_link *p;
	struct eni_ack ack;
	int n = 0, p2;

	ASSERT_EQ(0, eni_dump(&self->req, all, 64, &n, &ack))
	TH_LOG("dump: %s", ack.msg);
	ASSERT_GE(64, n);
	for (int i = 0; i < n; i++) {
		log_event(_metadata, "dump", &all[i]);
		ASSERT_LINK_WELLFORMED(&all[i]);
		ASSERT_NE(1u, all[i].ifindex) TH_LOG("lo in the dump");
		ASSERT_TRUE(!strcmp(all[i].driver, "dummy") ||
			    !strcmp(all[i].driver, "virtio_net"))
		TH_LOG("driver %s not in drivers=", all[i].driver);
		ASSERT_EQ(&all[i], find(all, n, (int)all[i].ifindex))
		TH_LOG("ifindex %u twice", all[i].ifindex);
	}
	p = find(all, n, self->p0);
	ASSERT_NE(NULL, p) TH_LOG("enit-p0 missing from the dump");
	check_present(_metadata, self, p, 0);
	ASSERT_EQ(0, memcmp(p0_mac, p->mac, 6));
	p = find(all, n, self->p1);
	ASSERT_NE(NULL, p) TH_LOG("enit-p1 missing from the dump");
	check_present(_metadata, self, p, 0);

	/* Nothing was announced at load: the first event is number 1. */
	ASSERT_NO_EVENT(&self->ev, "insmod");
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-p2", NULL, &p2));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)p2, &e);
	ASSERT_EQ(1u, e.seq) TH_LOG("events were numbered for present links");
	ASSERT_EQ(ORIGIN_HOTPLUG, e.origin);
	ASSERT_NO_EVENT(&self->ev, "one link added");

	ASSERT_EQ(0, eni_dump(&self->req, all, 64, &n, &ack));
	p = find(all, n, p2);
	ASSERT_NE(NULL, p) TH_LOG("enit-p2 missing from the dump");
	ASSERT_LINK_WELLFORMED(p);
	ASSERT_EQ(ORIGIN_HOTPLUG, p->origin);
	ASSERT_EQ(e.timestamp, p->timestamp) TH_LOG("first seen != its ADD");
	ASSERT_EQ(1u, p->seq);
	p = find(all, n, self->p0);
	ASSERT_NE(NULL, p);
	check_present(_metadata, self, p, 1);
	p = find(all, n, self->p1);
	ASSERT_NE(NULL, p);
	check_present(_metadata, self, p, 1);
}

TEST_F(present, get_by_ifindex)
{
	struct eni_link all[64], g;
	struct eni_ack ack;
	int n = 0, err;

	err = eni_get(&self->req, (uint32_t)self->p0, &g, &ack);
	ASSERT_EQ(0, err) TH_LOG("GET enit-p0: %s (%s)", strerror(-err), ack.msg);
	log_event(_metadata, "GET", &g);
	check_present(_metadata, self, &g, 0);
	ASSERT_STREQ("enit-p0", g.ifname);
	ASSERT_EQ(0, memcmp(p0_mac, g.mac, 6));
	ASSERT_EQ(6, g.perm_mac_len);
	ASSERT_TRUE(mem_is_zero(g.perm_mac, 6)) TH_LOG("dummy has no perm MAC");

	/* The same as the dump says. */
	ASSERT_EQ(0, eni_dump(&self->req, all, 64, &n, &ack));
	const struct eni_link *d = find(all, n, self->p0);

	ASSERT_NE(NULL, d);
	ASSERT_STREQ(d->ifname, g.ifname);
	ASSERT_EQ(d->timestamp, g.timestamp);
	ASSERT_EQ(d->mtu, g.mtu);
	ASSERT_EQ(0, memcmp(d->mac, g.mac, g.mac_len));
}

TEST_F(present, get_unmatched_is_enodev)
{
	struct eni_link g;
	struct eni_ack ack;
	int err;

	err = eni_get(&self->req, 1, &g, &ack);	/* lo */
	ASSERT_EQ(-ENODEV, err) TH_LOG("GET lo: %s", strerror(-err));
	ASSERT_NE(0, ack.msg[0]) TH_LOG("ENODEV without an extended-ACK message");
	TH_LOG("GET lo: %s: \"%s\"", strerror(-err), ack.msg);

	err = eni_get(&self->req, 0x7ffffff0, &g, &ack);	/* nothing */
	ASSERT_EQ(-ENODEV, err) TH_LOG("GET of a free ifindex: %s", strerror(-err));
}

TEST_F(present, present_link_changes_and_goes)
{
	struct eni_link e, g;
	struct eni_ack ack;
	int err;

	ASSERT_EQ(0, link_set_mtu(&self->rt, self->p0, 1280));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_CHANGE, (uint32_t)self->p0, &e);
	ASSERT_EQ((uint32_t)ENI_NOTIFY_CHANGE_MTU, e.change);
	ASSERT_EQ(ORIGIN_PRESENT, e.origin);
	ASSERT_EQ(1u, e.seq);
	ASSERT_MATCHES_KERNEL(&self->rt, &e);

	ASSERT_EQ(0, link_del(&self->rt, self->p1));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, (uint32_t)self->p1, &e);
	log_event(_metadata, "present link deleted", &e);
	ASSERT_EQ(2u, e.seq);
	ASSERT_STREQ("enit-p1", e.ifname);
	ASSERT_STREQ("dummy", e.driver);
	/* Contract leaves a removal's origin open: hotplug or present. */
	ASSERT_TRUE(e.origin == ORIGIN_HOTPLUG || e.origin == ORIGIN_PRESENT);
	ASSERT_NO_EVENT(&self->ev, "deleting a present link");

	err = eni_get(&self->req, (uint32_t)self->p1, &g, &ack);
	ASSERT_EQ(-ENODEV, err) TH_LOG("GET of a deleted link");
}

TEST_HARNESS_MAIN
