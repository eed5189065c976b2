/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nlctrl: resolve a generic-netlink family and its multicast groups by name. */
#ifndef ENID_GENL_CTRL_H
#define ENID_GENL_CTRL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#define GENL_CTRL_MAX_GRPS 8

struct genl_family_info {
	uint8_t cmd; /* CTRL_CMD_NEWFAMILY, CTRL_CMD_DELFAMILY, ... */
	char name[GENL_NAMSIZ];
	uint16_t id;
	unsigned int n_grps;
	struct {
		char name[GENL_NAMSIZ];
		uint32_t id;
	} grps[GENL_CTRL_MAX_GRPS];
};

/*
 * Parses an nlctrl message (reply or notification): its command, family name and id and
 * its multicast groups (the first GENL_CTRL_MAX_GRPS). Known attributes must have their
 * exact length, names must be NUL-terminated and fit GENL_NAMSIZ, and bytes that do not
 * form whole attributes (a truncated message or nest) are an error. nlh->nlmsg_len is
 * trusted (nl_walk_next checked it). Returns 0 or -EINVAL (pure).
 */
int genl_ctrl_parse(const struct nlmsghdr *nlh, struct genl_family_info *out);
/* Group id by name, 0 when absent (pure). */
uint32_t genl_ctrl_group(const struct genl_family_info *fi, const char *group);
/* CTRL_CMD_GETFAMILY for name (NLM_F_REQUEST | NLM_F_ACK) into buf, NULL when it does not
 * fit in len bytes (pure). */
struct nlmsghdr *genl_ctrl_build_getfamily(void *buf, size_t len, const char *name, uint32_t seq);

/* Asks nlctrl on a short-lived socket. -ENOENT when the family is not registered. */
int genl_ctrl_resolve(const char *name, struct genl_family_info *out);

#endif
