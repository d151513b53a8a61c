/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one RFC 3339 formatter: state's `created`, the log lines' "time". */
#include <stdio.h>
#include <time.h>

#include "util/rfc3339.h"

/* The proleptic Gregorian date of a day count since 1970-01-01 (the
 * well-known era arithmetic: 400-year eras of 146097 days).  Done here
 * rather than with gmtime_r because glibc's gmtime_r runs tzset once,
 * which opens and parses /etc/localtime on every `run` for a UTC string. */
static void civil_from_days(long long days, int *year, unsigned *month,
			    unsigned *day)
{
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

void calyx_rfc3339(const struct timespec *t, char *out, size_t size)
{
	long long days, secs;
	unsigned month, day;
	int year;

	days = t->tv_sec / 86400;
	secs = t->tv_sec % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	snprintf(out, size, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%09ldZ", year,
		 month, day, secs / 3600, secs / 60 % 60, secs % 60,
		 t->tv_nsec);
}

void calyx_now_rfc3339(char *out, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	calyx_rfc3339(&ts, out, size);
}
