// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "util.h"

static const char *const trouble[] = {
	"WARNING:", "BUG:", "Oops", "Call Trace", "general protection",
	"unregister_netdevice: waiting for", "kernel NULL pointer",
	"refcount_t:", "list_add corruption", "list_del corruption",
};

int kmsg_open(struct kmsg *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(k->fd);
		k->fd = -1;
		return err;
	}
	return 0;
}

void kmsg_close(struct kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	for (int i = 0; i < k->n; i++)
		free(k->lines[i]);
	free(k->lines);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

bool kmsg_record_text(const char *rec, char *text, unsigned long len)
{
	const char *semi = strchr(rec, ';');
	const char *nl;
	size_t n;

	if (!semi || !len)
		return false;
	semi++;
	nl = strchr(semi, '\n');	/* dictionary lines follow it */
	n = nl ? (size_t)(nl - semi) : strlen(semi);
	if (n >= len)
		n = len - 1;
	memcpy(text, semi, n);
	text[n] = '\0';
	return true;
}

static void keep(struct kmsg *k, const char *text)
{
	if (k->n == k->cap) {
		int cap = k->cap ? k->cap * 2 : 256;
		char **l = realloc(k->lines, (size_t)cap * sizeof(*l));

		if (!l)
			return;
		k->lines = l;
		k->cap = cap;
	}
	k->lines[k->n] = strdup(text);
	if (k->lines[k->n])
		k->n++;
}

int kmsg_drain(struct kmsg *k)
{
	char rec[8192], text[1024];

	for (;;) {
		ssize_t r = read(k->fd, rec, sizeof(rec) - 1);

		if (r < 0 && errno == EPIPE)
			continue;	/* records overwritten: go on */
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		rec[r] = '\0';
		if (kmsg_record_text(rec, text, sizeof(text)))
			keep(k, text);
	}
	return k->n;
}

static int find_prefix(const struct kmsg *k, const char *prefix, int from)
{
	for (int i = from; i < k->n; i++)
		if (!strncmp(k->lines[i], prefix, strlen(prefix)))
			return i;
	return -1;
}

int kmsg_wait_prefix(struct kmsg *k, const char *prefix, int timeout_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	int seen = 0;

	for (;;) {
		struct pollfd pfd = { .fd = k->fd, .events = POLLIN };
		int i;

		kmsg_drain(k);
		i = find_prefix(k, prefix, seen);
		if (i >= 0)
			return i;
		seen = k->n;
		if (!ms_left(deadline))
			return -ETIMEDOUT;
		poll(&pfd, 1, ms_left(deadline));
	}
}

int kmsg_count_prefix(const struct kmsg *k, const char *prefix)
{
	int n = 0;

	for (int i = 0; i < k->n; i++)
		n += !strncmp(k->lines[i], prefix, strlen(prefix));
	return n;
}

int kmsg_count_substr(const struct kmsg *k, const char *needle)
{
	int n = 0;

	for (int i = 0; i < k->n; i++)
		n += strstr(k->lines[i], needle) != NULL;
	return n;
}

const char *kmsg_first_trouble(const struct kmsg *k)
{
	for (int i = 0; i < k->n; i++)
		for (size_t t = 0; t < sizeof(trouble) / sizeof(trouble[0]); t++)
			if (strstr(k->lines[i], trouble[t]))
				return k->lines[i];
	return NULL;
}
