/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container process's own attributes, set in the child before exec. */
#ifndef CALYX_LINUX_PROCESS_H
#define CALYX_LINUX_PROCESS_H

#include <stddef.h>

#include "calyx/error.h"
#include "calyx/spec.h"

int proc_set_names(const struct calyx_spec *spec, calyx_error **err);
int proc_apply_rlimits(const struct calyx_process *p, calyx_error **err);
int proc_set_oom_score_adj(const struct calyx_process *p, calyx_error **err);
int proc_apply_scheduling(const struct calyx_process *p, calyx_error **err);
int proc_apply_personality(const struct calyx_spec *spec, calyx_error **err);
int proc_join_new_session_keyring(calyx_error **err);

/* Runtime side: each linux.sysctl key must belong to a namespace the
 * container owns (runtime-linux / runc's rules). */
int proc_validate_sysctl(const struct calyx_spec *spec, calyx_error **err);
/* Child side, after pivot_root: write them through the container's /proc,
 * which must be a real procfs. */
int proc_apply_sysctl(const struct calyx_spec *spec, calyx_error **err);

/* chdir(process.cwd) and prove the result is inside the root (CVE-2024-21626);
 * as the user, after the first try as root was refused (become.c). */
int proc_enter_cwd(const struct calyx_process *p, calyx_error **err);

/* Every signal back to its default action, and a session of its own. */
int proc_reset_signals_new_session(calyx_error **err);

#endif
