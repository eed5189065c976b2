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
#include "loop.h"

struct mnl_socket;
struct enid;

struct kwatch {
	struct mnl_socket *nl;
	struct watch w;
	unsigned long long events; /* notifications about our state seen */
};

int kwatch_open(struct enid *d);
void kwatch_close(struct enid *d);

#endif
