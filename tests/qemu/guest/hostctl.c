// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hostctl.h"
#include "util.h"

const char *hostctl_path(void)
{
	const char *p = getenv("ENI_HOSTCTL");

	return p && *p ? p : "/dev/ttyS1";
}

int hostctl_open(struct hostctl *h, const char *path)
{
	struct termios t;

	memset(h, 0, sizeof(*h));
	h->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (h->fd < 0)
		return -errno;
	/* A pipe or socket (host-side tests) has no termios: fine. */
	if (tcgetattr(h->fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(h->fd, TCSANOW, &t);
	}
	return 0;
}

void hostctl_close(struct hostctl *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

static int send_line(struct hostctl *h, const char *fmt, ...)
{
	char line[256];
	size_t off = 0, len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -EINVAL;
	len = (size_t)n;
	line[len++] = '\n';
	/* One write per line so test output never splits it. */
	while (off < len) {
		ssize_t w = write(h->fd, line + off, len - off);

		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = h->fd, .events = POLLOUT };

			poll(&pfd, 1, 1000);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

int hostctl_plug(struct hostctl *h, const char *id, const char *mac)
{
	return send_line(h, "HOST plug %s %s", id, mac);
}

int hostctl_unplug(struct hostctl *h, const char *id)
{
	return send_line(h, "HOST unplug %s", id);
}

int hostctl_mark_seen(struct hostctl *h, const char *id)
{
	return send_line(h, "MARK seen %s", id);
}

int hostctl_fill(struct hostctl *h)
{
	for (;;) {
		ssize_t r;

		if (h->len == sizeof(h->buf)) {
			h->len = 0;	/* a line this long is noise: drop it */
		}
		r = read(h->fd, h->buf + h->len, sizeof(h->buf) - h->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		h->len += (size_t)r;
	}
}

int hostctl_next_line(struct hostctl *h, char *line, size_t len)
{
	char *nl = memchr(h->buf, '\n', h->len);
	size_t n, take;

	if (!nl)
		return 0;
	n = (size_t)(nl - h->buf);
	take = n < len - 1 ? n : len - 1;
	memcpy(line, h->buf, take);
	line[take] = '\0';
	if (take && line[take - 1] == '\r')
		line[take - 1] = '\0';
	memmove(h->buf, nl + 1, h->len - n - 1);
	h->len -= n + 1;
	return 1;
}

int hostctl_parse_done(const char *line, struct host_done *d)
{
	char status[8];
	int off = 0;

	memset(d, 0, sizeof(*d));
	if (sscanf(line, "DONE %15s %63s %7s %n", d->verb, d->id, status,
		   &off) < 3)
		return -EINVAL;
	if (!strcmp(status, "ok")) {
		d->ok = true;
		return 0;
	}
	if (strcmp(status, "err"))
		return -EINVAL;
	snprintf(d->err, sizeof(d->err), "%s", off ? line + off : "");
	return 0;
}

int hostctl_wait_done(struct hostctl *h, const char *verb, const char *id,
		      int timeout_ms, struct host_done *d)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	char line[512];
	int err;

	for (;;) {
		struct pollfd pfd = { .fd = h->fd, .events = POLLIN };

		while (hostctl_next_line(h, line, sizeof(line)))
			if (!hostctl_parse_done(line, d) &&
			    !strcmp(d->verb, verb) && !strcmp(d->id, id))
				return 0;
		if (!ms_left(deadline))
			return -ETIMEDOUT;
		poll(&pfd, 1, ms_left(deadline));
		err = hostctl_fill(h);
		if (err)
			return err;
	}
}
