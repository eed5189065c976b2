/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest side of the host-control protocol on the second serial port.
 * Guest -> host, one line each:
 *   HOST plug <id> <mac>     netdev_add + device_add virtio-net-pci
 *   HOST unplug <id>         device_del, wait DEVICE_DELETED, netdev_del
 *   MARK seen <id>           the LINK_ADD event for <id> just arrived
 * Host -> guest: DONE plug|unplug <id> ok   or   DONE ... <id> err <text>
 */
#ifndef ENI_GUEST_HOSTCTL_H
#define ENI_GUEST_HOSTCTL_H

#include <stdbool.h>
#include <stddef.h>

struct hostctl {
	int fd;
	char buf[4096];
	size_t len;
};

struct host_done {
	char verb[16];		/* "plug" or "unplug" */
	char id[64];
	bool ok;
	char err[256];		/* text after "err" */
};

/* $ENI_HOSTCTL, else /dev/ttyS1 */
const char *hostctl_path(void);
/* Opens the port raw, without echo: 0 or -errno. */
int hostctl_open(struct hostctl *h, const char *path);
void hostctl_close(struct hostctl *h);
int hostctl_plug(struct hostctl *h, const char *id, const char *mac);
int hostctl_unplug(struct hostctl *h, const char *id);
int hostctl_mark_seen(struct hostctl *h, const char *id);
/* Reads what is available without blocking: 0 or -errno. */
int hostctl_fill(struct hostctl *h);
/* Takes one complete line out of the buffer: 1, or 0 if none yet. */
int hostctl_next_line(struct hostctl *h, char *line, size_t len);
/* Waits for the DONE line of verb/id, ignoring others: 0, -ETIMEDOUT. */
int hostctl_wait_done(struct hostctl *h, const char *verb, const char *id,
		      int timeout_ms, struct host_done *d);

/* Pure: parses a "DONE ..." line; 0, or -EINVAL if it is not one. */
int hostctl_parse_done(const char *line, struct host_done *d);

#endif
