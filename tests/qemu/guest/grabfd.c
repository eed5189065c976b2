// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/netlink.h>

#include "grabfd.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Is fd a NETLINK_GENERIC socket with at least one group joined? */
static int genl_with_groups(int fd)
{
	uint32_t groups[64] = { 0 };
	socklen_t len = sizeof(int);
	int domain = 0, proto = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    domain != AF_NETLINK)
		return 0;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 ||
	    proto != NETLINK_GENERIC)
		return 0;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len) < 0)
		return 0;
	for (size_t i = 0; i < len / sizeof(groups[0]) && i < 64; i++)
		if (groups[i])
			return 1;
	return 0;
}

int grab_genl_event_socket(pid_t pid)
{
	char dir[64], path[384], link[64];
	int pidfd, found = -ENOENT;
	struct dirent *de;
	DIR *d;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d) {
		found = -errno;
		close(pidfd);
		return found;
	}
	while ((de = readdir(d))) {
		ssize_t n;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:[", 8))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0) {
			if (found == -ENOENT)
				found = -errno;
			continue;
		}
		if (!genl_with_groups(fd)) {
			close(fd);
			continue;
		}
		if (found >= 0) {
			close(fd);
			close(found);
			found = -EEXIST;
			break;
		}
		found = fd;
	}
	closedir(d);
	close(pidfd);
	return found;
}
