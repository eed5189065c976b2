/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference eni_notify meets, in one place.
 * Built and tested against Debian's 5.10 (bullseye), 6.1 (bookworm),
 * 6.12 (bookworm-backports) and 7.2 (sid) headers.
 *
 * What does not need a case here, because it is the same on all four:
 * struct genl_ops with a per-op policy (5.10+; 6.2+ turns it into split
 * ops inside the core), strict attribute validation by default (5.2+),
 * genlmsg_multicast_netns(), genl_has_listeners(), genl_info_net(),
 * netdev_notifier_info, the changeupper info, dev->name, dev->reg_state,
 * netif_is_failover*(), three-argument strscpy().
 * .resv_start_op (6.1+) is left at 0, which means "validate everything"
 * on kernels that have it, as new families should.
 * 7.x API changes the module does not meet: from_timer() is gone for
 * timer_container_of() (no timers here); modpost warns about a missing
 * MODULE_DESCRIPTION (main.c has one); some notifier events of devices
 * with instance-locked ops (6.15+) arrive with netdev_lock_ops() held, and
 * nothing here takes that lock or calls into the device's ops.
 */
#ifndef ENI_NOTIFY_COMPAT_H
#define ENI_NOTIFY_COMPAT_H

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/version.h>
#include <net/genetlink.h>
#include <net/sock.h>

/*
 * Joining the events group needs CAP_NET_ADMIN in the namespace's user ns.
 * - 6.8+ and its stable backports (Debian 6.1, 6.12): the group flag
 *   GENL_MCAST_CAP_NET_ADMIN, checked by the core at bind time.
 * - 5.10.204+ (the December 2023 stable backport, Debian bullseye's current
 *   5.10): struct genl_multicast_group gained a flags field that genl_bind()
 *   checks for GENL_UNS_ADMIN_PERM; there is no macro to test, hence the
 *   sublevel test.
 * - Any 5.10: on top, events are only delivered to sockets that were opened
 *   with CAP_NET_ADMIN (netlink_broadcast_filtered()), so an older 5.10 that
 *   cannot refuse the join still sends nothing to unprivileged listeners.
 * - 5.11+ without GENL_MCAST_CAP_NET_ADMIN: neither; any user can join and
 *   receive (ENI_COMPAT_MCGRP_OPEN below, warned about at load).
 */
#if defined(GENL_MCAST_CAP_NET_ADMIN)
#define ENI_COMPAT_MCGRP_FLAGS	.flags = GENL_MCAST_CAP_NET_ADMIN,
#elif KERNEL_VERSION(5, 10, 204) <= LINUX_VERSION_CODE && \
	KERNEL_VERSION(5, 11, 0) > LINUX_VERSION_CODE
#define ENI_COMPAT_MCGRP_FLAGS	.flags = GENL_UNS_ADMIN_PERM,
#else
#define ENI_COMPAT_MCGRP_FLAGS
#endif

#if !defined(GENL_MCAST_CAP_NET_ADMIN) && \
	KERNEL_VERSION(5, 11, 0) > LINUX_VERSION_CODE
#define ENI_COMPAT_MCAST_FILTER	1
#else
#define ENI_COMPAT_MCAST_FILTER	0
#endif

/*
 * 5.11+ without GENL_MCAST_CAP_NET_ADMIN: the core lets any user join the
 * group and delivery cannot be filtered here; eni_genl_init() says so.
 */
#if !defined(GENL_MCAST_CAP_NET_ADMIN) && \
	KERNEL_VERSION(5, 11, 0) <= LINUX_VERSION_CODE
#define ENI_COMPAT_MCGRP_OPEN	1
#else
#define ENI_COMPAT_MCGRP_OPEN	0
#endif

#if ENI_COMPAT_MCAST_FILTER
/* Nonzero drops the copy for @dsk: its opener lacked CAP_NET_ADMIN. */
static inline int eni_compat_mcast_filter(struct sock *dsk,
					  struct sk_buff *skb, void *data)
{
	struct net *net = data;
	struct socket *sock = READ_ONCE(dsk->sk_socket);
	struct file *file = sock ? READ_ONCE(sock->file) : NULL;

	return !file || !file_ns_capable(file, net->user_ns, CAP_NET_ADMIN);
}
#endif

static inline int eni_compat_multicast(const struct genl_family *family,
				       struct net *net, struct sk_buff *skb,
				       unsigned int group)
{
#if ENI_COMPAT_MCAST_FILTER
	u32 id = family->mcgrp_offset + group;
	int err;

	NETLINK_CB(skb).dst_group = id;
	err = netlink_broadcast_filtered(net->genl_sock, skb, 0, id,
					 GFP_KERNEL, eni_compat_mcast_filter,
					 net);
	return err > 0 ? 0 : err;
#else
	return genlmsg_multicast_netns(family, net, skb, 0, group, GFP_KERNEL);
#endif
}

/*
 * A missing required attribute: 6.0+ also reports which one in the extended
 * ACK (NLMSGERR_ATTR_MISS_TYPE); older kernels only get our message.
 */
#ifdef GENL_REQ_ATTR_CHECK
#define eni_compat_req_attr_missing(info, attr)	GENL_REQ_ATTR_CHECK(info, attr)
#else
#define eni_compat_req_attr_missing(info, attr)	(!(info)->attrs[attr])
#endif

#endif /* ENI_NOTIFY_COMPAT_H */
