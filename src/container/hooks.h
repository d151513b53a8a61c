/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CALYX_CONTAINER_HOOKS_H
#define CALYX_CONTAINER_HOOKS_H

#include <sys/types.h>

#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"

/*
 * Run every hook of one kind in order, each with state_json on its stdin,
 * its own args/env, and its timeout.  The first failure stops the list and
 * is returned as "<kind> hook #N (<path>): <why>" -- except for poststart
 * and poststop, whose failures are logged as warnings while the remaining
 * hooks still run (runtime.md), and which then return 0.
 */
int calyx_hooks_run(const struct calyx_spec *spec, enum calyx_hook_kind kind,
		    const char *state_json, const struct calyx_log *log,
		    calyx_error **err);

/* The runtime's hooks of a container being made, prestart then
 * createRuntime, given its state ("creating", init pid). */
int container_run_creation_hooks(const struct calyx_spec *spec, const char *id,
				 pid_t pid, const char *bundle,
				 const struct calyx_log *log, calyx_error **err);

#endif
