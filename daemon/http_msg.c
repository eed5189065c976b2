// SPDX-License-Identifier: GPL-2.0-or-later
/* HTTP/1.1 URL, request and response parser, no I/O (see http_msg.h). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "http_msg.h"

/* ---- the URL ---- */

static bool url_fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return false;
}

static bool parse_port(const char *p, size_t n, uint16_t *port)
{
	unsigned v = 0;

	if (!n || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (!v || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

bool http_url_parse(const char *url, struct http_url *u, char *why, size_t whylen)
{
	const char *auth, *end, *colon = NULL;
	char lit[HTTP_HOST_LEN];
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "http://", 7))
		return url_fail(why, whylen, "not an http:// URL");
	auth = url + 7;
	end = auth + strcspn(auth, "/?#");
	if (*end == '?' || *end == '#')
		return url_fail(why, whylen, "a query or fragment after the host");
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return url_fail(why, whylen, "a space or control character");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return url_fail(why, whylen, "user info in the URL");
	if (*auth == '[') {
		const char *close = memchr(auth, ']', (size_t)(end - auth));

		if (!close)
			return url_fail(why, whylen, "no ']' after the IPv6 address");
		n = (size_t)(close - auth - 1);
		if (close + 1 < end && close[1] != ':')
			return url_fail(why, whylen, "junk after the IPv6 address");
		colon = close + 1 < end ? close + 1 : NULL;
		if (n >= sizeof(lit))
			return url_fail(why, whylen, "IPv6 address too long");
		memcpy(lit, auth + 1, n);
		lit[n] = '\0';
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&u->addr;

		if (inet_pton(AF_INET6, lit, &s6->sin6_addr) != 1)
			return url_fail(why, whylen, "\"%s\" is not an IPv6 address", lit);
		s6->sin6_family = AF_INET6;
		u->addrlen = sizeof(*s6);
		n = (size_t)(close + 1 - auth);
	} else {
		colon = memchr(auth, ':', (size_t)(end - auth));
		n = (size_t)((colon ? colon : end) - auth);
		if (!n)
			return url_fail(why, whylen, "no host");
		if (n >= sizeof(lit))
			return url_fail(why, whylen,
					"host name: enid resolves no names, use an IP address");
		memcpy(lit, auth, n);
		lit[n] = '\0';
		struct sockaddr_in *s4 = (struct sockaddr_in *)&u->addr;

		if (inet_pton(AF_INET, lit, &s4->sin_addr) != 1)
			return url_fail(
				why, whylen,
				"host name \"%s\": enid resolves no names, use an IP address", lit);
		s4->sin_family = AF_INET;
		u->addrlen = sizeof(*s4);
	}
	memcpy(u->host, auth, n);
	u->host[n] = '\0';
	u->port = 80;
	if (colon && !parse_port(colon + 1, (size_t)(end - colon - 1), &u->port))
		return url_fail(why, whylen, "bad port");
	if (u->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&u->addr)->sin_port = htons(u->port);
	else
		((struct sockaddr_in6 *)&u->addr)->sin6_port = htons(u->port);
	u->path = *end ? end : "/";
	return true;
}

/* ---- the request ---- */

static bool printable(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

int http_request_build(char *buf, size_t len, bool put, const struct http_url *u,
		       const char *header, const char *user_agent)
{
	char port[8] = "";
	int n;

	if (!printable(u->path) || !printable(header) || !printable(user_agent) ||
	    strchr(u->path, ' '))
		return -EINVAL;
	if (u->port != 80)
		snprintf(port, sizeof(port), ":%u", u->port);
	n = snprintf(buf, len, "%s %s HTTP/1.1\r\nHost: %s%s\r\nUser-Agent: %s\r\n%s%s%s\r\n",
		     put ? "PUT" : "GET", u->path, u->host, port, user_agent ? user_agent : "",
		     header ? header : "", header ? "\r\n" : "",
		     put ? "Content-Length: 0\r\n" : "");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* ---- the response ---- */

void http_resp_init(struct http_resp *r, size_t body_max)
{
	memset(r, 0, offsetof(struct http_resp, line));
	r->body_max = body_max;
	r->st = HTTP_STATUS;
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
}

static enum http_resp_state fail(struct http_resp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->keep_alive = false;
	return r->st = HTTP_ERROR;
}

static enum http_resp_state done(struct http_resp *r)
{
	r->keep_alive = !r->conn_close && (r->http11 || r->conn_keep) && !r->oversize &&
			r->st != HTTP_BODY_EOF;
	return r->st = HTTP_DONE;
}

/* A token character of RFC 9110 5.6.2. */
static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* "HTTP/1.x SSS[ reason]" */
static enum http_resp_state status_line(struct http_resp *r, const char *l, size_t n)
{
	if (n < 12 || memcmp(l, "HTTP/1.", 7) || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
		return fail(r, "bad status line (not HTTP/1.x)");
	for (int i = 9; i < 12; i++)
		if (l[i] < '0' || l[i] > '9')
			return fail(r, "bad status code");
	if (n > 12 && l[12] != ' ')
		return fail(r, "bad status code");
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (r->status < 100 || r->status > 599)
		return fail(r, "status %d out of range", r->status);
	r->http11 = l[7] == '1';
	return r->st = HTTP_HEADER;
}

/* Does the comma-separated list v (n bytes) hold token tok? */
static bool list_has(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);

	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && v[j] != ',')
			j++;
		size_t a = i, b = j;

		while (a < b && ows(v[a]))
			a++;
		while (b > a && ows(v[b - 1]))
			b--;
		if (b - a == tl && !strncasecmp(v + a, tok, tl))
			return true;
		i = j + 1;
	}
	return false;
}

static enum http_resp_state content_length(struct http_resp *r, const char *v, size_t n)
{
	uint64_t len = 0;

	if (!n)
		return fail(r, "empty Content-Length");
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || len > UINT64_MAX / 20)
			return fail(r, "bad Content-Length");
		len = len * 10 + (uint64_t)(v[i] - '0');
	}
	if (r->have_length && r->left != len)
		return fail(r, "two different Content-Length values");
	r->have_length = true;
	r->left = len;
	return r->st;
}

/* "Name: value" in the header (or, trailer true, the trailer: read and ignored). */
static enum http_resp_state field(struct http_resp *r, const char *l, size_t n, bool trailer)
{
	size_t name = 0, a, b = n;

	if (ows(l[0]))
		return fail(r, "folded header line");
	while (name < n && tchar(l[name]))
		name++;
	if (!name || name == n || l[name] != ':')
		return fail(r, "bad header line");
	if (++r->fields > HTTP_FIELDS_MAX)
		return fail(r, "more than %d header fields", HTTP_FIELDS_MAX);
	for (a = name + 1; a < n && ows(l[a]); a++)
		;
	while (b > a && ows(l[b - 1]))
		b--;
	if (trailer)
		return r->st;
	if (name == 14 && !strncasecmp(l, "Content-Length", 14))
		return content_length(r, l + a, b - a);
	if (name == 17 && !strncasecmp(l, "Transfer-Encoding", 17)) {
		if (r->chunked || b - a != 7 || strncasecmp(l + a, "chunked", 7))
			return fail(r, "Transfer-Encoding \"%.*s\" not supported",
				    (int)(b - a < 24 ? b - a : 24), l + a);
		r->chunked = true;
	} else if (name == 10 && !strncasecmp(l, "Connection", 10)) {
		r->conn_close |= list_has(l + a, b - a, "close");
		r->conn_keep |= list_has(l + a, b - a, "keep-alive");
	}
	return r->st;
}

/* The empty line after the header: how the body is framed. */
static enum http_resp_state header_end(struct http_resp *r)
{
	if (r->status < 200) {
		if (r->status == 101)
			return fail(r, "101 Switching Protocols (not asked for)");
		if (++r->interim > HTTP_INTERIM_MAX)
			return fail(r, "more than %d interim answers", HTTP_INTERIM_MAX);
		r->have_length = r->chunked = r->conn_close = r->conn_keep = false;
		r->left = 0;
		r->fields = 0;
		return r->st = HTTP_STATUS;
	}
	if (r->status == 204 || r->status == 304)
		return done(r);
	if (r->chunked) {
		r->conn_close |= r->have_length; /* both: a smuggling attempt or a broken server */
		return r->st = HTTP_CHUNK_SIZE;
	}
	if (r->have_length)
		return r->left ? (r->st = HTTP_BODY) : done(r);
	return r->st = HTTP_BODY_EOF;
}

/* "HEX[ ; ext]" */
static enum http_resp_state chunk_size(struct http_resp *r, const char *l, size_t n)
{
	uint64_t sz = 0;
	size_t i = 0;

	for (; i < n; i++) {
		char c = l[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (d < 0)
			break;
		if (sz >> 56)
			return fail(r, "chunk size too large");
		sz = sz << 4 | (uint64_t)d;
	}
	if (!i)
		return fail(r, "bad chunk size");
	while (i < n && ows(l[i]))
		i++;
	if (i < n && l[i] != ';')
		return fail(r, "bad chunk size");
	r->left = sz;
	return r->st = sz ? HTTP_CHUNK_DATA : HTTP_TRAILER;
}

static enum http_resp_state line_done(struct http_resp *r, const char *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!l[i] || l[i] == '\r')
			return fail(r, "control character in a line");
	switch (r->st) {
	case HTTP_STATUS:
		return status_line(r, l, n);
	case HTTP_HEADER:
		return n ? field(r, l, n, false) : header_end(r);
	case HTTP_CHUNK_SIZE:
		return chunk_size(r, l, n);
	case HTTP_CHUNK_END:
		return n ? fail(r, "chunk data longer than its size") : (r->st = HTTP_CHUNK_SIZE);
	case HTTP_TRAILER:
		return n ? field(r, l, n, true) : done(r);
	default:
		return fail(r, "internal: line in state %d", r->st);
	}
}

/* Keeps at most body_max + 1 bytes: past that the body is refused anyway. */
static enum http_resp_state body_add(struct http_resp *r, const char *p, size_t n)
{
	size_t room = r->body_max + 1 - r->len, take = n < room ? n : room;

	if (r->len + take > r->cap) {
		size_t cap = r->cap ? r->cap : 512;
		char *b;

		while (cap < r->len + take)
			cap *= 2;
		if (cap > r->body_max + 1)
			cap = r->body_max + 1;
		b = realloc(r->body, cap);
		if (!b)
			return fail(r, "out of memory");
		r->body = b;
		r->cap = cap;
	}
	if (take)
		memcpy(r->body + r->len, p, take);
	r->len += take;
	if (r->len > r->body_max) {
		r->oversize = true;
		return done(r);
	}
	return r->st;
}

enum http_resp_state http_resp_feed(struct http_resp *r, const char *buf, size_t n, size_t *used)
{
	size_t i = 0;

	if (n)
		r->any = true;
	while (i < n && r->st != HTTP_DONE && r->st != HTTP_ERROR) {
		enum http_resp_state was = r->st;

		if (was == HTTP_BODY || was == HTTP_CHUNK_DATA || was == HTTP_BODY_EOF) {
			size_t k = n - i;

			if (was != HTTP_BODY_EOF && k > r->left)
				k = (size_t)r->left;
			body_add(r, buf + i, k);
			i += k;
			if (r->st != was || was == HTTP_BODY_EOF)
				continue; /* cut (oversize), failed, or up to the close */
			r->left -= k;
			if (!r->left) {
				if (was == HTTP_BODY)
					done(r);
				else
					r->st = HTTP_CHUNK_END;
			}
			continue;
		}
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t k = nl ? (size_t)(nl - (buf + i)) : n - i;

		if (r->line_len + k > sizeof(r->line) - 1) {
			fail(r, "line longer than %d bytes", HTTP_LINE_MAX - 1);
			break;
		}
		memcpy(r->line + r->line_len, buf + i, k);
		r->line_len += k;
		i += k;
		if (!nl)
			break;
		i++; /* the '\n' */
		k = r->line_len;
		if (k && r->line[k - 1] == '\r')
			k--;
		r->line_len = 0;
		line_done(r, r->line, k);
	}
	*used = i;
	return r->st;
}

enum http_resp_state http_resp_eof(struct http_resp *r)
{
	switch (r->st) {
	case HTTP_BODY_EOF:
		r->st = HTTP_DONE;
		r->keep_alive = false;
		return HTTP_DONE;
	case HTTP_DONE:
	case HTTP_ERROR:
		return r->st;
	case HTTP_STATUS:
		return fail(r, r->any ? "closed inside the status line" : "closed with no answer");
	case HTTP_HEADER:
		return fail(r, "closed inside the header");
	case HTTP_BODY:
		return fail(r, "closed %llu bytes short of Content-Length",
			    (unsigned long long)r->left);
	default:
		return fail(r, "closed inside the chunked body");
	}
}
