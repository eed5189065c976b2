/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Event source: the eni_notify generic-netlink family. One socket carries the family's
 * events, its dump replies (so both arrive in kernel order) and nlctrl's notifications
 * (the family coming and going as the module loads and unloads). A failed dump is tried
 * again with capped, jittered backoff; a sequence gap or an overrun asks for a resync.
 */
#ifndef ENID_SRC_GENL_H
#define ENID_SRC_GENL_H

#include <stdbool.h>
#include <stdint.h>

#include "src.h"

struct mnl_socket;

struct genl_src {
	struct src_sock s;
	uint32_t ctrl_grp; /* nlctrl "notify" */
	uint16_t fam_id;   /* 0 = family absent */
	uint32_t fam_grp;
	bool fam_joined;
	uint64_t last_seq; /* last eni_notify seq seen, 0 = none */

	uint64_t dump_max_seq; /* the highest event seq the running dump reported */
	bool dump_no_sweep;    /* the running dump only adds (follows a switch from rtnl) */
	struct watch retry_w;  /* timerfd: the retry, or the running dump's deadline */
};

/* Opens the socket, joins nlctrl's notify group and, when the module is loaded, the
 * family's events group. 0 or -errno. */
int genl_source_open(struct genl_src *g, struct loop *loop, const struct src_ops *ops);
void genl_source_close(struct genl_src *g);
/* Dumps every present device; no_sweep: the dump only adds (links it does not list stay).
 * -ENOENT when the family is absent. */
int genl_source_start_dump(struct genl_src *g, bool no_sweep);
bool genl_source_present(const struct genl_src *g);

#endif /* ENID_SRC_GENL_H */
