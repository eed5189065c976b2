// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "log.h"
#include "nl_util.h"
#include "rtnl_msg.h"
#include "rtreq.h"

struct batch {
	uint32_t lo, hi; /* its requests' sequence numbers */
	bool closed;	 /* all its requests are queued */
	unsigned int outstanding;
	struct batch_result res;
};

int rtreq_open(struct rtreq *rq, int rcvbuf, void (*done)(void *ctx, const struct batch_result *),
	       void *ctx)
{
	memset(rq, 0, sizeof(*rq));
	rq->done = done;
	rq->ctx = ctx;
	rq->out = malloc(NL_BUF_SIZE);
	if (!rq->out)
		return -ENOMEM;
	rq->nl = nl_open(NETLINK_ROUTE, NL_STRICT, rcvbuf);
	return rq->nl ? 0 : -errno;
}

void rtreq_close(struct rtreq *rq)
{
	if (rq->nl)
		mnl_socket_close(rq->nl);
	free(rq->out);
	free(rq->batches);
	memset(rq, 0, sizeof(*rq));
}

int rtreq_fd(const struct rtreq *rq)
{
	return mnl_socket_get_fd(rq->nl);
}

uint32_t rtreq_portid(const struct rtreq *rq)
{
	return rq->nl ? mnl_socket_get_portid(rq->nl) : 0;
}

bool rtreq_busy(const struct rtreq *rq)
{
	return rq->n_batches > 0;
}

/* Hands a finished batch to done() and forgets it. */
static void batch_finish(struct rtreq *rq, unsigned int bi)
{
	struct batch_result res = rq->batches[bi].res;

	memmove(&rq->batches[bi], &rq->batches[bi + 1],
		(rq->n_batches - bi - 1) * sizeof(rq->batches[0]));
	rq->n_batches--;
	rq->done(rq->ctx, &res);
}

static int batch_by_seq(const struct rtreq *rq, uint32_t seq)
{
	for (unsigned int i = 0; i < rq->n_batches; i++) {
		const struct batch *b = &rq->batches[i];

		if (b->res.sent && seq - b->lo <= b->hi - b->lo)
			return (int)i;
	}
	return -1;
}

/* One request answered: the kernel's ACK, or a synthetic error when it never left. */
static void answered(struct rtreq *rq, uint32_t seq, int err, uint16_t type, const char *msg)
{
	int bi = batch_by_seq(rq, seq);
	bool del = type == RTM_DELADDR || type == RTM_DELROUTE || type == RTM_DELRULE;
	struct batch *b;
	bool ok;

	if (bi < 0 || !rq->batches[bi].outstanding)
		return;
	b = &rq->batches[bi];
	ok = !err || (err == -EEXIST && !del) ||
	     (del && (err == -ENOENT || err == -ESRCH || err == -EADDRNOTAVAIL));
	if (ok && err == -EEXIST)
		b->res.eexist++;
	if (!ok) {
		if (!b->res.errors++)
			snprintf(b->res.first_err, sizeof(b->res.first_err), "%s: %s%s%s",
				 rtnl_type_name(type), strerror(-err), msg ? ": " : "",
				 msg ? msg : "");
		log_debug("request %u (%s): %s%s%s", seq, rtnl_type_name(type), strerror(-err),
			  msg ? ": " : "", msg ? msg : "");
	}
	if (--b->outstanding == 0 && b->closed)
		batch_finish(rq, (unsigned int)bi);
}

static void ack_msg(const struct nlmsghdr *nlh, void *data)
{
	struct rtreq *rq = data;
	const struct nlmsgerr *e;

	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != rtreq_portid(rq))
		return;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return;
	e = mnl_nlmsg_get_payload(nlh);
	answered(rq, nlh->nlmsg_seq, e->error, e->msg.nlmsg_type, nl_extack_msg(nlh));
}

/* ACKs lost to an overrun: every open batch fails (its caller retries). */
static void acks_lost(void *data)
{
	struct rtreq *rq = data;

	log_warn("request socket overran: ACKs lost; retrying");
	for (unsigned int i = 0; i < rq->n_batches;) {
		struct batch *b = &rq->batches[i];

		if (!b->outstanding) {
			i++;
			continue;
		}
		if (!b->res.errors++)
			snprintf(b->res.first_err, sizeof(b->res.first_err), "ACKs lost (ENOBUFS)");
		b->outstanding = 0;
		if (b->closed)
			batch_finish(rq, i);
		else
			i++;
	}
}

void rtreq_read(struct rtreq *rq)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	int err = nl_drain(rq->nl, buf, sizeof(buf), ack_msg, acks_lost, rq);

	if (err)
		log_err("request socket: %s", strerror(-err));
}

void rtreq_flush(struct rtreq *rq)
{
	size_t len = rq->out_len;

	if (!len)
		return;
	rq->out_len = 0;
	if (mnl_socket_sendto(rq->nl, rq->out, len) < 0) {
		int err = -errno;
		size_t off = 0;

		log_warn("sending %zu bytes of requests: %s", len, strerror(-err));
		/* the buffer holds only messages we built, each aligned */
		while (off + sizeof(struct nlmsghdr) <= len) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)(rq->out + off);

			if (nlh->nlmsg_len < sizeof(*nlh) || off + nlh->nlmsg_len > len)
				break;
			answered(rq, nlh->nlmsg_seq, err, nlh->nlmsg_type, NULL);
			off += MNL_ALIGN(nlh->nlmsg_len);
		}
	}
	/* the kernel answered within sendmsg: count the ACKs before the socket fills */
	rtreq_read(rq);
}

int rtreq_submit(struct rtreq *rq, enum batch_kind kind, int ifindex, unsigned int tag,
		 const struct kreqs *q)
{
	unsigned int bi;
	struct batch *b;

	if (q->oom)
		return -ENOMEM;
	if (rq->n_batches == rq->cap_batches) {
		unsigned int ncap = rq->cap_batches ? rq->cap_batches * 2 : 16;
		struct batch *p = realloc(rq->batches, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rq->batches = p;
		rq->cap_batches = ncap;
	}
	bi = rq->n_batches++;
	b = &rq->batches[bi];
	memset(b, 0, sizeof(*b));
	b->res.kind = kind;
	b->res.ifindex = ifindex;
	b->res.tag = tag;
	b->lo = rq->seq + 1;
	b->hi = rq->seq;
	for (size_t i = 0; i < q->n; i++) {
		struct nlmsghdr *nlh;

		if (NL_BUF_SIZE - rq->out_len < RTNL_MSG_MAX) {
			rtreq_flush(rq); /* may finish earlier batches: bi stays ours (last) */
			bi = rq->n_batches - 1;
		}
		b = &rq->batches[bi];
		nlh = kreq_build(rq->out + rq->out_len, RTNL_MSG_MAX, ++rq->seq, &q->v[i]);
		if (!nlh) {
			if (!b->res.errors++)
				snprintf(b->res.first_err, sizeof(b->res.first_err),
					 "%s: request too large", kreq_op_name(q->v[i].op));
			continue;
		}
		rq->out_len += MNL_ALIGN(nlh->nlmsg_len);
		b->hi = nlh->nlmsg_seq;
		b->res.sent++;
		b->outstanding++;
	}
	b = &rq->batches[bi];
	b->closed = true;
	if (!b->outstanding)
		batch_finish(rq, bi);
	return 0;
}
