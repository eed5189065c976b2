/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers: monotonic clock, a growable string buffer, JSON string escaping, small files. */
#ifndef ENID_UTIL_H
#define ENID_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in microseconds. */
uint64_t now_us(void);

struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes included). */
void sbuf_json_str(struct sbuf *b, const char *s);
void sbuf_free(struct sbuf *b);

/* The first line of a small file (sysctl, state file) into buf, without its newline.
 * 0 or -errno. */
int file_read_line(const char *path, char *buf, size_t len);
/* Writes val to path, opened O_WRONLY | flags (mode 0600 when created); a short write is
 * -EIO, a failing close is reported too. 0 or -errno. */
int file_write(const char *path, const char *val, int flags);

#endif
