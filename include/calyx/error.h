/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors as values.  A fallible function returns a negative number and
 * fills *err with the errno it saw plus a formatted message; callers add
 * context as the error travels up ("mounting /proc: ..."), and only the CLI
 * prints it, once.
 *
 * The convention, exactly:
 *  - A function that fails returns a negative errno and leaves *err set;
 *    that return value is always calyx_error_code(*err).  A caller passes
 *    the callee's value on (`return r;`, or the value of
 *    calyx_error_prefix()), never a code of its own choosing.
 *  - The first error set is the cause: calyx_error_set() on an *err that
 *    is already set changes nothing and returns the code of the error
 *    already there, so message and code never disagree.
 *  - errnum 0 (not a syscall error) stands for EINVAL.
 *  - err may be NULL: nothing is recorded, the code is still returned
 *    (so too when memory runs out while recording it).
 *  - Free with calyx_error_free(); it leaves *err NULL for reuse.
 */
#ifndef CALYX_ERROR_H
#define CALYX_ERROR_H

#include <stdarg.h>

#include "calyx/api.h"

CALYX_BEGIN_DECLS

typedef struct calyx_error {
	int errnum;	/* errno at the failure, 0 when not a syscall error */
	char *msg;	/* full message, context first; never NULL */
} calyx_error;

/*
 * Set *err to "fmt...: strerror(errnum)" and return -errnum (-EINVAL when
 * errnum is 0).  When *err is already set it is kept and its own code is
 * returned (see above).  Use as
 *	return calyx_error_set(err, errno, "open %s", path);
 */
CALYX_PUBLIC
int calyx_error_set(calyx_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like calyx_error_set but without appending strerror(errnum). */
CALYX_PUBLIC
int calyx_error_setx(calyx_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "fmt...: " to an existing error ("fmt...:" when the message starts
 * with a "LINE:COL: " position in the file fmt names); returns its code
 * (-EINVAL when there is no error to prefix). */
CALYX_PUBLIC
int calyx_error_prefix(calyx_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

CALYX_PUBLIC
void calyx_error_free(calyx_error **err);

/* The negative code an existing error stands for (0 for NULL). */
CALYX_PUBLIC
int calyx_error_code(const calyx_error *err);

CALYX_END_DECLS

#endif
