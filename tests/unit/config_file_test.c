// SPDX-License-Identifier: GPL-2.0
/* enid.conf as text: line length, comments, byte-order mark, escaped bytes, "did you
 * mean", and the drop-ins <dir>/enid.conf.d/NAME.conf (read from temporary directories). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "config.h"

static void print_errors(const struct config_errors *errs)
{
	for (unsigned i = 0; i < errs->n; i++)
		printf("#   got: %s\n", errs->msg[i]);
}

static int load(const char *text, struct enid_config *cfg, struct config_errors *errs)
{
	return config_load_string("enid.conf", text, cfg, errs);
}

/* text fails with exactly the one message want. */
static void one_error(struct __test_metadata *_metadata, const char *text, const char *want)
{
	struct enid_config cfg;
	struct config_errors errs;

	EXPECT_EQ(-EINVAL, load(text, &cfg, &errs));
	EXPECT_EQ(1, errs.n) print_errors(&errs);
	if (errs.n)
		EXPECT_STREQ(want, errs.msg[0]);
	config_errors_free(&errs);
}

static void write_file(struct __test_metadata *_metadata, const char *dir, const char *name,
		       const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs(text, f);
	fclose(f);
}

/* dir (a mkdtemp template) made, with sub = dir/enid.conf.d and path = dir/enid.conf
 * (both 64 bytes). */
static void make_dirs(struct __test_metadata *_metadata, char *dir, char *sub, char *path)
{
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(sub, 64, "%s/enid.conf.d", dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	snprintf(path, 64, "%s/enid.conf", dir);
}

static void remove_tree(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
}

TEST(comment_of_5000_characters_and_4096_character_line)
{
	char *text = malloc(12000), *t = text;
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_NE(NULL, text);
	t += sprintf(t, "# %05000d\n[global]\n", 0);
	/* a line of more than 4096 characters: a value, then an inline comment */
	t += sprintf(t, "drivers = virtio_net ; %04096d\n", 0);
	EXPECT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_EQ(1, cfg.n_drivers);
	EXPECT_STREQ("virtio_net", cfg.drivers[0]);
	config_free(&cfg);
	free(text);
}

TEST(comments_at_line_start_and_inline)
{
	static const char text[] = "; a comment\n"
				   "   # an indented comment\n"
				   "[global] # the global section\n"
				   "primary = eth0 ; the primary\n"
				   "source = rtnl\t# tab before it\n"
				   "[00:16:3e:aa:bb:cc] ; an ENI\n"
				   "address = 10.0.0.10/24 # first\n";
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load(text, &cfg, &errs)) print_errors(&errs);
	EXPECT_STREQ("eth0", cfg.primary_ifname);
	EXPECT_EQ(ENID_SOURCE_RTNL, cfg.source);
	EXPECT_EQ(1, cfg.n_enis);
	EXPECT_EQ(1, cfg.enis[0].n_addrs);
	config_free(&cfg);
}

/* "#" or ";" not after a blank is part of the value: the key judges it. */
TEST(hash_inside_a_value_is_not_a_comment)
{
	one_error(_metadata, "[global]\nsource = rt#nl\n",
		  "enid.conf:2: source: \"rt#nl\" is not one of auto, genl, rtnl");
}

TEST(byte_order_mark_ignored)
{
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_EQ(0, load("\xef\xbb\xbf[global]\nprimary = eth0\n", &cfg, &errs))
		print_errors(&errs);
	EXPECT_STREQ("eth0", cfg.primary_ifname);
	config_free(&cfg);
	/* only at the very start */
	one_error(_metadata, "[global]\n\xef\xbb\xbfprimary = eth0\n",
		  "enid.conf:2: unknown key \"\\xef\\xbb\\xbfprimary\" in [global]; did you mean "
		  "\"primary\"?");
}

TEST(non_printable_bytes_escaped)
{
	one_error(_metadata, "[global]\nsource = e\x1b[31mth\x7f\n",
		  "enid.conf:2: source: \"e\\x1b[31mth\\x7f\" is not one of auto, genl, rtnl");
	one_error(_metadata, "\x89PNG\r\n",
		  "enid.conf:1: expected \"[section]\" or \"key = value\"");
}

TEST(did_you_mean)
{
	one_error(_metadata, "[global]\nprimray = eth0\n",
		  "enid.conf:2: unknown key \"primray\" in [global]; did you mean \"primary\"?");
	one_error(_metadata, "[00:16:3e:aa:bb:cc]\nGATEWAY6 = fe80::1\nGatway = 10.0.0.1\n",
		  "enid.conf:3: unknown key \"Gatway\" in [00:16:3e:aa:bb:cc]; did you mean "
		  "\"gateway\"?");
	/* nothing close: no guess */
	one_error(_metadata, "[global]\ncolour = blue\n",
		  "enid.conf:2: unknown key \"colour\" in [global]");
}

TEST(dropins_in_lexical_order_override_global)
{
	char dir[] = "/tmp/enid-dropin.XXXXXX", sub[64], path[64];
	struct enid_config cfg;
	struct config_errors errs;

	make_dirs(_metadata, dir, sub, path);
	write_file(_metadata, dir, "enid.conf", "[global]\nprimary = eth0\nsource = genl\n");
	write_file(_metadata, sub, "20-b.conf", "[global]\nprimary = eth2\n");
	write_file(_metadata, sub, "10-a.conf",
		   "[global]\nprimary = eth1\n[00:16:3e:aa:bb:cc]\naddress = 10.0.0.10/24\n");
	write_file(_metadata, sub, "30-c.conf.disabled", "garbage\n");
	write_file(_metadata, sub, ".40-hidden.conf", "garbage\n");
	ASSERT_EQ(0, config_load(path, &cfg, &errs)) print_errors(&errs);
	EXPECT_STREQ("eth2", cfg.primary_ifname); /* 20-b after 10-a after the main file */
	EXPECT_EQ(ENID_SOURCE_GENL, cfg.source);
	EXPECT_EQ(1, cfg.n_enis);
	config_free(&cfg);
	remove_tree(dir);
}

TEST(dropin_errors_name_the_dropin)
{
	char dir[] = "/tmp/enid-dropin.XXXXXX", sub[64], path[64], want[4][256];
	struct enid_config cfg;
	struct config_errors errs;

	make_dirs(_metadata, dir, sub, path);
	write_file(_metadata, dir, "enid.conf",
		   "[global]\nmtu = 1\n[00:16:3e:aa:bb:cc]\naddress = 10.0.0.10/24\n");
	write_file(_metadata, sub, "a.conf",
		   "primary = eth1\n[00:16:3E:AA:BB:CC]\n[00:16:3e:00:00:02]\n"
		   "address = 10.0.1.10/24\ngateway = 10.9.9.9\n");
	snprintf(want[0], sizeof(want[0]), "%s:2: unknown key \"mtu\" in [global]", path);
	snprintf(want[1], sizeof(want[1]), "%s/a.conf:1: key \"primary\" is outside any section",
		 sub);
	snprintf(want[2], sizeof(want[2]),
		 "%s/a.conf:2: duplicate section [00:16:3e:aa:bb:cc] (first at %s:3)", sub, path);
	snprintf(want[3], sizeof(want[3]),
		 "%s/a.conf:5: gateway: \"10.9.9.9\" is not inside any IPv4 subnet of "
		 "[00:16:3e:00:00:02]",
		 sub);
	EXPECT_EQ(-EINVAL, config_load(path, &cfg, &errs));
	ASSERT_EQ(4, errs.n) print_errors(&errs);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_STREQ(want[i], errs.msg[i]);
	config_errors_free(&errs);
	remove_tree(dir);
}

/* A main file without drop-in directory is the whole set. */
TEST(no_dropin_directory)
{
	char dir[] = "/tmp/enid-dropin.XXXXXX", path[64];
	struct enid_config cfg;
	struct config_errors errs;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/enid.conf", dir);
	write_file(_metadata, dir, "enid.conf", "[global]\nprimary = eth0\n");
	ASSERT_EQ(0, config_load(path, &cfg, &errs)) print_errors(&errs);
	EXPECT_STREQ("eth0", cfg.primary_ifname);
	config_free(&cfg);
	remove_tree(dir);
}

TEST_HARNESS_MAIN
