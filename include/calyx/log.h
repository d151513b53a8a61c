/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging without globals: every function that may log is handed the sink.
 * Text lines look like `level=warning msg="..."`-free plain text:
 *   calyx: warning: <msg>
 * JSON lines are what runc writes and engines parse:
 *   {"level":"error","msg":"...","time":"2026-11-24T01:02:03.123456789Z"}
 */
#ifndef CALYX_LOG_H
#define CALYX_LOG_H

#include <stdbool.h>

#include "calyx/api.h"

CALYX_BEGIN_DECLS

enum calyx_log_level {
	CALYX_LOG_ERROR,
	CALYX_LOG_WARNING,
	CALYX_LOG_INFO,
	CALYX_LOG_DEBUG,
};

enum calyx_log_format {
	CALYX_LOG_TEXT,
	CALYX_LOG_JSON,
};

struct calyx_log {
	int fd;				/* --log FILE, or -1: stderr */
	enum calyx_log_format format;
	enum calyx_log_level max_level;	/* WARNING by default, DEBUG with --debug */
};

CALYX_PUBLIC
void calyx_log(const struct calyx_log *log, enum calyx_log_level level,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define calyx_debug(log, ...) calyx_log((log), CALYX_LOG_DEBUG, __VA_ARGS__)
#define calyx_warn(log, ...) calyx_log((log), CALYX_LOG_WARNING, __VA_ARGS__)

CALYX_END_DECLS

#endif
