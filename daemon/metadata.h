/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Alibaba Cloud ECS metadata addressing, the pure half: which paths to ask,
 * how the answers become a struct addressing, when one MAC's answer is
 * complete or must be asked again and after how long, and the token rules.
 * No I/O: enid's HTTP client in its epoll loop drives it (metadata_fetch_*).
 *
 * Requests per ENI: 5 for an IPv4-only ENI, 7 with IPv6, in one round trip
 * (two with IPv6), when nothing lags. Per MAC, under
 * /latest/meta-data/network/interfaces/macs/<mac>/:
 *   private-ipv4s            required  every IPv4 address (JSON array, any order)
 *   primary-ip-address       required  which one is the primary: the array's order
 *                                      says nothing. Redundant only for a one-address
 *                                      ENI, which is unknown until the array arrives;
 *                                      asking for it afterwards would add a round trip
 *                                      to every multi-address ENI, so it goes in parallel.
 *   vswitch-cidr-block       required  subnet and prefix in one answer (makes netmask
 *                                      redundant) and the consistency checks
 *   gateway                  required  not derivable (usually .253, not always)
 *   ipv6s                    optional  404 = the ENI has no IPv6 (so is "[]")
 *   vswitch-ipv6-cidr-block  asked only once ipv6s lists addresses, then required
 *   ipv6-gateway             asked only once ipv6s lists addresses, then required
 *                            (saves 2 requests on every IPv4-only ENI, costs one round
 *                            trip on IPv6 ENIs; required then, because a 404 next to a
 *                            non-empty ipv6s is a lagging service, not "no gateway")
 *   netmask                  never asked (redundant with vswitch-cidr-block); when a
 *                            caller supplies it, it is cross-checked, or it stands in
 *                            for a vswitch-cidr-block that answered 404
 * Not asked per ENI: network-interface-id and vpc-cidr-block (unused for routing),
 * the macs/ listing (every key answering 404 already says "MAC not there yet"; the
 * listing would be one more request per round that tells nothing more). Once per
 * daemon, not per ENI: the instance `mac` (the primary, never managed) and the
 * token PUT (one per TTL period, shared by all requests). The service has no bulk
 * per-MAC endpoint.
 * A retry round asks again only the keys that were not answered 200 (404 included:
 * an optional key's 404 means "none" only when the MAC is known); after a bad or
 * inconsistent answer it asks all of them. When every key answered 404 (the MAC is
 * not in the metadata yet), each later round asks private-ipv4s alone, and the other
 * keys only once it answers 200: one request per retry while the service lags, not
 * five, for one extra round trip when the MAC appears.
 */
#ifndef ENID_METADATA_H
#define ENID_METADATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "config.h"
#include "plan.h"

#define MD_PATH_TOKEN	 "/latest/api/token"	 /* PUT */
#define MD_PATH_MAC	 "/latest/meta-data/mac" /* the primary's MAC */
#define MD_PATH_MACS	 "/latest/meta-data/network/interfaces/macs/"
#define MD_HDR_TOKEN	 "X-aliyun-ecs-metadata-token"
#define MD_HDR_TOKEN_TTL "X-aliyun-ecs-metadata-token-ttl-seconds"

#define MD_MAX_BODY  65536 /* longer answers are refused; keep at most MD_MAX_BODY + 1 bytes */
#define MD_PATH_LEN  128   /* enough for any path built here */
#define MD_WHY_LEN   160   /* one-line reasons, as struct link's why */
#define MD_TOKEN_MAX 256   /* longest token accepted (it goes into a header) */

/* Suggested defaults for the fetcher (configurable there). */
#define MD_BACKOFF_BASE_US 200000ULL   /* first retry after 100..200 ms */
#define MD_BACKOFF_CAP_US  30000000ULL /* never more than 30 s apart */
/* The service answers, only 404 for what is missing (a just-bound MAC not listed yet):
 * not overload, so retries stay at most 1 s apart until the deadline, and a link is
 * configured within 1 s of the data appearing. 5xx, timeouts: MD_BACKOFF_CAP_US. */
#define MD_LAG_CAP_US 1000000ULL

/* Per-MAC keys; the enum order is the order metadata_fetch_next() asks them. */
enum md_key {
	MD_KEY_PRIVATE_IPV4S,
	MD_KEY_PRIMARY_IP,
	MD_KEY_VSWITCH_CIDR,
	MD_KEY_GATEWAY,
	MD_KEY_IPV6S,
	MD_KEY_VSWITCH_IPV6_CIDR,
	MD_KEY_IPV6_GATEWAY,
	MD_KEY_NETMASK,
	MD_KEY_COUNT
};

/* "private-ipv4s", ..., or "?" */
const char *metadata_key_name(enum md_key key);
/* "/latest/meta-data/network/interfaces/macs/00:16:3e:aa:bb:cc/<key>" into buf
 * (>= MD_PATH_LEN). Returns its length, or -EINVAL for a bad key, -ENOSPC. */
int metadata_key_path(enum md_key key, const uint8_t mac[6], char *buf, size_t len);

/* ---- answers -> addressing ---- */

enum md_ans {
	MD_ANS_NONE,	  /* not asked or not answered */
	MD_ANS_OK,	  /* HTTP 200: body holds the answer */
	MD_ANS_NOT_FOUND, /* HTTP 404 */
};

struct md_answer {
	enum md_ans status;
	const char *body; /* not NUL-terminated; may hold anything */
	size_t len;
};

/*
 * Builds one ENI's addressing from the answers (indexed by enum md_key):
 * addrs[0] = primary-ip-address, then the other private-ipv4s in their order,
 * all with the vswitch-cidr-block prefix (or netmask's, when vswitch-cidr-block
 * answered 404 and netmask 200), then ipv6s with the vswitch-ipv6-cidr-block
 * prefix; gateway4, gateway6; mtu 0; nodad (the service vouches for them).
 * Answers may end in whitespace; nothing else is forgiven.
 * Returns 0 and fills *out, or an error with a one-line reason in why naming the
 * key and the offending text (shortened); *out is untouched on error, and no
 * error ever means "no addresses":
 *   -EAGAIN  a required key has no answer or answered 404: ask again later
 *   -EBADMSG an unreadable answer: HTML, invalid or truncated JSON, over 64 KiB,
 *            a NUL byte, an invalid or non-unicast address, a non-contiguous
 *            netmask, a duplicate address
 *   -EINVAL  answers that disagree: primary not in private-ipv4s or outside the
 *            vswitch block, a secondary or gateway outside it, a gateway that is one
 *            of the ENI's addresses, netmask vs vswitch-cidr-block, IPv6 likewise
 *   -E2BIG   more addresses (IPv4 + IPv6) than ENID_MAX_ADDRS: never truncated
 */
int metadata_build(const struct md_answer ans[MD_KEY_COUNT], struct addressing *out, char *why,
		   size_t whylen);

/*
 * The key a bounds.h verdict on metadata_build()'s result names: addrs[0] is
 * primary-ip-address, the other IPv4 addresses private-ipv4s, IPv6 ones ipv6s; an
 * IPv4 subnet vswitch-cidr-block, an IPv6 one vswitch-ipv6-cidr-block; gateway4
 * gateway, gateway6 ipv6-gateway. For the log line and enictl status of a refused
 * answer (bounds are checked by the caller, which knows the primary and the other ENIs).
 */
enum md_key metadata_bounds_key(const struct addressing *a, const struct bounds_verdict *v);

/* Dotted netmask -> prefix length 1..32; contiguous masks only. 0 or -EBADMSG ("netmask: ..."). */
int metadata_parse_netmask(const char *body, size_t len, unsigned *prefix, char *why,
			   size_t whylen);

/* The instance `mac` answer. 0 or -EBADMSG ("mac: ..."). */
int metadata_parse_mac(const char *body, size_t len, uint8_t mac[6], char *why, size_t whylen);

/* ---- one MAC's fetch: which requests, when complete, when to retry ---- */

/* What an HTTP outcome means for a data request (status 0 = timeout or no connection). */
enum md_http {
	MD_HTTP_OK,	       /* 200 */
	MD_HTTP_NOT_FOUND,     /* 404: absent (optional key) or not there yet (required) */
	MD_HTTP_TOKEN_EXPIRED, /* 401: renew the token, then ask again */
	MD_HTTP_TOKEN_NEEDED,  /* 403: the instance requires a token */
	MD_HTTP_RETRY,	       /* 0, 429, 5xx, anything else: back off, ask again */
};
enum md_http metadata_http_class(long status);

enum md_key_state {
	MD_KS_IDLE,   /* not needed (yet) */
	MD_KS_WANT,   /* to be asked */
	MD_KS_ASKED,  /* request in flight */
	MD_KS_OK,     /* 200, body kept */
	MD_KS_ABSENT, /* 404 */
	MD_KS_FAILED, /* anything else; http says what */
};

struct md_key_slot {
	enum md_key_state state;
	long http;  /* last status, 0 = timeout / transport error */
	char *body; /* malloc'd copy for MD_KS_OK */
	size_t len;
};

struct md_fetch {
	uint8_t mac[6];
	struct md_key_slot key[MD_KEY_COUNT];
	unsigned attempt;     /* retry rounds started so far (0 in the first round) */
	unsigned requests;    /* requests handed out by metadata_fetch_next() in total */
	unsigned outstanding; /* asked, not yet answered */
	bool bad;	      /* the last result was a bad answer: the next round asks all */
	bool probing;	      /* the MAC was unknown: ask private-ipv4s alone until it is 200 */
	bool lag;	      /* the last result waited only on 404s (MD_LAG_CAP_US applies) */
	char why[MD_WHY_LEN]; /* why the last result was not 0, for logs and enictl status */
};

/* Starts a fetch for mac: the four required keys and ipv6s are wanted. */
void metadata_fetch_init(struct md_fetch *f, const uint8_t mac[6]);
/* Frees the kept bodies; f may be initialised again (e.g. enictl refresh). */
void metadata_fetch_free(struct md_fetch *f);

/*
 * The next key to request now (marked in flight, counted in f->requests), or -1
 * when there is none for now. Call it until -1 after init, after every answer
 * (ipv6s may add the two IPv6 keys) and after metadata_fetch_retry().
 */
int metadata_fetch_next(struct md_fetch *f);

/*
 * Records the answer to an asked key: the HTTP status (0 = timeout or transport
 * error) and, for 200, the body (copied; the fetcher keeps at most MD_MAX_BODY + 1
 * bytes, longer is refused by the build). Returns 0, -EINVAL when key is not in
 * flight (a stale answer: ignore it), -ENOMEM.
 */
int metadata_fetch_answer(struct md_fetch *f, enum md_key key, long http, const char *body,
			  size_t len);

/*
 * Where the fetch stands; f->why says why when not 0. Returns
 *   -EINPROGRESS  requests to send or in flight
 *   0             complete: *out filled (metadata_build)
 *   -EKEYEXPIRED  a 401: renew the token, then metadata_fetch_retry() at once
 *   -EACCES       a 403: the instance wants a token (see metadata_token_after_403)
 *   -EAGAIN       a required key answered 404, 5xx, 429 or timed out: wait
 *                 metadata_backoff_us(f->attempt, ...) then metadata_fetch_retry()
 *                 ("waiting: MAC not in metadata yet (every key 404)",
 *                  "waiting: gateway 404, ipv6s HTTP 503", "waiting: gateway timeout")
 *   -EBADMSG, -EINVAL, -E2BIG  as metadata_build; log f->why once, then back off
 *                 and retry the same way (the next round asks every key)
 * *out is written only when 0 is returned.
 */
int metadata_fetch_result(struct md_fetch *f, struct addressing *out);

/* Starts the next round: f->attempt++, keys not answered 200 (all after a bad
 * answer; private-ipv4s alone, as a probe, after every key answered 404) are
 * wanted again. */
void metadata_fetch_retry(struct md_fetch *f);

/*
 * Delay before retry number attempt + 1 (attempt = f->attempt: 0 before the first
 * retry): d = min(cap, base * 2^attempt), then d/2 + rnd % (d/2 + 1), so in
 * [d/2, d]. rnd is the caller's random number (jitter, so ENIs that failed
 * together do not retry in step).
 */
uint64_t metadata_backoff_us(unsigned attempt, uint64_t base_us, uint64_t cap_us, uint32_t rnd);

/* ---- token (hardened mode) ---- */

#define MD_TOKEN_TTL_MIN 1
#define MD_TOKEN_TTL_MAX 21600

/*
 * When to renew a token asked for at sent_us (the time the PUT was sent, so the
 * service's clock cannot be ahead of ours) with ttl seconds: 60 s before expiry,
 * or at half its life when ttl < 120 s.
 */
uint64_t metadata_token_renew_at(uint64_t sent_us, unsigned ttl);

/* The PUT's 200 body -> token (visible ASCII only: it goes into a header; trailing
 * whitespace trimmed). out >= MD_TOKEN_MAX + 1. 0 or -EBADMSG ("token: ..."). */
int metadata_token_parse(const char *body, size_t len, char *out, size_t outlen, char *why,
			 size_t whylen);

enum md_token_step {
	MD_TOKEN_STEP_USE,	 /* 200: parse the body, send it with every request */
	MD_TOKEN_STEP_TOKENLESS, /* the token call is not supported (auto only): go without */
	MD_TOKEN_STEP_RETRY,	 /* back off and PUT again; requests wait meanwhile */
};

/*
 * What to do after the token PUT answered status (0 = timeout / no connection):
 *   200 -> USE; 404, 405, 501 (not supported) -> auto: TOKENLESS, required: RETRY;
 *   anything else (400, 401, 403, 429, 5xx, 0) -> RETRY. Never TOKENLESS after a 403.
 */
enum md_token_step metadata_token_after_put(enum md_token_mode mode, long status);

/*
 * A data request answered 403 while going tokenless: in auto, get a token
 * (true: tokenless is never tried again), in off, keep going without (false,
 * log that the instance requires metadata_token).
 */
bool metadata_token_after_403(enum md_token_mode mode);

#endif /* ENID_METADATA_H */
