/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx exec [options] <container-id> <command> [args...] */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum {
	OPT_CONSOLE_SOCKET = CLI_OPT_FIRST_FREE,
	OPT_CWD,
	OPT_PID_FILE,
	OPT_PROCESS_LABEL,
	OPT_APPARMOR,
	OPT_NO_NEW_PRIVS,
	OPT_PRESERVE_FDS,
	OPT_CGROUP,
	OPT_IGNORE_PAUSED,
};

static int parse_gid(const char *text, uint32_t **gids, size_t *n,
		     calyx_error **err)
{
	uint32_t uid, gid = 0, *grown;
	bool has_gid;

	/* one decimal id, parsed as strictly as a user */
	if (calyx_parse_user(text, &uid, &gid, &has_gid, err) < 0 || has_gid)
		return calyx_error_setx(err, EINVAL, "--additional-gids %s: must be a number",
					text);
	grown = realloc(*gids, (*n + 1) * sizeof(*grown));
	if (!grown)
		return calyx_error_set(err, ENOMEM, "exec");
	grown[(*n)++] = uid;
	*gids = grown;
	return 0;
}

static int exec_fail(const struct calyx_context *ctx, calyx_error *err)
{
	cli_fail(ctx, err);
	return CLI_EXIT_EXEC_FAILED;
}

static int exec_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "tty", no_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
		{ "apparmor", required_argument, NULL, OPT_APPARMOR },
		{ "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
		{ "cap", required_argument, NULL, 'c' },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char **env = NULL, **caps = NULL, **cgroups = NULL;
	CALYX_AUTO_FREE uint32_t *gids = NULL;
	CALYX_AUTO_FREE char *pid_file = NULL;
	struct calyx_process *process = NULL;
	struct calyx_exec_options opts = { 0 };
	const char *process_file = NULL;
	size_t n_env = 0, n_caps = 0, n_gids = 0, n_cgroups = 0;
	int c, r, exit_status = 0;

	while ((c = cli_getopt(ctx, &cli_cmd_exec, argc, argv, "+e:tu:g:p:dc:h",
			       options)) != -1) {
		r = 0;
		switch (c) {
		case 'h':
			cli_print_help(&cli_cmd_exec);
			return 0;
		case OPT_CONSOLE_SOCKET:
			opts.console_socket = optarg;
			break;
		case OPT_CWD:
			opts.cwd = optarg;
			break;
		case 'e':
			r = cli_push_arg(&env, &n_env, optarg, &err);
			break;
		case 't':
			opts.set_tty = opts.tty = true;
			break;
		case 'u':
			opts.user = optarg;
			break;
		case 'g':
			r = parse_gid(optarg, &gids, &n_gids, &err);
			break;
		case 'p':
			process_file = optarg;
			break;
		case 'd':
			opts.detach = true;
			break;
		case OPT_PID_FILE:
			r = cli_absolute_path(optarg, &pid_file, &err);
			break;
		case OPT_PROCESS_LABEL:
			opts.process_label = optarg;
			break;
		case OPT_APPARMOR:
			opts.apparmor = optarg;
			break;
		case OPT_NO_NEW_PRIVS:
			opts.set_no_new_privs = opts.no_new_privs = true;
			break;
		case 'c':
			r = cli_push_arg(&caps, &n_caps, optarg, &err);
			break;
		case OPT_PRESERVE_FDS:
			r = cli_parse_uint("--preserve-fds", optarg, &opts.preserve_fds, &err);
			break;
		case OPT_CGROUP:
			r = cli_push_arg(&cgroups, &n_cgroups, optarg, &err);
			break;
		case OPT_IGNORE_PAUSED:
			opts.ignore_paused = true;
			break;
		default:
			return CLI_EXIT_FAILURE;
		}
		if (r < 0)
			return cli_fail(ctx, err);
	}
	if (argc - optind < 1) {
		cli_failf(ctx, "exec: requires a container ID%s",
			  process_file ? "" : " and a command");
		return CLI_EXIT_FAILURE;
	}
	/* from here on a failure is the exec's (runc: 255), a missing
	 * command included */
	if (calyx_id_validate(argv[optind], &err) < 0)
		return exec_fail(ctx, err);
	if (process_file) {
		if (calyx_process_parse_file(process_file, &process, &err) < 0)
			return exec_fail(ctx, err);
		opts.process = process;
	}
	opts.args = argv + optind + 1;
	opts.env = env;
	opts.caps = caps;
	opts.cgroup_subs = cgroups;
	opts.additional_gids = gids;
	opts.n_additional_gids = n_gids;
	opts.pid_file = pid_file;
	r = calyx_container_exec(ctx, argv[optind], &opts, &exit_status, &err);
	calyx_process_free(process);
	if (r < 0)
		return exec_fail(ctx, err);
	return opts.detach ? 0 : exit_status;
}

const struct cli_command cli_cmd_exec = {
	.name = "exec",
	.summary = "run a new process inside a running container",
	.help = "Usage: calyx exec [options] <container-id> <command> [args...]\n"
		"       calyx exec [options] --process FILE <container-id>\n\n"
		"The process is the container's configured process with the\n"
		"options below applied, or entirely FILE (a process object).\n"
		"Options stop at the container ID: the command keeps its own.\n\n"
		"Options:\n"
		"   --env K=V, -e K=V        add an environment variable\n"
		"   --cwd DIR                working directory inside the container\n"
		"   --user UID[:GID], -u     run as this user (numbers only)\n"
		"   --additional-gids G, -g  an additional group (repeatable)\n"
		"   --cap CAP, -c CAP        add a capability (repeatable)\n"
		"   --no-new-privs           set no_new_privs\n"
		"   --apparmor PROFILE       AppArmor profile\n"
		"   --process-label LABEL    SELinux label\n"
		"   --tty, -t                allocate a pseudoterminal\n"
		"   --console-socket PATH    socket for the terminal master\n"
		"   --detach, -d             do not wait for the process\n"
		"   --pid-file PATH          write the process's PID to PATH\n"
		"   --preserve-fds N         pass N more fds (from fd 3)\n"
		"   --cgroup [CTRL[,CTRL]:]SUB  run in this existing sub-cgroup of\n"
		"                            the container's (repeatable)\n"
		"   --ignore-paused          allow exec into a paused container\n"
		"   --process FILE, -p FILE  the whole process as JSON\n",
	.run = exec_main,
};
