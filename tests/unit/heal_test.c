// SPDX-License-Identifier: GPL-2.0
/* The heal rate cap (daemon/heal.c): at once, then backed off, then a fresh window. */
#include "kselftest_harness.h"
#include "heal.h"

TEST(first_heals_at_once_then_backed_off)
{
	struct heal h = {0};
	uint64_t t = 5000000;

	for (int i = 0; i < HEAL_FREE; i++)
		EXPECT_EQ(0, heal_delay(&h, t + (uint64_t)i * 1000));
	EXPECT_EQ(1000000, heal_delay(&h, t + 10000));
	EXPECT_EQ(2000000, heal_delay(&h, t + 20000));
	EXPECT_EQ(4000000, heal_delay(&h, t + 30000));
	for (int i = 0; i < 20; i++)
		EXPECT_GE(HEAL_MAX_US, heal_delay(&h, t + 40000));
	EXPECT_EQ(HEAL_MAX_US, heal_delay(&h, t + 50000));
	EXPECT_EQ(HEAL_FREE + 24, h.total);
}

TEST(a_quiet_window_starts_over)
{
	struct heal h = {0};

	for (int i = 0; i < HEAL_FREE + 3; i++)
		heal_delay(&h, 1000);
	EXPECT_NE(0, heal_delay(&h, 2000));
	EXPECT_EQ(0, heal_delay(&h, 2000 + HEAL_WINDOW_US + 1));
	EXPECT_EQ(1, h.in_window);
}

TEST_HARNESS_MAIN
