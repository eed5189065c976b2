// SPDX-License-Identifier: GPL-2.0-or-later
/* udev gating (src_udev.h): the monitor of udevd's "net" events and the query of one link. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <libudev.h>

#include <net/if.h>

#include "log.h"
#include "src_udev.h"

static bool in_initial_netns(void)
{
	struct stat self, init;

	/* pid 1's namespace is the initial one as far as udevd is concerned */
	if (stat("/proc/self/ns/net", &self) < 0 || stat("/proc/1/ns/net", &init) < 0)
		return true;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

bool udev_should_gate(const struct enid_config *cfg)
{
	switch (cfg->udev) {
	case ENID_UDEV_YES:
		return true;
	case ENID_UDEV_NO:
		return false;
	default:
		return in_initial_netns() && access("/run/udev/control", F_OK) == 0;
	}
}

static void udev_read(struct watch *w, uint32_t events)
{
	struct udev_src *u = w->data;
	struct udev_device *dev;

	(void)events;
	while ((dev = udev_monitor_receive_device(u->mon))) {
		const char *action = udev_device_get_action(dev);
		const char *idx = udev_device_get_property_value(dev, "IFINDEX");

		if (action && idx && (!strcmp(action, "add") || !strcmp(action, "move")))
			u->ops->udev_ready(u->ops->ctx, atoi(idx), udev_device_get_sysname(dev));
		udev_device_unref(dev);
	}
}

bool udev_link_initialized(struct udev_src *u, int ifindex, char *name)
{
	struct udev_device *dev;
	char id[32];
	bool ok;

	if (!u->udev)
		return false;
	snprintf(id, sizeof(id), "n%d", ifindex);
	dev = udev_device_new_from_device_id(u->udev, id);
	if (!dev)
		return false;
	ok = udev_device_get_is_initialized(dev) > 0;
	if (ok)
		snprintf(name, IFNAMSIZ, "%s", udev_device_get_sysname(dev));
	udev_device_unref(dev);
	return ok;
}

bool udev_source_running(const struct udev_src *u)
{
	return u->mon != NULL;
}

int udev_source_open(struct udev_src *u, struct loop *loop, const struct src_ops *ops)
{
	int err = -ENOMEM;

	u->loop = loop;
	u->ops = ops;
	u->udev = udev_new();
	if (!u->udev)
		goto err;
	u->mon = udev_monitor_new_from_netlink(u->udev, "udev");
	if (!u->mon)
		goto err;
	if (udev_monitor_filter_add_match_subsystem_devtype(u->mon, "net", NULL) < 0)
		goto err;
	udev_monitor_set_receive_buffer_size(u->mon, 4 * 1024 * 1024);
	err = udev_monitor_enable_receiving(u->mon);
	if (err < 0)
		goto err;
	/* libudev opens its fd CLOEXEC|NONBLOCK */
	err = loop_watch(u->loop, &u->w, udev_monitor_get_fd(u->mon), udev_read, u);
	if (err)
		goto err;
	return 0;
err:
	log_err("udev monitor: %s", strerror(err < 0 ? -err : ENOMEM));
	udev_source_close(u);
	return err < 0 ? err : -ENOMEM;
}

void udev_source_close(struct udev_src *u)
{
	if (u->mon) {
		loop_del(u->loop, &u->w);
		udev_monitor_unref(u->mon);
	}
	u->mon = NULL;
	if (u->udev)
		udev_unref(u->udev);
	u->udev = NULL;
}
