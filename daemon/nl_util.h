/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Netlink socket plumbing shared by enid and enictl. */
#ifndef ENID_NL_UTIL_H
#define ENID_NL_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <libmnl/libmnl.h>

#include "nl_msg.h"

#define NL_BUF_SIZE (64 * 1024)

enum nl_open_flags {
	NL_STRICT = 1 << 0,   /* NETLINK_GET_STRICT_CHK: kernel-side dump filters */
	NL_BLOCKING = 1 << 1, /* enictl only; enid's sockets are all non-blocking */
};

/* Opens, binds (autopid), turns on extended ACKs and capped ACKs. rcvbuf 0 = default. */
struct mnl_socket *nl_open(int bus, unsigned int flags, int rcvbuf);
int nl_join(struct mnl_socket *nl, unsigned int group);
int nl_leave(struct mnl_socket *nl, unsigned int group);

/*
 * recvmsg retried on EINTR: the byte count or -errno (-ENOSPC when the datagram did not
 * fit). Only the kernel (sender portid 0) is heard: a datagram from any other socket is
 * dropped, counted, and the first one logged.
 */
ssize_t nl_recv(struct mnl_socket *nl, void *buf, size_t len);
/* Datagrams nl_recv dropped because they did not come from the kernel. */
unsigned long nl_foreign_dropped(void);

typedef void (*nl_msg_fn)(const struct nlmsghdr *nlh, void *data);
/*
 * Reads a non-blocking socket until it is empty (into buf), calling msg for each message
 * and lost on ENOBUFS (the kernel dropped messages: the caller resyncs) or when a
 * datagram held a bad length (its rest is dropped, so messages were lost too). Returns 0
 * once drained, or the -errno of any other read error.
 */
int nl_drain(struct mnl_socket *nl, void *buf, size_t len, nl_msg_fn msg, void (*lost)(void *data),
	     void *data);

/*
 * Sends one request and reads its replies until NLMSG_DONE or the ACK, calling cb for
 * each data message (libmnl's mnl_cb_run2 matches seq and portid and dispatches DONE
 * and ERROR; each datagram is bounded by nl_walk_next first; a datagram answering
 * another request is skipped). Returns 0, the kernel's -errno (its text copied into
 * errbuf when given), -EINTR when cb returned less than MNL_CB_OK, -EBADMSG for a bad
 * length, or -EAGAIN if the replies stopped coming (never expected: the kernel answers
 * within sendmsg for rtnetlink and genetlink).
 */
int nl_transact(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data, char *errbuf,
		size_t errlen);

#endif
