// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed requests are refused with an error (and, where the kernel has
 * one, an extended-ACK message); afterwards the module still answers.
 */
#include <stdio.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "harness.h"
#include "checks.h"

FIXTURE(badreq)
{
	struct rtnl rt;
	struct eni_sock req;
	struct kmsg km;
	int b0;
	char buf[1024];
};

FIXTURE_SETUP(badreq)
{
	self->km.fd = -1;
	ASSERT_RESET(&self->rt);
	ASSERT_EQ(0, link_add(&self->rt, "dummy", "enit-b0", NULL, &self->b0));
	ASSERT_LOAD("drivers=dummy");
	ASSERT_EQ(0, kmsg_open(&self->km));
	ASSERT_FAMILY_OPEN(&self->req);
}

FIXTURE_TEARDOWN(badreq)
{
	eni_sock_close(&self->req);
	testenv_cleanup(&self->rt);
	rtnl_close(&self->rt);
	kmsg_close(&self->km);
}

static struct nlmsghdr *start(FIXTURE_DATA(badreq) *self, uint8_t cmd,
			      uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(self->buf, 0, sizeof(self->buf));
	nlh = mnl_nlmsg_put_header(self->buf);
	nlh->nlmsg_type = self->req.family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++self->req.seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = ENI_NOTIFY_FAMILY_VERSION;
	return nlh;
}

/* Sends the request, expects a refusal; returns the kernel's error. */
static int refused(struct __test_metadata *_metadata,
		   FIXTURE_DATA(badreq) *self, const void *msg, size_t len,
		   struct eni_ack *ack)
{
	struct eni_link out[4];
	int n = 0, err;

	err = eni_request_raw(&self->req, msg, len, WAIT_MS, ack, out, 4, &n);
	EXPECT_EQ(0, err) TH_LOG("no answer at all: %s", strerror(-err));
	if (err)
		return 0;
	TH_LOG("kernel: %s, extack \"%s\"%s", strerror(-ack->error), ack->msg,
	       ack->has_miss ? " (missing-attribute type given)" : "");
	EXPECT_EQ(0, n) TH_LOG("a malformed request got a link reply");
	EXPECT_GT(0, ack->error) TH_LOG("malformed request accepted");
	return ack->error;
}

/* The module still answers a valid GET, and the kernel log is clean. */
static void still_answers(struct __test_metadata *_metadata,
			  FIXTURE_DATA(badreq) *self)
{
	struct eni_link g;
	struct eni_ack ack;
	int err;

	err = eni_get(&self->req, (uint32_t)self->b0, &g, &ack);
	ASSERT_EQ(0, err) TH_LOG("valid GET after a bad one: %s (%s)",
				 strerror(-err), ack.msg);
	ASSERT_LINK_WELLFORMED(&g);
	ASSERT_STREQ("enit-b0", g.ifname);
	assert_kernel_clean(_metadata, &self->km);
}

TEST_F(badreq, missing_ifindex)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct eni_ack ack;

	ASSERT_EQ(-EINVAL, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	ASSERT_NE(0, ack.msg[0]) TH_LOG("no extended-ACK message");
	if (ack.has_miss)
		ASSERT_EQ((uint32_t)ENI_NOTIFY_A_IFINDEX, ack.miss_type);
	still_answers(_metadata, self);
}

TEST_F(badreq, ifindex_one_byte)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct eni_ack ack;
	uint8_t b = (uint8_t)self->b0;

	mnl_attr_put(nlh, ENI_NOTIFY_A_IFINDEX, 1, &b);
	ASSERT_GT(0, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	ASSERT_NE(0, ack.msg[0]) TH_LOG("no extended-ACK message");
	still_answers(_metadata, self);
}

TEST_F(badreq, ifindex_eight_bytes)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct eni_ack ack;
	uint64_t v = (uint64_t)self->b0;

	mnl_attr_put(nlh, ENI_NOTIFY_A_IFINDEX, 8, &v);
	ASSERT_GT(0, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	ASSERT_NE(0, ack.msg[0]) TH_LOG("no extended-ACK message");
	still_answers(_metadata, self);
}

TEST_F(badreq, unknown_attribute)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct eni_ack ack;

	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, (uint32_t)self->b0);
	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_MAX + 1, 7);
	ASSERT_GT(0, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	still_answers(_metadata, self);
}

TEST_F(badreq, attribute_longer_than_message)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct nlattr *a;
	struct eni_ack ack;

	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, (uint32_t)self->b0);
	a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len - MNL_ALIGN(8));
	a->nla_len = 200;	/* claims far more than the message holds */
	ASSERT_GT(0, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	still_answers(_metadata, self);
}

TEST_F(badreq, unknown_commands)
{
	const uint8_t cmds[] = { ENI_NOTIFY_CMD_UNSPEC, ENI_NOTIFY_CMD_MAX + 1, 200 };
	struct eni_ack ack;

	for (size_t i = 0; i < sizeof(cmds); i++) {
		struct nlmsghdr *nlh = start(self, cmds[i], NLM_F_ACK);

		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, (uint32_t)self->b0);
		ASSERT_EQ(-EOPNOTSUPP, refused(_metadata, self, nlh,
					       nlh->nlmsg_len, &ack))
		TH_LOG("command %u", cmds[i]);
	}
	still_answers(_metadata, self);
}

/* Events are the kernel's to send: userspace cannot inject them. */
TEST_F(badreq, event_commands_as_requests)
{
	const uint8_t cmds[] = { ENI_NOTIFY_CMD_LINK_ADD, ENI_NOTIFY_CMD_LINK_DEL,
				 ENI_NOTIFY_CMD_LINK_CHANGE };
	struct eni_ack ack;

	for (size_t i = 0; i < sizeof(cmds); i++) {
		struct nlmsghdr *nlh = start(self, cmds[i], NLM_F_ACK);

		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, (uint32_t)self->b0);
		ASSERT_EQ(-EOPNOTSUPP, refused(_metadata, self, nlh,
					       nlh->nlmsg_len, &ack))
		TH_LOG("command %s", eni_cmd_name(cmds[i]));
	}
	still_answers(_metadata, self);
}

TEST_F(badreq, truncated_genl_header)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct eni_ack ack;

	nlh->nlmsg_len = NLMSG_HDRLEN + 2;	/* half a genlmsghdr */
	ASSERT_GT(0, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	still_answers(_metadata, self);
}

/* nlmsg_len beyond the bytes sent: the kernel drops it without a word. */
TEST_F(badreq, length_beyond_data)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct eni_ack ack;
	size_t sent;
	int err;

	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, (uint32_t)self->b0);
	sent = nlh->nlmsg_len;
	nlh->nlmsg_len += 64;
	/* Handled inside sendmsg: an answer would be queued by now. */
	err = eni_request_raw(&self->req, nlh, sent, 0, &ack, NULL, 0, NULL);
	ASSERT_EQ(-ETIMEDOUT, err)
	TH_LOG("answer to a truncated message: error %d \"%s\"", ack.error,
	       ack.msg);
	still_answers(_metadata, self);
}

TEST_F(badreq, dump_with_attribute)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_DUMP);
	struct eni_ack ack;

	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, (uint32_t)self->b0);
	ASSERT_EQ(-EINVAL, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	ASSERT_NE(0, ack.msg[0]) TH_LOG("no extended-ACK message");
	still_answers(_metadata, self);
}

TEST_F(badreq, ifindex_zero)
{
	struct nlmsghdr *nlh = start(self, ENI_NOTIFY_CMD_GET, NLM_F_ACK);
	struct eni_ack ack;

	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, 0);
	ASSERT_EQ(-ENODEV, refused(_metadata, self, nlh, nlh->nlmsg_len, &ack));
	still_answers(_metadata, self);
}

TEST_HARNESS_MAIN
