/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx features: what this build supports, as JSON (features.md). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static int features_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *json = NULL;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_features, argc, argv, "h",
			       options)) != -1) {
		if (c == 'h') {
			cli_print_help(&cli_cmd_features);
			return 0;
		}
		return CLI_EXIT_FAILURE;
	}
	if (!cli_check_args(ctx, &cli_cmd_features, argc - optind, 0, 0))
		return CLI_EXIT_FAILURE;
	if (calyx_features_json(&json, &err) < 0)
		return cli_fail(ctx, err);
	fputs(json, stdout);
	return fflush(stdout) == 0 ? 0 : CLI_EXIT_FAILURE;
}

const struct cli_command cli_cmd_features = {
	.name = "features",
	.summary = "show the enabled features",
	.help = "Usage: calyx features\n\n"
		"Prints the OCI Features structure (features.md) as JSON: spec\n"
		"versions, hooks, mount options, namespaces, capabilities, cgroup\n"
		"and seccomp support.\n",
	.run = features_main,
};
