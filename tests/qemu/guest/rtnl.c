// SPDX-License-Identifier: GPL-2.0
/* rtnetlink requests with ACKs, on libmnl. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "genl.h"
#include "kmod.h"
#include "rtnl.h"

int rtnl_open(struct rtnl *r)
{
	int one = 1;

	memset(r, 0, sizeof(*r));
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl)
		return -errno;
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		rtnl_close(r);
		return err;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = 5000;
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}

typedef void (*rtnl_reply_cb)(const struct nlmsghdr *nlh, void *data);

/* Sends nlh and reads to its ACK (or DONE); replies go to cb. */
static int rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh, rtnl_reply_cb cb,
		     void *data)
{
	char buf[32768];
	uint32_t seq = ++r->seq;

	nlh->nlmsg_seq = seq;
	r->errmsg[0] = '\0';
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			struct eni_ack ack;

			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR ||
			    m->nlmsg_type == NLMSG_DONE) {
				if (eni_ack_parse(m, &ack))
					return -EBADMSG;
				snprintf(r->errmsg, sizeof(r->errmsg), "%s",
					 ack.msg);
				return ack.error;
			}
			if (cb)
				cb(m, data);
		}
	}
}

static struct nlmsghdr *link_msg(char *buf, size_t len, uint16_t type,
				 uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

static int index_of(struct rtnl *r, const char *name, int *ifindex)
{
	struct rtnl_link l;
	int err;

	if (!ifindex)
		return 0;
	err = link_get_by_name(r, name, &l);
	if (!err)
		*ifindex = l.ifindex;
	return err;
}

int link_add(struct rtnl *r, const char *kind, const char *name,
	     const uint8_t *mac, int *ifindex)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *li;
	int err;

	nlh = link_msg(buf, sizeof(buf), RTM_NEWLINK,
		       NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, li);
	err = rtnl_talk(r, nlh, NULL, NULL);
	return err ? err : index_of(r, name, ifindex);
}

int link_add_veth(struct rtnl *r, const char *name, const char *peer,
		  int *ifindex)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *li, *data, *pi;
	struct ifinfomsg *pifm;
	int err;

	nlh = link_msg(buf, sizeof(buf), RTM_NEWLINK,
		       NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pi = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer attribute starts with its own ifinfomsg. */
	pifm = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifm, 0, sizeof(*pifm));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, pi);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	err = rtnl_talk(r, nlh, NULL, NULL);
	return err ? err : index_of(r, name, ifindex);
}

int link_set_name(struct rtnl *r, int ifindex, const char *name)
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_NEWLINK, 0,
					ifindex);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int link_set_mac(struct rtnl *r, int ifindex, const uint8_t mac[6])
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_NEWLINK, 0,
					ifindex);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int link_set_mtu(struct rtnl *r, int ifindex, uint32_t mtu)
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_NEWLINK, 0,
					ifindex);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int link_set_up(struct rtnl *r, int ifindex, bool up)
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_NEWLINK, 0,
					ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return rtnl_talk(r, nlh, NULL, NULL);
}

int link_set_netns_pid(struct rtnl *r, int ifindex, int pid)
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_NEWLINK, 0,
					ifindex);

	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int link_del(struct rtnl *r, int ifindex)
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_DELLINK, 0,
					ifindex);

	return rtnl_talk(r, nlh, NULL, NULL);
}

static void kind_parse(const struct nlattr *li, struct rtnl_link *l)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, li) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->kind, sizeof(l->kind), "%.*s",
				 (int)mnl_attr_get_payload_len(a),
				 mnl_attr_get_str(a));
	}
}

static void link_parse(const struct nlmsghdr *nlh, struct rtnl_link *l)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	memset(l, 0, sizeof(*l));
	l->ifindex = ifm->ifi_index;
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		unsigned int len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(l->ifname, sizeof(l->ifname), "%.*s",
				 (int)len, mnl_attr_get_str(a));
			break;
		case IFLA_ADDRESS:
			if (len <= ENI_MAC_MAX) {
				memcpy(l->mac, mnl_attr_get_payload(a), len);
				l->mac_len = (uint16_t)len;
			}
			break;
		case IFLA_PERM_ADDRESS:
			if (len <= ENI_MAC_MAX) {
				memcpy(l->perm_mac, mnl_attr_get_payload(a),
				       len);
				l->perm_mac_len = (uint16_t)len;
			}
			break;
		case IFLA_MTU:
			if (len == 4)
				l->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			kind_parse(a, l);
			break;
		}
	}
}

static void get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		link_parse(nlh, data);
}

int link_get(struct rtnl *r, int ifindex, struct rtnl_link *out)
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_GETLINK, 0,
					ifindex);

	memset(out, 0, sizeof(*out));
	out->ifindex = -1;
	return rtnl_talk(r, nlh, get_cb, out);
}

int link_get_by_name(struct rtnl *r, const char *name, struct rtnl_link *out)
{
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_GETLINK, 0, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	memset(out, 0, sizeof(*out));
	out->ifindex = -1;
	return rtnl_talk(r, nlh, get_cb, out);
}

struct prefix_scan {
	const char *prefix;
	int ifindex[256];
	int n;
};

static void prefix_cb(const struct nlmsghdr *nlh, void *data)
{
	struct prefix_scan *ps = data;
	struct rtnl_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return;
	link_parse(nlh, &l);
	if (!strncmp(l.ifname, ps->prefix, strlen(ps->prefix)) &&
	    ps->n < (int)(sizeof(ps->ifindex) / sizeof(ps->ifindex[0])))
		ps->ifindex[ps->n++] = l.ifindex;
}

int link_del_prefix(struct rtnl *r, const char *prefix)
{
	struct prefix_scan ps = { .prefix = prefix };
	char buf[256];
	struct nlmsghdr *nlh = link_msg(buf, sizeof(buf), RTM_GETLINK,
					NLM_F_DUMP, 0);
	int err, deleted = 0;

	err = rtnl_talk(r, nlh, prefix_cb, &ps);
	if (err)
		return err;
	/* A veth peer goes with its partner: ENODEV is fine. */
	for (int i = 0; i < ps.n; i++)
		if (!link_del(r, ps.ifindex[i]))
			deleted++;
	return deleted;
}

/* dummy.ko: $ENI_DUMMY_KO, /opt/eni/dummy.ko, then the kernel's own tree. */
static int dummy_load(void)
{
	char tree[256];
	struct utsname u;
	const char *paths[3];
	int err = -ENOENT;

	uname(&u);
	snprintf(tree, sizeof(tree), "/lib/modules/%s/kernel/drivers/net/dummy.ko",
		 u.release);
	paths[0] = getenv("ENI_DUMMY_KO");
	paths[1] = "/opt/eni/dummy.ko";
	paths[2] = tree;
	for (int i = 0; i < 3; i++) {
		if (!paths[i] || !*paths[i])
			continue;
		/* numdummies=0: no dummy0 of its own, only the tests' links. */
		err = kmod_load_file(paths[i], "numdummies=0");
		if (err != -ENOENT)
			return err == -EEXIST ? 0 : err;
	}
	return err;
}

int dummy_ready(struct rtnl *r)
{
	const char *name = TEST_LINK_PREFIX "-probe";
	int ifindex, err;

	/* Load it ourselves first: a modprobe by the kernel would add dummy0. */
	dummy_load();
	err = link_add(r, "dummy", name, NULL, &ifindex);
	if (err)
		return err;
	return link_del(r, ifindex);
}
