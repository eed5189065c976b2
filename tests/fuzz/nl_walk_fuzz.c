// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the netlink receive path: one input is one received datagram.
 * It is walked with nl_walk_next, as nl_drain, nl_transact and enictl monitor do, and
 * each message goes through what enid and enictl read from a message: the ACK and DONE
 * codes, the extended-ACK text, nlctrl and eni_notify parsing. The walk must stay inside
 * the datagram, move forward at every step, end, and account for every byte: the
 * messages and their padding, then the end or -EBADMSG (checked below, abort()
 * otherwise). Then, as nl_transact does, the walked messages (NLM_F_DUMP_INTR cleared)
 * go to libmnl's mnl_cb_run2, which must visit exactly those. ASan sees any read past
 * the exact-size copy.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eni_msg.h"
#include "genl_ctrl.h"
#include "nl_util.h"
#include "fuzz.h"

static int count_msg(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(size_t *)data;
	return MNL_CB_OK;
}

/* every control type counted and walked past, as the data messages are */
static mnl_cb_t count_ctl[NLMSG_MIN_TYPE] = {
	count_msg, count_msg, count_msg, count_msg, count_msg, count_msg, count_msg, count_msg,
	count_msg, count_msg, count_msg, count_msg, count_msg, count_msg, count_msg, count_msg,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	const struct nlmsghdr *nlh;
	size_t walked = 0, steps = 0, visited = 0;
	struct nl_walk w;

	if (!buf)
		return 0;
	nl_walk_init(&w, buf, size);
	while ((nlh = nl_walk_next(&w))) {
		const char *p = (const char *)nlh;
		struct genl_family_info fi;
		struct eni_event ev;
		const char *text;

		/* in order, inside, whole, and at least a header long */
		check(p == buf + walked);
		check(nlh->nlmsg_len >= sizeof(*nlh));
		check(NLMSG_ALIGN(nlh->nlmsg_len) <= size - walked);
		check(w.left < size - walked);
		walked = size - w.left;
		check(++steps <= size / sizeof(*nlh));
		((struct nlmsghdr *)nlh)->nlmsg_flags &= ~NLM_F_DUMP_INTR;

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			(void)nl_error_code(nlh);
			text = nl_extack_msg(nlh);
			if (text)
				check(text >= p &&
				      text + strlen(text) < p + NLMSG_ALIGN(nlh->nlmsg_len));
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			(void)nl_done_code(nlh);
			text = nl_extack_msg(nlh);
			if (text)
				check(text >= p &&
				      text + strlen(text) < p + NLMSG_ALIGN(nlh->nlmsg_len));
		} else if (nlh->nlmsg_type == GENL_ID_CTRL) {
			(void)genl_ctrl_parse(nlh, &fi);
		} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
			(void)eni_msg_parse(nlh, &ev);
		}
	}
	/* the walk ended: at the end of the datagram, or at a length that did not fit */
	check(w.left == 0);
	check(w.err == 0 || w.err == -EBADMSG);
	check(w.err || walked == size);
	check(nl_walk_next(&w) == NULL);
	check(mnl_cb_run2(buf, walked, 0, 0, count_msg, &visited, count_ctl, NLMSG_MIN_TYPE) >= 0);
	check(visited == steps);
	free(buf);
	return 0;
}
