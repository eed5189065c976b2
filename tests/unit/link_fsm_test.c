// SPDX-License-Identifier: GPL-2.0
/* The link state machine (daemon/link_fsm.c): every state x event, and the paths that matter. */
#include <stdio.h>

#include "kselftest_harness.h"
#include "link_fsm.h"

#define N LINK_NEW
#define W LINK_WAIT_UDEV
#define R LINK_RESOLVING
#define P LINK_PENDING
#define C LINK_CONFIGURING
#define K LINK_CONFIGURED
#define F LINK_FAILED
#define X LINK_REMOVED
#define S_COUNT (LINK_REMOVED + 1)

struct want {
	enum link_state to;
	unsigned int act;
};

#define GATE	LACT_GATE
#define UDEV	LACT_ARM_UDEV
#define RES	LACT_RESOLVE
#define APPLY	LACT_APPLY
#define VERIFY	LACT_VERIFY
#define CLEAN	LACT_CLEANUP
#define RETRY	LACT_ARM_RETRY
#define DONE	(LACT_CONFIGURED | LACT_ANNOUNCE)
#define DESTROY LACT_DESTROY

/* A managed link that holds a slot: [event][from state] -> (to, actions). */
static const struct want managed[LEV__COUNT][S_COUNT] = {
	/*                     NEW          WAIT_UDEV    RESOLVING    PENDING      CONFIGURING  CONFIGURED   FAILED       REMOVED */
	[LEV_MANAGED] =      {{N, GATE},   {N, GATE},   {N, GATE},   {N, GATE},   {N, GATE},   {N, GATE},   {N, GATE},   {X, 0}},
	[LEV_UNMANAGED] =    {{N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {X, 0}},
	[LEV_UDEV_WAIT] =    {{W, UDEV},   {W, 0},      {R, 0},      {P, 0},      {C, 0},      {K, 0},      {F, 0},      {X, 0}},
	[LEV_UDEV_READY] =   {{R, RES},    {R, RES},    {R, 0},      {P, 0},      {C, 0},      {K, 0},      {F, 0},      {X, 0}},
	[LEV_UDEV_TIMEOUT] = {{R, RES},    {R, RES},    {R, 0},      {P, 0},      {C, 0},      {K, 0},      {F, 0},      {X, 0}},
	[LEV_ADDR_WAIT] =    {{N, 0},      {W, 0},      {R, 0},      {P, 0},      {C, 0},      {K, 0},      {R, 0},      {X, 0}},
	[LEV_ADDR_LATE] =    {{N, 0},      {W, 0},      {F, 0},      {P, 0},      {C, 0},      {K, 0},      {F, 0},      {X, 0}},
	[LEV_ADDR_NONE] =    {{N, 0},      {W, 0},      {R, CLEAN},  {R, CLEAN},  {R, CLEAN},  {R, CLEAN},  {R, CLEAN},  {X, 0}},
	[LEV_ADDR_READY] =   {{N, 0},      {W, 0},      {P, APPLY},  {P, APPLY},  {P, APPLY},  {P, APPLY},  {P, APPLY},  {X, 0}},
	[LEV_QUEUED] =       {{C, 0},      {C, 0},      {C, 0},      {C, 0},      {C, 0},      {C, 0},      {C, 0},      {X, 0}},
	[LEV_APPLIED] =      {{N, 0},      {W, 0},      {R, 0},      {P, 0},      {K, DONE},   {K, 0},      {F, 0},      {X, 0}},
	[LEV_EEXIST] =       {{N, 0},      {W, 0},      {R, 0},      {P, 0},      {C, VERIFY}, {K, 0},      {F, 0},      {X, 0}},
	[LEV_FAILED] =       {{F, RETRY},  {F, RETRY},  {F, RETRY},  {F, RETRY},  {F, RETRY},  {F, RETRY},  {F, RETRY},  {X, 0}},
	[LEV_RETRY] =        {{N, 0},      {W, 0},      {R, 0},      {P, 0},      {C, 0},      {K, 0},      {P, APPLY},  {X, 0}},
	[LEV_REAPPLY] =      {{N, 0},      {W, 0},      {R, RES},    {R, RES},    {R, RES},    {R, RES},    {R, RES},    {X, 0}},
	[LEV_HEAL] =         {{N, 0},      {W, 0},      {R, 0},      {P, APPLY},  {P, APPLY},  {P, APPLY},  {F, 0},      {X, 0}},
	[LEV_MOVE] =         {{N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {N, CLEAN},  {X, 0}},
	[LEV_GONE] =         {{X, CLEAN},  {X, CLEAN},  {X, CLEAN},  {X, CLEAN},  {X, CLEAN},  {X, CLEAN},  {X, CLEAN},  {X, 0}},
	[LEV_BACK] =         {{N, 0},      {W, 0},      {R, 0},      {P, 0},      {C, 0},      {K, 0},      {F, 0},      {N, GATE}},
	[LEV_CLEANED] =      {{N, GATE},   {W, 0},      {R, 0},      {P, 0},      {C, 0},      {K, 0},      {F, 0},      {X, DESTROY}},
};

TEST(every_state_and_event_managed_with_slot)
{
	for (int ev = 0; ev < LEV__COUNT; ev++) {
		for (int s = 0; s < S_COUNT; s++) {
			struct link_sm sm = {.state = (enum link_state)s, .managed = true,
					     .has_slot = true};
			const struct want *w = &managed[ev][s];
			unsigned int act = link_step(&sm, (enum link_ev)ev);

			EXPECT_EQ(w->to, sm.state)
			TH_LOG("%s on %s: to %s, want %s", link_ev_name(ev),
			       link_state_name(s), link_state_name(sm.state),
			       link_state_name(w->to));
			EXPECT_EQ(w->act, act)
			TH_LOG("%s on %s: actions 0x%x, want 0x%x", link_ev_name(ev),
			       link_state_name(s), act, w->act);
		}
	}
}

/* Without a slot nothing is cleaned, and a gone link is forgotten at once. */
TEST(no_slot_no_cleanup)
{
	for (int ev = 0; ev < LEV__COUNT; ev++) {
		for (int s = 0; s < S_COUNT; s++) {
			struct link_sm sm = {.state = (enum link_state)s, .managed = true};
			unsigned int act = link_step(&sm, (enum link_ev)ev);

			EXPECT_EQ(0, act & LACT_CLEANUP)
			TH_LOG("%s on %s cleans without a slot", link_ev_name(ev),
			       link_state_name(s));
		}
	}
	{
		struct link_sm sm = {.state = LINK_RESOLVING, .managed = true};

		EXPECT_EQ(LACT_DESTROY, link_step(&sm, LEV_GONE));
		EXPECT_EQ(LINK_REMOVED, sm.state);
	}
}

/* An unmanaged link is never resolved, applied or retried: only seen, cleaned, gone. */
TEST(unmanaged_does_nothing)
{
	static const unsigned int never = LACT_RESOLVE | LACT_APPLY | LACT_VERIFY |
					  LACT_ARM_RETRY | LACT_ANNOUNCE | LACT_ARM_UDEV;

	for (int ev = 0; ev < LEV__COUNT; ev++) {
		for (int s = 0; s < S_COUNT; s++) {
			struct link_sm sm = {.state = (enum link_state)s, .has_slot = true};
			unsigned int act;

			if (ev == LEV_MANAGED)
				continue;
			act = link_step(&sm, (enum link_ev)ev);
			EXPECT_EQ(0, act & never)
			TH_LOG("%s on unmanaged %s: 0x%x", link_ev_name(ev), link_state_name(s),
			       act);
			EXPECT_FALSE(sm.managed);
		}
	}
}

/* Unplugged while its requests are in flight: the late answer changes nothing. */
TEST(unplug_during_configuration)
{
	struct link_sm sm = {.state = LINK_CONFIGURING, .managed = true, .has_slot = true};

	EXPECT_EQ(LACT_CLEANUP, link_step(&sm, LEV_GONE));
	EXPECT_EQ(LACT_NONE, link_step(&sm, LEV_APPLIED));
	EXPECT_EQ(LACT_NONE, link_step(&sm, LEV_FAILED));
	EXPECT_EQ(LINK_REMOVED, sm.state);
	EXPECT_EQ(LACT_DESTROY, link_step(&sm, LEV_CLEANED));
}

/* udev never answers: the timeout lets the link go on. */
TEST(udev_timeout)
{
	struct link_sm sm = {.state = LINK_NEW};

	EXPECT_EQ(LACT_GATE, link_step(&sm, LEV_MANAGED));
	EXPECT_EQ(LACT_ARM_UDEV, link_step(&sm, LEV_UDEV_WAIT));
	EXPECT_EQ(LINK_WAIT_UDEV, sm.state);
	EXPECT_EQ(LACT_NONE, link_step(&sm, LEV_ADDR_READY)); /* metadata first: kept */
	EXPECT_EQ(LACT_RESOLVE, link_step(&sm, LEV_UDEV_TIMEOUT));
	EXPECT_EQ(LINK_RESOLVING, sm.state);
	EXPECT_EQ(LACT_APPLY, link_step(&sm, LEV_ADDR_READY));
	EXPECT_EQ(LINK_PENDING, sm.state);
}

/* The metadata lags past its deadline, then the ENI is unbound: nothing was applied. */
TEST(metadata_lag_then_unbind)
{
	struct link_sm sm = {.state = LINK_NEW};

	link_step(&sm, LEV_MANAGED);
	EXPECT_EQ(LACT_RESOLVE, link_step(&sm, LEV_UDEV_READY));
	EXPECT_EQ(LACT_NONE, link_step(&sm, LEV_ADDR_WAIT));
	EXPECT_EQ(LINK_RESOLVING, sm.state);
	EXPECT_EQ(LACT_NONE, link_step(&sm, LEV_ADDR_LATE));
	EXPECT_EQ(LINK_FAILED, sm.state);
	EXPECT_EQ(LACT_DESTROY, link_step(&sm, LEV_GONE)); /* no slot was ever taken */
}

/* Killed and restarted: the slot from /run is kept, the plan applied against a dump. */
TEST(restart_with_state_in_run)
{
	struct link_sm sm = {.state = LINK_NEW, .has_slot = true};

	EXPECT_EQ(LACT_GATE, link_step(&sm, LEV_MANAGED));
	EXPECT_EQ(LACT_RESOLVE, link_step(&sm, LEV_UDEV_READY));
	EXPECT_EQ(LACT_APPLY, link_step(&sm, LEV_ADDR_READY));
	EXPECT_EQ(LACT_NONE, link_step(&sm, LEV_QUEUED));
	EXPECT_EQ(LACT_VERIFY, link_step(&sm, LEV_EEXIST)); /* it was all there */
	EXPECT_EQ(LINK_CONFIGURING, sm.state);
	EXPECT_EQ(LACT_CONFIGURED | LACT_ANNOUNCE, link_step(&sm, LEV_APPLIED));
	EXPECT_EQ(LINK_CONFIGURED, sm.state);
	EXPECT_TRUE(link_sm_settled(&sm, false));
}

TEST(settled_for_ready)
{
	struct link_sm sm = {.managed = true};
	static const struct {
		enum link_state s;
		bool waiting, settled;
	} cases[] = {
		{LINK_NEW, false, false},	  {LINK_WAIT_UDEV, false, false},
		{LINK_RESOLVING, true, false},	  {LINK_RESOLVING, false, true},
		{LINK_PENDING, false, false},	  {LINK_CONFIGURING, false, false},
		{LINK_CONFIGURED, false, true},	  {LINK_FAILED, false, true},
		{LINK_REMOVED, false, true},
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sm.state = cases[i].s;
		EXPECT_EQ(cases[i].settled, link_sm_settled(&sm, cases[i].waiting))
		TH_LOG("%s", link_state_name(cases[i].s));
	}
	sm.managed = false;
	sm.state = LINK_NEW;
	EXPECT_TRUE(link_sm_settled(&sm, false));
}

TEST_HARNESS_MAIN
