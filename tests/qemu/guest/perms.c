// SPDX-License-Identifier: GPL-2.0
/*
 * Without CAP_NET_ADMIN a process can neither join the events group (by
 * setsockopt or by bind) nor GET or dump, and receives no events. A child
 * drops the capability and reports what the kernel answered.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/netlink.h>

#include "harness.h"
#include "checks.h"

enum mode {
	MODE_PRIVILEGED,	/* control: nothing dropped */
	MODE_DROP_CAP,		/* uid 0 without CAP_NET_ADMIN */
	MODE_NOBODY,		/* uid 65534, no capabilities */
	MODE_DROP_AFTER_OPEN,	/* socket opened with it, then dropped */
};

#define NOT_TRIED 1

struct perm_report {
	int drop_err;
	bool net_admin;		/* CAP_NET_ADMIN still effective after the drop */
	int resolve_err;
	int join_err;
	int bind_err;		/* bind() with a group mask, NOT_TRIED if id >= 32 */
	int get_err;
	int dump_err;
	char get_msg[256];
	int events;		/* events queued after the parent made one */
};

static bool has_net_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return true;
	return d[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

static int drop_net_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1u << (CAP_NET_ADMIN % 32);
	int i = CAP_NET_ADMIN / 32;

	/* Out of the bounding and ambient sets too, so nothing regains it. */
	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0))
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[i].effective &= ~bit;
	d[i].permitted &= ~bit;
	d[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

static int try_bind_groups(uint32_t group)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, err = 0;

	if (group >= 32)
		return NOT_TRIED;
	sa.nl_groups = 1u << (group - 1);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = -errno;
	close(fd);
	return err;
}

static void child(enum mode mode, int ifindex, int wfd, int rfd)
{
	struct perm_report r = { .bind_err = NOT_TRIED };
	struct eni_sock s = { 0 };
	struct eni_link all[16], g;
	struct eni_ack ack;
	int n = 0;
	char go;

	if (mode == MODE_DROP_AFTER_OPEN)
		r.resolve_err = eni_sock_open_family(&s);
	if (mode == MODE_DROP_CAP || mode == MODE_DROP_AFTER_OPEN)
		r.drop_err = drop_net_admin();
	else if (mode == MODE_NOBODY)
		r.drop_err = become_nobody();
	r.net_admin = has_net_admin();
	if (mode != MODE_DROP_AFTER_OPEN)
		r.resolve_err = eni_sock_open_family(&s);
	if (!r.resolve_err) {
		r.join_err = eni_join(&s, s.mcgrp);
		r.bind_err = try_bind_groups(s.mcgrp);
		r.get_err = eni_get(&s, (uint32_t)ifindex, &g, &ack);
		snprintf(r.get_msg, sizeof(r.get_msg), "%s", ack.msg);
		r.dump_err = eni_dump(&s, all, 16, &n, &ack);
	}
	if (write(wfd, &r, sizeof(r)) != sizeof(r) ||
	    read(rfd, &go, 1) != 1)
		_exit(2);
	/* The parent's event was delivered before it wrote "go". */
	r.events = r.resolve_err ? 0 : eni_pending_events(&s);
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	_exit(0);
}

FIXTURE(perms)
{
	struct rtnl rt;
	struct eni_sock ev;
	int q0;
};

FIXTURE_SETUP(perms)
{
	ASSERT_RESET(&self->rt);
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-q0", NULL, &self->q0));
	ASSERT_LOAD("drivers=dummy");
	ASSERT_FAMILY_OPEN(&self->ev);
	ASSERT_EQ(0, eni_join(&self->ev, self->ev.mcgrp));
}

FIXTURE_TEARDOWN(perms)
{
	eni_sock_close(&self->ev);
	testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
}

/* Runs the child, makes one event happen in between, returns its report. */
static void run_child(struct __test_metadata *_metadata,
		      FIXTURE_DATA(perms) *self, enum mode mode,
		      struct perm_report *r)
{
	int to_child[2], from_child[2], status, q1;
	struct eni_link e;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(from_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(to_child[1]);
		close(from_child[0]);
		child(mode, self->q0, from_child[1], to_child[0]);
	}
	close(to_child[0]);
	close(from_child[1]);
	ASSERT_EQ((ssize_t)sizeof(*r), read(from_child[0], r, sizeof(*r)))
	TH_LOG("child died");

	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-q1", NULL, &q1));
	expect_event(_metadata, &self->ev, ENI_NOTIFY_CMD_LINK_ADD, (uint32_t)q1, &e);
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ((ssize_t)sizeof(*r), read(from_child[0], r, sizeof(*r)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(to_child[1]);
	close(from_child[0]);

	TH_LOG("mode %d: net_admin %d resolve %d join %d bind %d get %d "
	       "(\"%s\") dump %d events %d", mode, r->net_admin,
	       r->resolve_err, r->join_err, r->bind_err, r->get_err,
	       r->get_msg, r->dump_err, r->events);
	ASSERT_EQ(0, r->drop_err) TH_LOG("dropping privileges: %s",
					 strerror(-r->drop_err));
	/* Resolving a family needs no privilege. */
	ASSERT_EQ(0, r->resolve_err) TH_LOG("resolve: %s",
					    strerror(-r->resolve_err));
}

static void assert_refused(struct __test_metadata *_metadata,
			   const struct perm_report *r)
{
	ASSERT_FALSE(r->net_admin) TH_LOG("CAP_NET_ADMIN was not dropped");
	ASSERT_EQ(-EPERM, r->join_err) TH_LOG("join: %s", strerror(-r->join_err));
	if (r->bind_err != NOT_TRIED)
		ASSERT_EQ(-EPERM, r->bind_err)
		TH_LOG("bind to the group: %s", strerror(-r->bind_err));
	ASSERT_EQ(-EPERM, r->get_err) TH_LOG("GET: %s", strerror(-r->get_err));
	ASSERT_EQ(-EPERM, r->dump_err) TH_LOG("dump: %s", strerror(-r->dump_err));
	ASSERT_EQ(0, r->events) TH_LOG("an unprivileged socket got events");
}

TEST_F(perms, privileged_control)
{
	struct perm_report r;

	run_child(_metadata, self, MODE_PRIVILEGED, &r);
	ASSERT_TRUE(r.net_admin);
	ASSERT_EQ(0, r.join_err);
	ASSERT_TRUE(r.bind_err == 0 || r.bind_err == NOT_TRIED);
	ASSERT_EQ(0, r.get_err);
	ASSERT_EQ(0, r.dump_err);
	ASSERT_EQ(1, r.events) TH_LOG("the joined child must see the event");
}

TEST_F(perms, root_without_cap_net_admin)
{
	struct perm_report r;

	run_child(_metadata, self, MODE_DROP_CAP, &r);
	assert_refused(_metadata, &r);
}

TEST_F(perms, nobody)
{
	struct perm_report r;

	run_child(_metadata, self, MODE_NOBODY, &r);
	assert_refused(_metadata, &r);
}

TEST_F(perms, dropped_after_open)
{
	struct perm_report r;

	run_child(_metadata, self, MODE_DROP_AFTER_OPEN, &r);
	assert_refused(_metadata, &r);
}

TEST_HARNESS_MAIN
