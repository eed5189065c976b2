// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>

#include "heal.h"

static bool seen(struct heal *h, uint32_t key)
{
	for (unsigned int i = 0; i < h->n_keys; i++)
		if (h->keys[i] == key)
			return true;
	if (h->n_keys < HEAL_KEYS)
		h->keys[h->n_keys++] = key;
	return false;
}

uint64_t heal_delay(struct heal *h, uint64_t now, uint32_t key)
{
	uint64_t delay = 1000000ULL;

	if (h->total && now - h->burst_start < HEAL_BURST_US && !seen(h, key))
		return h->burst_until > now ? h->burst_until - now : 0;
	h->burst_start = now;
	h->burst_until = 0;
	h->n_keys = 0;
	seen(h, key);
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
	if (delay > HEAL_MAX_US)
		delay = HEAL_MAX_US;
	h->burst_until = now + delay;
	return delay;
}
