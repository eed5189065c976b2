/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic-netlink client for the eni_notify family, on libmnl.
 * Every function returns 0 or -errno; nothing here asserts, so a test can
 * check what the kernel really sent (including malformed attributes).
 */
#ifndef ENI_GUEST_GENL_H
#define ENI_GUEST_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/eni_notify.h>

#include "util.h"

/* One link message (event or GET reply), every attribute decoded. */
struct eni_link {
	uint8_t cmd;
	uint8_t version;
	uint32_t have;		/* 1u << ENI_NOTIFY_A_x for each attribute seen */
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[ENI_MAC_MAX];
	uint16_t mac_len;
	uint8_t perm_mac[ENI_MAC_MAX];
	uint16_t perm_mac_len;
	char driver[ENI_NOTIFY_DRIVER_LEN];
	char bus_info[ENI_NOTIFY_BUS_INFO_LEN];
	uint32_t mtu;
	uint64_t seq;
	uint64_t timestamp;
	uint32_t origin;
	uint32_t change;
	/* Validation results: a test asserts nbad == 0. */
	int nbad;		/* attributes with a wrong length or content */
	int bad_type;		/* the first of them */
	char bad_why[80];
	int ndup;		/* attributes seen twice */
	int nunknown;		/* attribute types above ENI_NOTIFY_A_MAX */
};

#define ENI_HAVE(l, a) (!!((l)->have & (1u << (a))))

/* Attributes every link message must carry (bus info is optional). */
#define ENI_LINK_REQUIRED                                                     \
	((1u << ENI_NOTIFY_A_IFINDEX) | (1u << ENI_NOTIFY_A_IFNAME) |         \
	 (1u << ENI_NOTIFY_A_MAC) | (1u << ENI_NOTIFY_A_PERM_MAC) |           \
	 (1u << ENI_NOTIFY_A_DRIVER) | (1u << ENI_NOTIFY_A_MTU) |             \
	 (1u << ENI_NOTIFY_A_SEQ) | (1u << ENI_NOTIFY_A_TIMESTAMP) |          \
	 (1u << ENI_NOTIFY_A_ORIGIN))

/* A netlink error/ACK, with the extended-ACK fields the kernel sent. */
struct eni_ack {
	bool seen;		/* an NLMSG_ERROR/NLMSG_DONE ended the request */
	int error;		/* 0 or -errno from the kernel */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_offs;
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS */
	bool has_miss;
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
};

struct mnl_socket;

struct eni_sock {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;	/* eni_notify family id, 0 until resolved */
	uint32_t mcgrp;		/* its "events" group id */
	bool overrun;		/* ENOBUFS seen on receive */
	/* Events received but not yet handed out. */
	struct eni_link queue[64];
	unsigned int qhead, qlen;
	char buf[65536];
};

/* genl_parse.c: pure functions on message bytes */
const char *eni_cmd_name(uint8_t cmd);
const char *eni_origin_name(uint32_t origin);
/* One line describing l, for logs. */
char *eni_link_describe(const struct eni_link *l, char *buf, size_t len);
/* Decodes a link message of any eni_notify command; -EBADMSG if too short. */
int eni_link_parse(const void *nlh, struct eni_link *out);
/* Decodes an NLMSG_ERROR or NLMSG_DONE message; -EBADMSG if too short. */
int eni_ack_parse(const void *nlh, struct eni_ack *out);
/* Fills buf with a GET request; returns its length. */
size_t eni_build_get(void *buf, size_t len, uint16_t family, uint32_t seq,
		     uint32_t ifindex, bool dump);

/* genl.c: sockets */
/* Opens a generic-netlink socket with extended ACKs and a large buffer. */
int eni_sock_open(struct eni_sock *s);
/* eni_sock_open + resolve family "eni_notify" and its "events" group. */
int eni_sock_open_family(struct eni_sock *s);
void eni_sock_close(struct eni_sock *s);
/* CTRL_CMD_GETFAMILY: family id and, if group is set, its group id. */
int eni_resolve(struct eni_sock *s, const char *family, const char *group,
		uint16_t *family_id, uint32_t *group_id, struct eni_ack *ack);
/* NETLINK_ADD_MEMBERSHIP */
int eni_join(struct eni_sock *s, uint32_t group);

/* Next event (any eni_notify command) within timeout_ms: 0, -ETIMEDOUT,
 * -ENOBUFS (events were lost) or another -errno. timeout_ms 0 = no wait. */
int eni_recv_event(struct eni_sock *s, struct eni_link *ev, int timeout_ms);
/* Events pending now (drains the socket without waiting). */
int eni_pending_events(struct eni_sock *s);

/* GET by ifindex: 0 with *out filled, or the kernel's -errno (ack filled). */
int eni_get(struct eni_sock *s, uint32_t ifindex, struct eni_link *out,
	    struct eni_ack *ack);
/* Dump: up to max links into out, *n set; 0 or -errno. */
int eni_dump(struct eni_sock *s, struct eni_link *out, int max, int *n,
	     struct eni_ack *ack);
/*
 * Sends len bytes as they are (a hand-built, possibly malformed request)
 * and collects what the kernel answers to the header's seq. wait_ms bounds
 * the wait for an answer; with 0 only what is queued at once is read (the
 * kernel handles a request inside sendmsg, so its answer is queued by then).
 * Returns 0 when an ACK/error/DONE arrived (ack filled), -ETIMEDOUT when
 * nothing did. Link replies go to out (up to max, *n counted) if given.
 */
int eni_request_raw(struct eni_sock *s, const void *req, size_t len,
		    int wait_ms, struct eni_ack *ack, struct eni_link *out,
		    int max, int *n);

/*
 * nlctrl "notify" group: waits for CTRL_CMD_NEWFAMILY/DELFAMILY (cmd) of the
 * named family; 0, -ETIMEDOUT or -errno.
 */
int eni_ctrl_wait(struct eni_sock *s, uint8_t cmd, const char *family,
		  int timeout_ms);

#endif
