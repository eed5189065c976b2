// SPDX-License-Identifier: GPL-2.0-or-later
/* Where each ENI's addressing comes from: the config or the metadata service (addressing.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <libmnl/libmnl.h>

#include "addressing.h"
#include "bounds.h"
#include "log.h"
#include "md_fetch.h"
#include "metadata.h"
#include "nl_util.h"
#include "rtnl_msg.h"
#include "util.h"

const char *addr_source_name(enum addr_source s)
{
	switch (s) {
	case ADDR_SRC_STATIC:
		return "static";
	case ADDR_SRC_METADATA:
		return "metadata";
	case ADDR_SRC_DHCP:
		return "dhcp";
	default:
		return "none";
	}
}

static void md_job_changed(void *ctx, struct md_job *j);
static void md_instance_changed(void *ctx);
static void dhcp_changed(void *ctx, int ifindex);

/* The metadata fetcher exists only while addressing may use it (auto, metadata). */
int addressing_open(struct addr_sources *a)
{
	int err;

	a->dhcp.loop = a->loop;
	a->dhcp.run_dir = a->run_dir;
	a->dhcp.changed = dhcp_changed;
	a->dhcp.ctx = a;
	a->dhcp.lease_max_s = a->cfg->dhcp_lease_max;
	if (a->md || a->cfg->addressing == ENID_ADDRESSING_STATIC ||
	    a->cfg->addressing == ENID_ADDRESSING_DHCP)
		return 0;
	a->md_ops = (struct md_ops){
		.job_changed = md_job_changed,
		.instance_changed = md_instance_changed,
		.ctx = a,
	};
	err = md_open(&a->md, a->loop, a->cfg, &a->md_ops);
	if (!err)
		return 0;
	if (a->cfg->addressing == ENID_ADDRESSING_METADATA) {
		log_err("addressing = metadata: the metadata fetcher cannot start: %s",
			strerror(-err));
		return err;
	}
	log_warn("addressing = auto: no metadata service access (%s); ENIs without a [MAC] "
		 "section use DHCP",
		 strerror(-err));
	return 0;
}

void addressing_close(struct addr_sources *a)
{
	md_close(a->md);
	a->md = NULL;
	dhcp_clients_free(&a->dhcp);
	if (a->rtdump)
		mnl_socket_close(a->rtdump);
	a->rtdump = NULL;
}

void addressing_reconfigure(struct addr_sources *a)
{
	a->dhcp.lease_max_s = a->cfg->dhcp_lease_max; /* for leases acked from now on */
	if (a->md)
		md_reconfigure(a->md);
	else
		addressing_open(a);
}

void addressing_idle(struct addr_sources *a)
{
	md_idle(a->md);
	dhcp_clients_idle(&a->dhcp);
}

enum pick { PICK_STATIC, PICK_METADATA, PICK_WAIT_INSTANCE, PICK_NONE, PICK_DHCP };

static enum pick pick(struct addr_sources *a, const struct link *l)
{
	const struct enid_eni_config *eni = config_find_mac(a->cfg, l->facts.mac);

	if (eni && eni->addressing == ENID_ADDRESSING_DHCP)
		return PICK_DHCP;
	if (a->cfg->addressing == ENID_ADDRESSING_STATIC)
		return PICK_STATIC;
	if (a->cfg->addressing == ENID_ADDRESSING_METADATA)
		return PICK_METADATA;
	if (a->cfg->addressing == ENID_ADDRESSING_DHCP)
		return PICK_DHCP;
	if (eni)
		return PICK_STATIC;
	switch (md_instance_state(a->md)) {
	case MD_INSTANCE_KNOWN:
		return PICK_METADATA;
	case MD_INSTANCE_PROBING:
		return PICK_WAIT_INSTANCE;
	default: /* unreachable, refused, disabled: DHCP is what is left */
		return PICK_DHCP;
	}
}

void addressing_link_new(struct addr_sources *a, struct link *l)
{
	if (l->md || pick(a, l) != PICK_METADATA)
		return;
	l->addr_src = ADDR_SRC_METADATA;
	l->md = md_job_start(a->md, l->facts.ifindex, l->facts.mac);
}

static void md_stop(struct addr_sources *a, struct link *l)
{
	if (!l->md)
		return;
	md_job_free(a->md, l->md);
	l->md = NULL;
}

void addressing_link_gone(struct addr_sources *a, struct link *l)
{
	md_stop(a, l);
	dhcp_client_stop(&a->dhcp, l->facts.ifindex);
}

uint64_t addressing_next_timer(const struct addr_sources *a)
{
	return dhcp_clients_next_timer(&a->dhcp);
}

void addressing_timer(struct addr_sources *a, uint64_t now)
{
	dhcp_clients_timer(&a->dhcp, now);
}

bool addressing_is_primary(struct addr_sources *a, const uint8_t mac[6])
{
	uint8_t inst[6];

	return md_instance_mac(a->md, inst) && !memcmp(inst, mac, 6);
}

/* ---- bounds (bounds.h): the runtime facts, the verdict, the last good answer ---- */

struct primary_dump {
	int ifindex;
	struct enid_ip *ip;
	unsigned n;
};

static int primary_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct primary_dump *p = data;
	struct kaddr k;

	if (rtnl_parse_addr(nlh, &k) || k.ifindex != p->ifindex || p->n == PRIMARY_MAX_ADDRS)
		return MNL_CB_OK;
	p->ip[p->n++] = k.a.ip;
	return MNL_CB_OK;
}

static void add_ifindex(int *set, unsigned *n, int ifindex)
{
	for (unsigned i = 0; i < *n; i++)
		if (set[i] == ifindex)
			return;
	if (ifindex > 0 && *n < PRIMARY_MAX_IFS)
		set[(*n)++] = ifindex;
}

/*
 * The primary's addresses read last (a->primary) are kept until an address notification
 * names one of those links (kwatch: addressing_addr_changed) or the set of primary links
 * changes: a burst of ENIs asks once, not once per ENI while the burst holds the RTNL lock.
 */
void addressing_addr_changed(void *ctx, int ifindex) /* 0: any */
{
	struct addr_sources *a = ctx;

	if (!ifindex) /* notifications lost: anything may have changed */
		a->primary.valid = false;
	for (unsigned i = 0; a->primary.valid && i < a->primary.n_ifs; i++)
		if (a->primary.ifs[i] == ifindex)
			a->primary.valid = false;
}

/*
 * The primary's addresses with their prefix lengths: every link that is the primary by
 * any of its three definitions (the instance mac of the metadata service, the main
 * default route at start, primary = in the config).
 */
static unsigned primary_addrs(struct addr_sources *a, struct enid_ip *ip)
{
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	int ifs[PRIMARY_MAX_IFS];
	unsigned n_ifs = 0, n = 0;

	add_ifindex(ifs, &n_ifs, *a->primary_ifindex);
	if (a->cfg->primary_ifname[0])
		add_ifindex(ifs, &n_ifs, (int)if_nametoindex(a->cfg->primary_ifname));
	for (unsigned i = 0; i < a->lt->n; i++) {
		const struct link *x = a->lt->v[i];

		if (x->sm.state != LINK_REMOVED &&
		    (x->facts.is_primary || addressing_is_primary(a, x->facts.mac) ||
		     config_names_primary(a->cfg, x->facts.ifname, x->facts.mac)))
			add_ifindex(ifs, &n_ifs, x->facts.ifindex);
	}
	if (a->primary.valid && a->primary.n_ifs == n_ifs &&
	    !memcmp(a->primary.ifs, ifs, n_ifs * sizeof(ifs[0]))) {
		memcpy(ip, a->primary.ip, a->primary.n * sizeof(*ip));
		return a->primary.n;
	}
	if (n_ifs && !a->rtdump) {
		a->rtdump = nl_open(NETLINK_ROUTE, NL_STRICT, 0);
		if (!a->rtdump)
			log_warn("primary addresses: netlink socket: %m");
	}
	for (unsigned i = 0; i < n_ifs && a->rtdump; i++) {
		struct primary_dump p = {ifs[i], ip + n, 0};
		struct nlmsghdr *q =
			rtnl_build_dump_addrs(req, sizeof(req), ++a->seq, AF_UNSPEC, ifs[i]);
		int err = q ? nl_transact(a->rtdump, q, primary_addr_cb, &p, NULL, 0) : -ENOSPC;

		if (err)
			log_debug("primary ifindex %d: address dump: %s", ifs[i], strerror(-err));
		n += p.n;
		if (err)
			return n; /* not kept: asked again next time */
		if (n + PRIMARY_MAX_ADDRS > PRIMARY_MAX_IFS * PRIMARY_MAX_ADDRS)
			break;
	}
	a->primary.valid = true;
	a->primary.n_ifs = n_ifs;
	memcpy(a->primary.ifs, ifs, n_ifs * sizeof(ifs[0]));
	a->primary.n = n;
	memcpy(a->primary.ip, ip, n * sizeof(*ip));
	return n;
}

unsigned addressing_primary_addrs(struct addr_sources *a, struct enid_ip *out)
{
	return primary_addrs(a, out);
}

/* Every address applied to another managed ENI. malloc'd into *out; the count, or -ENOMEM. */
static int other_eni_addrs(struct addr_sources *a, const struct link *l, struct enid_ip **out)
{
	unsigned n = 0;

	*out = NULL;
	for (unsigned i = 0; i < a->lt->n; i++) {
		const struct link *x = a->lt->v[i];

		if (x != l && x->sm.managed && x->sm.state != LINK_REMOVED && x->addr)
			n += x->addr->n_addrs;
	}
	if (!n)
		return 0;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	n = 0;
	for (unsigned i = 0; i < a->lt->n; i++) {
		const struct link *x = a->lt->v[i];

		if (x != l && x->sm.managed && x->sm.state != LINK_REMOVED && x->addr) {
			memcpy(*out + n, x->addr->addrs, x->addr->n_addrs * sizeof(**out));
			n += x->addr->n_addrs;
		}
	}
	return (int)n;
}

/* Copies a line, cut to fit len. */
static void copy_line(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * A candidate addressing for l against bounds.h with the host as it is now. Passes: 0.
 * Refused: says why once (log and l->refused, with the metadata key and its URL path,
 * or the [MAC] section's key) and keeps the last good addressing: *out becomes l->addr
 * (0), or, with nothing applied yet, -EINVAL and l->why (nothing of it is applied).
 */
static int bounds_gate(struct addr_sources *a, struct link *l, enum pick p, struct addressing *out)
{
	struct enid_ip *prim = malloc(PRIMARY_MAX_IFS * PRIMARY_MAX_ADDRS * sizeof(*prim));
	struct bounds_host host = {prim, 0, NULL, 0};
	struct enid_ip *others = NULL;
	char mac[18], what[MD_PATH_LEN + 32], refused[384];
	struct bounds_verdict v;
	int n, err;

	n = prim ? other_eni_addrs(a, l, &others) : -ENOMEM;
	if (n < 0) {
		free(prim);
		snprintf(l->why, sizeof(l->why), "out of memory");
		return -ENOMEM;
	}
	host.others = others;
	host.n_others = (unsigned)n;
	host.n_primary = primary_addrs(a, prim);
	err = bounds_check(out, &a->cfg->prefix, &host, &v);
	free(prim);
	free(others);
	if (!err) {
		if (l->refused[0])
			log_info("%s: addressing accepted again", l->facts.ifname);
		l->refused[0] = '\0';
		return 0;
	}
	mac_format(l->facts.mac, mac);
	if (p == PICK_METADATA) {
		enum md_key key = metadata_bounds_key(out, &v);

		if (metadata_key_path(key, l->facts.mac, what, MD_PATH_LEN) < 0)
			snprintf(what, sizeof(what), "%s", metadata_key_name(key));
		snprintf(refused, sizeof(refused), "refused: metadata %s '%s' %s",
			 metadata_key_name(key), v.value, v.reason);
	} else if (p == PICK_DHCP) {
		snprintf(what, sizeof(what), "lease %s", bounds_attr_name(v.attr));
		snprintf(refused, sizeof(refused), "refused: dhcp lease %s '%s' %s",
			 bounds_attr_name(v.attr), v.value, v.reason);
	} else {
		snprintf(what, sizeof(what), "[%s] %s", mac, bounds_attr_name(v.attr));
		snprintf(refused, sizeof(refused), "refused: [%s] %s '%s' %s", mac,
			 bounds_attr_name(v.attr), v.value, v.reason);
	}
	if (strncmp(refused, l->refused, sizeof(l->refused) - 1))
		log_warn("%s: mac %s: %s %s '%s' %s: refused; %s", l->facts.ifname, mac,
			 p == PICK_METADATA ? "metadata"
			 : p == PICK_DHCP   ? "dhcp"
					    : "config",
			 what, v.value, v.reason,
			 l->addr ? "keeping the last good configuration" : "nothing applied");
	copy_line(l->refused, sizeof(l->refused), refused);
	if (l->addr) {
		*out = *l->addr;
		return 0;
	}
	copy_line(l->why, sizeof(l->why), refused);
	return -EINVAL;
}

/* The job's answer as it would be applied: the metadata, with the [MAC] section's mtu. */
static void md_candidate(const struct addr_sources *a, const struct link *l,
			 const struct addressing *good, struct addressing *out)
{
	const struct enid_eni_config *eni = config_find_mac(a->cfg, l->facts.mac);

	*out = *good;
	if (eni && eni->mtu)
		out->mtu = eni->mtu;
}

/* The lease as it would be applied: its addressing, with the [MAC] section's mtu. */
static void dhcp_candidate(const struct addr_sources *a, const struct link *l,
			   const struct dhcp_lease *lease, struct addressing *out)
{
	const struct enid_eni_config *eni = config_find_mac(a->cfg, l->facts.mac);

	dhcp_lease_addressing(lease, out);
	if (eni && eni->mtu)
		out->mtu = eni->mtu;
}

/*
 * The link's DHCP client (started now: the link is past udev, so its name is final);
 * its lease as addressing (dhcp_lease_addressing). A lease lost after one was applied: -ENODATA,
 * so the link's addresses, routes and rules go.
 */
static int dhcp_resolve(struct addr_sources *a, struct link *l, const struct enid_eni_config *eni,
			struct addressing *out)
{
	const struct dhcp_lease *lease;
	int err;

	if (eni && eni->unmanaged)
		return -EPERM;
	l->addr_src = ADDR_SRC_DHCP;
	err = dhcp_client_start(&a->dhcp, l->facts.ifindex, l->facts.ifname, l->facts.mac);
	if (err) {
		snprintf(l->why, sizeof(l->why), "dhcp: cannot start: %s", strerror(-err));
		return err == -ENOMEM ? err : -ENOENT;
	}
	lease = dhcp_client_lease(&a->dhcp, l->facts.ifindex);
	if (!lease) {
		if (a->md && md_instance_state(a->md) != MD_INSTANCE_KNOWN) /* auto's fallback */
			snprintf(l->why, sizeof(l->why), "%.70s (metadata: %.64s)",
				 dhcp_client_why(&a->dhcp, l->facts.ifindex),
				 md_instance_why(a->md));
		else
			snprintf(l->why, sizeof(l->why), "%s",
				 dhcp_client_why(&a->dhcp, l->facts.ifindex));
		return l->addr ? -ENODATA : -EINPROGRESS;
	}
	dhcp_candidate(a, l, lease, out);
	return bounds_gate(a, l, PICK_DHCP, out);
}

/*
 * A link addressed from metadata: under addressing = auto, one DHCP exchange whose offer
 * must agree with the metadata's primary IPv4 address (dhcp_client_check: logged and in
 * status when not; nothing of it applied); else no DHCP client on it.
 */
static void dhcp_check(struct addr_sources *a, struct link *l, const struct addressing *md)
{
	int err;

	for (unsigned i = 0; a->cfg->addressing == ENID_ADDRESSING_AUTO && i < md->n_addrs; i++) {
		if (md->addrs[i].family != AF_INET)
			continue;
		err = dhcp_client_check(&a->dhcp, l->facts.ifindex, l->facts.ifname, l->facts.mac,
					md->addrs[i].v4);
		if (err)
			log_warn("%s: dhcp check: %s", l->facts.ifname, strerror(-err));
		return;
	}
	dhcp_client_stop(&a->dhcp, l->facts.ifindex);
}

int addressing_resolve(struct addr_sources *a, struct link *l, struct addressing *out)
{
	const struct enid_eni_config *eni = config_find_mac(a->cfg, l->facts.mac);
	const struct addressing *good;
	enum pick p = pick(a, l);
	char mac[18];
	int err;

	mac_format(l->facts.mac, mac);
	if (p != PICK_METADATA)
		md_stop(a, l);
	if (p != PICK_DHCP && p != PICK_METADATA) /* metadata: dhcp_check() decides */
		dhcp_client_stop(&a->dhcp, l->facts.ifindex);
	switch (p) {
	case PICK_DHCP:
		return dhcp_resolve(a, l, eni, out);
	case PICK_STATIC:
		l->addr_src = ADDR_SRC_STATIC;
		err = addressing_from_config(a->cfg, l->facts.mac, out);
		if (err == -ENOENT)
			snprintf(l->why, sizeof(l->why), "no [%s] section in the config", mac);
		return err ? err : bounds_gate(a, l, p, out);
	case PICK_NONE:
		l->addr_src = ADDR_SRC_NONE;
		snprintf(l->why, sizeof(l->why),
			 "no [%s] section in the config and no metadata service", mac);
		return -ENOENT;
	case PICK_WAIT_INSTANCE:
		l->addr_src = ADDR_SRC_NONE;
		snprintf(l->why, sizeof(l->why), "no [%s] section; metadata service? %s", mac,
			 md_instance_why(a->md));
		return -EINPROGRESS;
	case PICK_METADATA:
		break;
	}
	if (eni && eni->unmanaged)
		return -EPERM;
	l->addr_src = ADDR_SRC_METADATA;
	if (!l->md) {
		l->md = md_job_start(a->md, l->facts.ifindex, l->facts.mac);
		if (!l->md)
			return -ENOMEM;
	}
	if (md_instance_state(a->md) != MD_INSTANCE_KNOWN) {
		/* the primary could be this very MAC: nothing before the service names it */
		snprintf(l->why, sizeof(l->why), "waiting: the instance mac (primary): %s",
			 md_instance_why(a->md));
		return -EINPROGRESS;
	}
	good = md_job_good(l->md);
	if (good) {
		md_candidate(a, l, good, out);
		dhcp_check(a, l, good);
		return bounds_gate(a, l, p, out);
	}
	snprintf(l->why, sizeof(l->why), "metadata: %s (%u requests)", md_job_why(l->md),
		 md_job_requests(l->md));
	return md_job_overdue(l->md) ? -ETIMEDOUT : -EINPROGRESS;
}

static bool ip_equal(const struct enid_ip *a, const struct enid_ip *b)
{
	if (a->family != b->family)
		return false;
	return !a->family || (a->prefixlen == b->prefixlen && enid_ip_same_addr(a, b));
}

bool addressing_equal(const struct addressing *a, const struct addressing *b)
{
	if (a->n_addrs != b->n_addrs || a->mtu != b->mtu || a->nodad != b->nodad ||
	    !ip_equal(&a->gateway4, &b->gateway4) || !ip_equal(&a->gateway6, &b->gateway6))
		return false;
	for (unsigned i = 0; i < a->n_addrs; i++)
		if (!ip_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	if (a->n_routes != b->n_routes)
		return false;
	for (unsigned i = 0; i < a->n_routes; i++)
		if (!ip_equal(&a->routes[i].dst, &b->routes[i].dst) ||
		    !ip_equal(&a->routes[i].gw, &b->routes[i].gw))
			return false;
	return true;
}

/* A source answered for l: a link before udev takes it later, a resolving or failed one
 * now (true); a configured one is left to the caller (false). */
static bool advance_unconfigured(struct addr_sources *a, struct link *l)
{
	switch (l->sm.state) {
	case LINK_NEW:
	case LINK_WAIT_UDEV:
		return true; /* taken when udev is done with the link */
	case LINK_RESOLVING:
	case LINK_FAILED:
		a->ops->advance(a->ctx, l);
		return true;
	default:
		return false;
	}
}

/* md_ops: a job's state or answer changed. */
static void md_job_changed(void *ctx, struct md_job *j)
{
	struct addr_sources *a = ctx;
	struct link *l = link_table_find(a->lt, md_job_ifindex(j));
	const struct addressing *good = md_job_good(j);
	struct addressing now;

	if (!l || l->md != j)
		return;
	if (!l->sm.managed || l->sm.state == LINK_REMOVED) {
		addressing_link_gone(a, l);
		return;
	}
	if (md_job_busy(j)) {
		if (good) { /* a refresh in trouble: what is applied stays */
			snprintf(l->why, sizeof(l->why),
				 "refresh: %s; keeping the last good answer", md_job_why(j));
			return;
		}
		snprintf(l->why, sizeof(l->why), "metadata: %s (%u requests)", md_job_why(j),
			 md_job_requests(j));
		if (md_job_overdue(j) && l->sm.state == LINK_RESOLVING) {
			a->ops->late(a->ctx, l);
			log_warn("%s: no complete metadata answer in %u s: %s; still asking",
				 l->facts.ifname, a->cfg->metadata_deadline_s, l->why);
		}
		return;
	}
	if (!good || advance_unconfigured(a, l))
		return;
	/* configured (or being configured) and read again: apply only what changed */
	md_candidate(a, l, good, &now);
	if (!l->addr || addressing_equal(&now, l->addr)) {
		if (!strncmp(l->why, "refresh: ", 9))
			l->why[0] = '\0';
		if (l->addr && l->refused[0]) { /* what is applied passed the bounds */
			log_info("%s: addressing accepted again", l->facts.ifname);
			l->refused[0] = '\0';
		}
		log_debug("%s: metadata unchanged", l->facts.ifname);
		return;
	}
	log_info("%s: metadata changed (%u -> %u addresses): applying the difference",
		 l->facts.ifname, l->addr->n_addrs, now.n_addrs);
	l->dirty = true;
	a->ops->advance(a->ctx, l);
}

/* dhcp_clients' op: a lease came, changed or went; a configured link applies the
 * difference (a changed address: the new one is added before the old one goes). */
static void dhcp_changed(void *ctx, int ifindex)
{
	struct addr_sources *a = ctx;
	struct link *l = link_table_find(a->lt, ifindex);
	const struct dhcp_lease *lease;
	struct addressing now;

	if (!l || !l->sm.managed || l->sm.state == LINK_REMOVED || advance_unconfigured(a, l))
		return;
	lease = dhcp_client_lease(&a->dhcp, ifindex);
	if (lease && l->addr && l->sm.state == LINK_CONFIGURED) {
		dhcp_candidate(a, l, lease, &now);
		if (addressing_equal(&now, l->addr)) { /* a renewal: nothing to apply */
			log_debug("%s: dhcp: lease renewed, addressing unchanged", l->facts.ifname);
			return;
		}
	}
	l->dirty = true;
	a->ops->advance(a->ctx, l);
}

/* md_ops: the instance question was answered, or given up. */
static void md_instance_changed(void *ctx)
{
	struct addr_sources *a = ctx;
	enum md_instance s = md_instance_state(a->md);

	if (s == MD_INSTANCE_KNOWN || s == MD_INSTANCE_ABSENT || s == MD_INSTANCE_UNREACHABLE)
		a->ops->reevaluate(a->ctx);
}

static bool link_matches(const struct link *l, const char *what)
{
	uint8_t mac[6];

	if (mac_parse(what, mac))
		return !memcmp(mac, l->facts.mac, 6);
	return !strcmp(what, l->facts.ifname);
}

int addressing_refresh(struct addr_sources *a, const char *what, struct sbuf *out)
{
	bool all = !what || !*what, matched = false;
	int n = 0;

	if (all && a->cfg->addressing != ENID_ADDRESSING_STATIC &&
	    (md_instance_state(a->md) == MD_INSTANCE_ABSENT ||
	     md_instance_state(a->md) == MD_INSTANCE_OFF)) {
		md_instance_probe(a->md);
		sbuf_printf(out, "asking the metadata service for the instance mac again\n");
	}
	for (unsigned i = 0; i < a->lt->n; i++) {
		struct link *l = a->lt->v[i];

		if (!l->sm.managed || l->sm.state == LINK_REMOVED ||
		    (!all && !link_matches(l, what)))
			continue;
		matched = true;
		if (!l->md) {
			if (all)
				continue;
			sbuf_printf(out, "%s: addressing %s: nothing to read again\n",
				    l->facts.ifname,
				    addr_source_name((enum addr_source)l->addr_src));
			return -EINVAL;
		}
		md_job_refresh(a->md, l->md);
		sbuf_printf(out, "%s: reading the metadata again\n", l->facts.ifname);
		n++;
	}
	if (!all && !matched) {
		sbuf_printf(out, "no managed link %s\n", what);
		return -ENOENT;
	}
	if (all && !n)
		sbuf_printf(out, "no link is addressed from metadata\n");
	return n;
}
