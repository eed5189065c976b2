// SPDX-License-Identifier: GPL-2.0-or-later
#include "heal.h"

uint64_t heal_delay(struct heal *h, uint64_t now)
{
	uint64_t delay = 1000000ULL;

	if (!h->in_window || now - h->window_start > HEAL_WINDOW_US) {
		h->window_start = now;
		h->in_window = 0;
	}
	h->in_window++;
	h->total++;
	if (h->in_window <= HEAL_FREE)
		return 0;
	for (unsigned int i = HEAL_FREE + 1; i < h->in_window && delay < HEAL_MAX_US; i++)
		delay *= 2;
	return delay < HEAL_MAX_US ? delay : HEAL_MAX_US;
}
