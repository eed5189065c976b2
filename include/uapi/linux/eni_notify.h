/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * eni_notify: network-interface hot-plug events over generic netlink.
 *
 * Family ENI_NOTIFY_FAMILY_NAME ("eni_notify"), version 1, one multicast
 * group ENI_NOTIFY_MCGRP_EVENTS ("events"). Every command needs CAP_NET_ADMIN
 * in the network namespace's user namespace. So does receiving events, where
 * the kernel lets the module say so: kernels with GENL_MCAST_CAP_NET_ADMIN
 * (mainline since the end of 2023, and stable backports such as Debian's 6.1
 * and 6.12) refuse the join; 5.10 refuses it from 5.10.204 on and, on any
 * 5.10, delivers events only to sockets opened with CAP_NET_ADMIN. Other
 * kernels from 5.11 on let any user join and receive; the module says so in
 * dmesg when it loads.
 * Events and replies only describe devices whose driver is listed in the
 * module's drivers= parameter, and only in the namespace they live in.
 *
 * Every link message (events and GET replies) carries the link attribute set:
 *   ENI_NOTIFY_A_IFINDEX    u32     ifindex (stable key; names change)
 *   ENI_NOTIFY_A_IFNAME     string  current name, NUL-terminated
 *   ENI_NOTIFY_A_MAC        binary  dev_addr, addr_len bytes (6 for Ethernet)
 *   ENI_NOTIFY_A_PERM_MAC   binary  perm_addr, addr_len bytes (zeros if none)
 *   ENI_NOTIFY_A_DRIVER     string  driver of the parent device ("virtio_net"),
 *                                   or the rtnl link kind when there is none
 *   ENI_NOTIFY_A_BUS_INFO   string  PCI address of the device ("0000:00:05.0";
 *                                   for virtio, the PCI function the virtio
 *                                   device sits on), else the parent's name;
 *                                   absent when the device has no parent
 *   ENI_NOTIFY_A_MTU        u32     MTU
 *   ENI_NOTIFY_A_SEQ        u64     events: this event's sequence number, +1 per
 *                                   event in this network namespace, first is
 *                                   1; GET replies: the namespace's last
 *                                   sequence number issued when built
 *   ENI_NOTIFY_A_TIMESTAMP  u64     CLOCK_MONOTONIC ns: when the event happened;
 *                                   GET replies: when the link was first seen
 *                                   (in this namespace, for a moved link)
 *   ENI_NOTIFY_A_ORIGIN     u32     enum eni_notify_origin
 *
 * Commands:
 *   ENI_NOTIFY_CMD_GET          request: ENI_NOTIFY_A_IFINDEX (u32, required)
 *                               reply:   ENI_NOTIFY_CMD_GET, link attribute set
 *                               errors:  -ENODEV when the ifindex is not a
 *                                        matching device in the caller's netns
 *                               with NLM_F_DUMP: no attributes; one
 *                               ENI_NOTIFY_CMD_GET reply per matching device;
 *                               a link added, removed or changed while the
 *                               dump ran sets NLM_F_DUMP_INTR on the next
 *                               message built (a reply, else NLMSG_DONE):
 *                               seen on any message, the dump may be stale
 *   ENI_NOTIFY_CMD_LINK_ADD     event: a matching device appeared (registered,
 *                               or moved into this namespace); link attributes
 *   ENI_NOTIFY_CMD_LINK_DEL     event: it went away (unregistered, or moved out
 *                               of this namespace); link attributes as last
 *                               seen, but ORIGIN says why it went: HOTPLUG
 *                               (unregistered, enslaved) or NETNS (moved out)
 *   ENI_NOTIFY_CMD_LINK_CHANGE  event: renamed, MAC or MTU changed; link
 *                               attributes plus ENI_NOTIFY_A_CHANGE
 *   ENI_NOTIFY_A_CHANGE         u32     enum eni_notify_change bits
 *
 * No events are sent for devices present when the module loads (GET reports
 * them with origin ENI_NOTIFY_ORIGIN_PRESENT), nor when it unloads. Failover
 * standbys and bond/team ports are not reported: a tracked link that gets
 * enslaved is sent as LINK_DEL, one that is released as LINK_ADD (origin
 * hotplug); the net_failover master of a virtio-net pair is the reported link.
 */
#ifndef _UAPI_LINUX_ENI_NOTIFY_H
#define _UAPI_LINUX_ENI_NOTIFY_H

#define ENI_NOTIFY_FAMILY_NAME		"eni_notify"
#define ENI_NOTIFY_FAMILY_VERSION	1
#define ENI_NOTIFY_MCGRP_EVENTS		"events"

enum eni_notify_cmd {
	ENI_NOTIFY_CMD_UNSPEC,
	ENI_NOTIFY_CMD_GET,
	ENI_NOTIFY_CMD_LINK_ADD,
	ENI_NOTIFY_CMD_LINK_DEL,
	ENI_NOTIFY_CMD_LINK_CHANGE,

	__ENI_NOTIFY_CMD_MAX
};
#define ENI_NOTIFY_CMD_MAX (__ENI_NOTIFY_CMD_MAX - 1)

enum eni_notify_attr {
	ENI_NOTIFY_A_UNSPEC,
	ENI_NOTIFY_A_PAD,
	ENI_NOTIFY_A_IFINDEX,
	ENI_NOTIFY_A_IFNAME,
	ENI_NOTIFY_A_MAC,
	ENI_NOTIFY_A_PERM_MAC,
	ENI_NOTIFY_A_DRIVER,
	ENI_NOTIFY_A_BUS_INFO,
	ENI_NOTIFY_A_MTU,
	ENI_NOTIFY_A_SEQ,
	ENI_NOTIFY_A_TIMESTAMP,
	ENI_NOTIFY_A_ORIGIN,
	ENI_NOTIFY_A_CHANGE,

	__ENI_NOTIFY_A_MAX
};
#define ENI_NOTIFY_A_MAX (__ENI_NOTIFY_A_MAX - 1)

/* Longest driver and bus-info strings sent (NUL included). */
#define ENI_NOTIFY_DRIVER_LEN	32
#define ENI_NOTIFY_BUS_INFO_LEN	32

enum eni_notify_origin {
	ENI_NOTIFY_ORIGIN_HOTPLUG = 1,	/* appeared while the module was loaded */
	ENI_NOTIFY_ORIGIN_PRESENT,	/* already there when the module loaded */
	ENI_NOTIFY_ORIGIN_NETNS,	/* moved between network namespaces */
};

enum eni_notify_change {
	ENI_NOTIFY_CHANGE_NAME	= 1U << 0,
	ENI_NOTIFY_CHANGE_MAC	= 1U << 1,
	ENI_NOTIFY_CHANGE_MTU	= 1U << 2,
};

#endif /* _UAPI_LINUX_ENI_NOTIFY_H */
