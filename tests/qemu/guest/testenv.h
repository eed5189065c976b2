/* SPDX-License-Identifier: GPL-2.0 */
/* Set-up and comparisons shared by the test programs (no harness here). */
#ifndef ENI_GUEST_TESTENV_H
#define ENI_GUEST_TESTENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genl.h"
#include "rtnl.h"

/*
 * Puts the guest in a known state: eni_notify unloaded, dummy links
 * possible, no leftover test links. Opens rt. 0 or -errno, why says where.
 */
int testenv_reset(struct rtnl *rt, char *why, size_t len);

/*
 * rmmod eni_notify, then waits until nlctrl (ctrl joined to its "notify"
 * group) reports the family gone: 0 or -errno, *step naming what failed.
 */
int kmod_unload_wait_gone(struct eni_sock *ctrl, int wait_ms, const char **step);
/* Undoes a test: closes nothing, deletes test links, unloads the module. */
void testenv_cleanup(struct rtnl *rt);

/*
 * Opens ctrl on nlctrl and joins its "notify" group, which tells when a family
 * comes or goes (kmod_unload_wait_gone waits on it). 0 or -errno.
 */
int nlctrl_notify_open(struct eni_sock *ctrl);

/*
 * The teardown of the module fixtures (unload, kstress): closes the three
 * sockets, undoes the test (testenv_cleanup), closes rt and the kernel log.
 */
struct kmsg;
void testenv_teardown(struct rtnl *rt, struct kmsg *km, struct eni_sock *ev,
		      struct eni_sock *req, struct eni_sock *ctrl);

/*
 * Compares a link message with the kernel's view of the same link:
 * ifindex, name, MAC, permanent MAC (zeros when the kernel has none), MTU.
 * 0 when equal, else -1 with why filled.
 */
int link_vs_kernel(const struct eni_link *e, const struct rtnl_link *k,
		   char *why, size_t len);

/* One "eni_notify: add|remove ..." kernel log line, parsed. */
struct eni_logline {
	char verb[16];
	char ifname[32];
	char mac[ENI_MAC_TEXT];
	char bus[64];
	char driver[64];
	unsigned long long seq;
};

/* Pure: 0 if line has exactly the documented add/remove format. */
int logline_parse(const char *line, struct eni_logline *l);

/* Pure: is s a PCI address 0000:00:XX.F (lower-case hex)? */
bool is_pci_slot_addr(const char *s);

/* PCI address of the device under /sys/class/net/<ifname>: 0 or -errno. */
int sysfs_pci_addr(const char *ifname, char *buf, size_t len);

#endif
