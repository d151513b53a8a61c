/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one way calyx writes JSON (config.json from a spec, state.json, the
 * state hooks and `state`/`list` print, events, features, the default
 * spec, CRIU's descriptors, the --report file).
 *
 * A thin layer over yajl_gen that checks every status yajl returns: the
 * first failure sticks (later calls do nothing), remembers the key it
 * happened under, and jw_finish() turns it into a calyx_error.  Strings
 * follow the rules calyx_json_parse() reads them by (util/json.h: strict
 * UTF-8, no NUL): a path or annotation with other bytes is refused by name
 * instead of written as a document that no JSON reader -- calyx's own
 * included -- would take back.
 */
#ifndef CALYX_UTIL_JSON_WRITER_H
#define CALYX_UTIL_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "calyx/error.h"

struct json_writer {
	yajl_gen gen;
	yajl_gen_status status;	/* the first failure, sticky */
	bool out_of_memory;	/* no generator at all */
	char key[64];		/* the last key before it (for the message) */
};

/* indent NULL: one line; else pretty-printed with that indent.  Cannot
 * fail: running out of memory here is reported by jw_finish(), like every
 * other failure. */
void jw_init(struct json_writer *w, const char *indent);

void jw_map_open(struct json_writer *w);
void jw_map_close(struct json_writer *w);
void jw_array_open(struct json_writer *w);
void jw_array_close(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
/* NULL is written as "" */
void jw_str(struct json_writer *w, const char *s);
void jw_str_n(struct json_writer *w, const char *s, size_t len);
void jw_int(struct json_writer *w, long long v);
/* uint64 does not fit yajl_gen_integer (long long): written as number text */
void jw_u64(struct json_writer *w, uint64_t v);
/* a number already formatted (e.g. "%.3f"); it must be a JSON number */
void jw_number(struct json_writer *w, const char *text);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);

void jw_key_str(struct json_writer *w, const char *key, const char *s);
void jw_key_int(struct json_writer *w, const char *key, long long v);
void jw_key_u64(struct json_writer *w, const char *key, uint64_t v);
void jw_key_bool(struct json_writer *w, const char *key, bool v);
/* "key": [ ...each string of the NULL-terminated v (NULL: []) ] */
void jw_key_strv(struct json_writer *w, const char *key, const char *const *v);

/*
 * The document as a heap string (without a trailing newline unless
 * `newline`), and the generator freed -- on failure too.  The error names
 * the key of the first failure: `generating JSON: "bundle": a string is not
 * valid UTF-8 (or holds a NUL byte)`.
 */
int jw_finish(struct json_writer *w, bool newline, char **out, calyx_error **err);
/* Frees the generator without a document (on the caller's error paths). */
void jw_release(struct json_writer *w);

#endif
