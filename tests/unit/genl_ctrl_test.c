// SPDX-License-Identifier: GPL-2.0
/*
 * genl_ctrl: the one nlctrl parser (replies and notifications; truncated, odd and
 * overlong input refused), the GETFAMILY request, and a live lookup through the kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/eni_notify.h>

#include "kselftest_harness.h"
#include "genl_ctrl.h"

#define BUFSZ 1024

enum cut { CUT_NONE, CUT_NEST, CUT_MSG };

/* An nlctrl NEWFAMILY reply as the kernel sends it: groups "other" = 5, "events" = 9. */
static struct nlmsghdr *family_reply(void *buf, const char *name, bool groups, enum cut cut)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlattr *grps, *grp;

	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x21);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	if (groups) {
		grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
		grp = mnl_attr_nest_start(nlh, 1);
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 5);
		mnl_attr_nest_end(nlh, grp);
		grp = mnl_attr_nest_start(nlh, 2);
		mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 9);
		mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, ENI_NOTIFY_MCGRP_EVENTS);
		mnl_attr_nest_end(nlh, grp);
		if (cut == CUT_NEST)
			grp->nla_len -= 2; /* the last group's name no longer fits its nest */
		mnl_attr_nest_end(nlh, grps);
	}
	if (cut == CUT_MSG)
		nlh->nlmsg_len -= 3;
	return nlh;
}

TEST(getfamily_request)
{
	uint64_t buf[BUFSZ / 8];
	struct nlmsghdr *nlh = genl_ctrl_build_getfamily(buf, sizeof(buf), ENI_NOTIFY_FAMILY_NAME, 3);
	const struct nlattr *attr;

	ASSERT_NE(NULL, nlh);
	EXPECT_EQ(GENL_ID_CTRL, nlh->nlmsg_type);
	EXPECT_EQ(NLM_F_REQUEST | NLM_F_ACK, nlh->nlmsg_flags);
	EXPECT_EQ(3, nlh->nlmsg_seq);
	EXPECT_EQ(CTRL_CMD_GETFAMILY, ((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd);
	attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	EXPECT_EQ(CTRL_ATTR_FAMILY_NAME, mnl_attr_get_type(attr));
	EXPECT_STREQ(ENI_NOTIFY_FAMILY_NAME, mnl_attr_get_str(attr));
	/* too small for the header, then for the name */
	EXPECT_EQ(NULL, genl_ctrl_build_getfamily(buf, 8, ENI_NOTIFY_FAMILY_NAME, 3));
	EXPECT_EQ(NULL, genl_ctrl_build_getfamily(buf, 24, ENI_NOTIFY_FAMILY_NAME, 3));
}

TEST(reply_with_groups)
{
	uint64_t buf[BUFSZ / 8];
	struct genl_family_info fi;

	ASSERT_EQ(0, genl_ctrl_parse(family_reply(buf, ENI_NOTIFY_FAMILY_NAME, true, CUT_NONE),
				     &fi));
	EXPECT_EQ(CTRL_CMD_NEWFAMILY, fi.cmd);
	EXPECT_STREQ(ENI_NOTIFY_FAMILY_NAME, fi.name);
	EXPECT_EQ(0x21, fi.id);
	EXPECT_EQ(2, fi.n_grps);
	EXPECT_EQ(9, genl_ctrl_group(&fi, ENI_NOTIFY_MCGRP_EVENTS));
	EXPECT_EQ(5, genl_ctrl_group(&fi, "other"));
	EXPECT_EQ(0, genl_ctrl_group(&fi, "notify"));
}

TEST(reply_without_groups)
{
	uint64_t buf[BUFSZ / 8];
	struct genl_family_info fi;

	ASSERT_EQ(0, genl_ctrl_parse(family_reply(buf, "nl80211", false, CUT_NONE), &fi));
	EXPECT_STREQ("nl80211", fi.name);
	EXPECT_EQ(0, fi.n_grps);
	EXPECT_EQ(0, genl_ctrl_group(&fi, ENI_NOTIFY_MCGRP_EVENTS));
}

TEST(truncated_refused)
{
	uint64_t buf[BUFSZ / 8];
	struct genl_family_info fi;

	/* a group nest cut short must not pass as a group without its name */
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(family_reply(buf, ENI_NOTIFY_FAMILY_NAME, true,
							 CUT_NEST), &fi));
	EXPECT_EQ(0, fi.id);
	EXPECT_EQ(0, fi.n_grps);
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(family_reply(buf, ENI_NOTIFY_FAMILY_NAME, true,
							 CUT_MSG), &fi));
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(family_reply(buf, ENI_NOTIFY_FAMILY_NAME, false,
							 CUT_MSG), &fi));
}

TEST(odd_attributes_refused)
{
	uint64_t buf[BUFSZ / 8];
	struct genl_family_info fi;
	struct nlmsghdr *nlh;
	struct nlattr *a;

	/* a family id of 4 bytes */
	nlh = family_reply(buf, ENI_NOTIFY_FAMILY_NAME, false, CUT_NONE);
	mnl_attr_put_u32(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(nlh, &fi));

	/* a name without its NUL */
	nlh = family_reply(buf, ENI_NOTIFY_FAMILY_NAME, false, CUT_NONE);
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));
	ASSERT_EQ(CTRL_ATTR_FAMILY_NAME, mnl_attr_get_type(a));
	memset(mnl_attr_get_payload(a), 'x', mnl_attr_get_payload_len(a));
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(nlh, &fi));

	/* a name longer than GENL_NAMSIZ */
	nlh = family_reply(buf, "a_name_longer_than_16", false, CUT_NONE);
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(nlh, &fi));

	/* no family id, or not nlctrl at all */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ENI_NOTIFY_FAMILY_NAME);
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(nlh, &fi));
	nlh = family_reply(buf, ENI_NOTIFY_FAMILY_NAME, false, CUT_NONE);
	nlh->nlmsg_type = 0x21;
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(nlh, &fi));
	/* no room for the genetlink header */
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	EXPECT_EQ(-EINVAL, genl_ctrl_parse(nlh, &fi));
}

TEST(delfamily_notification)
{
	uint64_t buf[BUFSZ / 8];
	struct genl_family_info fi;
	struct nlmsghdr *nlh = family_reply(buf, ENI_NOTIFY_FAMILY_NAME, true, CUT_NONE);

	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = CTRL_CMD_DELFAMILY;
	ASSERT_EQ(0, genl_ctrl_parse(nlh, &fi));
	EXPECT_EQ(CTRL_CMD_DELFAMILY, fi.cmd);
	EXPECT_STREQ(ENI_NOTIFY_FAMILY_NAME, fi.name);
}

/* Through the kernel: nlctrl describes itself; an unknown family is -ENOENT. */
TEST(resolve_live)
{
	struct genl_family_info fi;

	ASSERT_EQ(0, genl_ctrl_resolve("nlctrl", &fi));
	EXPECT_EQ(GENL_ID_CTRL, fi.id);
	EXPECT_STREQ("nlctrl", fi.name);
	EXPECT_NE(0, genl_ctrl_group(&fi, "notify"));
	EXPECT_EQ(-ENOENT, genl_ctrl_resolve("enid_no_such", &fi));
	EXPECT_EQ(0, fi.id);
}

TEST_HARNESS_MAIN
