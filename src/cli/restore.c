/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx restore [options] <container-id> */
#include <stdlib.h>

#include "cli/criu_flags.h"

enum {
	OPT_CONSOLE_SOCKET = CLI_CRIU_FIRST_FREE,
	OPT_PID_FILE,
	OPT_NO_SUBREAPER,
	OPT_NO_PIVOT,
	OPT_LSM_PROFILE,
	OPT_LSM_MOUNT_CONTEXT,
};

static int restore_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_CRIU_LONG_OPTIONS,
		{ "bundle", required_argument, NULL, 'b' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "detach", no_argument, NULL, 'd' },
		{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "lsm-profile", required_argument, NULL, OPT_LSM_PROFILE },
		{ "lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT_CONTEXT },
		{ NULL, 0, NULL, 0 },
	};
	struct calyx_restore_options opts = { .criu.manage_cgroups_mode = -1 };
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *image = NULL, *work = NULL, *bundle = NULL, *pid_file = NULL;
	const char *bundle_arg = NULL, *pid_file_arg = NULL;
	int c, r, status = 0;

	while ((c = cli_getopt(ctx, &cli_cmd_restore, argc, argv, "hb:d", options)) != -1) {
		r = cli_criu_flag(&opts.criu, c, optarg, &err);
		if (r < 0)
			return cli_fail(ctx, err);
		if (r > 0)
			continue;
		switch (c) {
		case 'b':
			bundle_arg = optarg;
			break;
		case 'd':
			opts.detach = true;
			break;
		case OPT_CONSOLE_SOCKET:
			opts.console_socket = optarg;
			break;
		case OPT_PID_FILE:
			pid_file_arg = optarg;
			break;
		case OPT_NO_SUBREAPER:
			opts.no_subreaper = true;
			break;
		case OPT_NO_PIVOT:
			opts.no_pivot = true;
			break;
		case OPT_LSM_PROFILE:
			opts.lsm_profile = optarg;
			break;
		case OPT_LSM_MOUNT_CONTEXT:
			opts.lsm_mount_context = optarg;
			break;
		case 'h':
			cli_print_help(&cli_cmd_restore);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (!cli_check_args(ctx, &cli_cmd_restore, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (cli_criu_finish(&opts.criu, &image, &work, &err) < 0 ||
	    cli_absolute_path(bundle_arg, &bundle, &err) < 0 ||
	    (pid_file_arg && cli_absolute_path(pid_file_arg, &pid_file, &err) < 0) ||
	    calyx_id_validate(argv[optind], &err) < 0)
		return cli_fail(ctx, err);
	opts.bundle = bundle;
	opts.pid_file = pid_file;
	if (calyx_container_restore(ctx, argv[optind], &opts, &status, &err) < 0)
		return cli_fail(ctx, err);
	return status;
}

const struct cli_command cli_cmd_restore = {
	.name = "restore",
	.summary = "restore a container from a checkpoint (CRIU)",
	.help = "Usage: calyx restore [options] <container-id>\n\n"
		"Makes container <container-id> from the bundle's config.json and the\n"
		"CRIU images of `calyx checkpoint`; its processes go on where they\n"
		"were dumped.  Without --detach calyx waits for it like `run`, then\n"
		"deletes it.  Needs criu in $PATH.\n\n"
		"Options:\n" CLI_CRIU_HELP
		"   --bundle DIR, -b DIR     bundle directory (default: the current directory)\n"
		"   --console-socket PATH    AF_UNIX socket that receives the restored\n"
		"                            terminal's master (process.terminal)\n"
		"   --pid-file PATH          write the restored init's PID to PATH\n"
		"   --detach, -d             return once the container runs\n"
		"   --no-subreaper           accepted for runc compatibility (calyx is the\n"
		"                            restored init's parent either way)\n"
		"   --no-pivot               accepted for runc compatibility (CRIU restores\n"
		"                            the root itself)\n"
		"   --lsm-profile P          LSM profile for the restored processes\n"
		"   --lsm-mount-context C    SELinux mount context for restored mounts\n",
	.run = restore_main,
};
