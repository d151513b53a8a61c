/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calyx/error.h"
#include "calyx/log.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/json_escape.h"
#include "util/json_writer.h"
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

TEST(json_writer_writes)
{
	static const char *const list[] = { "x", "y", NULL };
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *out = NULL;
	struct json_writer w;

	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_key_str(&w, "s", "caf\xc3\xa9 \"q\"");
	jw_key_str(&w, "null-is-empty", NULL);
	jw_key_int(&w, "i", -5);
	jw_key_u64(&w, "u", UINT64_MAX);
	jw_key_bool(&w, "b", true);
	jw_key(&w, "n");
	jw_null(&w);
	jw_key(&w, "f");
	jw_number(&w, "0.250");
	jw_key_strv(&w, "v", list);
	jw_key_strv(&w, "none", NULL);
	jw_map_close(&w);
	CHECK(jw_finish(&w, true, &out, &err) == 0);
	CHECK(w.gen == NULL);
	CHECK_STR(out, "{\"s\":\"caf\xc3\xa9 \\\"q\\\"\",\"null-is-empty\":\"\","
		  "\"i\":-5,\"u\":18446744073709551615,\"b\":true,\"n\":null,"
		  "\"f\":0.250,\"v\":[\"x\",\"y\"],\"none\":[]}\n");
}

TEST(json_writer_pretty_ends_without_newline_unless_asked)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *out = NULL;
	struct json_writer w;

	jw_init(&w, "  ");
	jw_map_open(&w);
	jw_key_int(&w, "a", 1);
	jw_map_close(&w);
	CHECK(jw_finish(&w, false, &out, &err) == 0);
	CHECK_STR(out, "{\n  \"a\": 1\n}");
}

/* Every yajl status is checked: the first failure sticks, names its key,
 * and no document comes out. */
TEST(json_writer_refuses_invalid_utf8)
{
	static const char *const bad[] = {
		"\xff", "a\xc3", "\xc0\xaf" /* overlong "/" */, "\xed\xa0\x80" /* surrogate */,
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_error_ calyx_error *err = NULL;
		char *out = (char *)"untouched";
		struct json_writer w;

		jw_init(&w, NULL);
		jw_map_open(&w);
		jw_key_str(&w, "ok", "fine");
		jw_key_str(&w, "bundle", bad[i]);
		jw_key_str(&w, "later", "fine");	/* no effect after a failure */
		jw_map_close(&w);
		CHECK(jw_finish(&w, false, &out, &err) == -EINVAL);
		CHECK(out == NULL);
		CHECK(err && strcmp(err->msg, "generating JSON: \"bundle\": a string "
				    "is not valid UTF-8 (or holds a NUL byte)") == 0);
	}
}

TEST(json_writer_refuses_a_bad_key_and_misuse)
{
	_cleanup_error_ calyx_error *err = NULL;
	char *out = NULL;
	struct json_writer w;

	/* a key that is itself the bad string: named printably */
	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_key_str(&w, "k\x01\xfe", "v");
	jw_map_close(&w);
	CHECK(jw_finish(&w, false, &out, &err) < 0 && out == NULL);
	CHECK(err && strcmp(err->msg, "generating JSON: \"k??\": a string is not "
			    "valid UTF-8 (or holds a NUL byte)") == 0);
	calyx_error_free(&err);

	/* a NUL inside a counted string: C readers would cut it short */
	jw_init(&w, NULL);
	jw_array_open(&w);
	jw_str_n(&w, "a\0b", 3);
	jw_array_close(&w);
	CHECK(jw_finish(&w, false, &out, &err) < 0 && out == NULL);
	calyx_error_free(&err);

	/* a value where a key must be, and an unbalanced close */
	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_int(&w, 1);
	jw_map_close(&w);
	CHECK(jw_finish(&w, false, &out, &err) < 0 && out == NULL);
	CHECK(err && strstr(err->msg, "malformed document"));
	calyx_error_free(&err);

	jw_init(&w, NULL);
	jw_array_close(&w);
	CHECK(jw_finish(&w, false, &out, &err) < 0 && out == NULL);
	calyx_error_free(&err);

	/* an open document is not finished */
	jw_init(&w, NULL);
	jw_array_open(&w);
	jw_release(&w);
	CHECK(w.gen == NULL);
}

TEST(utf8_scrub)
{
	char s[] = "ok \xc3\xa9 \xff bad \xc0\xaf cut \xe2\x82";

	calyx_utf8_scrub(s);
	CHECK_STR(s, "ok \xc3\xa9 ? bad ?? cut ??");
	CHECK(calyx_utf8_valid(s, strlen(s)));
}

/* --log-format json: one JSON object a line, whatever bytes the message
 * holds (a path of any bytes is scrubbed, not written raw). */
TEST(log_json_lines_are_json)
{
	static const char prefix[] = "{\"level\":\"error\",\"msg\":\"open /x??";
	struct calyx_log log = { .format = CALYX_LOG_JSON, .max_level = CALYX_LOG_DEBUG };
	_cleanup_error_ calyx_error *err = NULL;
	char buf[512] = { 0 };
	int fds[2];
	ssize_t n;
	yajl_val doc, msg;
	const char *path[] = { "msg", NULL };

	CHECK(pipe(fds) == 0);
	log.fd = fds[1];
	calyx_log(&log, CALYX_LOG_ERROR, "open %s: \"quoted\"\n", "/x\xff\xfe");
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	CHECK(n > 0 && buf[n - 1] == '\n');
	CHECK(strncmp(buf, prefix, sizeof(prefix) - 1) == 0);
	doc = calyx_json_parse(buf, strlen(buf), NULL, &err);
	CHECK(doc != NULL);
	msg = doc ? yajl_tree_get(doc, path, yajl_t_string) : NULL;
	CHECK_STR(msg ? YAJL_GET_STRING(msg) : NULL, "open /x??: \"quoted\"\n");
	yajl_tree_free(doc);
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
	RUN(error_codes_without_an_error);
	RUN(json_escape);
	RUN(json_writer_writes);
	RUN(json_writer_pretty_ends_without_newline_unless_asked);
	RUN(json_writer_refuses_invalid_utf8);
	RUN(json_writer_refuses_a_bad_key_and_misuse);
	RUN(utf8_scrub);
	RUN(log_json_lines_are_json);
	RUN(strv);
	RUN(rfc3339_now);
	RUN(rfc3339_calendar);
	return unit_summary("unit/util");
}
