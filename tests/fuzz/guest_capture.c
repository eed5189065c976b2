// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in a qemu guest (tests/fuzz/capture-guest.sh) with eni_notify loaded for veth:
 * records what the module really sends. Prints each datagram as one line
 *   # seed <target>/<name> <hex>
 * on stdout (the host's ttyS1), and a TAP line at the end: the nlctrl answer for
 * eni_notify (genl_ctrl seed), then the events of a veth pair added, its MTU, MAC and
 * name changed, a dump (GET replies) and the pair deleted (eni_msg seeds, one message
 * each; the dump's datagram also goes to nl_walk).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#include "eni_msg.h"
#include "genl_ctrl.h"

static char buf[1 << 16];

static void fail(const char *what)
{
	printf("not ok 1 capture eni_notify messages: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void seed(const char *name, const void *p, size_t len)
{
	const unsigned char *b = p;

	printf("# seed %s ", name);
	for (size_t i = 0; i < len; i++)
		printf("%02x", b[i]);
	printf("\n");
	fflush(stdout);
}

/* Waits up to ms for one datagram; its length, or 0 on timeout. */
static size_t recv_one(struct mnl_socket *nl, int ms)
{
	struct pollfd p = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		fail("receive");
	return (size_t)n;
}

/* Every eni_notify message of the datagram, one seed each, named by its command. */
static unsigned int seed_events(size_t len, unsigned int n)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = (int)len;
	char name[64];

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		snprintf(name, sizeof(name), "eni_msg/guest-%s-%u", eni_cmd_name(g->cmd), ++n);
		seed(name, nlh, nlh->nlmsg_len);
	}
	return n;
}

static void run(const char *cmd)
{
	if (system(cmd) != 0) {
		errno = EIO;
		fail(cmd);
	}
}

int main(void)
{
	static const char *const steps[] = {
		"ip link add eni0 address 00:16:3e:0a:0b:0c type veth peer name eni1",
		"ip link set eni0 mtu 9000",
		"ip link set eni0 address 00:16:3e:0a:0b:0d",
		"ip link set eni0 name eni9",
	};
	struct mnl_socket *ev, *req;
	struct genl_family_info fi;
	unsigned int n = 0, group, portid;
	struct nlmsghdr *nlh;
	char rq[256];
	size_t len;

	req = mnl_socket_open(NETLINK_GENERIC);
	ev = mnl_socket_open(NETLINK_GENERIC);
	if (!req || !ev || mnl_socket_bind(req, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(ev, 0, MNL_SOCKET_AUTOPID) < 0)
		fail("generic netlink sockets");
	portid = mnl_socket_get_portid(req);

	nlh = genl_ctrl_build_getfamily(rq, sizeof(rq), ENI_NOTIFY_FAMILY_NAME, 1);
	if (!nlh || mnl_socket_sendto(req, nlh, nlh->nlmsg_len) < 0)
		fail("GETFAMILY eni_notify");
	len = recv_one(req, 2000);
	if (!len || genl_ctrl_parse((const void *)buf, &fi) != 0)
		fail("nlctrl answer for eni_notify");
	seed("genl_ctrl/guest-eni_notify", buf, len);
	group = genl_ctrl_group(&fi, "events");
	if (!group || mnl_socket_setsockopt(ev, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		fail("join eni_notify events");
	while (recv_one(req, 200)) /* the ACK */
		;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		run(steps[i]);
		while ((len = recv_one(ev, 1000)))
			n = seed_events(len, n);
	}

	nlh = eni_msg_build_dump(rq, sizeof(rq), fi.id, 2);
	if (!nlh || mnl_socket_sendto(req, nlh, nlh->nlmsg_len) < 0)
		fail("eni_notify dump");
	for (unsigned int i = 1; (len = recv_one(req, 1000)); i++) {
		char name[64];

		snprintf(name, sizeof(name), "nl_walk/guest-eni-dump-%u", i);
		seed(name, buf, len);
		n = seed_events(len, n);
	}

	run("ip link del eni9");
	while ((len = recv_one(ev, 1000)))
		n = seed_events(len, n);
	printf("ok 1 capture eni_notify messages (%u messages, portid %u)\n", n, portid);
	return 0;
}
