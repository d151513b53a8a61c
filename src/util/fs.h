/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CALYX_UTIL_FS_H
#define CALYX_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "calyx/error.h"

/* Read a whole file (relative to dirfd, or AT_FDCWD) in one read when its
 * size is known; *out is NUL-terminated. */
int calyx_read_file_at(int dirfd, const char *path, char **out, size_t *len,
		       calyx_error **err);

/* Write data to dirfd/name via a temp file + fsync-free rename (atomic for
 * readers; state files need no durability across host crashes). */
int calyx_write_file_atomic_at(int dirfd, const char *name, const void *data,
			       size_t len, mode_t mode, calyx_error **err);

/* Write a short string to an existing file (procfs/cgroupfs style). */
int calyx_write_file_at(int dirfd, const char *path, const char *data,
			size_t len, calyx_error **err);

/* Write a pid (engines' --pid-file) atomically: readers never see it half
 * written. */
int calyx_write_pid_file(const char *path, pid_t pid, calyx_error **err);

/* mkdir -p with `mode` for every created level. */
int calyx_mkdir_p(const char *path, mode_t mode, calyx_error **err);

/* Remove a directory tree below dirfd/name (no symlink following). */
int calyx_remove_tree_at(int dirfd, const char *name, calyx_error **err);

#endif
