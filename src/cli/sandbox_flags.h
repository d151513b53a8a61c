/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The flags of the bundle-less `calyx run --rootfs DIR -- CMD...`: their
 * getopt table and help, and their values collected into the options of
 * calyx_sandbox_run() (calyx/sandbox.h), which checks them.
 */
#ifndef CALYX_CLI_SANDBOX_FLAGS_H
#define CALYX_CLI_SANDBOX_FLAGS_H

#include "calyx/sandbox.h"
#include "cli/cli.h"

/* getopt values of the sandbox flags (the CLI's own stay below 0x200). */
enum {
	CLI_SANDBOX_ROOTFS = 0x200,
	CLI_SANDBOX_NAME,
	CLI_SANDBOX_BIND,
	CLI_SANDBOX_TMPFS,
	CLI_SANDBOX_OVERLAY,
	CLI_SANDBOX_KEEP_CHANGES,
	CLI_SANDBOX_READ_ONLY,
	CLI_SANDBOX_WORKDIR,
	CLI_SANDBOX_USER,
	CLI_SANDBOX_HOSTNAME,
	CLI_SANDBOX_NET,
	CLI_SANDBOX_MEMORY,
	CLI_SANDBOX_CPUS,
	CLI_SANDBOX_PIDS,
	CLI_SANDBOX_TIMEOUT,
	CLI_SANDBOX_CAP_ADD,
	CLI_SANDBOX_CAP_DROP,
	CLI_SANDBOX_SECCOMP,
	CLI_SANDBOX_PRINT_SPEC,
	CLI_SANDBOX_CGROUP,
	CLI_SANDBOX_ENV_FILE,
	CLI_SANDBOX_REPORT,
	CLI_SANDBOX_OVERLAY_SIZE,
	CLI_SANDBOX_CAPS,
};

/* short forms: -e (env), -t (tty), -v (volume = bind) */
#define CLI_SANDBOX_SHORT_OPTIONS "e:tv:"
#define CLI_SANDBOX_LONG_OPTIONS                                               \
	{ "rootfs", required_argument, NULL, CLI_SANDBOX_ROOTFS },             \
	{ "name", required_argument, NULL, CLI_SANDBOX_NAME },                 \
	{ "bind", required_argument, NULL, CLI_SANDBOX_BIND },                 \
	{ "volume", required_argument, NULL, CLI_SANDBOX_BIND },               \
	{ "tmpfs", required_argument, NULL, CLI_SANDBOX_TMPFS },               \
	{ "overlay", no_argument, NULL, CLI_SANDBOX_OVERLAY },                 \
	{ "overlay-size", required_argument, NULL, CLI_SANDBOX_OVERLAY_SIZE }, \
	{ "keep-changes", required_argument, NULL, CLI_SANDBOX_KEEP_CHANGES }, \
	{ "read-only", no_argument, NULL, CLI_SANDBOX_READ_ONLY },             \
	{ "workdir", required_argument, NULL, CLI_SANDBOX_WORKDIR },           \
	{ "env", required_argument, NULL, 'e' },                               \
	{ "env-file", required_argument, NULL, CLI_SANDBOX_ENV_FILE },         \
	{ "user", required_argument, NULL, CLI_SANDBOX_USER },                 \
	{ "hostname", required_argument, NULL, CLI_SANDBOX_HOSTNAME },         \
	{ "net", required_argument, NULL, CLI_SANDBOX_NET },                   \
	{ "memory", required_argument, NULL, CLI_SANDBOX_MEMORY },             \
	{ "cpus", required_argument, NULL, CLI_SANDBOX_CPUS },                 \
	{ "pids", required_argument, NULL, CLI_SANDBOX_PIDS },                 \
	{ "timeout", required_argument, NULL, CLI_SANDBOX_TIMEOUT },           \
	{ "cap-add", required_argument, NULL, CLI_SANDBOX_CAP_ADD },           \
	{ "cap-drop", required_argument, NULL, CLI_SANDBOX_CAP_DROP },         \
	{ "caps", required_argument, NULL, CLI_SANDBOX_CAPS },                 \
	{ "seccomp", required_argument, NULL, CLI_SANDBOX_SECCOMP },           \
	{ "tty", no_argument, NULL, 't' },                                     \
	{ "print-spec", no_argument, NULL, CLI_SANDBOX_PRINT_SPEC },           \
	{ "cgroup", no_argument, NULL, CLI_SANDBOX_CGROUP },                   \
	{ "report", required_argument, NULL, CLI_SANDBOX_REPORT }

#define CLI_SANDBOX_HELP                                                               \
	"Without a bundle (calyx run --rootfs DIR [options] -- CMD [ARG...]):\n"       \
	"   --rootfs DIR             the root filesystem (\"/\": the host's, read-\n"  \
	"                            only unless --overlay); CMD is the process\n"     \
	"   --name ID                container ID (default: run-<random hex>)\n"       \
	"   --bind, -v, --volume SRC:DST[:ro]   bind-mount host SRC at DST\n"          \
	"   --tmpfs DST[:SIZE]       a fresh tmpfs at DST\n"                           \
	"   --overlay                writable overlay over the rootfs, discarded\n"    \
	"                            at exit\n"                                        \
	"   --overlay-size SIZE      at most SIZE of writes to the overlay\n"          \
	"   --keep-changes DIR       keep the overlay's upper layer in DIR/upper\n"    \
	"   --read-only              read-only root (not with --overlay)\n"            \
	"   --workdir DIR            working directory (default /)\n"                  \
	"   --env, -e K=V            set a variable (K alone: the host's value)\n"     \
	"   --env-file FILE          K=V lines (# comments); --env wins\n"             \
	"   --user USER[:GROUP]      run as USER (a name of the rootfs's\n"            \
	"                            /etc/passwd, or a UID) and GROUP\n"               \
	"   --hostname NAME          hostname (default calyx)\n"                       \
	"   --net MODE               none|loopback (default)|host|veth[:A.B.C.D/30]\n" \
	"   --memory SIZE            memory limit (bytes, or k/m/g suffix)\n"          \
	"   --cpus N                 CPU limit, e.g. 1.5\n"                            \
	"   --pids N                 maximum number of processes\n"                    \
	"   --timeout SECONDS        kill everything after SECONDS, exit 124\n"        \
	"   --cgroup                 a cgroup even without limits (for ps, pause,\n"   \
	"                            events; implied by limits and CAP_MKNOD)\n"       \
	"   --caps build             the capabilities a package manager needs\n"       \
	"                            (chown, dac_override, fowner, setuid, setgid)\n"  \
	"   --cap-add CAP, --cap-drop CAP   change the default capabilities\n"         \
	"   --seccomp PROFILE        default|unconfined|FILE (default: default)\n"     \
	"   --tty, -t                allocate a terminal\n"                            \
	"   --report FILE            write a JSON report of the run to FILE\n"         \
	"   --print-spec             print the config.json that would be run\n"

/* The options and the lists the flags grow (strings are argv's). */
struct cli_sandbox_flags {
	struct calyx_sandbox_options opts;
	char **binds, **tmpfs, **env, **env_files, **cap_add, **cap_drop;
	size_t n_binds, n_tmpfs, n_env, n_env_files, n_cap_add, n_cap_drop;
};

/* Record sandbox flag c: 1 taken, 0 not a sandbox flag, <0 out of memory.
 * The values are checked by calyx_sandbox_run(). */
int cli_sandbox_flag(struct cli_sandbox_flags *f, int c, char *arg,
		     calyx_error **err);
/* f->opts with its lists in place, for calyx_sandbox_run(). */
const struct calyx_sandbox_options *cli_sandbox_options(struct cli_sandbox_flags *f);
void cli_sandbox_flags_free(struct cli_sandbox_flags *f);

#endif
