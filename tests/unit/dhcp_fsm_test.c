// SPDX-License-Identifier: GPL-2.0
/* The DHCP client state machine (daemon/dhcp_fsm.c): every state x event, then the paths
 * that matter with their times (retransmission, T1/T2 with no answer, expiry, DECLINE). */
#include <arpa/inet.h>
#include <string.h>

#include "kselftest_harness.h"
#include "config.h"
#include "dhcp_fsm.h"
#include "plan.h"

#define SEC 1000000ull

#define I  DHCP_INIT
#define S  DHCP_SELECTING
#define R  DHCP_REQUESTING
#define IR DHCP_INIT_REBOOT
#define C  DHCP_CHECKING
#define B  DHCP_BOUND
#define RN DHCP_RENEWING
#define RB DHCP_REBINDING

#define SEND   DACT_SEND
#define PROBE  DACT_PROBE
#define BIND   DACT_BIND
#define UNBIND DACT_UNBIND

struct want {
	enum dhcp_state to;
	unsigned act;
};

/* [event][from state] -> (to, actions), with one message already sent in the state */
static const struct want table[DEV__COUNT][DHCP_STATE__COUNT] = {
	/*                 INIT       SELECTING  REQUESTING INIT_REBOOT CHECKING  BOUND          RENEWING       REBINDING */
	[DEV_START] =    {{S, SEND}, {S, SEND}, {S, SEND}, {S, SEND},  {S, SEND}, {S, SEND|UNBIND}, {S, SEND|UNBIND}, {S, SEND|UNBIND}},
	[DEV_OFFER] =    {{I, 0},    {R, SEND|PROBE}, {R, 0},    {IR, 0},    {C, 0},    {B, 0},         {RN, 0},        {RB, 0}},
	[DEV_ACK] =      {{I, 0},    {S, 0},    {C, PROBE}, {B, BIND}, {C, 0},    {B, 0},         {B, BIND},      {B, BIND}},
	[DEV_NAK] =      {{I, 0},    {S, 0},    {S, SEND}, {S, SEND},  {C, 0},    {B, 0},         {S, SEND},      {S, SEND}},
	[DEV_TIMEOUT] =  {{S, SEND}, {S, SEND}, {R, SEND}, {IR, SEND}, {B, BIND}, {B, 0},         {RN, SEND},     {RB, SEND}},
	[DEV_CONFLICT] = {{I, 0},    {S, 0},    {R, 0},    {IR, 0},    {I, SEND}, {B, 0},         {RN, 0},        {RB, 0}},
	[DEV_T1] =       {{I, 0},    {S, 0},    {R, 0},    {IR, 0},    {C, 0},    {RN, SEND},     {RN, 0},        {RB, 0}},
	[DEV_T2] =       {{I, 0},    {S, 0},    {R, 0},    {IR, 0},    {C, 0},    {RB, SEND},     {RB, SEND},     {RB, 0}},
	[DEV_EXPIRE] =   {{I, 0},    {S, 0},    {R, 0},    {IR, 0},    {C, 0},    {S, SEND|UNBIND}, {S, SEND|UNBIND}, {S, SEND|UNBIND}},
	[DEV_STOP] =     {{I, 0},    {I, 0},    {I, 0},    {I, 0},     {I, 0},    {I, UNBIND},    {I, UNBIND},    {I, UNBIND}},
};

static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x88, 0x00, 0x21};

struct rnd {
	uint32_t v;
	unsigned calls;
};

static uint32_t fixed_random(void *ctx)
{
	struct rnd *r = ctx;

	r->calls++;
	return r->v;
}

static struct in_addr a4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static struct dhcp_reply reply_of(enum dhcp_type t, uint32_t xid, const char *addr)
{
	struct dhcp_reply m = {.type = t, .xid = xid, .prefixlen = 24, .lease_s = 120};

	memcpy(m.chaddr, mac, 6);
	m.yiaddr = a4(addr);
	m.server_id = a4("10.88.0.253");
	m.router = a4("10.88.0.253");
	return m;
}

/* An fsm in state s, one message sent there, a lease held where the state has one. */
static void in_state(struct dhcp_fsm *f, struct rnd *r, enum dhcp_state s, uint64_t now)
{
	struct dhcp_reply ack = reply_of(DHCP_ACK, 7, "10.88.0.21");

	dhcp_fsm_init(f, mac, fixed_random, r);
	f->state = s;
	f->xid = 7;
	f->tries = 1;
	dhcp_lease_from_reply(&f->offer, &ack);
	if (s == B || s == RN || s == RB) {
		f->lease = f->offer;
		f->bound = true;
		f->sent_at = now - 10 * SEC;
		f->t1_at = now + 50 * SEC;
		f->t2_at = now + 95 * SEC;
		f->expire_at = now + 110 * SEC;
	}
}

TEST(every_state_and_event)
{
	struct rnd r = {0};
	uint64_t now = 1000 * SEC;

	for (int ev = 0; ev < DEV__COUNT; ev++) {
		for (int s = 0; s < DHCP_STATE__COUNT; s++) {
			const struct want *w = &table[ev][s];
			enum dhcp_type t = ev == DEV_OFFER ? DHCP_OFFER
					   : ev == DEV_NAK ? DHCP_NAK
							   : DHCP_ACK;
			struct dhcp_reply m = reply_of(t, 7, "10.88.0.21");
			struct dhcp_fsm f;
			unsigned act;

			in_state(&f, &r, (enum dhcp_state)s, now);
			act = dhcp_fsm_step(&f, now, (enum dhcp_ev)ev, &m);
			EXPECT_EQ(w->to, f.state)
			TH_LOG("%s in %s: to %s, want %s", dhcp_ev_name(ev), dhcp_state_name(s),
			       dhcp_state_name(f.state), dhcp_state_name(w->to));
			EXPECT_EQ(w->act, act)
			TH_LOG("%s in %s: actions 0x%x, want 0x%x", dhcp_ev_name(ev),
			       dhcp_state_name(s), act, w->act);
			EXPECT_EQ(!!(act & SEND), f.sent == 1) TH_LOG("sent %u", f.sent);
		}
	}
}

/* Replies for another xid or MAC, and an ACK from a server we did not ask, change nothing. */
TEST(foreign_replies_ignored)
{
	struct rnd r = {0};
	struct dhcp_fsm f;
	struct dhcp_reply m = reply_of(DHCP_ACK, 8, "10.88.0.21");

	in_state(&f, &r, R, 100 * SEC);
	EXPECT_EQ(0u, dhcp_fsm_rx(&f, 100 * SEC, &m));
	m.xid = 7;
	m.chaddr[5] ^= 1;
	EXPECT_EQ(0u, dhcp_fsm_rx(&f, 100 * SEC, &m));
	m.chaddr[5] ^= 1;
	m.server_id = a4("10.88.0.1");
	EXPECT_EQ(0u, dhcp_fsm_rx(&f, 100 * SEC, &m));
	m.type = DHCP_NAK;
	EXPECT_EQ(0u, dhcp_fsm_rx(&f, 100 * SEC, &m));
	EXPECT_EQ(R, f.state);
}

/* DISCOVER -> OFFER -> REQUEST and probe -> ACK -> the rest of the probe's quiet -> BOUND,
 * with the messages' fields and the lease's times counted from the REQUEST. */
TEST(bind_path)
{
	struct rnd r = {.v = 1000000}; /* jitter 0 */
	struct dhcp_fsm f;
	struct dhcp_reply m;
	uint64_t t = 100 * SEC;

	dhcp_fsm_init(&f, mac, fixed_random, &r);
	ASSERT_EQ(SEND, dhcp_fsm_start(&f, t, NULL));
	EXPECT_EQ(S, f.state);
	EXPECT_EQ(DHCP_DISCOVER, f.out.type);
	EXPECT_TRUE(f.out.broadcast);
	EXPECT_EQ(0, memcmp(f.out.mac, mac, 6));
	EXPECT_EQ(t + 4 * SEC, f.timer_at);
	m = reply_of(DHCP_OFFER, f.xid, "10.88.0.21");
	ASSERT_EQ(SEND | PROBE, dhcp_fsm_rx(&f, t + SEC, &m));
	EXPECT_EQ(DHCP_REQUEST, f.out.type);
	EXPECT_EQ(m.yiaddr.s_addr, f.out.requested.s_addr);
	EXPECT_EQ(m.server_id.s_addr, f.out.server_id.s_addr);
	EXPECT_EQ(1, f.out.secs);
	EXPECT_TRUE(dhcp_fsm_probing(&f));
	EXPECT_EQ(m.yiaddr.s_addr, f.probed.s_addr);
	m.type = DHCP_ACK;
	/* the ACK 50 ms after the probe: 150 ms of its quiet time left, nothing sent again */
	ASSERT_EQ(0u, dhcp_fsm_rx(&f, t + SEC + 50000, &m));
	EXPECT_EQ(C, f.state);
	EXPECT_TRUE(dhcp_fsm_probing(&f));
	EXPECT_EQ(t + SEC + DHCP_PROBE_WAIT_US, dhcp_fsm_next(&f));
	EXPECT_EQ(0u, dhcp_fsm_timer(&f, t + SEC + DHCP_PROBE_WAIT_US - 1));
	ASSERT_EQ(BIND, dhcp_fsm_timer(&f, t + SEC + DHCP_PROBE_WAIT_US));
	EXPECT_FALSE(dhcp_fsm_probing(&f));
	EXPECT_EQ(B, f.state);
	EXPECT_EQ(m.yiaddr.s_addr, f.lease.addr.s_addr);
	EXPECT_EQ(t + SEC + 60 * SEC, f.t1_at);
	EXPECT_EQ(t + SEC + 105 * SEC, f.t2_at);
	EXPECT_EQ(t + SEC + 120 * SEC, f.expire_at);
	EXPECT_EQ(f.t1_at, dhcp_fsm_next(&f)); /* nothing else wakes it while bound */
	EXPECT_EQ(2u, f.sent);
}

/* 4 s doubling to 64 s, each +-1 s from the injected random source. */
TEST(retransmission_backoff)
{
	static const uint64_t base[] = {4, 8, 16, 32, 64, 64, 64};
	struct rnd r = {0};
	struct dhcp_fsm f;
	uint64_t t = 10 * SEC;

	for (int j = 0; j < 3; j++) {
		/* 0 -> -1 s, 1000000 -> 0, 2000000 -> +1 s */
		r.v = (uint32_t)(j * 1000000);
		dhcp_fsm_init(&f, mac, fixed_random, &r);
		dhcp_fsm_start(&f, t, NULL);
		for (unsigned i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
			uint64_t want = t + base[i] * SEC + (uint64_t)j * SEC - SEC;

			EXPECT_EQ(want, f.timer_at) TH_LOG("try %u jitter %d", i, j - 1);
			t = f.timer_at;
			EXPECT_EQ(SEND, dhcp_fsm_timer(&f, t));
			EXPECT_EQ(DHCP_DISCOVER, f.out.type);
		}
	}
}

/* REQUEST goes 4 times, INIT-REBOOT's 2, then DISCOVER; INIT-REBOOT's REQUEST names the
 * address only, and its ACK binds without a probe (one round trip). */
TEST(request_gives_up_and_init_reboot)
{
	struct rnd r = {.v = 1000000};
	struct dhcp_fsm f;
	struct dhcp_lease old;
	struct dhcp_reply m = reply_of(DHCP_ACK, 0, "10.88.0.21");
	uint64_t t = 10 * SEC;

	in_state(&f, &r, R, t);
	for (int i = 1; i < DHCP_REQUEST_TRIES; i++) {
		EXPECT_EQ(SEND, dhcp_fsm_step(&f, t, DEV_TIMEOUT, NULL));
		EXPECT_EQ(DHCP_REQUEST, f.out.type);
	}
	EXPECT_EQ(SEND, dhcp_fsm_step(&f, t, DEV_TIMEOUT, NULL));
	EXPECT_EQ(S, f.state);
	EXPECT_EQ(DHCP_DISCOVER, f.out.type);

	dhcp_lease_from_reply(&old, &m);
	dhcp_fsm_init(&f, mac, fixed_random, &r);
	ASSERT_EQ(SEND, dhcp_fsm_start(&f, t, &old));
	EXPECT_EQ(IR, f.state);
	EXPECT_EQ(DHCP_REQUEST, f.out.type);
	EXPECT_EQ(old.addr.s_addr, f.out.requested.s_addr);
	EXPECT_EQ(0u, f.out.server_id.s_addr);
	EXPECT_EQ(0u, f.out.ciaddr.s_addr);
	EXPECT_EQ(1u, f.sent);
	m.xid = f.xid;
	EXPECT_EQ(BIND, dhcp_fsm_rx(&f, t + SEC / 10, &m));
	EXPECT_EQ(B, f.state);

	dhcp_fsm_init(&f, mac, fixed_random, &r);
	dhcp_fsm_start(&f, t, &old);
	EXPECT_EQ(SEND, dhcp_fsm_timer(&f, f.timer_at));
	EXPECT_EQ(IR, f.state);
	EXPECT_EQ(SEND, dhcp_fsm_timer(&f, f.timer_at));
	EXPECT_EQ(S, f.state);
	EXPECT_EQ(DHCP_DISCOVER, f.out.type);
}

/* The server is gone: REQUEST at T1 (unicast, ciaddr), again half-way to T2 (60 s at
 * least), broadcast at T2, the address kept until expiry, then removed and DISCOVER. */
TEST(server_gone_t1_t2_expiry)
{
	struct rnd r = {.v = 1000000};
	struct dhcp_fsm f;
	uint64_t t = 1000 * SEC;
	unsigned act;

	in_state(&f, &r, B, t);
	f.t1_at = t + 300 * SEC;
	f.t2_at = t + 525 * SEC;
	f.expire_at = t + 600 * SEC;
	EXPECT_EQ(0u, dhcp_fsm_timer(&f, t + 299 * SEC));
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, t + 300 * SEC));
	EXPECT_EQ(RN, f.state);
	EXPECT_EQ(f.lease.addr.s_addr, f.out.ciaddr.s_addr);
	EXPECT_FALSE(f.out.broadcast);
	EXPECT_EQ(0u, f.out.requested.s_addr);
	EXPECT_EQ(t + 412 * SEC + SEC / 2, f.timer_at); /* half of 225 s */
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, f.timer_at));
	EXPECT_EQ(t + 472 * SEC + SEC / 2, f.timer_at); /* 112.5 s left: 60 s at least */
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, f.timer_at));
	EXPECT_EQ(t + 525 * SEC, f.timer_at); /* 52.5 s left: not past T2 */
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, t + 525 * SEC));
	EXPECT_EQ(RB, f.state);
	EXPECT_EQ(f.lease.addr.s_addr, f.out.ciaddr.s_addr);
	EXPECT_EQ(t + 585 * SEC, f.timer_at); /* 75 s left: 60 s */
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, f.timer_at));
	EXPECT_TRUE(f.bound);
	act = dhcp_fsm_timer(&f, t + 600 * SEC);
	EXPECT_EQ(SEND | UNBIND, act);
	EXPECT_FALSE(f.bound);
	EXPECT_EQ(S, f.state);
	EXPECT_EQ(DHCP_DISCOVER, f.out.type);

	/* a host that slept past every timer: expiry wins, T1/T2 do not fire after it */
	in_state(&f, &r, B, t);
	EXPECT_EQ(SEND | UNBIND, dhcp_fsm_timer(&f, t + 1000 * SEC));
	EXPECT_EQ(S, f.state);
}

/* A renewal answered with another address: BIND with the new lease. NAKed (the server
 * moved the address): the old lease stays in use while a new one is sought, so the new
 * address is bound before the old one goes (make-before-break). */
TEST(renewal_changes_address)
{
	struct rnd r = {.v = 1000000};
	struct dhcp_fsm f;
	struct dhcp_reply m;
	uint64_t t = 1000 * SEC;

	in_state(&f, &r, B, t);
	ASSERT_EQ(SEND, dhcp_fsm_step(&f, t, DEV_T1, NULL));
	m = reply_of(DHCP_ACK, f.xid, "10.88.0.42");
	ASSERT_EQ(BIND, dhcp_fsm_rx(&f, t + SEC, &m));
	EXPECT_EQ(m.yiaddr.s_addr, f.lease.addr.s_addr);
	EXPECT_EQ(t + 60 * SEC, f.t1_at); /* from the REQUEST */

	in_state(&f, &r, RN, t);
	m = reply_of(DHCP_NAK, 7, "0.0.0.0");
	ASSERT_EQ(SEND, dhcp_fsm_rx(&f, t, &m));
	EXPECT_EQ(S, f.state);
	EXPECT_EQ(DHCP_DISCOVER, f.out.type);
	EXPECT_TRUE(f.bound); /* still in use */
	EXPECT_EQ(a4("10.88.0.21").s_addr, f.lease.addr.s_addr);
	EXPECT_EQ(0u, f.t1_at);
	EXPECT_EQ(0u, f.t2_at);
	EXPECT_EQ(t + DHCP_NAK_HOLD_US, f.expire_at);
	m = reply_of(DHCP_OFFER, f.xid, "10.88.0.43");
	ASSERT_EQ(SEND | PROBE, dhcp_fsm_rx(&f, t + SEC / 10, &m));
	m.type = DHCP_ACK;
	ASSERT_EQ(0u, dhcp_fsm_rx(&f, t + SEC / 5, &m));
	EXPECT_TRUE(f.bound);
	EXPECT_EQ(a4("10.88.0.21").s_addr, f.lease.addr.s_addr); /* the old, while probing */
	ASSERT_EQ(BIND, dhcp_fsm_timer(&f, t + SEC / 10 + DHCP_PROBE_WAIT_US));
	EXPECT_EQ(B, f.state);
	EXPECT_EQ(m.yiaddr.s_addr, f.lease.addr.s_addr); /* replaced: no UNBIND between */
	EXPECT_EQ(t + SEC / 10 + 120 * SEC, f.expire_at);

	/* no new lease within the hold: the NAKed one goes (DISCOVER goes on) */
	in_state(&f, &r, RB, t);
	m = reply_of(DHCP_NAK, 7, "0.0.0.0");
	ASSERT_EQ(SEND, dhcp_fsm_rx(&f, t, &m));
	EXPECT_EQ(t + 4 * SEC, dhcp_fsm_next(&f)); /* DISCOVER again, the old still held */
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, t + 4 * SEC));
	EXPECT_TRUE(f.bound);
	EXPECT_EQ(t + DHCP_NAK_HOLD_US, dhcp_fsm_next(&f));
	ASSERT_EQ(UNBIND, dhcp_fsm_timer(&f, t + DHCP_NAK_HOLD_US));
	EXPECT_FALSE(f.bound);
	EXPECT_EQ(S, f.state);
	EXPECT_EQ(t + 12 * SEC, f.timer_at); /* the DISCOVER's retransmissions go on */

	/* a lease about to expire anyway is not held past its expiry */
	in_state(&f, &r, RB, t);
	f.expire_at = t + SEC;
	ASSERT_EQ(SEND, dhcp_fsm_rx(&f, t, &m));
	EXPECT_EQ(t + SEC, f.expire_at);
}

/* check_only (auto, the metadata answering): DISCOVER until one OFFER, then nothing more:
 * no REQUEST, no lease, no timer; unanswered, it gives up after DHCP_CHECK_TRIES. */
TEST(check_only_one_offer)
{
	struct rnd r = {.v = 1000000};
	struct dhcp_fsm f;
	struct dhcp_reply m;
	uint64_t t = 100 * SEC;

	dhcp_fsm_init(&f, mac, fixed_random, &r);
	f.check_only = true;
	ASSERT_EQ(SEND, dhcp_fsm_start(&f, t, NULL));
	EXPECT_EQ(DHCP_DISCOVER, f.out.type);
	m = reply_of(DHCP_OFFER, f.xid, "10.88.0.21");
	ASSERT_EQ(DACT_CHECKED, dhcp_fsm_rx(&f, t + SEC / 10, &m));
	EXPECT_EQ(I, f.state);
	EXPECT_TRUE(f.checked);
	EXPECT_FALSE(f.bound);
	EXPECT_EQ(m.yiaddr.s_addr, f.offer.addr.s_addr);
	EXPECT_EQ(0u, dhcp_fsm_next(&f)); /* nothing wakes it again */
	EXPECT_EQ(1u, f.sent);
	m.type = DHCP_ACK; /* late replies change nothing */
	EXPECT_EQ(0u, dhcp_fsm_rx(&f, t + SEC, &m));

	dhcp_fsm_init(&f, mac, fixed_random, &r);
	f.check_only = true;
	ASSERT_EQ(SEND, dhcp_fsm_start(&f, t, NULL));
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, t + 4 * SEC));
	ASSERT_EQ(DACT_CHECKED, dhcp_fsm_timer(&f, t + 12 * SEC));
	EXPECT_EQ(I, f.state);
	EXPECT_TRUE(f.checked);
	EXPECT_EQ(0u, f.offer.addr.s_addr); /* no answer */
	EXPECT_EQ(0u, dhcp_fsm_next(&f));
	EXPECT_EQ((unsigned)DHCP_CHECK_TRIES, f.sent);
}

/* The probe saw the address in use: DECLINE it, wait 10 s, DISCOVER again. */
TEST(conflict_declines)
{
	struct rnd r = {.v = 1000000};
	struct dhcp_fsm f;
	uint64_t t = 10 * SEC;

	in_state(&f, &r, C, t);
	ASSERT_EQ(SEND, dhcp_fsm_step(&f, t, DEV_CONFLICT, NULL));
	EXPECT_EQ(DHCP_DECLINE, f.out.type);
	EXPECT_EQ(f.offer.addr.s_addr, f.out.requested.s_addr);
	EXPECT_EQ(f.offer.server.s_addr, f.out.server_id.s_addr);
	EXPECT_FALSE(f.bound);
	EXPECT_EQ(t + DHCP_DECLINE_WAIT_US, dhcp_fsm_next(&f));
	ASSERT_EQ(SEND, dhcp_fsm_timer(&f, t + DHCP_DECLINE_WAIT_US));
	EXPECT_EQ(S, f.state);
	EXPECT_EQ(DHCP_DISCOVER, f.out.type);
}

/* An fsm started at t that took an OFFER of 10.88.0.21 at t (REQUEST and probe sent). */
static struct dhcp_reply offered(struct dhcp_fsm *f, struct rnd *r, uint64_t t)
{
	struct dhcp_reply m;

	dhcp_fsm_init(f, mac, fixed_random, r);
	dhcp_fsm_start(f, t, NULL);
	m = reply_of(DHCP_OFFER, f->xid, "10.88.0.21");
	if (dhcp_fsm_rx(f, t, &m) != (SEND | PROBE))
		m.type = DHCP_NAK; /* the caller's checks then fail */
	return m;
}

/* The probe goes out with the REQUEST: an ACK after its quiet time binds at once; a
 * conflict seen before the ACK declines at the ACK; an ACK for another address than the
 * one offered (and probed) is probed anew. */
TEST(probe_with_the_request)
{
	struct rnd r = {.v = 1000000};
	struct dhcp_fsm f;
	struct dhcp_reply m;
	uint64_t t = 10 * SEC;

	/* every case starts with an OFFER taken at t: REQUEST and probe out */
	m = offered(&f, &r, t);
	EXPECT_EQ(DHCP_REQUEST, f.out.type);
	EXPECT_EQ(m.yiaddr.s_addr, f.probed.s_addr);

	/* quiet over by the ACK: BOUND straight away */
	m.type = DHCP_ACK;
	ASSERT_EQ(BIND, dhcp_fsm_rx(&f, t + DHCP_PROBE_WAIT_US, &m));
	EXPECT_EQ(B, f.state);
	EXPECT_EQ(m.yiaddr.s_addr, f.lease.addr.s_addr);

	/* answered before the ACK: nothing at once, DECLINE at the ACK */
	m = offered(&f, &r, t);
	ASSERT_EQ(0u, dhcp_fsm_step(&f, t + 1000, DEV_CONFLICT, NULL));
	EXPECT_EQ(R, f.state);
	EXPECT_TRUE(f.conflict);
	m.type = DHCP_ACK;
	ASSERT_EQ(SEND, dhcp_fsm_rx(&f, t + 2000, &m));
	EXPECT_EQ(DHCP_DECLINE, f.out.type);
	EXPECT_EQ(m.yiaddr.s_addr, f.out.requested.s_addr);
	EXPECT_EQ(I, f.state);
	EXPECT_FALSE(f.bound);
	EXPECT_FALSE(dhcp_fsm_probing(&f));
	EXPECT_EQ(t + 2000 + DHCP_DECLINE_WAIT_US, dhcp_fsm_next(&f));

	/* a conflict and then a NAK: back to DISCOVER, the conflict forgotten */
	m = offered(&f, &r, t);
	dhcp_fsm_step(&f, t + 1000, DEV_CONFLICT, NULL);
	m.type = DHCP_NAK;
	ASSERT_EQ(SEND, dhcp_fsm_rx(&f, t + 2000, &m));
	EXPECT_EQ(S, f.state);
	EXPECT_FALSE(f.conflict);
	EXPECT_FALSE(dhcp_fsm_probing(&f));

	/* the ACK names another address: probed anew, its own full quiet time */
	m = offered(&f, &r, t);
	m = reply_of(DHCP_ACK, f.xid, "10.88.0.22");
	ASSERT_EQ(PROBE, dhcp_fsm_rx(&f, t + DHCP_PROBE_WAIT_US, &m));
	EXPECT_EQ(C, f.state);
	EXPECT_EQ(m.yiaddr.s_addr, f.probed.s_addr);
	EXPECT_EQ(t + 2 * DHCP_PROBE_WAIT_US, dhcp_fsm_next(&f));
	ASSERT_EQ(BIND, dhcp_fsm_timer(&f, t + 2 * DHCP_PROBE_WAIT_US));
	EXPECT_EQ(m.yiaddr.s_addr, f.lease.addr.s_addr);
}

/* T1/T2 defaults and order; an infinite lease arms nothing. */
TEST(lease_times)
{
	struct dhcp_reply m = reply_of(DHCP_ACK, 7, "10.88.0.21");
	struct dhcp_lease l;
	struct rnd r = {0};
	struct dhcp_fsm f;

	m.lease_s = 800;
	dhcp_lease_from_reply(&l, &m);
	EXPECT_EQ(400u, l.t1_s);
	EXPECT_EQ(700u, l.t2_s);
	m.t1_s = 10, m.t2_s = 20;
	dhcp_lease_from_reply(&l, &m);
	EXPECT_EQ(10u, l.t1_s);
	EXPECT_EQ(20u, l.t2_s);
	m.t1_s = 30; /* past T2 */
	dhcp_lease_from_reply(&l, &m);
	EXPECT_EQ(20u, l.t1_s);
	m.t2_s = 900; /* past the lease */
	dhcp_lease_from_reply(&l, &m);
	EXPECT_EQ(700u, l.t2_s);
	EXPECT_EQ(30u, l.t1_s);

	m.lease_s = DHCP_LEASE_INFINITE;
	in_state(&f, &r, IR, 5 * SEC);
	dhcp_fsm_rx(&f, 5 * SEC, &m);
	EXPECT_EQ(B, f.state);
	EXPECT_EQ(0u, dhcp_fsm_next(&f));
}

/* dhcp_lease_max: a longer lease counts as that long, T1 and T2 kept below it. */
TEST(lease_capped)
{
	struct dhcp_reply m = reply_of(DHCP_ACK, 7, "10.88.0.21");
	struct rnd r = {0};
	struct dhcp_fsm f;

	m.t1_s = 5, m.t2_s = 30;
	in_state(&f, &r, IR, 5 * SEC);
	f.sent_at = 5 * SEC;
	f.lease_max_s = 20;
	ASSERT_EQ(BIND, dhcp_fsm_rx(&f, 6 * SEC, &m));
	EXPECT_EQ(20u, f.lease.lease_s);
	EXPECT_EQ(5u, f.lease.t1_s);
	EXPECT_EQ(17u, f.lease.t2_s); /* 30 s is past the lease: 7/8 of it */
	EXPECT_EQ(25 * SEC, f.expire_at);
}

static struct dhcp_route route(const char *dst, uint8_t len, const char *gw)
{
	return (struct dhcp_route){a4(dst), len, a4(gw)};
}

/* The plan's routes to dst ("a.b.c.d/n"): the last one and their count. */
static const struct plan_route *planned(const struct plan *p, const char *dst, unsigned *n)
{
	const struct plan_route *found = NULL;
	char d[ENID_IP_STRLEN];

	*n = 0;
	for (unsigned i = 0; i < p->n_routes; i++) {
		if (strcmp(enid_ip_format(&p->routes[i].dst, true, d, sizeof(d)), dst))
			continue;
		found = &p->routes[i];
		++*n;
	}
	return found;
}

/* RFC 3442: option 121 replaces the router option; its default route is the gateway,
 * the rest are planned in the ENI's table T only; a gateway off the subnet is dropped. */
TEST(option121_planned_in_table_only)
{
	struct dhcp_reply m = reply_of(DHCP_ACK, 7, "10.88.0.21");
	struct link_facts facts = {.ifindex = 5, .ifname = "eth1", .mtu = 1500};
	static struct enid_config cfg;
	static struct plan p;
	struct addressing a;
	struct dhcp_lease l;
	const struct plan_route *r;
	unsigned n;
	char s[ENID_IP_STRLEN];

	m.mtu = 9000;
	m.has_routes = true;
	m.routes[m.n_routes++] = route("0.0.0.0", 0, "10.88.0.1");
	m.routes[m.n_routes++] = route("198.51.100.0", 24, "10.88.0.254");
	m.routes[m.n_routes++] = route("192.0.2.0", 24, "0.0.0.0");
	m.routes[m.n_routes++] = route("203.0.113.0", 24, "10.99.0.1"); /* off the subnet */
	dhcp_lease_from_reply(&l, &m);
	dhcp_lease_addressing(&l, &a);
	ASSERT_EQ(1u, a.n_addrs);
	EXPECT_STREQ("10.88.0.21/24", enid_ip_format(&a.addrs[0], true, s, sizeof(s)));
	EXPECT_STREQ("10.88.0.1", enid_ip_format(&a.gateway4, false, s, sizeof(s)));
	EXPECT_EQ(9000u, a.mtu);
	ASSERT_EQ(2u, a.n_routes);

	memcpy(facts.mac, mac, 6);
	config_defaults(&cfg);
	ASSERT_EQ(0, link_plan(&cfg, &facts, &a, 1, &p)) TH_LOG("%s", p.why);
	r = planned(&p, "198.51.100.0/24", &n);
	ASSERT_EQ(1u, n);
	EXPECT_EQ(p.table, r->table);
	EXPECT_STREQ("10.88.0.254", enid_ip_format(&r->gateway, false, s, sizeof(s)));
	EXPECT_EQ(RT_SCOPE_UNIVERSE, r->scope);
	r = planned(&p, "192.0.2.0/24", &n);
	ASSERT_EQ(1u, n);
	EXPECT_EQ(p.table, r->table);
	EXPECT_EQ(0, r->gateway.family);
	EXPECT_EQ(RT_SCOPE_LINK, r->scope);
	planned(&p, "203.0.113.0/24", &n);
	EXPECT_EQ(0u, n);
	r = planned(&p, "0.0.0.0/0", &n);
	ASSERT_EQ(1u, n); /* default_route = no: table T only */
	EXPECT_EQ(p.table, r->table);
	EXPECT_STREQ("10.88.0.1", enid_ip_format(&r->gateway, false, s, sizeof(s)));

	/* without option 121 the router option is the gateway, no extra route */
	m.has_routes = false;
	m.n_routes = 0;
	dhcp_lease_from_reply(&l, &m);
	dhcp_lease_addressing(&l, &a);
	EXPECT_STREQ("10.88.0.253", enid_ip_format(&a.gateway4, false, s, sizeof(s)));
	EXPECT_EQ(0u, a.n_routes);
}

TEST_HARNESS_MAIN
