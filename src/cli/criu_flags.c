/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CRIU flags `checkpoint` and `restore` share. */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "cli/criu_flags.h"

/* CRIU's name for the criu_cg_mode values (rpc.proto). */
static int cg_mode(const char *text, int *mode, calyx_error **err)
{
	static const char *const names[] = { "ignore", NULL, NULL, "soft", "full", "strict" };

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if (names[i] && strcmp(text, names[i]) == 0) {
			*mode = i;
			return 0;
		}
	}
	return calyx_error_setx(err, EINVAL,
				"invalid --manage-cgroups-mode %s: want soft, full, strict or ignore",
				text);
}

int cli_criu_flag(struct calyx_criu_options *o, int c, const char *arg,
		  calyx_error **err)
{
	switch (c) {
	case CLI_CRIU_IMAGE_PATH:
		o->image_path = arg;
		return 1;
	case CLI_CRIU_WORK_PATH:
		o->work_path = arg;
		return 1;
	case CLI_CRIU_TCP_ESTABLISHED:
		o->tcp_established = true;
		return 1;
	case CLI_CRIU_EXT_UNIX_SK:
		o->ext_unix_sk = true;
		return 1;
	case CLI_CRIU_SHELL_JOB:
		o->shell_job = true;
		return 1;
	case CLI_CRIU_FILE_LOCKS:
		o->file_locks = true;
		return 1;
	case CLI_CRIU_MANAGE_CGROUPS_MODE:
		return cg_mode(arg, &o->manage_cgroups_mode, err) < 0 ? -EINVAL : 1;
	case CLI_CRIU_EMPTY_NS:
		/* runc's one: the network namespace, set up by a hook instead */
		if (strcmp(arg, "network") != 0)
			return calyx_error_setx(err, EINVAL,
						"--empty-ns %s: namespace is not supported (only network)",
						arg);
		o->empty_ns |= CLONE_NEWNET;
		return 1;
	case CLI_CRIU_AUTO_DEDUP:
		o->auto_dedup = true;
		return 1;
	case CLI_CRIU_LAZY_PAGES:
		o->lazy_pages = true;
		return 1;
	}
	return 0;
}

int cli_criu_finish(struct calyx_criu_options *o, char **image, char **work,
		    calyx_error **err)
{
	int r = cli_absolute_path(o->image_path ? o->image_path : "checkpoint", image, err);

	if (r < 0)
		return r;
	o->image_path = *image;
	if (o->work_path) {
		r = cli_absolute_path(o->work_path, work, err);
		if (r < 0)
			return r;
		o->work_path = *work;
	}
	return 0;
}
