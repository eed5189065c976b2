// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the HTTP/1.1 pure half (daemon/http_msg.c). The first byte picks
 * the body cap (its low 4 bits: 0..15 -> 2^n - 1 bytes) and the piece size of the second
 * read (its high 4 bits); the rest is the server's answer, read once whole and once in
 * pieces, then closed. Both reads must agree (state, status, body, keep-alive), and keep
 * the API's promises (checked below, abort() otherwise). The same bytes, as a string,
 * also go through http_url_parse() and, when it accepts them, http_request_build().
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_msg.h"
#include "fuzz.h"

static enum http_resp_state read_all(struct http_resp *r, const char *p, size_t n, size_t step)
{
	enum http_resp_state st = r->st;
	size_t i = 0;

	while (i < n) {
		size_t k = step && step < n - i ? step : n - i, used = SIZE_MAX;

		st = http_resp_feed(r, p + i, k, &used);
		check(used <= k);
		if (st == HTTP_DONE || st == HTTP_ERROR)
			return st;
		check(used == k); /* wanting more, it takes everything */
		i += k;
	}
	return http_resp_eof(r);
}

static void check_resp(const struct http_resp *r, enum http_resp_state st, size_t body_max)
{
	check(st == HTTP_DONE || st == HTTP_ERROR);
	check(r->len <= body_max + 1);
	check(!r->len || r->body);
	check(r->len <= r->cap);
	check(memchr(r->err, '\0', sizeof(r->err)) != NULL);
	if (st == HTTP_ERROR) {
		check(r->err[0]);
		check(!r->keep_alive);
		return;
	}
	check(r->status >= 200 && r->status <= 599);
	check(r->oversize == (r->len == body_max + 1));
	check(!(r->oversize && r->keep_alive));
}

static void url_and_request(const char *s)
{
	struct http_url u;
	char why[80], buf[512];
	int n;

	why[0] = '\0';
	if (!http_url_parse(s, &u, why, sizeof(why))) {
		check(why[0] && memchr(why, '\0', sizeof(why)));
		return;
	}
	check(u.port);
	check(u.path && u.path[0] == '/');
	check(u.addrlen && (u.addr.ss_family == AF_INET || u.addr.ss_family == AF_INET6));
	n = http_request_build(buf, sizeof(buf), false, &u, "X-T: v", "enid/fuzz");
	check(n == -EINVAL || n == -ENOSPC || (n > 0 && (size_t)n < sizeof(buf)));
	if (n > 0) {
		check((size_t)n == strlen(buf));
		check(!memcmp(buf + n - 4, "\r\n\r\n", 4));
		check(strstr(buf, "\r\n\r\n") == buf + n - 4); /* no header ends early */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp a, b;
	enum http_resp_state sa, sb;
	size_t body_max, step;
	char *in, *s;

	if (size < 1)
		return 0;
	body_max = ((size_t)1 << (data[0] & 15)) - 1;
	step = data[0] >> 4;
	in = fuzz_copy(data + 1, size - 1);
	if (!in)
		return 0;
	http_resp_init(&a, body_max);
	http_resp_init(&b, body_max);
	sa = read_all(&a, in, size - 1, 0);
	sb = read_all(&b, in, size - 1, step ? step : 1);
	check_resp(&a, sa, body_max);
	check_resp(&b, sb, body_max);
	check(sa == sb);
	if (sa == HTTP_DONE) {
		check(a.status == b.status && a.len == b.len && a.keep_alive == b.keep_alive);
		check(!a.len || !memcmp(a.body, b.body, a.len));
	}
	http_resp_free(&a);
	http_resp_free(&b);
	free(in);

	s = malloc(size);
	if (s) {
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		url_and_request(s);
		free(s);
	}
	return 0;
}
