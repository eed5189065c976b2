/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers the unit tests share: an address from text, JSON parsed strictly. */
#ifndef ENID_UNIT_UTIL_H
#define ENID_UNIT_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "addr.h"

/* "10.0.0.1" or "10.0.0.1/24" (aborts on anything else: a test's own typo). */
static inline struct enid_ip ip(const char *s)
{
	struct enid_ip out;

	memset(&out, 0, sizeof(out));
	if (!enid_ip_parse(s, strchr(s, '/') != NULL, &out))
		abort();
	return out;
}

/* Strict JSON, strict UTF-8; NULL when text does not parse. */
static inline struct json_object *parse_strict(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

#endif
