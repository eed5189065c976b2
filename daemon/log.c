// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "log.h"

static const char *log_ident = "enid";
static int log_level_verbose;
static int log_journal;

void log_init(const char *ident, int verbose)
{
	log_ident = ident;
	log_level_verbose = verbose;
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

int log_verbose(void)
{
	return log_level_verbose;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_LVL_ERR] = "error",
		[LOG_LVL_WARN] = "warning",
		[LOG_LVL_INFO] = "info",
		[LOG_LVL_DEBUG] = "debug",
	};
	char buf[1024];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", lvl, buf);
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, names[lvl], buf);
	errno = saved;
}
