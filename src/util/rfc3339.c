/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one RFC 3339 formatter: state's `created`, the log lines' "time". */
#include <stdio.h>
#include <time.h>

#include "util/rfc3339.h"

void calyx_now_rfc3339(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%09ldZ", base, ts.tv_nsec);
}
