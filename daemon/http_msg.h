/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTP/1.1 for the metadata service, the pure half: the URL, the request bytes and an
 * incremental response parser. No I/O: http_client.c drives it.
 *
 * Why by hand (issue 15): enid asks one plain-HTTP service on a link-local IP address
 * for a few short answers. libcurl did it (md_curl.c and curl_dl.c, 545 lines of glue),
 * but Debian's libcurl4 always brings OpenSSL, nghttp2, libssh2, GSSAPI, LDAP, RTMP,
 * libidn2, ...: 32 libraries (there is no TLS-less build), which made enid's RSS
 * 10.6 MiB and its private memory (USS) 5.3 MiB with metadata addressing, against
 * 2.4 MiB and 0.6 MiB with this client (bench/memory, same run). This file and
 * http_client.c are about 1000 lines with comments (the parser, unit-tested by
 * tests/unit/http_msg_test.c and fuzzed by tests/fuzz/http_fuzz.c, is about 450).
 *
 * What it does: http:// URLs whose host is an IPv4 or [IPv6] literal (enid never
 * resolves names: the service is 100.100.100.200), GET and an empty PUT with one extra
 * header, status line and header fields (case-insensitive names), 1xx interim answers
 * skipped, bodies framed by Content-Length, chunked (extensions and trailers read and
 * ignored) or the connection's close, Connection: close / keep-alive and HTTP/1.0, a
 * body cap (longer bodies are cut at cap + 1 bytes: the caller refuses them).
 * What it does not: https, names and DNS, proxies, redirects, authentication,
 * cookies, compression or any transfer coding but chunked, pipelining, HTTP/2,
 * obsolete line folding (refused), request bodies. metadata_url never took https://
 * (the service is plain HTTP on a link-local address), so no TLS library stays behind:
 * enid no longer loads libcurl at all, and the package no longer depends on it.
 */
#ifndef ENID_HTTP_MSG_H
#define ENID_HTTP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define HTTP_LINE_MAX	 2048 /* a status, header, chunk-size or trailer line */
#define HTTP_FIELDS_MAX	 64   /* header and trailer fields of one response */
#define HTTP_INTERIM_MAX 8    /* 1xx answers before the final one */
#define HTTP_HOST_LEN	 48   /* "[v6 literal]" */
#define HTTP_ERR_LEN	 64

/* A parsed http:// URL. */
struct http_url {
	char host[HTTP_HOST_LEN]; /* as written: "100.100.100.200", "[fd00::1]" */
	uint16_t port;		  /* 80 unless given */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *path; /* into the parsed string: "/..." ("/" when the URL has none) */
};

/*
 * http://IPv4[:PORT][/PATH] or http://[IPv6][:PORT][/PATH] ("http" in any case, no
 * user info, no fragment). true, or false and why ("host name \"h\": ...").
 */
bool http_url_parse(const char *url, struct http_url *u, char *why, size_t whylen);

/*
 * The request: GET (or PUT with an empty body) of u->path with Host, User-Agent and
 * header ("Name: value", may be NULL). Its length, -EINVAL when an argument holds a
 * control character (no header injection), or -ENOSPC when len is too small.
 */
int http_request_build(char *buf, size_t len, bool put, const struct http_url *u,
		       const char *header, const char *user_agent);

enum http_resp_state {
	HTTP_STATUS,	 /* the status line */
	HTTP_HEADER,	 /* header fields */
	HTTP_BODY,	 /* Content-Length bytes */
	HTTP_BODY_EOF,	 /* up to the connection's close */
	HTTP_CHUNK_SIZE, /* a chunk-size line */
	HTTP_CHUNK_DATA, /* a chunk's bytes */
	HTTP_CHUNK_END,	 /* the CRLF after them */
	HTTP_TRAILER,	 /* trailer fields after the last chunk */
	HTTP_DONE,
	HTTP_ERROR,
};

struct http_resp {
	/* the answer */
	int status;	 /* the final status, 200..599 (100..199 while interim) */
	bool keep_alive; /* when done: the connection may carry another request */
	bool oversize;	 /* the body was cut at body_max + 1 bytes */
	char *body;	 /* malloc'ed, NULL when empty; not NUL-terminated */
	size_t len;
	char err[HTTP_ERR_LEN]; /* why HTTP_ERROR */
	/* the parser's */
	enum http_resp_state st;
	size_t body_max, cap;
	uint64_t left; /* of the Content-Length or the chunk */
	bool http11, chunked, have_length, conn_close, conn_keep, any;
	unsigned fields, interim;
	size_t line_len;
	char line[HTTP_LINE_MAX];
};

void http_resp_init(struct http_resp *r, size_t body_max);
/* Frees the body (unless the caller took it: set r->body to NULL first). */
void http_resp_free(struct http_resp *r);
/*
 * Reads n bytes of the answer; *used says how many it took (all of them unless it
 * ends in HTTP_DONE or HTTP_ERROR). Returns the state: HTTP_DONE, HTTP_ERROR (r->err
 * says why), or another one when more is needed. -ENOMEM is an HTTP_ERROR too.
 */
enum http_resp_state http_resp_feed(struct http_resp *r, const char *buf, size_t n, size_t *used);
/* The peer closed: HTTP_DONE when the body runs to the close, else HTTP_ERROR. */
enum http_resp_state http_resp_eof(struct http_resp *r);
/* Any byte of the answer was read (a kept-alive connection closed before answering
 * may be retried on a new one). */
static inline bool http_resp_started(const struct http_resp *r)
{
	return r->any;
}

#endif /* ENID_HTTP_MSG_H */
