// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enid.conf as text: the main file, then its drop-ins <dir>/enid.conf.d/NAME.conf in
 * lexical order, cut into lines and handed to config_read.h as sections and keys.
 * Lines have no length limit (the file has: CONFIG_MAX_SIZE); a leading UTF-8
 * byte-order mark is skipped; "#" and ";" start a comment at the start of a line or
 * after a blank; blanks around names and values are dropped. Every malformed line is
 * reported, not only the first.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_keys.h"
#include "config_read.h"

#define CONFIG_MAX_SIZE	  (1 << 20)
#define CONFIG_DROPIN_DIR "enid.conf.d"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The length of s[0..n) without its comment and trailing blanks. */
static size_t strip_comment(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '#' || s[i] == ';') && (i == 0 || blank(s[i - 1]))) {
			n = i;
			break;
		}
	while (n && blank(s[n - 1]))
		n--;
	return n;
}

/* One line, without its newline, leading blanks, comment and trailing blanks. */
static void parse_line(struct config_reader *r, unsigned line, const char *s, size_t n)
{
	const char *end, *eq;
	size_t kn;
	char *key;

	if (!n)
		return;
	if (s[0] == '[') {
		end = memchr(s, ']', n);
		if (!end)
			config_reader_error(r, line, "section header has no \"]\"");
		else if (end != s + n - 1)
			config_reader_error(r, line, "text after \"]\" of a section header");
		else
			config_reader_section(r, line, s + 1, (size_t)(end - s - 1));
		return;
	}
	eq = memchr(s, '=', n);
	end = memchr(s, ':', n); /* inih's other separator: kept so old files read the same */
	if (!eq || (end && end < eq))
		eq = end;
	kn = eq ? strip_comment(s, (size_t)(eq - s)) : 0;
	if (!kn) {
		config_reader_error(r, line, "expected \"[section]\" or \"key = value\"");
		return;
	}
	key = malloc(n + 2);
	if (!key) {
		config_reader_error(r, line, "out of memory");
		return;
	}
	memcpy(key, s, kn);
	key[kn] = '\0';
	eq++;
	while (eq < s + n && blank(*eq))
		eq++;
	memcpy(key + kn + 1, eq, (size_t)(s + n - eq));
	key[kn + 1 + (s + n - eq)] = '\0';
	config_reader_key(r, line, key, key + kn + 1);
	free(key);
}

static void parse_text(struct config_reader *r, const char *text)
{
	unsigned line = 0;

	if (!strncmp(text, "\xef\xbb\xbf", 3))
		text += 3;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		const char *s = text;

		line++;
		text += n + (nl ? 1 : 0);
		while (n && blank(*s)) {
			s++;
			n--;
		}
		parse_line(r, line, s, strip_comment(s, n));
	}
}

int config_load_string(const char *name, const char *text, struct enid_config *cfg,
		       struct config_errors *errs)
{
	struct enid_config tmp;
	struct config_reader reader;
	int r;

	config_reader_init(&reader, name, &tmp, errs, config_global_keys, config_eni_keys);
	config_defaults(&tmp);
	parse_text(&reader, text);
	r = config_reader_close(&reader, config_reader_finish(&reader, true));
	if (r) {
		config_free(&tmp);
		return r;
	}
	*cfg = tmp;
	return 0;
}

/* The whole file, NUL-terminated, in *text; 0 or -errno (-EINVAL: a NUL byte). */
static int read_text(const char *path, char **text)
{
	size_t n = 0;
	FILE *f;
	int r = 0;

	*text = NULL;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*text = malloc(CONFIG_MAX_SIZE + 1);
	if (!*text)
		r = -ENOMEM;
	errno = 0;
	if (*text)
		n = fread(*text, 1, CONFIG_MAX_SIZE + 1, f);
	if (!r && ferror(f))
		r = errno ? -errno : -EIO; /* EISDIR for a directory */
	else if (!r && n > CONFIG_MAX_SIZE)
		r = -EFBIG;
	fclose(f);
	if (!r && memchr(*text, '\0', n))
		r = -EINVAL;
	if (r) {
		free(*text);
		*text = NULL;
		return r;
	}
	(*text)[n] = '\0';
	return 0;
}

/* One file of the set, or an error about the whole of it. */
static int feed_file(struct config_reader *r, const char *path)
{
	char *text;
	int err = read_text(path, &text);

	if (err == -EINVAL)
		config_reader_error(r, 0, "contains a NUL byte");
	else if (err == -EFBIG)
		config_reader_error(r, 0, "larger than %d bytes", CONFIG_MAX_SIZE);
	else if (err)
		config_reader_error(r, 0, "%s", strerror(-err));
	if (!err)
		parse_text(r, text);
	free(text);
	return err;
}

static int dropin_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static char *config_dropin_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash)
		return strdup(CONFIG_DROPIN_DIR);
	if (asprintf(&dir, "%.*s/%s", (int)(slash - path), path, CONFIG_DROPIN_DIR) < 0)
		return NULL;
	return dir;
}

int config_load(const char *path, struct enid_config *cfg, struct config_errors *errs)
{
	struct enid_config tmp;
	struct config_reader reader;
	struct dirent **ents = NULL;
	char *dir = config_dropin_dir(path), *names[CONFIG_READ_MAX_FILES] = {NULL};
	int n = 0, r;

	config_reader_init(&reader, path, &tmp, errs, config_global_keys, config_eni_keys);
	config_defaults(&tmp);
	r = feed_file(&reader, path);
	if (!r && dir) {
		n = scandir(dir, &ents, dropin_filter, by_name);
		if (n < 0 && errno != ENOENT && errno != ENOTDIR)
			config_reader_error(&reader, 0, "%s: %s", dir, strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		if (i + 1 >= CONFIG_READ_MAX_FILES) {
			config_reader_error(&reader, 0, "%s: more than %d drop-ins", dir,
					    CONFIG_READ_MAX_FILES - 1);
			break;
		}
		if (asprintf(&names[i], "%s/%s", dir, ents[i]->d_name) < 0) {
			names[i] = NULL;
			r = -ENOMEM;
			break;
		}
		config_reader_next_file(&reader, names[i]);
		feed_file(&reader, names[i]);
	}
	if (!dir)
		r = -ENOMEM;
	if (r == -ENOMEM || !r)
		r = config_reader_finish(&reader, !r);
	r = config_reader_close(&reader, r);
	for (int i = 0; i < n; i++)
		free(ents[i]);
	for (int i = 0; i < CONFIG_READ_MAX_FILES; i++)
		free(names[i]);
	free(ents);
	free(dir);
	if (r) {
		config_free(&tmp);
		return r;
	}
	*cfg = tmp;
	return 0;
}
