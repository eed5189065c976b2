// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "genl_ctrl.h"
#include "nl_util.h"

struct grp_ctx {
	struct genl_family_info *fi;
};

static int parse_one_grp(const struct nlattr *grp, struct genl_family_info *fi)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp)
	{
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EINVAL;
			name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EINVAL;
			id = mnl_attr_get_u32(a);
			break;
		}
	}
	if (!name || !id || fi->n_grps >= GENL_CTRL_MAX_GRPS)
		return 0;
	snprintf(fi->grps[fi->n_grps].name, GENL_NAMSIZ, "%s", name);
	fi->grps[fi->n_grps].id = id;
	fi->n_grps++;
	return 0;
}

int genl_ctrl_parse(const struct nlmsghdr *nlh, struct genl_family_info *out)
{
	const struct genlmsghdr *g;
	const struct nlattr *a, *grp;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EINVAL;
	g = mnl_nlmsg_get_payload(nlh);
	out->cmd = g->cmd;
	mnl_attr_for_each(a, nlh, sizeof(*g))
	{
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EINVAL;
			snprintf(out->name, sizeof(out->name), "%s", mnl_attr_get_str(a));
			break;
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EINVAL;
			out->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a)
			{
				if (parse_one_grp(grp, out) < 0)
					return -EINVAL;
			}
			break;
		}
	}
	return out->name[0] && out->id ? 0 : -EINVAL;
}

uint32_t genl_ctrl_group(const struct genl_family_info *fi, const char *group)
{
	for (unsigned int i = 0; i < fi->n_grps; i++)
		if (!strcmp(fi->grps[i].name, group))
			return fi->grps[i].id;
	return 0;
}

struct nlmsghdr *genl_ctrl_build_getfamily(void *buf, const char *name, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	return nlh;
}

static int resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	return genl_ctrl_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int genl_ctrl_resolve(const char *name, struct genl_family_info *out)
{
	char buf[256] __attribute__((aligned(8)));
	struct mnl_socket *nl = nl_open(NETLINK_GENERIC, 0, 0);
	struct nlmsghdr *req;
	int err;

	memset(out, 0, sizeof(*out));
	if (!nl)
		return -errno;
	req = genl_ctrl_build_getfamily(buf, name, (uint32_t)time(NULL));
	err = nl_transact(nl, req, resolve_cb, out, NULL, 0);
	mnl_socket_close(nl);
	if (err == -EINTR)
		err = -EINVAL;
	if (!err && !out->id)
		err = -ENOENT;
	return err;
}
