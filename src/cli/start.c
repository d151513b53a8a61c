/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx start <container-id>: run the user process of a created container. */
#include "cli/cli.h"

static int start_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_start, argc, argv, "h",
			       options)) != -1) {
		if (c == 'h') {
			cli_print_help(&cli_cmd_start);
			return 0;
		}
		return CLI_EXIT_FAILURE;
	}
	if (!cli_check_args(ctx, &cli_cmd_start, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_start(ctx, argv[optind], &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_start = {
	.name = "start",
	.summary = "execute the user process in a created container",
	.help = "Usage: calyx start <container-id>\n\n"
		"Runs the process of config.json in the container `calyx create`\n"
		"made.  The container must be in the \"created\" state.\n",
	.run = start_main,
};
