/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers: monotonic clock, a growable string buffer, JSON string escaping. */
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

#endif
