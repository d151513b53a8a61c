/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process privileges: capabilities, user/group switch, no_new_privs, LSM
 * labels.  Called in the container process after the rootfs is final.
 */
#ifndef CALYX_SECURITY_H
#define CALYX_SECURITY_H

#include <stdbool.h>

#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"

/* "CAP_NET_ADMIN" -> its number, or -1 when unknown. */
int calyx_cap_number(const char *name);

/* Unknown capability names -> error with the JSON path. */
int calyx_caps_validate(const struct calyx_capabilities *caps, calyx_error **err);

/*
 * Switch to process.user (additionalGids, gid, uid) and set the five
 * capability sets exactly as configured (inheritable only when asked:
 * CVE-2022-29162).  Capabilities the running kernel lacks are skipped with a
 * debug log.  Does not set no_new_privs.
 */
int calyx_process_apply_identity(const struct calyx_process *process,
				 const struct calyx_log *log, calyx_error **err);

/* PR_SET_NO_NEW_PRIVS when process.noNewPrivileges. */
int calyx_apply_no_new_privs(const struct calyx_process *process,
			     calyx_error **err);

/* apparmorProfile / selinuxLabel for the next exec; clear error if the LSM is
 * not enabled but a label was asked for.  Detection reads
 * /sys/module/apparmor/parameters/enabled and statfs(/sys/fs/selinux): in a
 * container whose /sys lacks them, call calyx_lsm_check() in the runtime
 * first for a clear early error. */
int calyx_lsm_apply_exec_label(const struct calyx_process *process,
			       calyx_error **err);

/* Whether the LSMs are active on this host. */
bool calyx_apparmor_enabled(void);
bool calyx_selinux_enabled(void);

/* Early (runtime-side) check: error when a label is asked for and its LSM
 * is not enabled.  0 when no label is configured. */
int calyx_lsm_check(const struct calyx_process *process, calyx_error **err);

#endif
