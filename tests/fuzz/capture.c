// SPDX-License-Identifier: GPL-2.0
/*
 * Seed capture for the fuzz targets: asks the kernel for a dump and writes each
 * datagram it answers with, exactly as received, to DIR/PREFIX-N (at most MAX files,
 * each cut to no more than a whole number of messages within LIMIT bytes, so the
 * seeds stay small and every one is still what a real kernel sent).
 *   capture links|addrs|routes|rules|families DIR PREFIX [MAX [LIMIT]]
 * links..rules ask rtnetlink in the current namespace (tests/fuzz/capture.sh builds
 * one), families asks nlctrl. Exits 1 with a message naming what failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

static int die(const char *what)
{
	fprintf(stderr, "capture: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Bytes of the whole messages that fit in limit (at least the first one). */
static size_t whole(const char *buf, size_t len, size_t limit)
{
	size_t used = 0;

	while (used + sizeof(struct nlmsghdr) <= len) {
		const struct nlmsghdr *nlh = (const void *)(buf + used);
		size_t n = NLMSG_ALIGN(nlh->nlmsg_len);

		if (nlh->nlmsg_len < sizeof(*nlh) || used + n > len || (used && used + n > limit))
			break;
		used += n;
	}
	return used ? used : len;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	const char *what, *dir, *prefix;
	unsigned max, limit, n = 0;
	int bus = NETLINK_ROUTE, done = 0;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: capture links|addrs|routes|rules|families DIR PREFIX "
				"[MAX [LIMIT]]\n");
		return 2;
	}
	what = argv[1];
	dir = argv[2];
	prefix = argv[3];
	max = argc > 4 ? (unsigned)atoi(argv[4]) : 4;
	limit = argc > 5 ? (unsigned)atoi(argv[5]) : 2048;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	if (!strcmp(what, "links")) {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		nlh->nlmsg_type = RTM_GETLINK;
		ifi->ifi_family = AF_UNSPEC;
	} else if (!strcmp(what, "addrs")) {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		nlh->nlmsg_type = RTM_GETADDR;
		ifa->ifa_family = AF_UNSPEC;
	} else if (!strcmp(what, "routes") || !strcmp(what, "rules")) {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		nlh->nlmsg_type = what[1] == 'o' ? RTM_GETROUTE : RTM_GETRULE;
		rtm->rtm_family = AF_UNSPEC;
	} else if (!strcmp(what, "families")) {
		struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

		bus = NETLINK_GENERIC;
		nlh->nlmsg_type = GENL_ID_CTRL;
		g->cmd = CTRL_CMD_GETFAMILY;
		g->version = 1;
	} else {
		fprintf(stderr, "capture: %s: not links, addrs, routes, rules or families\n", what);
		return 2;
	}

	nl = mnl_socket_open(bus);
	if (!nl)
		die("netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("bind");
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("send dump request");
	while (!done) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *m;
		char path[4096];
		FILE *f;

		if (len < 0)
			die("receive");
		for (m = (void *)buf; mnl_nlmsg_ok(m, (int)(len - ((char *)m - buf)));
		     m = (void *)((char *)m + NLMSG_ALIGN(m->nlmsg_len)))
			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR)
				done = 1;
		if (n >= max)
			continue;
		snprintf(path, sizeof(path), "%s/%s-%u", dir, prefix, ++n);
		f = fopen(path, "w");
		if (!f || fwrite(buf, 1, whole(buf, (size_t)len, limit), f) == 0 || fclose(f))
			die(path);
	}
	mnl_socket_close(nl);
	return 0;
}
