/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx delete [--force] <container-id> */
#include "cli/cli.h"

static int delete_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	bool force = false;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_delete, argc, argv, "fh",
			       options)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			cli_print_help(&cli_cmd_delete);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (!cli_check_args(ctx, &cli_cmd_delete, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_delete(ctx, argv[optind], force, &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_delete = {
	.name = "delete",
	.summary = "delete a container and the resources it holds",
	.help = "Usage: calyx delete [options] <container-id>\n\n"
		"Removes a stopped (or created) container: its cgroup, state and\n"
		"runs the poststop hooks.\n\n"
		"Options:\n"
		"   --force, -f   also delete a running container (kills it with\n"
		"                 SIGKILL first)\n",
	.run = delete_main,
};
