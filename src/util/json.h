/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place calyx turns JSON text into a tree.  Every document calyx
 * reads (config.json, process.json, update -r, a seccomp file, state.json)
 * comes through here, so the rules on strings are enforced once:
 *  - a string or key holding NUL (raw or \u0000) is refused: C would see
 *    it cut short ("/tmp\u0000/../../etc" would become "/tmp");
 *  - a string that is not valid UTF-8 (overlong forms, surrogates, past
 *    U+10FFFF, a lone or mismatched \uD800..\uDFFF escape) is refused;
 *  - a repeated key keeps its last value, as runc's (Go's) decoder does;
 *  - nesting deeper than CALYX_JSON_MAX_DEPTH is refused.
 * Errors name the JSON path of the value at fault, after `prefix` (may be
 * NULL): "process.args[1]: contains a NUL character".
 *
 * The result is an ordinary yajl tree: read it with yajl_tree.h, free it
 * with yajl_tree_free().
 */
#ifndef CALYX_UTIL_JSON_H
#define CALYX_UTIL_JSON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "calyx/error.h"

#define CALYX_JSON_MAX_DEPTH 256

/* text[len] must be '\0'; a NUL before len is refused. NULL on error. */
yajl_val calyx_json_parse(const char *text, size_t len, const char *prefix,
			  calyx_error **err);

/* The negative errno a failed calyx_json_parse stands for. */
static inline int calyx_json_error_code(calyx_error **err)
{
	return err && *err ? calyx_error_code(*err) : -EINVAL;
}

/*
 * Keys and values of a document end up in messages ("annotations.k\n: ...",
 * "unknown namespace type \"a\nb\""): rewrite *err's message with control
 * characters escaped (\n, \t, \xNN) so it stays one line and cannot
 * drive the terminal it is printed on.  Entry points call it on failure.
 */
void calyx_json_error_printable(calyx_error **err);

/* True when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF). */
bool calyx_utf8_valid(const char *s, size_t len);
/* Every byte of s that starts no well-formed sequence becomes '?': text of
 * unknown origin (a log message naming a path) made writable as JSON. */
void calyx_utf8_scrub(char *s);

#endif
