/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON output, all of it through json-c: `enictl status --json` (built by enid),
 * `enictl monitor --json` and `enictl dump --json`. Strings that come from the kernel
 * or a driver (interface names, driver names, bus info) are bytes, not text: before
 * json-c sees them, every byte that does not begin a well-formed UTF-8 sequence
 * (Unicode table 3-7: no overlongs, no surrogates, nothing above U+10FFFF) becomes
 * U+FFFD, one per byte, so the output always parses and the valid part round-trips.
 * Pure: no I/O.
 *
 * The json_out_add_* helpers add one member to an object. A failed allocation is
 * sticky: *err becomes -ENOMEM, the value is dropped, and later calls do nothing;
 * each returns *err, so a builder checks once at the end.
 */
#ifndef ENID_JSON_OUT_H
#define ENID_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* The bytes of s with each invalid byte replaced by U+FFFD (EF BF BD), NUL-terminated,
 * malloc'ed; NULL when out of memory. */
char *json_out_utf8(const char *s);

/* A json-c string from s, made valid UTF-8 first; NULL when out of memory. */
struct json_object *json_out_string(const char *s);

int json_out_add(struct json_object *obj, const char *key, struct json_object *val, int *err);
int json_out_add_str(struct json_object *obj, const char *key, const char *s, int *err);
/* null when s is NULL or "" */
int json_out_add_str_or_null(struct json_object *obj, const char *key, const char *s, int *err);
int json_out_add_int(struct json_object *obj, const char *key, int64_t v, int *err);
int json_out_add_uint(struct json_object *obj, const char *key, uint64_t v, int *err);
int json_out_add_bool(struct json_object *obj, const char *key, int v, int *err);
int json_out_add_null(struct json_object *obj, const char *key, int *err);
/* Appends val (NULL = out of memory) to the array arr. */
int json_out_append(struct json_object *arr, struct json_object *val, int *err);

/* obj as one line of compact JSON ("/" not escaped), owned by obj; NULL when out of
 * memory. */
const char *json_out_text(struct json_object *obj);

#endif
