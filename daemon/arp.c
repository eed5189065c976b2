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
#include "enid.h"
#include "log.h"
#include "util.h"

#define ARP_FILTER_ALL	 "/proc/sys/net/ipv4/conf/all/arp_filter"
#define ARP_FILTER_SAVED "arp_filter.saved"

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
static void announce_v6(struct enid *d, const struct link *l, const struct enid_ip *ip)
{
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_scope_id = (uint32_t)l->facts.ifindex,
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

	if (d->na_fd < 0) {
		d->na_fd = na_socket();
		if (d->na_fd < 0) {
			log_warn("neighbour advertisement: ICMPv6 socket: %s", strerror(-d->na_fd));
			return;
		}
	}
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	ndisc_na_build(msg, sizeof(msg), l->facts.mac, &ip->v6);
	memset(&ctl, 0, sizeof(ctl));
	ctl.h.cmsg_level = IPPROTO_IPV6;
	ctl.h.cmsg_type = IPV6_PKTINFO;
	ctl.h.cmsg_len = CMSG_LEN(sizeof(*pi));
	pi = (struct in6_pktinfo *)CMSG_DATA(&ctl.h);
	pi->ipi6_addr = ip->v6;
	pi->ipi6_ifindex = (unsigned int)l->facts.ifindex;
	if (sendmsg(d->na_fd, &mh, MSG_DONTWAIT) < 0)
		log_warn("%s: neighbour advertisement for %s: %s", l->facts.ifname,
			 enid_ip_format(ip, false, s, sizeof(s)), strerror(errno));
}

static void announce_link(struct enid *d, const struct link *l)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = l->facts.ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	uint8_t msg[ARP_MSG_LEN];

	if (!l->addr)
		return;
	if (d->arp_fd < 0) {
		/* protocol 0: bound to nothing, receives nothing */
		d->arp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (d->arp_fd < 0) {
			log_warn("gratuitous ARP: packet socket: %s", strerror(errno));
			return;
		}
	}
	for (unsigned int i = 0; i < l->addr->n_addrs; i++) {
		const struct enid_ip *ip = &l->addr->addrs[i];
		char s[ENID_IP_STRLEN];

		if (ip->family == AF_INET6 && l->addr->nodad)
			announce_v6(d, l, ip);
		if (ip->family != AF_INET)
			continue;
		arp_announce_build(msg, sizeof(msg), l->facts.mac, ip->v4);
		if (sendto(d->arp_fd, msg, sizeof(msg), MSG_DONTWAIT, (struct sockaddr *)&to,
			   sizeof(to)) < 0)
			log_warn("%s: gratuitous ARP for %s: %s", l->facts.ifname,
				 enid_ip_format(ip, false, s, sizeof(s)), strerror(errno));
	}
}

void arp_announce_link(struct link *l)
{
	l->announce_left = ARP_ANNOUNCE_NUM;
	l->announce_at = 0;
}

void arp_announce_idle(struct enid *d)
{
	uint64_t now;
	bool later = false;

	if (rtreq_busy(&d->rtreq))
		return;
	for (unsigned int i = 0; i < d->n_links; i++)
		if (d->links[i]->pending && d->links[i]->sm.managed)
			return;
	now = now_us();
	for (unsigned int i = 0; i < d->n_links; i++) {
		struct link *l = d->links[i];

		if (!l->announce_left || l->announce_at > now)
			continue;
		if (!d->cfg.gratuitous_arp || l->sm.state != LINK_CONFIGURED) {
			l->announce_left = 0;
			continue;
		}
		announce_link(d, l);
		if (--l->announce_left) {
			l->announce_at = now + ARP_ANNOUNCE_INTERVAL_US;
			later = true;
		}
	}
	if (later)
		enid_timer_rearm(d);
}

static bool any_slot(const struct enid *d)
{
	for (unsigned int i = 0; i < d->n_links; i++)
		if (d->links[i]->slot)
			return true;
	return false;
}

void host_arp_filter_sync(struct enid *d)
{
	char saved[PATH_MAX + sizeof(ARP_FILTER_SAVED) + 1], cur[16], old[16];
	bool want = d->cfg.host_arp_filter && any_slot(d);
	int err;

	snprintf(saved, sizeof(saved), "%s/%s", d->run_dir, ARP_FILTER_SAVED);
	if (d->arp_filter_held < 0) { /* first call: did an earlier enid change it? */
		struct stat st;

		d->arp_filter_held = lstat(saved, &st) == 0;
	}
	if (want == (d->arp_filter_held > 0))
		return;
	if (want) {
		err = file_read_line(ARP_FILTER_ALL, cur, sizeof(cur));
		if (!err && strcmp(cur, "0") != 0) {
			d->arp_filter_held = 1; /* already on: the admin's, nothing to restore */
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
			d->arp_filter_held = 1; /* do not retry every pass */
			return;
		}
		log_info("host_arp_filter: %s = 1 (was 0) while ENIs are configured",
			 ARP_FILTER_ALL);
		d->arp_filter_held = 1;
		return;
	}
	d->arp_filter_held = 0;
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

void arp_close(struct enid *d)
{
	if (d->arp_fd >= 0)
		close(d->arp_fd);
	if (d->na_fd >= 0)
		close(d->na_fd);
	d->arp_fd = d->na_fd = -1;
}
