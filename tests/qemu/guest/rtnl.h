/* SPDX-License-Identifier: GPL-2.0 */
/* rtnetlink link operations the tests drive, and the kernel's view of a link. */
#ifndef ENI_GUEST_RTNL_H
#define ENI_GUEST_RTNL_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "util.h"

struct mnl_socket;

struct rtnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char errmsg[256];	/* extended ACK text of the last failure */
};

/* What RTM_GETLINK says about a link. */
struct rtnl_link {
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[ENI_MAC_MAX];
	uint16_t mac_len;
	uint8_t perm_mac[ENI_MAC_MAX];
	uint16_t perm_mac_len;	/* 0 when the kernel sent no IFLA_PERM_ADDRESS */
	uint32_t mtu;
	char kind[32];		/* IFLA_INFO_KIND, "" if none */
};

int rtnl_open(struct rtnl *r);
void rtnl_close(struct rtnl *r);

/* Creates a link of rtnl kind ("dummy", "bridge"); mac may be NULL. */
int link_add(struct rtnl *r, const char *kind, const char *name,
	     const uint8_t *mac, int *ifindex);
int link_add_veth(struct rtnl *r, const char *name, const char *peer,
		  int *ifindex);
int link_set_name(struct rtnl *r, int ifindex, const char *name);
int link_set_mac(struct rtnl *r, int ifindex, const uint8_t mac[6]);
int link_set_mtu(struct rtnl *r, int ifindex, uint32_t mtu);
int link_set_up(struct rtnl *r, int ifindex, bool up);
/* Moves a link into the network namespace of process pid. */
int link_set_netns_pid(struct rtnl *r, int ifindex, int pid);
int link_del(struct rtnl *r, int ifindex);
int link_get(struct rtnl *r, int ifindex, struct rtnl_link *out);
int link_get_by_name(struct rtnl *r, const char *name, struct rtnl_link *out);
/* Deletes every link whose name starts with prefix; returns how many. */
int link_del_prefix(struct rtnl *r, const char *prefix);

/* Makes sure "dummy" links can be created (loads dummy.ko if needed). */
int dummy_ready(struct rtnl *r);

#endif
