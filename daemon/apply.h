/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The applier: per loop turn, one pass over the link manager's links (links.h) that
 * (when needed) reads what the kernel holds with our protocol, deletes orphans and what
 * unplugged or changed links no longer want, and sends each link's plan (kdiff.h) as one
 * batch of rtnetlink requests through rtreq.h.
 */
#ifndef ENID_APPLY_H
#define ENID_APPLY_H

#include "links.h"

/* Opens the request socket (its ACKs read in d->loop) and the dump socket. 0 or -errno. */
int apply_open(struct links *d, int rcvbuf);
void apply_close(struct links *d);
/* Once per loop turn, after the events: everything due is sent. */
void apply_pass(struct links *d);
/* The main default route's link (lowest metric, not ours), or 0. */
int apply_find_primary(struct links *d);

#endif /* ENID_APPLY_H */
