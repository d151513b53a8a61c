/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calyx ps [--format table|json] <container-id> [ps options]
 *
 * json: the container's pids as a JSON array.  table: as runc, the host's
 * `ps` runs with the given options (default -ef) and only the header and
 * the rows whose PID column is one of the container's are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"

extern char **environ;

/* Run `ps ARGS...`; *out gets stdout and stderr together. */
static int run_ps(char **args, int nargs, char **out, int *status,
		  calyx_error **err)
{
	CALYX_AUTO_FREE char **argv = calloc((size_t)nargs + 3, sizeof(*argv));
	posix_spawn_file_actions_t fa;
	CALYX_AUTO_CLOSE int rd = -1;
	int pfd[2], r;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t pid;

	if (!argv)
		return calyx_error_set(err, ENOMEM, "ps");
	argv[0] = "ps";
	if (nargs == 0)
		argv[1] = "-ef";
	for (int i = 0; i < nargs; i++)
		argv[i + 1] = args[i];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return calyx_error_set(err, errno, "pipe");
	rd = pfd[0];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDERR_FILENO);
	r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r != 0)
		return calyx_error_set(err, r, "running ps");
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *grown = realloc(buf, cap + 65536);

			if (!grown) {
				free(buf);
				waitpid(pid, NULL, 0);
				return calyx_error_set(err, ENOMEM, "ps output");
			}
			buf = grown;
			cap += 65536;
		}
		n = read(rd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			free(buf);
			return calyx_error_set(err, errno, "waiting for ps");
		}
	}
	*out = buf;
	return 0;
}

/* Index of the "PID" column in ps' header; -1 when there is none. */
static int pid_column(const char *header)
{
	CALYX_AUTO_FREE char *copy = strdup(header);
	char *save = NULL;
	int i = 0;

	if (!copy)
		return -1;
	for (char *f = strtok_r(copy, " \t", &save); f;
	     f = strtok_r(NULL, " \t", &save), i++)
		if (!strcmp(f, "PID"))
			return i;
	return -1;
}

static bool row_pid(const char *line, int column, pid_t *pid)
{
	CALYX_AUTO_FREE char *copy = strdup(line);
	char *save = NULL, *f, *end;
	int i = 0;

	if (!copy)
		return false;
	for (f = strtok_r(copy, " \t", &save); f && i < column;
	     f = strtok_r(NULL, " \t", &save))
		i++;
	if (!f)
		return false;
	errno = 0;
	*pid = (pid_t)strtol(f, &end, 10);
	return !*end && !errno;
}

static int print_table(const struct calyx_context *ctx, const pid_t *pids,
		       size_t n, char **ps_args, int n_args)
{
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *text = NULL;
	char *line, *save = NULL;
	int status = 0, column;

	if (run_ps(ps_args, n_args, &text, &status, &err) < 0)
		return cli_fail(ctx, err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cli_failf(ctx, "ps exited with status %d: %s",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				 text);
	line = strtok_r(text, "\n", &save);
	column = line ? pid_column(line) : -1;
	if (column < 0)
		return cli_failf(ctx, "couldn't find PID field in ps output");
	puts(line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		pid_t pid;

		if (!row_pid(line, column, &pid))
			return cli_failf(ctx, "unable to parse pid: %s", line);
		for (size_t i = 0; i < n; i++) {
			if (pids[i] == pid) {
				puts(line);
				break;
			}
		}
	}
	return fflush(stdout) == 0 ? 0 : CLI_EXIT_FAILURE;
}

static int print_json(const pid_t *pids, size_t n)
{
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	puts("]");
	return fflush(stdout) == 0 ? 0 : CLI_EXIT_FAILURE;
}

static int ps_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE pid_t *pids = NULL;
	const char *format = "table";
	size_t n = 0;
	int c;

	/* '+': what follows the ID are ps' options, not ours */
	while ((c = cli_getopt(ctx, &cli_cmd_ps, argc, argv, "+f:h",
			       options)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'h':
			cli_print_help(&cli_cmd_ps);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (argc - optind < 1) {
		cli_check_args(ctx, &cli_cmd_ps, 0, 1, 1);
		return CLI_EXIT_FAILURE;
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_failf(ctx, "invalid format option");
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_ps(ctx, argv[optind], &pids, &n, &err) < 0)
		return cli_fail(ctx, err);
	if (!strcmp(format, "json"))
		return print_json(pids, n);
	return print_table(ctx, pids, n, argv + optind + 1, argc - optind - 1);
}

const struct cli_command cli_cmd_ps = {
	.name = "ps",
	.summary = "display the processes running inside a container",
	.help = "Usage: calyx ps [options] <container-id> [ps options]\n\n"
		"Lists the processes in the container's cgroup (host PIDs).\n"
		"table runs the host's ps with [ps options] (default: -ef) and\n"
		"prints its header and the container's rows; json prints an\n"
		"array of the PIDs.\n\n"
		"Options:\n"
		"   --format FMT, -f FMT   table (default) or json\n",
	.run = ps_main,
	.needs_cgroups = true,
};
