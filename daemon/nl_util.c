// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "log.h"
#include "nl_util.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

struct mnl_socket *nl_open(int bus, unsigned int flags, int rcvbuf)
{
	int sflags = SOCK_CLOEXEC | ((flags & NL_BLOCKING) ? 0 : SOCK_NONBLOCK);
	struct mnl_socket *nl = mnl_socket_open2(bus, sflags);
	int one = 1;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	/* best effort: older kernels lack some of these */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (flags & NL_STRICT)
		mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (rcvbuf > 0) {
		int fd = mnl_socket_get_fd(nl);

		/* FORCE works for root past rmem_max; fall back for the unprivileged */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	return nl;
err : {
	int saved = errno;

	mnl_socket_close(nl);
	errno = saved;
}
	return NULL;
}

int nl_join(struct mnl_socket *nl, unsigned int group)
{
	int g = (int)group;

	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
		return -errno;
	return 0;
}

int nl_leave(struct mnl_socket *nl, unsigned int group)
{
	int g = (int)group;

	if (mnl_socket_setsockopt(nl, NETLINK_DROP_MEMBERSHIP, &g, sizeof(g)) < 0)
		return -errno;
	return 0;
}

static unsigned long foreign_dropped;

unsigned long nl_foreign_dropped(void)
{
	return foreign_dropped;
}

ssize_t nl_recv(struct mnl_socket *nl, void *buf, size_t len)
{
	int fd = mnl_socket_get_fd(nl);

	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = {.iov_base = buf, .iov_len = len};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (mh.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK ||
		    from.nl_pid != 0) {
			/* another process (it needs CAP_NET_ADMIN) spoofing the kernel */
			if (!foreign_dropped++)
				log_warn(
					"netlink: dropped a message from portid %u, not the kernel "
					"(further ones are only counted)",
					mh.msg_namelen == sizeof(from) ? from.nl_pid : 0);
			continue;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return -ENOSPC;
		return n;
	}
}

int nl_drain(struct mnl_socket *nl, void *buf, size_t len, nl_msg_fn msg, void (*lost)(void *data),
	     void *data)
{
	for (;;) {
		ssize_t n = nl_recv(nl, buf, len);
		const struct nlmsghdr *nlh;
		struct nl_walk w;

		if (n == -EAGAIN)
			return 0;
		if (n == -ENOBUFS) {
			lost(data);
			continue;
		}
		if (n < 0)
			return (int)n;
		nl_walk_init(&w, buf, (size_t)n);
		while ((nlh = nl_walk_next(&w)))
			msg(nlh, data);
		if (w.err)
			lost(data);
	}
}

/* One transaction: the caller's callback, and what its replies ended with. */
struct transact {
	mnl_cb_t cb;
	void *data;
	char *errbuf;
	size_t errlen;
	int err;
};

static int transact_data(const struct nlmsghdr *nlh, void *arg)
{
	struct transact *t = arg;

	if (!t->cb || t->cb(nlh, t->data) >= MNL_CB_OK)
		return MNL_CB_OK;
	t->err = -EINTR;
	return MNL_CB_ERROR;
}

/* NLMSG_ERROR: the ACK (stop) or the kernel's -errno, with its extended-ACK text. */
static int transact_error(const struct nlmsghdr *nlh, void *arg)
{
	struct transact *t = arg;
	const char *msg = nl_extack_msg(nlh);

	t->err = nl_error_code(nlh);
	if (msg && t->errbuf && t->errlen)
		snprintf(t->errbuf, t->errlen, "%s", msg);
	return t->err ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int transact_done(const struct nlmsghdr *nlh, void *arg)
{
	struct transact *t = arg;

	const char *msg = nl_extack_msg(nlh);

	t->err = nl_done_code(nlh);
	if (t->err && msg && t->errbuf && t->errlen)
		snprintf(t->errbuf, t->errlen, "%s", msg);
	return t->err ? MNL_CB_ERROR : MNL_CB_STOP;
}

/* NOOP, OVERRUN and the reserved types are skipped (not const: mnl_cb_run2 takes it so). */
static mnl_cb_t transact_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = transact_error,
	[NLMSG_DONE] = transact_done,
};

/*
 * The leading whole messages of a datagram, as nl_walk_next bounds them, so that
 * mnl_cb_run2 (which walks with mnl_nlmsg_ok) never meets a length that does not fit;
 * *err is -EBADMSG when a bad length cut the rest. NLM_F_DUMP_INTR is cleared on the
 * way: libmnl fails the whole dump on it, our callers never did (they read again on
 * their own schedule). *stray is true when the datagram answers another request
 * (one an earlier transaction stopped reading) or is not an answer at all.
 */
static size_t transact_prepare(char *buf, size_t len, uint32_t seq, uint32_t portid, bool *stray,
			       int *err)
{
	struct nlmsghdr *nlh;
	struct nl_walk w;

	*stray = false;
	nl_walk_init(&w, buf, len);
	while ((nlh = (struct nlmsghdr *)nl_walk_next(&w))) {
		if ((char *)nlh == buf)
			*stray = nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid;
		nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
	}
	*err = w.err;
	return (size_t)(w.next - buf);
}

int nl_transact(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data, char *errbuf,
		size_t errlen)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct transact t = {.cb = cb, .data = data, .errbuf = errbuf, .errlen = errlen};
	uint32_t portid = mnl_socket_get_portid(nl);
	uint32_t seq = req->nlmsg_seq;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = nl_recv(nl, buf, sizeof(buf));
		size_t whole;
		bool stray;
		int ret, werr;

		if (n < 0)
			return (int)n;
		whole = transact_prepare(buf, (size_t)n, seq, portid, &stray, &werr);
		if (stray)
			continue;
		if (whole) {
			t.err = 0;
			ret = mnl_cb_run2(buf, whole, seq, portid, transact_data, &t, transact_ctl,
					  MNL_ARRAY_SIZE(transact_ctl));
			if (ret == MNL_CB_STOP)
				return 0;
			if (ret < 0)
				return t.err ? t.err : -errno;
		}
		if (werr)
			return werr;
		/* a plain (non-dump) request without NLM_F_ACK ends at its one reply */
		if (!(req->nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK)))
			return 0;
	}
}
