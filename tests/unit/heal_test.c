// SPDX-License-Identifier: GPL-2.0
/* The heal rate cap (daemon/heal.c): at once, then backed off, then a fresh window. */
#include "kselftest_harness.h"
#include "heal.h"

#define GAP (HEAL_BURST_US + 1) /* apart: separate bursts */

TEST(first_heals_at_once_then_backed_off)
{
	struct heal h = {0};
	uint64_t t = 5000000;

	for (int i = 0; i < HEAL_FREE; i++)
		EXPECT_EQ(0, heal_delay(&h, t + (uint64_t)i * GAP, 7));
	t += HEAL_FREE * GAP;
	EXPECT_EQ(1000000, heal_delay(&h, t, 7));
	EXPECT_EQ(2000000, heal_delay(&h, t + GAP, 7));
	EXPECT_EQ(4000000, heal_delay(&h, t + 2 * GAP, 7));
	for (int i = 3; i < 20; i++)
		EXPECT_GE(HEAL_MAX_US, heal_delay(&h, t + (uint64_t)i * GAP, 7));
	EXPECT_EQ(HEAL_MAX_US, heal_delay(&h, t + 20 * GAP, 7));
	EXPECT_EQ(HEAL_FREE + 21, h.total);
}

/* One process's burst of deletions (different objects) is one heal. */
TEST(a_burst_counts_once)
{
	struct heal h = {0};
	uint64_t t = 1000000;

	for (uint32_t k = 0; k < 6; k++)
		EXPECT_EQ(0, heal_delay(&h, t + k * 1000, k));
	EXPECT_EQ(1, h.total);
	/* the next burst, later */
	EXPECT_EQ(0, heal_delay(&h, t + GAP, 0));
	EXPECT_EQ(2, h.total);
}

/* The same object deleted again right after it was put back is a fight: each counts. */
TEST(a_fight_is_capped)
{
	struct heal h = {0};
	uint64_t t = 1000000;

	for (int i = 0; i < HEAL_FREE; i++)
		EXPECT_EQ(0, heal_delay(&h, t + (uint64_t)i * 2000, 42));
	EXPECT_EQ(1000000, heal_delay(&h, t + HEAL_FREE * 2000, 42));
	/* other objects of that capped burst wait for the same moment */
	EXPECT_EQ(1000000 - 1000, heal_delay(&h, t + HEAL_FREE * 2000 + 1000, 43));
	EXPECT_EQ(HEAL_FREE + 1, h.total);
}

TEST(a_quiet_window_starts_over)
{
	struct heal h = {0};

	for (int i = 0; i < HEAL_FREE + 3; i++)
		heal_delay(&h, 1000 + (uint64_t)i * GAP, 1);
	EXPECT_NE(0, heal_delay(&h, 1000 + (HEAL_FREE + 3) * GAP, 1));
	EXPECT_EQ(0, heal_delay(&h, 1000 + (HEAL_FREE + 3) * GAP + HEAL_WINDOW_US + 1, 1));
	EXPECT_EQ(1, h.in_window);
}

TEST_HARNESS_MAIN
