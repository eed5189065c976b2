/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers: monotonic clock, a growable string buffer, small files (JSON: json_out.h). */
#ifndef ENID_UTIL_H
#define ENID_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in microseconds. */
uint64_t now_us(void);
/* Arms timerfd fd to fire at at_us of now_us()'s clock (in the past: at once; 0 disarms)
 * unless *armed already says so; *armed becomes at_us. */
void timerfd_arm_at(int fd, uint64_t *armed, uint64_t at_us);
/* Reads a timerfd's expiry count (so it stops being readable). */
void timerfd_drain(int fd);

struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_free(struct sbuf *b);

/* The first line of a small file (sysctl, state file) into buf, without its newline;
 * never through a symlink. 0 or -errno. */
int file_read_line(const char *path, char *buf, size_t len);
/* Writes val to path, opened O_WRONLY | O_NOFOLLOW | flags (mode 0600 when created); a
 * short write is -EIO, a failing close is reported too. 0 or -errno. */
int file_write(const char *path, const char *val, int flags);

/*
 * State files under the run dir, written whole through "<path>.tmp": a stale tmp is
 * removed, the new one opened O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC (mode 0600) and
 * written, then moved into place, so a reader sees the old or the new file, never a part.
 * file_replace renames over path; file_create links, and is -EEXIST when path exists.
 * 0 or -errno.
 */
int file_replace(const char *path, const char *data, size_t len);
int file_create(const char *path, const char *data, size_t len);

#endif
