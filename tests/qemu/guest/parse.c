// SPDX-License-Identifier: GPL-2.0
/*
 * The test programs' own decoders, on hand-built input: a malformed message
 * from the kernel must be reported as such, never crash or pass unnoticed.
 * Needs no module, so it also runs on the build host.
 */
#include <stdio.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "harness.h"
#include "checks.h"
#include "hostctl.h"

static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };

/* Only for the name: results read "parse.<case>". */
FIXTURE(parse)
{
	int unused;
};

FIXTURE_SETUP(parse)
{
}

FIXTURE_TEARDOWN(parse)
{
}

/* A link message as the module builds it; skip leaves one attribute out. */
static struct nlmsghdr *link_msg(char *buf, size_t len, int skip)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 0x20;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = ENI_NOTIFY_CMD_LINK_CHANGE;
	g->version = ENI_NOTIFY_FAMILY_VERSION;
	if (skip != ENI_NOTIFY_A_IFINDEX)
		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, 7);
	if (skip != ENI_NOTIFY_A_IFNAME)
		mnl_attr_put_strz(nlh, ENI_NOTIFY_A_IFNAME, "eth1");
	if (skip != ENI_NOTIFY_A_MAC)
		mnl_attr_put(nlh, ENI_NOTIFY_A_MAC, 6, mac);
	if (skip != ENI_NOTIFY_A_PERM_MAC)
		mnl_attr_put(nlh, ENI_NOTIFY_A_PERM_MAC, 6, mac);
	if (skip != ENI_NOTIFY_A_DRIVER)
		mnl_attr_put_strz(nlh, ENI_NOTIFY_A_DRIVER, "virtio_net");
	if (skip != ENI_NOTIFY_A_BUS_INFO)
		mnl_attr_put_strz(nlh, ENI_NOTIFY_A_BUS_INFO, "0000:00:05.0");
	if (skip != ENI_NOTIFY_A_MTU)
		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_MTU, 1500);
	/* The kernel pads u64s with ENI_NOTIFY_A_PAD on some arches. */
	mnl_attr_put(nlh, ENI_NOTIFY_A_PAD, 0, "");
	if (skip != ENI_NOTIFY_A_SEQ)
		mnl_attr_put_u64(nlh, ENI_NOTIFY_A_SEQ, 42);
	if (skip != ENI_NOTIFY_A_TIMESTAMP)
		mnl_attr_put_u64(nlh, ENI_NOTIFY_A_TIMESTAMP, 123456789ull);
	if (skip != ENI_NOTIFY_A_ORIGIN)
		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_ORIGIN, ENI_NOTIFY_ORIGIN_HOTPLUG);
	if (skip != ENI_NOTIFY_A_CHANGE)
		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_CHANGE, ENI_NOTIFY_CHANGE_MTU);
	return nlh;
}

TEST_F(parse, link_wellformed)
{
	char buf[512];
	struct eni_link l;

	ASSERT_EQ(0, eni_link_parse(link_msg(buf, sizeof(buf), -1), &l));
	ASSERT_LINK_WELLFORMED(&l);
	ASSERT_EQ(0, l.nunknown);
	ASSERT_TRUE(ENI_HAVE(&l, ENI_NOTIFY_A_BUS_INFO));
	ASSERT_EQ(ENI_NOTIFY_CMD_LINK_CHANGE, l.cmd);
	ASSERT_EQ(7u, l.ifindex);
	ASSERT_STREQ("eth1", l.ifname);
	ASSERT_EQ(6, l.mac_len);
	ASSERT_EQ(0, memcmp(mac, l.mac, 6));
	ASSERT_STREQ("virtio_net", l.driver);
	ASSERT_STREQ("0000:00:05.0", l.bus_info);
	ASSERT_EQ(1500u, l.mtu);
	ASSERT_EQ(42u, l.seq);
	ASSERT_EQ(123456789ull, l.timestamp);
	ASSERT_EQ(ORIGIN_HOTPLUG, l.origin);
	ASSERT_EQ((uint32_t)ENI_NOTIFY_CHANGE_MTU, l.change);
}

TEST_F(parse, link_missing_attribute_seen)
{
	char buf[512];
	struct eni_link l;

	eni_link_parse(link_msg(buf, sizeof(buf), ENI_NOTIFY_A_SEQ), &l);
	ASSERT_EQ(0, l.nbad);
	ASSERT_FALSE(ENI_HAVE(&l, ENI_NOTIFY_A_SEQ));
	ASSERT_NE(ENI_LINK_REQUIRED, l.have & ENI_LINK_REQUIRED);
}

/* Appends one attribute of any length and type to a complete message. */
static void put_raw(struct nlmsghdr *nlh, uint16_t type, size_t len,
		    const void *data)
{
	mnl_attr_put(nlh, type, len, data);
}

TEST_F(parse, link_wrong_lengths_flagged)
{
	static const struct {
		uint16_t type;
		size_t len;
		const char *data;
	} bad[] = {
		{ ENI_NOTIFY_A_IFINDEX, 1, "\x07" },
		{ ENI_NOTIFY_A_IFINDEX, 8, "\x07\0\0\0\0\0\0\0" },
		{ ENI_NOTIFY_A_SEQ, 4, "\x01\0\0\0" },
		{ ENI_NOTIFY_A_TIMESTAMP, 2, "\x01\0" },
		{ ENI_NOTIFY_A_ORIGIN, 2, "\x01\0" },
		{ ENI_NOTIFY_A_IFNAME, 4, "eth1" },		/* no NUL */
		{ ENI_NOTIFY_A_IFNAME, 20, "a-very-long-name-xx" },
		{ ENI_NOTIFY_A_IFNAME, 5, "et\0h" },		/* inner NUL */
		{ ENI_NOTIFY_A_DRIVER, 0, "" },
		{ ENI_NOTIFY_A_MAC, 0, "" },
		{ ENI_NOTIFY_A_MAC, 40, "0123456789012345678901234567890123456789" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[512];
		struct eni_link l;
		struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), bad[i].type);

		put_raw(nlh, bad[i].type, bad[i].len, bad[i].data);
		ASSERT_EQ(0, eni_link_parse(nlh, &l));
		ASSERT_EQ(1, l.nbad) TH_LOG("case %zu not flagged", i);
		ASSERT_EQ(bad[i].type, l.bad_type);
		ASSERT_FALSE(!!(l.have & (1u << bad[i].type))) TH_LOG("case %zu", i);
	}
}

TEST_F(parse, link_duplicate_and_unknown)
{
	char buf[512];
	struct eni_link l;
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), -1);

	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_MTU, 9000);
	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_MAX + 5, 1);
	eni_link_parse(nlh, &l);
	ASSERT_EQ(1, l.ndup);
	ASSERT_EQ(1, l.nunknown);
	ASSERT_EQ(0, l.nbad);
}

TEST_F(parse, link_truncated_stream_flagged)
{
	char buf[512];
	struct eni_link l;
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), -1);
	struct nlattr *a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);

	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_MTU, 9000);
	a->nla_len = 64;	/* runs past the end of the message */
	ASSERT_EQ(0, eni_link_parse(nlh, &l));
	ASSERT_EQ(1, l.nbad);
	ASSERT_EQ(0, l.ndup);

	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;	/* not even a genl header */
	ASSERT_EQ(-EBADMSG, eni_link_parse(nlh, &l));
}

TEST_F(parse, ack_with_extack)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	struct eni_ack ack;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EINVAL;
	/* Uncapped: the request (here 6 payload bytes) follows, padded. */
	e->msg.nlmsg_len = MNL_NLMSG_HDRLEN + 6;
	nlh->nlmsg_len += MNL_ALIGN(6);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "missing thing");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	ASSERT_EQ(0, eni_ack_parse(nlh, &ack));
	ASSERT_EQ(-EINVAL, ack.error);
	ASSERT_STREQ("missing thing", ack.msg);
	ASSERT_TRUE(ack.has_offs);
	ASSERT_EQ(20u, ack.offs);

	/* Capped: only the request's header is echoed. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS | NLM_F_CAPPED;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -ENODEV;
	e->msg.nlmsg_len = 400;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "no such");
	ASSERT_EQ(0, eni_ack_parse(nlh, &ack));
	ASSERT_EQ(-ENODEV, ack.error);
	ASSERT_STREQ("no such", ack.msg);

	/* A dump's end: an int, then TLVs. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -EINVAL;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump refused");
	ASSERT_EQ(0, eni_ack_parse(nlh, &ack));
	ASSERT_EQ(-EINVAL, ack.error);
	ASSERT_STREQ("dump refused", ack.msg);

	/* Too short to be an error message. */
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	ASSERT_EQ(-EBADMSG, eni_ack_parse(nlh, &ack));
}

TEST_F(parse, log_lines)
{
	struct eni_logline l;

	ASSERT_EQ(0, logline_parse("eni_notify: add eth1 mac 00:16:3e:aa:bb:cc "
				   "pci 0000:00:06.0 driver virtio_net seq 7", &l));
	ASSERT_STREQ("add", l.verb);
	ASSERT_STREQ("eth1", l.ifname);
	ASSERT_STREQ("00:16:3e:aa:bb:cc", l.mac);
	ASSERT_STREQ("0000:00:06.0", l.bus);
	ASSERT_STREQ("virtio_net", l.driver);
	ASSERT_EQ(7ull, l.seq);
	ASSERT_EQ(0, logline_parse("eni_notify: remove d0 mac 02:00:00:00:00:01 "
				   "pci - driver dummy seq 12", &l));
	ASSERT_NE(0, logline_parse("eni_notify: add eth1 mac 00:16:3e:aa:bb:cc "
				   "driver virtio_net seq 7", &l));
	ASSERT_NE(0, logline_parse("eni_notify: add eth1 mac 00:16:3e:aa:bb:cc "
				   "pci x driver virtio_net seq 7 extra", &l));
	ASSERT_NE(0, logline_parse("eni_notify: change eth1 mac 00:16:3e:aa:bb:cc "
				   "pci x driver virtio_net seq 7", &l));

	ASSERT_TRUE(is_pci_slot_addr("0000:00:05.0"));
	ASSERT_TRUE(is_pci_slot_addr("0000:00:1f.7"));
	ASSERT_FALSE(is_pci_slot_addr("0000:00:1F.7"));
	ASSERT_FALSE(is_pci_slot_addr("0000:00:05.8"));
	ASSERT_FALSE(is_pci_slot_addr("0000:01:05.0"));
	ASSERT_FALSE(is_pci_slot_addr("virtio0"));
	ASSERT_FALSE(is_pci_slot_addr("0000:00:05.0 "));
}

TEST_F(parse, kmsg_records)
{
	char t[64];

	ASSERT_TRUE(kmsg_record_text("6,1234,5678,-;eni_notify: add x\n SUBSYSTEM=net\n",
				     t, sizeof(t)));
	ASSERT_STREQ("eni_notify: add x", t);
	ASSERT_FALSE(kmsg_record_text("garbage without separator", t, sizeof(t)));
}

TEST_F(parse, host_replies)
{
	struct host_done d;

	ASSERT_EQ(0, hostctl_parse_done("DONE plug eni1 ok", &d));
	ASSERT_STREQ("plug", d.verb);
	ASSERT_STREQ("eni1", d.id);
	ASSERT_TRUE(d.ok);
	ASSERT_EQ(0, hostctl_parse_done("DONE unplug c0n1 err device_del: busy now", &d));
	ASSERT_STREQ("unplug", d.verb);
	ASSERT_FALSE(d.ok);
	ASSERT_STREQ("device_del: busy now", d.err);
	ASSERT_NE(0, hostctl_parse_done("DONE plug eni1", &d));
	ASSERT_NE(0, hostctl_parse_done("DONE plug eni1 maybe", &d));
	ASSERT_NE(0, hostctl_parse_done("ok 1 something", &d));
}

TEST_F(parse, kernel_comparison)
{
	struct rtnl_link k = { .ifindex = 7, .ifname = "eth1", .mac_len = 6,
			       .mtu = 1500 };
	char buf[512], why[128];
	struct eni_link l;

	memcpy(k.mac, mac, 6);
	eni_link_parse(link_msg(buf, sizeof(buf), -1), &l);
	/* The kernel sends no IFLA_PERM_ADDRESS when it is all zeros. */
	ASSERT_NE(0, link_vs_kernel(&l, &k, why, sizeof(why)));
	ASSERT_NE(NULL, strstr(why, "perm"));
	memcpy(k.perm_mac, mac, 6);
	k.perm_mac_len = 6;
	ASSERT_EQ(0, link_vs_kernel(&l, &k, why, sizeof(why))) TH_LOG("%s", why);
	k.mtu = 9000;
	ASSERT_NE(0, link_vs_kernel(&l, &k, why, sizeof(why)));
	k.mtu = 1500;
	strcpy(k.ifname, "eth2");
	ASSERT_NE(0, link_vs_kernel(&l, &k, why, sizeof(why)));
}

TEST_HARNESS_MAIN
