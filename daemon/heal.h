/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rate cap on healing: when others keep deleting what enid applied to a link, the
 * first HEAL_FREE heals in a window go at once, later ones wait 1 s, doubling up to
 * HEAL_MAX_US, so enid and another manager cannot loop. Pure.
 */
#ifndef ENID_HEAL_H
#define ENID_HEAL_H

#include <stdint.h>

#define HEAL_WINDOW_US 10000000ULL /* heals counted over 10 s */
#define HEAL_FREE      5	   /* heals at once per window */
#define HEAL_MAX_US    30000000ULL /* the longest wait */
#define HEAL_BURST_US  200000ULL   /* deletions this close to a burst's first are that burst */
#define HEAL_KEYS      64	   /* objects one burst remembers */

/* Per-link accounting (struct link holds one). */
struct heal {
	uint64_t window_start;
	uint64_t burst_start, burst_until; /* the burst being answered, and when */
	uint32_t keys[HEAL_KEYS];	   /* the objects it deleted (heal_key) */
	unsigned int n_keys;
	unsigned int in_window;
	unsigned int total;
	char by[64]; /* who undid it last: "pid 123 (systemd-network)" */
};

/*
 * Counts one heal at now (CLOCK_MONOTONIC us) for the deletion of object key; returns
 * how long to wait before it. What one process deletes in a burst (networkd's flush, an
 * ip -batch: different objects, within HEAL_BURST_US) is one heal however many
 * notifications it makes; the same object deleted again after it was put back is a new
 * heal, so a process that deletes as fast as enid restores is capped.
 */
uint64_t heal_delay(struct heal *h, uint64_t now, uint32_t key);

#endif
