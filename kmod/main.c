// SPDX-License-Identifier: GPL-2.0
/* eni_notify: module init/exit and parameters. */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/string.h>
#include <net/genetlink.h>

#include "eni_notify_internal.h"

#define ENI_MAX_DRIVERS 16

static char *eni_drivers_param = "virtio_net";
module_param_named(drivers, eni_drivers_param, charp, 0444);
MODULE_PARM_DESC(drivers,
		 "comma-separated driver names whose links are reported (default virtio_net)");

int eni_log_level = 1;
module_param_named(log, eni_log_level, int, 0644);
MODULE_PARM_DESC(log,
		 "dmesg lines: 0 none, 1 one per add/remove (default), 2 also one per change");

static char *eni_drivers_buf;
static const char *eni_drivers[ENI_MAX_DRIVERS];
static unsigned int eni_n_drivers;

bool eni_driver_wanted(const char *name)
{
	unsigned int i;

	for (i = 0; i < eni_n_drivers; i++)
		if (!strcmp(eni_drivers[i], name))
			return true;
	return false;
}

static int eni_drivers_parse(const char *list)
{
	char *s, *name;

	eni_drivers_buf = kstrdup(list ? list : "", GFP_KERNEL);
	if (!eni_drivers_buf)
		return -ENOMEM;

	s = eni_drivers_buf;
	while ((name = strsep(&s, ",")) != NULL) {
		name = strim(name);
		if (!*name)
			continue;
		if (eni_n_drivers == ENI_MAX_DRIVERS) {
			pr_err("drivers=: more than %d names\n", ENI_MAX_DRIVERS);
			return -EINVAL;
		}
		eni_drivers[eni_n_drivers++] = name;
	}
	if (!eni_n_drivers) {
		pr_err("drivers=: no driver name given\n");
		return -EINVAL;
	}
	return 0;
}

static void eni_drivers_free(void)
{
	eni_n_drivers = 0;
	kfree(eni_drivers_buf);
	eni_drivers_buf = NULL;
}

static int __init eni_init(void)
{
	int err;

	err = eni_drivers_parse(eni_drivers_param);
	if (err)
		goto err_drivers;
	err = eni_notify_init();
	if (err)
		goto err_drivers;
	/*
	 * The links first, the family last: a listener that dumps as soon as
	 * the family appears must find every link already tracked.
	 */
	err = eni_notify_start();
	if (err)
		goto err_notify;
	err = eni_genl_init();
	if (err)
		goto err_start;
	return 0;

err_start:
	eni_notify_stop();
err_notify:
	eni_notify_exit();
err_drivers:
	eni_drivers_free();
	return err;
}

static void __exit eni_exit(void)
{
	eni_genl_exit();
	eni_notify_stop();
	eni_notify_exit();
	eni_drivers_free();
}

module_init(eni_init);
module_exit(eni_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Network-interface hot-plug events over generic netlink");
MODULE_ALIAS_GENL_FAMILY(ENI_NOTIFY_FAMILY_NAME);
/* The package version (debian/changelog): the top Makefile and dkms.conf pass it. */
#ifndef ENI_NOTIFY_VERSION
#define ENI_NOTIFY_VERSION unreleased
#endif
MODULE_VERSION(__stringify(ENI_NOTIFY_VERSION));
