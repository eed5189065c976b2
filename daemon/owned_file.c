// SPDX-License-Identifier: GPL-2.0-or-later
/* The address record's file: <run_dir>/addresses, "SLOT ADDRESS/PREFIX" per line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "owned_file.h"
#include "util.h"

void owned_load(struct owned *o, const char *run_dir)
{
	char line[128], ips[80];
	unsigned int lineno = 0, slot;
	struct enid_ip ip;
	FILE *f;

	owned_free(o);
	snprintf(o->path, sizeof(o->path), "%s/addresses", run_dir);
	f = fopen(o->path, "re");
	if (!f) {
		if (errno != ENOENT)
			log_warn("%s: %m", o->path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (sscanf(line, "%u %79s", &slot, ips) != 2 || !slot || slot > ENID_MAX_SLOTS ||
		    !enid_ip_parse(ips, true, &ip) || owned_add(o, slot, &ip)) {
			log_warn("%s:%u: ignoring bad address line", o->path, lineno);
			continue;
		}
	}
	fclose(f);
	o->dirty = false;
}

int owned_sync(struct owned *o)
{
	char ip[ENID_IP_STRLEN];
	struct sbuf b = {0};
	int err;

	if (!o->dirty || !o->path[0])
		return 0;
	for (unsigned int s = 1; s <= ENID_MAX_SLOTS; s++)
		for (unsigned int i = 0; i < o->s[s].n; i++)
			sbuf_printf(&b, "%u %s\n", s,
				    enid_ip_format(&o->s[s].ips[i], true, ip, sizeof(ip)));
	err = b.oom ? -ENOMEM : file_replace(o->path, b.s ? b.s : "", b.len);
	sbuf_free(&b);
	if (err) {
		log_err("saving the address record to %s: %s", o->path, strerror(-err));
		return err;
	}
	o->dirty = false;
	return 0;
}
