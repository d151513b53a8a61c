/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scope-bound ownership for GNU C (gcc and clang, C or C++): a variable
 * declared with one of these releases what it holds on every return path;
 * hand it on with CALYX_TAKE_PTR / CALYX_TAKE_FD.  The API hands out heap
 * strings, fds and objects of its own (errors, states, specs); this is how
 * a caller keeps them without a goto ladder, as GLib's g_autofree and
 * g_autoptr() serve GLib's callers.  The calyx CLI is such a caller, and
 * libcalyx's own code builds its internal helpers on these.
 *
 *	CALYX_AUTO_ERROR calyx_error *err = NULL;
 *	CALYX_AUTO_FREE char *json = NULL;
 */
#ifndef CALYX_CLEANUP_H
#define CALYX_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "calyx/calyx.h"

CALYX_BEGIN_DECLS

#define CALYX_CLEANUP(fn) __attribute__((cleanup(fn)))

static inline void calyx_freep(void *p)
{
	free(*(void **)p);
}

/* closes fds >= 0, keeping errno for the error path it runs on */
static inline void calyx_closep(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

static inline void calyx_state_freep(struct calyx_state **state)
{
	calyx_state_free(*state);
}

/* a NULL-terminated array of heap strings (calyx_container_list_ids) */
static inline void calyx_strv_arrayp(char ***v)
{
	if (*v) {
		for (char **s = *v; *s; s++)
			free(*s);
		free(*v);
	}
}

#define CALYX_AUTO_FREE CALYX_CLEANUP(calyx_freep)
#define CALYX_AUTO_STRV CALYX_CLEANUP(calyx_strv_arrayp)
#define CALYX_AUTO_CLOSE CALYX_CLEANUP(calyx_closep)
#define CALYX_AUTO_ERROR CALYX_CLEANUP(calyx_error_free)
#define CALYX_AUTO_STATE CALYX_CLEANUP(calyx_state_freep)
#define CALYX_AUTO_SPEC CALYX_CLEANUP(calyx_spec_freep)

/* The value of p, leaving p NULL (or fd -1) so its cleanup does nothing. */
#define CALYX_TAKE_PTR(p)                               \
	({                                              \
		__typeof__(p) calyx_taken_ = (p);       \
		(p) = NULL;                             \
		calyx_taken_;                           \
	})

#define CALYX_TAKE_FD(fd)                               \
	({                                              \
		int calyx_taken_fd_ = (fd);             \
		(fd) = -1;                              \
		calyx_taken_fd_;                        \
	})

CALYX_END_DECLS

#endif
