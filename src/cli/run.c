/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx run [options] <container-id>: create + start, and by default wait. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sandbox_flags.h"

enum {
	OPT_KEEP = CLI_OPT_FIRST_FREE,
	OPT_NO_SUBREAPER,
};

/* Bundle-less: the positional arguments are the command. */
static int run_sandbox(struct calyx_context *ctx, struct cli_sandbox_flags *sbx,
		       const struct cli_create_flags *flags, bool detach_or_keep,
		       char **cmd)
{
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *bundle = NULL, *pid_file = NULL;
	struct calyx_create_options create;
	int r, exit_status = 0;

	if (flags->bundle || detach_or_keep)
		r = calyx_error_setx(&err, EINVAL, "run --rootfs: --bundle, --detach "
				     "and --keep do not apply (the container is "
				     "removed at exit)");
	else
		r = cli_create_options(flags, &create, &bundle, &pid_file, &err);
	if (r >= 0)
		r = calyx_sandbox_run(ctx, cli_sandbox_options(sbx), cmd, &create,
				      &exit_status, &err);
	cli_sandbox_flags_free(sbx);
	return r < 0 ? cli_fail(ctx, err) : exit_status;
}

static int run_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_CREATE_LONG_OPTIONS,
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
		CLI_SANDBOX_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *bundle = NULL, *pid_file = NULL;
	struct cli_create_flags flags = { 0 };
	struct cli_sandbox_flags sbx = { 0 };
	struct calyx_run_options opts;
	const char *sandbox_only = NULL;	/* the first such flag given */
	int sandbox_short = 0;
	bool detach = false, keep = false;
	int c, r, exit_status = 0;

	while ((c = cli_getopt(ctx, &cli_cmd_run, argc, argv,
			       "b:dh" CLI_SANDBOX_SHORT_OPTIONS, options)) != -1) {
		switch (c) {
		case '?':
			cli_sandbox_flags_free(&sbx);
			return CLI_EXIT_FAILURE;
		case 'h':
			cli_print_help(&cli_cmd_run);
			return 0;
		case 'd':
			detach = true;
			break;
		case OPT_KEEP:
			keep = true;
			break;
		case OPT_NO_SUBREAPER:
			/* calyx waits on a pidfd and needs no subreaper */
			break;
		default:
			r = cli_sandbox_flag(&sbx, c, optarg, &err);
			if (r > 0 && c != CLI_SANDBOX_ROOTFS && !sandbox_only) {
				sandbox_only = argv[optind - 1 - (optarg && optarg == argv[optind - 1])];
				sandbox_short = c < 0x100 ? c : 0;
			}
			if (r == 0)
				r = cli_create_flag(&flags, c, optarg, &err);
			if (r < 0) {
				cli_sandbox_flags_free(&sbx);
				return cli_fail(ctx, err);
			}
		}
	}
	if (sbx.opts.rootfs)
		return run_sandbox(ctx, &sbx, &flags, detach || keep, argv + optind);
	cli_sandbox_flags_free(&sbx);
	if (sandbox_only)
		/* a bundle's config.json says all of that: silently dropping
		 * e.g. --memory would run the container unbounded */
		return sandbox_short ?
			cli_failf(ctx, "-%c is a flag of the bundle-less run: it needs "
				  "--rootfs (a bundle sets this in its config.json)",
				  sandbox_short) :
			cli_failf(ctx, "%.*s is a flag of the bundle-less run: it needs "
				  "--rootfs (a bundle sets this in its config.json)",
				  (int)strcspn(sandbox_only, "="), sandbox_only);
	if (!cli_check_args(ctx, &cli_cmd_run, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	opts = (struct calyx_run_options){ .detach = detach, .keep = keep };
	if (cli_create_options(&flags, &opts.create, &bundle, &pid_file,
			       &err) < 0 ||
	    calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_run(ctx, argv[optind], &opts, &exit_status,
				&err) < 0)
		return cli_fail(ctx, err);
	return detach ? 0 : exit_status;
}

const struct cli_command cli_cmd_run = {
	.name = "run",
	.summary = "create and run a container",
	.help = "Usage: calyx run [options] <container-id>\n"
		"       calyx run --rootfs DIR [options] -- CMD [ARG...]\n\n"
		"Creates the container from the bundle and starts it.  In the\n"
		"foreground calyx forwards signals to the container, waits for\n"
		"it, deletes it (unless --keep) and exits with its status\n"
		"(128+N when killed by signal N).\n\n"
		"Options:\n" CLI_CREATE_HELP
		"   --detach, -d             do not wait: exit once the container\n"
		"                            is started\n"
		"   --keep                   do not delete the container after it\n"
		"                            exits\n"
		"   --no-subreaper           accepted for runc compatibility; no\n"
		"                            effect\n\n" CLI_SANDBOX_HELP,
	.run = run_main,
	.needs_cgroups = true,
};
