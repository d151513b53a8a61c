/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calyx/error.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json_escape.h"
#include "util/rfc3339.h"
#include "util/strv.h"

TEST(error_set_formats_strerror)
{
	_cleanup_error_ calyx_error *err = NULL;
	int r = calyx_error_set(&err, ENOENT, "open %s", "/x");

	CHECK(r == -ENOENT);
	CHECK_STR(err->msg, "open /x: No such file or directory");
	CHECK(calyx_error_code(err) == -ENOENT);
}

TEST(error_prefix_adds_context)
{
	_cleanup_error_ calyx_error *err = NULL;

	calyx_error_setx(&err, 0, "must be an integer");
	CHECK(calyx_error_prefix(&err, "config.json: %s", "a.b") == -EINVAL);
	CHECK_STR(err->msg, "config.json: a.b: must be an integer");
}

TEST(error_first_one_wins)
{
	_cleanup_error_ calyx_error *err = NULL;

	CHECK(calyx_error_setx(&err, EPERM, "first") == -EPERM);
	/* the first error stays, and so does its code: they never disagree */
	CHECK(calyx_error_setx(&err, EIO, "second") == -EPERM);
	CHECK(calyx_error_set(&err, ENOENT, "third") == -EPERM);
	CHECK_STR(err->msg, "first");
	CHECK(err->errnum == EPERM);
	CHECK(calyx_error_prefix(&err, "ctx") == -EPERM);
	CHECK(calyx_error_code(err) == -EPERM);
}

TEST(error_codes_without_an_error)
{
	_cleanup_error_ calyx_error *err = NULL;

	/* no place to record: the code is still the caller's */
	CHECK(calyx_error_set(NULL, ENOENT, "x") == -ENOENT);
	CHECK(calyx_error_setx(NULL, 0, "x") == -EINVAL);
	/* errnum 0 is not a syscall error: EINVAL, without strerror */
	CHECK(calyx_error_set(&err, 0, "bad value") == -EINVAL);
	CHECK_STR(err->msg, "bad value");
	calyx_error_free(&err);
	CHECK(err == NULL);
	CHECK(calyx_error_code(NULL) == 0);
	CHECK(calyx_error_prefix(&err, "ctx") == -EINVAL);
	CHECK(err == NULL);
}

TEST(json_escape)
{
	char out[64];

	calyx_json_escape("a\"b\\c\nd\x01", out, sizeof(out));
	CHECK_STR(out, "a\\\"b\\\\c\\nd\\u0001");
	calyx_json_escape("abcdef", out, 4);
	CHECK_STR(out, "abc");
}

TEST(strv)
{
	_cleanup_strv_ char **v = NULL;
	_cleanup_strv_ char **copy = NULL;
	char *const more[] = { "b", "a", "c", NULL };

	CHECK(calyx_strv_length(NULL) == 0);
	CHECK(!calyx_strv_contains(NULL, "a"));
	CHECK(calyx_strv_dup(NULL) == NULL);
	CHECK(calyx_strv_push(&v, "a") == 0);
	CHECK(calyx_strv_extend(&v, more) == 0);
	CHECK(calyx_strv_extend(&v, NULL) == 0);
	CHECK(calyx_strv_length(v) == 4);
	CHECK(calyx_strv_contains(v, "c") && !calyx_strv_contains(v, "d"));
	copy = calyx_strv_dup(v);
	CHECK(copy && calyx_strv_length(copy) == 4 && copy[0] != v[0]);
	calyx_strv_remove(v, "a");	/* every "a", the order kept */
	CHECK(calyx_strv_length(v) == 2);
	CHECK_STR(v[0], "b");
	CHECK_STR(v[1], "c");
	CHECK_STR(copy[3], "c");
}

TEST(rfc3339_now)
{
	char t[CALYX_RFC3339_LEN];

	calyx_now_rfc3339(t, sizeof(t));
	/* 2026-11-24T01:02:03.123456789Z */
	CHECK(strlen(t) == 30 && t[4] == '-' && t[10] == 'T' && t[19] == '.' &&
	      t[29] == 'Z');
}

int main(void)
{
	RUN(error_set_formats_strerror);
	RUN(error_prefix_adds_context);
	RUN(error_first_one_wins);
	RUN(error_codes_without_an_error);
	RUN(json_escape);
	RUN(strv);
	RUN(rfc3339_now);
	return unit_summary("unit/util");
}
