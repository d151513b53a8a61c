/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calyx [global options] COMMAND [command options] [arguments...]
 *
 * Global flags are runc's, so engines can call calyx where they call runc.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config.h"
#include "git_commit.h"

static const struct cli_command *const commands[] = {
	&cli_cmd_create, &cli_cmd_delete, &cli_cmd_exec, &cli_cmd_features, &cli_cmd_kill,
	&cli_cmd_list,	 &cli_cmd_run,	  &cli_cmd_spec,     &cli_cmd_start,
	&cli_cmd_state,
	&cli_cmd_pause,	 &cli_cmd_resume, &cli_cmd_ps,	     &cli_cmd_update,
	&cli_cmd_events,
	&cli_cmd_checkpoint, &cli_cmd_restore,
};

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < CLI_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void print_version(void)
{
	const struct scmp_version *v = seccomp_version();

	printf("calyx version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\n",
	       CALYX_VERSION, CALYX_GIT_COMMIT, CALYX_OCI_VERSION, v->major,
	       v->minor, v->micro);
}

static void print_usage(void)
{
	printf("calyx - an Open Container Initiative runtime\n\n"
	       "Usage:\n"
	       "   calyx [global options] command [command options] [arguments...]\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < CLI_ARRAY_SIZE(commands); i++)
		printf("   %-10s  %s\n", commands[i]->name,
		       commands[i]->summary);
	printf("   help, h     Shows a list of commands or help for one command\n\n"
	       "Global options:\n"
	       "   --debug             enable debug logging\n"
	       "   --log FILE          write calyx logs to FILE (default: stderr)\n"
	       "   --log-format FMT    log format: 'text' (default) or 'json'\n"
	       "   --root DIR          directory for container state (default: \"%s\",\n"
	       "                       for non-root $XDG_RUNTIME_DIR/calyx)\n"
	       "   --systemd-cgroup    the systemd cgroup manager: each container is a\n"
	       "                       transient unit (linux.cgroupsPath slice:prefix:name)\n"
	       "   --cgroup-manager M  cgroupfs (default), systemd (= --systemd-cgroup)\n"
	       "                       or disabled (no cgroups, resources not applied)\n"
	       "   --rootless VALUE    accepted for runc compatibility and ignored\n"
	       "   --help, -h          show help\n"
	       "   --version, -v       print the version\n\n"
	       "Run 'calyx COMMAND --help' for a command's options; see calyx(8).\n",
	       CALYX_DEFAULT_ROOT);
}

enum {
	OPT_DEBUG = 0x100,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_ROOT,
	OPT_SYSTEMD_CGROUP,
	OPT_ROOTLESS,
	OPT_CGROUP_MANAGER,
};

static const struct option global_options[] = {
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
	{ "rootless", required_argument, NULL, OPT_ROOTLESS },
	{ "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

struct global_flags {
	const char *log_path;
	const char *log_format;
	const char *root;
	const char *rootless;
	bool help;
	bool version;
};

/* Returns 0, or -1 after reporting a usage error (exit 1 as runc). */
static int parse_global_flags(struct calyx_context *ctx,
			      struct global_flags *flags, int argc,
			      char **argv)
{
	int c;

	opterr = 0;
	/* '+': stop at the command name; its flags are the command's. */
	while ((c = getopt_long_only(argc, argv, "+:hv", global_options,
				     NULL)) != -1) {
		switch (c) {
		case OPT_DEBUG:
			ctx->log.max_level = CALYX_LOG_DEBUG;
			break;
		case OPT_LOG:
			flags->log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			flags->log_format = optarg;
			break;
		case OPT_ROOT:
			flags->root = optarg;
			break;
		case OPT_SYSTEMD_CGROUP:
			ctx->systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
			flags->rootless = optarg;
			break;
		case OPT_CGROUP_MANAGER:
			if (strcmp(optarg, "systemd") == 0) {
				ctx->systemd_cgroup = true;
			} else if (strcmp(optarg, "disabled") == 0) {
				ctx->cgroups_disabled = true;
			} else if (strcmp(optarg, "cgroupfs") != 0) {
				cli_failf(ctx, "invalid --cgroup-manager %s: want cgroupfs, systemd or disabled",
					  optarg);
				return -1;
			}
			break;
		case 'h':
			flags->help = true;
			break;
		case 'v':
			flags->version = true;
			break;
		case ':':
			cli_failf(ctx, "flag needs an argument: %s",
				  argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				cli_failf(ctx, "flag provided but not defined: -%c",
					  optopt);
			else
				cli_failf(ctx, "flag provided but not defined: %s",
					  argv[optind - 1]);
			fputs("Run 'calyx --help' for usage.\n", stderr);
			return -1;
		}
	}
	return 0;
}

/* Turn the flags into the context every command gets.  Returns 0 or an
 * exit code. */
static int setup_context(struct calyx_context *ctx,
			 const struct global_flags *flags, char **root_out)
{
	CALYX_AUTO_ERROR calyx_error *err = NULL;

	if (flags->log_format) {
		if (strcmp(flags->log_format, "json") == 0)
			ctx->log.format = CALYX_LOG_JSON;
		else if (strcmp(flags->log_format, "text") == 0)
			ctx->log.format = CALYX_LOG_TEXT;
		else
			return cli_failf(ctx, "invalid log-format: %s",
					 flags->log_format);
	}
	if (flags->log_path && flags->log_path[0]) {
		ctx->log.fd = open(flags->log_path,
				   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				   0644);
		if (ctx->log.fd < 0) {
			calyx_error_set(&err, errno, "opening log file %s",
					flags->log_path);
			return cli_fail(ctx, err);
		}
	}
	if (flags->rootless) {
		if (strcmp(flags->rootless, "auto") &&
		    strcmp(flags->rootless, "true") &&
		    strcmp(flags->rootless, "false"))
			return cli_failf(ctx,
					 "invalid --rootless value %s: want 'true', 'false' or 'auto'",
					 flags->rootless);
		calyx_debug(&ctx->log, "--rootless=%s accepted and ignored",
			    flags->rootless);
	}
	if (flags->root) {
		if (!flags->root[0])
			return cli_failf(ctx, "--root: empty path");
		if (cli_absolute_path(flags->root, root_out, &err) < 0)
			return cli_fail(ctx, err);
	} else if (calyx_default_state_root(root_out, &err) < 0) {
		return cli_fail(ctx, err);
	}
	ctx->state_root = *root_out;
	return 0;
}

#define HELP_HELP                                                        \
	"Usage: calyx help [COMMAND]\n\n"                                  \
	"Without COMMAND, lists the commands and the global options; with\n" \
	"one, shows its usage and options (as 'calyx COMMAND --help').\n"

static int help_command(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		print_usage();
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0 || strcmp(argv[1], "h") == 0) {
		fputs(HELP_HELP, stdout);
		return 0;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "calyx: no help topic for '%s'\n", argv[1]);
		return CLI_EXIT_UNKNOWN_COMMAND;
	}
	cli_print_help(cmd);
	return 0;
}

int main(int argc, char **argv)
{
	struct calyx_context ctx = {
		.log = { .fd = -1, .format = CALYX_LOG_TEXT,
			 .max_level = CALYX_LOG_WARNING },
	};
	struct global_flags flags = { 0 };
	CALYX_AUTO_FREE char *root = NULL;
	const struct cli_command *cmd;
	int r;

	if (parse_global_flags(&ctx, &flags, argc, argv) < 0)
		return CLI_EXIT_FAILURE;
	if (flags.version) {
		print_version();
		return 0;
	}
	if (flags.help || optind >= argc) {
		print_usage();	/* as runc: no command is not an error */
		return 0;
	}

	argc -= optind;
	argv += optind;
	optind = 0;	/* full getopt re-initialisation for the command */

	if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "h") == 0)
		return help_command(argc, argv);

	r = setup_context(&ctx, &flags, &root);
	if (r)
		goto out;

	cmd = find_command(argv[0]);
	if (!cmd) {
		cli_failf(&ctx, "unknown command '%s'", argv[0]);
		fputs("Run 'calyx --help' for the list of commands.\n", stderr);
		r = CLI_EXIT_UNKNOWN_COMMAND;
		goto out;
	}
	r = cmd->run(&ctx, argc, argv);
out:
	if (ctx.log.fd >= 0)
		close(ctx.log.fd);
	return r;
}
