// SPDX-License-Identifier: GPL-2.0
/*
 * bench/floor: the kernel's own price for what enid does to a burst of ENIs. It plans the
 * same links the same way (the daemon's link_plan(), host_plan() and kdiff, linked from
 * build/daemon/obj/libenid.a), builds the same rtnetlink requests, and sends them all
 * through one socket in as few sendmsg() calls as fit, with no daemon logic between: no
 * events, no dumps, no state machine. Prints the requests, the failures and the makespan
 * (first send to last ACK).
 *   floor CONFIG IFNAME...   (the links exist and carry their config's MACs; run in their
 *                             network namespace; slots are given in argument order)
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

#include "config.h"
#include "kdiff.h"
#include "owned.h"
#include "plan.h"
#include "rtnl_msg.h"

#define SEND_CHUNK (60 * 1024)

static uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static int mac_of(const char *ifname, uint8_t mac[6])
{
	char path[128], text[32];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(text, sizeof(text), f) && (text[strcspn(text, "\n")] = '\0', mac_parse(text, mac));
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static struct plan plan;
	static struct host_plan host;
	static struct owned own;
	static struct enid_ip nets[ENID_MAX_SLOTS * ENID_MAX_ADDRS];
	struct config_errors errs;
	struct enid_config cfg;
	struct kreqs q = {0};
	struct mnl_socket *nl;
	char *buf, ack[MNL_SOCKET_BUFFER_SIZE];
	size_t len = 0, n_reqs, acked = 0, failed = 0;
	unsigned int n_nets = 0;
	uint64_t t0, t1;

	if (argc < 3) {
		fprintf(stderr, "usage: floor CONFIG IFNAME...\n");
		return 2;
	}
	if (config_load(argv[1], &cfg, &errs)) {
		for (unsigned int i = 0; i < errs.n; i++)
			fprintf(stderr, "floor: %s\n", errs.msg[i]);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		struct link_facts f = {.ifindex = (int)if_nametoindex(argv[i])};
		struct addressing a;

		snprintf(f.ifname, sizeof(f.ifname), "%s", argv[i]);
		snprintf(f.driver, sizeof(f.driver), "veth");
		if (!f.ifindex || mac_of(argv[i], f.mac) || addressing_from_config(&cfg, f.mac, &a) ||
		    link_plan(&cfg, &f, &a, (unsigned int)(i - 1), &plan)) {
			fprintf(stderr, "floor: %s: no link, MAC or plan (%s)\n", argv[i], plan.why);
			return 1;
		}
		for (unsigned int k = 0; k < a.n_addrs; k++)
			nets[n_nets++] = a.addrs[k];
		kdiff_apply(&cfg, &plan, NULL, &own, &q);
	}
	/* the dispatch goes first, as enid sends it before any ENI's batch */
	host_plan(&cfg, nets, n_nets, NULL, 0, &host);
	{
		struct kreqs h = {0};

		kdiff_host(&cfg, &host, &(struct kstate){0}, &h);
		n_reqs = h.n + q.n;
		buf = malloc(n_reqs * RTNL_MSG_MAX);
		if (!buf)
			return 1;
		for (size_t i = 0; i < h.n + q.n; i++) {
			const struct kreq *r = i < h.n ? &h.v[i] : &q.v[i - h.n];
			struct nlmsghdr *nlh = kreq_build(buf + len, RTNL_MSG_MAX, (uint32_t)i + 1, r);

			if (!nlh) {
				fprintf(stderr, "floor: request %zu does not build\n", i);
				return 1;
			}
			len += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		kreqs_free(&h);
	}
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("floor: netlink");
		return 1;
	}
	{
		int rcv = 16 * 1024 * 1024;

		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	}
	t0 = now_us();
	for (size_t off = 0; off < len;) {
		size_t chunk = 0;

		/* whole messages up to SEND_CHUNK bytes per sendmsg, as rtreq does */
		while (off + chunk < len) {
			const struct nlmsghdr *m = (const void *)(buf + off + chunk);
			size_t l = NLMSG_ALIGN(m->nlmsg_len);

			if (chunk && chunk + l > SEND_CHUNK)
				break;
			chunk += l;
		}
		if (mnl_socket_sendto(nl, buf + off, chunk) < 0) {
			perror("floor: sendto");
			return 1;
		}
		off += chunk;
		/* read what is answered so far, so the receive buffer never overflows */
		while (acked < n_reqs) {
			ssize_t got = recv(mnl_socket_get_fd(nl), ack, sizeof(ack),
					   off < len ? MSG_DONTWAIT : 0);
			int r = (int)got;

			if (got <= 0)
				break;
			for (struct nlmsghdr *h = (void *)ack; mnl_nlmsg_ok(h, r);
			     h = mnl_nlmsg_next(h, &r)) {
				if (h->nlmsg_type != NLMSG_ERROR)
					continue;
				acked++;
				failed += ((struct nlmsgerr *)mnl_nlmsg_get_payload(h))->error != 0;
			}
		}
	}
	t1 = now_us();
	printf("requests %zu failed %zu makespan_us %llu\n", n_reqs, failed,
	       (unsigned long long)(t1 - t0));
	free(buf);
	kreqs_free(&q);
	config_free(&cfg);
	mnl_socket_close(nl);
	return failed ? 1 : 0;
}
