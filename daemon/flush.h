/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flush: remove everything enid added, as kdiff.h defines ownership, from a fresh
 * kernel snapshot and the run dir's records (slots, addresses, arp_filter.saved):
 * every slot's rules, table and main routes and recorded addresses, the dispatch in
 * front of the slots, the per-ENI sysctls (set back to the conf/default value a new
 * interface gets) and net.ipv4.conf.all.arp_filter (restored). Links keep their state
 * (up or down) and MTU. Used by `enid --flush` (no daemon) and by enid itself for
 * `enictl flush`. Synchronous: its own netlink socket.
 */
#ifndef ENID_FLUSH_H
#define ENID_FLUSH_H

#include "config.h"
#include "util.h"

/* One line per action or problem into out. Returns how many objects of enid's are
 * still there afterwards (0: clean; the records are then emptied), or -errno. */
int flush_all(const struct enid_config *cfg, const char *run_dir, struct sbuf *out);

#endif /* ENID_FLUSH_H */
