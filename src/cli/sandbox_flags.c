/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bundle-less run's flags, kept as given: calyx_sandbox_run() checks
 * the values. */
#include <stdlib.h>

#include "cli/sandbox_flags.h"

void cli_sandbox_flags_free(struct cli_sandbox_flags *f)
{
	/* the strings belong to argv; only the arrays are ours */
	free(f->binds);
	free(f->tmpfs);
	free(f->env);
	free(f->env_files);
	free(f->cap_add);
	free(f->cap_drop);
}

const struct calyx_sandbox_options *cli_sandbox_options(struct cli_sandbox_flags *f)
{
	f->opts.binds = f->binds;
	f->opts.tmpfs = f->tmpfs;
	f->opts.env = f->env;
	f->opts.env_files = f->env_files;
	f->opts.cap_add = f->cap_add;
	f->opts.cap_drop = f->cap_drop;
	return &f->opts;
}

/* The flags that take a list, or a boolean: 1 taken, 0 not one of them. */
static int list_or_bool_flag(struct cli_sandbox_flags *f, int c, char *arg,
			     calyx_error **err)
{
	struct calyx_sandbox_options *o = &f->opts;
	int r;

	switch (c) {
	case CLI_SANDBOX_BIND:
	case 'v':
		r = cli_push_arg(&f->binds, &f->n_binds, arg, err);
		break;
	case CLI_SANDBOX_TMPFS:
		r = cli_push_arg(&f->tmpfs, &f->n_tmpfs, arg, err);
		break;
	case 'e':
		r = cli_push_arg(&f->env, &f->n_env, arg, err);
		break;
	case CLI_SANDBOX_ENV_FILE:
		r = cli_push_arg(&f->env_files, &f->n_env_files, arg, err);
		break;
	case CLI_SANDBOX_CAP_ADD:
		r = cli_push_arg(&f->cap_add, &f->n_cap_add, arg, err);
		break;
	case CLI_SANDBOX_CAP_DROP:
		r = cli_push_arg(&f->cap_drop, &f->n_cap_drop, arg, err);
		break;
	case CLI_SANDBOX_OVERLAY:
		o->overlay = true;
		return 1;
	case CLI_SANDBOX_READ_ONLY:
		o->read_only = true;
		return 1;
	case 't':
		o->tty = true;
		return 1;
	case CLI_SANDBOX_CGROUP:
		o->cgroup = true;
		return 1;
	case CLI_SANDBOX_PRINT_SPEC:
		o->print_spec = true;
		return 1;
	default:
		return 0;
	}
	return r < 0 ? r : 1;
}

int cli_sandbox_flag(struct cli_sandbox_flags *f, int c, char *arg,
		     calyx_error **err)
{
	struct calyx_sandbox_options *o = &f->opts;
	const char **value;

	switch (c) {
	case CLI_SANDBOX_ROOTFS: value = &o->rootfs; break;
	case CLI_SANDBOX_NAME: value = &o->id; break;
	case CLI_SANDBOX_WORKDIR: value = &o->workdir; break;
	case CLI_SANDBOX_USER: value = &o->user; break;
	case CLI_SANDBOX_HOSTNAME: value = &o->hostname; break;
	case CLI_SANDBOX_NET: value = &o->net; break;
	case CLI_SANDBOX_MEMORY: value = &o->memory; break;
	case CLI_SANDBOX_CPUS: value = &o->cpus; break;
	case CLI_SANDBOX_PIDS: value = &o->pids; break;
	case CLI_SANDBOX_TIMEOUT: value = &o->timeout; break;
	case CLI_SANDBOX_SECCOMP: value = &o->seccomp; break;
	case CLI_SANDBOX_CAPS: value = &o->caps; break;
	case CLI_SANDBOX_OVERLAY_SIZE: value = &o->overlay_size; break;
	case CLI_SANDBOX_KEEP_CHANGES: value = &o->keep_changes; break;
	case CLI_SANDBOX_REPORT: value = &o->report; break;
	default:
		return list_or_bool_flag(f, c, arg, err);
	}
	*value = arg;
	return 1;
}
