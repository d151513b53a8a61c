/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "calyx/error.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json_escape.h"

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

int main(void)
{
	RUN(error_set_formats_strerror);
	RUN(error_prefix_adds_context);
	RUN(error_first_one_wins);
	RUN(json_escape);
	return unit_summary("unit/util");
}
