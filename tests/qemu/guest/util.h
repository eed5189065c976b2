/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the in-guest tests: clocks, MAC text, deadlines. */
#ifndef ENI_GUEST_UTIL_H
#define ENI_GUEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENI_MAC_MAX 32		/* MAX_ADDR_LEN */
#define ENI_MAC_TEXT (ENI_MAC_MAX * 3)

/* Prefix of every link the tests create, so a later test can clean up. */
#define TEST_LINK_PREFIX "enit"

uint64_t mono_ns(void);

/* Milliseconds left until deadline_ns (CLOCK_MONOTONIC), never negative. */
int ms_left(uint64_t deadline_ns);

/* "aa:bb:..." of len bytes; returns buf. */
char *mac_text(const uint8_t *mac, size_t len, char *buf, size_t buflen);

/* Parses "aa:bb:cc:dd:ee:ff" into 6 bytes; 0 or -EINVAL. */
int mac_parse(const char *text, uint8_t mac[6]);

bool mem_is_zero(const void *p, size_t len);

/* Reads a small text file into buf (trailing newline stripped); 0 or -errno. */
int read_text_file(const char *path, char *buf, size_t len);

#endif
