/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket (ctl_proto.h): accepts clients, reads one request each, answers it
 * through ctl_ops and closes. It owns the listening socket and its clients; what the
 * requests do is the daemon's (enid.c wires the ops).
 */
#ifndef ENID_CTL_H
#define ENID_CTL_H

#include <stdbool.h>

#include "loop.h"

struct sbuf;
struct ctl_client;

struct ctl_ops {
	void (*status)(void *ctx, bool json, struct sbuf *out);
	/* 0, or -errno with every error in *msgs (malloc'd text) */
	int (*reload)(void *ctx, char **msgs);
	/* >= 0 links refreshed, or -errno; one line per link (or the reason) into out */
	int (*refresh)(void *ctx, const char *what, struct sbuf *out);
	void (*resync)(void *ctx, const char *why);
	/* removes everything enid added, then enid exits: 0, or how many objects are
	 * left or -errno; what was done into out */
	int (*flush)(void *ctx, struct sbuf *out);
	void *ctx;
};

struct ctl {
	const struct ctl_ops *ops;
	struct loop *loop;
	const char *run_dir;
	int fd; /* -1 = closed */
	struct watch w;
	struct ctl_client *clients;
};

/* Creates run_dir (checked: ours, 0755) and listens on run_dir/enid.sock. 0 or -errno. */
int ctl_open(struct ctl *c, struct loop *loop, const char *run_dir, const struct ctl_ops *ops);
void ctl_close(struct ctl *c);

#endif /* ENID_CTL_H */
