/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udev gating: a link is configured only once udevd has finished with it (renamed,
 * initialized), so enid never races udev's rename. Without udevd (or outside the
 * initial network namespace, where udevd does not see the links) it acts at once.
 */
#ifndef ENID_SRC_UDEV_H
#define ENID_SRC_UDEV_H

#include <stdbool.h>

#include "config.h"
#include "loop.h"
#include "src.h"

struct udev;
struct udev_monitor;

struct udev_src {
	const struct src_ops *ops;
	struct loop *loop;
	struct udev *udev;
	struct udev_monitor *mon; /* NULL = not gating */
	struct watch w;
};

/* Whether links wait for udev under this config (udev = auto|yes|no). */
bool udev_should_gate(const struct enid_config *cfg);
int udev_source_open(struct udev_src *u, struct loop *loop, const struct src_ops *ops);
void udev_source_close(struct udev_src *u);
bool udev_source_running(const struct udev_src *u);
/* True when udev has initialized the link; its udev name in name (IFNAMSIZ). */
bool udev_link_initialized(struct udev_src *u, int ifindex, char *name);

#endif /* ENID_SRC_UDEV_H */
