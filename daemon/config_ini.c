// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enid.conf on libinih: the file or a string, cut into lines and fed to inih through
 * our own line reader, which numbers lines, strips leading blanks (so an indented
 * line is never an inih continuation line), blanks lines that are syntax errors (to
 * collect every one of them: inih reports only the first per pass), and sees section
 * headers even when a section is empty. What the lines say goes to config_read.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "config_keys.h"
#include "config_read.h"

#define CONFIG_MAX_SIZE (1 << 20)

struct ini_feed {
	struct config_reader *r;
	const char *text;
	size_t pos;
	unsigned line;	 /* line last handed to inih */
	bool collect;	 /* final pass: sections and keys count */
	unsigned *blank; /* syntax-error lines, fed to inih as empty */
	unsigned n_blank;
};

static bool line_blanked(const struct ini_feed *p, unsigned line)
{
	for (unsigned i = 0; i < p->n_blank; i++)
		if (p->blank[i] == line)
			return true;
	return false;
}

/* inih's line source (fgets-like). */
static char *read_line(char *str, int num, void *stream)
{
	struct ini_feed *p = stream;
	const char *s = p->text + p->pos, *nl;
	size_t n;

	if (!*s)
		return NULL;
	nl = strchr(s, '\n');
	n = nl ? (size_t)(nl - s) : strlen(s);
	p->pos += n + (nl ? 1 : 0);
	p->line++;
	if (n && s[n - 1] == '\r')
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (line_blanked(p, p->line))
		n = 0;
	if (n > (size_t)num - 1) {
		if (p->collect)
			config_reader_error(p->r, p->line, "line is longer than %d characters",
					    num - 1);
		n = 0;
	}
	if (p->collect && n && s[0] == '[') {
		const char *end = memchr(s, ']', n);

		if (end)
			config_reader_section(p->r, p->line, s + 1, (size_t)(end - s - 1));
	}
	memcpy(str, s, n);
	str[n] = '\0';
	return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct ini_feed *p = user;

	(void)section; /* tracked by the reader, untruncated */
	if (p->collect)
		config_reader_key(p->r, p->line, name, value);
	return 1;
}

static void feed_rewind(struct ini_feed *p)
{
	p->pos = 0;
	p->line = 0;
}

static int parse_text(struct ini_feed *p)
{
	int r;

	/* Pass 1..n: find every syntax error; inih gives the first per pass. */
	for (;;) {
		unsigned *blank;

		feed_rewind(p);
		r = ini_parse_stream(read_line, p, on_key, p);
		if (r == 0)
			break;
		if (r < 0 || p->n_blank >= ENID_MAX_ERRORS)
			return -ENOMEM;
		blank = realloc(p->blank, (p->n_blank + 1) * sizeof(*blank));
		if (!blank)
			return -ENOMEM;
		p->blank = blank;
		p->blank[p->n_blank++] = (unsigned)r;
		config_reader_error(p->r, (unsigned)r, "expected \"[section]\" or \"key = value\"");
	}
	/* Final pass: sections and keys. */
	feed_rewind(p);
	p->collect = true;
	r = ini_parse_stream(read_line, p, on_key, p);
	return config_reader_finish(p->r, r >= 0);
}

int config_load_string(const char *name, const char *text, struct enid_config *cfg,
		       struct config_errors *errs)
{
	struct enid_config tmp;
	struct config_reader reader;
	struct ini_feed p = {.r = &reader, .text = text};
	int r;

	config_reader_init(&reader, name, &tmp, errs, config_global_keys, config_eni_keys);
	config_defaults(&tmp);
	r = parse_text(&p);
	free(p.blank);
	r = config_reader_close(&reader, r);
	if (r) {
		config_free(&tmp);
		return r;
	}
	*cfg = tmp;
	return 0;
}

int config_load(const char *path, struct enid_config *cfg, struct config_errors *errs)
{
	struct config_reader reader;
	char *text = NULL;
	size_t n = 0;
	FILE *f;
	int r = 0;

	config_reader_init(&reader, path, NULL, errs, config_global_keys, config_eni_keys);
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
	} else {
		text = malloc(CONFIG_MAX_SIZE + 1);
		if (!text)
			r = -ENOMEM;
		errno = 0;
		if (text)
			n = fread(text, 1, CONFIG_MAX_SIZE + 1, f);
		if (!r && ferror(f))
			r = errno ? -errno : -EIO; /* EISDIR for a directory */
		else if (!r && n > CONFIG_MAX_SIZE)
			r = -EFBIG;
		fclose(f);
	}
	if (!r && memchr(text, '\0', n))
		r = -EINVAL;
	if (r) {
		free(text);
		if (r == -EINVAL)
			config_reader_error(&reader, 0, "contains a NUL byte");
		else
			config_reader_error(&reader, 0, "%s", strerror(-r));
		return config_reader_close(&reader, r);
	}
	text[n] = '\0';
	r = config_load_string(path, text, cfg, errs);
	free(text);
	return r;
}
