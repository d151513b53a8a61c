/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hand-written protobuf codec of the CRIU RPC (src/container/criu_rpc.c). */
#include <errno.h>
#include <string.h>

#include "container/criu_rpc.h"
#include "unit.h"
#include "util/cleanup.h"

/* A criu_resp as CRIU would send it: a NOTIFY with script and pid. */
static void notify_resp(struct pb_buf *b, const char *script, int32_t pid)
{
	_cleanup_pb_buf_ struct pb_buf n = { 0 };

	pb_put_string(&n, 1, script);
	pb_put_int32(&n, 2, pid);
	pb_put_uint(b, 1, CRIU_REQ_NOTIFY);
	pb_put_bool(b, 2, true);
	pb_put_message(b, 5, &n);
}

TEST(encodes_like_protoc)
{
	_cleanup_pb_buf_ struct pb_buf b = { 0 };
	/* field 1 varint 300, field 10 "ab", field 9 int32 -1 (ten bytes) */
	static const uint8_t want[] = { 0x08, 0xac, 0x02, 0x52, 0x02, 'a', 'b', 0x48,
					0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0x01 };

	pb_put_uint(&b, 1, 300);
	pb_put_string(&b, 10, "ab");
	pb_put_int32(&b, 9, -1);
	CHECK(!b.oom);
	CHECK(b.len == sizeof(want));
	CHECK(memcmp(b.data, want, sizeof(want)) == 0);
}

TEST(decodes_notify)
{
	_cleanup_pb_buf_ struct pb_buf b = { 0 };
	_cleanup_error_ calyx_error *err = NULL;
	struct criu_resp r;

	notify_resp(&b, "post-restore", 4242);
	CHECK(criu_resp_decode(b.data, b.len, &r, &err) == 0);
	CHECK(r.type == CRIU_REQ_NOTIFY);
	CHECK(r.success);
	CHECK_STR(r.notify_script, "post-restore");
	CHECK(r.notify_pid == 4242);
}

TEST(decodes_restore_pid_and_errors)
{
	_cleanup_pb_buf_ struct pb_buf b = { 0 }, rs = { 0 };
	_cleanup_error_ calyx_error *err = NULL;
	struct criu_resp r;

	pb_put_int32(&rs, 1, 77);
	pb_put_uint(&b, 1, CRIU_REQ_RESTORE);
	pb_put_bool(&b, 2, false);
	pb_put_message(&b, 4, &rs);
	pb_put_int32(&b, 7, EBUSY);
	pb_put_string(&b, 9, "no luck");
	/* an unknown field is skipped */
	pb_put_uint(&b, 99, 0);
	CHECK(criu_resp_decode(b.data, b.len, &r, &err) == 0);
	CHECK(r.restore_pid == 77);
	CHECK(!r.success);
	CHECK(r.cr_errno == EBUSY);
	CHECK_STR(r.cr_errmsg, "no luck");
}

TEST(every_truncation_is_refused_or_complete)
{
	_cleanup_pb_buf_ struct pb_buf b = { 0 };
	struct criu_resp r;

	notify_resp(&b, "setup-namespaces", 1);
	for (size_t n = 0; n < b.len; n++) {
		_cleanup_error_ calyx_error *err = NULL;

		/* no read past n bytes; a cut inside a field is malformed */
		CHECK(criu_resp_decode(b.data, n, &r, &err) == -EPROTO ||
		      (err == NULL && r.type == CRIU_REQ_NOTIFY));
	}
}

TEST(overlong_length_refused)
{
	/* type, success, then field 9 claiming 1000 bytes of 2 */
	static const uint8_t bad[] = { 0x08, 0x06, 0x10, 0x01, 0x4a, 0xe8, 0x07, 'x', 'y' };
	_cleanup_error_ calyx_error *err = NULL;
	struct criu_resp r;

	CHECK(criu_resp_decode(bad, sizeof(bad), &r, &err) == -EPROTO);
}

TEST(endless_varint_refused)
{
	uint8_t bad[16];
	_cleanup_error_ calyx_error *err = NULL;
	struct criu_resp r;

	memset(bad, 0xff, sizeof(bad));
	CHECK(criu_resp_decode(bad, sizeof(bad), &r, &err) == -EPROTO);
}

TEST(nul_in_string_refused)
{
	_cleanup_pb_buf_ struct pb_buf b = { 0 };
	_cleanup_error_ calyx_error *err = NULL;
	struct criu_resp r;

	pb_put_uint(&b, 1, CRIU_REQ_DUMP);
	pb_put_bool(&b, 2, false);
	pb_put_bytes(&b, 9, "a\0b", 3);
	CHECK(criu_resp_decode(b.data, b.len, &r, &err) == -EPROTO);
}

TEST(long_script_name_cut)
{
	_cleanup_pb_buf_ struct pb_buf b = { 0 };
	_cleanup_error_ calyx_error *err = NULL;
	char name[200];
	struct criu_resp r;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	notify_resp(&b, name, 1);
	CHECK(criu_resp_decode(b.data, b.len, &r, &err) == 0);
	CHECK(strlen(r.notify_script) == sizeof(r.notify_script) - 1);
}

int main(void)
{
	RUN(encodes_like_protoc);
	RUN(decodes_notify);
	RUN(decodes_restore_pid_and_errors);
	RUN(every_truncation_is_refused_or_complete);
	RUN(overlong_length_refused);
	RUN(endless_varint_refused);
	RUN(nul_in_string_refused);
	RUN(long_script_name_cut);
	return unit_summary("unit/criu");
}
