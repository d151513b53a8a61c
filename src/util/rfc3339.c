/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one RFC 3339 formatter: state's `created`, the log lines' "time". */
#include <stdio.h>
#include <time.h>

#include "util/rfc3339.h"

/*
 * The civil date of a day count since 1970-01-01 (proleptic Gregorian, in
 * 400-year eras).  Not gmtime_r: glibc's first time conversion reads
 * /etc/localtime (tzset) even for UTC, 7 syscalls on every create.
 */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

void calyx_rfc3339(const struct timespec *ts, char *out, size_t size)
{
	long long days = ts->tv_sec / 86400, secs = ts->tv_sec % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09ldZ", y, m, d,
		 secs / 3600, secs / 60 % 60, secs % 60, ts->tv_nsec);
}

void calyx_now_rfc3339(char *out, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	calyx_rfc3339(&ts, out, size);
}
