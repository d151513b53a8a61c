/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
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

	calyx_error_setx(&err, EPERM, "first");
	calyx_error_setx(&err, EIO, "second");
	CHECK_STR(err->msg, "first");
	CHECK(err->errnum == EPERM);
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

/* the formatter's own calendar against the C library's */
TEST(rfc3339_calendar)
{
	static const time_t fixed[] = {
		0, 1, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800,
		1709164800 /* 2024-02-29 */, 4107542399LL /* 2100-02-28T23:59:59 */,
		4107542400LL, 253402300799LL /* 9999-12-31T23:59:59 */,
	};
	struct timespec ts = { .tv_nsec = 5 };
	char got[64], want[64];
	unsigned long long x = 88172645463325252ULL;
	struct tm tm;

	for (size_t i = 0; i < 2000 + sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0])) {
			ts.tv_sec = fixed[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			ts.tv_sec = (time_t)(x % 253402300800ULL);
		}
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.000000005Z",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec);
		calyx_rfc3339(&ts, got, sizeof(got));
		if (strcmp(got, want)) {
			CHECK_STR(got, want);
			break;
		}
	}
	ts.tv_sec = 0;
	calyx_rfc3339(&ts, got, sizeof(got));
	CHECK_STR(got, "1970-01-01T00:00:00.000000005Z");
}

int main(void)
{
	RUN(error_set_formats_strerror);
	RUN(error_prefix_adds_context);
	RUN(error_first_one_wins);
	RUN(json_escape);
	RUN(strv);
	RUN(rfc3339_now);
	RUN(rfc3339_calendar);
	return unit_summary("unit/util");
}
