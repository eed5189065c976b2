// SPDX-License-Identifier: GPL-2.0-or-later
/* eni_notify genetlink messages: parse, build, format. No sockets here. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "eni_msg.h"
#include "json_out.h"
#include "nl_msg.h"

#define GENL_HDR_SIZE MNL_ALIGN(sizeof(struct genlmsghdr))

static bool attr_len_is(const struct nlattr *attr, uint16_t len)
{
	return mnl_attr_get_payload_len(attr) == len;
}

/* A NUL-terminated string that fits a buffer of size bytes. */
static bool attr_string_fits(const struct nlattr *attr, size_t size)
{
	const char *s = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);
	size_t n = strnlen(s, len);

	return n < len && n < size;
}

/* Link attribute set: validate the known ones, skip the rest. */
static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);
	bool ok;

	switch (type) {
	case ENI_NOTIFY_A_IFINDEX:
	case ENI_NOTIFY_A_MTU:
	case ENI_NOTIFY_A_ORIGIN:
	case ENI_NOTIFY_A_CHANGE:
		ok = attr_len_is(attr, sizeof(uint32_t));
		break;
	case ENI_NOTIFY_A_SEQ:
	case ENI_NOTIFY_A_TIMESTAMP:
		ok = attr_len_is(attr, sizeof(uint64_t));
		break;
	case ENI_NOTIFY_A_IFNAME:
		ok = attr_string_fits(attr, ENID_IFNAMSIZ) && mnl_attr_get_str(attr)[0] != '\0';
		break;
	case ENI_NOTIFY_A_DRIVER:
		ok = attr_string_fits(attr, ENI_NOTIFY_DRIVER_LEN);
		break;
	case ENI_NOTIFY_A_BUS_INFO:
		ok = attr_string_fits(attr, ENI_NOTIFY_BUS_INFO_LEN);
		break;
	case ENI_NOTIFY_A_MAC:
	case ENI_NOTIFY_A_PERM_MAC:
		ok = len >= 1 && len <= ENI_MSG_MAX_ADDR;
		break;
	default:
		return MNL_CB_OK; /* PAD, and attributes newer than this code */
	}
	if (!ok) {
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static void copy_string(char *dst, size_t size, const struct nlattr *attr)
{
	snprintf(dst, size, "%s", mnl_attr_get_str(attr));
}

static uint8_t copy_addr(uint8_t *dst, const struct nlattr *attr)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	memcpy(dst, mnl_attr_get_payload(attr), len);
	return (uint8_t)len;
}

int eni_msg_parse(const struct nlmsghdr *nlh, struct eni_event *ev)
{
	const struct nlattr *tb[ENI_NOTIFY_A_MAX + 1] = {NULL};
	const struct genlmsghdr *genl;
	int err;

	memset(ev, 0, sizeof(*ev));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDR_SIZE)
		return -EINVAL;
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd == ENI_NOTIFY_CMD_UNSPEC || genl->cmd > ENI_NOTIFY_CMD_MAX)
		return -EOPNOTSUPP;
	err = nl_attrs_walk(mnl_nlmsg_get_payload_offset(nlh, sizeof(*genl)),
			    nlh->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDR_SIZE, link_attr_cb, tb);
	if (err)
		return err;
	if (!tb[ENI_NOTIFY_A_IFINDEX] || !tb[ENI_NOTIFY_A_IFNAME] || !tb[ENI_NOTIFY_A_MAC])
		return -EINVAL;

	ev->cmd = genl->cmd;
	for (int i = 0; i <= ENI_NOTIFY_A_MAX; i++)
		if (tb[i])
			ev->present |= 1U << i;
	ev->ifindex = mnl_attr_get_u32(tb[ENI_NOTIFY_A_IFINDEX]);
	copy_string(ev->ifname, sizeof(ev->ifname), tb[ENI_NOTIFY_A_IFNAME]);
	ev->mac_len = copy_addr(ev->mac, tb[ENI_NOTIFY_A_MAC]);
	if (tb[ENI_NOTIFY_A_PERM_MAC])
		ev->perm_mac_len = copy_addr(ev->perm_mac, tb[ENI_NOTIFY_A_PERM_MAC]);
	if (tb[ENI_NOTIFY_A_DRIVER])
		copy_string(ev->driver, sizeof(ev->driver), tb[ENI_NOTIFY_A_DRIVER]);
	if (tb[ENI_NOTIFY_A_BUS_INFO])
		copy_string(ev->bus_info, sizeof(ev->bus_info), tb[ENI_NOTIFY_A_BUS_INFO]);
	if (tb[ENI_NOTIFY_A_MTU])
		ev->mtu = mnl_attr_get_u32(tb[ENI_NOTIFY_A_MTU]);
	if (tb[ENI_NOTIFY_A_SEQ])
		ev->seq = mnl_attr_get_u64(tb[ENI_NOTIFY_A_SEQ]);
	if (tb[ENI_NOTIFY_A_TIMESTAMP])
		ev->timestamp_ns = mnl_attr_get_u64(tb[ENI_NOTIFY_A_TIMESTAMP]);
	if (tb[ENI_NOTIFY_A_ORIGIN])
		ev->origin = mnl_attr_get_u32(tb[ENI_NOTIFY_A_ORIGIN]);
	if (tb[ENI_NOTIFY_A_CHANGE])
		ev->change = mnl_attr_get_u32(tb[ENI_NOTIFY_A_CHANGE]);
	return 0;
}

int eni_msg_parse_buf(const void *buf, size_t len, struct eni_event *ev)
{
	const struct nlmsghdr *nlh = buf;

	memset(ev, 0, sizeof(*ev));
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -EINVAL;
	return eni_msg_parse(nlh, ev);
}

/* ---- builders ---- */

static struct nlmsghdr *genl_put_header(void *buf, size_t len, uint16_t type, uint16_t flags,
					uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (len < MNL_NLMSG_HDRLEN + GENL_HDR_SIZE)
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *eni_msg_build_get(void *buf, size_t len, uint16_t family_id, uint32_t seq,
				   uint32_t ifindex)
{
	struct nlmsghdr *nlh = genl_put_header(buf, len, family_id, NLM_F_REQUEST | NLM_F_ACK, seq,
					       ENI_NOTIFY_CMD_GET, ENI_NOTIFY_FAMILY_VERSION);

	if (!nlh || !mnl_attr_put_u32_check(nlh, len, ENI_NOTIFY_A_IFINDEX, ifindex))
		return NULL;
	return nlh;
}

struct nlmsghdr *eni_msg_build_dump(void *buf, size_t len, uint16_t family_id, uint32_t seq)
{
	return genl_put_header(buf, len, family_id, NLM_F_REQUEST | NLM_F_DUMP, seq,
			       ENI_NOTIFY_CMD_GET, ENI_NOTIFY_FAMILY_VERSION);
}

/* Like the kernel's nla_put_64bit(): a PAD attribute first if the payload would be unaligned. */
static bool put_u64_aligned(struct nlmsghdr *nlh, const void *buf, size_t len, uint16_t type,
			    uint64_t v)
{
	size_t tail = (const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)buf;

	if ((tail + MNL_ATTR_HDRLEN) % 8 &&
	    !mnl_attr_put_check(nlh, len, ENI_NOTIFY_A_PAD, 0, NULL))
		return false;
	return mnl_attr_put_u64_check(nlh, len, type, v);
}

static bool event_has(const struct eni_event *ev, int attr)
{
	return ENI_EVENT_HAS(ev, attr) || attr == ENI_NOTIFY_A_IFINDEX ||
	       attr == ENI_NOTIFY_A_IFNAME || attr == ENI_NOTIFY_A_MAC;
}

struct nlmsghdr *eni_msg_build_event(void *buf, size_t len, uint16_t family_id, uint32_t seq,
				     const struct eni_event *ev)
{
	struct nlmsghdr *nlh =
		genl_put_header(buf, len, family_id, 0, seq, ev->cmd, ENI_NOTIFY_FAMILY_VERSION);
	bool ok = nlh;

#define U32(a, v)    (!event_has(ev, a) || mnl_attr_put_u32_check(nlh, len, a, v))
#define U64(a, v)    (!event_has(ev, a) || put_u64_aligned(nlh, buf, len, a, v))
#define STR(a, v)    (!event_has(ev, a) || mnl_attr_put_strz_check(nlh, len, a, v))
#define BIN(a, v, n) (!event_has(ev, a) || mnl_attr_put_check(nlh, len, a, n, v))
	ok = ok && U32(ENI_NOTIFY_A_IFINDEX, ev->ifindex);
	ok = ok && STR(ENI_NOTIFY_A_IFNAME, ev->ifname);
	ok = ok && BIN(ENI_NOTIFY_A_MAC, ev->mac, ev->mac_len);
	ok = ok && BIN(ENI_NOTIFY_A_PERM_MAC, ev->perm_mac, ev->perm_mac_len);
	ok = ok && STR(ENI_NOTIFY_A_DRIVER, ev->driver);
	ok = ok && STR(ENI_NOTIFY_A_BUS_INFO, ev->bus_info);
	ok = ok && U32(ENI_NOTIFY_A_MTU, ev->mtu);
	ok = ok && U64(ENI_NOTIFY_A_SEQ, ev->seq);
	ok = ok && U64(ENI_NOTIFY_A_TIMESTAMP, ev->timestamp_ns);
	ok = ok && U32(ENI_NOTIFY_A_ORIGIN, ev->origin);
	ok = ok && U32(ENI_NOTIFY_A_CHANGE, ev->change);
#undef U32
#undef U64
#undef STR
#undef BIN
	return ok ? nlh : NULL;
}

/* ---- formatting ---- */

const char *eni_cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case ENI_NOTIFY_CMD_GET:
		return "get";
	case ENI_NOTIFY_CMD_LINK_ADD:
		return "add";
	case ENI_NOTIFY_CMD_LINK_DEL:
		return "del";
	case ENI_NOTIFY_CMD_LINK_CHANGE:
		return "change";
	default:
		return "unknown";
	}
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
	default:
		return "unknown";
	}
}

struct out {
	char *buf;
	size_t len;
	size_t pos; /* may run past len: then the result did not fit */
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	size_t room = o->pos < o->len ? o->len - o->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static void out_hwaddr(struct out *o, const uint8_t *a, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		outf(o, "%s%02x", i ? ":" : "", a[i]);
}

static const char *const change_names[] = {"name", "mac", "mtu"};

static void format_text(struct out *o, const struct eni_event *ev)
{
	outf(o, "%" PRIu64 ".%06" PRIu64 " seq %" PRIu64 " %s %s ifindex %u mac ",
	     ev->timestamp_ns / 1000000000, ev->timestamp_ns % 1000000000 / 1000, ev->seq,
	     eni_cmd_name(ev->cmd), ev->ifname, ev->ifindex);
	out_hwaddr(o, ev->mac, ev->mac_len);
	outf(o, " bus %s driver %s mtu %u origin %s", ev->bus_info[0] ? ev->bus_info : "-",
	     ev->driver[0] ? ev->driver : "-", ev->mtu,
	     ev->origin ? eni_origin_name(ev->origin) : "-");
	if (ev->cmd == ENI_NOTIFY_CMD_LINK_CHANGE) {
		bool first = true;

		outf(o, " change ");
		for (unsigned i = 0; i < 3; i++)
			if (ev->change & (1U << i)) {
				outf(o, "%s%s", first ? "" : ",", change_names[i]);
				first = false;
			}
		if (first)
			outf(o, "-");
	}
}

/* "aa:bb:..", as many bytes as the address has */
static char *hwaddr_str(const uint8_t *a, unsigned len, char *buf, size_t size)
{
	struct out o = {.buf = buf, .len = size};

	buf[0] = '\0';
	out_hwaddr(&o, a, len);
	return buf;
}

static struct json_object *event_json(const struct eni_event *ev, int *err)
{
	struct json_object *o = json_object_new_object(), *change;
	char addr[ENI_MSG_MAX_ADDR * 3 + 1];

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	json_out_add_uint(o, "time_ns", ev->timestamp_ns, err);
	json_out_add_uint(o, "seq", ev->seq, err);
	json_out_add_str(o, "event", eni_cmd_name(ev->cmd), err);
	json_out_add_uint(o, "ifindex", ev->ifindex, err);
	json_out_add_str(o, "ifname", ev->ifname, err);
	json_out_add_str(o, "mac", hwaddr_str(ev->mac, ev->mac_len, addr, sizeof(addr)), err);
	if (ev->perm_mac_len)
		json_out_add_str(o, "perm_mac",
				 hwaddr_str(ev->perm_mac, ev->perm_mac_len, addr, sizeof(addr)),
				 err);
	else
		json_out_add_null(o, "perm_mac", err);
	json_out_add_str_or_null(o, "bus_info", ev->bus_info, err);
	json_out_add_str_or_null(o, "driver", ev->driver, err);
	json_out_add_uint(o, "mtu", ev->mtu, err);
	json_out_add_str_or_null(o, "origin", ev->origin ? eni_origin_name(ev->origin) : NULL, err);
	if (ev->cmd == ENI_NOTIFY_CMD_LINK_CHANGE) {
		change = *err ? NULL : json_object_new_array();
		for (unsigned i = 0; change && i < 3; i++)
			if (ev->change & (1U << i))
				json_out_append(change, json_object_new_string(change_names[i]),
						err);
		json_out_add(o, "change", change, err);
	}
	if (*err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int eni_event_format(const struct eni_event *ev, bool json, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len};

	if (json) {
		int err = 0;
		struct json_object *obj = event_json(ev, &err);
		const char *text = obj ? json_out_text(obj) : NULL;

		if (text)
			outf(&o, "%s", text);
		json_object_put(obj);
		if (!text) {
			if (len)
				buf[0] = '\0';
			return -ENOMEM;
		}
	} else {
		format_text(&o, ev);
	}
	if (o.pos >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o.pos;
}
