/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DHCPv4 client's state machine (RFC 2131 section 4.4), pure: events in, actions and
 * the message to send out; time is given (microseconds, monotonic) and the random
 * source is injected, so every path is table-tested. dhcp_client.c carries it out.
 *
 *   INIT ──start──> SELECTING (DISCOVER) ──offer──> REQUESTING (REQUEST and ARP probe)
 *   INIT ──start with a remembered lease──> INIT_REBOOT (REQUEST, no server id)
 *   REQUESTING ──ack──> CHECKING (the rest of the probe's quiet time) ──quiet──> BOUND
 *       (straight to BOUND when the quiet time is over at the ACK)
 *   CHECKING ──conflict──> DECLINE, INIT (10 s) ──> SELECTING
 *   REQUESTING ──conflict──> (remembered) ──ack──> DECLINE, INIT
 * The RFC 5227 probe for the offered address goes out with the REQUEST, so its quiet time
 * runs during the REQUEST's round trip, not after it; the address is still only used once
 * both the ACK has come and the quiet time has passed (an ACK for another address than
 * the one probed is probed anew).
 *   INIT_REBOOT ──ack──> BOUND (the server confirmed the address it gave this MAC)
 *   BOUND ──T1──> RENEWING (unicast REQUEST) ──T2──> REBINDING (broadcast REQUEST)
 *   RENEWING / REBINDING ──ack──> BOUND;  ──expiry──> SELECTING, lease dropped
 *   RENEWING / REBINDING ──nak──> SELECTING, the lease held (still bound, in use) until
 *       a new one is bound (make-before-break) or DHCP_NAK_HOLD_US pass (expiry: dropped)
 *   REQUESTING / INIT_REBOOT ──nak, no answer──> SELECTING
 * check_only (addressing = auto with the metadata answering: the lease only has to agree):
 *   SELECTING ──offer, or DHCP_CHECK_TRIES DISCOVERs unanswered──> INIT, DACT_CHECKED
 * Retransmission: 4 s doubling to 64 s, +-1 s of jitter (DISCOVER forever; REQUEST 4
 * times, INIT-REBOOT's 2 times, then back to DISCOVER); in RENEWING and REBINDING half
 * the time left to T2 / expiry, at least 60 s (RFC 2131 4.4.5).
 */
#ifndef ENID_DHCP_FSM_H
#define ENID_DHCP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp_msg.h"
#include "plan.h"

enum dhcp_state {
	DHCP_INIT, /* nothing sent; or waiting after a DECLINE */
	DHCP_SELECTING,
	DHCP_REQUESTING,
	DHCP_INIT_REBOOT, /* REQUEST for a remembered lease sent (RFC's REBOOTING) */
	DHCP_CHECKING,	  /* ARP probe for the acked address */
	DHCP_BOUND,
	DHCP_RENEWING,
	DHCP_REBINDING,
	DHCP_STATE__COUNT,
};

enum dhcp_ev {
	DEV_START, /* begin (lease given: INIT-REBOOT with it) */
	DEV_OFFER, /* a reply for our xid and MAC */
	DEV_ACK,
	DEV_NAK,
	DEV_TIMEOUT,  /* the state's timer (retransmit, probe over, restart) */
	DEV_CONFLICT, /* the ARP probe saw the address in use */
	DEV_T1,
	DEV_T2,
	DEV_EXPIRE,
	DEV_STOP,
	DEV__COUNT,
};

enum dhcp_act {
	DACT_SEND = 1 << 0,    /* send fsm->out (DISCOVER, REQUEST, DECLINE) */
	DACT_PROBE = 1 << 1,   /* send an ARP probe for fsm->offer.addr, watch for conflicts */
	DACT_BIND = 1 << 2,    /* fsm->lease is new or renewed: use it */
	DACT_UNBIND = 1 << 3,  /* the lease is gone (NAK, expiry): remove it */
	DACT_CHECKED = 1 << 4, /* check_only: fsm->offer is the answer (addr 0: none) */
};

#define DHCP_PROBE_WAIT_US   200000u   /* one probe, then this long quiet (RFC 5227: short) */
#define DHCP_DECLINE_WAIT_US 10000000u /* RFC 2131 3.1.5 */
#define DHCP_REQUEST_TRIES   4
#define DHCP_REBOOT_TRIES    2
#define DHCP_CHECK_TRIES     2 /* DISCOVERs of a check_only exchange (about 12 s) */
#define DHCP_LEASE_INFINITE  0xffffffffu

/* After a NAK the old address stays this long at most while a new lease is sought: a
 * server that moves the ENI's address gets it replaced, new before old goes. */
#define DHCP_NAK_HOLD_US 5000000u

struct dhcp_lease {
	struct in_addr addr, server, router; /* router: option 3's first */
	uint8_t prefixlen;
	uint32_t lease_s, t1_s, t2_s; /* t1, t2 as used (defaults filled in) */
	uint16_t mtu;
	bool has_routes;
	unsigned n_routes;
	struct dhcp_route routes[DHCP_MAX_ROUTES];
};

struct dhcp_fsm {
	enum dhcp_state state;
	uint8_t mac[6];
	uint32_t (*random)(void *ctx); /* uniformly random 32 bits */
	void *random_ctx;

	uint32_t xid;
	unsigned tries;			  /* transmissions in this state */
	uint64_t began_at;		  /* this acquisition's start (secs field) */
	uint64_t sent_at;		  /* the last REQUEST: the lease counts from it */
	uint64_t timer_at;		  /* DEV_TIMEOUT; 0 = none */
	uint64_t t1_at, t2_at, expire_at; /* while a lease is held; 0 = none */
	struct dhcp_lease offer;	  /* being requested / probed */
	struct in_addr probed;		  /* the address the probe is for (0: none) */
	uint64_t probe_until;		  /* its quiet time ends */
	bool conflict;			  /* the probe was answered: decline at the ACK */
	struct dhcp_lease lease;	  /* held (BOUND, RENEWING, REBINDING) */
	bool bound;
	uint32_t lease_max_s;	 /* a longer lease counts as this long; 0 = none */
	bool check_only;	 /* DISCOVER until one OFFER (or DHCP_CHECK_TRIES), then INIT */
	bool checked;		 /* check_only and done: fsm->offer holds the OFFER */
	struct dhcp_request out; /* with DACT_SEND */
	unsigned sent;		 /* messages sent, for status */
};

/* Sets up fsm for mac (state INIT, nothing armed). */
void dhcp_fsm_init(struct dhcp_fsm *fsm, const uint8_t mac[6], uint32_t (*random)(void *),
		   void *random_ctx);
/* DEV_START; remembered = NULL for a fresh DISCOVER. */
unsigned dhcp_fsm_start(struct dhcp_fsm *fsm, uint64_t now, const struct dhcp_lease *remembered);
/* A parsed reply: ignored (0) unless its xid and MAC are ours and it fits the state. */
unsigned dhcp_fsm_rx(struct dhcp_fsm *fsm, uint64_t now, const struct dhcp_reply *m);
/* Runs the timers that are due (expiry before T2 before T1 before the state's timer). */
unsigned dhcp_fsm_timer(struct dhcp_fsm *fsm, uint64_t now);
/* One event (with m for OFFER/ACK/NAK); the others call it. Returns enum dhcp_act bits. */
unsigned dhcp_fsm_step(struct dhcp_fsm *fsm, uint64_t now, enum dhcp_ev ev,
		       const struct dhcp_reply *m);
/* An ARP probe is out for fsm->probed: conflicts are to be watched for. */
bool dhcp_fsm_probing(const struct dhcp_fsm *fsm);
/* The earliest armed timer, 0 = none. */
uint64_t dhcp_fsm_next(const struct dhcp_fsm *fsm);
/* The lease from an ACK (T1/T2 defaults: 1/2 and 7/8 of the lease, kept in order). */
void dhcp_lease_from_reply(struct dhcp_lease *l, const struct dhcp_reply *m);

/* The lease as a link's addressing: address, router (option 121 replaces option 3,
 * RFC 3442: its 0/0 route is the gateway, the rest go to the ENI's table; a route via a
 * gateway off the leased subnet is dropped), MTU. */
void dhcp_lease_addressing(const struct dhcp_lease *l, struct addressing *out);

const char *dhcp_state_name(enum dhcp_state s);
const char *dhcp_ev_name(enum dhcp_ev ev);

#endif /* ENID_DHCP_FSM_H */
