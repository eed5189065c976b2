// SPDX-License-Identifier: GPL-2.0-or-later
/* The DHCPv4 client's state machine (dhcp_fsm.h). Pure. */
#include <string.h>
#include <sys/socket.h>

#include "dhcp_fsm.h"

#define SEC 1000000ull

void dhcp_fsm_init(struct dhcp_fsm *fsm, const uint8_t mac[6], uint32_t (*random)(void *),
		   void *random_ctx)
{
	memset(fsm, 0, sizeof(*fsm));
	memcpy(fsm->mac, mac, 6);
	fsm->random = random;
	fsm->random_ctx = random_ctx;
}

void dhcp_lease_from_reply(struct dhcp_lease *l, const struct dhcp_reply *m)
{
	uint32_t lease = m->lease_s;

	memset(l, 0, sizeof(*l));
	l->addr = m->yiaddr;
	l->server = m->server_id;
	l->router = m->router;
	l->prefixlen = m->prefixlen;
	l->lease_s = lease;
	l->mtu = m->mtu;
	l->has_routes = m->has_routes;
	l->n_routes = m->n_routes;
	memcpy(l->routes, m->routes, sizeof(l->routes));
	l->t2_s = m->t2_s && m->t2_s < lease ? m->t2_s : (uint32_t)((uint64_t)lease * 7 / 8);
	l->t1_s = m->t1_s && m->t1_s <= l->t2_s ? m->t1_s : lease / 2;
	if (l->t1_s > l->t2_s)
		l->t1_s = l->t2_s;
}

/* 4 s doubling to 64 s, +-1 s. */
static uint64_t backoff(const struct dhcp_fsm *fsm)
{
	unsigned n = fsm->tries ? fsm->tries - 1 : 0;
	uint64_t base = (4 * SEC) << (n < 4 ? n : 4);
	uint32_t r = fsm->random ? fsm->random(fsm->random_ctx) : 0;

	return base - SEC + r % (2 * SEC + 1);
}

/* RENEWING / REBINDING: half the time to `until`, at least 60 s (but not past it). */
static uint64_t half_to(uint64_t now, uint64_t until)
{
	uint64_t left = until > now ? until - now : 0, d = left / 2;

	if (d < 60 * SEC)
		d = left < 60 * SEC ? left : 60 * SEC;
	return now + (d ? d : 1);
}

static void set_state(struct dhcp_fsm *fsm, enum dhcp_state s)
{
	if (s != DHCP_REQUESTING && s != DHCP_CHECKING) {
		fsm->probed.s_addr = 0;
		fsm->conflict = false;
	}
	fsm->state = s;
	fsm->tries = 0;
	fsm->timer_at = 0;
}

/* An ARP probe for the offer's address: its quiet time runs from now. */
static unsigned probe(struct dhcp_fsm *fsm, uint64_t now)
{
	fsm->probed = fsm->offer.addr;
	fsm->probe_until = now + DHCP_PROBE_WAIT_US;
	fsm->conflict = false;
	return DACT_PROBE;
}

bool dhcp_fsm_probing(const struct dhcp_fsm *fsm)
{
	return fsm->probed.s_addr && (fsm->state == DHCP_REQUESTING || fsm->state == DHCP_CHECKING);
}

static uint32_t new_xid(struct dhcp_fsm *fsm)
{
	return fsm->random ? fsm->random(fsm->random_ctx) : fsm->xid + 1;
}

/* Fills fsm->out for the state and arms its retransmission. */
static unsigned transmit(struct dhcp_fsm *fsm, uint64_t now, enum dhcp_type type)
{
	struct dhcp_request *r = &fsm->out;
	uint64_t secs = (now - fsm->began_at) / SEC;

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->xid = fsm->xid;
	r->secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
	memcpy(r->mac, fsm->mac, 6);
	fsm->tries++;
	fsm->sent++;
	switch (fsm->state) {
	case DHCP_SELECTING:
		r->broadcast = true; /* no address yet: the server cannot unicast to us */
		fsm->timer_at = now + backoff(fsm);
		break;
	case DHCP_REQUESTING:
		r->broadcast = true;
		r->requested = fsm->offer.addr;
		r->server_id = fsm->offer.server;
		fsm->sent_at = now;
		fsm->timer_at = now + backoff(fsm);
		break;
	case DHCP_INIT_REBOOT:
		r->broadcast = true;
		r->requested = fsm->offer.addr;
		fsm->sent_at = now;
		fsm->timer_at = now + backoff(fsm);
		break;
	case DHCP_RENEWING:
		r->ciaddr = fsm->lease.addr;
		fsm->sent_at = now;
		fsm->timer_at = half_to(now, fsm->t2_at);
		break;
	case DHCP_REBINDING:
		r->ciaddr = fsm->lease.addr;
		fsm->sent_at = now;
		fsm->timer_at = half_to(now, fsm->expire_at);
		break;
	case DHCP_INIT: /* DECLINE of the offer just probed */
		r->requested = fsm->offer.addr;
		r->server_id = fsm->offer.server;
		fsm->timer_at = now + DHCP_DECLINE_WAIT_US;
		break;
	default:
		break;
	}
	return DACT_SEND;
}

static unsigned discover(struct dhcp_fsm *fsm, uint64_t now)
{
	set_state(fsm, DHCP_SELECTING);
	fsm->xid = new_xid(fsm);
	fsm->began_at = now;
	return transmit(fsm, now, DHCP_DISCOVER);
}

/* The lease is gone: forget it (and say so when it was in use). */
static unsigned drop(struct dhcp_fsm *fsm)
{
	unsigned act = fsm->bound ? DACT_UNBIND : 0;

	fsm->bound = false;
	fsm->t1_at = fsm->t2_at = fsm->expire_at = 0;
	return act;
}

/* A NAK in RENEWING/REBINDING: the lease stays in use (make-before-break) while a new
 * one is sought, until the new one is bound or DHCP_NAK_HOLD_US (or its expiry) pass. */
static void hold(struct dhcp_fsm *fsm, uint64_t now)
{
	uint64_t until = now + DHCP_NAK_HOLD_US;

	fsm->t1_at = fsm->t2_at = 0;
	if (!fsm->expire_at || fsm->expire_at > until)
		fsm->expire_at = until;
}

static unsigned take_lease(struct dhcp_fsm *fsm)
{
	const struct dhcp_lease *l = &fsm->offer;
	uint64_t from = fsm->sent_at;

	fsm->lease = *l;
	fsm->bound = true;
	set_state(fsm, DHCP_BOUND);
	if (l->lease_s == DHCP_LEASE_INFINITE) {
		fsm->t1_at = fsm->t2_at = fsm->expire_at = 0;
	} else {
		fsm->t1_at = from + l->t1_s * SEC;
		fsm->t2_at = from + l->t2_s * SEC;
		fsm->expire_at = from + l->lease_s * SEC;
	}
	return DACT_BIND;
}

/* The lease from an ACK, capped at lease_max_s (T1, T2 kept below it). */
static void take_ack(struct dhcp_fsm *fsm, const struct dhcp_reply *m)
{
	struct dhcp_reply capped = *m;

	if (fsm->lease_max_s && capped.lease_s > fsm->lease_max_s)
		capped.lease_s = fsm->lease_max_s;
	dhcp_lease_from_reply(&fsm->offer, &capped);
}

/* check_only: the OFFER (or none) is the result; nothing more is sent or armed. */
static unsigned check_done(struct dhcp_fsm *fsm)
{
	set_state(fsm, DHCP_INIT);
	fsm->checked = true;
	return DACT_CHECKED;
}

static bool ours(const struct dhcp_fsm *fsm, const struct dhcp_reply *m)
{
	return m && m->xid == fsm->xid && !memcmp(m->chaddr, fsm->mac, 6);
}

unsigned dhcp_fsm_step(struct dhcp_fsm *fsm, uint64_t now, enum dhcp_ev ev,
		       const struct dhcp_reply *m)
{
	enum dhcp_state s = fsm->state;
	unsigned act;

	if ((ev == DEV_OFFER || ev == DEV_ACK || ev == DEV_NAK) && !ours(fsm, m))
		return 0;
	switch (ev) {
	case DEV_START:
		act = drop(fsm);
		return act | discover(fsm, now);
	case DEV_STOP:
		act = drop(fsm);
		set_state(fsm, DHCP_INIT);
		return act;
	case DEV_OFFER:
		if (s != DHCP_SELECTING)
			return 0;
		dhcp_lease_from_reply(&fsm->offer, m);
		if (fsm->check_only)
			return check_done(fsm);
		set_state(fsm, DHCP_REQUESTING);
		return transmit(fsm, now, DHCP_REQUEST) | probe(fsm, now);
	case DEV_ACK:
		switch (s) {
		case DHCP_REQUESTING:
			if (m->server_id.s_addr != fsm->offer.server.s_addr)
				return 0; /* another server's */
			take_ack(fsm, m);
			set_state(fsm, DHCP_CHECKING);
			if (fsm->probed.s_addr != fsm->offer.addr.s_addr) {
				act = probe(fsm, now); /* not the address probed */
				fsm->timer_at = fsm->probe_until;
				return act;
			}
			if (fsm->conflict) {
				set_state(fsm, DHCP_INIT);
				return transmit(fsm, now, DHCP_DECLINE);
			}
			if (now >= fsm->probe_until)
				return take_lease(fsm);
			fsm->timer_at = fsm->probe_until;
			return 0;
		case DHCP_INIT_REBOOT:
		case DHCP_RENEWING:
		case DHCP_REBINDING:
			take_ack(fsm, m);
			return take_lease(fsm);
		default:
			return 0;
		}
	case DEV_NAK:
		if (s != DHCP_REQUESTING && s != DHCP_INIT_REBOOT && s != DHCP_RENEWING &&
		    s != DHCP_REBINDING)
			return 0;
		if (s == DHCP_REQUESTING && m->server_id.s_addr &&
		    m->server_id.s_addr != fsm->offer.server.s_addr)
			return 0;
		if (fsm->bound && (s == DHCP_RENEWING || s == DHCP_REBINDING)) {
			hold(fsm, now);
			return discover(fsm, now);
		}
		act = drop(fsm);
		return act | discover(fsm, now);
	case DEV_TIMEOUT:
		switch (s) {
		case DHCP_INIT: /* the wait after a DECLINE is over */
			return discover(fsm, now);
		case DHCP_SELECTING:
			if (fsm->check_only && fsm->tries >= DHCP_CHECK_TRIES) {
				memset(&fsm->offer, 0, sizeof(fsm->offer)); /* no answer */
				return check_done(fsm);
			}
			return transmit(fsm, now, DHCP_DISCOVER);
		case DHCP_REQUESTING:
		case DHCP_INIT_REBOOT:
			if (fsm->tries >=
			    (s == DHCP_REQUESTING ? DHCP_REQUEST_TRIES : DHCP_REBOOT_TRIES))
				return discover(fsm, now);
			return transmit(fsm, now, DHCP_REQUEST);
		case DHCP_CHECKING: /* the probe went unanswered: the address is ours */
			return take_lease(fsm);
		case DHCP_RENEWING:
		case DHCP_REBINDING:
			fsm->tries = 0;
			return transmit(fsm, now, DHCP_REQUEST);
		default:
			return 0;
		}
	case DEV_CONFLICT:
		if (s == DHCP_REQUESTING && fsm->probed.s_addr)
			fsm->conflict = true; /* declined once the ACK makes it ours to decline */
		if (s != DHCP_CHECKING)
			return 0;
		set_state(fsm, DHCP_INIT);
		return transmit(fsm, now, DHCP_DECLINE);
	case DEV_T1:
		if (s != DHCP_BOUND)
			return 0;
		fsm->t1_at = 0;
		set_state(fsm, DHCP_RENEWING);
		fsm->xid = new_xid(fsm);
		fsm->began_at = now;
		return transmit(fsm, now, DHCP_REQUEST);
	case DEV_T2:
		if (s != DHCP_BOUND && s != DHCP_RENEWING)
			return 0;
		fsm->t1_at = fsm->t2_at = 0;
		set_state(fsm, DHCP_REBINDING);
		if (s == DHCP_BOUND)
			fsm->xid = new_xid(fsm), fsm->began_at = now;
		return transmit(fsm, now, DHCP_REQUEST);
	case DEV_EXPIRE:
		if (s != DHCP_BOUND && s != DHCP_RENEWING && s != DHCP_REBINDING)
			return drop(fsm); /* a NAKed lease's hold is over (UNBIND) */
		act = drop(fsm);
		return act | discover(fsm, now);
	default:
		return 0;
	}
}

unsigned dhcp_fsm_start(struct dhcp_fsm *fsm, uint64_t now, const struct dhcp_lease *remembered)
{
	unsigned act = dhcp_fsm_step(fsm, now, DEV_START, NULL);

	if (!remembered || !remembered->addr.s_addr)
		return act;
	/* INIT-REBOOT instead: the same xid is fine, nothing was answered yet */
	fsm->offer = *remembered;
	set_state(fsm, DHCP_INIT_REBOOT);
	fsm->sent--;
	return transmit(fsm, now, DHCP_REQUEST) | (act & DACT_UNBIND);
}

unsigned dhcp_fsm_rx(struct dhcp_fsm *fsm, uint64_t now, const struct dhcp_reply *m)
{
	switch (m->type) {
	case DHCP_OFFER:
		return dhcp_fsm_step(fsm, now, DEV_OFFER, m);
	case DHCP_ACK:
		return dhcp_fsm_step(fsm, now, DEV_ACK, m);
	case DHCP_NAK:
		return dhcp_fsm_step(fsm, now, DEV_NAK, m);
	default:
		return 0;
	}
}

/* The first due timer's event (expiry before T2 before T1 before the state's), disarmed. */
static enum dhcp_ev take_due(struct dhcp_fsm *fsm, uint64_t now)
{
	uint64_t *at[] = {&fsm->expire_at, &fsm->t2_at, &fsm->t1_at, &fsm->timer_at};
	static const enum dhcp_ev ev[] = {DEV_EXPIRE, DEV_T2, DEV_T1, DEV_TIMEOUT};

	for (unsigned i = 0; i < 4; i++) {
		if (*at[i] && *at[i] <= now) {
			*at[i] = 0;
			return ev[i];
		}
	}
	return DEV__COUNT;
}

unsigned dhcp_fsm_timer(struct dhcp_fsm *fsm, uint64_t now)
{
	unsigned act = 0;
	enum dhcp_ev ev;

	/* each event re-arms its timers past now: a few rounds at most */
	for (int i = 0; i < 4 && (ev = take_due(fsm, now)) != DEV__COUNT; i++)
		act |= dhcp_fsm_step(fsm, now, ev, NULL);
	if (!fsm->bound) /* bound, then lost in one call: only the loss counts */
		act &= ~(unsigned)DACT_BIND;
	return act;
}

uint64_t dhcp_fsm_next(const struct dhcp_fsm *fsm)
{
	uint64_t at = 0;
	const uint64_t t[] = {fsm->timer_at, fsm->t1_at, fsm->t2_at, fsm->expire_at};

	for (unsigned i = 0; i < 4; i++)
		if (t[i] && (!at || t[i] < at))
			at = t[i];
	return at;
}

static struct enid_ip v4(struct in_addr a, unsigned prefixlen)
{
	struct enid_ip ip = {.family = AF_INET, .prefixlen = prefixlen};

	ip.v4 = a;
	return ip;
}

void dhcp_lease_addressing(const struct dhcp_lease *l, struct addressing *out)
{
	memset(out, 0, sizeof(*out));
	out->addrs[0] = v4(l->addr, l->prefixlen);
	out->n_addrs = 1;
	out->mtu = l->mtu;
	if (!l->has_routes) {
		if (l->router.s_addr)
			out->gateway4 = v4(l->router, 32);
		return;
	}
	/* RFC 3442: option 121 replaces option 3; its 0/0 route is the default gateway */
	for (unsigned i = 0; i < l->n_routes; i++) {
		const struct dhcp_route *r = &l->routes[i];

		if (!r->prefixlen) {
			if (r->gw.s_addr)
				out->gateway4 = v4(r->gw, 32);
		} else if (out->n_routes < ENID_MAX_ROUTES) {
			struct enid_route *x = &out->routes[out->n_routes];

			x->dst = v4(r->dst, r->prefixlen);
			if (r->gw.s_addr)
				x->gw = v4(r->gw, 32);
			/* a gateway off the leased subnet could not be added: dropped */
			if (!x->gw.family || enid_ip_in_subnet(&x->gw, &out->addrs[0]))
				out->n_routes++;
		}
	}
}

const char *dhcp_state_name(enum dhcp_state s)
{
	static const char *const names[DHCP_STATE__COUNT] = {
		"init",	    "selecting", "requesting", "init-reboot",
		"checking", "bound",	 "renewing",   "rebinding"};

	return (unsigned)s < DHCP_STATE__COUNT ? names[s] : "?";
}

const char *dhcp_ev_name(enum dhcp_ev ev)
{
	static const char *const names[DEV__COUNT] = {"start",	 "offer",    "ack", "nak",
						      "timeout", "conflict", "t1",  "t2",
						      "expire",	 "stop"};

	return (unsigned)ev < DEV__COUNT ? names[ev] : "?";
}
