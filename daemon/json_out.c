// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON output through json-c, with bytes made valid UTF-8 first (see json_out.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

static bool cont(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

/* Bytes in the well-formed UTF-8 sequence at s, or 0. s is NUL-terminated, and NUL is
 * never a continuation byte, so no test reads past it. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return cont(s[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		/* E0: no overlongs; ED: no surrogates */
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		/* F0: no overlongs; F4: nothing above U+10FFFF */
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3]) ? 4 : 0;
	}
	return 0; /* a continuation byte, C0, C1, F5..FF */
}

char *json_out_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * (sizeof(replacement) - 1) + 1), *o = out;

	if (!out)
		return NULL;
	while (*p) {
		size_t n = utf8_seq_len(p);

		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, replacement, sizeof(replacement) - 1);
			o += sizeof(replacement) - 1;
			p++;
		}
	}
	*o = '\0';
	return out;
}

struct json_object *json_out_string(const char *s)
{
	char *valid = json_out_utf8(s);
	struct json_object *o;

	if (!valid)
		return NULL;
	o = json_object_new_string(valid);
	free(valid);
	return o;
}

int json_out_add(struct json_object *obj, const char *key, struct json_object *val, int *err)
{
	if (!*err && !val)
		*err = -ENOMEM;
	if (*err) {
		json_object_put(val);
		return *err;
	}
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		*err = -ENOMEM;
	}
	return *err;
}

int json_out_add_str(struct json_object *obj, const char *key, const char *s, int *err)
{
	return json_out_add(obj, key, *err ? NULL : json_out_string(s), err);
}

int json_out_add_str_or_null(struct json_object *obj, const char *key, const char *s, int *err)
{
	if (!s || !s[0])
		return json_out_add_null(obj, key, err);
	return json_out_add_str(obj, key, s, err);
}

int json_out_add_int(struct json_object *obj, const char *key, int64_t v, int *err)
{
	return json_out_add(obj, key, *err ? NULL : json_object_new_int64(v), err);
}

int json_out_add_uint(struct json_object *obj, const char *key, uint64_t v, int *err)
{
	return json_out_add(obj, key, *err ? NULL : json_object_new_uint64(v), err);
}

int json_out_add_bool(struct json_object *obj, const char *key, int v, int *err)
{
	return json_out_add(obj, key, *err ? NULL : json_object_new_boolean(v), err);
}

int json_out_add_null(struct json_object *obj, const char *key, int *err)
{
	/* json-c stores a NULL value as JSON null */
	if (!*err && json_object_object_add(obj, key, NULL) < 0)
		*err = -ENOMEM;
	return *err;
}

int json_out_append(struct json_object *arr, struct json_object *val, int *err)
{
	if (!*err && !val)
		*err = -ENOMEM;
	if (*err) {
		json_object_put(val);
		return *err;
	}
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		*err = -ENOMEM;
	}
	return *err;
}

const char *json_out_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
}
