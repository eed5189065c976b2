// SPDX-License-Identifier: GPL-2.0-or-later
#include "link_fsm.h"

const char *link_state_name(enum link_state s)
{
	static const char *const names[] = {
		[LINK_NEW] = "new",
		[LINK_WAIT_UDEV] = "wait-udev",
		[LINK_RESOLVING] = "resolving",
		[LINK_PENDING] = "pending",
		[LINK_CONFIGURING] = "configuring",
		[LINK_CONFIGURED] = "configured",
		[LINK_FAILED] = "failed",
		[LINK_REMOVED] = "removed",
	};

	return s <= LINK_REMOVED ? names[s] : "?";
}

const char *link_ev_name(enum link_ev ev)
{
	static const char *const names[] = {
		[LEV_MANAGED] = "managed",
		[LEV_UNMANAGED] = "unmanaged",
		[LEV_UDEV_WAIT] = "udev-wait",
		[LEV_UDEV_READY] = "udev-ready",
		[LEV_UDEV_TIMEOUT] = "udev-timeout",
		[LEV_ADDR_WAIT] = "addr-wait",
		[LEV_ADDR_LATE] = "addr-late",
		[LEV_ADDR_NONE] = "addr-none",
		[LEV_ADDR_READY] = "addr-ready",
		[LEV_QUEUED] = "queued",
		[LEV_APPLIED] = "applied",
		[LEV_EEXIST] = "eexist",
		[LEV_FAILED] = "failed",
		[LEV_RETRY] = "retry",
		[LEV_REAPPLY] = "reapply",
		[LEV_HEAL] = "heal",
		[LEV_MOVE] = "move",
		[LEV_GONE] = "gone",
		[LEV_BACK] = "back",
		[LEV_CLEANED] = "cleaned",
	};

	return ev < LEV__COUNT ? names[ev] : "?";
}

void link_set_state(struct link_sm *sm, enum link_state s)
{
	sm->state = s;
}

static unsigned int cleanup(const struct link_sm *sm)
{
	return sm->has_slot ? LACT_CLEANUP : LACT_NONE;
}

unsigned int link_step(struct link_sm *sm, enum link_ev ev)
{
	enum link_state s = sm->state;

	/* a removed link only waits for its cleanup, or comes back */
	if (s == LINK_REMOVED) {
		if (ev == LEV_CLEANED)
			return LACT_DESTROY;
		if (ev != LEV_BACK)
			return LACT_NONE;
		link_set_state(sm, LINK_NEW);
		return sm->managed ? LACT_GATE : LACT_NONE;
	}
	switch (ev) {
	case LEV_GONE:
		link_set_state(sm, LINK_REMOVED);
		return sm->has_slot ? LACT_CLEANUP : LACT_DESTROY;
	case LEV_BACK:
		return LACT_NONE;
	case LEV_MANAGED:
		sm->managed = true;
		link_set_state(sm, LINK_NEW);
		return LACT_GATE;
	case LEV_UNMANAGED:
		sm->managed = false;
		link_set_state(sm, LINK_NEW);
		return cleanup(sm);
	case LEV_MOVE:
		link_set_state(sm, LINK_NEW);
		return cleanup(sm);
	case LEV_CLEANED:
		/* a live link whose slot went (moved, MAC changed): start over if managed */
		return sm->managed && s == LINK_NEW ? LACT_GATE : LACT_NONE;
	default:
		break;
	}
	if (!sm->managed)
		return LACT_NONE;
	switch (ev) {
	case LEV_UDEV_WAIT:
		if (s != LINK_NEW)
			return LACT_NONE;
		link_set_state(sm, LINK_WAIT_UDEV);
		return LACT_ARM_UDEV;
	case LEV_UDEV_READY:
	case LEV_UDEV_TIMEOUT:
		if (s != LINK_NEW && s != LINK_WAIT_UDEV)
			return LACT_NONE;
		link_set_state(sm, LINK_RESOLVING);
		return LACT_RESOLVE;
	case LEV_ADDR_WAIT:
		if (s == LINK_NEW || s == LINK_WAIT_UDEV)
			return LACT_NONE;
		/* what is applied stays while the source is asked again */
		if (s == LINK_RESOLVING || s == LINK_FAILED)
			link_set_state(sm, LINK_RESOLVING);
		return LACT_NONE;
	case LEV_ADDR_LATE:
		if (s == LINK_RESOLVING)
			link_set_state(sm, LINK_FAILED);
		return LACT_NONE;
	case LEV_ADDR_NONE:
		if (s == LINK_NEW || s == LINK_WAIT_UDEV)
			return LACT_NONE;
		link_set_state(sm, LINK_RESOLVING);
		return cleanup(sm);
	case LEV_ADDR_READY:
		if (s == LINK_NEW || s == LINK_WAIT_UDEV)
			return LACT_NONE; /* taken when udev is done with it */
		link_set_state(sm, LINK_PENDING);
		return LACT_APPLY;
	case LEV_QUEUED:
		link_set_state(sm, LINK_CONFIGURING);
		return LACT_NONE;
	case LEV_APPLIED:
		if (s != LINK_CONFIGURING)
			return LACT_NONE;
		link_set_state(sm, LINK_CONFIGURED);
		return LACT_CONFIGURED | LACT_ANNOUNCE;
	case LEV_EEXIST:
		return s == LINK_CONFIGURING ? LACT_VERIFY : LACT_NONE;
	case LEV_FAILED:
		link_set_state(sm, LINK_FAILED);
		return LACT_ARM_RETRY;
	case LEV_RETRY:
		if (s != LINK_FAILED)
			return LACT_NONE;
		link_set_state(sm, LINK_PENDING);
		return LACT_APPLY;
	case LEV_REAPPLY:
		if (s == LINK_NEW || s == LINK_WAIT_UDEV)
			return LACT_NONE;
		link_set_state(sm, LINK_RESOLVING);
		return LACT_RESOLVE;
	case LEV_HEAL:
		if (s != LINK_CONFIGURED && s != LINK_CONFIGURING && s != LINK_PENDING)
			return LACT_NONE;
		link_set_state(sm, LINK_PENDING);
		return LACT_APPLY;
	default:
		return LACT_NONE;
	}
}

bool link_sm_settled(const struct link_sm *sm, bool waiting_addr)
{
	if (!sm->managed)
		return true;
	switch (sm->state) {
	case LINK_CONFIGURED:
	case LINK_FAILED:
	case LINK_REMOVED:
		return true;
	case LINK_RESOLVING:
		return !waiting_addr;
	default:
		return false;
	}
}
