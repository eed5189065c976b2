/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address record (owned.h) in <run_dir>/addresses, so a restart keeps it. */
#ifndef ENID_OWNED_FILE_H
#define ENID_OWNED_FILE_H

#include "owned.h"

/* Reads the file (missing = empty; bad lines skipped with a warning). */
void owned_load(struct owned *o, const char *run_dir);
/* Writes the file (atomically) when anything changed since the last call. */
int owned_sync(struct owned *o);

#endif
