// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the nlctrl parser: one input is one datagram nlctrl answered a
 * family dump or GETFAMILY with (seeds: tests/fuzz/capture.sh). Each nlctrl message is
 * parsed as enid resolves eni_notify: an accepted family has a NUL-terminated name,
 * at most GENL_CTRL_MAX_GRPS groups, each named and found again by genl_ctrl_group(),
 * and the GETFAMILY request for its name fits. abort() on any broken promise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genl_ctrl.h"
#include "nl_msg.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	char req[64 + GENL_NAMSIZ];
	const struct nlmsghdr *nlh;
	struct genl_family_info fi;
	struct nl_walk w;

	if (!buf)
		return 0;
	nl_walk_init(&w, buf, size);
	while ((nlh = nl_walk_next(&w))) {
		if (nlh->nlmsg_type != GENL_ID_CTRL || genl_ctrl_parse(nlh, &fi) != 0)
			continue;
		check(memchr(fi.name, '\0', sizeof(fi.name)) != NULL);
		check(fi.n_grps <= GENL_CTRL_MAX_GRPS);
		for (unsigned int i = 0; i < fi.n_grps; i++) {
			uint32_t id = genl_ctrl_group(&fi, fi.grps[i].name);

			check(memchr(fi.grps[i].name, '\0', sizeof(fi.grps[i].name)) != NULL);
			/* the first group of that name */
			for (unsigned int k = 0; k < i; k++)
				if (!strcmp(fi.grps[k].name, fi.grps[i].name))
					goto next;
			check(id == fi.grps[i].id);
		next:;
		}
		(void)genl_ctrl_group(&fi, "events");
		check(genl_ctrl_build_getfamily(req, sizeof(req), fi.name, 1) != NULL);
	}
	free(buf);
	return 0;
}
