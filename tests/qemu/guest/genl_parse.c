// SPDX-License-Identifier: GPL-2.0
/* Pure decoding/encoding of eni_notify messages: no sockets here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl.h"

const char *eni_cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case ENI_NOTIFY_CMD_GET:
		return "GET";
	case ENI_NOTIFY_CMD_LINK_ADD:
		return "LINK_ADD";
	case ENI_NOTIFY_CMD_LINK_DEL:
		return "LINK_DEL";
	case ENI_NOTIFY_CMD_LINK_CHANGE:
		return "LINK_CHANGE";
	}
	return "?";
}

const char *eni_origin_name(uint32_t origin)
{
	switch (origin) {
	case ENI_NOTIFY_ORIGIN_HOTPLUG:
		return "hotplug";
	case ENI_NOTIFY_ORIGIN_PRESENT:
		return "present";
	case ENI_NOTIFY_ORIGIN_NETNS:
		return "netns";
	}
	return "?";
}

char *eni_link_describe(const struct eni_link *l, char *buf, size_t len)
{
	char mac[ENI_MAC_TEXT], perm[ENI_MAC_TEXT];

	snprintf(buf, len,
		 "%s seq %llu ifindex %u name %s mac %s perm %s driver %s "
		 "bus %s mtu %u origin %s change 0x%x ts %llu%s",
		 eni_cmd_name(l->cmd), (unsigned long long)l->seq, l->ifindex,
		 l->ifname, mac_text(l->mac, l->mac_len, mac, sizeof(mac)),
		 mac_text(l->perm_mac, l->perm_mac_len, perm, sizeof(perm)),
		 l->driver, ENI_HAVE(l, ENI_NOTIFY_A_BUS_INFO) ? l->bus_info : "-",
		 l->mtu, eni_origin_name(l->origin), l->change,
		 (unsigned long long)l->timestamp, l->nbad ? " MALFORMED" : "");
	return buf;
}

static void link_bad(struct eni_link *l, int type, const char *why,
		     unsigned int len)
{
	if (!l->nbad++) {
		l->bad_type = type;
		snprintf(l->bad_why, sizeof(l->bad_why),
			 "attr %d: %s (payload %u bytes)", type, why, len);
	}
}

/* A NUL-terminated string of 1..max bytes (NUL included), no inner NUL. */
static bool str_ok(const struct nlattr *a, size_t max)
{
	size_t len = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);

	return len >= 1 && len <= max && s[len - 1] == '\0' &&
	       strlen(s) == len - 1;
}

struct link_parse {
	struct eni_link *l;
	const char *end;	/* end of the last attribute walked */
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct link_parse *ctx = data;
	struct eni_link *l = ctx->l;
	int type = mnl_attr_get_type(a);
	unsigned int len = mnl_attr_get_payload_len(a);
	const void *p = mnl_attr_get_payload(a);

	ctx->end = (const char *)a + MNL_ALIGN(a->nla_len);
	if (type == ENI_NOTIFY_A_PAD || type == ENI_NOTIFY_A_UNSPEC)
		return MNL_CB_OK;
	if (type > ENI_NOTIFY_A_MAX) {
		l->nunknown++;	/* a newer kernel may add some: skip */
		return MNL_CB_OK;
	}
	if (l->have & (1u << type))
		l->ndup++;

	switch (type) {
	case ENI_NOTIFY_A_IFINDEX:
	case ENI_NOTIFY_A_MTU:
	case ENI_NOTIFY_A_ORIGIN:
	case ENI_NOTIFY_A_CHANGE: {
		uint32_t v;

		if (len != sizeof(uint32_t)) {
			link_bad(l, type, "u32 of wrong length", len);
			return MNL_CB_OK;
		}
		v = mnl_attr_get_u32(a);
		if (type == ENI_NOTIFY_A_IFINDEX)
			l->ifindex = v;
		else if (type == ENI_NOTIFY_A_MTU)
			l->mtu = v;
		else if (type == ENI_NOTIFY_A_ORIGIN)
			l->origin = v;
		else
			l->change = v;
		break;
	}
	case ENI_NOTIFY_A_SEQ:
	case ENI_NOTIFY_A_TIMESTAMP:
		if (len != sizeof(uint64_t)) {
			link_bad(l, type, "u64 of wrong length", len);
			return MNL_CB_OK;
		}
		if (type == ENI_NOTIFY_A_SEQ)
			l->seq = mnl_attr_get_u64(a);
		else
			l->timestamp = mnl_attr_get_u64(a);
		break;
	case ENI_NOTIFY_A_IFNAME:
		if (!str_ok(a, IFNAMSIZ)) {
			link_bad(l, type, "bad ifname string", len);
			return MNL_CB_OK;
		}
		memcpy(l->ifname, p, len);
		break;
	case ENI_NOTIFY_A_DRIVER:
		if (!str_ok(a, ENI_NOTIFY_DRIVER_LEN)) {
			link_bad(l, type, "bad driver string", len);
			return MNL_CB_OK;
		}
		memcpy(l->driver, p, len);
		break;
	case ENI_NOTIFY_A_BUS_INFO:
		if (!str_ok(a, ENI_NOTIFY_BUS_INFO_LEN)) {
			link_bad(l, type, "bad bus-info string", len);
			return MNL_CB_OK;
		}
		memcpy(l->bus_info, p, len);
		break;
	case ENI_NOTIFY_A_MAC:
	case ENI_NOTIFY_A_PERM_MAC:
		if (len < 1 || len > ENI_MAC_MAX) {
			link_bad(l, type, "address of bad length", len);
			return MNL_CB_OK;
		}
		if (type == ENI_NOTIFY_A_MAC) {
			memcpy(l->mac, p, len);
			l->mac_len = (uint16_t)len;
		} else {
			memcpy(l->perm_mac, p, len);
			l->perm_mac_len = (uint16_t)len;
		}
		break;
	default:
		link_bad(l, type, "attribute not expected in a link message",
			 len);
		return MNL_CB_OK;
	}
	l->have |= 1u << type;
	return MNL_CB_OK;
}

int eni_link_parse(const void *buf, struct eni_link *out)
{
	const struct nlmsghdr *nlh = buf;
	const struct genlmsghdr *g;
	struct link_parse ctx = { .l = out };
	const char *tail;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
		return -EBADMSG;
	g = mnl_nlmsg_get_payload(nlh);
	out->cmd = g->cmd;
	out->version = g->version;
	ctx.end = (const char *)g + GENL_HDRLEN;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, link_attr_cb, &ctx) != MNL_CB_OK)
		link_bad(out, -1, "attribute walk stopped", 0);
	/* mnl_attr_parse stops silently at a malformed header: catch that. */
	tail = (const char *)mnl_nlmsg_get_payload_tail(nlh);
	if (ctx.end < tail)
		link_bad(out, -1, "bytes after the last valid attribute",
			 (unsigned int)(tail - ctx.end));
	return 0;
}

static int ack_attr_cb(const struct nlattr *a, void *data)
{
	struct eni_ack *ack = data;
	unsigned int len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (len >= 1) {
			size_t n = len < sizeof(ack->msg) ? len : sizeof(ack->msg);

			memcpy(ack->msg, mnl_attr_get_payload(a), n);
			ack->msg[n - 1] = '\0';
		}
		break;
	case NLMSGERR_ATTR_OFFS:
		if (len == sizeof(uint32_t)) {
			ack->has_offs = true;
			ack->offs = mnl_attr_get_u32(a);
		}
		break;
#ifdef NLMSGERR_ATTR_MISS_TYPE
	case NLMSGERR_ATTR_MISS_TYPE:
		if (len == sizeof(uint32_t)) {
			ack->has_miss = true;
			ack->miss_type = mnl_attr_get_u32(a);
		}
		break;
#endif
	}
	return MNL_CB_OK;
}

int eni_ack_parse(const void *buf, struct eni_ack *out)
{
	const struct nlmsghdr *nlh = buf;
	unsigned int plen = mnl_nlmsg_get_payload_len(nlh);
	unsigned int off;

	memset(out, 0, sizeof(*out));
	out->seen = true;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump ends with an int (0 or -errno), then maybe TLVs. */
		if (plen >= sizeof(int))
			memcpy(&out->error, mnl_nlmsg_get_payload(nlh),
			       sizeof(int));
		off = sizeof(int);
	} else {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (plen < sizeof(*e))
			return -EBADMSG;
		out->error = e->error;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len > MNL_NLMSG_HDRLEN)
			off += e->msg.nlmsg_len - MNL_NLMSG_HDRLEN;
	}
	off = MNL_ALIGN(off);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen)
		mnl_attr_parse(nlh, off, ack_attr_cb, out);
	return 0;
}

size_t eni_build_get(void *buf, size_t len, uint16_t family, uint32_t seq,
		     uint32_t ifindex, bool dump)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = ENI_NOTIFY_CMD_GET;
	g->version = ENI_NOTIFY_FAMILY_VERSION;
	if (!dump)
		mnl_attr_put_u32(nlh, ENI_NOTIFY_A_IFINDEX, ifindex);
	return nlh->nlmsg_len;
}
