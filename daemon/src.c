// SPDX-License-Identifier: GPL-2.0-or-later
/* What the netlink event sources share (src.h). */
#include <stdlib.h>

#include "src.h"

#define DUMP_RETRY_BASE_US 50000u
#define DUMP_RETRY_MAX_US  5000000u

uint64_t src_retry_delay_us(unsigned int fails)
{
	uint64_t delay = DUMP_RETRY_BASE_US;

	while (fails-- > 1 && delay < DUMP_RETRY_MAX_US)
		delay *= 2;
	if (delay > DUMP_RETRY_MAX_US)
		delay = DUMP_RETRY_MAX_US;
	return delay / 2 + (uint64_t)random() % (delay / 2 + 1);
}

uint32_t src_dump_seq(struct src_sock *s)
{
	if (!++s->seq)
		++s->seq;
	s->dump_seq = s->seq;
	return s->dump_seq;
}
