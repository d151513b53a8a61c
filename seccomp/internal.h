/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Name tables shared by the seccomp validator and compiler. */
#ifndef CALYX_SECCOMP_INTERNAL_H
#define CALYX_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

enum calyx_scmp_action_kind {
	CALYX_SCMP_KILL,
	CALYX_SCMP_KILL_PROCESS,
	CALYX_SCMP_KILL_THREAD,
	CALYX_SCMP_TRAP,
	CALYX_SCMP_ERRNO,
	CALYX_SCMP_TRACE,
	CALYX_SCMP_ALLOW,
	CALYX_SCMP_LOG,
	CALYX_SCMP_NOTIFY,
};

/* -1 when the name is not an action of the spec. */
int calyx_scmp_action_kind(const char *name);
/* Whether errnoRet means something for that action (ERRNO, TRACE). */
bool calyx_scmp_action_takes_errno(int kind);
/* The libseccomp action value; errno_ret only used by ERRNO/TRACE. */
uint32_t calyx_scmp_action_value(int kind, uint32_t errno_ret);

/* The libseccomp operator (enum scmp_compare), or -1. */
int calyx_scmp_operator(const char *name);
/* Spec architecture names; false when the spec does not know it. */
bool calyx_scmp_arch_known(const char *name);
/* The libseccomp SCMP_ARCH_* token, or 0 when this libseccomp lacks it. */
uint32_t calyx_scmp_arch_token(const char *name);
/* The seccomp(2) filter flag bit, or 0 when the spec does not know it. */
unsigned long calyx_scmp_filter_flag(const char *name);

#endif
