/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `enictl status --json` and `enictl monitor --json` output, read back: just
 * the fields the tests check (pure string work, no JSON library in the guest).
 */
#ifndef ENI_GUEST_ENIDSTAT_H
#define ENI_GUEST_ENIDSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

/* One link of `status --json`. Timeline points are -1 when null. */
struct st_link {
	int ifindex;
	char ifname[IFNAMSIZ];
	char state[24];
	char driver[32];
	unsigned int slot;	/* 0 when null */
	unsigned int table;	/* 0 when null */
	long long event_us, udev_us, addressing_us, configured_us;
};

/* The top-level "source" ("genl", "rtnl", "none"); 0 or -ENOENT. */
int st_source(const char *json, char *out, size_t len);
/* Is "synced" true? */
bool st_synced(const char *json);
/* The link whose "mac" is mac (lower case); 0 or -ENOENT. */
int st_link_by_mac(const char *json, const char *mac, struct st_link *out);
/* Number of link objects. */
int st_link_count(const char *json);
/* Number of link objects that hold a slot. */
int st_slotted_count(const char *json);

/* One line of `monitor --json`. */
struct mon_event {
	char event[16];		/* "add", "del", "change" */
	char ifname[IFNAMSIZ];
	char mac[24];
	char bus_info[32];	/* "" when null */
	char driver[32];
	char origin[16];
	unsigned long long seq, time_ns;
};

/*
 * Finds, from offset *pos on, the next complete line of the monitor's output
 * whose "event" is event and "mac" is mac; 0 with *out filled and *pos past
 * it, or -ENOENT.
 */
int mon_find(const char *text, size_t *pos, const char *event, const char *mac,
	     struct mon_event *out);

#endif
