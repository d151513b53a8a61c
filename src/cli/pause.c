/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx pause <container-id> */
#include "cli/cli.h"

static int pause_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_pause, argc, argv, "h",
			       options)) != -1) {
		if (c == 'h') {
			cli_print_help(&cli_cmd_pause);
			return 0;
		}
		return CLI_EXIT_FAILURE;
	}
	if (!cli_check_args(ctx, &cli_cmd_pause, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_pause(ctx, argv[optind], &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_pause = {
	.name = "pause",
	.summary = "suspend every process in the container",
	.help = "Usage: calyx pause <container-id>\n\n"
		"Freezes every process in the container through its cgroup\n"
		"freezer (cgroup.freeze on v2, freezer.state on v1).\n"
		"The container must be running (or created); `calyx resume` thaws it.\n"
		"`calyx state` reports it as paused meanwhile.\n",
	.run = pause_main,
	.needs_cgroups = true,
};
