/* SPDX-License-Identifier: GPL-2.0 */
/* Loading and unloading eni_notify.ko with parameters, without busybox. */
#ifndef ENI_GUEST_KMOD_H
#define ENI_GUEST_KMOD_H

#include <stdbool.h>

/* $ENI_KO, else /opt/eni/eni_notify.ko */
const char *kmod_eni_path(void);

/* finit_module(path, params): 0 or -errno. */
int kmod_load_file(const char *path, const char *params);
/* Loads eni_notify with params ("drivers=dummy log=1"). */
int kmod_load(const char *params);
/* delete_module("eni_notify"): 0 or -errno (-ENOENT: not loaded). */
int kmod_unload(void);
/* Unloads eni_notify if it is loaded: 0 or -errno. */
int kmod_unload_if_loaded(void);
/* Is eni_notify listed in /proc/modules? */
bool kmod_loaded(void);

#endif
