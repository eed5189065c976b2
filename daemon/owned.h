/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The addresses enid put on each slot's ENI. Addresses cannot carry our mark on every
 * kernel (IFA_PROTO exists only since 5.18; 5.10 drops it silently), so ownership of an
 * address is this record, kept in a file (owned_file.h) written before the kernel gets an
 * address, so a restarted daemon knows what it may delete. Pure.
 */
#ifndef ENID_OWNED_H
#define ENID_OWNED_H

#include <stdbool.h>

#include "config.h"

struct owned {
	char path[4096];
	struct {
		struct enid_ip *ips;
		unsigned int n, cap;
	} s[ENID_MAX_SLOTS + 1]; /* index = slot */
	bool dirty;		 /* changed since the last save */
};

void owned_free(struct owned *o);
/* True when the slot's record holds this address (and prefix length). */
bool owned_has(const struct owned *o, unsigned int slot, const struct enid_ip *ip);
/* Adds to the slot's record what it lacks. 0 or -ENOMEM. */
int owned_add(struct owned *o, unsigned int slot, const struct enid_ip *ip);
/* Keeps only the addresses for which keep() is true. */
void owned_filter(struct owned *o, unsigned int slot,
		  bool (*keep)(const struct enid_ip *ip, const void *ctx), const void *ctx);
void owned_clear(struct owned *o, unsigned int slot);

#endif
