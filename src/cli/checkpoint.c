/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx checkpoint [options] <container-id> */
#include <stdlib.h>

#include "cli/criu_flags.h"

enum {
	OPT_PARENT_PATH = CLI_CRIU_FIRST_FREE,
	OPT_LEAVE_RUNNING,
	OPT_TCP_SKIP_IN_FLIGHT,
	OPT_PRE_DUMP,
	OPT_LINK_REMAP,
	OPT_PAGE_SERVER,
	OPT_STATUS_FD,
};

static int checkpoint_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_CRIU_LONG_OPTIONS,
		{ "parent-path", required_argument, NULL, OPT_PARENT_PATH },
		{ "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
		{ "tcp-skip-in-flight", no_argument, NULL, OPT_TCP_SKIP_IN_FLIGHT },
		{ "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
		{ "link-remap", no_argument, NULL, OPT_LINK_REMAP },
		{ "page-server", required_argument, NULL, OPT_PAGE_SERVER },
		{ "status-fd", required_argument, NULL, OPT_STATUS_FD },
		{ NULL, 0, NULL, 0 },
	};
	struct calyx_checkpoint_options opts = {
		.criu.manage_cgroups_mode = -1,
		.status_fd = -1,
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *image = NULL, *work = NULL;
	int c, r;

	while ((c = cli_getopt(ctx, &cli_cmd_checkpoint, argc, argv, "h", options)) != -1) {
		r = cli_criu_flag(&opts.criu, c, optarg, &err);
		if (r < 0)
			return cli_fail(ctx, err);
		if (r > 0)
			continue;
		switch (c) {
		case OPT_PARENT_PATH:
			opts.parent_path = optarg;
			break;
		case OPT_LEAVE_RUNNING:
			opts.leave_running = true;
			break;
		case OPT_TCP_SKIP_IN_FLIGHT:
			opts.tcp_skip_in_flight = true;
			break;
		case OPT_PRE_DUMP:
			opts.pre_dump = true;
			break;
		case OPT_LINK_REMAP:
			opts.link_remap = true;
			break;
		case OPT_PAGE_SERVER:
			opts.page_server = optarg;
			break;
		case OPT_STATUS_FD:
			if (cli_parse_uint("--status-fd", optarg, &opts.status_fd, &err) < 0)
				return cli_fail(ctx, err);
			break;
		case 'h':
			cli_print_help(&cli_cmd_checkpoint);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (!cli_check_args(ctx, &cli_cmd_checkpoint, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (cli_criu_finish(&opts.criu, &image, &work, &err) < 0 ||
	    calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_checkpoint(ctx, argv[optind], &opts, &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_checkpoint = {
	.name = "checkpoint",
	.summary = "checkpoint a running container (CRIU)",
	.help = "Usage: calyx checkpoint [options] <container-id>\n\n"
		"CRIU dumps the container's processes into the image directory.\n"
		"The container is then gone (its processes, cgroup and state) unless\n"
		"--leave-running or --pre-dump; `calyx restore` brings it back, here\n"
		"or on another host.  Needs criu in $PATH.\n\n"
		"Options:\n" CLI_CRIU_HELP
		"   --parent-path DIR        a previous pre-dump, relative to the image path\n"
		"   --leave-running          keep the container running after the dump\n"
		"   --tcp-skip-in-flight     skip connections not yet accepted\n"
		"   --pre-dump               dump memory only; the container keeps running\n"
		"   --link-remap             allow open files that were unlinked\n"
		"   --page-server ADDR:PORT  send memory pages to a CRIU page server\n"
		"   --status-fd FD           CRIU writes \\0 to FD when the page server is ready\n",
	.run = checkpoint_main,
};
