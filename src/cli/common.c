/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every subcommand shares: reporting errors, flags, paths. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

/* When --log points at our own stderr (runc's default is /dev/stderr),
 * writing both would print every error twice. */
static bool log_is_stderr(const struct calyx_context *ctx)
{
	struct stat log_st, err_st;

	if (ctx->log.fd < 0)
		return false;
	if (fstat(ctx->log.fd, &log_st) < 0 ||
	    fstat(STDERR_FILENO, &err_st) < 0)
		return false;
	return log_st.st_dev == err_st.st_dev && log_st.st_ino == err_st.st_ino;
}

static void report(const struct calyx_context *ctx, const char *msg)
{
	if (!log_is_stderr(ctx))
		fprintf(stderr, "calyx: %s\n", msg);
	if (ctx->log.fd >= 0)
		calyx_log(&ctx->log, CALYX_LOG_ERROR, "%s", msg);
}

int cli_fail(const struct calyx_context *ctx, calyx_error *err)
{
	report(ctx, err && err->msg ? err->msg : "unknown error");
	return CLI_EXIT_FAILURE;
}

int cli_failf(const struct calyx_context *ctx, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ctx, msg);
	return CLI_EXIT_FAILURE;
}

void cli_print_help(const struct cli_command *cmd)
{
	printf("calyx %s - %s\n\n%s", cmd->name, cmd->summary, cmd->help);
}

int cli_getopt(const struct calyx_context *ctx, const struct cli_command *cmd,
	       int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char optstring[64];
	int c;

	/* Leading ':' makes a missing value return ':' instead of '?'; a
	 * leading '+' (stop at the first operand: exec's COMMAND keeps its
	 * own flags) must stay in front of it. */
	if (shortopts[0] == '+')
		snprintf(optstring, sizeof(optstring), "+:%s", shortopts + 1);
	else
		snprintf(optstring, sizeof(optstring), ":%s", shortopts);
	opterr = 0;
	c = getopt_long_only(argc, argv, optstring, longopts, NULL);
	if (c == '?') {
		if (optopt)
			cli_failf(ctx, "%s: flag provided but not defined: -%c",
				  cmd->name, optopt);
		else
			cli_failf(ctx, "%s: flag provided but not defined: %s",
				  cmd->name, argv[optind - 1]);
	} else if (c == ':') {
		cli_failf(ctx, "%s: flag needs an argument: %s", cmd->name,
			  argv[optind - 1]);
		c = '?';
	}
	if (c == '?')
		fprintf(stderr, "Run 'calyx %s --help' for usage.\n",
			cmd->name);
	return c;
}

bool cli_check_args(const struct calyx_context *ctx,
		    const struct cli_command *cmd, int n, int min, int max)
{
	if (n >= min && n <= max)
		return true;
	if (min == max && min == 1)
		cli_failf(ctx, "%s: requires exactly one container ID",
			  cmd->name);
	else if (min == max && min == 0)
		cli_failf(ctx, "%s: takes no arguments", cmd->name);
	else if (n < min)
		cli_failf(ctx, "%s: requires at least %d argument(s)",
			  cmd->name, min);
	else
		cli_failf(ctx, "%s: accepts at most %d argument(s)",
			  cmd->name, max);
	fprintf(stderr, "Run 'calyx %s --help' for usage.\n", cmd->name);
	return false;
}

int cli_absolute_path(const char *path, char **out, calyx_error **err)
{
	CALYX_AUTO_FREE char *cwd = NULL;

	if (path && path[0] == '/') {
		*out = strdup(path);
		if (!*out)
			return calyx_error_set(err, ENOMEM, "copying %s", path);
		return 0;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return calyx_error_set(err, errno,
				       "getting the working directory");
	if (!path || !*path || strcmp(path, ".") == 0) {
		*out = CALYX_TAKE_PTR(cwd);
		return 0;
	}
	if (asprintf(out, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "",
		     path) < 0) {
		*out = NULL;
		return calyx_error_set(err, ENOMEM, "making %s absolute",
				       path);
	}
	return 0;
}

int cli_push_arg(char ***list, size_t *n, char *item, calyx_error **err)
{
	char **grown = realloc(*list, (*n + 2) * sizeof(char *));

	if (!grown)
		return calyx_error_set(err, ENOMEM, "flags");
	grown[(*n)++] = item;
	grown[*n] = NULL;
	*list = grown;
	return 0;
}

int cli_parse_uint(const char *flag, const char *text, int *out,
		   calyx_error **err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end || errno || v > INT_MAX)
		return calyx_error_setx(err, EINVAL,
					"invalid value \"%s\" for flag --%s: want a non-negative integer",
					text, flag);
	*out = (int)v;
	return 0;
}
