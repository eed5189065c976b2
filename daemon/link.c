// SPDX-License-Identifier: GPL-2.0-or-later
/* One link's record (link.h). */
#include "link.h"

struct link *link_table_find(const struct link_table *t, int ifindex)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (t->v[i]->facts.ifindex == ifindex)
			return t->v[i];
	return NULL;
}

bool link_settled(const struct link *l)
{
	return link_sm_settled(&l->sm, l->waiting_addr || l->pending);
}
