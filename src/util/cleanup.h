/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scope-bound ownership: a variable declared with one of these releases
 * its resource on every return path.  Hand ownership on with TAKE_PTR /
 * TAKE_FD.
 */
#ifndef CALYX_UTIL_CLEANUP_H
#define CALYX_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "calyx/error.h"
#include "calyx/spec.h"
#include "util/strv.h"

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

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

static inline void cleanup_errorp(calyx_error **e)
{
	calyx_error_free(e);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(cleanup_freep)
#define _cleanup_close_ _cleanup_(cleanup_closep)
#define _cleanup_fclose_ _cleanup_(cleanup_fclosep)
#define _cleanup_closedir_ _cleanup_(cleanup_closedirp)
#define _cleanup_strv_ _cleanup_(cleanup_strvp)
#define _cleanup_error_ _cleanup_(cleanup_errorp)
#define _cleanup_spec_ _cleanup_(calyx_spec_freep)

#define TAKE_PTR(p)                           \
	({                                    \
		__typeof__(p) _taken_ = (p);  \
		(p) = NULL;                   \
		_taken_;                      \
	})

#define TAKE_FD(fd)                   \
	({                            \
		int _taken_fd_ = (fd); \
		(fd) = -1;            \
		_taken_fd_;           \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
