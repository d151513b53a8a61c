/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The built-in default profile (seccomp/default.json, turned into static
 * tables at build time by gen_default.py), copied into a heap-owned struct
 * calyx_seccomp like one parsed from config.json.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp/seccomp.h"
#include "util/cleanup.h"

struct default_arg {
	unsigned int index;
	uint64_t value;
	uint64_t value_two;
	const char *op;
};

struct default_rule {
	const char *const *names;
	const char *action;
	bool has_errno_ret;
	uint32_t errno_ret;
	const struct default_arg *args;
	size_t n_args;
};

#include "seccomp/default_profile.h"

static int copy_rule(struct calyx_syscall_rule *dst,
		     const struct default_rule *src)
{
	dst->names = calyx_strv_dup((char *const *)src->names);
	dst->action = strdup(src->action);
	if (!dst->names || !dst->action)
		return -ENOMEM;
	dst->has_errno_ret = src->has_errno_ret;
	dst->errno_ret = src->errno_ret;
	if (!src->n_args)
		return 0;
	dst->args = calloc(src->n_args, sizeof(*dst->args));
	if (!dst->args)
		return -ENOMEM;
	dst->n_args = src->n_args;
	for (size_t a = 0; a < src->n_args; a++) {
		dst->args[a].index = src->args[a].index;
		dst->args[a].value = src->args[a].value;
		dst->args[a].value_two = src->args[a].value_two;
		dst->args[a].op = strdup(src->args[a].op);
		if (!dst->args[a].op)
			return -ENOMEM;
	}
	return 0;
}

int calyx_seccomp_default_profile(struct calyx_seccomp **out, calyx_error **err)
{
	struct calyx_seccomp *cfg;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		goto oom;
	cfg->default_action = strdup(DEFAULT_ACTION);
	cfg->has_default_errno_ret = DEFAULT_HAS_ERRNO_RET;
	cfg->default_errno_ret = DEFAULT_ERRNO_RET;
	cfg->architectures = calyx_strv_dup((char *const *)default_archs);
	cfg->syscalls = calloc(ARRAY_SIZE(default_rules), sizeof(*cfg->syscalls));
	if (!cfg->default_action || !cfg->architectures || !cfg->syscalls)
		goto oom;
	for (size_t i = 0; i < ARRAY_SIZE(default_rules); i++) {
		cfg->n_syscalls = i + 1;
		if (copy_rule(&cfg->syscalls[i], &default_rules[i]) < 0)
			goto oom;
	}
	cfg->builtin_default = true;
	*out = cfg;
	return 0;
oom:
	calyx_seccomp_free(cfg);
	return calyx_error_set(err, ENOMEM, "default seccomp profile");
}

void calyx_seccomp_free(struct calyx_seccomp *cfg)
{
	if (!cfg)
		return;
	free(cfg->default_action);
	calyx_strv_free(cfg->architectures);
	calyx_strv_free(cfg->flags);
	free(cfg->listener_path);
	free(cfg->listener_metadata);
	for (size_t i = 0; i < cfg->n_syscalls; i++) {
		struct calyx_syscall_rule *rule = &cfg->syscalls[i];

		calyx_strv_free(rule->names);
		free(rule->action);
		for (size_t a = 0; a < rule->n_args; a++)
			free(rule->args[a].op);
		free(rule->args);
	}
	free(cfg->syscalls);
	free(cfg);
}
