/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The run directory (/run/enid): enid's own, writable by no one else, never a symlink. */
#ifndef ENID_RUNDIR_H
#define ENID_RUNDIR_H

/*
 * Creates dir (mode 0755: every user may reach the control socket) when it is missing, then checks
 * it with lstat: a directory, not a symbolic link, owned by enid's effective uid, not writable by
 * group or others. Logs why it refuses. 0 or -errno (-ELOOP symlink, -ENOTDIR, -EPERM owner or
 * mode).
 */
int run_dir_prepare(const char *dir);

#endif
