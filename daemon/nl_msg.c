// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <linux/netlink.h>

#include "nl_msg.h"

int nl_error_code(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
		return -EBADMSG;
	err = mnl_nlmsg_get_payload(nlh);
	return err->error;
}

const char *nl_extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err;
	const struct nlattr *attr;
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* a dump that failed: its error code, then the TLVs */
		off = sizeof(int);
	} else {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
			return NULL;
		err = mnl_nlmsg_get_payload(nlh);
		/* without NLM_F_CAPPED the whole request is echoed before the TLVs */
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
				return NULL;
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		}
	}
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return NULL;
	mnl_attr_for_each(attr, nlh, off)
	{
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return NULL;
		return mnl_attr_get_str(attr);
	}
	return NULL;
}

int nl_done_code(const struct nlmsghdr *nlh)
{
	/* a dump that failed midway reports its error in NLMSG_DONE's payload */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err = *(const int *)mnl_nlmsg_get_payload(nlh);

		return err < 0 ? err : 0;
	}
	return 0;
}

int nl_attrs_walk(const void *payload, size_t len, mnl_attr_cb_t cb, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(payload, len)
	{
		if (cb(attr, data) < MNL_CB_OK)
			return -EINVAL;
	}
	/* the walk stops at the first attribute that does not fit: there must be none */
	if ((const char *)payload + len > (const char *)attr)
		return -EINVAL;
	return 0;
}

void nl_walk_init(struct nl_walk *w, const void *buf, size_t len)
{
	w->next = buf;
	w->left = len;
	w->err = 0;
}

const struct nlmsghdr *nl_walk_next(struct nl_walk *w)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)w->next;
	size_t step;

	if (!w->left)
		return NULL;
	if (w->left < sizeof(*nlh))
		goto bad;
	/* size_t arithmetic: NLMSG_ALIGN's unsigned int mask would wrap near 2^32 */
	step = ((size_t)nlh->nlmsg_len + NLMSG_ALIGNTO - 1) & ~((size_t)NLMSG_ALIGNTO - 1);
	/* the padding too: libmnl's attribute walks read up to the aligned end */
	if (nlh->nlmsg_len < sizeof(*nlh) || step > w->left)
		goto bad;
	w->next += step;
	w->left -= step;
	return nlh;
bad:
	w->err = -EBADMSG;
	w->left = 0;
	return NULL;
}
