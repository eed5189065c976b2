// SPDX-License-Identifier: GPL-2.0
/* The address record (daemon/owned.c): what each slot put on its ENI, kept across restarts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "unit_util.h"
#include "owned_file.h"

static bool not_11(const struct enid_ip *a, const void *ctx)
{
	struct enid_ip x = ip("10.0.0.11/24");

	(void)ctx;
	return !(a->family == x.family && enid_ip_same_addr(a, &x));
}

TEST(record_survives_a_restart)
{
	static struct owned o, back;
	char dir[] = "/tmp/enid-owned-XXXXXX", path[64];
	struct enid_ip a = ip("10.0.0.10/24"), b = ip("10.0.0.11/24"), c = ip("2001:db8::5/64");
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	owned_load(&o, dir); /* no file yet: empty */
	EXPECT_FALSE(owned_has(&o, 1, &a));
	ASSERT_EQ(0, owned_add(&o, 1, &a));
	ASSERT_EQ(0, owned_add(&o, 1, &a)); /* once only */
	ASSERT_EQ(0, owned_add(&o, 1, &b));
	ASSERT_EQ(0, owned_add(&o, 7, &c));
	EXPECT_EQ(2, o.s[1].n);
	EXPECT_NE(0, owned_add(&o, 0, &a));   /* no slot 0 */
	EXPECT_NE(0, owned_add(&o, 256, &a)); /* nor past the last */
	ASSERT_EQ(0, owned_sync(&o));
	owned_load(&back, dir);
	EXPECT_TRUE(owned_has(&back, 1, &a));
	EXPECT_TRUE(owned_has(&back, 1, &b));
	EXPECT_TRUE(owned_has(&back, 7, &c));
	EXPECT_FALSE(owned_has(&back, 2, &a));
	/* another prefix length is another address */
	EXPECT_FALSE(owned_has(&back, 1, &(struct enid_ip){0}));
	{
		struct enid_ip a32 = ip("10.0.0.10/32");

		EXPECT_FALSE(owned_has(&back, 1, &a32));
	}
	owned_filter(&back, 1, not_11, NULL);
	EXPECT_TRUE(owned_has(&back, 1, &a));
	EXPECT_FALSE(owned_has(&back, 1, &b));
	owned_clear(&back, 7);
	EXPECT_FALSE(owned_has(&back, 7, &c));
	ASSERT_EQ(0, owned_sync(&back));
	owned_load(&o, dir);
	EXPECT_EQ(1, o.s[1].n);
	EXPECT_EQ(0, o.s[7].n);
	/* a damaged line is skipped, the rest is read */
	snprintf(path, sizeof(path), "%s/addresses", dir);
	f = fopen(path, "a");
	ASSERT_NE(NULL, f);
	fputs("0 10.1.1.1/24\nbogus\n3 10.3.3.3/24\n", f);
	fclose(f);
	owned_load(&o, dir);
	EXPECT_EQ(1, o.s[1].n);
	EXPECT_EQ(1, o.s[3].n);
	owned_free(&o);
	owned_free(&back);
	unlink(path);
	rmdir(dir);
}

TEST_HARNESS_MAIN
