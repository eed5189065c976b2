// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "rundir.h"

static int run_dir_check(const char *dir, const struct stat *st)
{
	uid_t euid = geteuid();

	if (S_ISLNK(st->st_mode)) {
		log_err("run dir %s: is a symbolic link; refusing it (remove it, or choose "
			"another --run-dir)",
			dir);
		return -ELOOP;
	}
	if (!S_ISDIR(st->st_mode)) {
		log_err("run dir %s: exists and is not a directory; refusing it", dir);
		return -ENOTDIR;
	}
	if (st->st_uid != euid) {
		log_err("run dir %s: owned by uid %u, not by enid's uid %u; refusing it", dir,
			(unsigned int)st->st_uid, (unsigned int)euid);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		log_err("run dir %s: mode %04o lets group or others write in it; refusing it "
			"(chmod go-w %s)",
			dir, (unsigned int)(st->st_mode & 07777), dir);
		return -EPERM;
	}
	return 0;
}

int run_dir_prepare(const char *dir)
{
	struct stat st;
	int err;

	if (lstat(dir, &st) == 0)
		return run_dir_check(dir, &st);
	if (errno != ENOENT) {
		err = -errno;
		log_err("run dir %s: %s", dir, strerror(-err));
		return err;
	}
	/* EEXIST: someone made it since the lstat; the check below judges what they made */
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		err = -errno;
		log_err("run dir %s: creating it: %s", dir, strerror(-err));
		return err;
	}
	if (lstat(dir, &st) < 0) {
		err = -errno;
		log_err("run dir %s: %s", dir, strerror(-err));
		return err;
	}
	return run_dir_check(dir, &st);
}
