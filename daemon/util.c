// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

#include "log.h"
#include "util.h"

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void timerfd_arm_at(int fd, uint64_t *armed, uint64_t at_us)
{
	struct itimerspec its = {0};

	if (*armed == at_us)
		return;
	*armed = at_us;
	its.it_value.tv_sec = (time_t)(at_us / 1000000u);
	its.it_value.tv_nsec = (long)(at_us % 1000000u) * 1000;
	timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void timerfd_drain(int fd)
{
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_debug("timerfd: %m");
}

static int sbuf_reserve(struct sbuf *b, size_t more)
{
	size_t need = b->len + more + 1, ncap;
	char *p;

	if (b->oom)
		return -1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	p = realloc(b->s, ncap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->s = p;
	b->cap = ncap;
	return 0;
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

int file_read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int file_write(const char *path, const char *val, int flags)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | flags, 0600);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(val))
		err = -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

/* Writes data to a fresh tmp file (a stale one is removed first). 0 or -errno. */
static int tmp_write(const char *tmp, const char *data, size_t len)
{
	int fd, err = 0;

	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (len && !err) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static int file_store(const char *path, const char *data, size_t len, bool replace)
{
	char tmp[PATH_MAX];
	int err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	err = tmp_write(tmp, data, len);
	if (!err && (replace ? rename(tmp, path) : link(tmp, path)) < 0)
		err = -errno;
	/* after link() the tmp name is still there; after a failure, a partial file */
	if (err || !replace)
		unlink(tmp);
	return err;
}

int file_replace(const char *path, const char *data, size_t len)
{
	return file_store(path, data, len, true);
}

int file_create(const char *path, const char *data, size_t len)
{
	return file_store(path, data, len, false);
}
