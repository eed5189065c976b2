// SPDX-License-Identifier: GPL-2.0
/*
 * Events for links of a listed driver (dummy): add, rename, MAC, MTU,
 * delete, in order, every attribute right, seq gap-free; nothing for other
 * links; the kernel log lines each log= level promises; namespace moves.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "checks.h"

static const uint8_t new_mac[6] = { 0x02, 0xe5, 0x00, 0x00, 0x00, 0x01 };

/* Links of other drivers: each step must not cause an event. */
static void other_links_step(struct __test_metadata *_metadata,
			     struct rtnl *rt, int step)
{
	int ifindex, err;

	switch (step) {
	case 0:
		err = link_add_veth(rt, "enit-va", "enit-vb", &ifindex);
		if (err)
			TH_LOG("no veth here (%s): skipped", strerror(-err));
		break;
	case 1:
		err = link_add(rt, "bridge", "enit-br", NULL, &ifindex);
		if (err)
			TH_LOG("no bridge here (%s): skipped", strerror(-err));
		break;
	case 2:
		/* lo has no driver the module could match */
		ASSERT_EQ(0, link_set_mtu(rt, 1, 65000));
		ASSERT_EQ(0, link_set_mtu(rt, 1, 65536));
		break;
	case 3: {
		struct rtnl_link l;

		if (!link_get_by_name(rt, "enit-va", &l)) {
			ASSERT_EQ(0, link_set_name(rt, l.ifindex, "enit-vc"));
			ASSERT_EQ(0, link_set_mtu(rt, l.ifindex, 1280));
		}
		break;
	}
	case 4: {
		struct rtnl_link l;

		if (!link_get_by_name(rt, "enit-vc", &l))
			ASSERT_EQ(0, link_del(rt, l.ifindex));
		if (!link_get_by_name(rt, "enit-br", &l))
			ASSERT_EQ(0, link_del(rt, l.ifindex));
		break;
	}
	}
}

FIXTURE(lifecycle)
{
	struct rtnl rt;
	struct eni_sock ev;
	struct kmsg km;
};

FIXTURE_VARIANT(lifecycle)
{
	int log;
};

FIXTURE_VARIANT_ADD(lifecycle, log0) { .log = 0 };
FIXTURE_VARIANT_ADD(lifecycle, log1) { .log = 1 };
FIXTURE_VARIANT_ADD(lifecycle, log2) { .log = 2 };

FIXTURE_SETUP(lifecycle)
{
	char params[64];

	self->km.fd = -1;
	ASSERT_RESET(&self->rt);
	snprintf(params, sizeof(params), "drivers=dummy,virtio_net log=%d",
		 variant->log);
	ASSERT_LOAD(params);
	/* After insmod, so load-time lines are not counted. */
	ASSERT_EQ(0, kmsg_open(&self->km));
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
}

FIXTURE_TEARDOWN(lifecycle)
{
	eni_sock_close(&self->ev);
	testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
	kmsg_close(&self->km);
}

/* Checks the one event a step caused, against the kernel and the clock. */
static void check_step(struct __test_metadata *_metadata,
		       struct eni_sock *s, struct rtnl *rt, uint8_t cmd,
		       uint32_t change, int ifindex, uint64_t seq,
		       uint64_t t0, uint64_t t1, struct eni_link *e)
{
	expect_event(_metadata, s, cmd, (uint32_t)ifindex, e);
	log_event(_metadata, "event", e);
	ASSERT_EQ(seq, e->seq) TH_LOG("sequence gap or repeat");
	ASSERT_GE(e->timestamp, t0) TH_LOG("timestamp before the request");
	ASSERT_LE(e->timestamp, t1) TH_LOG("timestamp after the ACK");
	ASSERT_STREQ("dummy", e->driver);
	ASSERT_FALSE(ENI_HAVE(e, ENI_NOTIFY_A_BUS_INFO))
	TH_LOG("bus info \"%s\" for a device without parent", e->bus_info);
	ASSERT_EQ(ORIGIN_HOTPLUG, e->origin);
	if (cmd == ENI_NOTIFY_CMD_LINK_CHANGE) {
		ASSERT_TRUE(ENI_HAVE(e, ENI_NOTIFY_A_CHANGE));
		ASSERT_EQ(change, e->change);
	} else {
		ASSERT_FALSE(ENI_HAVE(e, ENI_NOTIFY_A_CHANGE))
		TH_LOG("CHANGE attribute on %s", eni_cmd_name(cmd));
	}
	if (cmd != ENI_NOTIFY_CMD_LINK_DEL)
		ASSERT_MATCHES_KERNEL(rt, e);
	ASSERT_NO_EVENT(s, eni_cmd_name(cmd));
}

static void check_log_line(struct __test_metadata *_metadata,
			   struct kmsg *km, const char *verb,
			   const struct eni_link *e)
{
	char prefix[64], mac[ENI_MAC_TEXT];
	struct eni_logline l;
	int i;

	snprintf(prefix, sizeof(prefix), "eni_notify: %s %s ", verb,
		 e->ifname);
	i = kmsg_wait_prefix(km, prefix, WAIT_MS);
	ASSERT_LE(0, i) TH_LOG("no kernel log line \"%s...\"", prefix);
	ASSERT_EQ(1, kmsg_count_prefix(km, prefix));
	ASSERT_EQ(0, logline_parse(km->lines[i], &l))
	TH_LOG("line not in the documented format: %s", km->lines[i]);
	ASSERT_STREQ(mac_text(e->mac, e->mac_len, mac, sizeof(mac)), l.mac);
	ASSERT_STREQ(e->driver, l.driver);
	ASSERT_EQ(e->seq, l.seq);
	TH_LOG("log: %s", km->lines[i]);
}

TEST_F_TIMEOUT(lifecycle, in_order, 120)
{
	struct eni_link e[5], last;
	uint64_t t0, t1, prev_ts = 0;
	int ifindex, step = 0;

	t0 = mono_ns();
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-ev0", NULL, &ifindex))
	TH_LOG("%s", self->rt.errmsg);
	t1 = mono_ns();
	check_step(_metadata, &self->ev, &self->rt, ENI_NOTIFY_CMD_LINK_ADD,
		   0, ifindex, 1, t0, t1, &e[0]);
	ASSERT_STREQ("enit-ev0", e[0].ifname);
	other_links_step(_metadata, &self->rt, step++);
	ASSERT_NO_EVENT(&self->ev, "a veth was created");

	/* Up and down are not events. */
	ASSERT_EQ(0, link_set_up(&self->rt, ifindex, true));
	ASSERT_EQ(0, link_set_up(&self->rt, ifindex, false));
	ASSERT_NO_EVENT(&self->ev, "link up/down");

	t0 = mono_ns();
	ASSERT_EQ(0, link_set_name(&self->rt, ifindex, "enit-ev1"));
	t1 = mono_ns();
	check_step(_metadata, &self->ev, &self->rt, ENI_NOTIFY_CMD_LINK_CHANGE,
		   ENI_NOTIFY_CHANGE_NAME, ifindex, 2, t0, t1, &e[1]);
	ASSERT_STREQ("enit-ev1", e[1].ifname);
	other_links_step(_metadata, &self->rt, step++);
	ASSERT_NO_EVENT(&self->ev, "a bridge was created");

	t0 = mono_ns();
	ASSERT_EQ(0, link_set_mac(&self->rt, ifindex, new_mac));
	t1 = mono_ns();
	check_step(_metadata, &self->ev, &self->rt, ENI_NOTIFY_CMD_LINK_CHANGE,
		   ENI_NOTIFY_CHANGE_MAC, ifindex, 3, t0, t1, &e[2]);
	ASSERT_EQ(0, memcmp(new_mac, e[2].mac, 6));
	other_links_step(_metadata, &self->rt, step++);
	ASSERT_NO_EVENT(&self->ev, "lo's MTU changed");

	t0 = mono_ns();
	ASSERT_EQ(0, link_set_mtu(&self->rt, ifindex, 1400));
	t1 = mono_ns();
	check_step(_metadata, &self->ev, &self->rt, ENI_NOTIFY_CMD_LINK_CHANGE,
		   ENI_NOTIFY_CHANGE_MTU, ifindex, 4, t0, t1, &e[3]);
	ASSERT_EQ(1400u, e[3].mtu);
	other_links_step(_metadata, &self->rt, step++);
	ASSERT_NO_EVENT(&self->ev, "a veth was renamed");

	/* The removal carries the link as last seen. */
	last = e[3];
	t0 = mono_ns();
	ASSERT_EQ(0, link_del(&self->rt, ifindex));
	t1 = mono_ns();
	check_step(_metadata, &self->ev, &self->rt, ENI_NOTIFY_CMD_LINK_DEL,
		   0, ifindex, 5, t0, t1, &e[4]);
	ASSERT_STREQ(last.ifname, e[4].ifname);
	ASSERT_EQ(0, memcmp(last.mac, e[4].mac, 6));
	ASSERT_EQ(last.mac_len, e[4].mac_len);
	ASSERT_EQ(0, memcmp(last.perm_mac, e[4].perm_mac, last.perm_mac_len));
	ASSERT_EQ(last.mtu, e[4].mtu);
	other_links_step(_metadata, &self->rt, step++);
	ASSERT_NO_EVENT(&self->ev, "other links were deleted");

	for (int i = 0; i < 5; i++) {
		ASSERT_LE(prev_ts, e[i].timestamp) TH_LOG("timestamps go back");
		prev_ts = e[i].timestamp;
	}

	/* Kernel log: log=0 nothing, 1 add+remove, 2 every event. */
	if (variant->log >= 1) {
		check_log_line(_metadata, &self->km, "add", &e[0]);
		check_log_line(_metadata, &self->km, "remove", &e[4]);
	}
	kmsg_drain(&self->km);
	if (variant->log == 2) {
		for (int i = 1; i < 4; i++) {
			char needle[48];

			snprintf(needle, sizeof(needle), " seq %llu",
				 (unsigned long long)e[i].seq);
			ASSERT_EQ(1, kmsg_count_substr(&self->km, needle))
			TH_LOG("log=2: no single line for event seq %llu",
			       (unsigned long long)e[i].seq);
		}
	}
	ASSERT_EQ(variant->log == 0 ? 0 : variant->log == 1 ? 2 : 5,
		  kmsg_count_prefix(&self->km, "eni_notify: "))
	TH_LOG("wrong number of eni_notify log lines for log=%d", variant->log);
	assert_kernel_clean(_metadata, &self->km);
}

FIXTURE(basic)
{
	struct rtnl rt;
	struct eni_sock ev, req;
};

FIXTURE_SETUP(basic)
{
	ASSERT_RESET(&self->rt);
}

FIXTURE_TEARDOWN(basic)
{
	eni_sock_close(&self->ev);
	eni_sock_close(&self->req);
	testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
}

/* Default drivers= is virtio_net only: a dummy link is not reported. */
TEST_F(basic, other_drivers_ignored)
{
	struct eni_link all[64];
	struct eni_ack ack;
	struct eni_link e;
	int ifindex, n = 0, err;

	ASSERT_LOAD("");
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
	ASSERT_FAMILY_OPEN(&self->req);

	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-x0", NULL, &ifindex));
	ASSERT_EQ(0, link_set_name(&self->rt, ifindex, "enit-x1"));
	ASSERT_EQ(0, link_set_mtu(&self->rt, ifindex, 1300));
	ASSERT_NO_EVENT(&self->ev, "changes to a dummy link");

	err = eni_get(&self->req, (uint32_t)ifindex, &e, &ack);
	ASSERT_EQ(-ENODEV, err) TH_LOG("GET of a dummy link with drivers=virtio_net");
	ASSERT_EQ(0, eni_dump(&self->req, all, 64, &n, &ack));
	for (int i = 0; i < n && i < 64; i++)
		ASSERT_STRNE("dummy", all[i].driver);

	ASSERT_EQ(0, link_del(&self->rt, ifindex));
	ASSERT_NO_EVENT(&self->ev, "deleting a dummy link");
}

/* A dump's SEQ is the last one issued: the next event is exactly +1. */
TEST_F(basic, dump_seq_continues_stream)
{
	struct eni_link all[64], e, g;
	struct eni_ack ack;
	int a, b, n = 0;
	uint64_t s = 0;
	bool found = false;

	ASSERT_LOAD("drivers=dummy");
	ASSERT_FAMILY_OPEN(&self->req);
	/* An event nobody hears. */
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-s0", NULL, &a));

	ASSERT_EQ(0, eni_dump(&self->req, all, 64, &n, &ack))
	TH_LOG("dump: %s", ack.msg);
	for (int i = 0; i < n && i < 64; i++) {
		ASSERT_LINK_WELLFORMED(&all[i]);
		ASSERT_EQ(ENI_NOTIFY_CMD_GET, all[i].cmd);
		if ((int)all[i].ifindex == a) {
			found = true;
			s = all[i].seq;
		}
	}
	ASSERT_TRUE(found) TH_LOG("dump lacks enit-s0");
	TH_LOG("dump seq after one unheard event: %llu", (unsigned long long)s);

	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-s1", NULL, &b));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)b, &e);
	ASSERT_EQ(s + 1, e.seq);
	ASSERT_EQ(0, link_del(&self->rt, a));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, (uint32_t)a, &e);
	ASSERT_EQ(s + 2, e.seq);

	ASSERT_EQ(0, eni_get(&self->req, (uint32_t)b, &g, &ack));
	ASSERT_EQ(s + 2, g.seq) TH_LOG("GET seq is not the last issued");
}

/* Child side of the namespace test: reports over a pipe. */
struct ns_report {
	int err;		/* 0 or -errno of the step */
	int step;
	struct eni_link ev;
};

static void ns_send(int fd, int step, int err, const struct eni_link *ev)
{
	struct ns_report r = { .err = err, .step = step };

	if (ev)
		r.ev = *ev;
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
}

static void ns_child(int wfd, int rfd, pid_t parent)
{
	struct eni_sock s;
	struct rtnl rt;
	struct eni_link ev;
	char go;
	int err;

	err = unshare(CLONE_NEWNET);
	if (!err)
		err = eni_sock_open_family(&s);
	else
		err = -errno;
	if (!err)
		err = eni_join(&s, s.mcgrp);
	if (!err)
		err = rtnl_open(&rt);
	ns_send(wfd, 0, err, NULL);
	if (err || read(rfd, &go, 1) != 1)
		_exit(1);
	/* Parent moved the link in: expect its arrival. */
	err = eni_recv_event(&s, &ev, WAIT_MS);
	ns_send(wfd, 1, err, err ? NULL : &ev);
	if (err)
		_exit(1);
	/* Send it back home and report its departure. */
	err = link_set_netns_pid(&rt, (int)ev.ifindex, parent);
	if (!err)
		err = eni_recv_event(&s, &ev, WAIT_MS);
	ns_send(wfd, 2, err, err ? NULL : &ev);
	/* Anything else here is wrong. */
	ns_send(wfd, 3, eni_pending_events(&s), NULL);
	_exit(0);
}

static void ns_recv(struct __test_metadata *_metadata, int fd, int step,
		    struct ns_report *r)
{
	ssize_t n = read(fd, r, sizeof(*r));

	ASSERT_EQ((ssize_t)sizeof(*r), n) TH_LOG("namespace child died");
	ASSERT_EQ(step, r->step);
	ASSERT_EQ(0, r->err) TH_LOG("namespace child step %d: %s", step,
				    strerror(-r->err));
}

/* Moving a link between namespaces: DEL here, ADD (origin netns) there. */
TEST_F(basic, netns_move)
{
	int to_child[2], from_child[2], ifindex, status;
	struct ns_report r;
	struct eni_link e;
	struct rtnl_link k;
	uint64_t seq, there_seq;
	pid_t pid;

	ASSERT_LOAD("drivers=dummy");
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-n0", NULL, &ifindex));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)ifindex, &e);
	seq = e.seq;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(from_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(to_child[1]);
		close(from_child[0]);
		ns_child(from_child[1], to_child[0], getppid());
	}
	close(to_child[0]);
	close(from_child[1]);

	ns_recv(_metadata, from_child[0], 0, &r);
	ASSERT_EQ(0, link_set_netns_pid(&self->rt, ifindex, pid))
	TH_LOG("%s", self->rt.errmsg);
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, (uint32_t)ifindex, &e);
	log_event(_metadata, "here, moved out", &e);
	ASSERT_STREQ("enit-n0", e.ifname);
	ASSERT_EQ(ORIGIN_NETNS, e.origin);
	ASSERT_EQ(++seq, e.seq);

	ns_recv(_metadata, from_child[0], 1, &r);
	log_event(_metadata, "there, moved in", &r.ev);
	ASSERT_LINK_WELLFORMED(&r.ev);
	ASSERT_EQ(ENI_NOTIFY_CMD_LINK_ADD, r.ev.cmd);
	ASSERT_EQ(ORIGIN_NETNS, r.ev.origin);
	ASSERT_STREQ("enit-n0", r.ev.ifname);
	ASSERT_STREQ("dummy", r.ev.driver);
	ASSERT_EQ(0, memcmp(e.mac, r.ev.mac, 6));
	there_seq = r.ev.seq;

	ns_recv(_metadata, from_child[0], 2, &r);
	log_event(_metadata, "there, moved out", &r.ev);
	ASSERT_LINK_WELLFORMED(&r.ev);
	ASSERT_EQ(ENI_NOTIFY_CMD_LINK_DEL, r.ev.cmd);
	ASSERT_EQ(ORIGIN_NETNS, r.ev.origin);
	/* That namespace's listener sees its own gap-free sequence. */
	ASSERT_EQ(there_seq + 1, r.ev.seq);
	ns_recv(_metadata, from_child[0], 3, &r);

	/* Back home: ADD with origin netns, and the kernel agrees. */
	ASSERT_EQ(0, link_get_by_name(&self->rt, "enit-n0", &k));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)k.ifindex, &e);
	log_event(_metadata, "here, moved back", &e);
	ASSERT_EQ(ORIGIN_NETNS, e.origin);
	ASSERT_EQ(++seq, e.seq) TH_LOG("this namespace's sequence has a gap");
	ASSERT_MATCHES_KERNEL(&self->rt, &e);
	ASSERT_NO_EVENT(&self->ev, "the move back");

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_HARNESS_MAIN
