// SPDX-License-Identifier: GPL-2.0
/*
 * Netdevice notifier -> link events, and the table of links it tracks.
 *
 * A link is tracked from the NETDEV_REGISTER that made it match until the
 * NETDEV_UNREGISTER that ends it, so each LINK_ADD has exactly one LINK_DEL
 * and a repeated NETDEV_UNREGISTER finds nothing to report.
 *
 * Failover and aggregation slaves are not reported: the net_failover master
 * of a virtio-net "standby" device has the same parent, so it matches and is
 * the link to configure; the standby under it (IFF_FAILOVER_SLAVE) and bond
 * or team ports (IFF_SLAVE, or a bond/team/failover master above them) are
 * skipped. A tracked link that gets enslaved is reported removed; one that
 * is released is reported added (origin hotplug in both cases).
 *
 * Locking: notifier calls run under RTNL and take eni_links_lock inside it;
 * GET takes eni_links_lock alone, and nothing takes RTNL under it.
 */

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "eni_notify_internal.h"

struct eni_link {
	struct list_head node;
	const struct net_device *dev;	/* identity only */
	possible_net_t net;
	u64 first_seen_ns;
	u32 origin;
	bool moving;	/* left its namespace; NETDEV_REGISTER in the next is due */
	struct eni_link_info info;
};

/* Per namespace: listeners only see their namespace, so they count in it. */
struct eni_net {
	u64 seq;	/* last sequence number issued; the first event gets 1 */
	u32 dump_gen;	/* never 0: the dump's cb->seq (0 there means unset) */
};

static unsigned int eni_net_id __read_mostly;
static LIST_HEAD(eni_links);
static DEFINE_MUTEX(eni_links_lock);	/* eni_links, every eni_net */

/*
 * (Un)registering the notifier replays NETDEV_REGISTER / NETDEV_UNREGISTER
 * for existing devices synchronously in the task doing it; real events come
 * from other tasks.
 */
static struct task_struct *eni_replay_task;

static const char *eni_dev_driver(const struct net_device *dev)
{
	const struct device *parent = dev->dev.parent;
	const struct device_driver *drv = parent ? READ_ONCE(parent->driver) : NULL;

	if (drv && drv->name)
		return drv->name;
	if (dev->rtnl_link_ops && dev->rtnl_link_ops->kind)
		return dev->rtnl_link_ops->kind;
	return NULL;
}

/* Like ethtool's bus-info: the PCI function the virtio device sits on. */
static void eni_dev_bus_info(const struct net_device *dev, char *buf,
			     size_t len)
{
	const struct device *parent = dev->dev.parent;

	buf[0] = '\0';
	if (!parent)
		return;
	if (!dev_is_pci(parent) && parent->parent && dev_is_pci(parent->parent))
		parent = parent->parent;
	strscpy(buf, dev_name(parent), len);
}

static bool eni_is_aggregator(const struct net_device *upper)
{
	return netif_is_failover(upper) || netif_is_bond_master(upper) ||
	       netif_is_team_master(upper);
}

/*
 * net_failover registers its master before the standby, on the same parent,
 * and enslaves the standby from its own notifier: when ours runs first, the
 * master sitting on our parent is the only sign yet.
 */
static bool eni_dev_is_failover_standby(struct net_device *dev)
{
	struct net_device *other;

	if (!dev->dev.parent || netif_is_failover(dev))
		return false;
	for_each_netdev(dev_net(dev), other)
		if (netif_is_failover(other) &&
		    other->dev.parent == dev->dev.parent)
			return true;
	return false;
}

static bool eni_dev_is_slave(struct net_device *dev)
{
	struct net_device *master;

	if ((dev->flags & IFF_SLAVE) || netif_is_failover_slave(dev))
		return true;
	master = netdev_master_upper_dev_get(dev);
	if (master)
		return eni_is_aggregator(master);
	return eni_dev_is_failover_standby(dev);
}

static bool eni_dev_driver_wanted(const struct net_device *dev)
{
	const char *drv = eni_dev_driver(dev);

	return drv && eni_driver_wanted(drv);
}

/* Name, addresses, MTU, ifindex: what can change while a link lives. */
static void eni_snapshot(struct eni_link_info *li, const struct net_device *dev)
{
	li->ifindex = dev->ifindex;
	li->mtu = dev->mtu;
	li->addr_len = min_t(unsigned int, dev->addr_len, MAX_ADDR_LEN);
	memset(li->mac, 0, sizeof(li->mac));
	memset(li->perm_mac, 0, sizeof(li->perm_mac));
	if (dev->dev_addr)
		memcpy(li->mac, dev->dev_addr, li->addr_len);
	memcpy(li->perm_mac, dev->perm_addr, li->addr_len);
	strscpy(li->ifname, dev->name, sizeof(li->ifname));
}

static struct eni_link *eni_link_find(const struct net_device *dev)
{
	struct eni_link *l;

	lockdep_assert_held(&eni_links_lock);
	list_for_each_entry(l, &eni_links, node)
		if (l->dev == dev)
			return l;
	return NULL;
}

static struct eni_link *eni_link_new(struct net_device *dev)
{
	struct eni_link *l;

	/* On failure the link goes unreported; the allocator has logged why. */
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return NULL;
	l->dev = dev;
	strscpy(l->info.driver, eni_dev_driver(dev), sizeof(l->info.driver));
	eni_dev_bus_info(dev, l->info.bus_info, sizeof(l->info.bus_info));
	list_add_tail(&l->node, &eni_links);
	return l;
}

static void eni_link_free(struct eni_link *l)
{
	list_del(&l->node);
	kfree(l);
}

static u64 eni_next_seq(struct net *net)
{
	struct eni_net *en = net_generic(net, eni_net_id);

	lockdep_assert_held(&eni_links_lock);
	/* Every event changes what a dump would show: running dumps see it. */
	if (!++en->dump_gen)
		en->dump_gen = 1;
	return ++en->seq;
}

static u64 eni_last_seq(struct net *net)
{
	struct eni_net *en = net_generic(net, eni_net_id);

	lockdep_assert_held(&eni_links_lock);
	return en->seq;
}

/* Builds event @cmd for @l and spends its namespace's next sequence number. */
static void eni_event_build(struct eni_msg *m, const struct eni_link *l,
			    u8 cmd, u32 origin, u32 change)
{
	struct net *net = read_pnet(&l->net);

	m->link = l->info;
	m->cmd = cmd;
	m->origin = origin;
	m->change = change;
	m->timestamp_ns = ktime_get_ns();
	m->seq = eni_next_seq(net);
}

static void eni_change_names(char *buf, size_t len, u32 change)
{
	snprintf(buf, len, "%s%s%s%s%s",
		 change & ENI_NOTIFY_CHANGE_NAME ? "name" : "",
		 (change & ENI_NOTIFY_CHANGE_NAME) &&
		 (change & ~ENI_NOTIFY_CHANGE_NAME) ? "," : "",
		 change & ENI_NOTIFY_CHANGE_MAC ? "mac" : "",
		 (change & ENI_NOTIFY_CHANGE_MAC) &&
		 (change & ENI_NOTIFY_CHANGE_MTU) ? "," : "",
		 change & ENI_NOTIFY_CHANGE_MTU ? "mtu" : "");
}

static void eni_event_log(const struct eni_msg *m)
{
	const struct eni_link_info *li = &m->link;
	int level = READ_ONCE(eni_log_level);
	char mac[3 * MAX_ADDR_LEN];
	const char *bus = li->bus_info[0] ? li->bus_info : "-";
	char what[16];

	if (level < 1 || (m->cmd == ENI_NOTIFY_CMD_LINK_CHANGE && level < 2))
		return;
	if (li->addr_len)
		snprintf(mac, sizeof(mac), "%*phC", li->addr_len, li->mac);
	else
		strscpy(mac, "-", sizeof(mac));

	switch (m->cmd) {
	case ENI_NOTIFY_CMD_LINK_ADD:
		pr_info("add %s mac %s pci %s driver %s seq %llu\n",
			li->ifname, mac, bus, li->driver, m->seq);
		break;
	case ENI_NOTIFY_CMD_LINK_DEL:
		pr_info("remove %s mac %s pci %s driver %s seq %llu\n",
			li->ifname, mac, bus, li->driver, m->seq);
		break;
	default:
		eni_change_names(what, sizeof(what), m->change);
		pr_info("change %s mac %s pci %s driver %s seq %llu mtu %u changed %s\n",
			li->ifname, mac, bus, li->driver, m->seq, li->mtu, what);
		break;
	}
}

/* Called without eni_links_lock, still under RTNL so events stay in order. */
static void eni_event_send(struct net *net, const struct eni_msg *m)
{
	eni_event_log(m);
	eni_genl_event(net, m);
}

/* A wanted device appeared in @net, or a tracked one arrived from another. */
static void eni_on_register(struct net_device *dev, bool replay)
{
	struct net *net = dev_net(dev);
	struct eni_link *l;
	struct eni_msg m;

	mutex_lock(&eni_links_lock);
	l = eni_link_find(dev);
	if (l && !l->moving)
		goto unlock;
	if (l) {
		l->moving = false;
		l->origin = ENI_NOTIFY_ORIGIN_NETNS;
	} else {
		if (!eni_dev_driver_wanted(dev) || eni_dev_is_slave(dev))
			goto unlock;
		l = eni_link_new(dev);
		if (!l)
			goto unlock;
		l->origin = replay ? ENI_NOTIFY_ORIGIN_PRESENT :
				     ENI_NOTIFY_ORIGIN_HOTPLUG;
	}
	write_pnet(&l->net, net);
	eni_snapshot(&l->info, dev);
	l->first_seen_ns = ktime_get_ns();
	if (replay)
		goto unlock;
	eni_event_build(&m, l, ENI_NOTIFY_CMD_LINK_ADD, l->origin, 0);
	m.timestamp_ns = l->first_seen_ns;
	mutex_unlock(&eni_links_lock);
	eni_event_send(net, &m);
	return;
unlock:
	mutex_unlock(&eni_links_lock);
}

/*
 * A move to another namespace also sends NETDEV_UNREGISTER, but leaves
 * reg_state at NETREG_REGISTERED; a real unregister has moved it on.
 */
static void eni_on_unregister(struct net_device *dev)
{
	bool moving = dev->reg_state == NETREG_REGISTERED;
	struct eni_link *l;
	struct eni_msg m;
	struct net *net;

	mutex_lock(&eni_links_lock);
	l = eni_link_find(dev);
	if (!l)
		goto unlock;
	if (l->moving) {
		/* Already reported gone; only a real unregister ends it. */
		if (!moving)
			eni_link_free(l);
		goto unlock;
	}
	net = read_pnet(&l->net);
	eni_event_build(&m, l, ENI_NOTIFY_CMD_LINK_DEL,
			moving ? ENI_NOTIFY_ORIGIN_NETNS :
				 ENI_NOTIFY_ORIGIN_HOTPLUG, 0);
	if (moving)
		l->moving = true;
	else
		eni_link_free(l);
	mutex_unlock(&eni_links_lock);
	eni_event_send(net, &m);
	return;
unlock:
	mutex_unlock(&eni_links_lock);
}

static void eni_on_change(struct net_device *dev)
{
	struct eni_link_info now;
	struct eni_link *l;
	struct eni_msg m;
	struct net *net;
	u32 change = 0;

	mutex_lock(&eni_links_lock);
	l = eni_link_find(dev);
	if (!l || l->moving)
		goto unlock;
	now = l->info;
	eni_snapshot(&now, dev);
	if (strcmp(now.ifname, l->info.ifname))
		change |= ENI_NOTIFY_CHANGE_NAME;
	if (now.addr_len != l->info.addr_len ||
	    memcmp(now.mac, l->info.mac, now.addr_len))
		change |= ENI_NOTIFY_CHANGE_MAC;
	if (now.mtu != l->info.mtu)
		change |= ENI_NOTIFY_CHANGE_MTU;
	l->info = now;
	if (!change)
		goto unlock;
	net = read_pnet(&l->net);
	eni_event_build(&m, l, ENI_NOTIFY_CMD_LINK_CHANGE, l->origin, change);
	mutex_unlock(&eni_links_lock);
	eni_event_send(net, &m);
	return;
unlock:
	mutex_unlock(&eni_links_lock);
}

/* Enslaved: reported removed. Released while still registered: added. */
static void eni_on_changeupper(struct net_device *dev,
			       const struct netdev_notifier_changeupper_info *info)
{
	struct eni_link *l;
	struct eni_msg m;
	struct net *net;

	if (!info->master || !eni_is_aggregator(info->upper_dev))
		return;

	mutex_lock(&eni_links_lock);
	l = eni_link_find(dev);
	if (info->linking) {
		if (!l || l->moving)
			goto unlock;
		net = read_pnet(&l->net);
		eni_event_build(&m, l, ENI_NOTIFY_CMD_LINK_DEL,
				ENI_NOTIFY_ORIGIN_HOTPLUG, 0);
		eni_link_free(l);
	} else {
		/* The slave flags are cleared only after this notification. */
		if (l || dev->reg_state != NETREG_REGISTERED ||
		    !eni_dev_driver_wanted(dev) || netdev_master_upper_dev_get(dev))
			goto unlock;
		l = eni_link_new(dev);
		if (!l)
			goto unlock;
		net = dev_net(dev);
		l->origin = ENI_NOTIFY_ORIGIN_HOTPLUG;
		write_pnet(&l->net, net);
		eni_snapshot(&l->info, dev);
		eni_event_build(&m, l, ENI_NOTIFY_CMD_LINK_ADD, l->origin, 0);
		l->first_seen_ns = m.timestamp_ns;
	}
	mutex_unlock(&eni_links_lock);
	eni_event_send(net, &m);
	return;
unlock:
	mutex_unlock(&eni_links_lock);
}

static int eni_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	bool replay = READ_ONCE(eni_replay_task) == current;

	switch (event) {
	case NETDEV_REGISTER:
		eni_on_register(dev, replay);
		break;
	case NETDEV_UNREGISTER:
		/* Unloading: no "removed" event for every device. */
		if (!replay)
			eni_on_unregister(dev);
		break;
	case NETDEV_CHANGENAME:
	case NETDEV_CHANGEADDR:
	case NETDEV_CHANGEMTU:
		eni_on_change(dev);
		break;
	case NETDEV_CHANGEUPPER:
		eni_on_changeupper(dev, ptr);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block eni_netdev_nb = {
	.notifier_call = eni_netdev_event,
};

static int __net_init eni_net_init(struct net *net)
{
	struct eni_net *en = net_generic(net, eni_net_id);

	en->dump_gen = 1;
	return 0;
}

static struct pernet_operations eni_net_ops = {
	.init = eni_net_init,
	.id = &eni_net_id,
	.size = sizeof(struct eni_net),
};

static void eni_links_free(void)
{
	struct eni_link *l, *tmp;

	mutex_lock(&eni_links_lock);
	list_for_each_entry_safe(l, tmp, &eni_links, node)
		eni_link_free(l);
	mutex_unlock(&eni_links_lock);
}

static void eni_reply_build(struct eni_msg *m, const struct eni_link *l,
			    struct net *net)
{
	m->link = l->info;
	m->cmd = ENI_NOTIFY_CMD_GET;
	m->origin = l->origin;
	m->change = 0;
	m->timestamp_ns = l->first_seen_ns;
	m->seq = eni_last_seq(net);
}

/* GET: the tracked link @ifindex of @net, or -ENODEV. */
int eni_links_get(struct net *net, u32 ifindex, struct eni_msg *m)
{
	struct eni_link *l;
	int err = -ENODEV;

	mutex_lock(&eni_links_lock);
	list_for_each_entry(l, &eni_links, node) {
		if (l->moving || l->info.ifindex != ifindex ||
		    !net_eq(read_pnet(&l->net), net))
			continue;
		eni_reply_build(m, l, net);
		err = 0;
		break;
	}
	mutex_unlock(&eni_links_lock);
	return err;
}

/* Generation of @net's tracked links, for NLM_F_DUMP_INTR; never 0. */
u32 eni_links_gen(struct net *net)
{
	struct eni_net *en = net_generic(net, eni_net_id);
	u32 gen;

	mutex_lock(&eni_links_lock);
	gen = en->dump_gen;
	mutex_unlock(&eni_links_lock);
	return gen;
}

/* Dump: the tracked link of @net with the lowest ifindex >= @from_ifindex. */
int eni_links_next(struct net *net, u32 from_ifindex, struct eni_msg *m)
{
	struct eni_link *l, *best = NULL;

	mutex_lock(&eni_links_lock);
	list_for_each_entry(l, &eni_links, node) {
		if (l->moving || l->info.ifindex < from_ifindex ||
		    !net_eq(read_pnet(&l->net), net))
			continue;
		if (!best || l->info.ifindex < best->info.ifindex)
			best = l;
	}
	if (best)
		eni_reply_build(m, best, net);
	mutex_unlock(&eni_links_lock);
	return best ? 0 : -ENOENT;
}

int eni_notify_init(void)
{
	return register_pernet_subsys(&eni_net_ops);
}

void eni_notify_exit(void)
{
	unregister_pernet_subsys(&eni_net_ops);
}

/* Devices already there become origin "present", without events. */
int eni_notify_start(void)
{
	int err;

	WRITE_ONCE(eni_replay_task, current);
	err = register_netdevice_notifier(&eni_netdev_nb);
	WRITE_ONCE(eni_replay_task, NULL);
	if (err)
		eni_links_free();
	return err;
}

void eni_notify_stop(void)
{
	WRITE_ONCE(eni_replay_task, current);
	unregister_netdevice_notifier(&eni_netdev_nb);
	WRITE_ONCE(eni_replay_task, NULL);
	eni_links_free();
}
