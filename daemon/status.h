/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `enictl status`: the link manager's links as text or JSON (json-c, json_out.h). */
#ifndef ENID_STATUS_H
#define ENID_STATUS_H

#include <stdbool.h>

#include "links.h"

struct sbuf;

/* source: the event source's name ("genl", "rtnl", "none"), degraded when rtnetlink. */
void status_format(const struct links *d, const char *source, bool degraded, bool json,
		   struct sbuf *out);

/* True when the link has nothing to configure (addressing = static and no [MAC]
 * section): it shows as "unconfigured" with *why, and is not counted as managed. */
bool status_unconfigured(const struct links *d, const struct link *l, const char **why);

#endif /* ENID_STATUS_H */
