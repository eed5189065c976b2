// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the metadata parsers. One input holds every answer,
 * separated by "\n--\n", in this order:
 *   0 private-ipv4s  1 primary-ip-address  2 vswitch-cidr-block  3 gateway
 *   4 ipv6s  5 vswitch-ipv6-cidr-block  6 ipv6-gateway  7 netmask
 *   8 instance mac  9 (unused: kept so the seed corpus keeps its layout)  10 token PUT body
 * A part "!404" is a 404, "!503" a 503, "!0" a timeout, "!none" no answer; missing
 * parts are 404s. The answers go through metadata_build() and, request by request,
 * through a whole fetch (up to three rounds); every complete answer also through
 * bounds_check() against a fixed host. The results must keep the APIs' promises
 * (checked below, abort() otherwise).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bounds.h"
#include "config.h"
#include "plan.h"
#include "metadata.h"
#include "fuzz.h"

#define N_PARTS 11
#define SEP	"\n--\n"

struct part {
	const char *p;
	size_t n;
	bool present;
};

static bool is(const struct part *x, const char *s)
{
	return x->present && x->n == strlen(s) && !memcmp(x->p, s, x->n);
}

static void check_why(const char *why, bool empty)
{
	check_reason(why, MD_WHY_LEN, empty);
}

/* The promises of metadata_build(): never "no addresses", never half a result. */
static void check_result(int r, const struct addressing *a, const struct addressing *before,
			 const char *why)
{
	if (r) {
		check(r == -EAGAIN || r == -EBADMSG || r == -EINVAL || r == -E2BIG);
		check(!memcmp(a, before, sizeof(*a)));
		check_why(why, false);
		return;
	}
	check_why(why, true);
	check(a->n_addrs >= 1 && a->n_addrs <= ENID_MAX_ADDRS);
	check(a->addrs[0].family == AF_INET && a->nodad && a->mtu == 0);
	check(a->gateway4.family == AF_INET && enid_ip_in_subnet(&a->gateway4, &a->addrs[0]));
	for (unsigned i = 0; i < a->n_addrs; i++) {
		const struct enid_ip *x = &a->addrs[i];
		unsigned max = x->family == AF_INET ? 32 : 128;

		check(x->family == AF_INET || x->family == AF_INET6);
		check(x->prefixlen >= 1 && x->prefixlen <= max);
		if (i && a->addrs[i - 1].family == AF_INET6)
			check(x->family == AF_INET6); /* v4 first */
		if (x->family == AF_INET)
			check(enid_ip_in_subnet(x, &a->addrs[0]));
		else
			check(a->gateway6.family == AF_INET6);
		for (unsigned j = 0; j < i; j++)
			check(!enid_ip_same_addr(x, &a->addrs[j]));
	}
}

/* bounds_check()'s promises: 0, or one of its errors with a reason, a value, an index
 * into the addresses, and a metadata key to name in the log. */
static void check_bounds(const struct addressing *a)
{
	static const struct enid_prefix_limits lim = {8, 30, 48, 128};
	struct enid_ip prim[2], other;
	struct bounds_host host = {prim, 2, &other, 1};
	struct bounds_verdict v;
	int r;

	check(enid_ip_parse("172.16.5.2/20", true, &prim[0]));
	check(enid_ip_parse("2001:db8:0:1::2/64", true, &prim[1]));
	check(enid_ip_parse("10.0.0.11", false, &other));
	r = bounds_check(a, &lim, &host, &v);
	if (!r)
		return;
	check(r == -ERANGE || r == -EADDRNOTAVAIL || r == -EADDRINUSE || r == -EINVAL);
	check(v.reason[0] && v.value[0]);
	check(strnlen(v.reason, sizeof(v.reason)) < sizeof(v.reason));
	if (v.attr == BOUNDS_ADDR || v.attr == BOUNDS_SUBNET)
		check(v.index < a->n_addrs);
	check(metadata_bounds_key(a, &v) < MD_KEY_COUNT);
}

static long http_of(const struct part *x)
{
	if (!x->present || is(x, "!404") || is(x, "!none"))
		return 404;
	if (is(x, "!503"))
		return 503;
	if (is(x, "!0"))
		return 0;
	return 200;
}

static void run_fetch(const struct part *parts)
{
	struct addressing out, before;
	struct md_fetch f;
	int r = -EINPROGRESS;

	memset(&out, 0xa5, sizeof(out));
	before = out;
	metadata_fetch_init(&f, (const uint8_t[6]){0x00, 0x16, 0x3e, 1, 2, 3});
	for (int round = 0; round < 3; round++) {
		int k;

		while ((k = metadata_fetch_next(&f)) >= 0) {
			const struct part *x = &parts[k];

			check(metadata_fetch_answer(&f, (enum md_key)k, http_of(x), x->p, x->n) == 0);
			check(metadata_fetch_answer(&f, (enum md_key)k, 200, "", 0) == -EINVAL);
		}
		check(f.outstanding == 0);
		r = metadata_fetch_result(&f, &out);
		check(r != -EINPROGRESS);
		if (r == -EAGAIN || r == -EKEYEXPIRED || r == -EACCES) {
			check(!memcmp(&out, &before, sizeof(out)));
			check_why(f.why, false);
		} else {
			check_result(r, &out, &before, f.why);
		}
		if (!r)
			break;
		metadata_fetch_retry(&f);
	}
	check(f.requests <= 3 * MD_KEY_COUNT);
	metadata_fetch_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part parts[N_PARTS] = {0};
	struct md_answer ans[MD_KEY_COUNT];
	struct addressing out, before;
	const char *p = (const char *)data, *end = p + size;
	char why[MD_WHY_LEN], tok[MD_TOKEN_MAX + 1];
	uint8_t mac[6];
	unsigned prefix;
	int r;

	for (unsigned i = 0; i < N_PARTS && p <= end; i++) {
		const char *s = memmem(p, (size_t)(end - p), SEP, strlen(SEP));
		const char *e = s ? s : end;

		parts[i] = (struct part){p, (size_t)(e - p), true};
		if (!s)
			break;
		p = s + strlen(SEP);
	}

	for (unsigned k = 0; k < MD_KEY_COUNT; k++) {
		const struct part *x = &parts[k];

		ans[k] = (struct md_answer){MD_ANS_NOT_FOUND, NULL, 0};
		if (is(x, "!none"))
			ans[k].status = MD_ANS_NONE;
		else if (http_of(x) == 200)
			ans[k] = (struct md_answer){MD_ANS_OK, x->p, x->n};
	}
	memset(&out, 0x5a, sizeof(out));
	before = out;
	why[0] = '\0';
	r = metadata_build(ans, &out, why, sizeof(why));
	check_result(r, &out, &before, why);
	if (!r)
		check_bounds(&out);

	if (parts[MD_KEY_NETMASK].present) {
		why[0] = '\0';
		r = metadata_parse_netmask(parts[MD_KEY_NETMASK].p, parts[MD_KEY_NETMASK].n, &prefix,
					   why, sizeof(why));
		check(r == -EBADMSG || (r == 0 && prefix >= 1 && prefix <= 32));
		check_why(why, r == 0);
	}
	if (parts[8].present) {
		why[0] = '\0';
		r = metadata_parse_mac(parts[8].p, parts[8].n, mac, why, sizeof(why));
		check(r == 0 || r == -EBADMSG);
		check_why(why, r == 0);
	}
	if (parts[10].present) {
		why[0] = '\0';
		r = metadata_token_parse(parts[10].p, parts[10].n, tok, sizeof(tok), why,
					 sizeof(why));
		check(r == 0 || r == -EBADMSG);
		check_why(why, r == 0);
		if (!r) {
			check(strlen(tok) >= 1 && strlen(tok) <= MD_TOKEN_MAX);
			check(!strpbrk(tok, " \r\n\t"));
		}
	}
	run_fetch(parts);
	return 0;
}
