/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lookups inside the container's root (after pivot_root: rootfd is "/";
 * from the runtime: /proc/<init>/root), never leaving it, never through a
 * magic link, never blocking on a file the image planted.
 */
#ifndef CALYX_LINUX_IN_ROOT_H
#define CALYX_LINUX_IN_ROOT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "calyx/error.h"

/* openat2(rootfd, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS): an fd or -errno. */
int in_root_open(int rootfd, const char *path, int flags);

/* The home directory of uid in the root's /etc/passwd (malloc'd), or NULL
 * when there is none or the file is not a regular file of sane size. */
char *in_root_user_home(int rootfd, uint32_t uid);

/* fchdir to path resolved in the root: 0 or -errno. */
int in_root_enter_dir(int rootfd, const char *path);

/* The executable that will run: its directory (O_PATH fd), its path in the
 * root and the name in that directory. */
struct in_root_exe {
	int dirfd;
	char path[PATH_MAX];
	const char *base;
};

/*
 * execvp's lookup of name (with a '/': as is, relative to cwd; else each
 * entry of PATH in env, default runc's) inside the root.  Errors worded as
 * runc's: `exec: "foo": executable file not found in $PATH`.
 */
int in_root_find_executable(int rootfd, const char *name, char *const *env,
			    const char *cwd, struct in_root_exe *exe,
			    calyx_error **err);

/* Run it (by_fd: execveat of the resolved directory, falling back to the
 * path); returns only on failure. */
int in_root_exec(const struct in_root_exe *exe, bool by_fd, char *const argv[],
		 char *const envp[], calyx_error **err);

#endif
