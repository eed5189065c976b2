// SPDX-License-Identifier: GPL-2.0
/*
 * A GET dump that a link change interrupts says so: the dump is paused after
 * its first part (the kernel builds the next part only when the reader asks
 * for it), a matching link is added, removed or changed, and a message of
 * the rest of the dump must carry NLM_F_DUMP_INTR (the kernel marks the first
 * message built after a change, or NLMSG_DONE when none follows). A dump
 * during which nothing matching changed (or only a link the module does not
 * report) must carry it nowhere.
 *
 * Reading a part lets the kernel build the next one at once, so the part after
 * the first is built before the change: the links must not fit in two parts.
 */
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "harness.h"
#include "checks.h"

/* More links than two parts of a dump hold (each about 4 KiB, ~30 links). */
#define N_LINKS 80
/* The reader's buffer: later parts are at most this big, one per recv. */
#define RECV_LEN 4096

enum change { CHANGE_NONE, CHANGE_FOREIGN, CHANGE_ADD, CHANGE_DEL, CHANGE_MTU };

/* What one dump looked like. */
struct dump_seen {
	int links;		/* link messages */
	int links_intr;		/* of them, marked NLM_F_DUMP_INTR */
	bool done;		/* NLMSG_DONE arrived */
	bool done_intr;		/* and was marked */
	int error;		/* NLMSG_ERROR's code, 0 if none */
	int foreign;		/* messages with another seq or type */
};

FIXTURE(dumpintr)
{
	struct rtnl rt;
	struct eni_sock req;	/* resolves the family */
	int fd;			/* the dumping socket, never read before the dump */
	int ifindex[N_LINKS];
};

FIXTURE_VARIANT(dumpintr)
{
	enum change change;
	int links_delta;	/* links in the dump compared with N_LINKS */
	bool intr;		/* the rest of the dump must be marked */
};

FIXTURE_VARIANT_ADD(dumpintr, clean)
{
	.change = CHANGE_NONE, .links_delta = 0, .intr = false,
};

FIXTURE_VARIANT_ADD(dumpintr, foreign_link_added)
{
	.change = CHANGE_FOREIGN, .links_delta = 0, .intr = false,
};

FIXTURE_VARIANT_ADD(dumpintr, link_added)
{
	.change = CHANGE_ADD, .links_delta = 1, .intr = true,
};

FIXTURE_VARIANT_ADD(dumpintr, link_removed)
{
	.change = CHANGE_DEL, .links_delta = -1, .intr = true,
};

FIXTURE_VARIANT_ADD(dumpintr, link_changed)
{
	.change = CHANGE_MTU, .links_delta = 0, .intr = true,
};

FIXTURE_SETUP(dumpintr)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	self->fd = -1;
	ASSERT_RESET(&self->rt);
	for (int i = 0; i < N_LINKS; i++) {
		char name[IFNAMSIZ];
		int err;

		snprintf(name, sizeof(name), "enit-d%02d", i);
		err = link_add(&self->rt, "dummy", name, NULL, &self->ifindex[i]);
		ASSERT_EQ(0, err) TH_LOG("creating %s: %s %s", name, strerror(-err),
					 self->rt.errmsg);
	}
	ASSERT_LOAD("drivers=dummy");
	ASSERT_FAMILY_OPEN(&self->req);
	self->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, bind(self->fd, (struct sockaddr *)&sa, sizeof(sa)));
}

FIXTURE_TEARDOWN(dumpintr)
{
	if (self->fd >= 0)
		close(self->fd);
	eni_sock_close(&self->req);
	testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
}

/* Reads one part of the dump (one datagram) into seen: 0 or -errno. */
static int read_part(int fd, uint16_t family, uint32_t seq, struct dump_seen *seen)
{
	static char buf[RECV_LEN] __attribute__((aligned(8)));
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	len = (int)n;
	for (nlh = (const void *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		bool intr = nlh->nlmsg_flags & NLM_F_DUMP_INTR;
		struct eni_ack ack;

		if (nlh->nlmsg_seq != seq) {
			seen->foreign++;
			continue;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			seen->done = true;
			seen->done_intr = intr;
		} else if (nlh->nlmsg_type == NLMSG_ERROR) {
			if (eni_ack_parse(nlh, &ack))
				return -EBADMSG;
			seen->error = ack.error;
			seen->done = true;
		} else if (nlh->nlmsg_type == family) {
			seen->links++;
			seen->links_intr += intr;
		} else {
			seen->foreign++;
		}
	}
	return len ? -EBADMSG : 0;
}

static void make_change(struct __test_metadata *_metadata, FIXTURE_DATA(dumpintr) *self,
			enum change change)
{
	int last = self->ifindex[N_LINKS - 1], x;

	switch (change) {
	case CHANGE_NONE:
		break;
	case CHANGE_FOREIGN:
		ASSERT_EQ(0, link_add(&self->rt, "bridge", "enit-br0", NULL, &x))
		TH_LOG("bridge: %s", self->rt.errmsg);
		break;
	case CHANGE_ADD:
		ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-dx", NULL, &x));
		break;
	case CHANGE_DEL:
		/* the highest ifindex: not dumped yet */
		ASSERT_EQ(0, link_del(&self->rt, last));
		break;
	case CHANGE_MTU:
		ASSERT_EQ(0, link_set_mtu(&self->rt, last, 1400));
		break;
	}
}

TEST_F(dumpintr, paused_dump)
{
	char req[256] __attribute__((aligned(8)));
	struct dump_seen first = { 0 }, rest = { 0 };
	const uint32_t seq = 0x4d50;
	size_t len;

	len = eni_build_get(req, sizeof(req), self->req.family, seq, 0, true);
	ASSERT_EQ((ssize_t)len, send(self->fd, req, len, 0)) TH_LOG("send: %s", strerror(errno));

	/* The first part: the dump is still running afterwards. */
	ASSERT_EQ(0, read_part(self->fd, self->req.family, seq, &first));
	ASSERT_EQ(0, first.error) TH_LOG("dump: %s", strerror(-first.error));
	ASSERT_FALSE(first.done) TH_LOG("the whole dump (%d links) came in one part", first.links);
	ASSERT_LT(0, first.links);
	ASSERT_EQ(0, first.links_intr) TH_LOG("marked before anything changed");
	TH_LOG("first part: %d of %d links", first.links, N_LINKS);

	make_change(_metadata, self, variant->change);

	while (!rest.done)
		ASSERT_EQ(0, read_part(self->fd, self->req.family, seq, &rest));
	ASSERT_EQ(0, rest.error) TH_LOG("dump: %s", strerror(-rest.error));
	ASSERT_EQ(0, first.foreign + rest.foreign);
	ASSERT_EQ(N_LINKS + variant->links_delta, first.links + rest.links);
	TH_LOG("rest: %d links, %d marked, NLMSG_DONE %s", rest.links, rest.links_intr,
	       rest.done_intr ? "marked" : "not marked");
	if (variant->intr) {
		ASSERT_LT(0, rest.links_intr + rest.done_intr)
		TH_LOG("no message built after the change carries NLM_F_DUMP_INTR");
	} else {
		ASSERT_FALSE(rest.done_intr) TH_LOG("a clean dump marked interrupted");
		ASSERT_EQ(0, rest.links_intr) TH_LOG("a clean dump marked interrupted");
	}
}

TEST_HARNESS_MAIN
