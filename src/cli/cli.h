/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `calyx` command line: main.c parses the global flags into a
 * calyx_context and hands the rest of argv to one subcommand.  A
 * subcommand only turns its flags into options and calls libcalyx.
 */
#ifndef CALYX_CLI_H
#define CALYX_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "calyx/calyx.h"
#include "calyx/cleanup.h"

/*
 * The CLI is a client of the public API only (include/calyx/): it links
 * the library statically, but reaches nothing else of it.  Ownership is
 * held with calyx/cleanup.h's CALYX_AUTO_* (the library's own code spells
 * the same helpers _cleanup_*_, a name the public headers must not use).
 */

#define CLI_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* runc's exit codes: everything that fails is 1, an unknown command 3;
 * `exec` that fails after its flags were parsed is 255, so that engines
 * tell "exec failed" from the process's own exit code. */
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_UNKNOWN_COMMAND 3
#define CLI_EXIT_EXEC_FAILED 255

struct cli_command {
	const char *name;
	const char *summary;	/* one line for `calyx --help` */
	const char *help;	/* `calyx NAME --help`, from "Usage:" on */
	/* argv[0] is the command name; returns the process exit code. */
	int (*run)(struct calyx_context *ctx, int argc, char **argv);
	bool needs_cgroups;	/* acts on a cgroup (informational) */
};

extern const struct cli_command cli_cmd_create;
extern const struct cli_command cli_cmd_start;
extern const struct cli_command cli_cmd_run;
extern const struct cli_command cli_cmd_state;
extern const struct cli_command cli_cmd_kill;
extern const struct cli_command cli_cmd_delete;
extern const struct cli_command cli_cmd_list;
extern const struct cli_command cli_cmd_spec;
extern const struct cli_command cli_cmd_features;
extern const struct cli_command cli_cmd_exec;
extern const struct cli_command cli_cmd_pause;
extern const struct cli_command cli_cmd_resume;
extern const struct cli_command cli_cmd_ps;
extern const struct cli_command cli_cmd_update;
extern const struct cli_command cli_cmd_events;
extern const struct cli_command cli_cmd_checkpoint, cli_cmd_restore;

/* Print err once (stderr, and the --log file in its format); returns 1. */
int cli_fail(const struct calyx_context *ctx, calyx_error *err);
/* Like cli_fail for a message of our own. */
int cli_failf(const struct calyx_context *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * getopt_long_only over a subcommand's argv, runc style: `-flag`,
 * `--flag`, `--flag=value`, `--flag value`, short forms, flags before or
 * after the positional arguments.  Returns the option's value, -1 at the
 * end, or '?' after printing a usage error (unknown flag, missing value).
 */
int cli_getopt(const struct calyx_context *ctx, const struct cli_command *cmd,
	       int argc, char **argv, const char *shortopts,
	       const struct option *longopts);
void cli_print_help(const struct cli_command *cmd);

/*
 * Check the positional count after option parsing (min..max); prints
 * `calyx: CMD: requires ...` on a mismatch and returns false.
 */
bool cli_check_args(const struct calyx_context *ctx,
		    const struct cli_command *cmd, int n, int min, int max);

/* `path` made absolute against the working directory (not resolved, like
 * Go's filepath.Abs); NULL path gives the working directory itself. */
int cli_absolute_path(const char *path, char **out, calyx_error **err);

/* Append item (not copied) to the NULL-terminated list *list of *n
 * entries, which the caller frees (the array only). */
int cli_push_arg(char ***list, size_t *n, char *item, calyx_error **err);

/* Parse a non-negative decimal int flag value. */
int cli_parse_uint(const char *flag, const char *text, int *out,
		   calyx_error **err);

/* The flags `create` and `run` share (runc's names). */
enum {
	CLI_OPT_CONSOLE_SOCKET = 0x100,
	CLI_OPT_PID_FILE,
	CLI_OPT_NO_PIVOT,
	CLI_OPT_NO_NEW_KEYRING,
	CLI_OPT_PRESERVE_FDS,
	CLI_OPT_FIRST_FREE,	/* subcommands number their own from here */
};

#define CLI_CREATE_LONG_OPTIONS                                              \
	{ "bundle", required_argument, NULL, 'b' },                          \
	{ "console-socket", required_argument, NULL, CLI_OPT_CONSOLE_SOCKET }, \
	{ "pid-file", required_argument, NULL, CLI_OPT_PID_FILE },           \
	{ "no-pivot", no_argument, NULL, CLI_OPT_NO_PIVOT },                 \
	{ "no-new-keyring", no_argument, NULL, CLI_OPT_NO_NEW_KEYRING },     \
	{ "preserve-fds", required_argument, NULL, CLI_OPT_PRESERVE_FDS },   \
	{ "help", no_argument, NULL, 'h' }

#define CLI_CREATE_HELP                                                        \
	"   --bundle DIR, -b DIR     bundle directory (config.json and rootfs);\n" \
	"                            default: the current directory\n"            \
	"   --console-socket PATH    AF_UNIX socket that receives the console's\n" \
	"                            pseudoterminal master (process.terminal)\n"   \
	"   --pid-file PATH          write the container process's PID to PATH\n"  \
	"   --no-pivot               chroot instead of pivot_root (rootfs on a\n"  \
	"                            ramdisk)\n"                                   \
	"   --no-new-keyring         keep the caller's session keyring\n"          \
	"   --preserve-fds N         pass N more fds (from fd 3) to the process\n" \
	"                            (stdio + $LISTEN_FDS + N in total; default 0)\n"

/* The values of the shared flags, as given. */
struct cli_create_flags {
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
};

/* Record option c if it is a shared create flag: 1 taken, 0 not ours,
 * <0 invalid value (err set). */
int cli_create_flag(struct cli_create_flags *flags, int c, const char *arg,
		    calyx_error **err);

/* The library options; bundle and pid file made absolute into *bundle and
 * *pid_file (owned by the caller, referenced by opts). */
int cli_create_options(const struct cli_create_flags *flags,
		       struct calyx_create_options *opts, char **bundle,
		       char **pid_file, calyx_error **err);

#endif
