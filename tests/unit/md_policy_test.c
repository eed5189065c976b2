// SPDX-License-Identifier: GPL-2.0-or-later
/* The metadata fetch policy (daemon/md_policy.c) with metadata.c's per-MAC fetch:
 * backoff caps and jitter, 404 vs 5xx vs timeout, the token's state rules. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kselftest_harness.h"
#include "md_policy.h"

static const uint8_t mac1[6] = {0x00, 0x16, 0x3e, 0xaa, 0xbb, 0xcc};
static const uint32_t rnds[] = {0, 1, 12345, 0x7fffffff, 0xfffffffe, 0xffffffff};

#define SEC 1000000ULL

/* Every key asked answers http; returns how many were asked. */
static unsigned answer_all(struct md_fetch *f, long http, const char *body)
{
	unsigned n = 0;
	int k;

	while ((k = metadata_fetch_next(f)) >= 0) {
		metadata_fetch_answer(f, (enum md_key)k, http, body, body ? strlen(body) : 0);
		n++;
	}
	return n;
}

TEST(backoff_caps_and_jitter_bounds)
{
	for (unsigned a = 0; a < 40; a++) {
		for (unsigned i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
			uint64_t d = MD_BACKOFF_BASE_US << (a < 20 ? a : 20), lag = d, slow = d;

			if (lag > MD_LAG_CAP_US)
				lag = MD_LAG_CAP_US;
			if (slow > MD_BACKOFF_CAP_US)
				slow = MD_BACKOFF_CAP_US;
			/* lagging and not overdue: at most 1 s apart */
			EXPECT_GE(md_retry_delay(a, true, false, rnds[i]), lag / 2);
			EXPECT_LE(md_retry_delay(a, true, false, rnds[i]), lag);
			/* anything else, and a lag past the deadline: up to 30 s */
			EXPECT_GE(md_retry_delay(a, false, false, rnds[i]), slow / 2);
			EXPECT_LE(md_retry_delay(a, false, false, rnds[i]), slow);
			EXPECT_EQ(md_retry_delay(a, false, false, rnds[i]),
				  md_retry_delay(a, true, true, rnds[i]));
		}
	}
	/* the first retry after 100..200 ms; the caps are reached */
	EXPECT_EQ(100000, md_retry_delay(0, false, false, 0));
	EXPECT_EQ(200000, md_retry_delay(0, false, false, 100000));
	EXPECT_EQ(MD_LAG_CAP_US, md_retry_delay(30, true, false, (uint32_t)(MD_LAG_CAP_US / 2)));
	EXPECT_EQ(MD_BACKOFF_CAP_US,
		  md_retry_delay(30, false, false, (uint32_t)(MD_BACKOFF_CAP_US / 2)));
	/* jitter spreads ENIs that failed together */
	EXPECT_NE(md_retry_delay(5, false, false, 1), md_retry_delay(5, false, false, 77777));
}

TEST(not_found_lags_5xx_and_timeout_back_off)
{
	struct addressing out;
	struct md_fetch f;

	/* every key 404: the MAC is not there yet, a lagging service */
	metadata_fetch_init(&f, mac1);
	EXPECT_EQ(5, answer_all(&f, 404, NULL));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_TRUE(f.lag);
	EXPECT_FALSE(md_result_refused(-EAGAIN));
	EXPECT_LE(md_retry_delay(25, f.lag, false, 0xffffffff), MD_LAG_CAP_US);
	EXPECT_STREQ("waiting: MAC not in metadata yet (every key 404)", f.why);
	/* the next round asks private-ipv4s alone */
	metadata_fetch_retry(&f);
	EXPECT_EQ(1, answer_all(&f, 404, NULL));
	metadata_fetch_free(&f);

	/* 5xx: back off to the long cap, never "no addresses" */
	metadata_fetch_init(&f, mac1);
	EXPECT_EQ(5, answer_all(&f, 503, NULL));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_FALSE(f.lag);
	EXPECT_EQ(MD_BACKOFF_CAP_US, md_retry_delay(25, f.lag, false, 15000000));
	metadata_fetch_free(&f);

	/* a timeout (status 0) likewise, and named so */
	metadata_fetch_init(&f, mac1);
	EXPECT_EQ(5, answer_all(&f, 0, NULL));
	EXPECT_EQ(-EAGAIN, metadata_fetch_result(&f, &out));
	EXPECT_FALSE(f.lag);
	EXPECT_NE(NULL, strstr(f.why, "timeout"));
	metadata_fetch_free(&f);

	EXPECT_EQ(MD_HTTP_NOT_FOUND, metadata_http_class(404));
	EXPECT_EQ(MD_HTTP_RETRY, metadata_http_class(503));
	EXPECT_EQ(MD_HTTP_RETRY, metadata_http_class(429));
	EXPECT_EQ(MD_HTTP_RETRY, metadata_http_class(0));
	EXPECT_TRUE(md_result_refused(-EBADMSG));
	EXPECT_TRUE(md_result_refused(-EINVAL));
}

TEST(per_mac_keys_ipv4_only_vs_ipv6)
{
	static const enum md_key v4[] = {MD_KEY_PRIVATE_IPV4S, MD_KEY_PRIMARY_IP,
					 MD_KEY_VSWITCH_CIDR, MD_KEY_GATEWAY, MD_KEY_IPV6S};
	struct md_fetch f;
	int k;

	metadata_fetch_init(&f, mac1);
	for (unsigned i = 0; i < 5; i++)
		EXPECT_EQ((int)v4[i], metadata_fetch_next(&f));
	EXPECT_EQ(-1, metadata_fetch_next(&f));
	/* ipv6s 404: no IPv6, nothing more to ask */
	EXPECT_EQ(0, metadata_fetch_answer(&f, MD_KEY_IPV6S, 404, NULL, 0));
	EXPECT_EQ(-1, metadata_fetch_next(&f));
	metadata_fetch_free(&f);

	/* ipv6s lists addresses: the IPv6 subnet and gateway are asked, never netmask */
	metadata_fetch_init(&f, mac1);
	while (metadata_fetch_next(&f) >= 0)
		;
	EXPECT_EQ(0, metadata_fetch_answer(&f, MD_KEY_IPV6S, 200, "[2001:db8::6]", 13));
	EXPECT_EQ(MD_KEY_VSWITCH_IPV6_CIDR, metadata_fetch_next(&f));
	EXPECT_EQ(MD_KEY_IPV6_GATEWAY, metadata_fetch_next(&f));
	k = metadata_fetch_next(&f);
	EXPECT_EQ(-1, k);
	EXPECT_EQ(7, f.requests);
	metadata_fetch_free(&f);
}

static void token_valid(struct md_token *t, uint64_t sent, unsigned ttl)
{
	char why[MD_WHY_LEN];

	md_token_reset(t, MD_TOKEN_AUTO);
	md_token_putting(t);
	md_token_put_done(t, MD_TOKEN_AUTO, 200, "", "tok-1\n", 6, sent, ttl, why, sizeof(why));
}

TEST(token_lifecycle)
{
	struct md_token t = {0};
	char why[MD_WHY_LEN];
	unsigned gen;

	md_token_reset(&t, MD_TOKEN_AUTO);
	EXPECT_EQ(MD_TOK_NONE, t.state);
	EXPECT_EQ(MD_TOKEN_USE_NO, md_token_use(&t, 0));
	EXPECT_TRUE(md_token_may_put(&t, false));
	EXPECT_FALSE(md_token_may_put(&t, true));
	md_token_putting(&t);
	EXPECT_EQ(MD_TOK_PUTTING, t.state);
	gen = t.gen;
	EXPECT_EQ(MD_TOKEN_STEP_USE, md_token_put_done(&t, MD_TOKEN_AUTO, 200, "", "abc \r\n", 6,
						       10 * SEC, 21600, why, sizeof(why)));
	EXPECT_EQ(MD_TOK_VALID, t.state);
	EXPECT_STREQ("abc", t.token);
	EXPECT_NE(gen, t.gen);
	EXPECT_EQ(t.gen, md_token_gen(&t));
	EXPECT_EQ(10 * SEC + 21600 * SEC, t.expires_at);
	EXPECT_EQ(10 * SEC + 21540 * SEC, t.renew_at); /* 60 s before expiry */
	EXPECT_EQ(MD_TOKEN_USE_OK, md_token_use(&t, 20 * SEC));
	EXPECT_EQ(MD_TOKEN_USE_RENEW, md_token_use(&t, t.renew_at));
	EXPECT_EQ(MD_TOK_VALID, t.state);
	EXPECT_EQ(MD_TOKEN_USE_NO, md_token_use(&t, t.expires_at)); /* expired: dropped */
	EXPECT_EQ(MD_TOK_NONE, t.state);
	EXPECT_EQ(0, md_token_gen(&t));

	/* off never PUTs: tokenless from the start */
	md_token_reset(&t, MD_TOKEN_OFF);
	EXPECT_EQ(MD_TOK_TOKENLESS, t.state);
	EXPECT_EQ(MD_TOKEN_USE_OK, md_token_use(&t, 0));
	EXPECT_FALSE(md_token_may_put(&t, false));
}

TEST(token_put_answers)
{
	struct md_token t = {0};
	char why[MD_WHY_LEN];

	/* auto: "not supported" goes tokenless; required keeps asking */
	md_token_reset(&t, MD_TOKEN_AUTO);
	EXPECT_EQ(MD_TOKEN_STEP_TOKENLESS,
		  md_token_put_done(&t, MD_TOKEN_AUTO, 404, "", NULL, 0, 0, 60, why, sizeof(why)));
	EXPECT_EQ(MD_TOK_TOKENLESS, t.state);
	md_token_reset(&t, MD_TOKEN_REQUIRED);
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, md_token_put_done(&t, MD_TOKEN_REQUIRED, 405, "", NULL, 0, 0,
							 60, why, sizeof(why)));
	EXPECT_STREQ("token: HTTP 405", why);
	EXPECT_EQ(MD_TOKEN_STEP_RETRY, md_token_put_done(&t, MD_TOKEN_AUTO, 0, "timeout", NULL, 0,
							 0, 60, why, sizeof(why)));
	EXPECT_STREQ("token: timeout", why);
	/* a 200 whose body is no token */
	EXPECT_EQ(MD_TOKEN_STEP_RETRY,
		  md_token_put_done(&t, MD_TOKEN_AUTO, 200, "", "a b", 3, 0, 60, why, sizeof(why)));
	EXPECT_EQ(0, strncmp(why, "token: ", 7));
	EXPECT_NE(MD_TOK_VALID, t.state);
}

TEST(token_failed_put_backs_off)
{
	struct md_token t = {0};
	uint64_t d;

	/* no token: requests wait until the retry */
	md_token_reset(&t, MD_TOKEN_AUTO);
	md_token_putting(&t);
	d = md_token_failed(&t, "token: HTTP 503", 5 * SEC, 0);
	EXPECT_EQ(100000, d);
	EXPECT_EQ(MD_TOK_WAIT, t.state);
	EXPECT_EQ(5 * SEC + d, t.retry_at);
	EXPECT_STREQ("token: HTTP 503", t.why);
	EXPECT_FALSE(md_token_may_put(&t, false));
	EXPECT_FALSE(md_token_retry_due(&t, t.retry_at - 1));
	EXPECT_TRUE(md_token_retry_due(&t, t.retry_at));
	EXPECT_EQ(MD_TOK_NONE, t.state);
	/* each failure doubles the delay, capped */
	for (int i = 0; i < 30; i++)
		d = md_token_failed(&t, "token: HTTP 503", 5 * SEC, 15000000);
	EXPECT_EQ(MD_BACKOFF_CAP_US, d);

	/* a renewal that fails while the token still has time: it keeps serving */
	token_valid(&t, 0, 21600);
	ASSERT_EQ(MD_TOK_VALID, t.state);
	d = md_token_failed(&t, "token: timeout", t.renew_at, 0);
	EXPECT_EQ(MD_TOK_VALID, t.state);
	EXPECT_EQ(t.renew_at, 21540 * SEC + d);
	/* ...not past its expiry */
	t.renew_at = t.expires_at - 1;
	md_token_failed(&t, "token: timeout", t.expires_at - 1, 0xffffffff);
	EXPECT_EQ(MD_TOK_WAIT, t.state);
}

TEST(token_expired_401_asks_a_new_token)
{
	struct md_token t = {0};
	unsigned gen;

	token_valid(&t, 0, 21600);
	ASSERT_EQ(MD_TOK_VALID, t.state);
	gen = md_token_gen(&t);
	/* a 401 to a request without a token, or with an older one: nothing to renew */
	EXPECT_FALSE(md_token_rejected(&t, 0));
	EXPECT_FALSE(md_token_rejected(&t, gen - 1));
	EXPECT_EQ(MD_TOK_VALID, t.state);
	/* the current token: dropped, a PUT may start at once */
	EXPECT_TRUE(md_token_rejected(&t, gen));
	EXPECT_EQ(MD_TOK_NONE, t.state);
	EXPECT_EQ(MD_TOKEN_USE_NO, md_token_use(&t, 1));
	EXPECT_TRUE(md_token_may_put(&t, false));
	/* the second 401 of the same round changes nothing */
	EXPECT_FALSE(md_token_rejected(&t, gen));

	/* a 401 round is retried at once twice, then backs off */
	{
		unsigned fails = 0;

		EXPECT_TRUE(md_auth_retry(&fails));
		EXPECT_TRUE(md_auth_retry(&fails));
		EXPECT_FALSE(md_auth_retry(&fails));
		EXPECT_EQ(3, fails);
	}
}

TEST(token_403_without_token_means_required)
{
	struct md_token t = {0};
	char why[MD_WHY_LEN];
	bool say;

	/* auto went tokenless ("not supported"), then a 403: a token from now on */
	md_token_reset(&t, MD_TOKEN_AUTO);
	md_token_put_done(&t, MD_TOKEN_AUTO, 404, "", NULL, 0, 0, 60, why, sizeof(why));
	ASSERT_EQ(MD_TOK_TOKENLESS, t.state);
	EXPECT_TRUE(md_token_after_403(&t, MD_TOKEN_AUTO, &say));
	EXPECT_TRUE(say);
	EXPECT_EQ(MD_TOK_NONE, t.state);
	EXPECT_TRUE(md_token_may_put(&t, false));
	EXPECT_TRUE(md_token_after_403(&t, MD_TOKEN_AUTO, &say));
	EXPECT_FALSE(say); /* said once */
	/* ...and tokenless is never tried again, even when the PUT says 404 */
	EXPECT_EQ(MD_TOKEN_STEP_RETRY,
		  md_token_put_done(&t, MD_TOKEN_AUTO, 404, "", NULL, 0, 0, 60, why, sizeof(why)));
	EXPECT_NE(MD_TOK_TOKENLESS, t.state);

	/* off: goes on without a token, says so once */
	md_token_reset(&t, MD_TOKEN_OFF);
	EXPECT_FALSE(md_token_after_403(&t, MD_TOKEN_OFF, &say));
	EXPECT_TRUE(say);
	EXPECT_FALSE(md_token_after_403(&t, MD_TOKEN_OFF, &say));
	EXPECT_FALSE(say);
	EXPECT_EQ(MD_TOK_TOKENLESS, t.state);
	/* a reset (a reload) forgets the 403 */
	md_token_reset(&t, MD_TOKEN_AUTO);
	EXPECT_FALSE(t.no_tokenless);
}

/* When auto falls back to DHCP at once: the service unreachable or disabled, not lagging. */
TEST(service_unreachable_or_waiting)
{
	static const struct {
		enum md_token_mode mode;
		long http;
		bool put, unreachable;
	} cases[] = {
		{MD_TOKEN_AUTO, 0, false, true},      /* refused, no route, timeout */
		{MD_TOKEN_AUTO, 0, true, true},	      /* the same for the token PUT */
		{MD_TOKEN_OFF, 0, false, true},
		{MD_TOKEN_OFF, 403, false, true},     /* disabled (tokens off: no way in) */
		{MD_TOKEN_AUTO, 403, true, true},     /* the token PUT forbidden: disabled */
		{MD_TOKEN_REQUIRED, 403, true, true},
		{MD_TOKEN_AUTO, 403, false, false},   /* a token is tried first */
		{MD_TOKEN_REQUIRED, 403, false, false},
		{MD_TOKEN_AUTO, 404, false, false},   /* eventually consistent: wait */
		{MD_TOKEN_OFF, 404, false, false},
		{MD_TOKEN_AUTO, 404, true, false},    /* the PUT not supported: tokenless */
		{MD_TOKEN_AUTO, 500, false, false},   /* there, in trouble: wait */
		{MD_TOKEN_AUTO, 503, true, false},
		{MD_TOKEN_AUTO, 401, false, false},
		{MD_TOKEN_AUTO, 200, false, false},   /* a bad body: wait */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(cases[i].unreachable,
			  md_service_unreachable(cases[i].mode, cases[i].http, cases[i].put))
		{
			TH_LOG("case %zu: mode %d http %ld put %d", i, cases[i].mode,
			       cases[i].http, cases[i].put);
		}
	}
}

TEST(deadline)
{
	EXPECT_FALSE(md_deadline_passed(60 * SEC - 1, 0, 60));
	EXPECT_TRUE(md_deadline_passed(60 * SEC, 0, 60));
	EXPECT_TRUE(md_deadline_passed(100 * SEC, 10 * SEC, 90));
	EXPECT_FALSE(md_deadline_passed(100 * SEC, 10 * SEC, 91));
}

TEST_HARNESS_MAIN
