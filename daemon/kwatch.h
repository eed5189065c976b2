/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping what enid applied in place: a socket on the rtnetlink rule, route and address
 * groups. When another process deletes a rule, a table route, a main
 * route or an address of a configured ENI, that link's plan is applied again at once;
 * bursts coalesce into one apply per loop turn, and a link undone over and over is
 * healed ever later (heal.h), so two managers cannot loop. Who did it is kept for status.
 */
#ifndef ENID_KWATCH_H
#define ENID_KWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "heal.h"
#include "kstate.h"
#include "loop.h"

struct mnl_socket;
struct enid;

struct kwatch {
	struct mnl_socket *nl;
	struct watch w;
	unsigned long long events; /* notifications about our state seen */
	/* anyone else's rules and routes inside our ranges, for choosing a slot without a dump */
	struct kstate foreign;
	bool stale; /* notifications lost: rebuild foreign from the next full snapshot */
};

int kwatch_open(struct enid *d);
void kwatch_close(struct enid *d);
/* After a full snapshot (d->ks): foreign occupants as the kernel has them. */
void kwatch_sync(struct enid *d);

#endif
