/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp filter builder.  The filter is compiled from the spec in the
 * runtime (parent) before the container process is cloned, so the child
 * only loads a ready BPF program with one seccomp(2) call right before exec.
 */
#ifndef CALYX_SECCOMP_SECCOMP_H
#define CALYX_SECCOMP_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>
#include <sys/types.h>

#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"

struct calyx_seccomp_program;

/* Check names (actions, archs, operators, flags, arg indexes) with JSON paths
 * ("linux.seccomp.syscalls[2].args[0].op: unknown operator ..."). */
int calyx_seccomp_validate(const struct calyx_seccomp *cfg, calyx_error **err);

int calyx_seccomp_compile(const struct calyx_seccomp *cfg,
			  const struct calyx_log *log,
			  struct calyx_seccomp_program **out, calyx_error **err);

/* Async-signal-safe enough for the child: no allocation.  When the filter
 * has SCMP_ACT_NOTIFY rules, *notify_fd receives the listener fd, else -1. */
int calyx_seccomp_load(const struct calyx_seccomp_program *prog,
		       int *notify_fd, calyx_error **err);

bool calyx_seccomp_program_uses_notify(const struct calyx_seccomp_program *prog);

/* Send the notify fd and the container state to linux.seccomp.listenerPath
 * (SCM_RIGHTS), as config-linux.md describes.  state_json is the whole
 * "container process state" message (src/container/seccomp_steps.c builds
 * it).  One connection, closed after. */
int calyx_seccomp_send_listener(const char *listener_path,
				const char *state_json, int notify_fd,
				calyx_error **err);

/* True when the profile lets every call of the syscall name through (no
 * profile, or an unconditional allow): the runtime may then make that call
 * after the filter is in place. */
bool calyx_seccomp_surely_allows(const struct calyx_seccomp *cfg, const char *name);

void calyx_seccomp_program_free(struct calyx_seccomp_program *prog);

/*
 * The default profile's BPF, compiled by libseccomp at build time
 * (seccomp/gen_default_bpf.c): loading it costs nothing at run time, where
 * compiling the profile takes milliseconds.
 */
int calyx_seccomp_default_program(struct calyx_seccomp_program **out,
				  calyx_error **err);

/*
 * What the runtime calls: the build-time program for the built-in default
 * profile; otherwise a compile, cached in <cache_rootfd>/seccomp (see
 * container_open_cache_dir) by the profile's exact canonical text.
 * cache_rootfd -1: no cache.
 */
int calyx_seccomp_prepare(const struct calyx_seccomp *cfg, int cache_rootfd,
			  const struct calyx_log *log,
			  struct calyx_seccomp_program **out, calyx_error **err);

/* Wrap a ready BPF program (copied) and seccomp(2) flags. */
int calyx_seccomp_program_from_bpf(const struct sock_filter *insns, size_t n,
				   unsigned long flags,
				   struct calyx_seccomp_program **out,
				   calyx_error **err);
/* The program's instructions and flags (for the build-time generator). */
void calyx_seccomp_program_bpf(const struct calyx_seccomp_program *prog,
			       const struct sock_filter **insns, size_t *n,
			       unsigned long *flags);

/* The built-in default profile (seccomp/default.json, compiled in). */
int calyx_seccomp_default_profile(struct calyx_seccomp **out, calyx_error **err);
void calyx_seccomp_free(struct calyx_seccomp *cfg);

/* What this build supports, NULL-terminated, for `calyx features`. */
const char *const *calyx_seccomp_supported_actions(void);
const char *const *calyx_seccomp_supported_operators(void);
const char *const *calyx_seccomp_supported_archs(void);
const char *const *calyx_seccomp_supported_flags(void);

#endif
