// SPDX-License-Identifier: GPL-2.0
/* The HTTP/1.1 pure half (daemon/http_msg.c): URLs, request bytes, and a table of
 * responses (every framing, header case, chunked with extensions and trailers,
 * truncated, overlong, bad status lines, 1xx), each read whole, byte by byte and in
 * two halves with the same outcome. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "http_msg.h"

/* the table leaves trailing fields out where they do not apply */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define CAP 64 /* body_max of every case */

enum { NEED = -1 }; /* fed whole, neither done nor failed: wants more */

struct rcase {
	const char *name, *in;
	bool eof;	  /* the peer closes after in */
	int st;		  /* HTTP_DONE, HTTP_ERROR or NEED */
	int status;	  /* when done */
	const char *body; /* when done */
	bool keep;	  /* when done */
	const char *err;  /* when failed: a part of the reason */
	bool oversize;
};

static const char big[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
			  "0123456789012345678901234567890123456789012345678901234567890123456789"
			  "012345678901234567890123456789";

static const struct rcase cases[] = {
	{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, HTTP_DONE, 200, "hello",
	 1},
	{"length, bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 0, HTTP_DONE, 200,
	 "hi", 1},
	{"header names in any case, OWS around values",
	 "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:\t 3 \t\r\nX-Other: a:b\r\n\r\nabc", 0, HTTP_DONE, 200,
	 "abc", 1},
	{"no reason phrase", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 0, HTTP_DONE, 404, "", 1},
	{"empty reason phrase", "HTTP/1.1 503 \r\nContent-Length: 1\r\n\r\nx", 0, HTTP_DONE, 503,
	 "x", 1},
	{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
	 0, HTTP_DONE, 200, "x", 0},
	{"Connection list with close",
	 "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\n"
	 "Content-Length: 1\r\n\r\nx",
	 0, HTTP_DONE, 200, "x", 0},
	{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, HTTP_DONE, 200, "x",
	 0},
	{"HTTP/1.0 keep-alive",
	 "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", 0, HTTP_DONE,
	 200, "x", 1},
	{"body to the close", "HTTP/1.1 200 OK\r\n\r\nuntil eof", 1, HTTP_DONE, 200, "until eof",
	 0},
	{"body to the close, no close yet", "HTTP/1.1 200 OK\r\n\r\nsome", 0, NEED},
	{"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", 0, HTTP_DONE, 204, "", 1},
	{"304 has no body despite a length", "HTTP/1.1 304 x\r\nContent-Length: 9\r\n\r\n", 0,
	 HTTP_DONE, 304, "", 1},
	{"same Content-Length twice",
	 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok", 0, HTTP_DONE, 200,
	 "ok", 1},
	{"chunked",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
	 "world\r\n0\r\n\r\n",
	 0, HTTP_DONE, 200, "hello world", 1},
	{"chunked, hex sizes, extensions, trailers",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA ; name=\"v\";x\r\n0123456789\r\n"
	 "1;e\r\n!\r\n0;last\r\nX-Trailer: t\r\nX-T2: u\r\n\r\n",
	 0, HTTP_DONE, 200, "0123456789!", 1},
	{"chunked wins over Content-Length, then close",
	 "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: "
	 "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
	 0, HTTP_DONE, 200, "ok", 0},
	{"100 Continue skipped",
	 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0,
	 HTTP_DONE, 200, "ok", 1},
	{"103 with fields skipped",
	 "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 100 c\r\n\r\n"
	 "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
	 0, HTTP_DONE, 404, "", 1},
	{"oversize body cut at cap + 1", big, 0, HTTP_DONE, 200,
	 "01234567890123456789012345678901234567890123456789012345678901234", 0, NULL, true},
	{"oversize chunk cut at cap + 1",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n"
	 "01234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n0\r\n"
	 "\r\n",
	 0, HTTP_DONE, 200, "01234567890123456789012345678901234567890123456789012345678901234", 0,
	 NULL, true},
	/* truncated */
	{"nothing at all", "", 1, HTTP_ERROR, 0, NULL, 0, "closed with no answer"},
	{"closed in the status line", "HTTP/1.1 20", 1, HTTP_ERROR, 0, NULL, 0, "status line"},
	{"closed in the header", "HTTP/1.1 200 OK\r\nContent-Le", 1, HTTP_ERROR, 0, NULL, 0,
	 "header"},
	{"closed short of the length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1,
	 HTTP_ERROR, 0, NULL, 0, "7 bytes short"},
	{"closed in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 1,
	 HTTP_ERROR, 0, NULL, 0, "chunked"},
	{"closed before the last chunk",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nh\r\n", 1, HTTP_ERROR, 0, NULL,
	 0, "chunked"},
	{"closed in the trailer",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n", 1, HTTP_ERROR, 0,
	 NULL, 0, "chunked"},
	{"length not complete yet", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, NEED},
	/* bad status lines */
	{"HTTP/2", "HTTP/2 200 OK\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0, "not HTTP/1.x"},
	{"HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0, "not HTTP/1.x"},
	{"lower case http", "http/1.1 200 OK\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0, "not HTTP/1.x"},
	{"HTML instead", "<html>\r\n", 0, HTTP_ERROR, 0, NULL, 0, "not HTTP/1.x"},
	{"two-digit status", "HTTP/1.1 20 OK\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0, "status code"},
	{"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0, "status code"},
	{"status 600", "HTTP/1.1 600 x\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0, "out of range"},
	{"status 099", "HTTP/1.1 099 x\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0, "out of range"},
	{"101 switching", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 0, HTTP_ERROR,
	 0, NULL, 0, "101"},
	{"endless 100s",
	 "HTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\n"
	 "HTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\n"
	 "HTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\n",
	 0, HTTP_ERROR, 0, NULL, 0, "interim"},
	/* bad header fields */
	{"space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx", 0, HTTP_ERROR,
	 0, NULL, 0, "bad header line"},
	{"no colon", "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0,
	 "bad header line"},
	{"empty name", "HTTP/1.1 200 OK\r\n: x\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0,
	 "bad header line"},
	{"folded line", "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0,
	 "folded"},
	{"NUL in a field", "HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0,
	 "control"},
	{"bare CR in a field", "HTTP/1.1 200 OK\r\nX-A: b\rc\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0,
	 "control"},
	{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, HTTP_ERROR, 0, NULL,
	 0, "bad Content-Length"},
	{"length list", "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx", 0, HTTP_ERROR, 0, NULL,
	 0, "bad Content-Length"},
	{"empty length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, HTTP_ERROR, 0, NULL, 0,
	 "empty Content-Length"},
	{"huge length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0,
	 HTTP_ERROR, 0, NULL, 0, "bad Content-Length"},
	{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", 0,
	 HTTP_ERROR, 0, NULL, 0, "two different"},
	{"gzip coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0,
	 HTTP_ERROR, 0, NULL, 0, "not supported"},
	{"chunked twice",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
	 HTTP_ERROR, 0, NULL, 0, "not supported"},
	/* bad chunks */
	{"chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0,
	 HTTP_ERROR, 0, NULL, 0, "bad chunk size"},
	{"chunk size junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n",
	 0, HTTP_ERROR, 0, NULL, 0, "bad chunk size"},
	{"empty chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0,
	 HTTP_ERROR, 0, NULL, 0, "bad chunk size"},
	{"chunk size overflow",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n", 0,
	 HTTP_ERROR, 0, NULL, 0, "too large"},
	{"chunk longer than its size",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 0, HTTP_ERROR, 0,
	 NULL, 0, "longer than its size"},
	{"bad trailer",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a field\r\n\r\n", 0,
	 HTTP_ERROR, 0, NULL, 0, "bad header line"},
};

/* Feeds in by pieces of step bytes (0: whole); returns the final state. */
static int run(const struct rcase *c, size_t step, struct http_resp *r)
{
	size_t n = strlen(c->in), i = 0, used;
	int st = HTTP_STATUS;

	/* the NUL case: the table's strings stop at it, so feed it through its length */
	if (strstr(c->name, "NUL"))
		n = strlen(c->in) + 1 + strlen(c->in + strlen(c->in) + 1);
	http_resp_init(r, CAP);
	while (i < n) {
		size_t k = step && step < n - i ? step : n - i;

		st = http_resp_feed(r, c->in + i, k, &used);
		if (st == HTTP_DONE || st == HTTP_ERROR)
			return st;
		if (used != k)
			return -100; /* must take everything while it wants more */
		i += k;
	}
	if (c->eof)
		return http_resp_eof(r);
	return st == HTTP_DONE || st == HTTP_ERROR ? st : NEED;
}

TEST(response_table)
{
	static const size_t steps[] = {0, 1, 7, 40};

	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const struct rcase *c = &cases[ci];

		for (size_t si = 0; si < sizeof(steps) / sizeof(steps[0]); si++) {
			struct http_resp r;
			int st = run(c, steps[si], &r);

			const char *name = c->name;
			size_t p = steps[si];

			EXPECT_EQ(c->st, st) TH_LOG("%s (pieces of %zu): err %s", name, p, r.err);
			if (c->st == HTTP_DONE && st == HTTP_DONE) {
				EXPECT_EQ(c->status, r.status) TH_LOG("%s", name);
				EXPECT_EQ(strlen(c->body), r.len)
				TH_LOG("%s (pieces of %zu)", name, p);
				EXPECT_EQ(0, r.len ? memcmp(c->body, r.body, r.len) : 0)
				TH_LOG("%s", name);
				EXPECT_EQ(c->keep, r.keep_alive) TH_LOG("%s", name);
				EXPECT_EQ(c->oversize, r.oversize) TH_LOG("%s", name);
			}
			if (c->st == HTTP_ERROR && st == HTTP_ERROR) {
				EXPECT_NE(NULL, strstr(r.err, c->err))
				TH_LOG("%s: err \"%s\"", name, r.err);
				EXPECT_FALSE(r.keep_alive) TH_LOG("%s", name);
			}
			http_resp_free(&r);
		}
	}
}

TEST(overlong_line_refused)
{
	static char in[HTTP_LINE_MAX + 64];
	struct http_resp r;
	size_t used;

	snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(in + strlen(in), 'a', sizeof(in) - strlen(in) - 1);
	http_resp_init(&r, CAP);
	EXPECT_EQ(HTTP_ERROR, http_resp_feed(&r, in, strlen(in), &used));
	EXPECT_NE(NULL, strstr(r.err, "line longer than"));
	http_resp_free(&r);

	/* a line just under the limit is fine */
	int n = snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(in + n, 'a', HTTP_LINE_MAX - 2 - (size_t)n);
	strcpy(in + HTTP_LINE_MAX - 2, "\r\nContent-Length: 0\r\n\r\n");
	http_resp_init(&r, CAP);
	EXPECT_EQ(HTTP_DONE, http_resp_feed(&r, in, strlen(in), &used));
	http_resp_free(&r);
}

TEST(too_many_fields_refused)
{
	char in[4096];
	size_t n = (size_t)snprintf(in, sizeof(in), "HTTP/1.1 200 OK\r\n"), used;
	struct http_resp r;

	for (int i = 0; i <= HTTP_FIELDS_MAX; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "X-%d: v\r\n", i);
	http_resp_init(&r, CAP);
	EXPECT_EQ(HTTP_ERROR, http_resp_feed(&r, in, n, &used));
	EXPECT_NE(NULL, strstr(r.err, "header fields"));
	http_resp_free(&r);
}

TEST(bytes_after_the_answer_are_left)
{
	const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n";
	struct http_resp r;
	size_t used;

	http_resp_init(&r, CAP);
	EXPECT_EQ(HTTP_DONE, http_resp_feed(&r, in, strlen(in), &used));
	EXPECT_EQ(strlen(in) - strlen("HTTP/1.1 200 OK\r\n"), used);
	EXPECT_TRUE(http_resp_started(&r));
	http_resp_free(&r);
	http_resp_init(&r, CAP);
	EXPECT_FALSE(http_resp_started(&r));
	http_resp_free(&r);
}

struct ucase {
	const char *url, *host, *path, *why;
	uint16_t port;
	int family;
};

static const struct ucase urls[] = {
	{"http://100.100.100.200/latest/meta-data/", "100.100.100.200", "/latest/meta-data/", NULL,
	 80, AF_INET},
	{"HTTP://127.0.0.1:8080/imds/x", "127.0.0.1", "/imds/x", NULL, 8080, AF_INET},
	{"http://127.0.0.1", "127.0.0.1", "/", NULL, 80, AF_INET},
	{"http://[fd00:ec2::254]:81/a", "[fd00:ec2::254]", "/a", NULL, 81, AF_INET6},
	{"http://[::1]/", "[::1]", "/", NULL, 80, AF_INET6},
	{"https://100.100.100.200/", NULL, NULL, "not an http:// URL"},
	{"ftp://1.2.3.4/", NULL, NULL, "not an http:// URL"},
	{"http://metadata.internal/latest/", NULL, NULL, "host name \"metadata.internal\""},
	{"http://localhost:80/", NULL, NULL, "enid resolves no names"},
	{"http:///x", NULL, NULL, "no host"},
	{"http://1.2.3.4:0/", NULL, NULL, "bad port"},
	{"http://1.2.3.4:65536/", NULL, NULL, "bad port"},
	{"http://1.2.3.4:/", NULL, NULL, "bad port"},
	{"http://1.2.3.4:8x/", NULL, NULL, "bad port"},
	{"http://u@1.2.3.4/", NULL, NULL, "user info"},
	{"http://1.2.3.4?x", NULL, NULL, "query"},
	{"http://1.2.3.4/a b", NULL, NULL, "space"},
	{"http://[fd00::1/", NULL, NULL, "no ']'"},
	{"http://[1.2.3.4]/", NULL, NULL, "not an IPv6 address"},
	{"http://[::1]x/", NULL, NULL, "junk after"},
	{"http://1.2.3/", NULL, NULL, "host name \"1.2.3\""},
};

TEST(url_table)
{
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		const struct ucase *c = &urls[i];
		struct http_url u;
		char why[80] = "";
		bool ok = http_url_parse(c->url, &u, why, sizeof(why));

		EXPECT_EQ(c->why == NULL, ok) TH_LOG("%s: %s", c->url, why);
		if (c->why) {
			EXPECT_NE(NULL, strstr(why, c->why)) TH_LOG("%s: %s", c->url, why);
			continue;
		}
		EXPECT_STREQ(c->host, u.host);
		EXPECT_STREQ(c->path, u.path);
		EXPECT_EQ(c->port, u.port) TH_LOG("%s", c->url);
		EXPECT_EQ(c->family, u.addr.ss_family) TH_LOG("%s", c->url);
		if (c->family == AF_INET) {
			EXPECT_EQ(htons(c->port), ((struct sockaddr_in *)&u.addr)->sin_port);
		} else {
			EXPECT_EQ(htons(c->port), ((struct sockaddr_in6 *)&u.addr)->sin6_port);
		}
	}
}

TEST(request_bytes)
{
	struct http_url u;
	char why[80], buf[512];

	ASSERT_TRUE(
		http_url_parse("http://100.100.100.200/latest/api/token", &u, why, sizeof(why)));
	ASSERT_LT(0,
		  http_request_build(buf, sizeof(buf), true, &u,
				     "X-aliyun-ecs-metadata-token-ttl-seconds: 21600", "enid/1"));
	EXPECT_STREQ("PUT /latest/api/token HTTP/1.1\r\nHost: 100.100.100.200\r\n"
		     "User-Agent: enid/1\r\nX-aliyun-ecs-metadata-token-ttl-seconds: 21600\r\n"
		     "Content-Length: 0\r\n\r\n",
		     buf);
	ASSERT_TRUE(http_url_parse("http://[::1]:8080/m/mac", &u, why, sizeof(why)));
	ASSERT_LT(0, http_request_build(buf, sizeof(buf), false, &u, NULL, "enid/1"));
	EXPECT_STREQ("GET /m/mac HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: enid/1\r\n\r\n", buf);
	/* no header injection through a token or a path */
	EXPECT_EQ(-EINVAL,
		  http_request_build(buf, sizeof(buf), false, &u, "X-T: a\r\nX-Evil: 1", "e"));
	EXPECT_EQ(-EINVAL, http_request_build(buf, sizeof(buf), false, &u, "X-T: a\n", "e"));
	EXPECT_EQ(-ENOSPC, http_request_build(buf, 20, false, &u, NULL, "e"));
}

TEST_HARNESS_MAIN
