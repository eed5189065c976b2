/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Child processes whose output the test reads as it comes (enid's log on
 * stderr, `enictl monitor` on stdout), and one-shot commands (enictl status).
 * A child gets SIGTERM when the test process dies, so a test killed by its
 * timeout leaves no daemon behind.
 */
#ifndef ENI_GUEST_CHILD_H
#define ENI_GUEST_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct child {
	pid_t pid;		/* 0: none */
	int fd;			/* read end of the captured output, -1: none */
	char *out;		/* everything read so far, NUL-terminated */
	size_t len, cap;
	bool eof;
	int status;		/* waitpid status once reaped */
	bool reaped;
};

/* Starts argv[0] (a path) with stdout (capture_stdout) or stderr captured,
 * the other one going to ours, stdin from /dev/null. 0 or -errno. */
int child_start(struct child *c, char *const argv[], bool capture_stdout);
/* Reads what is available without blocking; 0 or -errno. */
int child_drain(struct child *c);
/*
 * Waits until needle occurs in the output at or after offset from; returns
 * the offset just past the match, -ETIMEDOUT, or -EPIPE when the output
 * ended (the child exited) without it.
 */
long child_wait_for(struct child *c, const char *needle, size_t from,
		    int timeout_ms);
/* Occurrences of needle in the output from offset from on (already read). */
int child_count(const struct child *c, const char *needle, size_t from);
/* Has the child exited? (reaps it if so, without waiting) */
bool child_exited(struct child *c);
/* SIGTERM, wait up to timeout_ms, then SIGKILL; drains, reaps, closes.
 * Returns the exit status (waitpid form) or -errno. */
int child_stop(struct child *c, int timeout_ms);
void child_free(struct child *c);

/*
 * Runs argv to its end (at most timeout_ms, then SIGKILL), stdout into out
 * (NUL-terminated, truncated to len), stderr to ours. Returns the exit code
 * (0..255), 128+signal, or -errno.
 */
int run_capture(char *const argv[], char *out, size_t len, int timeout_ms);

#endif
