/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state, shared by its event sources, link state machine and applier. */
#ifndef ENID_ENID_H
#define ENID_ENID_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "arp.h"
#include "config.h"
#include "kstate.h"
#include "heal.h"
#include "kwatch.h"
#include "link_fsm.h"
#include "loop.h"
#include "owned.h"
#include "plan.h"
#include "rtreq.h"
#include "slots.h"

#ifndef ENID_VERSION /* daemon/Makefile passes debian/changelog's */
#define ENID_VERSION "unreleased"
#endif
#define ENID_RUN_DIR   "/run/enid"
#define ENID_SOCK_NAME "enid.sock"

struct link {
	struct link_facts facts;
	char bus_info[32];
	struct link_sm sm; /* state, managed (a matching driver, not the primary, not
			    * unmanaged = yes): changed only through link_event() */
	unsigned int slot; /* 0 = none */
	bool udev_ready;
	bool pending; /* apply at the end of this loop turn */
	bool dirty;   /* diff against a kernel dump first (not a fresh slot) */
	bool cleanup; /* delete the slot's rules/routes, then free the slot */
	bool cleanup_inflight;
	bool waiting_addr; /* its addressing source has not answered yet */
	bool verify;	   /* an add met EEXIST: compare the kernel's objects with the plan */
	unsigned int verify_sent;    /* the requests of the batch being verified */
	unsigned char announce_left; /* announcement rounds still to send (arp.c) */
	uint64_t announce_at;	     /* the next one, CLOCK_MONOTONIC us (0 = at once) */
	uint32_t gen;		     /* resync generation that last saw it */
	struct addressing *addr;     /* NULL until resolved */
	unsigned int addr_gen;	     /* +1 each time addr changes */
	unsigned char addr_src;	     /* enum addr_source (addressing.h) */
	struct md_job *md;	     /* its metadata fetch, NULL when none */
	/* timeline, CLOCK_MONOTONIC us, 0 = not reached */
	uint64_t t_event, t_udev, t_addr, t_conf;
	unsigned int attempts;	/* consecutive failures */
	uint64_t retry_at;	/* failure backoff or delayed heal, 0 = none */
	uint64_t udev_deadline; /* configure anyway then, 0 = not waiting */
	char why[160];		/* last problem, for status */
	char slot_note[160];	/* why a slot was passed over, for status */
	struct heal heal;	/* its state undone by others and applied again (kwatch.c) */
	bool heal_queued;	/* a heal counted, its apply not sent yet */
	char refused[160];	/* why the newest addressing was refused (bounds.h), "" = none */
};

enum enid_mode { MODE_NONE, MODE_GENL, MODE_RTNL };

struct udev;
struct udev_monitor;
struct mnl_socket;
struct ctl_client;
struct md_client;
struct md_job;

struct enid {
	struct loop loop;
	struct enid_config cfg;
	char config_path[PATH_MAX];
	bool config_is_default; /* a missing default file means all defaults */
	char run_dir[PATH_MAX];
	int source_opt; /* -1 = as config, else enum enid_source */
	enum enid_mode mode;
	bool degraded_logged;

	/* genetlink: eni_notify events, dumps, nlctrl notifications */
	struct mnl_socket *genl;
	struct watch genl_w;
	uint32_t ctrl_grp; /* nlctrl "notify" */
	uint16_t fam_id;   /* 0 = family absent */
	uint32_t fam_grp;
	bool fam_joined;
	uint64_t last_seq;	/* last eni_notify seq seen, 0 = none */
	uint32_t genl_dump_seq; /* 0 = no dump running */
	bool genl_switch_dump;	/* the running dump follows a switch from rtnetlink */

	/* genetlink: a failed dump is tried again (src_genl.c) */
	struct watch genl_retry_w;    /* timerfd: the retry, or the running dump's deadline */
	unsigned int genl_dump_fails; /* failed dumps in a row */
	bool genl_lost;		      /* ENOBUFS: resync once the socket is drained */

	/* rtnetlink: link events and link dumps */
	struct mnl_socket *rtev;
	struct watch rtev_w;
	bool rtev_joined;
	uint32_t rtnl_dump_seq;
	bool rtnl_lost;		      /* ENOBUFS: resync once the socket is read empty */
	unsigned int rtnl_dump_fails; /* consecutive failed link dumps */
	uint64_t rtnl_retry_at;	      /* the next link dump after a failure (0 = none) */

	/* rtnetlink: the applier's requests and ACKs (rtreq.c) */
	struct rtreq rtreq;
	struct watch rtreq_w;
	uint32_t req_seq; /* the dump sockets' sequence numbers */

	/* rtnetlink: synchronous dumps (kernel state, primary) */
	struct mnl_socket *rtdump;
	struct kstate ks;

	/* rtnetlink: rules, routes, addresses of ours that others delete (kwatch.c) */
	struct kwatch kwatch;

	/* udev */
	bool udev_gate;
	struct udev *udev;
	struct udev_monitor *umon;
	struct watch udev_w;

	struct watch sig_w;
	struct watch timer_w;
	uint64_t timer_at;

	int ctl_fd;
	struct watch ctl_w;
	struct ctl_client *clients;

	struct link **links;
	unsigned int n_links, cap_links;
	struct slots slots;
	struct owned owned;   /* the addresses each slot put on its ENI */
	int primary_ifindex;  /* 0 = none found */
	struct md_client *md; /* metadata fetcher (md_fetch.c) */
	struct announcer ann; /* gratuitous ARP, unsolicited NA, host arp_filter (arp.c) */

	bool synced;	      /* the first dump of the event source completed */
	bool orphans_pending; /* sweep untracked tagged rules/routes at the next pass */
	uint32_t gen;
	bool sweep_pending;
	bool notified_ready;
	uint64_t ready_by; /* READY=1 at the latest then (links present at start settled) */
};

/* links.c: the per-link state machine */
struct link *links_find(struct enid *d, int ifindex);
/* A link was seen (event or dump): added or changed. event_us = kernel event time. */
void links_seen(struct enid *d, const struct link_facts *f, const char *bus_info,
		uint64_t event_us);
void links_gone(struct enid *d, int ifindex);
void links_udev_ready(struct enid *d, int ifindex, const char *ifname);
/* A source's dump finished: with sweep, links it did not report (this generation) are gone. */
void links_dump_done(struct enid *d, bool sweep);
/* Re-evaluate every link after a config change or a resync; marks them dirty. */
void links_reevaluate(struct enid *d);
void links_free_all(struct enid *d);
/* Retry timer: failed links due again, udev waits that timed out. */
void links_timer(struct enid *d, uint64_t now);
void link_failed(struct enid *d, struct link *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void link_destroy(struct enid *d, struct link *l);
/* Moves a managed link on: udev gate, then its addressing (links.c). */
void link_advance(struct enid *d, struct link *l);
/* Announcement rounds due for configured links, once no request is in flight. */
void links_announce_idle(struct enid *d);
/* net.ipv4.conf.all.arp_filter while an ENI holds a slot (config host_arp_filter). */
void links_arp_filter_sync(struct enid *d);
/* kwatch's ops: another process deleted something; notifications were lost. */
void links_undone(void *ctx, const struct kwatch_undone *u);
void links_undone_lost(void *ctx);
/* Steps the link's state machine (link_fsm.c) and carries out its actions. */
void link_event(struct enid *d, struct link *l, enum link_ev ev);
/* Configured, failed, or waiting on nothing enid can hurry: what READY=1 waits for. */
bool link_settled(const struct link *l);

/* apply.c: the applier (one pass per loop turn); its requests go through d->rtreq */
int apply_open(struct enid *d, int rcvbuf);
void apply_close(struct enid *d);
void apply_pass(struct enid *d);
int apply_find_primary(struct enid *d);

/* src_genl.c */
int genl_source_open(struct enid *d);
void genl_source_close(struct enid *d);
int genl_source_start_dump(struct enid *d);
/* src_rtnl.c */
int rtnl_source_open(struct enid *d);
void rtnl_source_close(struct enid *d);
int rtnl_source_start(struct enid *d);
/* The retry timer of a failed link dump is due. */
void rtnl_source_timer(struct enid *d, uint64_t now);
void rtnl_source_stop(struct enid *d);
/* src_udev.c */
int udev_source_open(struct enid *d);
void udev_source_close(struct enid *d);
bool udev_should_gate(const struct enid_config *cfg);
/* True when udev has initialized the link; its udev name in name (IFNAMSIZ). */
bool udev_link_initialized(struct enid *d, int ifindex, char *name);

/* enid.c */
void enid_set_mode(struct enid *d, enum enid_mode m);
void enid_resync(struct enid *d, const char *why);
/* Parses the config again; 0, or -errno with every error in *msgs (malloc'd text). */
int enid_reload(struct enid *d, char **msgs);
void enid_timer_rearm(struct enid *d);
const char *enid_mode_name(enum enid_mode m);

/* ctl.c: the control socket */
int ctl_open(struct enid *d);
void ctl_close(struct enid *d);

/* status.c */
struct sbuf;
void status_format(struct enid *d, bool json, struct sbuf *out);

#endif
