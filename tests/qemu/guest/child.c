// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "child.h"
#include "util.h"

static pid_t spawn(char *const argv[], int out_fd, int target)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid)
		return pid;
	/* The test may die by its timeout: take the daemon along. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (dup2(out_fd, target) < 0)
		_exit(127);
	{
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
	}
	execv(argv[0], argv);
	_exit(127);
}

int child_start(struct child *c, char *const argv[], bool capture_stdout)
{
	int p[2];

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->cap = 4096;
	c->out = calloc(1, c->cap);
	if (!c->out)
		return -ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c->pid = spawn(argv, p[1], capture_stdout ? 1 : 2);
	close(p[1]);
	if (c->pid < 0) {
		int err = -errno;

		close(p[0]);
		c->pid = 0;
		return err;
	}
	c->fd = p[0];
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

int child_drain(struct child *c)
{
	while (c->fd >= 0 && !c->eof) {
		ssize_t n;

		if (c->cap - c->len < 2048) {
			char *p = realloc(c->out, c->cap * 2);

			if (!p)
				return -ENOMEM;
			c->out = p;
			c->cap *= 2;
		}
		n = read(c->fd, c->out + c->len, c->cap - c->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			c->eof = true;
		c->len += (size_t)n;
		c->out[c->len] = '\0';
	}
	return 0;
}

long child_wait_for(struct child *c, const char *needle, size_t from,
		    int timeout_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		const char *hit;
		int err = child_drain(c);

		if (err)
			return err;
		hit = from <= c->len ? strstr(c->out + from, needle) : NULL;
		if (hit)
			return (long)(hit - c->out + (long)strlen(needle));
		if (c->eof)
			return -EPIPE;
		if (!ms_left(deadline))
			return -ETIMEDOUT;
		poll(&pfd, 1, ms_left(deadline));
	}
}

int child_count(const struct child *c, const char *needle, size_t from)
{
	const char *p = from <= c->len ? c->out + from : "";
	int n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	return n;
}

bool child_exited(struct child *c)
{
	if (!c->pid)
		return true;
	if (!c->reaped && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->reaped = true;
	return c->reaped;
}

/* Waits for pid to exit, up to timeout_ms, without polling in a loop. */
static int reap(pid_t pid, int *status, int timeout_ms)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		poll(&pfd, 1, timeout_ms);
		close(pidfd);
	}
	if (waitpid(pid, status, WNOHANG) == pid)
		return 0;
	kill(pid, SIGKILL);
	return waitpid(pid, status, 0) == pid ? 0 : -errno;
}

int child_stop(struct child *c, int timeout_ms)
{
	int err = 0;

	if (c->pid && !child_exited(c)) {
		kill(c->pid, SIGCONT);	/* a stopped daemon cannot take SIGTERM */
		kill(c->pid, SIGTERM);
		err = reap(c->pid, &c->status, timeout_ms);
		if (!err)
			c->reaped = true;
	}
	child_drain(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return err ? err : c->status;
}

void child_free(struct child *c)
{
	if (c->pid && !c->reaped)
		child_stop(c, 2000);
	free(c->out);
	c->out = NULL;
	c->pid = 0;
}

int run_capture(char *const argv[], char *out, size_t len, int timeout_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	struct child c;
	int err, status;

	err = child_start(&c, argv, true);
	if (err) {
		child_free(&c);
		return err;
	}
	while (!c.eof && ms_left(deadline)) {
		struct pollfd pfd = { .fd = c.fd, .events = POLLIN };

		poll(&pfd, 1, ms_left(deadline));
		err = child_drain(&c);
		if (err)
			break;
	}
	snprintf(out, len, "%s", c.out);
	err = reap(c.pid, &status, c.eof ? timeout_ms : 0);
	c.reaped = true;
	close(c.fd);
	c.fd = -1;
	child_free(&c);
	if (err)
		return err;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
