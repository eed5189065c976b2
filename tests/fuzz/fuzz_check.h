/* SPDX-License-Identifier: GPL-2.0 */
/* The fuzz targets' assertions: abort() (a libFuzzer crash) when a promise is broken. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline void check(bool ok)
{
	if (!ok)
		abort();
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

#endif
