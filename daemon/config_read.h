/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The enid.conf reader: sections and keys, as the INI adapter (config_ini.c) hands
 * them over, become a struct enid_config; every problem is collected as
 * "file:line: message". It knows the keys, their values and the checks across them
 * (bounds.h on each [MAC] section), nothing of how the text is split into lines.
 * Pure: no I/O.
 */
#ifndef ENID_CONFIG_READ_H
#define ENID_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define CONFIG_READ_MAX_KEYS  32
#define CONFIG_READ_MAX_FILES 64 /* the main file and its drop-ins */

enum config_section { CONFIG_SEC_NONE, CONFIG_SEC_GLOBAL, CONFIG_SEC_ENI, CONFIG_SEC_SKIP };

struct config_reader;

/* One key of a section: config_keys.c has the tables, the reader dispatches to them. */
struct config_key {
	const char *name;
	/* false after config_reader_error(); the value is not stored */
	bool (*parse)(struct config_reader *p, const char *key, const char *value);
	bool repeatable; /* may appear more than once in a section (address =) */
};

struct config_reader {
	const char *name;				 /* file name in messages */
	const char *files[CONFIG_READ_MAX_FILES];	 /* every file read so far */
	unsigned file;					 /* index of name in files */
	unsigned *eni_file;				 /* file of each cfg->enis[] */
	const struct config_key *global_keys, *eni_keys; /* ended by a NULL name */
	unsigned line;					 /* line being read */
	struct enid_config *cfg;
	struct config_errors *errs;
	unsigned long long *err_key; /* file << 32 | line of each error, to sort them */
	unsigned dropped;	     /* errors beyond ENID_MAX_ERRORS */
	bool oom;
	enum config_section sec;
	char sec_name[64]; /* for messages: "global" or the lower-case MAC */
	unsigned global_line;
	int eni;			     /* index in cfg->enis of the current [MAC] */
	unsigned seen[CONFIG_READ_MAX_KEYS]; /* line where each single-valued key was set */
	unsigned gw4_line;
	unsigned prefix_line[4]; /* ipv4_prefix_min, _max, ipv6_prefix_min, _max */
	unsigned prefix_file[4];
};

/* Starts reading into cfg (filled with the defaults by the caller; may be NULL when
 * only errors are to be collected); *errs is emptied. */
void config_reader_init(struct config_reader *r, const char *name, struct enid_config *cfg,
			struct config_errors *errs, const struct config_key *global_keys,
			const struct config_key *eni_keys);
/* The next file of the set (a drop-in; name stays valid until close): it starts
 * outside any section; [global] may appear again, its keys override; a [MAC]
 * section already seen in an earlier file is an error. */
void config_reader_next_file(struct config_reader *r, const char *name);
/* A "[name]" header at line (name not NUL-terminated, blanks around it allowed). */
void config_reader_section(struct config_reader *r, unsigned line, const char *name, size_t len);
/* "key = value" at line. */
void config_reader_key(struct config_reader *r, unsigned line, const char *key, const char *value);
/* An error found by the caller; line 0: about the whole file ("file: message").
 * Bytes that are not printable ASCII are escaped as \xHH in the message. */
void config_reader_error(struct config_reader *r, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The text is read (complete: the INI parser did not fail): the last section ends
 * and the checks across keys run. 0, or -ENOMEM. */
int config_reader_finish(struct config_reader *r, bool complete);
/* Ends with err (0, or how reading failed): errors sorted by line, "N more errors";
 * returns err, else -EINVAL when an error was collected, else 0. */
int config_reader_close(struct config_reader *r, int err);

#endif /* ENID_CONFIG_READ_H */
