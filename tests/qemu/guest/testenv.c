// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>

#include "kmod.h"
#include "kmsg.h"
#include "testenv.h"

int testenv_reset(struct rtnl *rt, char *why, size_t len)
{
	int err;

	err = rtnl_open(rt);
	if (err) {
		snprintf(why, len, "rtnetlink socket: %s", strerror(-err));
		return err;
	}
	err = kmod_unload_if_loaded();
	if (err) {
		snprintf(why, len, "rmmod eni_notify (left loaded): %s",
			 strerror(-err));
		return err;
	}
	err = link_del_prefix(rt, TEST_LINK_PREFIX);
	if (err < 0) {
		snprintf(why, len, "deleting leftover links: %s",
			 strerror(-err));
		return err;
	}
	err = dummy_ready(rt);
	if (err) {
		snprintf(why, len, "cannot create dummy links (dummy.ko: "
			 "$ENI_DUMMY_KO, /opt/eni or /lib/modules): %s",
			 strerror(-err));
		return err;
	}
	return 0;
}

void testenv_cleanup(struct rtnl *rt)
{
	if (rt->nl)
		link_del_prefix(rt, TEST_LINK_PREFIX);
	kmod_unload_if_loaded();
}

int link_vs_kernel(const struct eni_link *e, const struct rtnl_link *k,
		   char *why, size_t len)
{
	char a[ENI_MAC_TEXT], b[ENI_MAC_TEXT];

	if ((int)e->ifindex != k->ifindex) {
		snprintf(why, len, "ifindex %u, kernel %d", e->ifindex,
			 k->ifindex);
		return -1;
	}
	if (strcmp(e->ifname, k->ifname)) {
		snprintf(why, len, "ifname %s, kernel %s", e->ifname,
			 k->ifname);
		return -1;
	}
	if (e->mac_len != k->mac_len || memcmp(e->mac, k->mac, k->mac_len)) {
		snprintf(why, len, "mac %s, kernel %s",
			 mac_text(e->mac, e->mac_len, a, sizeof(a)),
			 mac_text(k->mac, k->mac_len, b, sizeof(b)));
		return -1;
	}
	/* The kernel omits IFLA_PERM_ADDRESS when it is all zeros. */
	if (k->perm_mac_len ?
	    e->perm_mac_len != k->perm_mac_len ||
	    memcmp(e->perm_mac, k->perm_mac, k->perm_mac_len) :
	    e->perm_mac_len != k->mac_len ||
	    !mem_is_zero(e->perm_mac, e->perm_mac_len)) {
		snprintf(why, len, "perm mac %s, kernel %s",
			 mac_text(e->perm_mac, e->perm_mac_len, a, sizeof(a)),
			 k->perm_mac_len ?
			 mac_text(k->perm_mac, k->perm_mac_len, b, sizeof(b)) :
			 "(none: zeros of the address length)");
		return -1;
	}
	if (e->mtu != k->mtu) {
		snprintf(why, len, "mtu %u, kernel %u", e->mtu, k->mtu);
		return -1;
	}
	return 0;
}

int logline_parse(const char *line, struct eni_logline *l)
{
	char tail;
	int n;

	memset(l, 0, sizeof(*l));
	n = sscanf(line,
		   "eni_notify: %15s %31s mac %95s pci %63s driver %63s seq %llu%c",
		   l->verb, l->ifname, l->mac, l->bus, l->driver, &l->seq,
		   &tail);
	if (n != 6)
		return -EINVAL;
	if (strcmp(l->verb, "add") && strcmp(l->verb, "remove"))
		return -EINVAL;
	return 0;
}

bool is_pci_slot_addr(const char *s)
{
	/* ^0000:00:[0-9a-f]{2}\.[0-7]$ */
	if (strlen(s) != 12 || strncmp(s, "0000:00:", 8))
		return false;
	for (int i = 8; i < 10; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[10] == '.' && s[11] >= '0' && s[11] <= '7';
}

int sysfs_pci_addr(const char *ifname, char *buf, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];

	/* .../0000:00:05.0/virtio3/net/eth1: the PCI device is above virtio */
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/..", ifname);
	if (!realpath(path, real))
		return -errno;
	snprintf(buf, len, "%s", basename(real));
	return 0;
}

int kmod_unload_wait_gone(struct eni_sock *ctrl, int wait_ms, const char **step)
{
	int err = kmod_unload();

	*step = "rmmod eni_notify";
	if (err)
		return err;
	*step = "waiting for CTRL_CMD_DELFAMILY";
	return eni_ctrl_wait(ctrl, CTRL_CMD_DELFAMILY, ENI_NOTIFY_FAMILY_NAME, wait_ms);
}

int nlctrl_notify_open(struct eni_sock *ctrl)
{
	struct eni_ack ack;
	uint16_t fid;
	int err = eni_sock_open(ctrl);

	if (!err)
		err = eni_resolve(ctrl, "nlctrl", "notify", &fid, &ctrl->mcgrp, &ack);
	if (!err)
		err = eni_join(ctrl, ctrl->mcgrp);
	return err;
}

void testenv_teardown(struct rtnl *rt, struct kmsg *km, struct eni_sock *ev,
		      struct eni_sock *req, struct eni_sock *ctrl)
{
	eni_sock_close(ev);
	eni_sock_close(req);
	eni_sock_close(ctrl);
	testenv_cleanup(rt);
	rtnl_close(rt);
	kmsg_close(km);
}
