/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx kill [--all] <container-id> [signal] */
#include <signal.h>

#include "cli/cli.h"

static int kill_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	bool all = false;
	int c, sig = SIGTERM;

	while ((c = cli_getopt(ctx, &cli_cmd_kill, argc, argv, "ah",
			       options)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'h':
			cli_print_help(&cli_cmd_kill);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (!cli_check_args(ctx, &cli_cmd_kill, argc - optind, 1, 2))
		return CLI_EXIT_FAILURE;
	if (argc - optind == 2 &&
	    calyx_signal_parse(argv[optind + 1], &sig, &err) < 0)
		return cli_fail(ctx, err);
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_kill(ctx, argv[optind], sig, all, &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_kill = {
	.name = "kill",
	.summary = "send a signal (default: SIGTERM) to the container's init process",
	.help = "Usage: calyx kill [options] <container-id> [signal]\n\n"
		"[signal] is a name with or without SIG (KILL, SIGKILL), a number\n"
		"(9) or a realtime signal (RTMIN+3).  Default: SIGTERM.\n"
		"0 sends nothing: it checks the container runs.\n\n"
		"Options:\n"
		"   --all, -a   send the signal to every process in the container\n",
	.run = kill_main,
};
