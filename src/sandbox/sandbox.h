/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bundle-less `calyx run --rootfs DIR -- CMD...`: flags become a
 * struct calyx_spec (build_spec.c) that goes through the same create/run
 * path as a bundle's config.json.  What a spec cannot say is done around
 * the run by prepare.c: a private mount namespace for calyx holding the
 * overlay (or the plain bind of `/`), the veth pair, and a sweep of what a
 * killed calyx left behind.
 */
#ifndef CALYX_SANDBOX_H
#define CALYX_SANDBOX_H

#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "calyx/calyx.h"

enum sandbox_net {
	SANDBOX_NET_LOOPBACK,	/* new netns, only lo (up) */
	SANDBOX_NET_NONE,	/* the same: new netns, nothing but lo */
	SANDBOX_NET_HOST,	/* the host's namespace */
	SANDBOX_NET_VETH,	/* new netns + veth pair with a /30 */
};

/* The flags as given (strings point into argv); lists are grown here. */
struct sandbox_options {
	const char *rootfs;
	const char *id;
	const char *workdir;
	const char *user;
	const char *hostname;
	const char *seccomp;	/* "default", "unconfined" or a file */
	const char *keep_changes;
	const char *report;	/* --report FILE */
	const char *caps_profile; /* --caps NAME */
	char **binds, **tmpfs, **env, **env_files, **cap_add, **cap_drop; /* NULL-terminated */
	size_t n_binds, n_tmpfs, n_env, n_env_files, n_cap_add, n_cap_drop;
	enum sandbox_net net;
	struct in_addr veth_host, veth_peer;
	bool has_memory, has_cpus, has_pids;
	int64_t memory;		/* bytes */
	int64_t cpu_quota;	/* per 100 ms period */
	int64_t pids;
	int64_t overlay_size;	/* bytes; 0: the tmpfs default */
	unsigned int timeout_sec;
	bool overlay, read_only, tty, print_spec;
	bool cgroup;		/* --cgroup: one even without limits */
};

void sandbox_options_free(struct sandbox_options *o);

/* getopt values of the sandbox flags (the CLI's own stay below 0x200). */
enum {
	SANDBOX_OPT_ROOTFS = 0x200,
	SANDBOX_OPT_NAME,
	SANDBOX_OPT_BIND,
	SANDBOX_OPT_TMPFS,
	SANDBOX_OPT_OVERLAY,
	SANDBOX_OPT_KEEP_CHANGES,
	SANDBOX_OPT_READ_ONLY,
	SANDBOX_OPT_WORKDIR,
	SANDBOX_OPT_USER,
	SANDBOX_OPT_HOSTNAME,
	SANDBOX_OPT_NET,
	SANDBOX_OPT_MEMORY,
	SANDBOX_OPT_CPUS,
	SANDBOX_OPT_PIDS,
	SANDBOX_OPT_TIMEOUT,
	SANDBOX_OPT_CAP_ADD,
	SANDBOX_OPT_CAP_DROP,
	SANDBOX_OPT_SECCOMP,
	SANDBOX_OPT_PRINT_SPEC,
	SANDBOX_OPT_CGROUP,
	SANDBOX_OPT_ENV_FILE,
	SANDBOX_OPT_REPORT,
	SANDBOX_OPT_OVERLAY_SIZE,
	SANDBOX_OPT_CAPS,
};

/* short forms: -e (env), -t (tty), -v (volume = bind) */
#define SANDBOX_SHORT_OPTIONS "e:tv:"
#define SANDBOX_LONG_OPTIONS                                                  \
	{ "rootfs", required_argument, NULL, SANDBOX_OPT_ROOTFS },            \
	{ "name", required_argument, NULL, SANDBOX_OPT_NAME },                \
	{ "bind", required_argument, NULL, SANDBOX_OPT_BIND },                \
	{ "volume", required_argument, NULL, SANDBOX_OPT_BIND },              \
	{ "tmpfs", required_argument, NULL, SANDBOX_OPT_TMPFS },              \
	{ "overlay", no_argument, NULL, SANDBOX_OPT_OVERLAY },                \
	{ "overlay-size", required_argument, NULL, SANDBOX_OPT_OVERLAY_SIZE }, \
	{ "keep-changes", required_argument, NULL, SANDBOX_OPT_KEEP_CHANGES }, \
	{ "read-only", no_argument, NULL, SANDBOX_OPT_READ_ONLY },            \
	{ "workdir", required_argument, NULL, SANDBOX_OPT_WORKDIR },          \
	{ "env", required_argument, NULL, 'e' },                              \
	{ "env-file", required_argument, NULL, SANDBOX_OPT_ENV_FILE },        \
	{ "user", required_argument, NULL, SANDBOX_OPT_USER },                \
	{ "hostname", required_argument, NULL, SANDBOX_OPT_HOSTNAME },        \
	{ "net", required_argument, NULL, SANDBOX_OPT_NET },                  \
	{ "memory", required_argument, NULL, SANDBOX_OPT_MEMORY },            \
	{ "cpus", required_argument, NULL, SANDBOX_OPT_CPUS },                \
	{ "pids", required_argument, NULL, SANDBOX_OPT_PIDS },                \
	{ "timeout", required_argument, NULL, SANDBOX_OPT_TIMEOUT },          \
	{ "cap-add", required_argument, NULL, SANDBOX_OPT_CAP_ADD },          \
	{ "cap-drop", required_argument, NULL, SANDBOX_OPT_CAP_DROP },        \
	{ "caps", required_argument, NULL, SANDBOX_OPT_CAPS },                \
	{ "seccomp", required_argument, NULL, SANDBOX_OPT_SECCOMP },          \
	{ "tty", no_argument, NULL, 't' },                                    \
	{ "print-spec", no_argument, NULL, SANDBOX_OPT_PRINT_SPEC },          \
	{ "cgroup", no_argument, NULL, SANDBOX_OPT_CGROUP },                  \
	{ "report", required_argument, NULL, SANDBOX_OPT_REPORT }

#define SANDBOX_HELP                                                             \
	"Without a bundle (calyx run --rootfs DIR [options] -- CMD [ARG...]):\n"    \
	"   --rootfs DIR             the root filesystem (\"/\": the host's, read-\n" \
	"                            only unless --overlay); CMD is the process\n"  \
	"   --name ID                container ID (default: run-<random hex>)\n"    \
	"   --bind, -v, --volume SRC:DST[:ro]   bind-mount host SRC at DST\n"       \
	"   --tmpfs DST[:SIZE]       a fresh tmpfs at DST\n"                        \
	"   --overlay                writable overlay over the rootfs, discarded\n" \
	"                            at exit\n"                                     \
	"   --overlay-size SIZE      at most SIZE of writes to the overlay\n"       \
	"   --keep-changes DIR       keep the overlay's upper layer in DIR/upper\n" \
	"   --read-only              read-only root (not with --overlay)\n"        \
	"   --workdir DIR            working directory (default /)\n"               \
	"   --env, -e K=V            set a variable (K alone: the host's value)\n"  \
	"   --env-file FILE          K=V lines (# comments); --env wins\n"         \
	"   --user USER[:GROUP]      run as USER (a name of the rootfs's\n"        \
	"                            /etc/passwd, or a UID) and GROUP\n"           \
	"   --hostname NAME          hostname (default calyx)\n"                    \
	"   --net MODE               none|loopback (default)|host|veth[:A.B.C.D/30]\n" \
	"   --memory SIZE            memory limit (bytes, or k/m/g suffix)\n"       \
	"   --cpus N                 CPU limit, e.g. 1.5\n"                         \
	"   --pids N                 maximum number of processes\n"                \
	"   --timeout SECONDS        kill everything after SECONDS, exit 124\n"     \
	"   --cgroup                 a cgroup even without limits (for ps, pause,\n" \
	"                            events; implied by limits and CAP_MKNOD)\n"   \
	"   --caps build             the capabilities a package manager needs\n"   \
	"                            (chown, dac_override, fowner, setuid, setgid)\n" \
	"   --cap-add CAP, --cap-drop CAP   change the default capabilities\n"      \
	"   --seccomp PROFILE        default|unconfined|FILE (default: default)\n"  \
	"   --tty, -t                allocate a terminal\n"                         \
	"   --report FILE            write a JSON report of the run to FILE\n"      \
	"   --print-spec             print the config.json that would be run\n"

/* Record sandbox flag c: 1 taken, 0 not a sandbox flag, <0 bad value. */
int sandbox_flag(struct sandbox_options *o, int c, const char *arg,
		 calyx_error **err);

/* Parsers behind the flags (exposed for the unit tests). */
int sandbox_parse_size(const char *text, int64_t *bytes, calyx_error **err);
int sandbox_parse_cpus(const char *text, int64_t *quota, calyx_error **err);

/* The first subordinate range of user (or id) in file (/etc/subuid
 * format): 0, or -ENOENT / -errno.  Exposed for the unit tests. */
int sandbox_subid_range(const char *file, const char *user, uid_t id,
			uint32_t *start, uint32_t *count);
/* Rootless: the user's subordinate ranges mapped to 1..N when it has them
 * and newuidmap/newgidmap are installed; nothing otherwise. */
int sandbox_add_subids(struct calyx_linux *lx, calyx_error **err);

/* user_lookup.c: --user NAME[:GROUP] (or ids) into *u, names looked up
 * in the root's /etc/passwd and /etc/group, opened safely in rootfd. */
struct calyx_user;
int sandbox_resolve_user(int rootfd, const char *spec, struct calyx_user *u,
			 calyx_error **err);

/* report.c: the --report FILE, and the line on stderr when the job was
 * OOM-killed (the timeout has its own). */
int sandbox_report_write(const struct sandbox_options *o,
			 const struct calyx_run_report *rep, int exit_status,
			 double wall_seconds, calyx_error **err);
void sandbox_report_explain(struct calyx_context *ctx, const struct sandbox_options *o,
			    const struct calyx_run_report *rep);

/* Where the container's root really is (filled by prepare.c, or the
 * rootfs itself for --print-spec). */
struct sandbox_plan {
	const char *root_path;
	const char *veth_peer;	/* the netDevice to move in as eth0 */
};

/* The spec for these options; errors name the flag. */
int sandbox_build_spec(const struct sandbox_options *o, char *const *cmd,
		       const struct sandbox_plan *plan, struct calyx_spec **out,
		       calyx_error **err);

/*
 * Everything: sweep leftovers of killed runs, prepare, build, run in the
 * foreground, clean up.  *exit_status is the container's (124 on timeout).
 * With --print-spec the spec is printed to stdout instead.
 */
int sandbox_run(struct calyx_context *ctx, struct sandbox_options *o,
		char *const *cmd, const struct calyx_create_options *create,
		int *exit_status, calyx_error **err);

#endif
