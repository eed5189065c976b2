/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading netlink messages: ACKs, errors, attributes, the bounded walk. Pure. */
#ifndef ENID_NL_MSG_H
#define ENID_NL_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* Kernel's extended-ACK text in an NLMSG_ERROR or NLMSG_DONE message, or NULL (pure). */
const char *nl_extack_msg(const struct nlmsghdr *nlh);
/* Error code of an NLMSG_ERROR message (0 = ACK), -EBADMSG when truncated (pure). */
int nl_error_code(const struct nlmsghdr *nlh);
/* 0, or the -errno a dump ended with (NLMSG_DONE payload) (pure). */
int nl_done_code(const struct nlmsghdr *nlh);

/*
 * Walks the attributes in [payload, payload + len) and calls cb on each; cb returning
 * less than MNL_CB_OK stops the walk. Unlike mnl_attr_parse_payload(), bytes that do not
 * form a whole attribute are an error: a truncated message must not pass as a shorter
 * one. 0 or -EINVAL (pure).
 */
int nl_attrs_walk(const void *payload, size_t len, mnl_attr_cb_t cb, void *data);

/*
 * One received datagram, walked message by message. Each message must hold a whole
 * header and fit, with its nlmsg_len aligned to 4 (the kernel always sends the padding),
 * in the bytes left; the walk never steps outside the datagram nor stands still.
 * libmnl's mnl_nlmsg_ok compares nlmsg_len as a signed int, so a length of 2^31 or more
 * passes it and mnl_nlmsg_next then jumps out of the buffer or, once aligned to 0, loops
 * forever: every receive loop here walks with nl_walk_next.
 */
struct nl_walk {
	const char *next;
	size_t left;
	int err; /* -EBADMSG once a length did not fit: the rest of the datagram is dropped */
};

/* buf must be 4-byte aligned, as netlink messages are (pure). */
void nl_walk_init(struct nl_walk *w, const void *buf, size_t len);
/* The next whole message, or NULL at the end of the datagram or at a bad length, which
 * sets w->err (pure). */
const struct nlmsghdr *nl_walk_next(struct nl_walk *w);

#endif
