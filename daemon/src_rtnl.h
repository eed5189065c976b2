/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Event source: rtnetlink RTM_NEWLINK/RTM_DELLINK (group RTNLGRP_LINK), used when the
 * eni_notify module is absent. The driver comes from sysfs (the parent device's driver
 * link), else from the link kind (veth, dummy: no parent device).
 */
#ifndef ENID_SRC_RTNL_H
#define ENID_SRC_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "src.h"

struct mnl_socket;

struct rtnl_src {
	struct src_sock s;
	bool joined;
	uint64_t retry_at; /* the next link dump after a failure (0 = none) */
};

int rtnl_source_open(struct rtnl_src *r, struct loop *loop, const struct src_ops *ops);
void rtnl_source_close(struct rtnl_src *r);
/* Joins the link group (again) and dumps every link. */
int rtnl_source_start(struct rtnl_src *r);
/* Leaves the link group: another source took over. */
void rtnl_source_stop(struct rtnl_src *r);
/* When the retry of a failed link dump is due (0 = none), and running it. */
uint64_t rtnl_source_next_timer(const struct rtnl_src *r);
void rtnl_source_timer(struct rtnl_src *r, uint64_t now);

/* The parent device's driver from sysfs ("virtio_net"), or "" when it has none (then the
 * link kind stands for it, as for veth). */
void src_rtnl_sysfs_driver(const char *ifname, char *out, size_t len);

#endif /* ENID_SRC_RTNL_H */
