// SPDX-License-Identifier: GPL-2.0-or-later
/* The udev rule's helper (see udev_claim.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "claim.h"
#include "nl_util.h"
#include "primary_route.h"
#include "rtnl_msg.h"
#include "src_rtnl.h"
#include "udev_claim.h"

struct one_link {
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	char kind[ENID_DRIVER_LEN];   /* IFLA_INFO_KIND, the driver when sysfs has none */
	char driver[ENID_DRIVER_LEN]; /* read from sysfs on first use (link_driver) */
};

struct link_list {
	struct one_link *v;
	size_t n, cap;
	bool oom;
};

/* Every Ethernet-like link with its driver, as the rtnetlink source sees it. */
static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *ll = data;
	struct one_link *x;
	struct klink k;

	if (rtnl_parse_link(nlh, &k) || k.mac_len != 6)
		return MNL_CB_OK;
	if (ll->n == ll->cap) {
		size_t cap = ll->cap ? 2 * ll->cap : 16;
		struct one_link *v = realloc(ll->v, cap * sizeof(*v));

		if (!v) {
			ll->oom = true;
			return MNL_CB_OK;
		}
		ll->v = v;
		ll->cap = cap;
	}
	x = &ll->v[ll->n++];
	x->ifindex = k.ifindex;
	snprintf(x->ifname, sizeof(x->ifname), "%s", k.ifname);
	memcpy(x->mac, k.mac, 6);
	snprintf(x->kind, sizeof(x->kind), "%s", k.kind);
	x->driver[0] = '\0';
	return MNL_CB_OK;
}

/* The link's driver as the rtnetlink source sees it: sysfs, else the link kind. Read only
 * for the links the decision looks at (udev runs this per net event; a host may have
 * hundreds of container veths). */
static const char *link_driver(struct one_link *x)
{
	if (!x->driver[0]) {
		src_rtnl_sysfs_driver(x->ifname, x->driver, sizeof(x->driver));
		if (!x->driver[0])
			snprintf(x->driver, sizeof(x->driver), "%s", x->kind);
	}
	return x->driver;
}

static void say(FILE *out, const char *reason)
{
	if (reason)
		fprintf(out, "ENID_MANAGED=0\nENID_REASON=%s\n", reason);
	else
		fprintf(out, "ENID_MANAGED=1\nNM_UNMANAGED=1\n");
	fflush(out);
}

static const char *decide(const struct enid_config *cfg, struct mnl_socket *nl,
			  struct link_list *ll, const char *kernel, const char *name)
{
	struct claim_facts f = {0};
	struct one_link *me = NULL;
	enum claim_why why;
	uint32_t seq = 1;

	for (size_t i = 0; i < ll->n; i++) {
		struct one_link *x = &ll->v[i];

		if (!strcmp(x->ifname, kernel))
			me = x;
	}
	if (!me)
		return "no-link";
	f.ifindex = me->ifindex;
	f.ifname = name && name[0] ? name : kernel;
	f.mac = me->mac;
	f.driver = link_driver(me);
	if (config_driver_managed(cfg, f.driver)) {
		f.route_primary = primary_route_find(nl, &seq);
		for (size_t i = 0; !f.route_primary && i < ll->n; i++) {
			struct one_link *x = &ll->v[i];

			if ((!f.first_listed || x->ifindex < f.first_listed) &&
			    claim_primary_candidate(cfg, link_driver(x), x->mac))
				f.first_listed = x->ifindex;
		}
	}
	why = claim_decide(cfg, &f);
	return why == CLAIM_MANAGED ? NULL : claim_token(why);
}

int udev_claim_print(const struct enid_config *cfg, const char *kernel, const char *name, FILE *out)
{
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	struct link_list ll = {0};
	struct mnl_socket *nl;
	int err;

	if (!cfg) {
		say(out, claim_token(CLAIM_BAD_CONFIG));
		return 0;
	}
	nl = nl_open(NETLINK_ROUTE, NL_BLOCKING, 0);
	if (!nl) {
		say(out, "netlink");
		return 0;
	}
	err = nl_transact(nl, rtnl_build_dump_links(req, sizeof(req), 1), link_cb, &ll, NULL, 0);
	if (err || ll.oom)
		say(out, "netlink");
	else
		say(out, decide(cfg, nl, &ll, kernel, name));
	free(ll.v);
	mnl_socket_close(nl);
	return 0;
}
