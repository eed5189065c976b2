// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "slots.h"

void slots_load(struct slots *sl, const char *run_dir)
{
	char line[128], macs[32];
	unsigned int lineno = 0, slot;
	uint8_t mac[6];
	FILE *f;

	memset(sl->s, 0, sizeof(sl->s));
	snprintf(sl->path, sizeof(sl->path), "%s/slots", run_dir);
	f = fopen(sl->path, "re");
	if (!f) {
		if (errno != ENOENT)
			log_warn("%s: %m", sl->path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (sscanf(line, "%31s %u", macs, &slot) != 2 || !mac_parse(macs, mac) || !slot ||
		    slot > ENID_MAX_SLOTS || sl->s[slot].used || slots_find(sl, mac)) {
			log_warn("%s:%u: ignoring bad slot line", sl->path, lineno);
			continue;
		}
		memcpy(sl->s[slot].mac, mac, 6);
		sl->s[slot].used = true;
	}
	fclose(f);
}

unsigned int slots_find(const struct slots *sl, const uint8_t mac[6])
{
	for (unsigned int i = 1; i <= ENID_MAX_SLOTS; i++)
		if (sl->s[i].used && !memcmp(sl->s[i].mac, mac, 6))
			return i;
	return 0;
}

unsigned int slots_get(struct slots *sl, const uint8_t mac[6],
		       bool (*usable)(unsigned int slot, void *ctx), void *ctx)
{
	unsigned int i = slots_find(sl, mac);

	if (i)
		return i;
	for (i = 1; i <= ENID_MAX_SLOTS; i++) {
		if (sl->s[i].used || (usable && !usable(i, ctx)))
			continue;
		memcpy(sl->s[i].mac, mac, 6);
		sl->s[i].used = true;
		sl->dirty = true;
		return i;
	}
	return 0;
}

void slots_free(struct slots *sl, unsigned int slot)
{
	if (!slot || slot > ENID_MAX_SLOTS || !sl->s[slot].used)
		return;
	sl->s[slot].used = false;
	sl->dirty = true;
}

int slots_sync(struct slots *sl)
{
	char tmp[4096 + 8], mac[18];
	FILE *f;
	int fd, err;

	if (!sl->dirty)
		return 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", sl->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto err;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		goto err;
	}
	for (unsigned int i = 1; i <= ENID_MAX_SLOTS; i++)
		if (sl->s[i].used)
			fprintf(f, "%s %u\n", mac_format(sl->s[i].mac, mac), i);
	if (fclose(f) != 0 || rename(tmp, sl->path) < 0)
		goto err;
	sl->dirty = false;
	return 0;
err:
	err = -errno;
	log_err("saving slots to %s: %s", sl->path, strerror(-err));
	unlink(tmp);
	return err;
}
