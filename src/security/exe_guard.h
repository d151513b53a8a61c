/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CVE-2019-5736: a container process that can open /proc/<pid>/exe of a
 * not-yet-exec'd runtime process (or a leaked fd of the runtime binary) may
 * write to the host binary once the runtime has exited.  calyx never
 * re-execs, so by default every runtime process runs the host file.
 *
 * Only processes that a container can see before they exec are exposed:
 * `calyx exec` and `create` into a pid namespace joined by path.  And only
 * if the container shares the runtime's user namespace, since the runtime
 * is non-dumpable: opening its exe needs CAP_SYS_PTRACE over the runtime's
 * user namespace.  In those cases the runtime re-executes itself once
 * through a read-only, detached bind mount of its own binary (zero copy:
 * the new image's exe and mappings sit on a mount that no one can make
 * writable again, because it is in no mount namespace), falling back to a
 * sealed memfd copy where mounts cannot be made.
 */
#ifndef CALYX_SECURITY_EXE_GUARD_H
#define CALYX_SECURITY_EXE_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "calyx/error.h"

/* True when /proc/self/exe cannot be opened for writing by anyone: it is
 * on a read-only mount or is a memfd sealed against writes. */
bool calyx_exe_is_protected(void);

/*
 * Make sure the running image is protected; re-exec (same argv and
 * environment) through a protected view when it is not.  Returns 0 when
 * already protected; does not return when the re-exec succeeds.  For
 * programs whose argv reproduces the call (the calyx CLI).
 */
int calyx_exe_guard(calyx_error **err);

/* Close every fd >= first except those in keep[] (a process about to become
 * visible to a container must hold nothing of the host). */
int calyx_close_fds_except(int first, const int *keep, size_t n_keep,
			   calyx_error **err);

#endif
