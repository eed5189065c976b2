/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keys of enid.conf's [global] and [MAC] sections: one parse function per key
 * that checks its value, stores it in the reader's config, and says what is wrong
 * with config_reader_error() at the key's line. Pure: no I/O.
 */
#ifndef ENID_CONFIG_KEYS_H
#define ENID_CONFIG_KEYS_H

#include <stdbool.h>

#include "config_read.h"

/* Ended by an entry whose name is NULL; at most CONFIG_READ_MAX_KEYS each. */
extern const struct config_key config_global_keys[];
extern const struct config_key config_eni_keys[];

#endif /* ENID_CONFIG_KEYS_H */
