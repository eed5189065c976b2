// SPDX-License-Identifier: GPL-2.0
/*
 * The slots file under the run dir: saved whole and reloaded; a stale or planted
 * "slots.tmp" (a file, or a symlink to a file elsewhere) is replaced, never written
 * through.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "slots.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};

FIXTURE(slots_file)
{
	char dir[64];
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	char victim[PATH_MAX];
	struct slots sl;
};

FIXTURE_SETUP(slots_file)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/slots_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/slots", self->dir);
	snprintf(self->tmp, sizeof(self->tmp), "%s/slots.tmp", self->dir);
	snprintf(self->victim, sizeof(self->victim), "%s/victim", self->dir);
	slots_load(&self->sl, self->dir);
}

FIXTURE_TEARDOWN(slots_file)
{
	unlink(self->path);
	unlink(self->tmp);
	unlink(self->victim);
	rmdir(self->dir);
}

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[n < 0 ? 0 : n] = '\0';
	if (fd >= 0)
		close(fd);
}

static bool not_slot_1_or_3(unsigned int slot, void *ctx)
{
	(void)ctx;
	return slot != 1 && slot != 3;
}

/* Slots held by another tool's entries are passed over; a MAC keeps the slot it has. */
TEST_F(slots_file, unusable_slots_passed_over)
{
	ASSERT_EQ(2, slots_get(&self->sl, mac_a, not_slot_1_or_3, NULL));
	ASSERT_EQ(4, slots_get(&self->sl, mac_b, not_slot_1_or_3, NULL));
	ASSERT_EQ(2, slots_get(&self->sl, mac_a, not_slot_1_or_3, NULL));
	slots_free(&self->sl, 2);
	ASSERT_EQ(1, slots_get(&self->sl, mac_a, NULL, NULL));
}

TEST_F(slots_file, saved_and_reloaded)
{
	struct slots again;
	struct stat st;

	ASSERT_EQ(1, slots_get(&self->sl, mac_a, NULL, NULL));
	ASSERT_EQ(2, slots_get(&self->sl, mac_b, NULL, NULL));
	ASSERT_EQ(0, slots_sync(&self->sl));
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_NE(0, access(self->tmp, F_OK)); /* no tmp left behind */
	slots_load(&again, self->dir);
	EXPECT_EQ(1, slots_find(&again, mac_a));
	EXPECT_EQ(2, slots_find(&again, mac_b));
}

TEST_F(slots_file, stale_tmp_replaced)
{
	char got[256];
	FILE *f = fopen(self->tmp, "w");

	ASSERT_NE(NULL, f);
	fputs("02:00:00:00:00:0b 7\ngarbage from a crash\n", f);
	fclose(f);
	ASSERT_EQ(1, slots_get(&self->sl, mac_a, NULL, NULL));
	ASSERT_EQ(0, slots_sync(&self->sl));
	slurp(self->path, got, sizeof(got));
	EXPECT_STREQ("02:00:00:00:00:0a 1\n", got);
}

TEST_F(slots_file, tmp_symlink_not_followed)
{
	char got[256];
	struct stat st;
	FILE *f = fopen(self->victim, "w");

	ASSERT_NE(NULL, f);
	fputs("precious\n", f);
	fclose(f);
	ASSERT_EQ(0, symlink(self->victim, self->tmp));
	ASSERT_EQ(1, slots_get(&self->sl, mac_a, NULL, NULL));
	ASSERT_EQ(0, slots_sync(&self->sl));
	slurp(self->victim, got, sizeof(got));
	EXPECT_STREQ("precious\n", got);
	ASSERT_EQ(0, lstat(self->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode)); /* not the planted link renamed into place */
	slurp(self->path, got, sizeof(got));
	EXPECT_STREQ("02:00:00:00:00:0a 1\n", got);
}

TEST_HARNESS_MAIN
