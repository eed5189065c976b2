/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions shared by the test programs. Include after
 * harness.h: these use its _metadata and ASSERT_* macros.
 */
#ifndef ENI_GUEST_CHECKS_H
#define ENI_GUEST_CHECKS_H

#include <errno.h>
#include <string.h>

#include "genl.h"
#include "kmod.h"
#include "kmsg.h"
#include "rtnl.h"
#include "testenv.h"

/* Longest wait for anything the kernel or the host should do. */
#define WAIT_MS 20000

#define __unused_fn __attribute__((unused))

/* Unsigned, like the attributes they are compared with. */
#define ORIGIN_HOTPLUG ((uint32_t)ENI_NOTIFY_ORIGIN_HOTPLUG)
#define ORIGIN_PRESENT ((uint32_t)ENI_NOTIFY_ORIGIN_PRESENT)
#define ORIGIN_NETNS ((uint32_t)ENI_NOTIFY_ORIGIN_NETNS)

/* Every attribute present, valid, and only once. */
#define ASSERT_LINK_WELLFORMED(e)                                             \
	do {                                                                  \
		ASSERT_EQ(0, (e)->nbad) TH_LOG("malformed: %s", (e)->bad_why); \
		ASSERT_EQ(0, (e)->ndup) TH_LOG("duplicated attributes");      \
		ASSERT_EQ(ENI_LINK_REQUIRED, (e)->have & ENI_LINK_REQUIRED)   \
		TH_LOG("attributes missing: mask 0x%x",                       \
		       ENI_LINK_REQUIRED & ~(e)->have);                       \
		ASSERT_EQ(ENI_NOTIFY_FAMILY_VERSION, (e)->version);           \
	} while (0)

/* The message agrees with what rtnetlink says about the same ifindex. */
#define ASSERT_MATCHES_KERNEL(rt, e)                                          \
	do {                                                                  \
		struct rtnl_link __k;                                         \
		char __why[256];                                              \
		int __err = link_get(rt, (int)(e)->ifindex, &__k);            \
		ASSERT_EQ(0, __err) TH_LOG("RTM_GETLINK %u: %s",              \
					   (e)->ifindex, strerror(-__err));   \
		ASSERT_EQ(0, link_vs_kernel(e, &__k, __why, sizeof(__why)))   \
		TH_LOG("%s vs kernel: %s", eni_cmd_name((e)->cmd), __why);    \
	} while (0)

/* Setting up the module: a clear message when the family is missing. */
#define ASSERT_LOAD(params)                                                   \
	do {                                                                  \
		int __err = kmod_load(params);                                \
		ASSERT_EQ(0, __err) TH_LOG("insmod %s %s: %s",                \
					   kmod_eni_path(), params,           \
					   strerror(-__err));                 \
	} while (0)

#define ASSERT_FAMILY_OPEN(s)                                                 \
	do {                                                                  \
		int __err = eni_sock_open_family(s);                          \
		ASSERT_EQ(0, __err)                                           \
		TH_LOG("generic netlink family \"%s\" group \"%s\": %s",      \
		       ENI_NOTIFY_FAMILY_NAME, ENI_NOTIFY_MCGRP_EVENTS,       \
		       __err == -ENOENT ? "not registered (module not loaded?)" \
					: strerror(-__err));                  \
	} while (0)

#define ASSERT_RESET(rt)                                                      \
	do {                                                                  \
		char __why[256];                                              \
		ASSERT_EQ(0, testenv_reset(rt, __why, sizeof(__why)))         \
		TH_LOG("%s", __why);                                          \
	} while (0)

/* No event may be queued now (the kernel sends them synchronously, so
 * after the ACK of the request that caused one, it is already queued). */
#define ASSERT_NO_EVENT(s, what)                                              \
	do {                                                                  \
		struct eni_link __e;                                          \
		char __d[512];                                                \
		if (eni_pending_events(s) > 0) {                              \
			eni_recv_event(s, &__e, 0);                           \
			ASSERT_EQ(0, 1) TH_LOG("unexpected event after %s: %s", \
					       what,                          \
					       eni_link_describe(&__e, __d, sizeof(__d))); \
		}                                                             \
		ASSERT_FALSE((s)->overrun) TH_LOG("events lost (ENOBUFS)");   \
	} while (0)

static void __unused_fn log_event(struct __test_metadata *_metadata,
				  const char *who, const struct eni_link *e)
{
	char d[512];

	TH_LOG("%s: %s", who, eni_link_describe(e, d, sizeof(d)));
}

/* Waits for the next event and checks it is cmd for ifindex, well formed. */
static void __unused_fn expect_event(struct __test_metadata *_metadata,
				     struct eni_sock *s, uint8_t cmd,
				     uint32_t ifindex, struct eni_link *e)
{
	char d[512];
	int err;

	err = eni_recv_event(s, e, WAIT_MS);
	ASSERT_EQ(0, err) TH_LOG("waiting %d ms for %s of ifindex %u: %s",
				 WAIT_MS, eni_cmd_name(cmd), ifindex,
				 strerror(-err));
	eni_link_describe(e, d, sizeof(d));
	ASSERT_EQ(cmd, e->cmd) TH_LOG("expected %s of ifindex %u, got %s",
				      eni_cmd_name(cmd), ifindex, d);
	ASSERT_EQ(ifindex, e->ifindex) TH_LOG("got %s", d);
	ASSERT_LINK_WELLFORMED(e);
}

/* Asserts the kernel log shows no warning, oops or refcount leak. */
static void __unused_fn assert_kernel_clean(struct __test_metadata *_metadata,
					    struct kmsg *km)
{
	const char *bad;

	kmsg_drain(km);
	bad = kmsg_first_trouble(km);
	ASSERT_NULL(bad) TH_LOG("kernel log: %s", bad);
}

#endif
