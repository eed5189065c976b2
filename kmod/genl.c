// SPDX-License-Identifier: GPL-2.0
/* Generic netlink family eni_notify: GET (do and dump), the events group. */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "eni_notify_internal.h"

enum {
	ENI_MCGRP_EVENTS,
};

static const struct nla_policy eni_get_policy[ENI_NOTIFY_A_MAX + 1] = {
	[ENI_NOTIFY_A_IFINDEX] = { .type = NLA_U32 },
};

static const struct genl_multicast_group eni_mcgrps[] = {
	[ENI_MCGRP_EVENTS] = {
		.name = ENI_NOTIFY_MCGRP_EVENTS,
		ENI_COMPAT_MCGRP_FLAGS
	},
};

static struct genl_family eni_family;

/* Events go out only while the family is registered; flipped under RTNL. */
static bool eni_genl_live;

static size_t eni_link_msg_size(void)
{
	return nla_total_size(sizeof(u32))		/* IFINDEX */
	       + nla_total_size(IFNAMSIZ)		/* IFNAME */
	       + 2 * nla_total_size(MAX_ADDR_LEN)	/* MAC, PERM_MAC */
	       + nla_total_size(ENI_NOTIFY_DRIVER_LEN)	/* DRIVER */
	       + nla_total_size(ENI_NOTIFY_BUS_INFO_LEN) /* BUS_INFO */
	       + nla_total_size(sizeof(u32))		/* MTU */
	       + 2 * nla_total_size_64bit(sizeof(u64))	/* SEQ, TIMESTAMP */
	       + nla_total_size(sizeof(u32))		/* ORIGIN */
	       + nla_total_size(sizeof(u32));		/* CHANGE */
}

/* The one fill function for events and GET replies; @cb only for dumps. */
static int eni_fill_link(struct sk_buff *skb, const struct eni_msg *m,
			 u32 portid, u32 seq, int flags,
			 struct netlink_callback *cb)
{
	const struct eni_link_info *li = &m->link;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &eni_family, flags, m->cmd);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, ENI_NOTIFY_A_IFINDEX, li->ifindex) ||
	    nla_put_string(skb, ENI_NOTIFY_A_IFNAME, li->ifname) ||
	    nla_put(skb, ENI_NOTIFY_A_MAC, li->addr_len, li->mac) ||
	    nla_put(skb, ENI_NOTIFY_A_PERM_MAC, li->addr_len, li->perm_mac) ||
	    nla_put_string(skb, ENI_NOTIFY_A_DRIVER, li->driver) ||
	    (li->bus_info[0] &&
	     nla_put_string(skb, ENI_NOTIFY_A_BUS_INFO, li->bus_info)) ||
	    nla_put_u32(skb, ENI_NOTIFY_A_MTU, li->mtu) ||
	    nla_put_u64_64bit(skb, ENI_NOTIFY_A_SEQ, m->seq, ENI_NOTIFY_A_PAD) ||
	    nla_put_u64_64bit(skb, ENI_NOTIFY_A_TIMESTAMP, m->timestamp_ns,
			      ENI_NOTIFY_A_PAD) ||
	    nla_put_u32(skb, ENI_NOTIFY_A_ORIGIN, m->origin) ||
	    (m->cmd == ENI_NOTIFY_CMD_LINK_CHANGE &&
	     nla_put_u32(skb, ENI_NOTIFY_A_CHANGE, m->change)))
		goto nla_put_failure;

	if (cb)
		genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Multicast an event to the events group of @net, if anyone listens there. */
void eni_genl_event(struct net *net, const struct eni_msg *m)
{
	struct sk_buff *skb;

	ASSERT_RTNL();
	if (!eni_genl_live ||
	    !genl_has_listeners(&eni_family, net, ENI_MCGRP_EVENTS))
		return;

	skb = genlmsg_new(eni_link_msg_size(), GFP_KERNEL);
	if (!skb)
		goto err;
	if (eni_fill_link(skb, m, 0, 0, 0, NULL)) {
		nlmsg_free(skb);
		goto err;
	}
	eni_compat_multicast(&eni_family, net, skb, ENI_MCGRP_EVENTS);
	return;
err:
	/* Listeners see the gap in the sequence and resync. */
	pr_warn_ratelimited("event seq %llu not sent: out of memory\n", m->seq);
}

static int eni_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[ENI_NOTIFY_A_IFINDEX];
	struct sk_buff *reply;
	struct eni_msg m;
	int err;

	if (eni_compat_req_attr_missing(info, ENI_NOTIFY_A_IFINDEX)) {
		GENL_SET_ERR_MSG(info, "missing ENI_NOTIFY_A_IFINDEX");
		return -EINVAL;
	}
	if (eni_links_get(genl_info_net(info), nla_get_u32(attr), &m)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no matching device with this ifindex in this network namespace");
		return -ENODEV;
	}

	reply = genlmsg_new(eni_link_msg_size(), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	err = eni_fill_link(reply, &m, info->snd_portid, info->snd_seq, 0,
			    NULL);
	if (err) {
		nlmsg_free(reply);
		return err;
	}
	return genlmsg_reply(reply, info);
}

/* Where a GET dump resumes; kept in cb->ctx between calls. */
struct eni_dump_ctx {
	u32 next_ifindex;	/* the lowest ifindex not yet sent */
	bool checked;		/* the request was validated */
};

static struct eni_dump_ctx *eni_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct eni_dump_ctx) > sizeof(cb->ctx));
	return (struct eni_dump_ctx *)cb->ctx;
}

static int eni_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct eni_dump_ctx *ctx = eni_dump_ctx(cb);
	struct net *net = sock_net(cb->skb->sk);
	struct eni_msg m;
	int err;

	/*
	 * The dump takes no attributes: a filter it ignored would mislead.
	 * Checked here, not in .start: before 6.x .start has no extack.
	 */
	if (!ctx->checked) {
		if (nlmsg_attrlen(cb->nlh, GENL_HDRLEN)) {
			NL_SET_ERR_MSG(cb->extack, "GET dump takes no attributes");
			return -EINVAL;
		}
		ctx->checked = true;
	}
	/* A link added, removed or changed since the last part: DUMP_INTR. */
	cb->seq = eni_links_gen(net);
	while (!eni_links_next(net, ctx->next_ifindex, &m)) {
		err = eni_fill_link(skb, &m, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err)
			return skb->len ? skb->len : err;
		ctx->next_ifindex = m.link.ifindex + 1;
	}
	return skb->len;
}

static const struct genl_ops eni_genl_ops[] = {
	{
		.cmd = ENI_NOTIFY_CMD_GET,
		.flags = GENL_UNS_ADMIN_PERM,
		.policy = eni_get_policy,
		.maxattr = ENI_NOTIFY_A_MAX,
		.doit = eni_get_doit,
		.dumpit = eni_get_dumpit,
	},
};

static struct genl_family eni_family __ro_after_init = {
	.name = ENI_NOTIFY_FAMILY_NAME,
	.version = ENI_NOTIFY_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = eni_genl_ops,
	.n_ops = ARRAY_SIZE(eni_genl_ops),
	.mcgrps = eni_mcgrps,
	.n_mcgrps = ARRAY_SIZE(eni_mcgrps),
};

int eni_genl_init(void)
{
	int err;

	err = genl_register_family(&eni_family);
	if (err)
		return err;
	if (ENI_COMPAT_MCGRP_OPEN)
		pr_warn("this kernel cannot restrict group \"%s\" to CAP_NET_ADMIN: any user can subscribe to link events\n",
			ENI_NOTIFY_MCGRP_EVENTS);
	rtnl_lock();
	eni_genl_live = true;
	rtnl_unlock();
	return 0;
}

void eni_genl_exit(void)
{
	/* Events are sent under RTNL: none is in flight once this returns. */
	rtnl_lock();
	eni_genl_live = false;
	rtnl_unlock();
	genl_unregister_family(&eni_family);
}
