// SPDX-License-Identifier: GPL-2.0-or-later
/* The link with the main default route (see primary_route.h). */
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "nl_util.h"
#include "plan.h"
#include "primary_route.h"
#include "rtnl_msg.h"

struct best_default {
	int oif;
	uint32_t metric;
	bool found;
};

static int default_cb(const struct nlmsghdr *nlh, void *data)
{
	struct best_default *best = data;
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

int primary_route_find(struct mnl_socket *nl, uint32_t *seq)
{
	static const int fams[] = {AF_INET, AF_INET6};
	char req[RTNL_MSG_MAX] __attribute__((aligned(8)));
	struct best_default best;

	for (unsigned int i = 0; i < 2; i++) {
		struct nlmsghdr *q =
			rtnl_build_dump_routes(req, sizeof(req), ++*seq, fams[i], RT_TABLE_MAIN, 0);

		memset(&best, 0, sizeof(best));
		if (nl_transact(nl, q, default_cb, &best, NULL, 0) == 0 && best.found)
			return best.oif;
	}
	return 0;
}
