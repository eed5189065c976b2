// SPDX-License-Identifier: GPL-2.0
/*
 * nl_util: the receive walker over hostile lengths (2^31, 2^32-1, shorter than a header,
 * longer than the datagram, exactly the datagram), nl_recv's kernel-only filter, the
 * strict attribute walk, and nl_transact against the kernel (dump, ACK, error with its
 * extended-ACK text, a callback that stops, the leftovers of an earlier request).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>

#include "kselftest_harness.h"
#include "nl_util.h"

#define BUFSZ	  256
#define MAX_STEPS 64 /* far more than any buffer here holds: more means the walk is stuck */

struct walked {
	unsigned int n;
	uint32_t seq[MAX_STEPS];
	int err;
	bool escaped; /* a message outside the buffer, or running past it */
	bool stuck;   /* more than MAX_STEPS messages */
};

/* Walks len bytes copied to an exact-size heap block (ASan sees any overread). */
static struct walked walk(const void *data, size_t len)
{
	struct walked r = {0};
	char *buf = malloc(len ? len : 1);
	const struct nlmsghdr *nlh;
	struct nl_walk w;

	memcpy(buf, data, len);
	nl_walk_init(&w, buf, len);
	while ((nlh = nl_walk_next(&w))) {
		const char *p = (const char *)nlh;

		if (p < buf || p + sizeof(*nlh) > buf + len ||
		    (size_t)(p - buf) + nlh->nlmsg_len > len) {
			r.escaped = true;
			break;
		}
		if (r.n == MAX_STEPS) {
			r.stuck = true;
			break;
		}
		r.seq[r.n++] = nlh->nlmsg_seq;
	}
	r.err = w.err;
	free(buf);
	return r;
}

/* A message of len bytes (header included) at off, seq as its tag; returns the next offset. */
static size_t put(char *buf, size_t off, uint32_t len, uint32_t seq)
{
	struct nlmsghdr h = {.nlmsg_len = len, .nlmsg_type = RTM_NEWLINK, .nlmsg_seq = seq};

	memcpy(buf + off, &h, sizeof(h));
	return off + NLMSG_ALIGN(len < sizeof(h) ? sizeof(h) : (len > BUFSZ ? BUFSZ : len));
}

TEST(walk_two_messages)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	size_t off = put(buf, 0, 21, 1); /* padded to 24 */
	struct walked r;

	off = put(buf, off, 16, 2);
	r = walk(buf, off);
	ASSERT_FALSE(r.escaped);
	ASSERT_FALSE(r.stuck);
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(1, r.seq[0]);
	EXPECT_EQ(2, r.seq[1]);
	EXPECT_EQ(0, r.err);
}

TEST(walk_empty)
{
	struct walked r = walk("", 0);

	EXPECT_EQ(0, r.n);
	EXPECT_EQ(0, r.err);
}

TEST(walk_len_2_31)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	struct walked r;

	put(buf, 0, 0x80000000u, 1);
	r = walk(buf, 64);
	ASSERT_FALSE(r.escaped);
	ASSERT_FALSE(r.stuck);
	EXPECT_EQ(0, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
}

TEST(walk_len_2_31_after_a_good_one)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	size_t off = put(buf, 0, 20, 1);
	struct walked r;

	put(buf, off, 0x80000010u, 2);
	r = walk(buf, 64);
	ASSERT_FALSE(r.escaped);
	ASSERT_FALSE(r.stuck);
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(1, r.seq[0]);
	EXPECT_EQ(-EBADMSG, r.err);
}

TEST(walk_len_all_ones)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	struct walked r;

	/* aligns to 0: a walk that trusts it stands still for ever */
	put(buf, 0, 0xffffffffu, 1);
	r = walk(buf, 32);
	ASSERT_FALSE(r.escaped);
	ASSERT_FALSE(r.stuck);
	EXPECT_EQ(0, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
}

TEST(walk_len_2_32_minus_2_after_a_good_one)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	size_t off = put(buf, 0, 16, 1);
	struct walked r;

	put(buf, off, 0xfffffffeu, 2);
	r = walk(buf, 48);
	ASSERT_FALSE(r.escaped);
	ASSERT_FALSE(r.stuck);
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
}

TEST(walk_len_shorter_than_a_header)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	struct walked r;

	put(buf, 0, 8, 1);
	r = walk(buf, 32);
	ASSERT_FALSE(r.stuck);
	EXPECT_EQ(0, r.n);
	EXPECT_EQ(-EBADMSG, r.err);

	put(buf, 0, 0, 1); /* a zero length would stand still too */
	r = walk(buf, 32);
	ASSERT_FALSE(r.stuck);
	EXPECT_EQ(0, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
}

TEST(walk_datagram_shorter_than_a_header)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	size_t off = put(buf, 0, 16, 1);
	struct walked r;

	r = walk(buf, 10);
	EXPECT_EQ(0, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
	/* a good message, then 8 bytes: not a message */
	r = walk(buf, off + 8);
	ASSERT_FALSE(r.escaped);
	EXPECT_EQ(1, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
}

TEST(walk_len_longer_than_the_datagram)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	size_t off = put(buf, 0, 24, 1);
	struct walked r;

	put(buf, off, 41, 2); /* 40 bytes left */
	r = walk(buf, off + 40);
	ASSERT_FALSE(r.escaped);
	ASSERT_FALSE(r.stuck);
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
}

TEST(walk_len_exactly_the_datagram)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	size_t off;
	struct walked r;

	put(buf, 0, BUFSZ, 2);
	r = walk(buf, BUFSZ);
	ASSERT_FALSE(r.escaped);
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(2, r.seq[0]);
	EXPECT_EQ(0, r.err);

	/* unaligned, its padding received: the walk ends exactly at the datagram's end */
	off = put(buf, 0, 21, 1);
	off = put(buf, off, 37, 3);
	r = walk(buf, off);
	ASSERT_FALSE(r.escaped);
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(3, r.seq[1]);
	EXPECT_EQ(0, r.err);
}

TEST(walk_last_message_without_its_padding)
{
	char buf[BUFSZ] __attribute__((aligned(8))) = {0};
	size_t off = put(buf, 0, 16, 1);
	struct walked r;

	/* libmnl's attribute walks would read the 3 missing bytes past the datagram */
	put(buf, off, 37, 2);
	r = walk(buf, off + 37);
	ASSERT_FALSE(r.escaped);
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(-EBADMSG, r.err);
}

/* ---- nl_recv hears only the kernel -------------------------------------------------- */

#define FOREIGN_SEQ 0xdead
#define KERNEL_SEQ  0x4242

struct heard {
	unsigned int foreign, kernel, lost;
};

static void heard_msg(const struct nlmsghdr *nlh, void *data)
{
	struct heard *h = data;

	if (nlh->nlmsg_seq == FOREIGN_SEQ)
		h->foreign++;
	if (nlh->nlmsg_seq == KERNEL_SEQ)
		h->kernel++;
}

static void heard_lost(void *data)
{
	((struct heard *)data)->lost++;
}

TEST(drain_drops_what_the_kernel_did_not_send)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req = {
		.h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK},
		.ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 1},
	};
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	unsigned long dropped = nl_foreign_dropped();
	struct mnl_socket *rx = nl_open(NETLINK_ROUTE, 0, 0);
	struct heard h = {0};
	int tx;

	ASSERT_NE(NULL, rx);
	tx = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ASSERT_LE(0, tx);
	/* another process's socket writes to ours, dressed as an event */
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_seq = FOREIGN_SEQ;
	to.nl_pid = mnl_socket_get_portid(rx);
	if (sendto(tx, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		int err = errno;

		close(tx);
		mnl_socket_close(rx);
		if (err == EPERM)
			SKIP(return, "sending to a user netlink socket needs CAP_NET_ADMIN");
		ASSERT_EQ(0, err);
	}
	/* and the kernel answers a request of ours (lo, ifindex 1) */
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = KERNEL_SEQ;
	ASSERT_LE(0, mnl_socket_sendto(rx, &req, sizeof(req)));

	EXPECT_EQ(0, nl_drain(rx, buf, sizeof(buf), heard_msg, heard_lost, &h));
	EXPECT_EQ(0, h.foreign);
	EXPECT_EQ(2, h.kernel); /* RTM_NEWLINK for lo, then the ACK */
	EXPECT_EQ(0, h.lost);
	EXPECT_EQ(dropped + 1, nl_foreign_dropped());
	close(tx);
	mnl_socket_close(rx);
}

/* ---- nl_attrs_walk ---- */

static int count_attr(const struct nlattr *a, void *data)
{
	(void)a;
	++*(unsigned int *)data;
	return MNL_CB_OK;
}

static int refuse_attr(const struct nlattr *a, void *data)
{
	(void)data;
	return mnl_attr_get_type(a) == 2 ? MNL_CB_ERROR : MNL_CB_OK;
}

TEST(attrs_walk_whole_truncated_refused)
{
	char buf[64] __attribute__((aligned(8))) = {0};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t len;
	unsigned int n = 0;

	mnl_attr_put_u32(nlh, 1, 7);
	mnl_attr_put_u16(nlh, 2, 9); /* 6 bytes, padded to 8 */
	len = nlh->nlmsg_len - sizeof(*nlh);
	EXPECT_EQ(0, nl_attrs_walk(mnl_nlmsg_get_payload(nlh), len, count_attr, &n));
	EXPECT_EQ(2, n);
	/* the last one's padding missing is fine, a byte of it missing is not */
	EXPECT_EQ(0, nl_attrs_walk(mnl_nlmsg_get_payload(nlh), len - 2, count_attr, &n));
	EXPECT_EQ(-EINVAL, nl_attrs_walk(mnl_nlmsg_get_payload(nlh), len - 3, count_attr, &n));
	/* bytes too few for an attribute header after the first */
	EXPECT_EQ(-EINVAL, nl_attrs_walk(mnl_nlmsg_get_payload(nlh), 8 + 3, count_attr, &n));
	EXPECT_EQ(-EINVAL, nl_attrs_walk(mnl_nlmsg_get_payload(nlh), len, refuse_attr, NULL));
	EXPECT_EQ(0, nl_attrs_walk(mnl_nlmsg_get_payload(nlh), 0, refuse_attr, NULL));
}

/* ---- nl_transact, against the kernel ---- */

struct seen {
	unsigned int n, other_seq;
	uint32_t seq;
	int lo;	       /* RTM_NEWLINK for ifindex 1 seen */
	bool stop;     /* answer MNL_CB_ERROR */
};

static int seen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	s->n++;
	if (nlh->nlmsg_seq != s->seq)
		s->other_seq++;
	if (nlh->nlmsg_type == RTM_NEWLINK && ifi->ifi_index == 1)
		s->lo++;
	return s->stop ? MNL_CB_ERROR : MNL_CB_OK;
}

struct link_req {
	struct nlmsghdr h;
	struct ifinfomsg ifi;
};

static struct link_req link_req(uint16_t flags, uint32_t seq, int ifindex)
{
	return (struct link_req){
		.h = {.nlmsg_len = sizeof(struct link_req), .nlmsg_type = RTM_GETLINK,
		      .nlmsg_flags = NLM_F_REQUEST | flags, .nlmsg_seq = seq},
		.ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex},
	};
}

TEST(transact_dump)
{
	struct mnl_socket *nl = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
	struct link_req req = link_req(NLM_F_DUMP, 11, 0);
	struct seen s = {.seq = 11};
	char ebuf[64] = "stale";

	ASSERT_NE(NULL, nl);
	EXPECT_EQ(0, nl_transact(nl, &req.h, seen_cb, &s, ebuf, sizeof(ebuf)));
	EXPECT_LE(1, s.n);
	EXPECT_EQ(1, s.lo);
	EXPECT_EQ(0, s.other_seq);
	EXPECT_STREQ("", ebuf);
	mnl_socket_close(nl);
}

TEST(transact_reply_then_ack)
{
	struct mnl_socket *nl = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
	struct link_req req = link_req(NLM_F_ACK, 12, 1);
	struct seen s = {.seq = 12};

	ASSERT_NE(NULL, nl);
	EXPECT_EQ(0, nl_transact(nl, &req.h, seen_cb, &s, NULL, 0));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(1, s.lo);
	/* without NLM_F_ACK it ends at the one reply */
	req = link_req(0, 13, 1);
	s = (struct seen){.seq = 13};
	EXPECT_EQ(0, nl_transact(nl, &req.h, seen_cb, &s, NULL, 0));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(1, s.lo);
	mnl_socket_close(nl);
}

TEST(transact_kernel_error_with_its_text)
{
	struct mnl_socket *nl = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} req = {
		.h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR,
		      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 14},
		/* strict checking refuses a prefix length in a dump request, and says so */
		.ifa = {.ifa_family = AF_INET, .ifa_prefixlen = 8},
	};
	struct link_req lreq = link_req(NLM_F_ACK, 15, 0x7ffffff0);
	struct seen s = {.seq = 14};
	char ebuf[128] = "stale";

	ASSERT_NE(NULL, nl);
	EXPECT_EQ(-EINVAL, nl_transact(nl, &req.h, seen_cb, &s, ebuf, sizeof(ebuf)));
	EXPECT_EQ(0, s.n);
	EXPECT_NE(0, strlen(ebuf)) TH_LOG("no extended-ACK text");
	EXPECT_EQ(NULL, strstr(ebuf, "stale"));
	/* an error without text leaves errbuf empty */
	EXPECT_EQ(-ENODEV, nl_transact(nl, &lreq.h, seen_cb, &s, ebuf, sizeof(ebuf)));
	EXPECT_STREQ("", ebuf);
	mnl_socket_close(nl);
}

TEST(transact_callback_stops)
{
	struct mnl_socket *nl = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
	struct link_req req = link_req(NLM_F_ACK, 16, 1);
	struct seen s = {.seq = 16, .stop = true};

	ASSERT_NE(NULL, nl);
	EXPECT_EQ(-EINTR, nl_transact(nl, &req.h, seen_cb, &s, NULL, 0));
	EXPECT_EQ(1, s.n);
	mnl_socket_close(nl);
}

/* The reply and ACK of a request nobody read (an earlier transaction stopped) are
 * skipped, not taken for this one's nor an error. */
TEST(transact_skips_an_earlier_requests_answer)
{
	struct mnl_socket *nl = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
	struct link_req old = link_req(NLM_F_ACK, 20, 1);
	struct link_req req = link_req(NLM_F_ACK, 21, 1);
	struct seen s = {.seq = 21};

	ASSERT_NE(NULL, nl);
	ASSERT_LE(0, mnl_socket_sendto(nl, &old, sizeof(old)));
	EXPECT_EQ(0, nl_transact(nl, &req.h, seen_cb, &s, NULL, 0));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0, s.other_seq);
	/* nothing of either is left behind */
	req = link_req(NLM_F_ACK, 22, 1);
	s = (struct seen){.seq = 22};
	EXPECT_EQ(0, nl_transact(nl, &req.h, seen_cb, &s, NULL, 0));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0, s.other_seq);
	mnl_socket_close(nl);
}

TEST_HARNESS_MAIN
