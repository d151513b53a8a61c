/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx state <container-id>: the runtime state as JSON (runtime.md). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static int state_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *json = NULL;
	struct calyx_state *state = NULL;
	int c, r;

	while ((c = cli_getopt(ctx, &cli_cmd_state, argc, argv, "h",
			       options)) != -1) {
		if (c == 'h') {
			cli_print_help(&cli_cmd_state);
			return 0;
		}
		return CLI_EXIT_FAILURE;
	}
	if (!cli_check_args(ctx, &cli_cmd_state, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_state(ctx, argv[optind], &state, &err) < 0)
		return cli_fail(ctx, err);
	r = calyx_state_to_json(state, &json, &err);
	calyx_state_free(state);
	if (r < 0)
		return cli_fail(ctx, err);
	puts(json);
	return fflush(stdout) == 0 ? 0 : CLI_EXIT_FAILURE;
}

const struct cli_command cli_cmd_state = {
	.name = "state",
	.summary = "output the state of a container",
	.help = "Usage: calyx state <container-id>\n\n"
		"Prints the container's state as JSON: ociVersion, id, status\n"
		"(creating, created, running, stopped), pid, bundle, rootfs,\n"
		"created, owner and annotations.\n",
	.run = state_main,
};
