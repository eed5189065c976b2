// SPDX-License-Identifier: GPL-2.0
/* enid.conf parser: good files, and bad files with every message checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "kselftest_harness.h"
#include "config.h"

#ifndef ENID_SRC_DIR
#define ENID_SRC_DIR "daemon"
#endif

static const uint8_t mac1[6] = { 0x00, 0x16, 0x3e, 0xaa, 0xbb, 0xcc };
static const uint8_t mac2[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x02 };

static int load(const char *text, struct enid_config *cfg, struct config_errors *errs)
{
	return config_load_string("enid.conf", text, cfg, errs);
}

static void print_errors(const struct config_errors *errs)
{
	for (unsigned i = 0; i < errs->n; i++)
		printf("#   got: %s\n", errs->msg[i]);
}

/* The file must fail with exactly these messages, in this order (NULL-terminated). */
static void check_errors(struct __test_metadata *_metadata, const char *text,
			 const char *const *want)
{
	struct enid_config cfg;
	struct config_errors errs;
	unsigned n = 0;
	int r;

	memset(&cfg, 0x5a, sizeof(cfg));
	r = load(text, &cfg, &errs);
	EXPECT_EQ(-EINVAL, r);
	while (want[n])
		n++;
	EXPECT_EQ(n, errs.n) print_errors(&errs);
	for (unsigned i = 0; i < n && i < errs.n; i++)
		EXPECT_STREQ(want[i], errs.msg[i]);
	/* the caller's config is untouched on failure */
	EXPECT_EQ(0x5a5a5a5a, (unsigned)cfg.source);
	config_errors_free(&errs);
}

static void ip4(struct __test_metadata *_metadata, const struct enid_ip *ip, const char *want,
		unsigned plen)
{
	char buf[ENID_IP_STRLEN];

	EXPECT_EQ(AF_INET, ip->family);
	EXPECT_STREQ(want, enid_ip_format(ip, false, buf, sizeof(buf)));
	EXPECT_EQ(plen, ip->prefixlen);
}

static void ip6(struct __test_metadata *_metadata, const struct enid_ip *ip, const char *want,
		unsigned plen)
{
	char buf[ENID_IP_STRLEN];

	EXPECT_EQ(AF_INET6, ip->family);
	EXPECT_STREQ(want, enid_ip_format(ip, false, buf, sizeof(buf)));
	EXPECT_EQ(plen, ip->prefixlen);
}

static void expect_defaults(struct __test_metadata *_metadata, const struct enid_config *cfg)
{
	EXPECT_EQ(ENID_SOURCE_AUTO, cfg->source);
	EXPECT_EQ(ENID_ADDRESSING_AUTO, cfg->addressing);
	EXPECT_EQ(1, cfg->n_drivers);
	EXPECT_STREQ("virtio_net", cfg->drivers[0]);
	EXPECT_EQ(1000, cfg->table_base);
	EXPECT_EQ(10000, cfg->rule_pref_base);
	EXPECT_EQ(2000, cfg->metric_base);
	EXPECT_STREQ("", cfg->primary_ifname);
	EXPECT_FALSE(cfg->has_primary_mac);
	EXPECT_EQ(1, cfg->arp_ignore);
	EXPECT_EQ(2, cfg->arp_announce);
	EXPECT_TRUE(cfg->gratuitous_arp);
	EXPECT_TRUE(cfg->host_arp_filter);
	EXPECT_FALSE(cfg->default_route);
	EXPECT_EQ(ENID_UDEV_AUTO, cfg->udev);
	EXPECT_STREQ("http://100.100.100.200/latest/meta-data/", cfg->metadata_url);
	EXPECT_EQ(5000, cfg->metadata_timeout_ms);
	EXPECT_EQ(60, cfg->metadata_deadline_s);
	EXPECT_EQ(MD_TOKEN_AUTO, cfg->metadata_token);
	EXPECT_EQ(21600, cfg->metadata_token_ttl);
	EXPECT_EQ(0, cfg->metadata_refresh_interval);
	EXPECT_EQ(8, cfg->prefix.v4_min);
	EXPECT_EQ(30, cfg->prefix.v4_max);
	EXPECT_EQ(48, cfg->prefix.v6_min);
	EXPECT_EQ(128, cfg->prefix.v6_max);
}

TEST(empty_file_gives_defaults)
{
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load("", &cfg, &errs));
	EXPECT_EQ(0, errs.n);
	expect_defaults(_metadata, &cfg);
	EXPECT_EQ(0, cfg.n_enis);
	config_free(&cfg);
	config_defaults(&cfg);
	expect_defaults(_metadata, &cfg);
}

TEST(global_every_key)
{
	static const char text[] =
		"[global]\n"
		"source = rtnl\n"
		"addressing = static\n"
		"drivers = virtio_net, ena ,gve,veth\n"
		"table_base = 255\n"
		"rule_pref_base = 31486\n"
		"metric_base = 0\n"
		"primary = eth0\n"
		"arp_ignore = 8\n"
		"arp_announce = 0\n"
		"default_route = yes\n"
		"udev = no\n"
		"gratuitous_arp = no\n"
		"host_arp_filter = No\n";
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(ENID_SOURCE_RTNL, cfg.source);
	EXPECT_EQ(ENID_ADDRESSING_STATIC, cfg.addressing);
	ASSERT_EQ(4, cfg.n_drivers);
	EXPECT_STREQ("virtio_net", cfg.drivers[0]);
	EXPECT_STREQ("ena", cfg.drivers[1]);
	EXPECT_STREQ("gve", cfg.drivers[2]);
	EXPECT_STREQ("veth", cfg.drivers[3]);
	EXPECT_TRUE(config_driver_managed(&cfg, "gve"));
	EXPECT_FALSE(config_driver_managed(&cfg, "e1000"));
	EXPECT_EQ(255, cfg.table_base);
	EXPECT_EQ(31486, cfg.rule_pref_base);
	EXPECT_EQ(0, cfg.metric_base);
	EXPECT_STREQ("eth0", cfg.primary_ifname);
	EXPECT_FALSE(cfg.has_primary_mac);
	EXPECT_TRUE(config_names_primary(&cfg, "eth0", mac1));
	EXPECT_FALSE(config_names_primary(&cfg, "eth1", mac1));
	EXPECT_EQ(8, cfg.arp_ignore);
	EXPECT_EQ(0, cfg.arp_announce);
	EXPECT_TRUE(cfg.default_route);
	EXPECT_EQ(ENID_UDEV_NO, cfg.udev);
	EXPECT_FALSE(cfg.gratuitous_arp);
	EXPECT_FALSE(cfg.host_arp_filter);
	config_free(&cfg);
}

TEST(global_upper_bounds_and_case)
{
	static const char text[] =
		"[Global]\n"
		"SOURCE = GENL\n"
		"table_base = 4294967040\n"
		"rule_pref_base = 2\n"
		"metric_base = 4294967040\n"
		"primary = 00:16:3E:AA:BB:CC\n"
		"default_route = off\n"
		"udev = yes\n";
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(ENID_SOURCE_GENL, cfg.source);
	EXPECT_EQ(0xFFFFFF00U, cfg.table_base);
	EXPECT_EQ(2, cfg.rule_pref_base);
	EXPECT_EQ(0xFFFFFF00U, cfg.metric_base);
	EXPECT_TRUE(cfg.has_primary_mac);
	EXPECT_EQ(0, memcmp(cfg.primary_mac, mac1, 6));
	EXPECT_TRUE(config_names_primary(&cfg, "whatever", mac1));
	EXPECT_FALSE(config_names_primary(&cfg, "whatever", mac2));
	EXPECT_FALSE(cfg.default_route);
	EXPECT_EQ(ENID_UDEV_YES, cfg.udev);
	config_free(&cfg);
}

TEST(mac_sections)
{
	static const char text[] =
		"; a comment\n"
		"# another one\n"
		"[global]\n"
		"default_route = no\n"
		"\n"
		"[00:16:3E:AA:BB:CC]\r\n"
		"address = 10.0.0.10/24 ; the primary\r\n"
		"  address = 10.0.0.11/24\n"
		"address=10.1.0.5/16\n"
		"address = 2001:db8::10/64\n"
		"gateway = 10.0.0.253\n"
		"gateway6 = fe80::1\n"
		"mtu = 9000\n"
		"default_route = yes\n"
		"[00:16:3e:00:00:02]\n"
		"unmanaged = yes\n"
		"[00:16:3e:00:00:03]\n";
	struct enid_config cfg;
	struct config_errors errs;
	const struct enid_eni_config *e;
	const uint8_t mac3[6] = { 0x00, 0x16, 0x3e, 0, 0, 3 };
	const uint8_t mac4[6] = { 0x00, 0x16, 0x3e, 0, 0, 4 };

	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	ASSERT_EQ(3, cfg.n_enis);
	e = config_find_mac(&cfg, mac1);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(6, e->line);
	ASSERT_EQ(4, e->n_addrs);
	ip4(_metadata, &e->addrs[0], "10.0.0.10", 24);
	ip4(_metadata, &e->addrs[1], "10.0.0.11", 24);
	ip4(_metadata, &e->addrs[2], "10.1.0.5", 16);
	ip6(_metadata, &e->addrs[3], "2001:db8::10", 64);
	EXPECT_EQ(7, e->addr_line[0]);
	EXPECT_EQ(10, e->addr_line[3]);
	ip4(_metadata, &e->gateway4, "10.0.0.253", 32);
	ip6(_metadata, &e->gateway6, "fe80::1", 128);
	EXPECT_EQ(9000, e->mtu);
	EXPECT_FALSE(e->unmanaged);
	EXPECT_EQ(1, e->default_route);
	EXPECT_TRUE(config_default_route(&cfg, mac1));

	e = config_find_mac(&cfg, mac2);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(e->unmanaged);
	EXPECT_EQ(0, e->n_addrs);
	EXPECT_EQ(-1, e->default_route);
	EXPECT_FALSE(config_default_route(&cfg, mac2));

	e = config_find_mac(&cfg, mac3);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, e->n_addrs);
	EXPECT_EQ(0, e->mtu);
	EXPECT_EQ(0, e->gateway4.family);
	EXPECT_EQ(0, e->gateway6.family);
	EXPECT_EQ(NULL, config_find_mac(&cfg, mac4));
	config_free(&cfg);
}

TEST(sixty_four_addresses_fit)
{
	char text[4096];
	size_t n = 0;
	struct enid_config cfg;
	struct config_errors errs;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "[00:16:3e:aa:bb:cc]\n");
	for (int i = 0; i < ENID_MAX_ADDRS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "address = 10.0.1.%d/24\n", i + 1);
	ASSERT_LT(n, sizeof(text));
	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(ENID_MAX_ADDRS, cfg.enis[0].n_addrs);
	config_free(&cfg);
}

/* The example documents every key: uncommented, it parses, and its global values are the defaults. */
TEST(example_file)
{
	const char *path = ENID_SRC_DIR "/enid.conf.example";
	static const char *const keys[] = { "source", "addressing", "drivers", "table_base",
		"rule_pref_base", "metric_base", "primary", "arp_ignore", "arp_announce",
		"default_route", "udev", "metadata_url", "metadata_timeout_ms", "metadata_deadline_s",
		"metadata_token", "metadata_token_ttl", "metadata_refresh_interval", "gratuitous_arp", "host_arp_filter", "ipv4_prefix_min",
		"ipv4_prefix_max", "ipv6_prefix_min", "ipv6_prefix_max", "address", "gateway", "gateway6", "mtu", "unmanaged",
		"manage", "ignore_names", "ignore_macs" };
	struct enid_config cfg;
	struct config_errors errs;
	char *text, *out, *line, *save;
	FILE *f;
	long size;

	ASSERT_EQ(0, config_load(path, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(0, cfg.n_enis);
	config_free(&cfg);

	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	out = calloc(1, (size_t)size + 1);
	ASSERT_EQ((size_t)size, fread(text, 1, (size_t)size, f));
	fclose(f);
	/* "#key = v" and "#[section]" are examples; "# text" is prose */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' && line[1] && line[1] != ' ')
			line++;
		strcat(out, line);
		strcat(out, "\n");
	}
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char pat[64];

		snprintf(pat, sizeof(pat), "\n%s =", keys[i]);
		EXPECT_NE(NULL, strstr(out, pat)) TH_LOG("key %s is not documented", keys[i]);
	}
	ASSERT_EQ(0, config_load_string("example", out, &cfg, &errs)) print_errors(&errs);
	expect_defaults(_metadata, &cfg);
	ASSERT_EQ(1, cfg.n_enis);
	EXPECT_EQ(3, cfg.enis[0].n_addrs);
	EXPECT_EQ(1500, cfg.enis[0].mtu);
	config_free(&cfg);
	free(text);
	free(out);
}

TEST(load_from_file_and_missing_file)
{
	char path[] = "/tmp/enid-config-test.XXXXXX";
	struct enid_config cfg;
	struct config_errors errs;
	char want[128];
	int fd = mkstemp(path);
	static const char text[] = "[global]\nmtu = 1500\n";

	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)strlen(text), write(fd, text, strlen(text)));
	close(fd);
	EXPECT_EQ(-EINVAL, config_load(path, &cfg, &errs));
	ASSERT_EQ(1, errs.n);
	snprintf(want, sizeof(want), "%s:2: unknown key \"mtu\" in [global]", path);
	EXPECT_STREQ(want, errs.msg[0]);
	config_errors_free(&errs);
	unlink(path);

	EXPECT_EQ(-ENOENT, config_load(path, &cfg, &errs));
	ASSERT_EQ(1, errs.n);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	EXPECT_STREQ(want, errs.msg[0]);
	config_errors_free(&errs);
}

TEST(directory_and_nul_byte)
{
	char dir[] = "/tmp/enid-config-dir.XXXXXX";
	char path[64];
	struct enid_config cfg;
	struct config_errors errs;
	char want[128];
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	EXPECT_EQ(-EISDIR, config_load(dir, &cfg, &errs));
	ASSERT_EQ(1, errs.n);
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	EXPECT_STREQ(want, errs.msg[0]);
	config_errors_free(&errs);

	snprintf(path, sizeof(path), "%s/enid.conf", dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fwrite("[global]\n\0\n", 1, 11, f);
	fclose(f);
	EXPECT_EQ(-EINVAL, config_load(path, &cfg, &errs));
	ASSERT_EQ(1, errs.n);
	snprintf(want, sizeof(want), "%s: contains a NUL byte", path);
	EXPECT_STREQ(want, errs.msg[0]);
	config_errors_free(&errs);
	unlink(path);
	rmdir(dir);
}

TEST(section_name_blanks_ignored)
{
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load("[ global ]\nudev = no\n[ 00:16:3e:aa:bb:cc ]\nmtu = 1500\n", &cfg,
			  &errs)) print_errors(&errs);
	EXPECT_EQ(ENID_UDEV_NO, cfg.udev);
	ASSERT_NE(NULL, config_find_mac(&cfg, mac1));
	config_free(&cfg);
}

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>

/* Sanitizer build only: every path through the parser frees what it took. */
TEST(no_leaks)
{
	static const char *const texts[] = {
		"",
		"[global]\ndrivers = a,b\n[00:16:3e:aa:bb:cc]\naddress = 10.0.0.1/24\n",
		"[global\nx\n[foo]\n[00:16:3e:aa:bb:cc]\n[00:16:3e:aa:bb:cc]\nmtu = 1\n",
		"[00:16:3e:aa:bb:cc]\ngateway = 10.1.1.1\naddress = 10.0.0.1/24\n",
	};
	struct enid_config cfg;
	struct config_errors errs;

	for (unsigned i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (load(texts[i], &cfg, &errs) == 0)
			config_free(&cfg);
		config_errors_free(&errs);
	}
	if (config_load("/nonexistent/enid.conf", &cfg, &errs) == 0)
		config_free(&cfg);
	config_errors_free(&errs);
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check());
}
#endif

TEST(bad_mtu)
{
	static const char text[] =
		"[00:16:3e:aa:bb:cc]\n"
		"address = 10.0.0.10/24\n"
		"mtu = 70000\n"
		"[00:16:3e:00:00:02]\n"
		"mtu = 67\n"
		"[00:16:3e:00:00:03]\n"
		"mtu = 1500x\n"
		"[00:16:3e:00:00:04]\n"
		"mtu = -1\n"
		"[00:16:3e:00:00:05]\n"
		"mtu =\n";
	static const char *const want[] = {
		"enid.conf:3: mtu: \"70000\" is not in 68..65535",
		"enid.conf:5: mtu: \"67\" is not in 68..65535",
		"enid.conf:7: mtu: \"1500x\" is not in 68..65535",
		"enid.conf:9: mtu: \"-1\" is not in 68..65535",
		"enid.conf:11: mtu: \"\" is not in 68..65535",
		NULL,
	};

	check_errors(_metadata, text, want);
}

TEST(metadata_keys)
{
	static const char text[] =
		"[global]\n"
		"addressing = metadata\n"
		"metadata_url = http://127.0.0.1:8080/imds/latest/meta-data\n"
		"metadata_timeout_ms = 100\n"
		"metadata_deadline_s = 86400\n"
		"metadata_token = required\n"
		"metadata_token_ttl = 1\n"
		"metadata_refresh_interval = 10\n";
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(ENID_ADDRESSING_METADATA, cfg.addressing);
	EXPECT_STREQ("http://127.0.0.1:8080/imds/latest/meta-data/", cfg.metadata_url);
	EXPECT_EQ(100, cfg.metadata_timeout_ms);
	EXPECT_EQ(86400, cfg.metadata_deadline_s);
	EXPECT_EQ(MD_TOKEN_REQUIRED, cfg.metadata_token);
	EXPECT_EQ(1, cfg.metadata_token_ttl);
	EXPECT_EQ(10, cfg.metadata_refresh_interval);
	config_free(&cfg);

	ASSERT_EQ(0, load("[global]\nmetadata_token = OFF\nmetadata_refresh_interval = 0\n"
			  "metadata_url = http://100.100.100.200/latest/meta-data/\n",
			  &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(MD_TOKEN_OFF, cfg.metadata_token);
	EXPECT_EQ(0, cfg.metadata_refresh_interval);
	EXPECT_STREQ("http://100.100.100.200/latest/meta-data/", cfg.metadata_url);
	config_free(&cfg);
}

TEST(bad_metadata_values_all_collected)
{
	static const char text[] =
		"[global]\n"
		"metadata_url = https://100.100.100.200/latest/meta-data/\n"
		"metadata_url = http://100.100.100.200/latest/\n"
		"metadata_timeout_ms = 99\n"
		"metadata_deadline_s = 0\n"
		"metadata_token = sometimes\n"
		"metadata_token_ttl = 21601\n"
		"metadata_refresh_interval = 9\n"
		"[global2]\n"
		"[00:16:3e:00:00:02]\n"
		"metadata_token = off\n";
	static const char *const want[] = {
		"enid.conf:2: metadata_url: \"https://100.100.100.200/latest/meta-data/\" is not an "
		"http:// URL ending in /latest/meta-data/",
		"enid.conf:3: metadata_url: already set at line 2",
		"enid.conf:4: metadata_timeout_ms: \"99\" is not in 100..60000",
		"enid.conf:5: metadata_deadline_s: \"0\" is not in 1..86400",
		"enid.conf:6: metadata_token: \"sometimes\" is not one of auto, required, off",
		"enid.conf:7: metadata_token_ttl: \"21601\" is not in 1..21600",
		"enid.conf:8: metadata_refresh_interval: \"9\" is not 0 (off) or in 10..604800",
		"enid.conf:9: unknown section [global2]: expected [global] or [<MAC address>]",
		"enid.conf:11: unknown key \"metadata_token\" in [00:16:3e:00:00:02]",
		NULL,
	};

	check_errors(_metadata, text, want);
	check_errors(_metadata, "[global]\nmetadata_url = http:///latest/meta-data/\n",
		     (const char *const[]){ "enid.conf:2: metadata_url: \"http:///latest/meta-data/\" "
					    "is not an http:// URL ending in /latest/meta-data/", NULL });
	check_errors(_metadata, "[global]\nmetadata_url = http://h/latest/meta-data/?x\n",
		     (const char *const[]){ "enid.conf:2: metadata_url: \"http://h/latest/meta-data/?x\" "
					    "is not an http:// URL ending in /latest/meta-data/", NULL });
	/* enid resolves no names: a host name is refused where it is written */
	check_errors(_metadata, "[global]\nmetadata_url = http://metadata.internal/latest/meta-data/\n",
		     (const char *const[]){ "enid.conf:2: metadata_url: \"http://metadata.internal/latest/"
					    "meta-data/\": host name \"metadata.internal\": enid resolves "
					    "no names, use an IP address", NULL });
	check_errors(_metadata, "[global]\nmetadata_url = http://1.2.3.4:99999/latest/meta-data/\n",
		     (const char *const[]){ "enid.conf:2: metadata_url: \"http://1.2.3.4:99999/latest/"
					    "meta-data/\": bad port", NULL });
}

TEST(bad_global_values_all_collected)
{
	static const char text[] =
		"[global]\n"
		"source = kernel\n"
		"addressing = bootp\n"
		"drivers = virtio_net,,ena\n"
		"table_base = 254\n"
		"rule_pref_base = 31487\n"
		"metric_base = 4294967041\n"
		"primary = eth0:1\n"
		"arp_ignore = 4\n"
		"arp_announce = 3\n"
		"default_route = maybe\n"
		"udev = sometimes\n"
		"gratuitous_arp = y\n"
		"host_arp_filter = nein\n";
	static const char *const want[] = {
		"enid.conf:2: source: \"kernel\" is not one of auto, genl, rtnl",
		"enid.conf:3: addressing: \"bootp\" is not one of auto, static, metadata, dhcp",
		"enid.conf:4: drivers: \"virtio_net,,ena\" has an empty entry",
		"enid.conf:5: table_base: \"254\" is not in 255..4294967040",
		"enid.conf:6: rule_pref_base: \"31487\" is not in 2..31486",
		"enid.conf:7: metric_base: \"4294967041\" is not in 0..4294967040",
		"enid.conf:8: primary: \"eth0:1\" is not an interface name or a MAC address",
		"enid.conf:9: arp_ignore: \"4\" is not one of 0, 1, 2, 3, 8",
		"enid.conf:10: arp_announce: \"3\" is not in 0..2",
		"enid.conf:11: default_route: \"maybe\" is not yes or no",
		"enid.conf:12: udev: \"sometimes\" is not one of auto, yes, no",
		"enid.conf:13: gratuitous_arp: \"y\" is not yes or no",
		"enid.conf:14: host_arp_filter: \"nein\" is not yes or no",
		NULL,
	};

	check_errors(_metadata, text, want);
}

TEST(bad_numbers)
{
	static const char text[] =
		"[global]\n"
		"table_base = 0\n"
		"rule_pref_base = 0\n"
		"metric_base = 0x10\n"
		"arp_ignore = 99999999999\n"
		"arp_announce = +1\n";
	static const char *const want[] = {
		"enid.conf:2: table_base: \"0\" is not in 255..4294967040",
		"enid.conf:3: rule_pref_base: \"0\" is not in 2..31486",
		"enid.conf:4: metric_base: \"0x10\" is not in 0..4294967040",
		"enid.conf:5: arp_ignore: \"99999999999\" is not one of 0, 1, 2, 3, 8",
		"enid.conf:6: arp_announce: \"+1\" is not in 0..2",
		NULL,
	};

	check_errors(_metadata, text, want);
}

TEST(bad_drivers)
{
	static const char text[] =
		"[global]\n"
		"drivers =\n"
		"[global]\n"
		"drivers = virtio net\n"
		"[global]\n"
		"drivers = a,b,c,d,e,f,g,h,i\n"
		"[global]\n"
		"drivers = a_driver_name_of_thirty_two_chars\n";
	static const char *const want[] = {
		"enid.conf:2: drivers: \"\" has an empty entry",
		"enid.conf:3: duplicate section [global] (first at line 1)",
		"enid.conf:5: duplicate section [global] (first at line 1)",
		"enid.conf:7: duplicate section [global] (first at line 1)",
		NULL,
	};
	static const char text2[] =
		"[global]\n"
		"drivers = virtio net\n";
	static const char *const want2[] = {
		"enid.conf:2: drivers: \"virtio net\" is not a driver name",
		NULL,
	};
	static const char text3[] =
		"[global]\n"
		"drivers = a,b,c,d,e,f,g,h,i\n";
	static const char *const want3[] = {
		"enid.conf:2: drivers: more than 8 drivers",
		NULL,
	};
	static const char text4[] =
		"[global]\n"
		"drivers = virtio_net, a_driver_name_of_thirty_two_chars\n";
	static const char *const want4[] = {
		"enid.conf:2: drivers: \"a_driver_name_of_thirty_two_chars\" is not a driver name",
		NULL,
	};

	check_errors(_metadata, text, want);
	check_errors(_metadata, text2, want2);
	check_errors(_metadata, text3, want3);
	check_errors(_metadata, text4, want4);
}

TEST(bad_sections_and_keys)
{
	static const char text[] =
		"source = auto\n"
		"[global]\n"
		"mtu = 1500\n"
		"[interfaces]\n"
		"address = 10.0.0.1/24\n"
		"[00:16:3e:aa:bb:cc]\n"
		"address = 10.0.0.10/24\n"
		"adress = 10.0.0.11/24\n"
		"source = rtnl\n"
		"[00:16:3E:AA:BB:CC]\n"
		"address = 10.0.0.12/24\n"
		"[00:16:3e:aa:bb]\n"
		"[00:16:3e:aa:bb:cc:dd]\n";
	static const char *const want[] = {
		"enid.conf:1: key \"source\" is outside any section",
		"enid.conf:3: unknown key \"mtu\" in [global]",
		"enid.conf:4: unknown section [interfaces]: expected [global] or [<MAC address>]",
		"enid.conf:8: unknown key \"adress\" in [00:16:3e:aa:bb:cc]; did you mean \"address\"?",
		"enid.conf:9: unknown key \"source\" in [00:16:3e:aa:bb:cc]",
		"enid.conf:10: duplicate section [00:16:3e:aa:bb:cc] (first at line 6)",
		"enid.conf:12: unknown section [00:16:3e:aa:bb]: expected [global] or [<MAC address>]",
		"enid.conf:13: unknown section [00:16:3e:aa:bb:cc:dd]: expected [global] or [<MAC address>]",
		NULL,
	};

	check_errors(_metadata, text, want);
}

TEST(bad_addresses)
{
	static const char text[] =
		"[00:16:3e:aa:bb:cc]\n"
		"address = 10.0.0.10/24\n"
		"address = 10.0.0.10/24\n"
		"address = 10.0.0.10/16\n"
		"address = 10.0.0.11/33\n"
		"address = 10.0.0.12/0\n"
		"address = 10.0.0.13\n"
		"address = 10.0.0.300/24\n"
		"address = eth0\n"
		"address = 2001:db8::1/129\n"
		"address = 127.0.0.2/8\n"
		"address = 224.0.0.1/24\n"
		"address = 0.0.0.0/24\n"
		"address = ::/64\n"
		"address = ::1/128\n"
		"address = ff02::1/64\n"
		"address = 10.0.0.14/24/24\n"
		"address = 10.0.0.15/ 24\n"
		"[00:16:3e:00:00:02]\n"
		"address = 10.0.0.10/24\n"
		"address = 2001:db8::10/64\n"
		"address = 2001:DB8:0::10/64\n";
	static const char *const want[] = {
		"enid.conf:3: address: \"10.0.0.10/24\" duplicates line 2",
		"enid.conf:4: address: \"10.0.0.10/16\" duplicates line 2",
		"enid.conf:5: address: \"10.0.0.11/33\" prefix is not in 1..32",
		"enid.conf:6: address: \"10.0.0.12/0\" prefix is not in 1..32",
		"enid.conf:7: address: \"10.0.0.13\" has no /prefix",
		"enid.conf:8: address: \"10.0.0.300/24\" is not an IPv4 or IPv6 address",
		"enid.conf:9: address: \"eth0\" is not an IPv4 or IPv6 address",
		"enid.conf:10: address: \"2001:db8::1/129\" prefix is not in 1..128",
		"enid.conf:11: address: \"127.0.0.2/8\" is not a unicast address",
		"enid.conf:12: address: \"224.0.0.1/24\" is not a unicast address",
		"enid.conf:13: address: \"0.0.0.0/24\" is not a unicast address",
		"enid.conf:14: address: \"::/64\" is not a unicast address",
		"enid.conf:15: address: \"::1/128\" is not a unicast address",
		"enid.conf:16: address: \"ff02::1/64\" is not a unicast address",
		"enid.conf:17: address: \"10.0.0.14/24/24\" prefix is not in 1..32",
		"enid.conf:18: address: \"10.0.0.15/ 24\" prefix is not in 1..32",
		"enid.conf:20: address: \"10.0.0.10/24\" duplicates line 2",
		"enid.conf:22: address: \"2001:DB8:0::10/64\" duplicates line 21",
		NULL,
	};

	check_errors(_metadata, text, want);
}

TEST(too_many_addresses)
{
	char text[4096];
	size_t n = 0;
	char want65[80];
	const char *want[2] = { want65, NULL };

	n += (size_t)snprintf(text + n, sizeof(text) - n, "[00:16:3e:aa:bb:cc]\n");
	for (int i = 0; i < ENID_MAX_ADDRS + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "address = 10.0.1.%d/24\n", i + 1);
	ASSERT_LT(n, sizeof(text));
	snprintf(want65, sizeof(want65), "enid.conf:%d: address: more than 64 addresses",
		 ENID_MAX_ADDRS + 2);
	check_errors(_metadata, text, want);
}

TEST(bad_gateways)
{
	static const char text[] =
		"[00:16:3e:aa:bb:cc]\n"
		"gateway = 10.9.9.9\n"
		"address = 10.0.0.10/24\n"
		"address = 10.1.0.10/16\n"
		"address = 2001:db8::10/64\n"
		"[00:16:3e:00:00:02]\n"
		"address = 10.2.0.10/24\n"
		"gateway = 10.2.0.1/24\n"
		"gateway6 = 10.2.0.1\n"
		"[00:16:3e:00:00:03]\n"
		"gateway = fe80::1\n"
		"gateway6 = ff02::2\n"
		"[00:16:3e:00:00:04]\n"
		"gateway = 10.3.0.1\n"
		"gateway6 = fe80::1%eth0\n"
		"[00:16:3e:00:00:05]\n"
		"address = 10.4.0.10/24\n"
		"gateway = 10.4.0.253\n"
		"address = 10.5.0.10/24\n"
		"gateway = 10.5.0.1\n";
	static const char *const want[] = {
		"enid.conf:2: gateway: \"10.9.9.9\" is not inside any IPv4 subnet of [00:16:3e:aa:bb:cc]",
		"enid.conf:8: gateway: \"10.2.0.1/24\" is not an IPv4 address",
		"enid.conf:9: gateway6: \"10.2.0.1\" is not an IPv6 address",
		"enid.conf:11: gateway: \"fe80::1\" is not an IPv4 address",
		"enid.conf:12: gateway6: \"ff02::2\" is not an IPv6 address",
		"enid.conf:14: gateway: \"10.3.0.1\" is not inside any IPv4 subnet of [00:16:3e:00:00:04]",
		"enid.conf:15: gateway6: \"fe80::1%eth0\" is not an IPv6 address",
		"enid.conf:20: gateway: already set at line 18",
		NULL,
	};

	check_errors(_metadata, text, want);
}

TEST(bad_eni_values_and_repeated_keys)
{
	static const char text[] =
		"[global]\n"
		"udev = no\n"
		"udev = yes\n"
		"[00:16:3e:aa:bb:cc]\n"
		"unmanaged = sure\n"
		"default_route = 2\n"
		"mtu = 1500\n"
		"mtu = 9000\n"
		"unmanaged = no\n"
		"[00:16:3e:00:00:02]\n"
		"mtu = 1500\n";
	static const char *const want[] = {
		"enid.conf:3: udev: already set at line 2",
		"enid.conf:5: unmanaged: \"sure\" is not yes or no",
		"enid.conf:6: default_route: \"2\" is not yes or no",
		"enid.conf:8: mtu: already set at line 7",
		"enid.conf:9: unmanaged: already set at line 5",
		NULL,
	};

	check_errors(_metadata, text, want);
}

TEST(syntax_errors_all_reported_in_line_order)
{
	static const char text[] =
		"[global\n"
		"source = rtnl\n"
		"just some words\n"
		"[00:16:3e:aa:bb:cc]\n"
		"mtu = 10\n"
		"= 1500\n"
		"address\n";
	static const char *const want[] = {
		"enid.conf:1: section header has no \"]\"",
		"enid.conf:2: key \"source\" is outside any section",
		"enid.conf:3: expected \"[section]\" or \"key = value\"",
		"enid.conf:5: mtu: \"10\" is not in 68..65535",
		"enid.conf:6: expected \"[section]\" or \"key = value\"",
		"enid.conf:7: expected \"[section]\" or \"key = value\"",
		NULL,
	};

	check_errors(_metadata, text, want);
}

/* No line limit: a long value is read whole and judged by its key. */
TEST(long_line)
{
	char text[512];
	char want[400];
	const char *wants[] = { want, NULL };

	snprintf(text, sizeof(text), "[global]\nprimary = %0300d\n", 0);
	snprintf(want, sizeof(want),
		 "enid.conf:2: primary: \"%0300d\" is not an interface name or a MAC address", 0);
	check_errors(_metadata, text, wants);
}

TEST(error_cap)
{
	char *text = malloc(200 * 16 + 32);
	struct enid_config cfg;
	struct config_errors errs;
	size_t n = 0;

	ASSERT_NE(NULL, text);
	n += (size_t)sprintf(text, "[global]\n");
	for (int i = 0; i < 150; i++)
		n += (size_t)sprintf(text + n, "bogus%d = 1\n", i);
	ASSERT_EQ(-EINVAL, load(text, &cfg, &errs));
	ASSERT_EQ(ENID_MAX_ERRORS + 1, errs.n);
	EXPECT_STREQ("enid.conf:2: unknown key \"bogus0\" in [global]", errs.msg[0]);
	EXPECT_STREQ("enid.conf: 50 more errors", errs.msg[ENID_MAX_ERRORS]);
	config_errors_free(&errs);
	free(text);
}

/* ---- bounds on the static addressing (bounds.h) ---- */

TEST(prefix_limit_keys)
{
	static const char text[] = "[global]\n"
				   "ipv4_prefix_min = 16\n"
				   "ipv4_prefix_max = 32\n"
				   "ipv6_prefix_min = 1\n"
				   "ipv6_prefix_max = 64\n";
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(16, cfg.prefix.v4_min);
	EXPECT_EQ(32, cfg.prefix.v4_max);
	EXPECT_EQ(1, cfg.prefix.v6_min);
	EXPECT_EQ(64, cfg.prefix.v6_max);
	config_free(&cfg);
}

TEST(bad_prefix_limits)
{
	static const char text[] = "[global]\n"
				   "ipv4_prefix_min = 0\n"
				   "ipv4_prefix_max = 33\n"
				   "ipv6_prefix_min = 129\n"
				   "ipv6_prefix_max = x\n";
	static const char *const want[] = {
		"enid.conf:2: ipv4_prefix_min: \"0\" is not in 1..32",
		"enid.conf:3: ipv4_prefix_max: \"33\" is not in 1..32",
		"enid.conf:4: ipv6_prefix_min: \"129\" is not in 1..128",
		"enid.conf:5: ipv6_prefix_max: \"x\" is not in 1..128",
		NULL,
	};
	static const char inverted[] = "[global]\n"
				       "ipv4_prefix_max = 20\n"
				       "ipv4_prefix_min = 24\n"
				       "ipv6_prefix_max = 100\n"
				       "[00:16:3e:aa:bb:cc]\n"
				       "address = 10.0.0.10/31\n"
				       "[global2]\n";
	static const char *const want_inverted[] = {
		"enid.conf:3: ipv4_prefix_min = 24 is above ipv4_prefix_max = 20",
		"enid.conf:7: unknown section [global2]: expected [global] or [<MAC address>]",
		NULL,
	};
	static const char inverted6[] = "[global]\n"
					"ipv6_prefix_min = 64\n"
					"ipv6_prefix_max = 60\n";
	static const char *const want_inverted6[] = {
		"enid.conf:3: ipv6_prefix_min = 64 is above ipv6_prefix_max = 60",
		NULL,
	};

	check_errors(_metadata, text, want);
	check_errors(_metadata, inverted, want_inverted);
	check_errors(_metadata, inverted6, want_inverted6);
}

/* The accept edges of every rule that needs no runtime facts. */
TEST(static_bounds_edges_accepted)
{
	static const char text[] = "[00:16:3e:aa:bb:cc]\n"
				   "address = 11.1.2.3/8\n"
				   "address = 172.16.1.5/30\n"
				   "address = 172.16.2.1/24\n"
				   "address = 172.16.2.254/24\n"
				   "address = 10.0.0.10/32\n"
				   "address = 100.100.100.198/30\n"
				   "address = 2001:db8:5::1/48\n"
				   "address = 2001:db8:6::1/128\n"
				   "gateway = 172.16.1.6\n"
				   "gateway6 = 2001:db8:5::fffd\n"
				   "[00:16:3e:00:00:02]\n"
				   "address = 172.16.3.5/24\n"
				   "gateway = 172.16.3.1\n"
				   "gateway6 = fe80::1\n"
				   "[00:16:3e:00:00:03]\n"
				   "address = 172.16.4.5/24\n"
				   "gateway = 172.16.4.254\n";
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(8, cfg.enis[0].n_addrs);
	config_free(&cfg);
}

/* Every violation reported at its own line, all of them, in line order. */
TEST(static_bounds_rejected)
{
	static const char text[] =
		"[00:16:3e:aa:bb:cc]\n"
		"address = 172.16.1.21/24\n"
		"address = 10.1.2.3/7\n"
		"address = 10.1.2.4/1\n"
		"address = 172.16.5.4/31\n"
		"address = 2001:db8:4::1/47\n"
		"address = 172.16.1.0/24\n"
		"address = 172.16.1.255/24\n"
		"address = 100.100.100.200/24\n"
		"address = 100.100.1.5/16\n"
		"address = 169.254.3.4/16\n"
		"address = fe80::5/64\n"
		"address = 2001:db8:5::/64\n"
		"gateway = 172.16.1.0\n"
		"gateway6 = 2001:db8:6::1\n"
		"[00:16:3e:00:00:02]\n"
		"address = 172.16.2.5/24\n"
		"gateway = 172.16.2.255\n"
		"[00:16:3e:00:00:03]\n"
		"address = 172.16.3.5/24\n"
		"gateway = 172.16.3.5\n"
		"[00:16:3e:00:00:04]\n"
		"address = 100.100.100.100/24\n"
		"gateway = 100.100.100.200\n"
		"[00:16:3e:00:00:05]\n"
		"unmanaged = yes\n"
		"address = 10.1.2.5/7\n";
	static const char *const want[] = {
		"enid.conf:3: address: \"10.1.2.3/7\": subnet 10.0.0.0/7 has a prefix length /7 "
		"outside the IPv4 limits /8../30",
		"enid.conf:4: address: \"10.1.2.4/1\": subnet 0.0.0.0/1 has a prefix length /1 "
		"outside the IPv4 limits /8../30",
		"enid.conf:5: address: \"172.16.5.4/31\": subnet 172.16.5.4/31 has a prefix length "
		"/31 outside the IPv4 limits /8../30",
		"enid.conf:6: address: \"2001:db8:4::1/47\": subnet 2001:db8:4::/47 has a prefix "
		"length /47 outside the IPv6 limits /48../128",
		"enid.conf:7: address: \"172.16.1.0/24\" is the network address of 172.16.1.0/24",
		"enid.conf:8: address: \"172.16.1.255/24\" is the broadcast address of 172.16.1.0/24",
		"enid.conf:9: address: \"100.100.100.200/24\" is the metadata service "
		"(100.100.100.200/32)",
		"enid.conf:10: address: \"100.100.1.5/16\": subnet 100.100.0.0/16 overlaps the "
		"metadata service 100.100.100.200/32",
		"enid.conf:11: address: \"169.254.3.4/16\" is link-local (169.254.0.0/16)",
		"enid.conf:12: address: \"fe80::5/64\" is link-local (fe80::/10)",
		"enid.conf:13: address: \"2001:db8:5::/64\" is the network address of 2001:db8:5::/64",
		"enid.conf:14: gateway: \"172.16.1.0\" is the network address of 172.16.1.0/24",
		"enid.conf:15: gateway6: \"2001:db8:6::1\" is neither link-local nor inside any IPv6 "
		"subnet of the ENI",
		"enid.conf:18: gateway: \"172.16.2.255\" is the broadcast address of 172.16.2.0/24",
		"enid.conf:21: gateway: \"172.16.3.5\" is an address of the ENI",
		"enid.conf:23: address: \"100.100.100.100/24\": subnet 100.100.100.0/24 overlaps "
		"the metadata service 100.100.100.200/32",
		"enid.conf:24: gateway: \"100.100.100.200\" is the metadata service "
		"(100.100.100.200/32)",
		NULL,
	};

	check_errors(_metadata, text, want);
}

/* The limits apply wherever [global] stands, and they are configurable. */
TEST(static_bounds_configured_limits)
{
	static const char text[] = "[00:16:3e:aa:bb:cc]\n"
				   "address = 172.16.5.4/31\n"
				   "address = 10.1.2.3/16\n"
				   "[global]\n"
				   "ipv4_prefix_min = 20\n"
				   "ipv4_prefix_max = 31\n";
	static const char *const want[] = {
		"enid.conf:3: address: \"10.1.2.3/16\": subnet 10.1.0.0/16 has a prefix length /16 "
		"outside the IPv4 limits /20../31",
		NULL,
	};
	struct enid_config cfg;
	struct config_errors errs;

	check_errors(_metadata, text, want);
	ASSERT_EQ(0, load("[global]\nipv4_prefix_max = 31\n[00:16:3e:aa:bb:cc]\n"
			  "address = 172.16.5.4/31\n", &cfg, &errs)) print_errors(&errs);
	config_free(&cfg);
}

TEST(ip_helpers)
{
	struct enid_ip a, net;
	char buf[ENID_IP_STRLEN];
	uint8_t mac[6];

	ASSERT_TRUE(enid_ip_parse("10.1.2.3/20", true, &a));
	net = enid_ip_network(&a);
	EXPECT_STREQ("10.1.0.0/20", enid_ip_format(&net, true, buf, sizeof(buf)));
	/* the v4 mask at its edges (the parser refuses /0: set by hand) */
	for (unsigned int i = 0; i < 4; i++) {
		static const struct {
			unsigned int prefixlen;
			const char *net;
		} edge[] = {{0, "0.0.0.0/0"}, {1, "128.0.0.0/1"}, {31, "200.1.2.2/31"},
			    {32, "200.1.2.3/32"}};

		ASSERT_TRUE(enid_ip_parse("200.1.2.3", false, &a));
		a.prefixlen = edge[i].prefixlen;
		net = enid_ip_network(&a);
		EXPECT_STREQ(edge[i].net, enid_ip_format(&net, true, buf, sizeof(buf)));
	}
	/* the same address: family and bytes, not the prefix length */
	ASSERT_TRUE(enid_ip_parse("200.1.2.3/24", true, &net));
	EXPECT_TRUE(enid_ip_same_addr(&a, &net));
	ASSERT_TRUE(enid_ip_parse("200.1.2.4/32", true, &net));
	EXPECT_FALSE(enid_ip_same_addr(&a, &net));
	ASSERT_TRUE(enid_ip_parse("c801:203::/128", true, &net)); /* the same first bytes, v6 */
	EXPECT_FALSE(enid_ip_same_addr(&a, &net));
	ASSERT_TRUE(enid_ip_parse("2001:db8:1:2:3::9/61", true, &a));
	net = enid_ip_network(&a);
	EXPECT_STREQ("2001:db8:1::/61", enid_ip_format(&net, true, buf, sizeof(buf)));
	ASSERT_TRUE(enid_ip_parse("2001:db8:1:7::1", false, &a));
	EXPECT_EQ(128, a.prefixlen);
	EXPECT_TRUE(enid_ip_in_subnet(&a, &net));
	ASSERT_TRUE(enid_ip_parse("2001:db8:1:8::1", false, &a));
	EXPECT_FALSE(enid_ip_in_subnet(&a, &net));
	EXPECT_FALSE(enid_ip_parse("10.0.0.1/24", false, &a));
	EXPECT_FALSE(enid_ip_parse("10.0.0.1", true, &a));
	ASSERT_TRUE(mac_parse("00:16:3E:aa:bb:cc", mac));
	EXPECT_EQ(0, memcmp(mac, mac1, 6));
	EXPECT_STREQ("00:16:3e:aa:bb:cc", mac_format(mac, buf));
	EXPECT_FALSE(mac_parse("00:16:3e:aa:bb:c", mac));
	EXPECT_FALSE(mac_parse("00:16:3e:aa:bb:cc:", mac));
	EXPECT_FALSE(mac_parse("00-16-3e-aa-bb-cc", mac));
}

TEST_HARNESS_MAIN
