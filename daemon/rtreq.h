/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rtnetlink request/ACK engine. Requests go out in batches, one per purpose (a link's
 * plan, a slot's cleanup, the orphan sweep); every request carries NLM_F_ACK, each answer
 * is counted by sequence number, and a batch is done once all of its requests are
 * answered: done() then gets its result. A delete answered ENOENT/ESRCH/EADDRNOTAVAIL is
 * done; an add answered EEXIST is done too but counted (the caller compares).
 */
#ifndef ENID_RTREQ_H
#define ENID_RTREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdiff.h"

struct mnl_socket;

enum batch_kind { BATCH_APPLY, BATCH_CLEANUP, BATCH_ORPHANS, BATCH_REPAIR, BATCH_HOST };

struct batch_result {
	enum batch_kind kind;
	int ifindex;
	unsigned int tag; /* the caller's, given to rtreq_submit */
	unsigned int sent, errors, eexist;
	char first_err[160];
};

struct batch; /* rtreq.c */

struct rtreq {
	struct mnl_socket *nl;
	uint32_t seq;
	char *out; /* requests not yet sent */
	size_t out_len;
	struct batch *batches;
	unsigned int n_batches, cap_batches;
	void (*done)(void *ctx, const struct batch_result *res);
	void *ctx;
};

/* Opens the socket (rcvbuf bytes for ACKs). 0 or -errno. */
int rtreq_open(struct rtreq *rq, int rcvbuf, void (*done)(void *ctx, const struct batch_result *),
	       void *ctx);
void rtreq_close(struct rtreq *rq);
int rtreq_fd(const struct rtreq *rq);
/* The socket's port: notifications caused by our own requests carry it. */
uint32_t rtreq_portid(const struct rtreq *rq);

/*
 * Queues the requests as one batch. done() may run before this returns (the kernel
 * answers within sendmsg). 0, or -ENOMEM (nothing queued).
 */
int rtreq_submit(struct rtreq *rq, enum batch_kind kind, int ifindex, unsigned int tag,
		 const struct kreqs *q);
/* Sends what is queued and counts the answers that came with it. */
void rtreq_flush(struct rtreq *rq);
/* Reads the socket's answers (the loop calls it when it is readable). */
void rtreq_read(struct rtreq *rq);
/* True while any batch waits for answers. */
bool rtreq_busy(const struct rtreq *rq);

#endif
