/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CALYX_UTIL_JSON_ESCAPE_H
#define CALYX_UTIL_JSON_ESCAPE_H

#include <stddef.h>

/* Escape `in` as the inside of a JSON string into out (always terminated;
 * truncated to fit). */
void calyx_json_escape(const char *in, char *out, size_t size);

#endif
