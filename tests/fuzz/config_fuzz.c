// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the config parser: one input is one enid.conf text (seeds:
 * daemon/enid.conf.example and tests/fuzz/corpus/config/). It goes through
 * config_load_string() as config_load() hands a file over (a NUL byte is refused
 * there, so such inputs are skipped). Promises checked, abort() otherwise: success
 * means no errors and a config within the documented ranges; failure means -EINVAL
 * (or -ENOMEM) with at least one "fuzz.conf:..." message and at most
 * ENID_MAX_ERRORS + 1 of them. ASan and LeakSanitizer see the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static void check_config(const struct enid_config *c)
{
	check(c->n_drivers >= 1 && c->n_drivers <= ENID_MAX_DRIVERS);
	for (unsigned int i = 0; i < c->n_drivers; i++)
		check(memchr(c->drivers[i], '\0', ENID_DRIVER_LEN) && c->drivers[i][0]);
	check(c->table_base >= ENID_TABLE_BASE_MIN && c->table_base <= ENID_TABLE_BASE_MAX);
	check(c->rule_pref_base >= ENID_PREF_BASE_MIN && c->rule_pref_base <= ENID_PREF_BASE_MAX);
	check(c->metric_base <= ENID_METRIC_BASE_MAX);
	check(c->prefix.v4_min >= 1 && c->prefix.v4_min <= c->prefix.v4_max &&
	      c->prefix.v4_max <= 32);
	check(c->prefix.v6_min >= 1 && c->prefix.v6_min <= c->prefix.v6_max &&
	      c->prefix.v6_max <= 128);
	check(memchr(c->primary_ifname, '\0', sizeof(c->primary_ifname)) != NULL);
	check(memchr(c->metadata_url, '\0', sizeof(c->metadata_url)) != NULL);
	check(c->n_enis == 0 || c->enis);
	for (unsigned int i = 0; i < c->n_enis; i++) {
		const struct enid_eni_config *e = &c->enis[i];

		check(e->n_addrs <= ENID_MAX_ADDRS);
		check(e->mtu == 0 || (e->mtu >= 68 && e->mtu <= 65535));
		check(config_find_mac(c, e->mac) != NULL);
		(void)config_default_route(c, e->mac);
	}
	(void)config_driver_managed(c, "virtio_net");
	(void)config_names_primary(c, "eth0", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs;
	struct enid_config cfg;
	char *text;
	int r;

	if (memchr(data, '\0', size))
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r = config_load_string("fuzz.conf", text, &cfg, &errs);
	if (r == 0) {
		check(errs.n == 0);
		check_config(&cfg);
		config_free(&cfg);
	} else {
		check(r == -EINVAL || r == -ENOMEM);
		check(errs.n >= 1 && errs.n <= ENID_MAX_ERRORS + 1);
		for (unsigned int i = 0; i < errs.n; i++)
			check(!strncmp(errs.msg[i], "fuzz.conf:", 10));
	}
	config_errors_free(&errs);
	free(text);
	return 0;
}
