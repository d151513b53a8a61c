/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scope-bound ownership: a variable declared with one of these releases
 * its resource on every return path.  Hand ownership on with TAKE_PTR /
 * TAKE_FD.  The library's spelling of calyx/cleanup.h (the public one,
 * without reserved names), plus what only the library needs.
 */
#ifndef CALYX_UTIL_CLEANUP_H
#define CALYX_UTIL_CLEANUP_H

#include <dirent.h>
#include <stdio.h>

#include "calyx/cleanup.h"
#include "calyx/error.h"
#include "calyx/spec.h"
#include "util/strv.h"

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void cleanup_strvp(char ***v)
{
	calyx_strv_free(*v);
}

/* the public helpers (calyx/cleanup.h) under the names the library uses */
#define _cleanup_(f) CALYX_CLEANUP(f)
#define _cleanup_free_ CALYX_AUTO_FREE
#define _cleanup_close_ CALYX_AUTO_CLOSE
#define _cleanup_error_ CALYX_AUTO_ERROR
#define _cleanup_spec_ CALYX_AUTO_SPEC
#define _cleanup_fclose_ _cleanup_(cleanup_fclosep)
#define _cleanup_closedir_ _cleanup_(cleanup_closedirp)
#define _cleanup_strv_ _cleanup_(cleanup_strvp)

#define TAKE_PTR(p) CALYX_TAKE_PTR(p)
#define TAKE_FD(fd) CALYX_TAKE_FD(fd)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
