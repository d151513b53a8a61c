/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx resume <container-id> */
#include "cli/cli.h"

static int resume_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_resume, argc, argv, "h",
			       options)) != -1) {
		if (c == 'h') {
			cli_print_help(&cli_cmd_resume);
			return 0;
		}
		return CLI_EXIT_FAILURE;
	}
	if (!cli_check_args(ctx, &cli_cmd_resume, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_resume(ctx, argv[optind], &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_resume = {
	.name = "resume",
	.summary = "resume every process of a paused container",
	.help = "Usage: calyx resume <container-id>\n\n"
		"Thaws every process in the container through its cgroup\n"
		"freezer (cgroup.freeze on v2, freezer.state on v1).\n"
		"The container must be paused (`calyx pause`).\n",
	.run = resume_main,
	.needs_cgroups = true,
};
