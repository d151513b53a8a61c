/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx create [options] <container-id> */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_create_flag(struct cli_create_flags *flags, int c, const char *arg,
		    calyx_error **err)
{
	switch (c) {
	case 'b':
		flags->bundle = arg;
		return 1;
	case CLI_OPT_CONSOLE_SOCKET:
		flags->console_socket = arg;
		return 1;
	case CLI_OPT_PID_FILE:
		flags->pid_file = arg;
		return 1;
	case CLI_OPT_NO_PIVOT:
		flags->no_pivot = true;
		return 1;
	case CLI_OPT_NO_NEW_KEYRING:
		flags->no_new_keyring = true;
		return 1;
	case CLI_OPT_PRESERVE_FDS:
		if (cli_parse_uint("preserve-fds", arg, &flags->preserve_fds,
				   err) < 0)
			return -1;
		return 1;
	default:
		return 0;
	}
}

int cli_create_options(const struct cli_create_flags *flags,
		       struct calyx_create_options *opts, char **bundle,
		       char **pid_file, calyx_error **err)
{
	int r;

	*bundle = NULL;
	*pid_file = NULL;
	r = cli_absolute_path(flags->bundle, bundle, err);
	if (r < 0)
		return r;
	if (flags->pid_file && flags->pid_file[0]) {
		r = cli_absolute_path(flags->pid_file, pid_file, err);
		if (r < 0)
			return r;
	}
	*opts = (struct calyx_create_options){
		.bundle = *bundle,
		.pid_file = *pid_file,
		.console_socket = flags->console_socket &&
						  flags->console_socket[0] ?
					  flags->console_socket :
					  NULL,
		.preserve_fds = flags->preserve_fds,
		.no_pivot = flags->no_pivot,
		.no_new_keyring = flags->no_new_keyring,
	};
	return 0;
}

static int create_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_CREATE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *bundle = NULL, *pid_file = NULL;
	struct cli_create_flags flags = { 0 };
	struct calyx_create_options opts;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_create, argc, argv, "b:h",
			       options)) != -1) {
		if (c == '?')
			return CLI_EXIT_FAILURE;
		if (c == 'h') {
			cli_print_help(&cli_cmd_create);
			return 0;
		}
		if (cli_create_flag(&flags, c, optarg, &err) < 0)
			return cli_fail(ctx, err);
	}
	if (!cli_check_args(ctx, &cli_cmd_create, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (cli_create_options(&flags, &opts, &bundle, &pid_file, &err) < 0 ||
	    calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_create(ctx, argv[optind], &opts, &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_create = {
	.name = "create",
	.summary = "create a container",
	.help = "Usage: calyx create [options] <container-id>\n\n"
		"Creates the container from the bundle's config.json: its\n"
		"namespaces, cgroup, root filesystem and the process, which then\n"
		"waits for `calyx start`.  <container-id> must be unique under\n"
		"--root.\n\n"
		"Options:\n" CLI_CREATE_HELP,
	.run = create_main,
	.needs_cgroups = true,
};
