/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "calyx/log.h"
#include "util/json_escape.h"

static const char *const level_names[] = {
	[CALYX_LOG_ERROR] = "error",
	[CALYX_LOG_WARNING] = "warning",
	[CALYX_LOG_INFO] = "info",
	[CALYX_LOG_DEBUG] = "debug",
};

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0)
			return;	/* logging must never fail the operation */
		buf += n;
		len -= (size_t)n;
	}
}

static void format_time(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%09ldZ", base, ts.tv_nsec);
}

void calyx_log(const struct calyx_log *log, enum calyx_log_level level,
	       const char *fmt, ...)
{
	char msg[4096], line[8192 + 128], when[64];
	enum calyx_log_format format = log ? log->format : CALYX_LOG_TEXT;
	int fd = log && log->fd >= 0 ? log->fd : STDERR_FILENO;
	va_list ap;
	int n;

	if (level > (log ? log->max_level : CALYX_LOG_WARNING))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (format == CALYX_LOG_JSON) {
		char escaped[8192];

		calyx_json_escape(msg, escaped, sizeof(escaped));
		format_time(when, sizeof(when));
		n = snprintf(line, sizeof(line),
			     "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_names[level], escaped, when);
	} else if (fd == STDERR_FILENO) {
		n = snprintf(line, sizeof(line), "calyx: %s%s%s\n",
			     level == CALYX_LOG_ERROR ? "" : level_names[level],
			     level == CALYX_LOG_ERROR ? "" : ": ", msg);
	} else {
		format_time(when, sizeof(when));
		n = snprintf(line, sizeof(line), "%s %s: %s\n", when,
			     level_names[level], msg);
	}
	if (n > 0)
		write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
