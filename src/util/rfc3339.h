/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CALYX_UTIL_RFC3339_H
#define CALYX_UTIL_RFC3339_H

#include <stddef.h>
#include <time.h>

/* Enough for "2026-11-24T01:02:03.123456789Z" and its NUL. */
#define CALYX_RFC3339_LEN 32

/* Now, UTC, RFC 3339 with nanoseconds, as runc writes `created` and its
 * JSON log lines' "time". */
void calyx_now_rfc3339(char *out, size_t size);
/* The same for a given time. */
void calyx_rfc3339(const struct timespec *ts, char *out, size_t size);

/* The same for a given time (UTC, no time zone file read). */
void calyx_rfc3339(const struct timespec *t, char *out, size_t size);

#endif
