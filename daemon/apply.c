// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The applier: per loop turn, one pass that (when needed) reads what the kernel holds
 * with our protocol, deletes orphans and what unplugged or changed links no longer
 * want, and sends each link's plan as one batch of rtnetlink requests whose ACKs are
 * counted by sequence number. ENOENT/ESRCH on a delete count as done; EEXIST on an add
 * counts as done only once a dump shows the object is the planned one, ours.
 *
 * Order within a batch: link settings, rules, table routes, then addresses, then main
 * routes (they name an address as prefsrc), then what is no longer planned (addresses
 * first). An address is usable the moment it is added, so its rules and table routes are
 * in place before: no reply to it is ever routed from main through the primary; and a
 * changed address is replaced make-before-break (kdiff_apply).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "apply.h"
#include "kdiff.h"
#include "log.h"
#include "nl_util.h"
#include "owned_file.h"
#include "primary_route.h"
#include "rtnl_msg.h"
#include "util.h"

/* scratch space, no state across calls: a plan and its requests are large */
static struct plan scratch_plan;
static struct kreqs scratch_reqs;

static void cleanup_done(struct links *d, struct link *l)
{
	slots_free(&d->slots, l->slot);
	owned_clear(&d->owned, l->slot);
	log_debug("%s: slot %u freed", l->facts.ifname, l->slot);
	l->slot = 0;
	l->rule_fams = 0;
	l->cleanup = false;
	l->attempts = 0;
	l->retry_at = 0;
	/* removed: forgotten; live and managed (MAC or slot changed): planned afresh */
	link_event(d, l, LEV_CLEANED);
}

static bool addr_in_addressing(const struct enid_ip *ip, const void *ctx)
{
	const struct addressing *a = ctx;

	for (unsigned int i = 0; i < a->n_addrs; i++)
		if (a->addrs[i].family == ip->family && a->addrs[i].prefixlen == ip->prefixlen &&
		    enid_ip_same_addr(&a->addrs[i], ip))
			return true;
	return false;
}

/* rtreq's done(): a batch of ours is answered. */
static void batch_done(void *ctx, const struct batch_result *done)
{
	struct links *d = ctx;
	struct link *l;

	if (done->kind == BATCH_REPAIR) {
		if (done->errors)
			log_debug("repair: %s (the full apply follows)", done->first_err);
		return;
	}
	if (done->kind == BATCH_HOST) {
		if (done->errors) {
			log_warn("dispatch rules: %u of %u requests failed, first: %s",
				 done->errors, done->sent, done->first_err);
			d->host_stale = true; /* compared with the kernel again at the next pass */
		} else if (done->sent) {
			log_debug("dispatch rules: %u requests", done->sent);
		}
		return;
	}
	if (done->kind == BATCH_ORPHANS) {
		if (done->errors)
			log_warn("orphan cleanup: %u of %u requests failed, first: %s",
				 done->errors, done->sent, done->first_err);
		else if (done->sent)
			log_info("orphan cleanup: deleted %u stale rules/routes", done->sent);
		return;
	}
	l = links_find(d, done->ifindex);
	if (!l)
		return;
	if (done->kind == BATCH_CLEANUP) {
		l->cleanup_inflight = false;
		if (done->errors) {
			link_failed(d, l, "cleanup: %u of %u requests failed, first: %s",
				    done->errors, done->sent, done->first_err);
			return;
		}
		log_info("%s: slot %u cleaned up (%u requests)", l->facts.ifname, l->slot,
			 done->sent);
		cleanup_done(d, l);
		return;
	}
	if (l->sm.state != LINK_CONFIGURING)
		return;
	if (done->errors) {
		link_failed(d, l, "%u of %u requests failed, first: %s", done->errors, done->sent,
			    done->first_err);
		return;
	}
	/* the stale addresses went: the record is what was planned */
	if (done->tag == l->addr_gen && l->addr)
		owned_filter(&d->owned, l->slot, addr_in_addressing, l->addr);
	l->verify_sent = done->sent;
	/* EEXIST: something was there already, ours and equal or not (verify_link) */
	link_event(d, l, done->eexist ? LEV_EEXIST : LEV_APPLIED);
}

/* Kernel state. */

static int snap_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *d = data;
	struct krule r;

	if (rtnl_parse_rule(nlh, &r) == 0 && kstate_add_rule(&d->ks, d->cfg, &r) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int snap_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *d = data;
	struct kroute r;

	if (rtnl_parse_route(nlh, &r) == 0 && kstate_add_route(&d->ks, d->cfg, &r) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int snap_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *d = data;
	struct kaddr a;

	if (rtnl_parse_addr(nlh, &a) == 0 && kstate_add_addr(&d->ks, &a) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int snapshot(struct links *d)
{
	static const int fams[] = {AF_INET, AF_INET6};
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	char ebuf[128];
	int err;

	kstate_reset(&d->ks);
	err = nl_transact(d->rtdump,
			  rtnl_build_dump_rules(req, sizeof(req), ++d->dump_seq, AF_UNSPEC),
			  snap_rule_cb, d, ebuf, sizeof(ebuf));
	for (unsigned int i = 0; !err && i < 2; i++) {
		struct nlmsghdr *q =
			rtnl_build_dump_routes(req, sizeof(req), ++d->dump_seq, fams[i], 0, 0);

		/* every protocol: foreign routes in our tables make a slot unusable */
		err = nl_transact(d->rtdump, q, snap_route_cb, d, ebuf, sizeof(ebuf));
		if (err == -EAFNOSUPPORT) /* IPv6 disabled */
			err = 0;
	}
	for (unsigned int i = 0; !err && i < 2; i++) {
		struct nlmsghdr *q =
			rtnl_build_dump_addrs(req, sizeof(req), ++d->dump_seq, fams[i], 0);

		err = nl_transact(d->rtdump, q, snap_addr_cb, d, ebuf, sizeof(ebuf));
		if (err == -EAFNOSUPPORT)
			err = 0;
	}
	if (err)
		log_warn("reading the kernel's rules/routes/addresses: %s%s%s", strerror(-err),
			 ebuf[0] ? ": " : "", ebuf);
	return err;
}

static int write_sysctl(const struct plan_sysctl *s)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/%s", s->path);
	return file_write(path, s->value, 0);
}

static bool had_slot(int oif, unsigned int slot, const void *ctx)
{
	struct links *d = (struct links *)ctx;
	struct link *l = links_find(d, oif);

	return l && d->slots.s[slot].used && !memcmp(d->slots.s[slot].mac, l->facts.mac, 6);
}

/* ---- the dispatch in front of the slots (plan.h) ---- */

/* What the dispatch must be now: the subnets of every ENI that holds or is about to get
 * addresses, and the primary's addresses; the barrier and END of every family whose chains
 * a held slot may have in the kernel (addressing not known yet after a restart, a cleanup
 * not done yet), which no lookup may fall into. */
static void host_want(struct links *d, struct host_plan *out)
{
	static struct enid_ip nets[ENID_MAX_SLOTS * ENID_MAX_ADDRS];
	static struct enid_ip prim[PRIMARY_MAX_IFS * PRIMARY_MAX_ADDRS];
	unsigned int n = 0, n_prim = 0, guard = 0;

	for (unsigned int i = 0; i < d->lt.n; i++) {
		const struct link *l = d->lt.v[i];

		if (l->slot)
			guard |= l->rule_fams ? l->rule_fams : PLAN_FAM_V4 | PLAN_FAM_V6;

		if (!l->sm.managed || !l->addr || l->cleanup || l->sm.state == LINK_REMOVED ||
		    (!l->slot && !l->pending))
			continue;
		for (unsigned int k = 0; k < l->addr->n_addrs && n < sizeof(nets) / sizeof(nets[0]);
		     k++)
			nets[n++] = l->addr->addrs[k];
	}
	if (n)
		n_prim = addressing_primary_addrs(d->addr, prim);
	if (host_plan(d->cfg, nets, n, prim, n_prim, guard, out) == -ENOSPC)
		log_warn("dispatch rules: more ENI subnets than fit; every lookup walks the slots");
}

static bool host_has(const struct host_plan *hp, const struct plan_rule *r)
{
	for (unsigned int i = 0; i < hp->n_rules; i++)
		if (rule_same(&hp->rules[i], r))
			return true;
	return false;
}

static bool host_equal(const struct host_plan *a, const struct host_plan *b)
{
	if (a->n_rules != b->n_rules)
		return false;
	for (unsigned int i = 0; i < a->n_rules; i++)
		if (!host_has(b, &a->rules[i]))
			return false;
	return true;
}

/* Sends what the dispatch lacks and deletes what it no longer wants (kdiff_host). */
static void queue_host(struct links *d, const struct host_plan *want)
{
	kreqs_reset(&scratch_reqs);
	kdiff_host(d->cfg, want, &d->ks, &scratch_reqs);
	d->host = *want;
	d->host_stale = false;
	if (!scratch_reqs.n)
		return;
	if (scratch_reqs.oom || rtreq_submit(&d->rtreq, BATCH_HOST, 0, 0, &scratch_reqs)) {
		log_err("dispatch rules: out of memory");
		d->host_stale = true;
		return;
	}
	rtreq_flush(&d->rtreq); /* before any ENI's batch of this round */
}

/* Deletes what is ours but held by no link (kdiff_orphans says exactly what). */
static void queue_orphans(struct links *d)
{
	bool held[ENID_MAX_SLOTS + 1] = {false};

	for (unsigned int i = 0; i < d->lt.n; i++)
		if (d->lt.v[i]->slot)
			held[d->lt.v[i]->slot] = true;
	kreqs_reset(&scratch_reqs);
	kdiff_orphans(d->cfg, &d->ks, held, had_slot, d, &scratch_reqs);
	if (rtreq_submit(&d->rtreq, BATCH_ORPHANS, 0, 0, &scratch_reqs))
		log_err("orphan cleanup: out of memory");
	/* reservations from before a restart whose MAC did not come back */
	for (unsigned int s = 1; s <= ENID_MAX_SLOTS; s++)
		if (d->slots.s[s].used && !held[s]) {
			slots_free(&d->slots, s);
			owned_clear(&d->owned, s);
		}
}

static void queue_cleanup(struct links *d, struct link *l)
{
	int oif = l->sm.state == LINK_REMOVED ? 0 : l->facts.ifindex;

	kreqs_reset(&scratch_reqs);
	kdiff_cleanup(d->cfg, &d->ks, l->slot, oif, &d->owned, &scratch_reqs);
	l->cleanup_inflight = true;
	if (rtreq_submit(&d->rtreq, BATCH_CLEANUP, l->facts.ifindex, 0, &scratch_reqs)) {
		l->cleanup_inflight = false;
		link_failed(d, l, "out of memory");
	}
}

/*
 * A ready link's first half: plan it, write its sysctls and name its addresses in the
 * record (saved once for all the links of the round before any is sent). False when it
 * is not to be sent (unmanaged, no addresses, failed, renamed: the next turn).
 */
static bool prepare_apply(struct links *d, struct link *l)
{
	struct plan *p = &scratch_plan;
	char mac[18];
	int err;

	l->pending = false;
	l->heal_queued = false;
	/* a fresh slot (freed slots were cleaned, orphans swept) holds nothing of ours */
	if (!l->slot)
		return false;
	err = link_plan(d->cfg, &l->facts, l->addr, l->slot, p);
	if (err == -EPERM || err == -ENODATA) {
		log_info("%s (%s): %s", l->facts.ifname, mac_format(l->facts.mac, mac), p->why);
		snprintf(l->why, sizeof(l->why), "%s", p->why);
		link_event(d, l, err == -EPERM ? LEV_UNMANAGED : LEV_ADDR_NONE);
		return false;
	}
	if (err) {
		link_failed(d, l, "planning: %s", p->why);
		return false;
	}
	links_arp_filter_sync(d);
	for (unsigned int i = 0; i < p->n_sysctls; i++) {
		char now[IF_NAMESIZE];

		err = write_sysctl(&p->sysctls[i]);
		if (err == -ENOENT && if_indextoname((unsigned int)l->facts.ifindex, now) &&
		    strcmp(now, l->facts.ifname)) {
			/* renamed (udev) before its event reached us: the new name */
			log_info("%s: renamed to %s before its sysctls were written",
				 l->facts.ifname, now);
			snprintf(l->facts.ifname, sizeof(l->facts.ifname), "%s", now);
			l->pending = true; /* the next loop turn (loop_again) */
			return false;
		}
		if (err) {
			link_failed(d, l, "sysctl %s: %s", p->sysctls[i].path, strerror(-err));
			return false;
		}
	}
	/* the record names every address before the kernel has it */
	for (unsigned int i = 0; i < p->n_addrs; i++)
		if (owned_add(&d->owned, l->slot, &p->addrs[i].ip)) {
			link_failed(d, l, "out of memory");
			return false;
		}
	return true;
}

/* Its second half, once the record is saved: the requests, sent at once. */
static void queue_apply(struct links *d, struct link *l, bool have_snapshot)
{
	struct plan *p = &scratch_plan;

	if (link_plan(d->cfg, &l->facts, l->addr, l->slot, p)) {
		link_failed(d, l, "planning: %s", p->why); /* planned the same a moment ago */
		return;
	}
	kreqs_reset(&scratch_reqs);
	kdiff_apply(d->cfg, p, l->dirty && have_snapshot ? &d->ks : NULL, &d->owned, &scratch_reqs);
	/* once sent, a chain of each family may be in the kernel until the slot is freed */
	l->rule_fams |= plan_families(p);
	link_event(d, l, LEV_QUEUED);
	l->verify = false;
	if (rtreq_submit(&d->rtreq, BATCH_APPLY, l->facts.ifindex, l->addr_gen, &scratch_reqs))
		link_failed(d, l, "out of memory");
	/* one link at a time: in a burst the first ones are done first */
	rtreq_flush(&d->rtreq);
}

static bool slot_usable(unsigned int slot, void *ctx)
{
	struct links *d = ctx;
	char why[160];

	if (!kstate_slot_foreign(&d->kwatch.foreign, d->cfg, slot, why, sizeof(why)))
		return true;
	log_info("slot %u passed over: %s", slot, why);
	return false;
}

/*
 * Gives a link without one the lowest slot free of foreign entries (needs the snapshot).
 * A slot already held is kept: what others add there later (a route an administrator
 * puts in the ENI's table) is theirs; only a conflict with the plan moves it.
 */
static void assign_slot(struct links *d, struct link *l)
{
	char why[120], mac[18];

	if (l->slot)
		return;
	l->slot = slots_get(&d->slots, l->facts.mac, slot_usable, d);
	if (!l->slot) {
		link_failed(d, l, "no free slot (%d in use or not ours)", ENID_MAX_SLOTS);
		return;
	}
	if (strstr(l->slot_note, " left: ")) /* a move: that says more */
		return;
	for (unsigned int s = 1; s < l->slot; s++)
		if (!d->slots.s[s].used &&
		    kstate_slot_foreign(&d->kwatch.foreign, d->cfg, s, why, sizeof(why))) {
			snprintf(l->slot_note, sizeof(l->slot_note), "slot %u passed over: %s", s,
				 why);
			log_info("%s (%s): slot %u, %s", l->facts.ifname,
				 mac_format(l->facts.mac, mac), l->slot, l->slot_note);
			break;
		}
}

/* A batch met EEXIST: CONFIGURED only when the kernel holds exactly the plan, as ours. */
static void verify_link(struct links *d, struct link *l)
{
	struct plan *p = &scratch_plan;
	char why[120];

	l->verify = false;
	if (link_plan(d->cfg, &l->facts, l->addr, l->slot, p)) {
		l->pending = true;
		l->dirty = true;
		return;
	}
	if (kstate_has_plan(&d->ks, p, why, sizeof(why))) {
		link_event(d, l, LEV_APPLIED);
		return;
	}
	if (kstate_slot_foreign(&d->ks, d->cfg, l->slot, why, sizeof(why))) {
		/* another tool's entries collide with the plan: clean ours, take another slot */
		snprintf(l->slot_note, sizeof(l->slot_note), "slot %u left: %s", l->slot, why);
		log_warn("%s: %s", l->facts.ifname, l->slot_note);
		link_event(d, l, LEV_MOVE);
		return;
	}
	link_failed(d, l, "after EEXIST: %s", why);
}

static bool link_due(const struct link *l, uint64_t now)
{
	return !l->retry_at || l->retry_at <= now;
}

static bool apply_ready(const struct link *l, uint64_t now, bool have_snapshot)
{
	return l->pending && !l->cleanup && l->sm.managed && link_due(l, now) &&
	       (!l->dirty || have_snapshot);
}

static struct link *next_staged(const struct links *d)
{
	for (unsigned int i = 0; i < d->lt.n; i++)
		if (d->lt.v[i]->staged)
			return d->lt.v[i];
	return NULL;
}

/* One round; returns true when it queued anything or left a cleanup for the next. A link
 * is queued at most once per pass for cleanup and once for apply. */
static bool apply_round(struct links *d)
{
	static struct host_plan want;
	bool need_snapshot = d->orphans_pending || d->kwatch.stale, have_snapshot = false;
	bool did = false, host_changed, record_ok;
	uint64_t now = now_us();

	host_want(d, &want);
	host_changed = d->host_stale || !host_equal(&want, &d->host);
	need_snapshot |= host_changed;

	for (unsigned int i = 0; i < d->lt.n && !need_snapshot; i++) {
		struct link *l = d->lt.v[i];

		if (!link_due(l, now))
			continue;
		/* a fresh slot holds nothing of ours (kwatch knows the foreign occupants) */
		if ((l->cleanup && !l->cleanup_inflight) || l->verify || (l->pending && l->dirty))
			need_snapshot = true;
	}
	if (need_snapshot) {
		if (snapshot(d) < 0) {
			for (unsigned int i = 0; i < d->lt.n; i++) {
				struct link *l = d->lt.v[i];

				if (link_due(l, now) && (l->pending || l->cleanup))
					link_failed(d, l, "cannot read the kernel's state");
			}
			return false;
		}
		have_snapshot = true;
		kwatch_sync(&d->kwatch, &d->ks);
	}
	if (d->orphans_pending && have_snapshot) {
		d->orphans_pending = false;
		queue_orphans(d);
		did = true;
	}
	if (host_changed && have_snapshot)
		queue_host(d, &want);
	/* index loops: completions may destroy links (a removed link's cleanup) */
	for (unsigned int i = 0; i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];

		if (!l->cleanup || l->cleanup_inflight || !link_due(l, now) || !have_snapshot ||
		    l->cleanup_pass == d->pass)
			continue;
		l->cleanup_pass = d->pass;
		l->retry_at = 0;
		queue_cleanup(d, l);
		did = true;
		if (i < d->lt.n && d->lt.v[i] != l)
			i--; /* destroyed: this index now holds another link */
	}
	for (unsigned int i = 0; have_snapshot && i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];

		if (l->verify && l->sm.state == LINK_CONFIGURING && !l->pending && !l->cleanup)
			verify_link(d, l);
	}
	/* slots first, saved once, so the file names every slot before the kernel uses it */
	for (unsigned int i = 0; i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];

		if (apply_ready(l, now, have_snapshot))
			assign_slot(d, l);
	}
	slots_sync(&d->slots);
	for (unsigned int i = 0; i < d->lt.n; i++) {
		struct link *l = d->lt.v[i];

		if (!apply_ready(l, now, have_snapshot) || l->apply_pass == d->pass)
			continue;
		l->apply_pass = d->pass;
		l->retry_at = 0;
		l->staged = prepare_apply(d, l);
		did = true;
		if (i < d->lt.n && d->lt.v[i] != l)
			i--;
	}
	/* the address record once for the round (a burst's links), before any is sent */
	record_ok = owned_sync(&d->owned) == 0;
	/* a flush reads ACKs, whose completions may destroy links: each from the table's start */
	for (struct link *l; (l = next_staged(d));) {
		l->staged = false;
		if (record_ok)
			queue_apply(d, l, have_snapshot);
		else
			link_failed(d, l, "cannot save the address record (%s)", d->owned.path);
	}
	rtreq_flush(&d->rtreq);
	for (unsigned int i = 0; i < d->lt.n; i++)
		if (d->lt.v[i]->cleanup && !d->lt.v[i]->cleanup_inflight &&
		    link_due(d->lt.v[i], now) && d->lt.v[i]->cleanup_pass != d->pass)
			did = true; /* a slot move: its cleanup goes next round */
	return did;
}

static void on_acks(struct watch *w, uint32_t events)
{
	struct links *d = w->data;

	(void)events;
	rtreq_read(&d->rtreq);
}

int apply_open(struct links *d, int rcvbuf)
{
	int err = rtreq_open(&d->rtreq, rcvbuf, batch_done, d);

	if (err)
		return err;
	d->rtdump = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
	if (!d->rtdump)
		return -errno;
	d->host_stale = true; /* a dispatch from before a restart is compared at the first pass */
	return loop_watch(d->loop, &d->rtreq_w, rtreq_fd(&d->rtreq), on_acks, d);
}

void apply_close(struct links *d)
{
	if (d->rtreq_w.fn)
		loop_del(d->loop, &d->rtreq_w);
	rtreq_close(&d->rtreq);
	if (d->rtdump)
		mnl_socket_close(d->rtdump);
	d->rtdump = NULL;
	kreqs_free(&scratch_reqs);
}

void apply_pass(struct links *d)
{
	if (!d->synced)
		return;
	/* completions can make more work (a cleanup that frees a slot for a re-plan): rounds
	 * until none queues anything; what is due again after its turn waits for the next */
	d->pass++;
	while (apply_round(d))
		;
	for (unsigned int i = 0; i < d->lt.n && !d->loop->again; i++)
		if (d->lt.v[i]->pending && d->lt.v[i]->apply_pass == d->pass)
			loop_again(d->loop);
	slots_sync(&d->slots);
	owned_sync(&d->owned);
	links_arp_filter_sync(d);
	links_announce_idle(d);
	kstate_reset(&d->ks);
}

int apply_find_primary(struct links *d)
{
	return primary_route_find(d->rtdump, &d->dump_seq);
}
