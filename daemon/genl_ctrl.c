// SPDX-License-Identifier: GPL-2.0-or-later
/* nlctrl: the one parser of its replies and notifications, used by enid and enictl. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "genl_ctrl.h"
#include "nl_util.h"

#define GENL_HDR_SIZE MNL_ALIGN(sizeof(struct genlmsghdr))

/* NUL-terminated inside the attribute, and short enough for a GENL_NAMSIZ buffer. */
static bool attr_name_ok(const struct nlattr *a)
{
	size_t len = mnl_attr_get_payload_len(a);
	size_t n = strnlen(mnl_attr_get_payload(a), len);

	return n < len && n < GENL_NAMSIZ;
}

static bool attr_len_is(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) == len;
}

struct grp_attrs {
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
};

static int grp_attr_cb(const struct nlattr *a, void *data)
{
	struct grp_attrs *g = data;
	uint16_t type = mnl_attr_get_type(a);

	switch (type) {
	case CTRL_ATTR_MCAST_GRP_NAME:
		if (!attr_name_ok(a))
			return MNL_CB_ERROR;
		break;
	case CTRL_ATTR_MCAST_GRP_ID:
		if (!attr_len_is(a, sizeof(uint32_t)))
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	g->tb[type] = a;
	return MNL_CB_OK;
}

/* One entry of CTRL_ATTR_MCAST_GROUPS: a nest of name and id. */
static int group_cb(const struct nlattr *nest, void *data)
{
	struct genl_family_info *fi = data;
	struct grp_attrs g = {0};
	uint32_t id;

	if (nl_attrs_walk(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), grp_attr_cb,
			  &g))
		return MNL_CB_ERROR;
	if (!g.tb[CTRL_ATTR_MCAST_GRP_NAME] || !g.tb[CTRL_ATTR_MCAST_GRP_ID])
		return MNL_CB_OK;
	id = mnl_attr_get_u32(g.tb[CTRL_ATTR_MCAST_GRP_ID]);
	if (!id || fi->n_grps >= GENL_CTRL_MAX_GRPS)
		return MNL_CB_OK;
	snprintf(fi->grps[fi->n_grps].name, GENL_NAMSIZ, "%s",
		 mnl_attr_get_str(g.tb[CTRL_ATTR_MCAST_GRP_NAME]));
	fi->grps[fi->n_grps++].id = id;
	return MNL_CB_OK;
}

struct family_attrs {
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
};

/* Known attributes are checked for length, the rest skipped. */
static int family_attr_cb(const struct nlattr *a, void *data)
{
	struct family_attrs *f = data;
	uint16_t type = mnl_attr_get_type(a);
	bool ok;

	switch (type) {
	case CTRL_ATTR_FAMILY_ID:
		ok = attr_len_is(a, sizeof(uint16_t));
		break;
	case CTRL_ATTR_FAMILY_NAME:
		ok = attr_name_ok(a);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		ok = true; /* its entries are walked, as strictly, below */
		break;
	default:
		return MNL_CB_OK;
	}
	if (!ok)
		return MNL_CB_ERROR;
	f->tb[type] = a;
	return MNL_CB_OK;
}

int genl_ctrl_parse(const struct nlmsghdr *nlh, struct genl_family_info *out)
{
	struct family_attrs f = {0};
	const struct genlmsghdr *g;
	const struct nlattr *grps;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != GENL_ID_CTRL || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDR_SIZE)
		return -EINVAL;
	g = mnl_nlmsg_get_payload(nlh);
	if (nl_attrs_walk(mnl_nlmsg_get_payload_offset(nlh, sizeof(*g)),
			  nlh->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDR_SIZE, family_attr_cb, &f))
		return -EINVAL;
	if (!f.tb[CTRL_ATTR_FAMILY_NAME] || !f.tb[CTRL_ATTR_FAMILY_ID])
		return -EINVAL;
	out->cmd = g->cmd;
	snprintf(out->name, sizeof(out->name), "%s", mnl_attr_get_str(f.tb[CTRL_ATTR_FAMILY_NAME]));
	out->id = mnl_attr_get_u16(f.tb[CTRL_ATTR_FAMILY_ID]);
	grps = f.tb[CTRL_ATTR_MCAST_GROUPS];
	if (grps && nl_attrs_walk(mnl_attr_get_payload(grps), mnl_attr_get_payload_len(grps),
				  group_cb, out)) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return out->id ? 0 : -EINVAL;
}

uint32_t genl_ctrl_group(const struct genl_family_info *fi, const char *group)
{
	for (unsigned int i = 0; i < fi->n_grps; i++)
		if (!strcmp(fi->grps[i].name, group))
			return fi->grps[i].id;
	return 0;
}

struct nlmsghdr *genl_ctrl_build_getfamily(void *buf, size_t len, const char *name, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (len < MNL_NLMSG_HDRLEN + GENL_HDR_SIZE)
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	if (!mnl_attr_put_strz_check(nlh, len, CTRL_ATTR_FAMILY_NAME, name))
		return NULL;
	return nlh;
}

static int resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	return genl_ctrl_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int genl_ctrl_resolve(const char *name, struct genl_family_info *out)
{
	char buf[256] __attribute__((aligned(8)));
	struct mnl_socket *nl;
	struct nlmsghdr *req;
	int err;

	memset(out, 0, sizeof(*out));
	req = genl_ctrl_build_getfamily(buf, sizeof(buf), name, (uint32_t)time(NULL));
	if (!req)
		return -ENAMETOOLONG;
	nl = nl_open(NETLINK_GENERIC, 0, 0);
	if (!nl)
		return -errno;
	err = nl_transact(nl, req, resolve_cb, out, NULL, 0);
	mnl_socket_close(nl);
	if (err == -EINTR)
		err = -EINVAL;
	if (!err && !out->id)
		err = -ENOENT;
	return err;
}
