// SPDX-License-Identifier: GPL-2.0-or-later
/* Address announcements for configured ENIs and the host-wide arp_filter; see arp.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "arp.h"
#include "arp_msg.h"
#include "ndisc_msg.h"
#include "log.h"
#include "util.h"

#define ARP_FILTER_ALL	 "/proc/sys/net/ipv4/conf/all/arp_filter"
#define ARP_FILTER_SAVED "arp_filter.saved"

/* The link went away under us (its removal not yet read). */
static bool link_gone(int err)
{
	return err == ENXIO || err == ENODEV;
}

static int na_socket(void)
{
	struct icmp6_filter none;
	int fd, hops = 255;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&none); /* it only sends: nothing queued, no wakeups */
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &none, sizeof(none)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * An unsolicited NA from the address itself, to ff02::1 on the ENI. Only for addresses
 * added without DAD (the metadata vouches for them): a tentative address cannot be a
 * source, and the kernel announces nothing when DAD ends unless ndisc_notify is set.
 */
static void announce_v6(struct announcer *a, const struct announce_link *l,
			const struct enid_ip *ip)
{
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_scope_id = (uint32_t)l->ifindex,
	};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	uint8_t msg[NDISC_NA_LEN];
	struct iovec iov = {msg, sizeof(msg)};
	struct msghdr mh = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct in6_pktinfo *pi;
	char s[ENID_IP_STRLEN];

	if (a->na_fd < 0) {
		a->na_fd = na_socket();
		if (a->na_fd < 0) {
			log_warn("neighbour advertisement: ICMPv6 socket: %s", strerror(-a->na_fd));
			return;
		}
	}
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	ndisc_na_build(msg, sizeof(msg), l->mac, &ip->v6);
	memset(&ctl, 0, sizeof(ctl));
	ctl.h.cmsg_level = IPPROTO_IPV6;
	ctl.h.cmsg_type = IPV6_PKTINFO;
	ctl.h.cmsg_len = CMSG_LEN(sizeof(*pi));
	pi = (struct in6_pktinfo *)CMSG_DATA(&ctl.h);
	pi->ipi6_addr = ip->v6;
	pi->ipi6_ifindex = (unsigned int)l->ifindex;
	if (sendmsg(a->na_fd, &mh, MSG_DONTWAIT) < 0 && !link_gone(errno))
		log_warn("%s: neighbour advertisement for %s: %s", l->ifname,
			 enid_ip_format(ip, false, s, sizeof(s)), strerror(errno));
}

void announce_addrs(struct announcer *a, const struct announce_link *l)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = l->ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	uint8_t msg[ARP_MSG_LEN];

	if (!l->addr)
		return;
	if (a->arp_fd < 0) {
		/* protocol 0: bound to nothing, receives nothing */
		a->arp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (a->arp_fd < 0) {
			log_warn("gratuitous ARP: packet socket: %s", strerror(errno));
			return;
		}
	}
	for (unsigned int i = 0; i < l->addr->n_addrs; i++) {
		const struct enid_ip *ip = &l->addr->addrs[i];
		char s[ENID_IP_STRLEN];

		if (ip->family == AF_INET6 && l->addr->nodad)
			announce_v6(a, l, ip);
		if (ip->family != AF_INET)
			continue;
		arp_announce_build(msg, sizeof(msg), l->mac, ip->v4);
		if (sendto(a->arp_fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&to,
			   sizeof(to)) >= 0)
			continue;
		if (link_gone(errno)) {
			/* unplugged before its removal reached us: nothing to announce */
			log_debug("%s: gone before its announcement", l->ifname);
			return;
		}
		log_warn("%s: gratuitous ARP for %s: %s", l->ifname,
			 enid_ip_format(ip, false, s, sizeof(s)), strerror(errno));
	}
}

void arp_filter_sync(struct announcer *a, bool want)
{
	const char *saved = a->saved;
	char cur[16], old[16];
	int err;

	if (a->filter_held < 0) { /* first call: did an earlier enid change it? */
		struct stat st;

		a->filter_held = lstat(saved, &st) == 0;
	}
	if (want == (a->filter_held > 0))
		return;
	if (want) {
		err = file_read_line(ARP_FILTER_ALL, cur, sizeof(cur));
		if (!err && strcmp(cur, "0") != 0) {
			a->filter_held = 1; /* already on: the admin's, nothing to restore */
			return;
		}
		if (!err)
			err = file_create(saved, "0\n", 2);
		if (!err || err == -EEXIST)
			err = file_write(ARP_FILTER_ALL, "1", 0);
		if (err) {
			log_warn("host_arp_filter: setting %s to 1: %s", ARP_FILTER_ALL,
				 strerror(-err));
			unlink(saved);
			a->filter_held = 1; /* do not retry every pass */
			return;
		}
		log_info("host_arp_filter: %s = 1 (was 0) while ENIs are configured",
			 ARP_FILTER_ALL);
		a->filter_held = 1;
		return;
	}
	a->filter_held = 0;
	if (file_read_line(saved, old, sizeof(old)) < 0)
		return; /* nothing of ours to restore */
	err = file_write(ARP_FILTER_ALL, old, 0);
	if (err)
		log_warn("host_arp_filter: restoring %s to %s: %s", ARP_FILTER_ALL, old,
			 strerror(-err));
	else
		log_info("host_arp_filter: %s restored to %s", ARP_FILTER_ALL, old);
	unlink(saved);
}

void announcer_init(struct announcer *a, const char *run_dir)
{
	a->arp_fd = a->na_fd = a->filter_held = -1;
	snprintf(a->saved, sizeof(a->saved), "%s/%s", run_dir, ARP_FILTER_SAVED);
}

void announcer_close(struct announcer *a)
{
	if (a->arp_fd >= 0)
		close(a->arp_fd);
	if (a->na_fd >= 0)
		close(a->na_fd);
	a->arp_fd = a->na_fd = -1;
}
