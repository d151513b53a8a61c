/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calyx/error.h"

static int code_of(int errnum)
{
	return errnum > 0 ? -errnum : -EINVAL;
}

static int set_va(calyx_error **err, int errnum, int with_strerror,
		  const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static int set_va(calyx_error **err, int errnum, int with_strerror,
		  const char *fmt, va_list ap)
{
	char *text = NULL, *full = NULL;
	calyx_error *e;

	if (!err)
		return code_of(errnum);
	if (*err)	/* the first failure is the cause: keep it, and its code */
		return code_of((*err)->errnum);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	if (text && with_strerror && errnum > 0) {
		if (asprintf(&full, "%s: %s", text, strerror(errnum)) < 0)
			full = NULL;
		free(text);
		text = full;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(text);
		return code_of(errnum);
	}
	e->errnum = errnum;
	e->msg = text ? text : strdup("out of memory formatting an error");
	*err = e;
	return code_of(errnum);
}

int calyx_error_set(calyx_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_va(err, errnum, 1, fmt, ap);
	va_end(ap);
	return r;
}

int calyx_error_setx(calyx_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set_va(err, errnum, 0, fmt, ap);
	va_end(ap);
	return r;
}

/* "LINE:COL: ...": a place in the file the prefix names, joined as
 * "file:LINE:COL: ..." */
static bool is_position(const char *msg)
{
	size_t a, b;

	if (!msg)
		return false;
	a = strspn(msg, "0123456789");
	if (!a || msg[a] != ':')
		return false;
	b = strspn(msg + a + 1, "0123456789");
	return b && msg[a + 1 + b] == ':';
}

int calyx_error_prefix(calyx_error **err, const char *fmt, ...)
{
	char *ctx = NULL, *full = NULL;
	va_list ap;

	if (!err || !*err)
		return -EINVAL;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (ctx && asprintf(&full, is_position((*err)->msg) ? "%s:%s" : "%s: %s", ctx,
			    (*err)->msg ? (*err)->msg : "") >= 0) {
		free((*err)->msg);
		(*err)->msg = full;
	}
	free(ctx);
	return code_of((*err)->errnum);
}

int calyx_error_code(const calyx_error *err)
{
	return err ? code_of(err->errnum) : 0;
}

void calyx_error_free(calyx_error **err)
{
	if (!err || !*err)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}
