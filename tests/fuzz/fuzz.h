/* SPDX-License-Identifier: GPL-2.0 */
/* What every libFuzzer target here shares. */
#ifndef ENI_FUZZ_H
#define ENI_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken promise: named on stderr, then abort(), which libFuzzer reports as a crash
 * with its input. */
#define check(ok) fuzz_check((ok), #ok, __FILE__, __LINE__)

static inline void fuzz_check(bool ok, const char *what, const char *file, int line)
{
	if (ok)
		return;
	fprintf(stderr, "broken promise at %s:%d: %s\n", file, line, what);
	abort();
}

/* The input in a malloc'ed buffer: aligned as a receive buffer is, and exactly size
 * bytes, so ASan sees any read past it. NULL when out of memory (skip the input). */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);

	if (buf)
		memcpy(buf, data, size);
	return buf;
}

/* A reason: empty on success, else printable and shorter than its buffer (cap). */
static inline void check_reason(const char *why, size_t cap, bool empty)
{
	size_t n = strnlen(why, cap);

	check(n < cap);
	check(empty ? n == 0 : n > 0);
	for (size_t i = 0; i < n; i++)
		check((unsigned char)why[i] >= 0x20 && (unsigned char)why[i] < 0x7f);
}

#endif /* ENI_FUZZ_H */
