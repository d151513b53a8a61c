/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "calyx/log.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/json_writer.h"
#include "util/rfc3339.h"

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

/* {"level":..,"msg":..,"time":..} as runc writes --log-format json (what
 * containerd's shim reads back); NULL only when out of memory. */
static char *json_line(enum calyx_log_level level, char *msg, const char *when)
{
	struct json_writer w;
	char *doc = NULL;

	/* a message may name a path of any bytes: never a line lost for it */
	calyx_utf8_scrub(msg);
	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_key_str(&w, "level", level_names[level]);
	jw_key_str(&w, "msg", msg);
	jw_key_str(&w, "time", when);
	jw_map_close(&w);
	jw_finish(&w, true, &doc, NULL);
	return doc;
}

void calyx_log(const struct calyx_log *log, enum calyx_log_level level,
	       const char *fmt, ...)
{
	char msg[4096], line[4096 + 128], when[64];
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
		_cleanup_free_ char *doc = NULL;

		calyx_now_rfc3339(when, sizeof(when));
		doc = json_line(level, msg, when);
		if (doc) {
			write_all(fd, doc, strlen(doc));
			return;
		}
	}
	/* text (and JSON when memory ran out: the message still goes out) */
	if (fd == STDERR_FILENO) {
		n = snprintf(line, sizeof(line), "calyx: %s%s%s\n",
			     level == CALYX_LOG_ERROR ? "" : level_names[level],
			     level == CALYX_LOG_ERROR ? "" : ": ", msg);
	} else {
		calyx_now_rfc3339(when, sizeof(when));
		n = snprintf(line, sizeof(line), "%s %s: %s\n", when,
			     level_names[level], msg);
	}
	if (n > 0)
		write_all(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
