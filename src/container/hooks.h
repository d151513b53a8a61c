/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CALYX_CONTAINER_HOOKS_H
#define CALYX_CONTAINER_HOOKS_H

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

#endif
