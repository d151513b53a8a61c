/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.seccomp checks that need no kernel: every name is one the spec
 * knows.  Syscall names are not checked here: a profile may name syscalls
 * newer than libseccomp, and the compiler skips those.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "seccomp/internal.h"
#include "seccomp/seccomp.h"
#include "util/strv.h"

#define SECCOMP_MAX_ARGS 6

static int validate_action(const char *path, const char *action,
			   bool has_errno, calyx_error **err)
{
	int kind;

	if (!action)
		return calyx_error_setx(err, EINVAL, "%s: missing action", path);
	kind = calyx_scmp_action_kind(action);
	if (kind < 0)
		return calyx_error_setx(err, EINVAL, "%s: unknown action \"%s\"",
					path, action);
	if (has_errno && !calyx_scmp_action_takes_errno(kind))
		return calyx_error_setx(err, EINVAL,
					"%s: errnoRet is set but action \"%s\" "
					"takes no errno", path, action);
	return 0;
}

static int validate_rule(const struct calyx_syscall_rule *rule, size_t i,
			 calyx_error **err)
{
	char path[96];
	int r;

	snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].action", i);
	r = validate_action(path, rule->action, rule->has_errno_ret, err);
	if (r < 0)
		return r;
	if (!rule->names || !rule->names[0])
		return calyx_error_setx(err, EINVAL,
					"linux.seccomp.syscalls[%zu].names: "
					"must name at least one syscall", i);
	for (size_t n = 0; rule->names[n]; n++)
		if (rule->names[n][0] == '\0')
			return calyx_error_setx(err, EINVAL,
						"linux.seccomp.syscalls[%zu]"
						".names[%zu]: empty name", i, n);
	if (rule->n_args > SECCOMP_MAX_ARGS)
		return calyx_error_setx(err, EINVAL,
					"linux.seccomp.syscalls[%zu].args: "
					"%zu entries, at most %d allowed", i,
					rule->n_args, SECCOMP_MAX_ARGS);
	for (size_t a = 0; a < rule->n_args; a++) {
		const struct calyx_syscall_arg *arg = &rule->args[a];

		if (arg->index >= SECCOMP_MAX_ARGS)
			return calyx_error_setx(err, EINVAL,
						"linux.seccomp.syscalls[%zu]"
						".args[%zu].index: %u is out "
						"of range (0-5)", i, a,
						arg->index);
		if (calyx_scmp_operator(arg->op) < 0)
			return calyx_error_setx(err, EINVAL,
						"linux.seccomp.syscalls[%zu]"
						".args[%zu].op: unknown "
						"operator \"%s\"", i, a,
						arg->op ? arg->op : "");
	}
	return 0;
}

int calyx_seccomp_validate(const struct calyx_seccomp *cfg, calyx_error **err)
{
	int r;

	if (!cfg)
		return 0;
	r = validate_action("linux.seccomp.defaultAction", cfg->default_action,
			    false, err);
	if (r < 0)
		return r;
	if (cfg->has_default_errno_ret &&
	    !calyx_scmp_action_takes_errno(
		    calyx_scmp_action_kind(cfg->default_action)))
		return calyx_error_setx(err, EINVAL,
					"linux.seccomp.defaultErrnoRet: set but "
					"defaultAction \"%s\" takes no errno",
					cfg->default_action);
	for (size_t i = 0; cfg->architectures && cfg->architectures[i]; i++)
		if (!calyx_scmp_arch_known(cfg->architectures[i]))
			return calyx_error_setx(err, EINVAL,
						"linux.seccomp.architectures[%zu]: "
						"unknown architecture \"%s\"", i,
						cfg->architectures[i]);
	for (size_t i = 0; cfg->flags && cfg->flags[i]; i++)
		if (!calyx_scmp_filter_flag(cfg->flags[i]))
			return calyx_error_setx(err, EINVAL,
						"linux.seccomp.flags[%zu]: unknown "
						"flag \"%s\"", i, cfg->flags[i]);
	if (cfg->listener_metadata && !cfg->listener_path)
		return calyx_error_setx(err, EINVAL,
					"linux.seccomp.listenerMetadata: set "
					"without listenerPath");
	for (size_t i = 0; i < cfg->n_syscalls; i++) {
		r = validate_rule(&cfg->syscalls[i], i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An action that lets the syscall run. */
static bool action_allows(const char *action)
{
	return action && (!strcmp(action, "SCMP_ACT_ALLOW") || !strcmp(action, "SCMP_ACT_LOG"));
}

bool calyx_seccomp_surely_allows(const struct calyx_seccomp *cfg, const char *name)
{
	bool named = false;

	if (!cfg)
		return true;
	for (size_t i = 0; i < cfg->n_syscalls; i++) {
		const struct calyx_syscall_rule *rule = &cfg->syscalls[i];

		if (!calyx_strv_contains(rule->names, name))
			continue;
		/* a rule on its arguments may or may not match */
		if (!action_allows(rule->action) || rule->n_args)
			return false;
		named = true;
	}
	return named || action_allows(cfg->default_action);
}
