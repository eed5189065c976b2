/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eni_notify generic-netlink messages: parse events and GET replies into
 * struct eni_event, build GET and dump requests, format one
 * line for `enictl monitor`. Pure: no sockets here.
 */
#ifndef ENID_ENI_MSG_H
#define ENID_ENI_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/eni_notify.h>

#include "config.h" /* ENID_IFNAMSIZ */

#define ENI_MSG_MAX_ADDR 32  /* MAX_ADDR_LEN */
#define ENI_MSG_REQ_SIZE 128 /* enough for any request built here */

struct eni_event {
	uint8_t cmd; /* ENI_NOTIFY_CMD_{GET,LINK_ADD,LINK_DEL,LINK_CHANGE} */
	uint32_t ifindex;
	char ifname[ENID_IFNAMSIZ];
	uint8_t mac[ENI_MSG_MAX_ADDR];
	uint8_t mac_len; /* 6 for Ethernet */
	uint8_t perm_mac[ENI_MSG_MAX_ADDR];
	uint8_t perm_mac_len;
	char driver[ENI_NOTIFY_DRIVER_LEN];
	char bus_info[ENI_NOTIFY_BUS_INFO_LEN]; /* "" when absent */
	uint32_t mtu;
	uint64_t seq;
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC */
	uint32_t origin;       /* enum eni_notify_origin, 0 = absent */
	uint32_t change;       /* enum eni_notify_change bits */
	uint32_t present;      /* bit (1 << ENI_NOTIFY_A_x) per attribute seen */
};

#define ENI_EVENT_HAS(ev, attr) (((ev)->present >> (attr)) & 1)

/*
 * Parses one eni_notify message (the caller has checked nlmsg_type is the
 * family id). nlh->nlmsg_len is trusted (nl_walk_next checked it).
 * Every known attribute is checked for type and exact length; unknown ones
 * are skipped. IFINDEX, IFNAME and MAC are required.
 * Returns 0, -EINVAL (malformed or truncated, missing required attribute),
 * -EOPNOTSUPP (a command this code does not know: ignore the message).
 */
int eni_msg_parse(const struct nlmsghdr *nlh, struct eni_event *ev);

/* Same, for a raw buffer of len bytes holding one message: also checks that
 * the netlink header and nlmsg_len fit in len. */
int eni_msg_parse_buf(const void *buf, size_t len, struct eni_event *ev);

/*
 * Request builders: write into buf (len >= ENI_MSG_REQ_SIZE), return the
 * message (length in nlmsg_len), or NULL when buf is too small.
 * GET by ifindex: NLM_F_REQUEST | NLM_F_ACK (reply, then the ACK; -ENODEV in the ACK
 * when it is not a matching device). Dump: NLM_F_REQUEST | NLM_F_DUMP (replies, then
 * NLMSG_DONE). nlmsg_pid is 0.
 */
struct nlmsghdr *eni_msg_build_get(void *buf, size_t len, uint16_t family_id, uint32_t seq,
				   uint32_t ifindex);
struct nlmsghdr *eni_msg_build_dump(void *buf, size_t len, uint16_t family_id, uint32_t seq);

/*
 * Builds a link message as the module sends it (inverse of eni_msg_parse):
 * attributes for every bit set in ev->present (IFINDEX, IFNAME and MAC always).
 * For tests and tools. Returns NULL when buf is too small.
 */
struct nlmsghdr *eni_msg_build_event(void *buf, size_t len, uint16_t family_id, uint32_t seq,
				     const struct eni_event *ev);

/* "add", "del", "change", "get", or "unknown". */
const char *eni_cmd_name(uint8_t cmd);
/* "hotplug", "present", "netns", or "unknown". */
const char *eni_origin_name(uint32_t origin);

/*
 * One line for `enictl monitor` / `enictl dump`, no trailing newline:
 * text: "<sec.usec> seq <n> <event> <ifname> ifindex <i> mac <mac> bus <bus|-> driver <drv|->
 *        mtu <n> origin <origin|->" and, for change events, " change name,mac,mtu"
 *        (the bits set, "-" when none);
 * json: {"time_ns":..,"seq":..,"event":"add","ifindex":..,"ifname":"..","mac":"..",
 *        "perm_mac":"..","bus_info":".."|null,"driver":"..","mtu":..,"origin":"..",
 *        "change":["name",..]}   (change only for change events), built with json-c;
 *        ifname, driver and bus_info made valid UTF-8 first (json_out.h: U+FFFD for
 *        each invalid byte), so the line always parses
 * Returns the length (as snprintf), -ENOSPC when it did not fit in len, or -ENOMEM.
 */
int eni_event_format(const struct eni_event *ev, bool json, char *buf, size_t len);

#endif /* ENID_ENI_MSG_H */
