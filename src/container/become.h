/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Becoming the container's process: the one security sequence that the
 * init (`create`/`run`) and `exec` both go through, in this order:
 *
 *   become_prepare   close every fd of the runtime; HOME from the image;
 *                    the pty to the user; cwd and the executable resolved in
 *                    the root while still root (nothing of the config is
 *                    resolved before the fds are gone); the early seccomp
 *                    load (notify filter, or no no_new_privs: it needs
 *                    CAP_SYS_ADMIN); user, groups, capabilities; the cwd
 *                    again as the user when root was refused (runc)
 *   become_finish    no_new_privs, the late seccomp load, the LSM exec label:
 *                    from here the process holds its final privileges, so
 *                    startContainer hooks (init) run after it
 *   become_exec      execveat of the resolved file
 *
 * Between them the init reports "ready" and waits for `start`.
 */
#ifndef CALYX_CONTAINER_BECOME_H
#define CALYX_CONTAINER_BECOME_H

#include <stdbool.h>
#include <stddef.h>

#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"
#include "linux/in_root.h"
#include "seccomp/seccomp.h"

struct become {
	/* in */
	const struct calyx_process *process;
	const struct calyx_spec *spec;	/* linux.seccomp, for what we may call */
	const struct calyx_seccomp_program *seccomp;
	int sync_fd;		/* notify listener goes there */
	int first_fd;		/* 3 + preserved fds */
	const int *keep;	/* fds >= first_fd to keep (sync socket, fifo...) */
	size_t n_keep;
	bool home_known;	/* the runtime read HOME already (exec) */
	const char *home;	/* its result; NULL: none, "/" */
	/* out of become_prepare */
	struct in_root_exe exe;
	char **env;
};

int become_prepare(struct become *b, calyx_error **err);
int become_finish(struct become *b, calyx_error **err);
/* Returns only on failure. */
int become_exec(struct become *b, calyx_error **err);

/* process.env with HOME=home (or "/") added when it has none (runc, crun). */
char **become_env_with_home(const struct calyx_process *p, const char *home);

#endif
