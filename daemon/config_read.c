// SPDX-License-Identifier: GPL-2.0-or-later
/* The enid.conf reader: sections, key dispatch, the checks across keys, errors
 * (see config_read.h); what each key accepts is config_keys.c's. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "bounds.h"
#include "config_read.h"

/* msg with every byte that is not printable ASCII as \xHH (a garbage file is not
 * echoed raw to the terminal); out has room for 4 * strlen(msg) + 1. */
static void escape(const char *msg, char *out)
{
	for (; *msg; msg++) {
		unsigned char c = (unsigned char)*msg;

		if (c < 0x20 || c >= 0x7f)
			out += sprintf(out, "\\x%02x", c);
		else
			*out++ = (char)c;
	}
	*out = '\0';
}

static void verrorf(struct config_reader *p, unsigned line, const char *fmt, va_list ap)
{
	struct config_errors *e = p->errs;
	char msg[512], safe[4 * sizeof(msg)], *s, **msgs;
	unsigned long long *keys;
	int n;

	if (e->n >= ENID_MAX_ERRORS && line) {
		p->dropped++;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	escape(msg, safe);
	if (line)
		n = asprintf(&s, "%s:%u: %s", p->name, line, safe);
	else
		n = asprintf(&s, "%s: %s", p->name, safe);
	msgs = realloc(e->msg, (e->n + 1) * sizeof(*msgs));
	if (msgs)
		e->msg = msgs;
	keys = realloc(p->err_key, (e->n + 1) * sizeof(*keys));
	if (keys)
		p->err_key = keys;
	if (n < 0 || !msgs || !keys) {
		if (n >= 0)
			free(s);
		p->oom = true;
		return;
	}
	e->msg[e->n] = s;
	p->err_key[e->n] = (unsigned long long)p->file << 32 | line;
	e->n++;
}

static void errorf(struct config_reader *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errorf(struct config_reader *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrorf(p, line, fmt, ap);
	va_end(ap);
}

void config_reader_error(struct config_reader *r, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrorf(r, line, fmt, ap);
	va_end(ap);
}

/* Stable insertion sort by file, then line: the checks across keys run last. */
static void sort_errors(struct config_reader *p)
{
	struct config_errors *e = p->errs;

	for (unsigned i = 1; i < e->n; i++) {
		unsigned long long key = p->err_key[i];
		char *msg = e->msg[i];
		unsigned j = i;

		for (; j > 0 && p->err_key[j - 1] > key; j--) {
			p->err_key[j] = p->err_key[j - 1];
			e->msg[j] = e->msg[j - 1];
		}
		p->err_key[j] = key;
		e->msg[j] = msg;
	}
}

/* Errors about file i from here on (the checks after the last file). */
static void at_file(struct config_reader *p, unsigned i)
{
	p->file = i;
	p->name = p->files[i];
}

/* ---- sections ---- */

static void section_end(struct config_reader *p)
{
	struct enid_eni_config *eni;
	char gw[ENID_IP_STRLEN];
	bool inside = false;

	if (p->sec != CONFIG_SEC_ENI)
		return;
	eni = &p->cfg->enis[p->eni];
	if (eni->gateway4.family) {
		for (unsigned i = 0; i < eni->n_addrs; i++)
			inside |= enid_ip_in_subnet(&eni->gateway4, &eni->addrs[i]);
		if (!inside)
			errorf(p, p->gw4_line,
			       "gateway: \"%s\" is not inside any IPv4 subnet of [%s]",
			       enid_ip_format(&eni->gateway4, false, gw, sizeof(gw)), p->sec_name);
	}
}

void config_reader_section(struct config_reader *p, unsigned line, const char *name, size_t len)
{
	struct enid_config *cfg = p->cfg;
	struct enid_eni_config *enis;
	unsigned *files;
	char buf[64];
	uint8_t mac[6];

	p->line = line;
	section_end(p);
	memset(p->seen, 0, sizeof(p->seen));
	p->gw4_line = 0;
	p->sec = CONFIG_SEC_SKIP;
	while (len && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
	snprintf(p->sec_name, sizeof(p->sec_name), "%s", buf);

	if (!strcasecmp(buf, "global")) {
		if (p->global_line) {
			errorf(p, p->line, "duplicate section [%s] (first at line %u)", buf,
			       p->global_line);
			return;
		}
		p->global_line = p->line;
		snprintf(p->sec_name, sizeof(p->sec_name), "global");
		p->sec = CONFIG_SEC_GLOBAL;
		return;
	}
	if (!mac_parse(buf, mac)) {
		errorf(p, p->line, "unknown section [%s]: expected [global] or [<MAC address>]",
		       buf);
		return;
	}
	mac_format(mac, p->sec_name);
	for (unsigned i = 0; i < cfg->n_enis; i++)
		if (!memcmp(cfg->enis[i].mac, mac, 6)) {
			if (p->eni_file[i] == p->file)
				errorf(p, p->line, "duplicate section [%s] (first at line %u)",
				       p->sec_name, cfg->enis[i].line);
			else
				errorf(p, p->line, "duplicate section [%s] (first at %s:%u)",
				       p->sec_name, p->files[p->eni_file[i]], cfg->enis[i].line);
			return;
		}
	enis = realloc(cfg->enis, (cfg->n_enis + 1) * sizeof(*enis));
	if (enis)
		cfg->enis = enis;
	files = realloc(p->eni_file, (cfg->n_enis + 1) * sizeof(*files));
	if (files)
		p->eni_file = files;
	if (!enis || !files) {
		p->oom = true;
		return;
	}
	files[cfg->n_enis] = p->file;
	p->eni = (int)cfg->n_enis++;
	memset(&enis[p->eni], 0, sizeof(enis[0]));
	memcpy(enis[p->eni].mac, mac, 6);
	enis[p->eni].line = p->line;
	enis[p->eni].default_route = -1;
	p->sec = CONFIG_SEC_ENI;
}

/* Levenshtein distance of a and b, case-insensitive; both shorter than 64. */
static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[64], la = (unsigned)strlen(a), lb = (unsigned)strlen(b);

	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned i = 1; i <= la; i++) {
		unsigned diag = row[0], cost;

		row[0] = i;
		for (unsigned j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag;

			cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			best += cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The key closest to name when it is a plausible typo (at most 1 edit per 3
 * characters, at least 1), else NULL. */
static const char *nearest_key(const struct config_key *keys, const char *name)
{
	unsigned best = ~0u, limit = (unsigned)strlen(name) / 3;
	const char *near = NULL;

	if (strlen(name) >= 64)
		return NULL;
	if (!limit)
		limit = 1;
	for (unsigned i = 0; keys[i].name; i++) {
		unsigned d = edit_distance(name, keys[i].name);

		if (d < best) {
			best = d;
			near = keys[i].name;
		}
	}
	return best <= limit ? near : NULL;
}

void config_reader_key(struct config_reader *p, unsigned line, const char *name, const char *value)
{
	const struct config_key *keys;
	unsigned i;

	p->line = line;
	switch (p->sec) {
	case CONFIG_SEC_NONE:
		errorf(p, p->line, "key \"%s\" is outside any section", name);
		return;
	case CONFIG_SEC_SKIP:
		return;
	case CONFIG_SEC_GLOBAL:
		keys = p->global_keys;
		break;
	default:
		keys = p->eni_keys;
		break;
	}
	for (i = 0; keys[i].name; i++)
		if (!strcasecmp(keys[i].name, name))
			break;
	if (!keys[i].name) {
		const char *near = nearest_key(keys, name);

		if (near)
			errorf(p, p->line, "unknown key \"%s\" in [%s]; did you mean \"%s\"?", name,
			       p->sec_name, near);
		else
			errorf(p, p->line, "unknown key \"%s\" in [%s]", name, p->sec_name);
		return;
	}
	if (!keys[i].repeatable) {
		if (p->seen[i]) {
			errorf(p, p->line, "%s: already set at line %u", keys[i].name, p->seen[i]);
			return;
		}
		p->seen[i] = p->line;
	}
	keys[i].parse(p, keys[i].name, value);
}

/* min <= max per family; false (with an error at the later key's line) when not. */
static bool check_prefix_limits(struct config_reader *p)
{
	const struct enid_prefix_limits *l = &p->cfg->prefix;
	static const char *const names[4] = {"ipv4_prefix_min", "ipv4_prefix_max",
					     "ipv6_prefix_min", "ipv6_prefix_max"};
	unsigned min[2] = {l->v4_min, l->v6_min}, max[2] = {l->v4_max, l->v6_max};
	bool ok = true;

	for (unsigned f = 0; f < 2; f++) {
		unsigned lo = p->prefix_line[2 * f], hi = p->prefix_line[2 * f + 1];

		if (min[f] <= max[f])
			continue;
		ok = false;
		at_file(p, p->prefix_file[2 * f] > p->prefix_file[2 * f + 1] ||
					   (p->prefix_file[2 * f] == p->prefix_file[2 * f + 1] &&
					    lo > hi)
				   ? p->prefix_file[2 * f]
				   : p->prefix_file[2 * f + 1]);
		errorf(p, lo > hi ? lo : hi, "%s = %u is above %s = %u", names[2 * f], min[f],
		       names[2 * f + 1], max[f]);
	}
	return ok;
}

/*
 * One [MAC] section against bounds.h (no runtime facts: no host). Every violation is
 * reported at the line of its address or gateway: the offending item is dropped and
 * the rest checked again. A gateway outside every subnet was reported by section_end().
 */
static void check_eni_bounds(struct config_reader *p, const struct enid_eni_config *eni)
{
	unsigned line[ENID_MAX_ADDRS];
	struct bounds_verdict v;
	struct addressing a;
	char ip[ENID_IP_STRLEN];
	bool inside = false;

	memset(&a, 0, sizeof(a));
	memcpy(a.addrs, eni->addrs, eni->n_addrs * sizeof(eni->addrs[0]));
	memcpy(line, eni->addr_line, eni->n_addrs * sizeof(line[0]));
	a.n_addrs = eni->n_addrs;
	a.gateway4 = eni->gateway4;
	a.gateway6 = eni->gateway6;
	for (unsigned i = 0; i < a.n_addrs; i++)
		inside |= enid_ip_in_subnet(&a.gateway4, &a.addrs[i]);
	if (!inside)
		a.gateway4.family = 0;
	while (bounds_check(&a, &p->cfg->prefix, NULL, &v)) {
		switch (v.attr) {
		case BOUNDS_ADDR:
		case BOUNDS_SUBNET:
			enid_ip_format(&a.addrs[v.index], true, ip, sizeof(ip));
			if (v.attr == BOUNDS_ADDR)
				errorf(p, line[v.index], "address: \"%s\" %s", ip, v.reason);
			else
				errorf(p, line[v.index], "address: \"%s\": subnet %s %s", ip,
				       v.value, v.reason);
			a.n_addrs--;
			memmove(&a.addrs[v.index], &a.addrs[v.index + 1],
				(a.n_addrs - v.index) * sizeof(a.addrs[0]));
			memmove(&line[v.index], &line[v.index + 1],
				(a.n_addrs - v.index) * sizeof(line[0]));
			break;
		case BOUNDS_GATEWAY4:
			errorf(p, eni->gw4_line, "gateway: \"%s\" %s", v.value, v.reason);
			a.gateway4.family = 0;
			break;
		case BOUNDS_GATEWAY6:
			errorf(p, eni->gw6_line, "gateway6: \"%s\" %s", v.value, v.reason);
			a.gateway6.family = 0;
			break;
		}
	}
}

static void check_enis(struct config_reader *p)
{
	if (!check_prefix_limits(p))
		return;
	for (unsigned e = 0; e < p->cfg->n_enis; e++)
		if (!p->cfg->enis[e].unmanaged) {
			at_file(p, p->eni_file[e]);
			check_eni_bounds(p, &p->cfg->enis[e]);
		}
}

void config_reader_init(struct config_reader *r, const char *name, struct enid_config *cfg,
			struct config_errors *errs, const struct config_key *global_keys,
			const struct config_key *eni_keys)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->files[0] = name;
	r->global_keys = global_keys;
	r->eni_keys = eni_keys;
	r->cfg = cfg;
	r->errs = errs;
	r->sec = CONFIG_SEC_NONE;
	errs->msg = NULL;
	errs->n = 0;
}

void config_reader_next_file(struct config_reader *r, const char *name)
{
	section_end(r);
	if (r->file + 1 >= CONFIG_READ_MAX_FILES)
		return; /* the caller stops before */
	r->files[++r->file] = name;
	r->name = name;
	r->sec = CONFIG_SEC_NONE;
	r->global_line = 0;
}

int config_reader_finish(struct config_reader *r, bool complete)
{
	section_end(r);
	if (complete && !r->oom)
		check_enis(r);
	return !complete || r->oom ? -ENOMEM : 0;
}

int config_reader_close(struct config_reader *r, int err)
{
	if (err == -ENOMEM && !r->errs->n)
		errorf(r, 0, "out of memory");
	sort_errors(r);
	if (r->dropped)
		errorf(r, 0, "%u more errors", r->dropped);
	free(r->err_key);
	r->err_key = NULL;
	free(r->eni_file);
	r->eni_file = NULL;
	if (!err && r->errs->n)
		err = -EINVAL;
	return err;
}
