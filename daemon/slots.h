/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Slots: a small integer per managed ENI (lowest free >= 1), keyed by MAC and kept in
 * <run_dir>/slots ("aa:bb:cc:dd:ee:ff N" per line) so a restarted daemon keeps them.
 */
#ifndef ENID_SLOTS_H
#define ENID_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct slots {
	char path[4096];
	struct {
		uint8_t mac[6];
		bool used;
	} s[ENID_MAX_SLOTS + 1]; /* index = slot; [0] unused */
	bool dirty;		 /* changed since the last save */
};

/* Reads the file (missing = empty; bad lines skipped with a warning). */
void slots_load(struct slots *sl, const char *run_dir);
/* The MAC's slot, or 0. */
unsigned int slots_find(const struct slots *sl, const uint8_t mac[6]);
/* The MAC's slot, else the lowest free one for which usable() (NULL: any) is true; 0 when
 * none is left. */
unsigned int slots_get(struct slots *sl, const uint8_t mac[6],
		       bool (*usable)(unsigned int slot, void *ctx), void *ctx);
void slots_free(struct slots *sl, unsigned int slot);
/* Writes the file (atomically) when anything changed since the last call. */
int slots_sync(struct slots *sl);

#endif
