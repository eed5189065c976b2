// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "slots.h"
#include "util.h"

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
	struct sbuf b = {0};
	char mac[18];
	int err;

	if (!sl->dirty)
		return 0;
	for (unsigned int i = 1; i <= ENID_MAX_SLOTS; i++)
		if (sl->s[i].used)
			sbuf_printf(&b, "%s %u\n", mac_format(sl->s[i].mac, mac), i);
	err = b.oom ? -ENOMEM : file_replace(sl->path, b.s ? b.s : "", b.len);
	sbuf_free(&b);
	if (err) {
		log_err("saving slots to %s: %s", sl->path, strerror(-err));
		return err;
	}
	sl->dirty = false;
	return 0;
}
