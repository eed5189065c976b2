// SPDX-License-Identifier: GPL-2.0
/*
 * The kdebug tier's stress, run on a kernel with KASAN, kmemleak, lockdep and
 * the refcount trackers: the host fails the run on any splat, and scans for
 * leaks after it. Cycle counts (environment, defaults as issue 11 asks):
 * KSTRESS_LOADS (100) module load/unload cycles, KSTRESS_PLUGS (100) virtio-net
 * hot-plug/unplug cycles, KSTRESS_NETNS (50) namespace create/move/destroy
 * cycles; then unload attempts during a GET storm and with a dump paused on a
 * full receive buffer, and the user-namespace rules. Each test also checks what
 * the module said on the way.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#include "harness.h"
#include "checks.h"
#include "hostctl.h"

#define STORM_CHILDREN 2
#define STORM_ROUNDS 10
#define PAUSED_LINKS 40

static int count_env(const char *name, int dflt)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : dflt;
}

FIXTURE(kstress)
{
	struct rtnl rt;
	struct eni_sock ev, req, ctrl;
	struct kmsg km;
	struct hostctl h;
	char plugged[16];	/* id of a device the host still has plugged */
};

FIXTURE_SETUP(kstress)
{
	self->km.fd = -1;
	self->h.fd = -1;
	ASSERT_RESET(&self->rt);
	ASSERT_EQ(0, kmsg_open(&self->km));
	/* nlctrl's "notify" group tells when the family is gone. */
	ASSERT_EQ(0, nlctrl_notify_open(&self->ctrl));
}

FIXTURE_TEARDOWN(kstress)
{
	struct host_done d;

	if (self->plugged[0] && !hostctl_unplug(&self->h, self->plugged))
		hostctl_wait_done(&self->h, "unplug", self->plugged, WAIT_MS, &d);
	hostctl_close(&self->h);
	testenv_teardown(&self->rt, &self->km, &self->ev, &self->req, &self->ctrl);
}

/* rmmod, then wait until nlctrl reports the family gone. */
static void unload_wait_gone(struct __test_metadata *_metadata,
			     FIXTURE_DATA(kstress) *self)
{
	const char *step;
	int err = kmod_unload_wait_gone(&self->ctrl, WAIT_MS, &step);

	ASSERT_EQ(0, err) TH_LOG("%s: %s", step, strerror(-err));
}

static void open_listener(struct __test_metadata *_metadata, FIXTURE_DATA(kstress) *self)
{
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
}

static void need_host(struct __test_metadata *_metadata, FIXTURE_DATA(kstress) *self)
{
	int err = hostctl_open(&self->h, hostctl_path());

	if (err)
		SKIP(return, "no host control channel %s: %s", hostctl_path(), strerror(-err));
}

static void plug(struct __test_metadata *_metadata, FIXTURE_DATA(kstress) *self,
		 const char *id, const char *mac)
{
	struct host_done d;

	ASSERT_EQ(0, hostctl_plug(&self->h, id, mac));
	snprintf(self->plugged, sizeof(self->plugged), "%s", id);
	ASSERT_EQ(0, hostctl_wait_done(&self->h, "plug", id, WAIT_MS, &d));
	ASSERT_TRUE(d.ok) TH_LOG("host: plug %s: %s", id, d.err);
}

static void unplug(struct __test_metadata *_metadata, FIXTURE_DATA(kstress) *self,
		   const char *id)
{
	struct host_done d;

	ASSERT_EQ(0, hostctl_unplug(&self->h, id));
	ASSERT_EQ(0, hostctl_wait_done(&self->h, "unplug", id, WAIT_MS, &d));
	ASSERT_TRUE(d.ok) TH_LOG("host: unplug %s: %s", id, d.err);
	self->plugged[0] = 0;
}

/* The next event on s is cmd for the device with MAC mac, origin origin, seq seq. */
static void expect_mac_event(struct __test_metadata *_metadata, struct eni_sock *s,
			     uint8_t cmd, const uint8_t mac[6], uint32_t origin,
			     uint64_t seq, struct eni_link *e, const char *where)
{
	char d[512];
	int err = eni_recv_event(s, e, WAIT_MS);

	ASSERT_EQ(0, err) TH_LOG("%s: waiting for %s: %s", where, eni_cmd_name(cmd),
				 strerror(-err));
	eni_link_describe(e, d, sizeof(d));
	ASSERT_LINK_WELLFORMED(e);
	ASSERT_EQ(cmd, e->cmd) TH_LOG("%s: got %s", where, d);
	ASSERT_EQ(0, memcmp(mac, e->mac, 6)) TH_LOG("%s: got %s", where, d);
	ASSERT_EQ(origin, e->origin) TH_LOG("%s: got %s", where, d);
	ASSERT_EQ(seq, e->seq) TH_LOG("%s: this namespace's sequence is off: %s", where, d);
}

TEST_F_TIMEOUT(kstress, load_unload_cycles, 1200)
{
	int n = count_env("KSTRESS_LOADS", 100), a, b, cnt;
	struct eni_link e, all[64];
	struct eni_ack ack;

	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-k0", NULL, &a));
	for (int i = 0; i < n; i++) {
		ASSERT_LOAD("drivers=dummy,virtio_net log=1");
		open_listener(_metadata, self);
		ASSERT_FAMILY_OPEN(&self->req);
		ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-k1", NULL, &b));
		expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)b, &e);
		ASSERT_EQ(1u, e.seq) TH_LOG("cycle %d", i);
		ASSERT_EQ(0, eni_get(&self->req, (uint32_t)a, &e, &ack)) TH_LOG("%s", ack.msg);
		ASSERT_EQ(ORIGIN_PRESENT, e.origin);
		ASSERT_EQ(0, eni_dump(&self->req, all, 64, &cnt, &ack)) TH_LOG("%s", ack.msg);
		ASSERT_LE(2, cnt);
		ASSERT_EQ(0, link_del(&self->rt, b));
		expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, (uint32_t)b, &e);
		ASSERT_EQ(2u, e.seq) TH_LOG("cycle %d", i);
		unload_wait_gone(_metadata, self);
		eni_sock_close(&self->ev);
		eni_sock_close(&self->req);
	}
	TH_LOG("%d load/unload cycles", n);
	assert_kernel_clean(_metadata, &self->km);
}

TEST_F_TIMEOUT(kstress, hotplug_cycles, 1800)
{
	int n = count_env("KSTRESS_PLUGS", 100);
	struct eni_link e;
	uint8_t macb[6];
	uint32_t ifindex;
	char id[16], mac[18];

	need_host(_metadata, self);
	ASSERT_LOAD("drivers=virtio_net log=1");
	open_listener(_metadata, self);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "k%d", i);
		snprintf(mac, sizeof(mac), "00:16:3e:6b:%02x:%02x", (i >> 8) & 0xff, i & 0xff);
		mac_parse(mac, macb);
		plug(_metadata, self, id, mac);
		expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, macb,
				 ORIGIN_HOTPLUG, 2 * (uint64_t)i + 1, &e, id);
		ASSERT_STREQ("virtio_net", e.driver);
		ifindex = e.ifindex;
		unplug(_metadata, self, id);
		expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, macb,
				 ORIGIN_HOTPLUG, 2 * (uint64_t)i + 2, &e, id);
		ASSERT_EQ(ifindex, e.ifindex);
	}
	ASSERT_NO_EVENT(&self->ev, "the last unplug");
	TH_LOG("%d hot-plug/unplug cycles", n);
	assert_kernel_clean(_metadata, &self->km);
}

/* A process holding a fresh network namespace until its pipe closes. */
struct holder {
	pid_t pid;
	int release;		/* write end: closing it ends the holder */
};

static int holder_start(struct holder *h)
{
	int go[2], ready[2];
	char c;

	if (pipe2(go, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		return -errno;
	h->pid = fork();
	if (h->pid < 0)
		return -errno;
	if (h->pid == 0) {
		close(go[1]);
		close(ready[0]);
		c = unshare(CLONE_NEWNET) ? 'e' : 'r';
		if (write(ready[1], &c, 1) != 1 || c != 'r')
			_exit(1);
		/* Blocks until the parent closes its end. */
		_exit(read(go[0], &c, 1) == 0 ? 0 : 2);
	}
	close(go[0]);
	close(ready[1]);
	h->release = go[1];
	if (read(ready[0], &c, 1) != 1 || c != 'r') {
		close(ready[0]);
		return -ECHILD;
	}
	close(ready[0]);
	return 0;
}

/* Opens, inside the holder's namespace, a joined listener and an rtnetlink socket. */
static int holder_sockets(const struct holder *h, struct eni_sock *ev, struct rtnl *rt)
{
	char path[64];
	int home, there, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", h->pid);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	there = open(path, O_RDONLY | O_CLOEXEC);
	if (home < 0 || there < 0 || setns(there, CLONE_NEWNET)) {
		err = -errno;
		goto out;
	}
	err = eni_sock_open_family(ev);
	if (!err)
		err = eni_join(ev, ev->mcgrp);
	if (!err)
		err = rtnl_open(rt);
	if (setns(home, CLONE_NEWNET) && !err)
		err = -errno;
out:
	if (home >= 0)
		close(home);
	if (there >= 0)
		close(there);
	return err;
}

/*
 * A virtio-net device moved into a fresh namespace and back (netns events on
 * both sides, each namespace with its own gap-free sequence), then moved in
 * again beside a dummy link made there, and the namespace destroyed with both:
 * the device comes home, the dummy goes, nothing leaks (kmemleak and the
 * refcount trackers speak on the console, which the host scans).
 */
TEST_F_TIMEOUT(kstress, netns_cycles, 1800)
{
	int n = count_env("KSTRESS_NETNS", 50), d, status;
	uint8_t macb[6];
	uint64_t seq;
	uint32_t vidx, tidx;
	struct eni_link e;

	need_host(_metadata, self);
	ASSERT_LOAD("drivers=dummy,virtio_net log=1");
	open_listener(_metadata, self);
	mac_parse("00:16:3e:6e:00:01", macb);
	plug(_metadata, self, "kns", "00:16:3e:6e:00:01");
	expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, macb, ORIGIN_HOTPLUG,
			 1, &e, "plug");
	vidx = e.ifindex;
	seq = e.seq;
	for (int i = 0; i < n; i++) {
		struct eni_sock there = { .fd = -1 };
		struct rtnl rt_there = { 0 };
		struct holder h;

		ASSERT_EQ(0, holder_start(&h)) TH_LOG("cycle %d: no namespace", i);
		ASSERT_EQ(0, holder_sockets(&h, &there, &rt_there)) TH_LOG("cycle %d", i);

		ASSERT_EQ(0, link_set_netns_pid(&self->rt, (int)vidx, h.pid))
		TH_LOG("%s", self->rt.errmsg);
		expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, macb,
				 ORIGIN_NETNS, ++seq, &e, "here, moved out");
		expect_mac_event(_metadata, &there, ENI_NOTIFY_CMD_LINK_ADD, macb,
				 ORIGIN_NETNS, 1, &e, "there, moved in");
		tidx = e.ifindex;

		ASSERT_EQ(0, link_set_netns_pid(&rt_there, (int)tidx, getpid()))
		TH_LOG("%s", rt_there.errmsg);
		expect_mac_event(_metadata, &there, ENI_NOTIFY_CMD_LINK_DEL, macb,
				 ORIGIN_NETNS, 2, &e, "there, moved out");
		expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, macb,
				 ORIGIN_NETNS, ++seq, &e, "here, moved back");
		vidx = e.ifindex;

		/* In again, with a dummy made there; then the namespace goes. */
		ASSERT_EQ(0, link_set_netns_pid(&self->rt, (int)vidx, h.pid));
		expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, macb,
				 ORIGIN_NETNS, ++seq, &e, "here, moved out again");
		expect_mac_event(_metadata, &there, ENI_NOTIFY_CMD_LINK_ADD, macb,
				 ORIGIN_NETNS, 3, &e, "there, moved in again");
		ASSERT_EQ(0, link_add(&rt_there, "dummy", "enit-d0", NULL, &d));
		expect_event(_metadata, &there, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)d, &e);
		ASSERT_EQ(4u, e.seq);
		eni_sock_close(&there);
		rtnl_close(&rt_there);
		close(h.release);
		ASSERT_EQ(h.pid, waitpid(h.pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		/* The namespace's cleanup sends the device home. */
		expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, macb,
				 ORIGIN_NETNS, ++seq, &e, "home from a destroyed namespace");
		vidx = e.ifindex;
	}
	ASSERT_NO_EVENT(&self->ev, "the last namespace");
	unplug(_metadata, self, "kns");
	/* A removal's origin says why it went: unplugged, not moved. */
	expect_mac_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_DEL, macb, ORIGIN_HOTPLUG,
			 ++seq, &e, "unplug");
	TH_LOG("%d namespace cycles, last seq %llu", n, (unsigned long long)seq);
	assert_kernel_clean(_metadata, &self->km);
}

/* A GET and dump loop until the family is gone; the exit code counts nothing. */
static void storm_child(uint32_t ifindex)
{
	struct eni_link one, all[8];
	struct eni_sock s;
	struct eni_ack ack;
	int n;

	if (eni_sock_open_family(&s))
		_exit(0);
	while (!eni_get(&s, ifindex, &one, &ack) && !eni_dump(&s, all, 8, &n, &ack))
		;
	eni_sock_close(&s);
	_exit(0);
}

TEST_F_TIMEOUT(kstress, unload_during_get_storm, 600)
{
	pid_t kids[STORM_CHILDREN];
	int a, status, tries = 0;

	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-g0", NULL, &a));
	for (int r = 0; r < STORM_ROUNDS; r++) {
		uint64_t deadline;
		int err;

		ASSERT_LOAD("drivers=dummy");
		for (int k = 0; k < STORM_CHILDREN; k++) {
			kids[k] = fork();
			ASSERT_LE(0, kids[k]);
			if (!kids[k])
				storm_child((uint32_t)a);
		}
		usleep(100000 * (useconds_t)(1 + r % 3));	/* let the storm start */
		deadline = mono_ns() + (uint64_t)WAIT_MS * 1000000ull;
		do {
			err = kmod_unload();
			tries++;
		} while ((err == -EAGAIN || err == -EBUSY) && ms_left(deadline));
		ASSERT_EQ(0, err) TH_LOG("round %d: rmmod: %s", r, strerror(-err));
		ASSERT_EQ(0, eni_ctrl_wait(&self->ctrl, CTRL_CMD_DELFAMILY,
					   ENI_NOTIFY_FAMILY_NAME, WAIT_MS));
		for (int k = 0; k < STORM_CHILDREN; k++) {
			ASSERT_EQ(kids[k], waitpid(kids[k], &status, 0));
			ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("storm child %d: status 0x%x", k, status);
		}
	}
	TH_LOG("%d rounds, %d unload attempts", STORM_ROUNDS, tries);
	assert_kernel_clean(_metadata, &self->km);
}

/* Reads a dump's replies up to NLMSG_DONE: their count, or -errno. */
static int read_dump(struct eni_sock *s)
{
	static char buf[65536] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	int n = 0, len;

	for (;;) {
		len = (int)recv(s->fd, buf, sizeof(buf), 0);
		if (len < 0)
			return -errno;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_DONE)
				return n;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			n++;
		}
	}
}

/*
 * A dump paused on a full receive buffer holds the module: rmmod is refused
 * (EAGAIN) until the dump ends, by reading it to the end or by closing the socket.
 */
TEST_F_TIMEOUT(kstress, unload_with_paused_dump, 600)
{
	int rcvbuf = 4096, idx, err, cnt;
	char req[128], name[IFNAMSIZ];
	size_t len;

	for (int i = 0; i < PAUSED_LINKS; i++) {
		snprintf(name, sizeof(name), "enit-p%d", i);
		ASSERT_EQ(0, link_add(&self->rt, "dummy", name, NULL, &idx));
	}
	for (int way = 0; way < 2; way++) {
		ASSERT_LOAD("drivers=dummy");
		ASSERT_FAMILY_OPEN(&self->req);
		ASSERT_EQ(0, setsockopt(self->req.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					sizeof(rcvbuf)));
		len = eni_build_get(req, sizeof(req), self->req.family, ++self->req.seq, 0, true);
		ASSERT_LT(0, mnl_socket_sendto(self->req.nl, req, len));
		err = kmod_unload();
		ASSERT_EQ(-EAGAIN, err) TH_LOG("rmmod with a paused dump: %s",
					       err ? strerror(-err) : "succeeded");
		if (way == 0) {
			/* Read the dump to its end: the module is free again. */
			cnt = read_dump(&self->req);
			ASSERT_LE(PAUSED_LINKS, cnt) TH_LOG("dump: %s", strerror(-cnt));
		}
		eni_sock_close(&self->req);
		unload_wait_gone(_metadata, self);
	}
	assert_kernel_clean(_metadata, &self->km);
}

/* What an unprivileged process was answered, step by step: 0 or -errno each. */
struct userns_report {
	int join_init, get_init, dump_init;	/* nobody, initial user and net ns */
	int unshare_user, join_userns, get_userns;	/* own user ns, initial net ns */
	int unshare_net, join_own, add_own, event_own, get_own, dump_own, dumped;
};

static int try_join(void)
{
	struct eni_sock s;
	int err = eni_sock_open_family(&s);

	if (!err)
		err = eni_join(&s, s.mcgrp);
	eni_sock_close(&s);
	return err;
}

static int try_get(uint32_t ifindex, bool dump, int *n)
{
	struct eni_link all[8];
	struct eni_sock s;
	struct eni_ack ack;
	int err = eni_sock_open_family(&s);

	if (!err)
		err = dump ? eni_dump(&s, all, 8, n, &ack) : eni_get(&s, ifindex, all, &ack);
	eni_sock_close(&s);
	return err;
}

static void userns_child(int wfd, uint32_t init_ifindex)
{
	struct userns_report r = { .dumped = -1 };
	struct eni_sock s;
	struct eni_link e;
	struct rtnl rt;
	int n = 0, x;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		_exit(2);
	r.join_init = try_join();
	r.get_init = try_get(init_ifindex, false, &n);
	r.dump_init = try_get(0, true, &n);
	r.unshare_user = unshare(CLONE_NEWUSER) ? -errno : 0;
	r.join_userns = try_join();
	r.get_userns = try_get(init_ifindex, false, &n);
	r.unshare_net = unshare(CLONE_NEWNET) ? -errno : 0;
	r.join_own = eni_sock_open_family(&s);
	if (!r.join_own)
		r.join_own = eni_join(&s, s.mcgrp);
	r.add_own = rtnl_open(&rt);
	if (!r.add_own)
		r.add_own = link_add(&rt, "dummy", "enit-u1", NULL, &x);
	if (!r.add_own && !r.join_own) {
		r.event_own = eni_recv_event(&s, &e, WAIT_MS);
		if (!r.event_own && (e.cmd != ENI_NOTIFY_CMD_LINK_ADD || e.seq != 1 ||
				     (int)e.ifindex != x))
			r.event_own = -EBADMSG;
		r.get_own = try_get((uint32_t)x, false, &n);
		r.dump_own = try_get(0, true, &r.dumped);
	}
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/*
 * DESIGN: group and commands need CAP_NET_ADMIN, over the namespace: an
 * unprivileged user may GET, dump and join only in a network namespace its own
 * user namespace owns, never in the initial one.
 */
TEST_F(kstress, userns_rules)
{
	struct userns_report r;
	int p[2], a, status;
	pid_t pid;

	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-un", NULL, &a));
	ASSERT_LOAD("drivers=dummy");
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		userns_child(p[1], (uint32_t)a);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(r), read(p[0], &r, sizeof(r))) TH_LOG("the child died");
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(-EPERM, r.join_init) TH_LOG("nobody joined the group: %d", r.join_init);
	ASSERT_EQ(-EPERM, r.get_init);
	ASSERT_EQ(-EPERM, r.dump_init);
	ASSERT_EQ(0, r.unshare_user) TH_LOG("unshare(CLONE_NEWUSER): %s", strerror(-r.unshare_user));
	ASSERT_EQ(-EPERM, r.join_userns) TH_LOG("joined the initial namespace's group");
	ASSERT_EQ(-EPERM, r.get_userns) TH_LOG("GET in the initial namespace");
	ASSERT_EQ(0, r.unshare_net);
	ASSERT_EQ(0, r.join_own) TH_LOG("join in its own namespace: %s", strerror(-r.join_own));
	ASSERT_EQ(0, r.add_own) TH_LOG("dummy link in its own namespace: %s", strerror(-r.add_own));
	ASSERT_EQ(0, r.event_own) TH_LOG("its LINK_ADD (seq 1): %s", strerror(-r.event_own));
	ASSERT_EQ(0, r.get_own) TH_LOG("GET in its own namespace: %s", strerror(-r.get_own));
	ASSERT_EQ(0, r.dump_own);
	ASSERT_EQ(1, r.dumped) TH_LOG("its dump holds its link only");
	assert_kernel_clean(_metadata, &self->km);
}

TEST_HARNESS_MAIN
