// SPDX-License-Identifier: GPL-2.0-or-later
/* Remove everything enid added (flush.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "arp.h"
#include "flush.h"
#include "kdiff.h"
#include "kstate.h"
#include "nl_util.h"
#include "owned_file.h"
#include "rtnl_msg.h"
#include "slots.h"

#define FLUSH_MAX_LINKS 1024

/* What the kernel and the records hold. */
struct flush_view {
	const struct enid_config *cfg;
	struct kstate ks;
	struct klink links[FLUSH_MAX_LINKS];
	unsigned n_links;
	struct slots slots;
	struct owned owned;
	int err; /* -ENOMEM while collecting */
};

static int on_dump(const struct nlmsghdr *nlh, void *data)
{
	struct flush_view *v = data;
	struct krule rule;
	struct kroute route;
	struct kaddr addr;
	int err = 0;

	if (!rtnl_parse_rule(nlh, &rule))
		err = kstate_add_rule(&v->ks, v->cfg, &rule);
	else if (!rtnl_parse_route(nlh, &route))
		err = kstate_add_route(&v->ks, v->cfg, &route);
	else if (!rtnl_parse_addr(nlh, &addr))
		err = kstate_add_addr(&v->ks, &addr);
	else if (v->n_links < FLUSH_MAX_LINKS && !rtnl_parse_link(nlh, &v->links[v->n_links]))
		v->n_links++;
	if (err)
		v->err = err;
	return MNL_CB_OK;
}

/* A fresh snapshot of links, addresses, routes and rules (both families). */
static int snapshot(struct mnl_socket *nl, struct flush_view *v)
{
	static const int fams[2] = {AF_INET, AF_INET6};
	char buf[RTNL_MSG_MAX];
	uint32_t seq = 1;
	int err = 0;

	kstate_reset(&v->ks);
	v->n_links = 0;
	v->err = 0;
	err = nl_transact(nl, rtnl_build_dump_links(buf, sizeof(buf), seq++), on_dump, v, NULL, 0);
	for (unsigned f = 0; f < 2 && !err; f++) {
		err = nl_transact(nl, rtnl_build_dump_rules(buf, sizeof(buf), seq++, fams[f]),
				  on_dump, v, NULL, 0);
		if (!err)
			err = nl_transact(
				nl, rtnl_build_dump_routes(buf, sizeof(buf), seq++, fams[f], 0, 0),
				on_dump, v, NULL, 0);
		if (!err)
			err = nl_transact(
				nl, rtnl_build_dump_addrs(buf, sizeof(buf), seq++, fams[f], 0),
				on_dump, v, NULL, 0);
	}
	return err ? err : v->err;
}

static const struct klink *link_of_mac(const struct flush_view *v, const uint8_t mac[6])
{
	for (unsigned i = 0; i < v->n_links; i++)
		if (v->links[i].mac_len == 6 && !memcmp(v->links[i].mac, mac, 6))
			return &v->links[i];
	return NULL;
}

static bool had_slot(int oif, unsigned int slot, const void *ctx)
{
	const struct flush_view *v = ctx;

	for (unsigned i = 0; i < v->n_links; i++)
		if (v->links[i].ifindex == oif)
			return v->slots.s[slot].used && v->links[i].mac_len == 6 &&
			       !memcmp(v->slots.s[slot].mac, v->links[i].mac, 6);
	return false;
}

/* Every delete that takes enid's objects out of the snapshot. */
static void deletes(const struct flush_view *v, struct kreqs *q)
{
	bool held[ENID_MAX_SLOTS + 1] = {false};
	struct host_plan none = {.n_rules = 0};

	kreqs_reset(q);
	for (unsigned s = 1; s <= ENID_MAX_SLOTS; s++) {
		const struct klink *l;

		if (!v->slots.s[s].used)
			continue;
		held[s] = true;
		l = link_of_mac(v, v->slots.s[s].mac);
		kdiff_cleanup(v->cfg, &v->ks, s, l ? l->ifindex : 0, &v->owned, q);
	}
	kdiff_orphans(v->cfg, &v->ks, held, had_slot, v, q);
	kdiff_host(v->cfg, &none, &v->ks, q);
}

/* The ENIs' sysctls back to what a new interface gets (conf/default). */
static void reset_sysctls(const struct flush_view *v, struct sbuf *out)
{
	static const char *const names[] = {"arp_ignore", "arp_announce", "promote_secondaries"};

	for (unsigned s = 1; s <= ENID_MAX_SLOTS; s++) {
		const struct klink *l =
			v->slots.s[s].used ? link_of_mac(v, v->slots.s[s].mac) : NULL;

		for (unsigned i = 0; l && i < sizeof(names) / sizeof(names[0]); i++) {
			char def[128], path[128], val[16];
			int err;

			snprintf(def, sizeof(def), "/proc/sys/net/ipv4/conf/default/%s", names[i]);
			snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", l->ifname,
				 names[i]);
			err = file_read_line(def, val, sizeof(val));
			if (!err)
				err = file_write(path, val, 0);
			if (err)
				sbuf_printf(out, "%s: %s: %s\n", l->ifname, names[i],
					    strerror(-err));
		}
	}
}

int flush_all(const struct enid_config *cfg, const char *run_dir, struct sbuf *out)
{
	struct flush_view *v = calloc(1, sizeof(*v));
	struct kreqs q = {0};
	struct announcer ann;
	struct mnl_socket *nl;
	unsigned done = 0;
	int err, left = 0;

	if (!v)
		return -ENOMEM;
	v->cfg = cfg;
	nl = nl_open(NETLINK_ROUTE, NL_STRICT | NL_BLOCKING, 0);
	if (!nl) {
		err = -errno;
		free(v);
		return err;
	}
	slots_load(&v->slots, run_dir);
	owned_load(&v->owned, run_dir);
	err = snapshot(nl, v);
	if (!err) {
		reset_sysctls(v, out);
		deletes(v, &q);
		err = q.oom ? -ENOMEM : 0;
	}
	for (size_t i = 0; !err && i < q.n; i++) {
		char buf[RTNL_MSG_MAX], why[128] = "";
		struct nlmsghdr *nlh = kreq_build(buf, sizeof(buf), (uint32_t)i + 100, &q.v[i]);
		int r = nlh ? nl_transact(nl, nlh, NULL, NULL, why, sizeof(why)) : -EMSGSIZE;

		if (!r || r == -ENOENT || r == -ESRCH || r == -EADDRNOTAVAIL || r == -ENODEV)
			done += !r;
		else
			sbuf_printf(out, "%s: %s%s%s\n", kreq_op_name(q.v[i].op), strerror(-r),
				    *why ? ": " : "", why);
	}
	announcer_init(&ann, run_dir);
	arp_filter_sync(&ann, false);
	announcer_close(&ann);
	/* what is left of ours, from a second snapshot */
	if (!err)
		err = snapshot(nl, v);
	if (!err) {
		deletes(v, &q);
		left = (int)q.n;
		for (size_t i = 0; i < q.n; i++)
			if (q.v[i].op == KREQ_SETLINK)
				left--;
	}
	/* the slot numbers stay reserved: a restarted enid gives each ENI its old table */
	if (!err && !left) {
		for (unsigned s = 1; s <= ENID_MAX_SLOTS; s++)
			owned_clear(&v->owned, s);
		if (owned_sync(&v->owned) < 0)
			sbuf_printf(out, "%s: could not empty the address record\n", run_dir);
	}
	if (!err)
		sbuf_printf(out, "flushed: %u objects removed, %d left\n", done, left);
	kreqs_free(&q);
	kstate_free(&v->ks);
	owned_free(&v->owned);
	mnl_socket_close(nl);
	free(v);
	return err ? err : left;
}
