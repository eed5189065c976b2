/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Netlink socket plumbing shared by enid and enictl. */
#ifndef ENID_NL_UTIL_H
#define ENID_NL_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <libmnl/libmnl.h>

#define NL_BUF_SIZE (64 * 1024)

enum nl_open_flags {
	NL_STRICT = 1 << 0,   /* NETLINK_GET_STRICT_CHK: kernel-side dump filters */
	NL_BLOCKING = 1 << 1, /* enictl only; enid's sockets are all non-blocking */
};

/* Opens, binds (autopid), turns on extended ACKs and capped ACKs. rcvbuf 0 = default. */
struct mnl_socket *nl_open(int bus, unsigned int flags, int rcvbuf);
int nl_join(struct mnl_socket *nl, unsigned int group);
int nl_leave(struct mnl_socket *nl, unsigned int group);

/* Kernel's extended-ACK text in an NLMSG_ERROR message, or NULL (pure). */
const char *nl_extack_msg(const struct nlmsghdr *nlh);
/* Error code of an NLMSG_ERROR message (0 = ACK), -EBADMSG when truncated (pure). */
int nl_error_code(const struct nlmsghdr *nlh);
/* 0, or the -errno a dump ended with (NLMSG_DONE payload) (pure). */
int nl_done_code(const struct nlmsghdr *nlh);

/* mnl_socket_recvfrom, retried on EINTR: the byte count or -errno. */
ssize_t nl_recv(struct mnl_socket *nl, void *buf, size_t len);

typedef void (*nl_msg_fn)(const struct nlmsghdr *nlh, void *data);
/*
 * Reads a non-blocking socket until it is empty (into buf), calling msg for each message
 * and lost on ENOBUFS (the kernel dropped messages: the caller resyncs). Returns 0 once
 * drained, or the -errno of any other read error.
 */
int nl_drain(struct mnl_socket *nl, void *buf, size_t len, nl_msg_fn msg, void (*lost)(void *data),
	     void *data);

/*
 * Sends one request and reads its replies until NLMSG_DONE or the ACK, calling cb for
 * each data message. Returns 0, the kernel's -errno (its text copied into errbuf when
 * given), or -EAGAIN if the replies stopped coming (never expected: the kernel answers
 * within sendmsg for rtnetlink and genetlink).
 */
int nl_transact(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data, char *errbuf,
		size_t errlen);

#endif
