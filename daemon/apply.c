// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The applier: per loop turn, one pass that (when needed) reads what the kernel holds
 * with our protocol, deletes orphans and what unplugged or changed links no longer
 * want, and sends each link's plan as one batch of rtnetlink requests whose ACKs are
 * counted by sequence number. ENOENT/ESRCH on a delete count as done; EEXIST on an add
 * counts as done only once a dump shows the object is the planned one, ours.
 *
 * Order within a batch: link settings, rules, table routes, then addresses, then main
 * routes (they name an address as prefsrc). An address is usable the moment it is
 * added, so its rules and table routes are in place before: no reply to it is ever
 * routed from main through the primary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "arp.h"
#include "enid.h"
#include "log.h"
#include "nl_util.h"
#include "rtnl_msg.h"
#include "util.h"

/* Outgoing requests: flushed when full and at the end of a pass. */
static char out_buf[NL_BUF_SIZE] __attribute__((aligned(8)));
static size_t out_len;
static struct plan scratch_plan;

static const char *op_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "set link";
	case RTM_NEWADDR:
		return "add address";
	case RTM_DELADDR:
		return "delete address";
	case RTM_NEWROUTE:
		return "add route";
	case RTM_DELROUTE:
		return "delete route";
	case RTM_NEWRULE:
		return "add rule";
	case RTM_DELRULE:
		return "delete rule";
	default:
		return "request";
	}
}

static struct batch *batch_by_seq(struct enid *d, uint32_t seq)
{
	for (unsigned int i = 0; i < d->n_batches; i++) {
		struct batch *b = &d->batches[i];

		if (!b->finished && b->sent && seq - b->lo <= b->hi - b->lo)
			return b;
	}
	return NULL;
}

static const char *batch_owner(struct enid *d, const struct batch *b)
{
	struct link *l;

	if (b->kind == BATCH_ORPHANS)
		return "orphan cleanup";
	l = links_find(d, b->ifindex);
	return l ? l->facts.ifname : "(gone)";
}

static void batch_done(struct enid *d, struct batch *b);

/* One request answered: the kernel's ACK, or a synthetic error when it never left. */
static void batch_ack(struct enid *d, uint32_t seq, int err, uint16_t type, const char *msg)
{
	struct batch *b = batch_by_seq(d, seq);
	bool is_del = type == RTM_DELADDR || type == RTM_DELROUTE || type == RTM_DELRULE;
	bool ok;

	if (!b || !b->outstanding)
		return;
	ok = !err || (err == -EEXIST && !is_del) ||
	     (is_del && (err == -ENOENT || err == -ESRCH || err == -EADDRNOTAVAIL));
	if (ok && err == -EEXIST)
		b->eexist++;
	if (!ok) {
		if (!b->errors++)
			snprintf(b->first_err, sizeof(b->first_err), "%s: %s%s%s", op_name(type),
				 strerror(-err), msg ? ": " : "", msg ? msg : "");
		log_debug("%s: %s: %s%s%s", batch_owner(d, b), op_name(type), strerror(-err),
			  msg ? ": " : "", msg ? msg : "");
	}
	if (--b->outstanding == 0 && b->closed)
		batch_done(d, b);
}

static void ack_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e;

	struct enid *d = data;

	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != mnl_socket_get_portid(d->rtreq))
		return;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return;
	e = mnl_nlmsg_get_payload(nlh);
	batch_ack(d, nlh->nlmsg_seq, e->error, e->msg.nlmsg_type, nl_extack_msg(nlh));
}

/* Fails every open batch: their ACKs can no longer be counted. */
static void fail_open_batches(struct enid *d, const char *why)
{
	for (unsigned int i = 0; i < d->n_batches; i++) {
		struct batch *b = &d->batches[i];

		if (b->finished || !b->outstanding)
			continue;
		if (!b->errors++)
			snprintf(b->first_err, sizeof(b->first_err), "%s", why);
		b->outstanding = 0;
		if (b->closed)
			batch_done(d, b);
	}
}

static void acks_lost(void *data)
{
	log_warn("request socket overran: ACKs lost; retrying");
	fail_open_batches(data, "ACKs lost (ENOBUFS)");
}

void apply_read_acks(struct enid *d)
{
	static char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	int err = nl_drain(d->rtreq, buf, sizeof(buf), ack_msg, acks_lost, d);

	if (err)
		log_err("request socket: %s", strerror(-err));
}

static void out_flush(struct enid *d)
{
	const char *p;
	int left;

	if (!out_len)
		return;
	if (mnl_socket_sendto(d->rtreq, out_buf, out_len) < 0) {
		int err = -errno;

		log_warn("sending %zu bytes of requests: %s", out_len, strerror(-err));
		left = (int)out_len;
		for (p = out_buf; mnl_nlmsg_ok((const struct nlmsghdr *)p, left);
		     p = (const char *)mnl_nlmsg_next((const struct nlmsghdr *)p, &left)) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;

			batch_ack(d, nlh->nlmsg_seq, err, nlh->nlmsg_type, NULL);
		}
	}
	out_len = 0;
	/* the kernel answered within sendmsg: count the ACKs before the socket fills */
	apply_read_acks(d);
}

/* Room for one more request; flushes the buffer when it is nearly full. */
static void *out_room(struct enid *d)
{
	if (sizeof(out_buf) - out_len < RTNL_MSG_MAX)
		out_flush(d);
	return out_buf + out_len;
}

static struct batch *batch_new(struct enid *d, enum batch_kind kind, int ifindex)
{
	struct batch *b;

	if (d->n_batches == d->cap_batches) {
		unsigned int ncap = d->cap_batches ? d->cap_batches * 2 : 16;
		struct batch *p = realloc(d->batches, ncap * sizeof(*p));

		if (!p)
			return NULL;
		d->batches = p;
		d->cap_batches = ncap;
	}
	b = &d->batches[d->n_batches++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->ifindex = ifindex;
	b->lo = d->req_seq + 1;
	b->hi = d->req_seq; /* empty */
	return b;
}

/* Queues one built message for batch index bi (indexes survive reallocs). */
static void out_commit(struct enid *d, unsigned int bi, struct nlmsghdr *nlh)
{
	struct batch *b = &d->batches[bi];

	if (!nlh) {
		if (!b->errors++)
			snprintf(b->first_err, sizeof(b->first_err), "request too large");
		return;
	}
	out_len += MNL_ALIGN(nlh->nlmsg_len);
	b->hi = nlh->nlmsg_seq;
	b->sent++;
	b->outstanding++;
}

#define SEQ() (++d->req_seq)

/* Closes a batch after queuing: done now when every ACK is already in. */
static void batch_close(struct enid *d, unsigned int bi)
{
	d->batches[bi].closed = true;
	if (!d->batches[bi].outstanding)
		batch_done(d, &d->batches[bi]);
}

/* Drops finished batches; only between passes, so indexes stay valid while queuing. */
void apply_compact(struct enid *d)
{
	unsigned int j = 0;

	for (unsigned int i = 0; i < d->n_batches; i++)
		if (!d->batches[i].finished)
			d->batches[j++] = d->batches[i];
	d->n_batches = j;
}

static void cleanup_done(struct enid *d, struct link *l)
{
	slots_free(&d->slots, l->slot);
	owned_clear(&d->owned, l->slot);
	l->move = false;
	log_debug("%s: slot %u freed", l->facts.ifname, l->slot);
	l->slot = 0;
	l->cleanup = false;
	l->attempts = 0;
	l->retry_at = 0;
	if (l->state == LINK_REMOVED) {
		link_destroy(d, l);
		return;
	}
	/* a live link (MAC changed, config changed): plan it afresh */
	if (l->managed && l->state == LINK_NEW)
		links_seen(d, &l->facts, l->bus_info, l->t_event);
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

static void link_configured(struct enid *d, struct link *l, unsigned int sent);

static void batch_done(struct enid *d, struct batch *b)
{
	struct batch done = *b;
	struct link *l;

	b->finished = true;
	if (done.kind == BATCH_ORPHANS) {
		if (done.errors)
			log_warn("orphan cleanup: %u of %u requests failed, first: %s", done.errors,
				 done.sent, done.first_err);
		else if (done.sent)
			log_info("orphan cleanup: deleted %u stale rules/routes", done.sent);
		return;
	}
	l = links_find(d, done.ifindex);
	if (!l)
		return;
	if (done.kind == BATCH_CLEANUP) {
		l->cleanup_inflight = false;
		if (done.errors) {
			link_failed(d, l, "cleanup: %u of %u requests failed, first: %s",
				    done.errors, done.sent, done.first_err);
			return;
		}
		log_info("%s: slot %u cleaned up (%u requests)", l->facts.ifname, l->slot,
			 done.sent);
		cleanup_done(d, l);
		return;
	}
	if (l->state != LINK_CONFIGURING)
		return;
	if (done.errors) {
		link_failed(d, l, "%u of %u requests failed, first: %s", done.errors, done.sent,
			    done.first_err);
		return;
	}
	/* the stale addresses went: the record is what was planned */
	if (done.addr_gen == l->addr_gen && l->addr)
		owned_filter(&d->owned, l->slot, addr_in_addressing, l->addr);
	if (done.eexist) {
		/* something was there already: ours and equal, or not (apply_round) */
		l->verify = true;
		l->verify_sent = done.sent;
		return;
	}
	link_configured(d, l, done.sent);
}

static void link_configured(struct enid *d, struct link *l, unsigned int sent)
{
	l->verify = false;
	l->state = LINK_CONFIGURED;
	/* once the burst's requests are answered: arp_announce_idle() */
	l->announce_left = ARP_ANNOUNCE_NUM;
	l->announce_at = 0;
	l->attempts = 0;
	l->dirty = false;
	l->why[0] = '\0';
	if (!l->t_conf) {
		l->t_conf = now_us();
		log_info("%s: configured: slot %u table %u, %u addresses, in %llu us",
			 l->facts.ifname, l->slot, table_for_slot(&d->cfg, l->slot),
			 l->addr ? l->addr->n_addrs : 0,
			 (unsigned long long)(l->t_conf - l->t_event));
	} else {
		log_info("%s: reconfigured (%u requests)", l->facts.ifname, sent);
	}
}

/* Kernel state. */

static int snap_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct enid *d = data;
	struct krule r;

	if (rtnl_parse_rule(nlh, &r) == 0 && kstate_add_rule(&d->ks, &d->cfg, &r) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int snap_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct enid *d = data;
	struct kroute r;

	if (rtnl_parse_route(nlh, &r) == 0 && kstate_add_route(&d->ks, &d->cfg, &r) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int snap_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct enid *d = data;
	struct kaddr a;

	if (rtnl_parse_addr(nlh, &a) == 0 && kstate_add_addr(&d->ks, &a) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int snapshot(struct enid *d)
{
	static const int fams[] = {AF_INET, AF_INET6};
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	char ebuf[128];
	int err;

	kstate_reset(&d->ks);
	err = nl_transact(d->rtdump, rtnl_build_dump_rules(req, sizeof(req), SEQ(), AF_UNSPEC),
			  snap_rule_cb, d, ebuf, sizeof(ebuf));
	for (unsigned int i = 0; !err && i < 2; i++) {
		struct nlmsghdr *q =
			rtnl_build_dump_routes(req, sizeof(req), SEQ(), fams[i], 0, 0);

		/* every protocol: foreign routes in our tables make a slot unusable */
		err = nl_transact(d->rtdump, q, snap_route_cb, d, ebuf, sizeof(ebuf));
		if (err == -EAFNOSUPPORT) /* IPv6 disabled */
			err = 0;
	}
	for (unsigned int i = 0; !err && i < 2; i++) {
		struct nlmsghdr *q = rtnl_build_dump_addrs(req, sizeof(req), SEQ(), fams[i], 0);

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

/*
 * Deletes what is ours but held by no link: protocol-ENID_RTPROT rules in the pref
 * range, and routes in the table range, of a slot no link holds; main-table routes with
 * a slot's metric only on a link that had that slot (its MAC is the slot's). Anything
 * else, protocol ENID_RTPROT or not, belongs to someone else.
 */
static void queue_orphans(struct enid *d)
{
	bool owned[ENID_MAX_SLOTS + 1] = {false};
	unsigned int bi, s;

	for (unsigned int i = 0; i < d->n_links; i++)
		if (d->links[i]->slot)
			owned[d->links[i]->slot] = true;
	if (!batch_new(d, BATCH_ORPHANS, 0))
		return;
	bi = d->n_batches - 1;
	for (size_t i = 0; i < d->ks.n_rules; i++) {
		const struct krule *r = &d->ks.rules[i];

		s = krule_slot(&d->cfg, r);
		if (!s || owned[s])
			continue;
		out_commit(d, bi,
			   rtnl_build_rule(out_room(d), RTNL_MSG_MAX, SEQ(), RTM_DELRULE, &r->r));
	}
	for (size_t i = 0; i < d->ks.n_routes; i++) {
		const struct kroute *r = &d->ks.routes[i];
		enum kroute_class c = kroute_classify(&d->cfg, r, &s);
		struct link *l;

		if (c == KR_FOREIGN || owned[s])
			continue;
		if (c == KR_MAIN) {
			l = links_find(d, r->r.oif);
			if (!l || !d->slots.s[s].used || memcmp(d->slots.s[s].mac, l->facts.mac, 6))
				continue;
		}
		out_commit(d, bi, rtnl_build_delroute_k(out_room(d), RTNL_MSG_MAX, SEQ(), r));
	}
	batch_close(d, bi);
	/* reservations from before a restart whose MAC did not come back */
	for (s = 1; s <= ENID_MAX_SLOTS; s++)
		if (d->slots.s[s].used && !owned[s]) {
			slots_free(&d->slots, s);
			owned_clear(&d->owned, s);
		}
}

static void queue_cleanup(struct enid *d, struct link *l)
{
	int oif = l->state == LINK_REMOVED ? 0 : l->facts.ifindex;
	unsigned int bi;

	if (!batch_new(d, BATCH_CLEANUP, l->facts.ifindex)) {
		link_failed(d, l, "out of memory");
		return;
	}
	bi = d->n_batches - 1;
	l->cleanup_inflight = true;
	for (size_t i = 0; i < d->ks.n_rules; i++)
		if (krule_of_slot(&d->cfg, &d->ks.rules[i], l->slot))
			out_commit(d, bi,
				   rtnl_build_rule(out_room(d), RTNL_MSG_MAX, SEQ(), RTM_DELRULE,
						   &d->ks.rules[i].r));
	for (size_t i = 0; i < d->ks.n_routes; i++)
		if (kroute_of_link(&d->cfg, &d->ks.routes[i], l->slot, oif))
			out_commit(d, bi,
				   rtnl_build_delroute_k(out_room(d), RTNL_MSG_MAX, SEQ(),
							 &d->ks.routes[i]));
	for (size_t i = 0; oif && i < d->ks.n_addrs; i++)
		if (d->ks.addrs[i].ifindex == oif &&
		    owned_has(&d->owned, l->slot, &d->ks.addrs[i].a.ip))
			out_commit(d, bi,
				   rtnl_build_addr(out_room(d), RTNL_MSG_MAX, SEQ(), RTM_DELADDR,
						   oif, &d->ks.addrs[i].a));
	batch_close(d, bi);
}

/* Deletes what is ours on this link's slot but not in the plan (needs the snapshot). */
static void queue_stale(struct enid *d, unsigned int bi, const struct link *l, const struct plan *p)
{
	int ifindex = l->facts.ifindex;

	for (size_t i = 0; i < d->ks.n_rules; i++) {
		const struct krule *r = &d->ks.rules[i];

		if (krule_of_slot(&d->cfg, r, l->slot) && !plan_has_rule(p, &r->r))
			out_commit(d, bi,
				   rtnl_build_rule(out_room(d), RTNL_MSG_MAX, SEQ(), RTM_DELRULE,
						   &r->r));
	}
	for (size_t i = 0; i < d->ks.n_routes; i++) {
		const struct kroute *r = &d->ks.routes[i];

		if (kroute_of_link(&d->cfg, r, l->slot, ifindex) && !plan_has_route(p, &r->r))
			out_commit(d, bi,
				   rtnl_build_delroute_k(out_room(d), RTNL_MSG_MAX, SEQ(), r));
	}
	for (size_t i = 0; i < d->ks.n_addrs; i++) {
		const struct kaddr *a = &d->ks.addrs[i];

		if (a->ifindex == ifindex && owned_has(&d->owned, l->slot, &a->a.ip) &&
		    !plan_has_addr(p, &a->a))
			out_commit(d, bi,
				   rtnl_build_addr(out_room(d), RTNL_MSG_MAX, SEQ(), RTM_DELADDR,
						   ifindex, &a->a));
	}
}

static void queue_apply(struct enid *d, struct link *l, bool have_snapshot)
{
	struct plan *p = &scratch_plan;
	unsigned int bi;
	char mac[18];
	int err;

	l->pending = false;
	l->heal_queued = false;
	/* a fresh slot (freed slots were cleaned, orphans swept) holds nothing of ours */
	if (!l->slot)
		return;
	err = link_plan(&d->cfg, &l->facts, l->addr, l->slot, p);
	if (err == -EPERM || err == -ENODATA) {
		log_info("%s (%s): %s", l->facts.ifname, mac_format(l->facts.mac, mac), p->why);
		snprintf(l->why, sizeof(l->why), "%s", p->why);
		if (err == -EPERM)
			l->managed = false;
		l->cleanup = true;
		return;
	}
	if (err) {
		link_failed(d, l, "planning: %s", p->why);
		return;
	}
	host_arp_filter_sync(d);
	for (unsigned int i = 0; i < p->n_sysctls; i++) {
		err = write_sysctl(&p->sysctls[i]);
		if (err) {
			link_failed(d, l, "sysctl %s: %s", p->sysctls[i].path, strerror(-err));
			return;
		}
	}
	/* the record names every address before the kernel has it */
	for (unsigned int i = 0; i < p->n_addrs; i++)
		if (owned_add(&d->owned, l->slot, &p->addrs[i].ip)) {
			link_failed(d, l, "out of memory");
			return;
		}
	if (owned_sync(&d->owned)) {
		link_failed(d, l, "cannot save the address record (%s)", d->owned.path);
		return;
	}
	if (!batch_new(d, BATCH_APPLY, l->facts.ifindex)) {
		link_failed(d, l, "out of memory");
		return;
	}
	bi = d->n_batches - 1;
	d->batches[bi].addr_gen = l->addr_gen;
	l->state = LINK_CONFIGURING;
	l->verify = false;
	out_commit(d, bi,
		   rtnl_build_setlink(out_room(d), RTNL_MSG_MAX, SEQ(), l->facts.ifindex, p->up,
				      p->mtu));
	if (l->dirty && have_snapshot)
		queue_stale(d, bi, l, p);
	for (unsigned int i = 0; i < p->n_rules; i++)
		out_commit(d, bi,
			   rtnl_build_rule(out_room(d), RTNL_MSG_MAX, SEQ(), RTM_NEWRULE,
					   &p->rules[i]));
	/* table routes (subnet before default: via), addresses, then main (prefsrc) */
	for (int main_pass = 0; main_pass < 2; main_pass++) {
		for (unsigned int i = 0; i < p->n_routes; i++)
			if ((p->routes[i].table == RT_TABLE_MAIN) == main_pass)
				out_commit(d, bi,
					   rtnl_build_route(out_room(d), RTNL_MSG_MAX, SEQ(),
							    RTM_NEWROUTE, &p->routes[i]));
		for (unsigned int i = 0; !main_pass && i < p->n_addrs; i++)
			out_commit(d, bi,
				   rtnl_build_addr(out_room(d), RTNL_MSG_MAX, SEQ(), RTM_NEWADDR,
						   l->facts.ifindex, &p->addrs[i]));
	}
	batch_close(d, bi);
}

static bool slot_usable(unsigned int slot, void *ctx)
{
	struct enid *d = ctx;
	char why[160];

	if (!kstate_slot_foreign(&d->kwatch.foreign, &d->cfg, slot, why, sizeof(why)))
		return true;
	log_info("slot %u passed over: %s", slot, why);
	return false;
}

/*
 * Gives a link without one the lowest slot free of foreign entries (needs the snapshot).
 * A slot already held is kept: what others add there later (a route an administrator
 * puts in the ENI's table) is theirs; only a conflict with the plan moves it.
 */
static void assign_slot(struct enid *d, struct link *l)
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
		    kstate_slot_foreign(&d->kwatch.foreign, &d->cfg, s, why, sizeof(why))) {
			snprintf(l->slot_note, sizeof(l->slot_note), "slot %u passed over: %s", s,
				 why);
			log_info("%s (%s): slot %u, %s", l->facts.ifname,
				 mac_format(l->facts.mac, mac), l->slot, l->slot_note);
			break;
		}
}

/* A batch met EEXIST: CONFIGURED only when the kernel holds exactly the plan, as ours. */
static void verify_link(struct enid *d, struct link *l)
{
	struct plan *p = &scratch_plan;
	char why[120];

	l->verify = false;
	if (link_plan(&d->cfg, &l->facts, l->addr, l->slot, p)) {
		l->pending = true;
		l->dirty = true;
		return;
	}
	if (kstate_has_plan(&d->ks, p, why, sizeof(why))) {
		link_configured(d, l, l->verify_sent);
		return;
	}
	if (kstate_slot_foreign(&d->ks, &d->cfg, l->slot, why, sizeof(why))) {
		/* another tool's entries collide with the plan: clean ours, take another slot */
		snprintf(l->slot_note, sizeof(l->slot_note), "slot %u left: %s", l->slot, why);
		log_warn("%s: %s", l->facts.ifname, l->slot_note);
		l->move = true;
		l->cleanup = true;
		l->pending = false;
		l->state = LINK_NEW;
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
	return l->pending && !l->cleanup && l->managed && link_due(l, now) &&
	       (!l->dirty || have_snapshot);
}

/* One round; returns true when it queued anything. */
static bool apply_round(struct enid *d)
{
	bool need_snapshot = d->orphans_pending || d->kwatch.stale, have_snapshot = false;
	bool did = false;
	uint64_t now = now_us();

	for (unsigned int i = 0; i < d->n_links && !need_snapshot; i++) {
		struct link *l = d->links[i];

		if (!link_due(l, now))
			continue;
		/* a fresh slot holds nothing of ours (kwatch knows the foreign occupants) */
		if ((l->cleanup && !l->cleanup_inflight) || l->verify || (l->pending && l->dirty))
			need_snapshot = true;
	}
	if (need_snapshot) {
		if (snapshot(d) < 0) {
			for (unsigned int i = 0; i < d->n_links; i++) {
				struct link *l = d->links[i];

				if (link_due(l, now) && (l->pending || l->cleanup))
					link_failed(d, l, "cannot read the kernel's state");
			}
			return false;
		}
		have_snapshot = true;
		kwatch_sync(d);
	}
	if (d->orphans_pending && have_snapshot) {
		d->orphans_pending = false;
		queue_orphans(d);
		did = true;
	}
	/* index loops: completions may destroy links (a removed link's cleanup) */
	for (unsigned int i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (!l->cleanup || l->cleanup_inflight || !link_due(l, now) || !have_snapshot)
			continue;
		l->retry_at = 0;
		queue_cleanup(d, l);
		did = true;
		if (i < d->n_links && d->links[i] != l)
			i--; /* destroyed: this index now holds another link */
	}
	for (unsigned int i = 0; have_snapshot && i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (l->verify && l->state == LINK_CONFIGURING && !l->pending && !l->cleanup)
			verify_link(d, l);
	}
	/* slots first, saved once, so the file names every slot before the kernel uses it */
	for (unsigned int i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (apply_ready(l, now, have_snapshot))
			assign_slot(d, l);
	}
	slots_sync(&d->slots);
	for (unsigned int i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (!apply_ready(l, now, have_snapshot))
			continue;
		l->retry_at = 0;
		queue_apply(d, l, have_snapshot);
		/* one link at a time: in a burst the first ones are done first */
		out_flush(d);
		did = true;
		if (i < d->n_links && d->links[i] != l)
			i--;
	}
	out_flush(d);
	apply_compact(d);
	for (unsigned int i = 0; i < d->n_links; i++)
		if (d->links[i]->cleanup && !d->links[i]->cleanup_inflight &&
		    link_due(d->links[i], now))
			did = true; /* a slot move: its cleanup goes next round */
	return did;
}

void apply_pass(struct enid *d)
{
	if (!d->synced)
		return;
	/* completions can make more work (a cleanup that frees a slot for a re-plan) */
	for (int round = 0; round < 4; round++)
		if (!apply_round(d))
			break;
	slots_sync(&d->slots);
	owned_sync(&d->owned);
	host_arp_filter_sync(d);
	arp_announce_idle(d);
	kstate_reset(&d->ks);
}

static int primary_cb(const struct nlmsghdr *nlh, void *data)
{
	struct {
		int oif;
		uint32_t metric;
		bool found;
	} *best = data;
	struct kroute r;

	if (rtnl_parse_route(nlh, &r) || r.r.table != RT_TABLE_MAIN || r.r.dst.prefixlen ||
	    r.type != RTN_UNICAST || r.r.protocol == ENID_RTPROT || r.r.oif <= 0)
		return MNL_CB_OK;
	if (!best->found || r.r.metric < best->metric) {
		best->found = true;
		best->oif = r.r.oif;
		best->metric = r.r.metric;
	}
	return MNL_CB_OK;
}

int apply_find_primary(struct enid *d)
{
	static const int fams[] = {AF_INET, AF_INET6};
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	struct {
		int oif;
		uint32_t metric;
		bool found;
	} best;

	for (unsigned int i = 0; i < 2; i++) {
		struct nlmsghdr *q =
			rtnl_build_dump_routes(req, sizeof(req), SEQ(), fams[i], RT_TABLE_MAIN, 0);

		memset(&best, 0, sizeof(best));
		if (nl_transact(d->rtdump, q, primary_cb, &best, NULL, 0) == 0 && best.found)
			return best.oif;
	}
	return 0;
}
