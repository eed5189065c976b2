/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reaching into a running daemon's sockets (pidfd_getfd, Linux 5.6+): the
 * test holds the same open socket as the daemon, so it can take one of the
 * daemon's queued events away (a sequence gap) or shrink its receive buffer
 * (an overrun) without the daemon having a test-only knob.
 */
#ifndef ENI_GUEST_GRABFD_H
#define ENI_GUEST_GRABFD_H

#include <sys/types.h>

/*
 * A duplicate of pid's generic-netlink socket that has joined multicast
 * groups (enid's event socket): the new fd, -ENOENT if it has none, -EEXIST
 * if it has several, or another -errno.
 */
int grab_genl_event_socket(pid_t pid);

#endif
