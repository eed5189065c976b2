// SPDX-License-Identifier: GPL-2.0
/*
 * json_out: bytes that are not UTF-8 become U+FFFD (one per byte), valid UTF-8 is kept
 * as it is, and what the helpers build parses with json-c's strict, UTF-8-validating
 * tokener and gives the same values back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "unit_util.h"
#include "json_out.h"

#define R "\xef\xbf\xbd" /* U+FFFD */

static const struct {
	const char *in, *out;
} utf8_cases[] = {
	{"", ""},
	{"eth1", "eth1"},
	{"\xc3\xa9", "\xc3\xa9"},				/* é */
	{"\xe2\x82\xac", "\xe2\x82\xac"},			/* € */
	{"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},		/* U+1F600 */
	{"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},		/* U+10FFFF */
	{"\xef\xbf\xbd", "\xef\xbf\xbd"},			/* U+FFFD itself */
	{"\x7f\x01", "\x7f\x01"},				/* ASCII controls are UTF-8 */
	{"\xff", R},
	{"a\xff" "b", "a" R "b"},
	{"\x80", R},						/* lone continuation */
	{"\xc0\xaf", R R},					/* overlong '/' */
	{"\xc1\xbf", R R},
	{"\xe0\x80\xaf", R R R},				/* overlong, 3 bytes */
	{"\xed\xa0\x80", R R R},				/* surrogate U+D800 */
	{"\xf4\x90\x80\x80", R R R R},				/* above U+10FFFF */
	{"\xf5\x80\x80\x80", R R R R},
	{"\xe2\x82", R R},					/* cut at the end */
	{"\xe2\x82" "A", R R "A"},				/* cut before ASCII */
	{"\xf0\x9f\x98", R R R},
	{"\xfe\xfe\xff\xff", R R R R},
	{"et\xff\xc3\xa9\x80", "et" R "\xc3\xa9" R},
};

TEST(utf8_replaced_per_invalid_byte)
{
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		char *got = json_out_utf8(utf8_cases[i].in);

		ASSERT_NE(NULL, got);
		EXPECT_STREQ(utf8_cases[i].out, got) TH_LOG("case %zu", i);
		free(got);
	}
}

/* Every case as a member, then the document parsed back strictly. */
TEST(object_parses_and_round_trips)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *back, *v;
	char key[16];
	const char *text;
	int err = 0;

	ASSERT_NE(NULL, o);
	ASSERT_NE(NULL, arr);
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		EXPECT_EQ(0, json_out_add_str(o, key, utf8_cases[i].in, &err));
		EXPECT_EQ(0, json_out_append(arr, json_out_string(utf8_cases[i].in), &err));
	}
	EXPECT_EQ(0, json_out_add(o, "all", arr, &err));
	EXPECT_EQ(0, json_out_add_str_or_null(o, "none", "", &err));
	EXPECT_EQ(0, json_out_add_str_or_null(o, "some", "x/y", &err));
	EXPECT_EQ(0, json_out_add_null(o, "nil", &err));
	EXPECT_EQ(0, json_out_add_uint(o, "big", UINT64_MAX, &err));
	EXPECT_EQ(0, json_out_add_int(o, "neg", -1, &err));
	EXPECT_EQ(0, json_out_add_bool(o, "yes", 1, &err));
	text = json_out_text(o);
	ASSERT_NE(NULL, text);
	/* one compact line, '/' not escaped */
	EXPECT_EQ(NULL, strchr(text, '\n'));
	EXPECT_NE(NULL, strstr(text, "\"some\":\"x/y\",\"nil\":null,"
				     "\"big\":18446744073709551615,\"neg\":-1,\"yes\":true}"));

	back = parse_strict(text);
	ASSERT_NE(NULL, back) TH_LOG("does not parse: %s", text);
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		ASSERT_TRUE(json_object_object_get_ex(back, key, &v));
		EXPECT_STREQ(utf8_cases[i].out, json_object_get_string(v)) TH_LOG("%s", key);
		v = json_object_array_get_idx(json_object_object_get(back, "all"), i);
		EXPECT_STREQ(utf8_cases[i].out, json_object_get_string(v)) TH_LOG("all[%zu]", i);
	}
	ASSERT_TRUE(json_object_object_get_ex(back, "none", &v));
	EXPECT_EQ(NULL, v);
	json_object_put(back);
	json_object_put(o);
}

/* A failed constructor (NULL) is -ENOMEM, sticky: later members are not added. */
TEST(failure_is_sticky)
{
	struct json_object *o = json_object_new_object();
	int err = 0;

	ASSERT_NE(NULL, o);
	EXPECT_EQ(-ENOMEM, json_out_add(o, "a", NULL, &err));
	EXPECT_EQ(-ENOMEM, json_out_add_str(o, "b", "x", &err));
	EXPECT_EQ(-ENOMEM, json_out_add_null(o, "c", &err));
	EXPECT_EQ(-ENOMEM, json_out_append(json_object_new_array(), NULL, &err));
	EXPECT_EQ(0, json_object_object_length(o));
	json_object_put(o);
}

TEST_HARNESS_MAIN
