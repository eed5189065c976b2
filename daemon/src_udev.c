// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udev gating: a link is configured only once udevd has finished with it (renamed,
 * initialized), so enid never races udev's rename. Without udevd (or outside the
 * initial network namespace, where udevd does not see the links) it acts at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <libudev.h>

#include "enid.h"
#include "log.h"

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
	struct enid *d = w->data;
	struct udev_device *dev;

	(void)events;
	while ((dev = udev_monitor_receive_device(d->umon))) {
		const char *action = udev_device_get_action(dev);
		const char *idx = udev_device_get_property_value(dev, "IFINDEX");

		if (action && idx && (!strcmp(action, "add") || !strcmp(action, "move")))
			links_udev_ready(d, atoi(idx), udev_device_get_sysname(dev));
		udev_device_unref(dev);
	}
}

bool udev_link_initialized(struct enid *d, int ifindex, char *name)
{
	struct udev_device *dev;
	char id[32];
	bool ok;

	if (!d->udev)
		return false;
	snprintf(id, sizeof(id), "n%d", ifindex);
	dev = udev_device_new_from_device_id(d->udev, id);
	if (!dev)
		return false;
	ok = udev_device_get_is_initialized(dev) > 0;
	if (ok)
		snprintf(name, IFNAMSIZ, "%s", udev_device_get_sysname(dev));
	udev_device_unref(dev);
	return ok;
}

int udev_source_open(struct enid *d)
{
	int err = -ENOMEM;

	d->udev = udev_new();
	if (!d->udev)
		goto err;
	d->umon = udev_monitor_new_from_netlink(d->udev, "udev");
	if (!d->umon)
		goto err;
	if (udev_monitor_filter_add_match_subsystem_devtype(d->umon, "net", NULL) < 0)
		goto err;
	udev_monitor_set_receive_buffer_size(d->umon, 4 * 1024 * 1024);
	err = udev_monitor_enable_receiving(d->umon);
	if (err < 0)
		goto err;
	/* libudev opens its fd CLOEXEC|NONBLOCK */
	err = loop_watch(&d->loop, &d->udev_w, udev_monitor_get_fd(d->umon), udev_read, d);
	if (err)
		goto err;
	return 0;
err:
	log_err("udev monitor: %s", strerror(err < 0 ? -err : ENOMEM));
	udev_source_close(d);
	return err < 0 ? err : -ENOMEM;
}

void udev_source_close(struct enid *d)
{
	if (d->umon) {
		loop_del(&d->loop, &d->udev_w);
		udev_monitor_unref(d->umon);
	}
	d->umon = NULL;
	if (d->udev)
		udev_unref(d->udev);
	d->udev = NULL;
}
