// SPDX-License-Identifier: GPL-2.0
/* Who manages a link (claim.c), and the keys that defer to another agent: manage,
 * ignore_names, ignore_macs (config_keys.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "claim.h"

static const uint8_t mac_eni[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x0a};
static const uint8_t mac_listed[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x0b};
static const uint8_t mac_prim[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x01};

static void load(struct __test_metadata *_metadata, const char *text, struct enid_config *cfg)
{
	struct config_errors errs;
	int r = config_load_string("enid.conf", text, cfg, &errs);

	for (unsigned i = 0; i < errs.n; i++)
		TH_LOG("%s", errs.msg[i]);
	config_errors_free(&errs);
	ASSERT_EQ(0, r);
}

/* The file fails with exactly this one message. */
static void load_bad(struct __test_metadata *_metadata, const char *text, const char *want)
{
	struct enid_config cfg;
	struct config_errors errs;
	int r = config_load_string("enid.conf", text, &cfg, &errs);

	EXPECT_EQ(-EINVAL, r);
	ASSERT_EQ(1, errs.n);
	EXPECT_STREQ(want, errs.msg[0]);
	config_errors_free(&errs);
}

/* An ENI (ifindex 3, eth1, virtio_net) on a host whose primary (ifindex 2) has the
 * default route. */
static struct claim_facts eni(void)
{
	return (struct claim_facts){
		.ifindex = 3,
		.ifname = "eth1",
		.mac = mac_eni,
		.driver = "virtio_net",
		.route_primary = 2,
	};
}

TEST(keys_parse)
{
	struct enid_config cfg;

	load(_metadata,
	     "[global]\nmanage = listed\nignore_names = terway-* , eth9?  [ab]x\n"
	     "ignore_macs = 00:16:3e:00:00:0a,00:16:3E:00:00:0B\n",
	     &cfg);
	EXPECT_TRUE(cfg.manage_listed);
	ASSERT_EQ(3, cfg.n_ignore_names);
	EXPECT_STREQ("terway-*", cfg.ignore_names[0]);
	EXPECT_STREQ("eth9?", cfg.ignore_names[1]);
	EXPECT_STREQ("[ab]x", cfg.ignore_names[2]);
	ASSERT_EQ(2, cfg.n_ignore_macs);
	EXPECT_EQ(0, memcmp(cfg.ignore_macs[0], mac_eni, 6));
	EXPECT_EQ(0, memcmp(cfg.ignore_macs[1], mac_listed, 6));
	config_free(&cfg);

	load(_metadata, "[global]\nmanage = all\nignore_names =\nignore_macs =\n", &cfg);
	EXPECT_FALSE(cfg.manage_listed);
	EXPECT_EQ(0, cfg.n_ignore_names);
	EXPECT_EQ(0, cfg.n_ignore_macs);
	config_free(&cfg);
}

TEST(keys_errors_name_the_line)
{
	char text[2048];
	size_t n = 0;

	load_bad(_metadata, "[global]\n\nmanage = some\n",
		 "enid.conf:3: manage: \"some\" is not one of all, listed");
	load_bad(_metadata, "[global]\nignore_macs = 00:16:3e:00:00:0a nope\n",
		 "enid.conf:2: ignore_macs: \"nope\" is not a MAC address");
	load_bad(_metadata, "[global]\nignore_names = ok a/b\n",
		 "enid.conf:2: ignore_names: \"a/b\" is not an interface name pattern");
	load_bad(_metadata, "[global]\nignore_names = abcdefghijklmnopqrstuvwxyz0123456789\n",
		 "enid.conf:2: ignore_names: \"abcdefghijklmnopqrstuvwxyz0123456789\" is not an "
		 "interface name pattern");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "[global]\nignore_names =");
	for (int i = 0; i <= ENID_MAX_IGNORE; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " e%d", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	load_bad(_metadata, text, "enid.conf:2: ignore_names: more than 32 patterns");
	load_bad(_metadata, "[global]\nmanage = all\nmanage = listed\n",
		 "enid.conf:3: manage: already set at line 2");
}

TEST(default_config_manages_an_eni_not_the_primary)
{
	struct enid_config cfg;
	struct claim_facts f = eni();
	char buf[160];

	config_defaults(&cfg);
	EXPECT_EQ(CLAIM_MANAGED, claim_decide(&cfg, &f));
	f.ifindex = 2;
	f.mac = mac_prim;
	EXPECT_EQ(CLAIM_PRIMARY_ROUTE, claim_decide(&cfg, &f));
	EXPECT_STREQ("primary", claim_token(CLAIM_PRIMARY_ROUTE));
	EXPECT_STREQ("not managed: the primary (it has the main default route)",
		     claim_describe(&cfg, &f, CLAIM_PRIMARY_ROUTE, buf, sizeof(buf)));
	f = eni();
	f.driver = "veth";
	EXPECT_EQ(CLAIM_DRIVER, claim_decide(&cfg, &f));
	EXPECT_STREQ("driver", claim_token(CLAIM_DRIVER));
	/* the metadata service's word beats the route */
	f = eni();
	f.md_primary = true;
	EXPECT_EQ(CLAIM_PRIMARY_METADATA, claim_decide(&cfg, &f));
	config_free(&cfg);
}

/* No default route yet (boot): the lowest-ifindex link of a listed driver without a
 * [MAC] section is the primary; a [MAC] section makes a link an ENI. */
TEST(boot_rule_without_a_default_route)
{
	struct enid_config cfg;
	struct claim_facts f = eni();

	config_defaults(&cfg);
	f.route_primary = 0;
	f.first_listed = 2;
	EXPECT_EQ(CLAIM_MANAGED, claim_decide(&cfg, &f));
	f.first_listed = 3;
	EXPECT_EQ(CLAIM_PRIMARY_FIRST, claim_decide(&cfg, &f));
	EXPECT_TRUE(claim_primary_candidate(&cfg, "virtio_net", mac_eni));
	EXPECT_FALSE(claim_primary_candidate(&cfg, "veth", mac_eni));
	config_free(&cfg);

	load(_metadata, "[00:16:3e:00:00:0a]\naddress = 10.0.0.10/24\n", &cfg);
	EXPECT_FALSE(claim_primary_candidate(&cfg, "virtio_net", mac_eni));
	EXPECT_EQ(CLAIM_MANAGED, claim_decide(&cfg, &f));
	config_free(&cfg);
}

/* primary = decides alone: the route's link is then an ENI like any other. */
TEST(primary_key_decides)
{
	struct enid_config cfg;
	struct claim_facts f = eni();

	load(_metadata, "[global]\nprimary = eth1\n", &cfg);
	EXPECT_EQ(CLAIM_PRIMARY_CONFIG, claim_decide(&cfg, &f));
	f.ifindex = 2;
	f.ifname = "eth0";
	f.mac = mac_prim;
	EXPECT_EQ(CLAIM_MANAGED, claim_decide(&cfg, &f));
	config_free(&cfg);
	load(_metadata, "[global]\nprimary = 00:16:3e:00:00:0a\n", &cfg);
	f = eni();
	EXPECT_EQ(CLAIM_PRIMARY_CONFIG, claim_decide(&cfg, &f));
	config_free(&cfg);
}

TEST(deferral_reasons)
{
	struct enid_config cfg;
	struct claim_facts f = eni();
	char buf[160];

	load(_metadata,
	     "[global]\nignore_names = terway-* eth9*\nignore_macs = 00:16:3e:00:00:0c\n"
	     "[00:16:3e:00:00:0d]\nunmanaged = yes\n",
	     &cfg);
	EXPECT_EQ(CLAIM_MANAGED, claim_decide(&cfg, &f));
	f.ifname = "eth91";
	EXPECT_EQ(CLAIM_IGNORE_NAME, claim_decide(&cfg, &f));
	EXPECT_STREQ("ignore-names", claim_token(CLAIM_IGNORE_NAME));
	EXPECT_STREQ("not managed: name matches ignore_names 'eth9*'",
		     claim_describe(&cfg, &f, CLAIM_IGNORE_NAME, buf, sizeof(buf)));
	f.ifname = "terway-eni3";
	EXPECT_EQ(CLAIM_IGNORE_NAME, claim_decide(&cfg, &f));
	f = eni();
	f.mac = (const uint8_t[6]){0x00, 0x16, 0x3e, 0x00, 0x00, 0x0c};
	EXPECT_EQ(CLAIM_IGNORE_MAC, claim_decide(&cfg, &f));
	EXPECT_STREQ("not managed: MAC 00:16:3e:00:00:0c is in ignore_macs",
		     claim_describe(&cfg, &f, CLAIM_IGNORE_MAC, buf, sizeof(buf)));
	f.mac = (const uint8_t[6]){0x00, 0x16, 0x3e, 0x00, 0x00, 0x0d};
	EXPECT_EQ(CLAIM_UNMANAGED, claim_decide(&cfg, &f));
	EXPECT_STREQ("unmanaged", claim_token(CLAIM_UNMANAGED));
	/* the primary stays the primary whatever the deferral keys say */
	f = eni();
	f.ifname = "eth9";
	f.route_primary = 3;
	EXPECT_EQ(CLAIM_PRIMARY_ROUTE, claim_decide(&cfg, &f));
	config_free(&cfg);
}

TEST(manage_listed)
{
	struct enid_config cfg;
	struct claim_facts f = eni();
	char buf[160];

	load(_metadata, "[global]\nmanage = listed\n[00:16:3e:00:00:0b]\naddressing = metadata\n",
	     &cfg);
	EXPECT_EQ(CLAIM_NOT_LISTED, claim_decide(&cfg, &f));
	EXPECT_STREQ("not-listed", claim_token(CLAIM_NOT_LISTED));
	EXPECT_STREQ("not managed: manage = listed and no [00:16:3e:00:00:0a] section",
		     claim_describe(&cfg, &f, CLAIM_NOT_LISTED, buf, sizeof(buf)));
	f.mac = mac_listed;
	EXPECT_EQ(CLAIM_MANAGED, claim_decide(&cfg, &f));
	EXPECT_STREQ("invalid-config", claim_token(CLAIM_BAD_CONFIG));
	config_free(&cfg);
}

TEST_HARNESS_MAIN
