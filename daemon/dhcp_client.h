/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DHCPv4 clients in enid's epoll loop, one per ENI addressed by DHCP: the state machine
 * (dhcp_fsm.h) carried out with the codec (dhcp_msg.h). While a transaction runs the ENI
 * has a packet socket (AF_PACKET, SOCK_DGRAM, ETH_P_IP, bound to its ifindex, a BPF
 * filter passing UDP to port 68 only); IPv4 and UDP headers are built here (the ENI
 * may have no address yet). During the ARP probe a second packet socket (ETH_P_ARP)
 * watches for conflicts. BOUND holds no socket and no timer but the lease's next one
 * (T1): the clients' earliest timer is folded into enid's one timerfd, so an ENI
 * between renewals never wakes enid. A link without carrier when its client starts is
 * watched (rtnetlink link group, only while some client waits) and asked again the
 * moment carrier comes. Leases are remembered per MAC in
 * <run_dir>/dhcp-leases, so a MAC seen before starts in INIT-REBOOT (one round trip).
 * Nothing of DNS is read or applied: enid never touches resolv.conf.
 */
#ifndef ENID_DHCP_CLIENT_H
#define ENID_DHCP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp_fsm.h"
#include "loop.h"

#define DHCP_LEASES_FILE "dhcp-leases"

struct dhcp_client;
struct mnl_socket;

struct dhcp_clients {
	struct loop *loop;
	const char *run_dir;
	/* ifindex's lease came, changed or went (dhcp_client_lease tells which) */
	void (*changed)(void *ctx, int ifindex);
	void *ctx;
	uint32_t lease_max_s; /* config dhcp_lease_max */
	struct dhcp_client **v;
	unsigned n;
	/* stopped during this loop batch, freed after it (an event of theirs may still be
	 * in the batch) */
	struct dhcp_client *stopped;
	/* link notifications while a client waits for carrier (a DISCOVER sent without
	 * it is lost: it goes again the moment carrier comes) */
	struct mnl_socket *carrier_nl;
	struct watch carrier_w;
};

/* Starts a client on ifindex (brings the link up); 0 when it runs already, or -errno. */
int dhcp_client_start(struct dhcp_clients *c, int ifindex, const char *ifname,
		      const uint8_t mac[6]);
/*
 * addressing = auto with the metadata answering: one DHCP exchange on ifindex (DISCOVER
 * until an OFFER, DHCP_CHECK_TRIES at most; nothing applied, no lease kept, no timer
 * after it) whose offer must be expect, the metadata's primary address: a disagreement
 * is logged and shown by dhcp_client_describe ("check: ... disagrees with ..."). A
 * lease client running on ifindex is replaced; a check done is compared again when
 * expect changes. 0 or -errno.
 */
int dhcp_client_check(struct dhcp_clients *c, int ifindex, const char *ifname, const uint8_t mac[6],
		      struct in_addr expect);
/* Stops it: sockets closed, lease kept in the leases file (no RELEASE). */
void dhcp_client_stop(struct dhcp_clients *c, int ifindex);
void dhcp_clients_free(struct dhcp_clients *c);
/* After each loop batch: frees the clients stopped during it. */
void dhcp_clients_idle(struct dhcp_clients *c);
bool dhcp_client_running(const struct dhcp_clients *c, int ifindex);

/* The lease held, NULL when none; why says what the client is doing. */
const struct dhcp_lease *dhcp_client_lease(const struct dhcp_clients *c, int ifindex);
const char *dhcp_client_why(const struct dhcp_clients *c, int ifindex);

/* The earliest client timer (0 = none), and running the ones due. */
uint64_t dhcp_clients_next_timer(const struct dhcp_clients *c);
void dhcp_clients_timer(struct dhcp_clients *c, uint64_t now);

/* For status: "bound 10.88.0.21/24 from 10.88.0.253, renew in 55 s, ...", or -ENOENT. */
int dhcp_client_describe(const struct dhcp_clients *c, int ifindex, uint64_t now, char *buf,
			 size_t len);

#endif /* ENID_DHCP_CLIENT_H */
