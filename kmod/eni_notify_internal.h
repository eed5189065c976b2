/* SPDX-License-Identifier: GPL-2.0 */
/* What main.c, notify.c and genl.c share inside eni_notify.ko. */
#ifndef ENI_NOTIFY_INTERNAL_H
#define ENI_NOTIFY_INTERNAL_H

#include <linux/if.h>
#include <linux/netdevice.h>
#include <linux/types.h>
#include <net/net_namespace.h>

#include <linux/eni_notify.h>

/* A link as last seen: messages are built from this, never from a live device. */
struct eni_link_info {
	u32 ifindex;
	u32 mtu;
	u8 addr_len;
	u8 mac[MAX_ADDR_LEN];
	u8 perm_mac[MAX_ADDR_LEN];
	char ifname[IFNAMSIZ];
	char driver[ENI_NOTIFY_DRIVER_LEN];
	char bus_info[ENI_NOTIFY_BUS_INFO_LEN];	/* "" when there is no parent */
};

/* One link message: an event or a GET reply. */
struct eni_msg {
	struct eni_link_info link;
	u64 seq;
	u64 timestamp_ns;
	u32 origin;		/* enum eni_notify_origin */
	u32 change;		/* enum eni_notify_change bits, LINK_CHANGE only */
	u8 cmd;			/* enum eni_notify_cmd */
};

/* main.c: module parameters */
extern int eni_log_level;
bool eni_driver_wanted(const char *name);

/* notify.c: the netdevice notifier and the links it tracks */
int eni_notify_init(void);
void eni_notify_exit(void);
int eni_notify_start(void);
void eni_notify_stop(void);
int eni_links_get(struct net *net, u32 ifindex, struct eni_msg *m);
int eni_links_next(struct net *net, u32 from_ifindex, struct eni_msg *m);
u32 eni_links_gen(struct net *net);

/* genl.c: the generic netlink family */
int eni_genl_init(void);
void eni_genl_exit(void);
void eni_genl_event(struct net *net, const struct eni_msg *m);

#endif /* ENI_NOTIFY_INTERNAL_H */
