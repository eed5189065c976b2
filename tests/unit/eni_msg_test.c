// SPDX-License-Identifier: GPL-2.0
/* eni_notify messages: build, parse (also truncated, odd, unknown), format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <json-c/json.h>

#include "kselftest_harness.h"
#include "unit_util.h"
#include "eni_msg.h"

#define FAMILY	0x1c
#define BUFSZ	1024

static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0xaa, 0xbb, 0xcc };

static uint32_t all_attrs(void)
{
	uint32_t m = 0;

	for (int a = ENI_NOTIFY_A_IFINDEX; a <= ENI_NOTIFY_A_CHANGE; a++)
		m |= 1U << a;
	return m;
}

static struct eni_event sample(uint8_t cmd)
{
	struct eni_event ev = { 0 };

	ev.cmd = cmd;
	ev.ifindex = 3;
	strcpy(ev.ifname, "eth1");
	memcpy(ev.mac, mac, 6);
	ev.mac_len = 6;
	memcpy(ev.perm_mac, mac, 6);
	ev.perm_mac_len = 6;
	strcpy(ev.driver, "virtio_net");
	strcpy(ev.bus_info, "0000:00:06.0");
	ev.mtu = 1500;
	ev.seq = 7;
	ev.timestamp_ns = 12345678901234ULL;
	ev.origin = ENI_NOTIFY_ORIGIN_HOTPLUG;
	ev.present = all_attrs() & ~(1U << ENI_NOTIFY_A_CHANGE);
	if (cmd == ENI_NOTIFY_CMD_LINK_CHANGE) {
		ev.change = ENI_NOTIFY_CHANGE_NAME | ENI_NOTIFY_CHANGE_MTU;
		ev.present |= 1U << ENI_NOTIFY_A_CHANGE;
	}
	return ev;
}

/* Parses msg from a heap copy of exactly len bytes, so ASan sees any overread. */
static int parse_exact(const void *msg, size_t len, struct eni_event *ev)
{
	void *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, msg, len);
	r = eni_msg_parse_buf(copy, len, ev);
	free(copy);
	return r;
}

/* A message header as the kernel writes it, for hand-made bodies. */
static struct nlmsghdr *start_msg(void *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = FAMILY;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = ENI_NOTIFY_FAMILY_VERSION;
	return nlh;
}

static void put_required(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, 3);
	mnl_attr_put_strz(nlh, ENI_NOTIFY_A_IFNAME, "eth1");
	mnl_attr_put(nlh, ENI_NOTIFY_A_MAC, 6, mac);
}

TEST(roundtrip_every_command)
{
	static const uint8_t cmds[] = { ENI_NOTIFY_CMD_GET, ENI_NOTIFY_CMD_LINK_ADD,
					ENI_NOTIFY_CMD_LINK_DEL, ENI_NOTIFY_CMD_LINK_CHANGE };
	uint64_t buf[BUFSZ / 8];

	for (unsigned i = 0; i < sizeof(cmds); i++) {
		struct eni_event in = sample(cmds[i]), out;
		struct nlmsghdr *nlh = eni_msg_build_event(buf, sizeof(buf), FAMILY, 42, &in);

		ASSERT_NE(NULL, nlh);
		EXPECT_EQ(FAMILY, nlh->nlmsg_type);
		EXPECT_EQ(42, nlh->nlmsg_seq);
		ASSERT_EQ(0, parse_exact(nlh, nlh->nlmsg_len, &out));
		EXPECT_EQ(cmds[i], out.cmd);
		EXPECT_EQ(3, out.ifindex);
		EXPECT_STREQ("eth1", out.ifname);
		EXPECT_EQ(6, out.mac_len);
		EXPECT_EQ(0, memcmp(mac, out.mac, 6));
		EXPECT_EQ(6, out.perm_mac_len);
		EXPECT_EQ(0, memcmp(mac, out.perm_mac, 6));
		EXPECT_STREQ("virtio_net", out.driver);
		EXPECT_STREQ("0000:00:06.0", out.bus_info);
		EXPECT_EQ(1500, out.mtu);
		EXPECT_EQ(7, out.seq);
		EXPECT_EQ(12345678901234ULL, out.timestamp_ns);
		EXPECT_EQ(ENI_NOTIFY_ORIGIN_HOTPLUG, out.origin);
		EXPECT_EQ(in.change, out.change);
		EXPECT_EQ(in.present, out.present);
		/* the trusted-header entry point agrees */
		ASSERT_EQ(0, eni_msg_parse(nlh, &out));
		EXPECT_EQ(in.present, out.present);
	}
}

/* u64 attributes are preceded by PAD when their payload would be unaligned, as in the kernel. */
TEST(pad_before_u64_is_skipped)
{
	uint64_t buf[BUFSZ / 8];
	struct eni_event in = sample(ENI_NOTIFY_CMD_LINK_ADD), out;
	struct nlmsghdr *nlh = eni_msg_build_event(buf, sizeof(buf), FAMILY, 1, &in);
	const struct nlattr *attr;
	bool saw_pad = false;

	ASSERT_NE(NULL, nlh);
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == ENI_NOTIFY_A_PAD)
			saw_pad = true;
		if (mnl_attr_get_type(attr) == ENI_NOTIFY_A_SEQ)
			EXPECT_EQ(0, ((uintptr_t)mnl_attr_get_payload(attr)) % 8);
	}
	EXPECT_TRUE(saw_pad);
	ASSERT_EQ(0, parse_exact(nlh, nlh->nlmsg_len, &out));
	EXPECT_EQ(7, out.seq);
}

TEST(optional_attributes_absent)
{
	uint64_t buf[BUFSZ / 8];
	struct nlmsghdr *nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_DEL);
	struct eni_event ev;

	put_required(nlh);
	ASSERT_EQ(0, parse_exact(nlh, nlh->nlmsg_len, &ev));
	EXPECT_EQ(ENI_NOTIFY_CMD_LINK_DEL, ev.cmd);
	EXPECT_EQ((1U << ENI_NOTIFY_A_IFINDEX) | (1U << ENI_NOTIFY_A_IFNAME) |
		  (1U << ENI_NOTIFY_A_MAC), ev.present);
	EXPECT_FALSE(ENI_EVENT_HAS(&ev, ENI_NOTIFY_A_BUS_INFO));
	EXPECT_STREQ("", ev.bus_info);
	EXPECT_STREQ("", ev.driver);
	EXPECT_EQ(0, ev.perm_mac_len);
	EXPECT_EQ(0, ev.seq);
	EXPECT_EQ(0, ev.origin);
}

TEST(unknown_attributes_skipped)
{
	uint64_t buf[BUFSZ / 8];
	struct nlmsghdr *nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);
	struct eni_event ev;
	static const char junk[37] = "a newer kernel says more";

	mnl_attr_put(nlh, ENI_NOTIFY_A_MAX + 1, sizeof(junk), junk);	/* odd length */
	put_required(nlh);
	mnl_attr_put_u32(nlh, 200, 1);
	mnl_attr_put(nlh, ENI_NOTIFY_A_UNSPEC, 3, "xyz");
	mnl_attr_put(nlh, ENI_NOTIFY_A_PAD, 4, "\0\0\0\0");
	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_MTU, 9000);
	mnl_attr_put(nlh, 0x7fff, 0, NULL);
	ASSERT_EQ(0, parse_exact(nlh, nlh->nlmsg_len, &ev));
	EXPECT_EQ(9000, ev.mtu);
	EXPECT_STREQ("eth1", ev.ifname);
	EXPECT_EQ(0, ev.present & ~all_attrs());
}

TEST(missing_required_attribute)
{
	uint64_t buf[BUFSZ / 8];
	struct eni_event ev;
	struct nlmsghdr *nlh;

	nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);
	mnl_attr_put_strz(nlh, ENI_NOTIFY_A_IFNAME, "eth1");
	mnl_attr_put(nlh, ENI_NOTIFY_A_MAC, 6, mac);
	EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev));

	nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);
	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, 3);
	mnl_attr_put(nlh, ENI_NOTIFY_A_MAC, 6, mac);
	EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev));

	nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);
	mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, 3);
	mnl_attr_put_strz(nlh, ENI_NOTIFY_A_IFNAME, "eth1");
	EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev));

	nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);
	EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev));
}

TEST(unknown_command)
{
	uint64_t buf[BUFSZ / 8];
	struct eni_event ev;
	struct nlmsghdr *nlh = start_msg(buf, ENI_NOTIFY_CMD_MAX + 1);

	put_required(nlh);
	EXPECT_EQ(-EOPNOTSUPP, parse_exact(nlh, nlh->nlmsg_len, &ev));
	nlh = start_msg(buf, ENI_NOTIFY_CMD_UNSPEC);
	put_required(nlh);
	EXPECT_EQ(-EOPNOTSUPP, parse_exact(nlh, nlh->nlmsg_len, &ev));
}

/* Every cut of a full event: never an overread; a cut inside an attribute or a
 * header is -EINVAL; a cut between attributes (or in the last one's padding) is a
 * shorter valid message only when the required ones made it. */
TEST(truncated_everywhere)
{
	uint64_t buf[BUFSZ / 8];
	struct eni_event in = sample(ENI_NOTIFY_CMD_LINK_CHANGE), ev;
	struct nlmsghdr *nlh = eni_msg_build_event(buf, sizeof(buf), FAMILY, 1, &in);
	uint32_t full;
	bool boundary[BUFSZ] = { false };
	const struct nlattr *attr;
	unsigned ok = 0, bad = 0;

	ASSERT_NE(NULL, nlh);
	full = nlh->nlmsg_len;
	/* an attribute's start, or its end before padding (an unpadded last one is fine) */
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		boundary[(const char *)attr - (const char *)nlh] = true;
		for (unsigned i = attr->nla_len; i < (unsigned)MNL_ALIGN(attr->nla_len); i++)
			boundary[(const char *)attr - (const char *)nlh + i] = true;
		boundary[(const char *)attr - (const char *)nlh + attr->nla_len] = true;
	}
	for (uint32_t len = 0; len < full; len++) {
		struct nlmsghdr *cut = malloc(len + 1);
		int r;

		memcpy(cut, nlh, len);
		if (len >= sizeof(*cut))
			cut->nlmsg_len = len;
		r = parse_exact(cut, len, &ev);
		if (!boundary[len]) {
			EXPECT_EQ(-EINVAL, r) TH_LOG("cut at %u of %u", len, full);
		} else if (r == 0) {
			EXPECT_NE(in.present, ev.present);
		} else {
			EXPECT_EQ(-EINVAL, r);
		}
		r == 0 ? ok++ : bad++;
		free(cut);
	}
	EXPECT_GT(bad, 40);
	EXPECT_GT(ok, 3);
	/* nlmsg_len claiming more than the buffer holds */
	EXPECT_EQ(-EINVAL, eni_msg_parse_buf(nlh, full - 1, &ev));
	EXPECT_EQ(-EINVAL, eni_msg_parse_buf(nlh, 3, &ev));
}

struct bad_attr {
	const char *what;
	uint16_t type;
	uint16_t len;
	const char *data;
};

TEST(wrong_attribute_lengths)
{
	static const struct bad_attr cases[] = {
		{ "ifindex u16", ENI_NOTIFY_A_IFINDEX, 2, "\1\0" },
		{ "ifindex u64", ENI_NOTIFY_A_IFINDEX, 8, "\1\0\0\0\0\0\0\0" },
		{ "mtu empty", ENI_NOTIFY_A_MTU, 0, "" },
		{ "origin u8", ENI_NOTIFY_A_ORIGIN, 1, "\1" },
		{ "change u16", ENI_NOTIFY_A_CHANGE, 2, "\1\0" },
		{ "seq u32", ENI_NOTIFY_A_SEQ, 4, "\7\0\0\0" },
		{ "timestamp 9 bytes", ENI_NOTIFY_A_TIMESTAMP, 9, "123456789" },
		{ "ifname without NUL", ENI_NOTIFY_A_IFNAME, 4, "eth1" },
		{ "ifname empty", ENI_NOTIFY_A_IFNAME, 1, "" },
		{ "ifname empty, padded (fuzz: crashes/eni_msg)", ENI_NOTIFY_A_IFNAME, 5, "\0\0\0\0" },
		{ "ifname 16 chars", ENI_NOTIFY_A_IFNAME, 17, "0123456789abcdef" },
		{ "driver 32 chars", ENI_NOTIFY_A_DRIVER, 33, "0123456789abcdef0123456789abcdef" },
		{ "driver without NUL", ENI_NOTIFY_A_DRIVER, 3, "abc" },
		{ "bus_info 32 chars", ENI_NOTIFY_A_BUS_INFO, 33, "0123456789abcdef0123456789abcdef" },
		{ "mac empty", ENI_NOTIFY_A_MAC, 0, "" },
		{ "mac 33 bytes", ENI_NOTIFY_A_MAC, 33, "0123456789abcdef0123456789abcdef" },
		{ "perm_mac 33 bytes", ENI_NOTIFY_A_PERM_MAC, 33, "0123456789abcdef0123456789abcdef" },
	};
	uint64_t buf[BUFSZ / 8];
	struct eni_event ev;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nlmsghdr *nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);

		put_required(nlh);
		mnl_attr_put(nlh, cases[i].type, cases[i].len, cases[i].data);
		EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev)) TH_LOG("%s", cases[i].what);
	}
	/* the longest valid ones pass */
	{
		struct nlmsghdr *nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);
		uint8_t ib[20] = { 1, 2, 3 };

		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, 3);
		mnl_attr_put_strz(nlh, ENI_NOTIFY_A_IFNAME, "0123456789abcde");
		mnl_attr_put(nlh, ENI_NOTIFY_A_MAC, sizeof(ib), ib);	/* InfiniBand */
		mnl_attr_put_strz(nlh, ENI_NOTIFY_A_DRIVER, "0123456789abcdef0123456789abcde");
		ASSERT_EQ(0, parse_exact(nlh, nlh->nlmsg_len, &ev));
		EXPECT_STREQ("0123456789abcde", ev.ifname);
		EXPECT_EQ(20, ev.mac_len);
		EXPECT_EQ(3, ev.mac[2]);
		EXPECT_STREQ("0123456789abcdef0123456789abcde", ev.driver);
	}
}

TEST(malformed_headers)
{
	uint64_t buf[BUFSZ / 8];
	struct eni_event ev;
	struct nlmsghdr *nlh = start_msg(buf, ENI_NOTIFY_CMD_LINK_ADD);
	struct nlattr *attr;

	put_required(nlh);
	/* an attribute whose nla_len is below its own header */
	attr = mnl_nlmsg_get_payload_tail(nlh);
	attr->nla_type = ENI_NOTIFY_A_MTU;
	attr->nla_len = 2;
	nlh->nlmsg_len += 4;
	EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev));
	/* an attribute that claims more than the message holds */
	attr->nla_len = 64;
	EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev));
	/* no room for the genetlink header */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	EXPECT_EQ(-EINVAL, parse_exact(nlh, nlh->nlmsg_len, &ev));
	nlh->nlmsg_len = 4;
	EXPECT_EQ(-EINVAL, parse_exact(nlh, 16, &ev));
}

TEST(get_and_dump_requests)
{
	uint64_t buf[ENI_MSG_REQ_SIZE / 8];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	const struct nlattr *attr;
	unsigned n = 0;

	nlh = eni_msg_build_get(buf, sizeof(buf), FAMILY, 77, 5);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(FAMILY, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK, nlh->nlmsg_flags);
	EXPECT_EQ(77, nlh->nlmsg_seq);
	EXPECT_EQ(0, nlh->nlmsg_pid);
	g = mnl_nlmsg_get_payload(nlh);
	EXPECT_EQ(ENI_NOTIFY_CMD_GET, g->cmd);
	EXPECT_EQ(ENI_NOTIFY_FAMILY_VERSION, g->version);
	mnl_attr_for_each(attr, nlh, sizeof(*g)) {
		EXPECT_EQ(ENI_NOTIFY_A_IFINDEX, mnl_attr_get_type(attr));
		EXPECT_EQ(4, mnl_attr_get_payload_len(attr));
		EXPECT_EQ(5, mnl_attr_get_u32(attr));
		n++;
	}
	EXPECT_EQ(1, n);
	EXPECT_EQ(MNL_NLMSG_HDRLEN + 4 + 8, nlh->nlmsg_len);

	nlh = eni_msg_build_dump(buf, sizeof(buf), FAMILY, 78);
	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_DUMP, nlh->nlmsg_flags);
	EXPECT_EQ(78, nlh->nlmsg_seq);
	EXPECT_EQ(ENI_NOTIFY_CMD_GET, ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd);
	EXPECT_EQ(MNL_NLMSG_HDRLEN + 4, nlh->nlmsg_len);

	EXPECT_EQ(NULL, eni_msg_build_get(buf, MNL_NLMSG_HDRLEN + 4 + 4, FAMILY, 1, 5));
	EXPECT_EQ(NULL, eni_msg_build_dump(buf, MNL_NLMSG_HDRLEN, FAMILY, 1));
	{
		struct eni_event ev = sample(ENI_NOTIFY_CMD_LINK_ADD);

		EXPECT_EQ(NULL, eni_msg_build_event(buf, 64, FAMILY, 1, &ev));
	}
}

TEST(format_text)
{
	struct eni_event ev = sample(ENI_NOTIFY_CMD_LINK_ADD);
	char line[512];

	EXPECT_LT(0, eni_event_format(&ev, false, line, sizeof(line)));
	EXPECT_STREQ("12345.678901 seq 7 add eth1 ifindex 3 mac 00:16:3e:aa:bb:cc "
		     "bus 0000:00:06.0 driver virtio_net mtu 1500 origin hotplug", line);

	ev = sample(ENI_NOTIFY_CMD_LINK_CHANGE);
	ev.origin = ENI_NOTIFY_ORIGIN_NETNS;
	EXPECT_LT(0, eni_event_format(&ev, false, line, sizeof(line)));
	EXPECT_STREQ("12345.678901 seq 7 change eth1 ifindex 3 mac 00:16:3e:aa:bb:cc "
		     "bus 0000:00:06.0 driver virtio_net mtu 1500 origin netns change name,mtu",
		     line);

	ev = sample(ENI_NOTIFY_CMD_GET);
	ev.bus_info[0] = '\0';
	ev.origin = ENI_NOTIFY_ORIGIN_PRESENT;
	ev.timestamp_ns = 5000;
	EXPECT_EQ((int)strlen("0.000005 seq 7 get eth1 ifindex 3 mac 00:16:3e:aa:bb:cc "
			      "bus - driver virtio_net mtu 1500 origin present"),
		  eni_event_format(&ev, false, line, sizeof(line)));
	EXPECT_STREQ("0.000005 seq 7 get eth1 ifindex 3 mac 00:16:3e:aa:bb:cc "
		     "bus - driver virtio_net mtu 1500 origin present", line);

	EXPECT_EQ(-ENOSPC, eni_event_format(&ev, false, line, 20));
	EXPECT_STREQ("", line);
	EXPECT_STREQ("del", eni_cmd_name(ENI_NOTIFY_CMD_LINK_DEL));
	EXPECT_STREQ("unknown", eni_cmd_name(99));
	EXPECT_STREQ("unknown", eni_origin_name(99));
}

TEST(format_json)
{
	struct eni_event ev = sample(ENI_NOTIFY_CMD_LINK_CHANGE);
	char line[512];

	EXPECT_LT(0, eni_event_format(&ev, true, line, sizeof(line)));
	EXPECT_STREQ("{\"time_ns\":12345678901234,\"seq\":7,\"event\":\"change\",\"ifindex\":3,"
		     "\"ifname\":\"eth1\",\"mac\":\"00:16:3e:aa:bb:cc\","
		     "\"perm_mac\":\"00:16:3e:aa:bb:cc\",\"bus_info\":\"0000:00:06.0\","
		     "\"driver\":\"virtio_net\",\"mtu\":1500,\"origin\":\"hotplug\","
		     "\"change\":[\"name\",\"mtu\"]}", line);

	ev = sample(ENI_NOTIFY_CMD_LINK_DEL);
	strcpy(ev.ifname, "we\"ird\\\x01");
	ev.bus_info[0] = '\0';
	ev.perm_mac_len = 0;
	ev.origin = 0;
	EXPECT_LT(0, eni_event_format(&ev, true, line, sizeof(line)));
	EXPECT_STREQ("{\"time_ns\":12345678901234,\"seq\":7,\"event\":\"del\",\"ifindex\":3,"
		     "\"ifname\":\"we\\\"ird\\\\\\u0001\",\"mac\":\"00:16:3e:aa:bb:cc\","
		     "\"perm_mac\":null,\"bus_info\":null,"
		     "\"driver\":\"virtio_net\",\"mtu\":1500,\"origin\":null}", line);
	EXPECT_EQ(-ENOSPC, eni_event_format(&ev, true, line, 100));
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "(absent)";
}

/* Names are bytes: 0xff, a lone continuation byte, an overlong and a surrogate in
 * ifname, driver and bus info. The line must parse (strict UTF-8), each invalid byte
 * must come back as U+FFFD and everything valid as it was. */
TEST(format_json_invalid_utf8)
{
	struct eni_event ev = sample(ENI_NOTIFY_CMD_LINK_CHANGE);
	struct json_object *o, *v;
	char line[1024];

	strcpy(ev.ifname, "et\xff\xc3\xa9\x80\"\\");
	strcpy(ev.driver, "drv\xc0\xaf" "x");
	strcpy(ev.bus_info, "0000:\xed\xa0\x80:06.0\xfe");
	ev.change = 0;
	ASSERT_LT(0, eni_event_format(&ev, true, line, sizeof(line)));
	o = parse_strict(line);
	ASSERT_NE(NULL, o) TH_LOG("does not parse: %s", line);
	EXPECT_STREQ("et\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\"\\", get_str(o, "ifname"));
	EXPECT_STREQ("drv\xef\xbf\xbd\xef\xbf\xbdx", get_str(o, "driver"));
	EXPECT_STREQ("0000:\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd:06.0\xef\xbf\xbd",
		     get_str(o, "bus_info"));
	EXPECT_STREQ("00:16:3e:aa:bb:cc", get_str(o, "mac"));
	EXPECT_STREQ("change", get_str(o, "event"));
	ASSERT_TRUE(json_object_object_get_ex(o, "time_ns", &v));
	EXPECT_TRUE(json_object_is_type(v, json_type_int));
	EXPECT_EQ(12345678901234ULL, json_object_get_uint64(v));
	ASSERT_TRUE(json_object_object_get_ex(o, "change", &v));
	EXPECT_TRUE(json_object_is_type(v, json_type_array));
	EXPECT_EQ(0, json_object_array_length(v));
	json_object_put(o);
	EXPECT_NE(NULL, strstr(line, "\"change\":[]}"));
}

TEST_HARNESS_MAIN
