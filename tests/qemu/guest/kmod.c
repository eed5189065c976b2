// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kmod.h"

#define ENI_MODULE "eni_notify"

const char *kmod_eni_path(void)
{
	const char *p = getenv("ENI_KO");

	return p && *p ? p : "/opt/eni/eni_notify.ko";
}

int kmod_load_file(const char *path, const char *params)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0) < 0)
		err = -errno;
	close(fd);
	return err;
}

int kmod_load(const char *params)
{
	return kmod_load_file(kmod_eni_path(), params);
}

int kmod_unload(void)
{
	if (syscall(SYS_delete_module, ENI_MODULE, O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int kmod_unload_if_loaded(void)
{
	int err = kmod_unload();

	/* ENOSYS: a kernel without modules has nothing loaded */
	return err == -ENOENT || err == -ENOSYS ? 0 : err;
}

bool kmod_loaded(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/modules", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, ENI_MODULE " ", strlen(ENI_MODULE) + 1);
	fclose(f);
	return found;
}
