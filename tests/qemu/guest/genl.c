// SPDX-License-Identifier: GPL-2.0
/* Socket side of the eni_notify generic-netlink client. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl.h"

#define ENI_REPLY_WAIT_MS 5000

int eni_sock_open(struct eni_sock *s)
{
	int one = 1, rcvbuf = 4 << 20;
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!s->nl)
		return -errno;
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		eni_sock_close(s);
		return err;
	}
	s->fd = mnl_socket_get_fd(s->nl);
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = 1000;
	/* Extended ACKs carry the kernel's error text. */
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Events must not be lost while a test is busy elsewhere. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	return 0;
}

void eni_sock_close(struct eni_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
	s->fd = -1;
}

int eni_sock_open_family(struct eni_sock *s)
{
	struct eni_ack ack;
	int err;

	err = eni_sock_open(s);
	if (err)
		return err;
	return eni_resolve(s, ENI_NOTIFY_FAMILY_NAME, ENI_NOTIFY_MCGRP_EVENTS,
			   &s->family, &s->mcgrp, &ack);
}

int eni_join(struct eni_sock *s, uint32_t group)
{
	if (mnl_socket_setsockopt(s->nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}

/* Waits up to timeout_ms for one datagram; returns its length or -errno. */
static int recv_datagram(struct eni_sock *s, int timeout_ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int r;

	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = recv(s->fd, s->buf, sizeof(s->buf), MSG_DONTWAIT);
	if (n < 0) {
		if (errno == ENOBUFS)
			s->overrun = true;
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	}
	return (int)n;
}

/* ---- requests ---- */

struct req_state {
	uint32_t seq;
	struct eni_ack *ack;
	struct eni_link *out;
	int max, n;
	/* CTRL_CMD_GETFAMILY results */
	const char *group;
	uint16_t family_id;
	uint32_t group_id;
	bool ctrl;
};

static int ctrl_grp_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type == CTRL_ATTR_MCAST_GRP_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		tb[type] = a;
	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static void ctrl_parse(const struct nlmsghdr *nlh, struct req_state *st)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		int type = mnl_attr_get_type(a);

		if (type == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			st->family_id = mnl_attr_get_u16(a);
		if (type == CTRL_ATTR_MCAST_GROUPS && st->group) {
			const struct nlattr *g;

			mnl_attr_for_each_nested(g, a) {
				const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

				mnl_attr_parse_nested(g, ctrl_grp_cb, tb);
				if (tb[CTRL_ATTR_MCAST_GRP_NAME] &&
				    tb[CTRL_ATTR_MCAST_GRP_ID] &&
				    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
					    st->group))
					st->group_id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
			}
		}
	}
}

/* Handles one datagram; returns 1 when the request is finished. */
static int handle_replies(struct eni_sock *s, int len, struct req_state *st)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->buf;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != st->seq)
			continue;	/* a late answer to an earlier request */
		if (nlh->nlmsg_type == NLMSG_ERROR ||
		    nlh->nlmsg_type == NLMSG_DONE) {
			if (eni_ack_parse(nlh, st->ack))
				st->ack->error = -EBADMSG;
			return 1;
		}
		if (nlh->nlmsg_type == NLMSG_NOOP)
			continue;
		if (st->ctrl) {
			ctrl_parse(nlh, st);
			continue;
		}
		if (st->out && st->n < st->max)
			eni_link_parse(nlh, &st->out[st->n]);
		st->n++;
	}
	return 0;
}

/* Reads answers to st->seq until an ACK/error/DONE or wait_ms passes. */
static int collect(struct eni_sock *s, struct req_state *st, int wait_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)wait_ms * 1000000ull;

	for (;;) {
		int len = recv_datagram(s, ms_left(deadline));

		if (len < 0)
			return len;
		if (handle_replies(s, len, st))
			return 0;
	}
}

int eni_request_raw(struct eni_sock *s, const void *req, size_t len,
		    int wait_ms, struct eni_ack *ack, struct eni_link *out,
		    int max, int *n)
{
	struct req_state st = { .ack = ack, .out = out, .max = max };
	const struct nlmsghdr *nlh = req;
	int err;

	memset(ack, 0, sizeof(*ack));
	/* A malformed request may even lack a full header. */
	if (len >= sizeof(uint32_t) * 3)
		st.seq = nlh->nlmsg_seq;
	if (mnl_socket_sendto(s->nl, req, len) < 0)
		return -errno;
	err = collect(s, &st, wait_ms);
	if (n)
		*n = st.n;
	return err;
}

int eni_resolve(struct eni_sock *s, const char *family, const char *group,
		uint16_t *family_id, uint32_t *group_id, struct eni_ack *ack)
{
	char req[256];
	struct req_state st = { .ack = ack, .group = group, .ctrl = true };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int err;

	memset(ack, 0, sizeof(*ack));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = st.seq = ++s->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	err = collect(s, &st, ENI_REPLY_WAIT_MS);
	if (err)
		return err;
	if (ack->error)
		return ack->error;
	if (!st.family_id)
		return -EBADMSG;
	if (group && !st.group_id)
		return -ENOENT;
	*family_id = st.family_id;
	if (group_id)
		*group_id = st.group_id;
	return 0;
}

int eni_get(struct eni_sock *s, uint32_t ifindex, struct eni_link *out,
	    struct eni_ack *ack)
{
	char req[128];
	size_t len;
	int n = 0, err;

	len = eni_build_get(req, sizeof(req), s->family, ++s->seq, ifindex,
			    false);
	err = eni_request_raw(s, req, len, ENI_REPLY_WAIT_MS, ack, out, 1, &n);
	if (err)
		return err;
	if (ack->error)
		return ack->error;
	/* Success is exactly one reply, then the ACK. */
	return n == 1 ? 0 : -EBADMSG;
}

int eni_dump(struct eni_sock *s, struct eni_link *out, int max, int *n,
	     struct eni_ack *ack)
{
	char req[128];
	size_t len;
	int err;

	len = eni_build_get(req, sizeof(req), s->family, ++s->seq, 0, true);
	err = eni_request_raw(s, req, len, ENI_REPLY_WAIT_MS, ack, out, max, n);
	if (err)
		return err;
	return ack->error;
}

/* ---- events ---- */

static void queue_events(struct eni_sock *s, int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->buf;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		unsigned int slot;

		if (nlh->nlmsg_type != s->family)
			continue;
		if (s->qlen == sizeof(s->queue) / sizeof(s->queue[0])) {
			s->overrun = true;	/* caller reads too slowly */
			return;
		}
		slot = (s->qhead + s->qlen) % (sizeof(s->queue) / sizeof(s->queue[0]));
		eni_link_parse(nlh, &s->queue[slot]);
		s->qlen++;
	}
}

int eni_recv_event(struct eni_sock *s, struct eni_link *ev, int timeout_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;

	while (!s->qlen) {
		int len = recv_datagram(s, ms_left(deadline));

		if (len < 0)
			return len;
		queue_events(s, len);
	}
	*ev = s->queue[s->qhead];
	s->qhead = (s->qhead + 1) % (sizeof(s->queue) / sizeof(s->queue[0]));
	s->qlen--;
	return 0;
}

int eni_pending_events(struct eni_sock *s)
{
	for (;;) {
		int len = recv_datagram(s, 0);

		if (len == -ETIMEDOUT)
			break;
		if (len < 0)
			return len;
		queue_events(s, len);
	}
	return (int)s->qlen;
}

static bool ctrl_family_is(const struct nlmsghdr *nlh, const char *family)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return !strcmp(mnl_attr_get_str(a), family);
	}
	return false;
}

int eni_ctrl_wait(struct eni_sock *s, uint8_t cmd, const char *family,
		  int timeout_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		int len = recv_datagram(s, ms_left(deadline));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->buf;

		if (len < 0)
			return len;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != GENL_ID_CTRL ||
			    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
				continue;
			if (g->cmd == cmd && ctrl_family_is(nlh, family))
				return 0;
		}
	}
}
