/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcalyx: the runtime as a library.  The `calyx` CLI is a thin client of
 * these calls: it turns argv into options, calls one function, prints the
 * error once.
 *
 * What the calls do to the calling process (they were written for a
 * short-lived CLI process; a long-lived caller must plan for them):
 *
 * - Non-dumpable for good: create and run (as root) and exec (always) set
 *   PR_SET_DUMPABLE to 0 on the caller and never restore it, so no process
 *   in a container can ptrace or read the runtime while it is near one.
 *   The caller no longer dumps core and /proc/self belongs to root.
 * - Re-execution: when a container could reach the runtime before it
 *   execs (exec into a container that shares our user namespace, create
 *   joining a pid namespace by path), create/run/exec re-execute the
 *   calling program once, with the same argv and environment, from a
 *   read-only view of its binary (CVE-2019-5736; see security/exe_guard.h).
 *   The program must therefore reach the same call again from its argv, as
 *   the calyx CLI does; otherwise avoid those configurations.
 * - Signal mask: run and exec in the foreground (detach false) block every
 *   signal except SIGKILL, SIGSTOP and the synchronous faults for the whole
 *   call, forward the ones that arrive to the container process, and
 *   restore the mask on return.  Other threads should block them too, or
 *   they take signals meant for the container.
 * - CPU affinity: exec runs the calling thread on
 *   process.execCPUAffinity.initial (when the config sets it) until the
 *   process is cloned into the container's cgroup, then puts the thread's
 *   own CPUs back (not on hosts with more than CPU_SETSIZE CPUs).
 * - Children: create/run/exec clone the container process (and hooks) as
 *   children of the caller, with SIGCHLD as exit signal.  A detached
 *   container's init stays the caller's child: reap it (waitpid on the
 *   state's pid) or it lingers as a zombie after it exits.  Never reap with
 *   waitpid(-1) while a call runs: calyx waits on its own pidfds.
 * - File descriptors: none are left open; the container process closes
 *   every fd of the caller except stdio and preserve_fds, so the caller's
 *   fds need not be O_CLOEXEC for the container's sake.
 */
#ifndef CALYX_CALYX_H
#define CALYX_CALYX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "calyx/api.h"
#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"

CALYX_BEGIN_DECLS

#define CALYX_OCI_VERSION "1.3.0"
#define CALYX_DEFAULT_ROOT "/run/calyx"

/*
 * Where containers live when the caller names no state root, as the calyx
 * CLI decides it (so other programs see the same containers): /run/calyx
 * for root; else $XDG_RUNTIME_DIR/calyx; else a private /tmp/calyx-<uid>
 * this user owns (created 0700), or ~/.cache/calyx/run when that name is
 * taken.  *out is malloc'd.
 */
CALYX_PUBLIC
int calyx_default_state_root(char **out, calyx_error **err);

/* What every call shares: where containers live, how to log, which cgroup
 * driver makes their cgroups (the CLI's global flags). */
struct calyx_context {
	const char *state_root;	/* required (calyx_default_state_root()) */
	struct calyx_log log;
	/* cgroups through systemd's D-Bus API (transient scopes) instead of
	 * cgroupfs: --systemd-cgroup, as engines on systemd hosts ask */
	bool systemd_cgroup;
	/* --cgroup-manager disabled (crun's): containers get no cgroup and
	 * linux.resources is not applied */
	bool cgroups_disabled;
};

/*
 * Where root.path gets its content when it is not bound onto itself
 * (bundle-less runs): root.path is then only a mount point, and the
 * container process mounts lower there -- an overlay when upper_dir is
 * set -- inside its own mount namespace, so nothing outlives it.
 */
struct calyx_root_source {
	const char *lower;	/* absolute host directory */
	bool recursive;		/* bind lower with its submounts (a user
				 * namespace cannot split them off) */
	const char *upper_dir;	/* overlay: upper/ and work/ are made here */
	bool upper_tmpfs;	/* ... on a fresh tmpfs mounted on upper_dir */
	uint64_t upper_size;	/* that tmpfs's size in bytes (0: default) */
};

struct calyx_create_options {
	const char *bundle;		/* absolute path of the bundle directory */
	/* Bundle-less runs hand a ready spec (still owned by the caller);
	 * otherwise <bundle>/config.json is read. */
	const struct calyx_spec *spec;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	/* For a caller that brings its own root instead of a bundle's, as
	 * calyx_sandbox_run() does (each is a general feature, not the
	 * sandbox's): the root from another directory, or an overlay on it;
	 * no cgroup when there is nothing to limit (a short run's setup is
	 * dominated by cgroups on a v1 host); the rootfs mounted nodev, so
	 * its device nodes never open without a device cgroup. */
	const struct calyx_root_source *root_source;
	bool no_cgroup;		/* run without a cgroup of its own */
	bool rootfs_nodev;	/* device nodes on the rootfs never open */
};

/* How a foreground run ended and what it used, read from its cgroup
 * before that goes (or, without a cgroup, from our children's rusage). */
struct calyx_run_report {
	int wait_code;		/* CLD_EXITED, CLD_KILLED or CLD_DUMPED */
	int wait_status;	/* the exit code or the signal number */
	bool timed_out;
	bool from_cgroup;	/* else: rusage, memory_peak of one process */
	uint64_t cpu_user_ns, cpu_system_ns;
	uint64_t memory_peak;	/* bytes; 0: unknown */
	uint64_t oom_kills;
	uint64_t pids_peak;	/* 0: unknown (the kernel has no pids.peak) */
};

struct calyx_run_options {
	struct calyx_create_options create;
	bool detach;
	bool keep;
	unsigned int timeout_sec;	/* 0 = none; expiry kills all, exit 124 */
	struct calyx_run_report *report;	/* foreground: filled if set */
};

enum calyx_status {
	CALYX_STATUS_CREATING,
	CALYX_STATUS_CREATED,
	CALYX_STATUS_RUNNING,
	CALYX_STATUS_PAUSED,
	CALYX_STATUS_STOPPED,
	/* `list` only: the state record is unreadable (corrupt or missing);
	 * `delete -f` cleans up what is left */
	CALYX_STATUS_BROKEN,
};

struct calyx_state {
	char *oci_version;
	char *id;
	enum calyx_status status;
	pid_t pid;		/* 0 when stopped */
	char *bundle;
	char *rootfs;
	char *created;		/* RFC 3339 with nanoseconds, UTC */
	char *owner;		/* "" as runc prints for root-owned */
	struct calyx_kv *annotations;
	size_t n_annotations;
};

CALYX_PUBLIC
const char *calyx_status_name(enum calyx_status s);

CALYX_PUBLIC
int calyx_container_create(struct calyx_context *ctx, const char *id,
			   const struct calyx_create_options *opts,
			   calyx_error **err);
CALYX_PUBLIC
int calyx_container_start(struct calyx_context *ctx, const char *id,
			  calyx_error **err);
/*
 * create + start.  In the foreground it forwards signals, waits, deletes the
 * container unless opts->keep, and stores the exit status the CLI should
 * return (code, or 128+N for a signal) in *exit_status.
 */
CALYX_PUBLIC
int calyx_container_run(struct calyx_context *ctx, const char *id,
			const struct calyx_run_options *opts, int *exit_status,
			calyx_error **err);
CALYX_PUBLIC
int calyx_container_kill(struct calyx_context *ctx, const char *id, int sig,
			 bool all, calyx_error **err);
CALYX_PUBLIC
int calyx_container_delete(struct calyx_context *ctx, const char *id,
			   bool force, calyx_error **err);
CALYX_PUBLIC
int calyx_container_state(struct calyx_context *ctx, const char *id,
			  struct calyx_state **out, calyx_error **err);
/* Every container under the state root; *out is an array of *n states. */
CALYX_PUBLIC
int calyx_container_list(struct calyx_context *ctx, struct calyx_state ***out,
			 size_t *n, calyx_error **err);
/* Their IDs only, sorted, without reading a record (`list -q`): *out is a
 * NULL-terminated array; free each string, then the array. */
CALYX_PUBLIC
int calyx_container_list_ids(struct calyx_context *ctx, char ***out,
			     calyx_error **err);

/*
 * `exec`: a new process in a running container.  The process is the
 * container's process.* from its config with these overrides applied (as
 * runc does), or entirely `process` (from --process FILE) when given.
 */
struct calyx_exec_options {
	const struct calyx_process *process;	/* replaces everything below */
	char **args;			/* NULL-terminated; required without process */
	char **env;			/* appended to the config's env */
	const char *cwd;
	const char *user;		/* "UID[:GID]", parsed strictly */
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char **caps;			/* added to bounding/effective/permitted/ambient */
	bool set_tty;
	bool tty;
	bool set_no_new_privs;
	bool no_new_privs;
	const char *apparmor;
	const char *process_label;
	bool detach;
	const char *console_socket;
	const char *pid_file;
	int preserve_fds;
	bool ignore_paused;
	/* --cgroup values ([CONTROLLER[,...]:]SUB), NULL-terminated, or NULL */
	char *const *cgroup_subs;
};

/* In the foreground: waits, forwards signals, *exit_status like `run`. */
CALYX_PUBLIC
int calyx_container_exec(struct calyx_context *ctx, const char *id,
			 const struct calyx_exec_options *opts, int *exit_status,
			 calyx_error **err);

/* "UID" or "UID:GID": decimal, whole string, each within 0..2^32-2. */
CALYX_PUBLIC
int calyx_parse_user(const char *text, uint32_t *uid, uint32_t *gid,
		     bool *has_gid, calyx_error **err);

/* JSON as `runc state` prints it (pretty, two-space indent, no final
 * newline); *out is malloc'd.  A string that is not UTF-8 (a bundle path
 * of other bytes) is an error, not a broken document. */
CALYX_PUBLIC
int calyx_state_to_json(const struct calyx_state *state, char **out,
			calyx_error **err);
/* The states as `runc list --format json` prints them: one line, an array. */
CALYX_PUBLIC
int calyx_state_list_to_json(struct calyx_state *const *states, size_t n,
			     char **out, calyx_error **err);
CALYX_PUBLIC
void calyx_state_free(struct calyx_state *state);

/* A container ID must match [A-Za-z0-9][A-Za-z0-9_.+-]* (no '/', no ".."). */
CALYX_PUBLIC
int calyx_id_validate(const char *id, calyx_error **err);

/* "KILL", "SIGKILL", "9" -> 9; "0" -> 0 (a probe, as kill(2));
 * -EINVAL with a message otherwise. */
CALYX_PUBLIC
int calyx_signal_parse(const char *text, int *sig, calyx_error **err);

/* The config.json `calyx spec` writes (runnable as is with a busybox rootfs). */
CALYX_PUBLIC
int calyx_spec_generate_default(bool rootless, char **json_out,
				calyx_error **err);
/* The JSON `calyx features` prints (schema/features-schema.json). */
CALYX_PUBLIC
int calyx_features_json(char **json_out, calyx_error **err);

/* ---- cgroup operations on a live container (src/container/ops.c) ---- */

/* Freeze / thaw every process; runc's errors for the wrong state. */
CALYX_PUBLIC
int calyx_container_pause(struct calyx_context *ctx, const char *id,
			  calyx_error **err);
CALYX_PUBLIC
int calyx_container_resume(struct calyx_context *ctx, const char *id,
			   calyx_error **err);
/* The container's processes (host pids, from its cgroup); *pids malloc'd. */
CALYX_PUBLIC
int calyx_container_ps(struct calyx_context *ctx, const char *id,
		       pid_t **pids, size_t *n, calyx_error **err);
/* Apply the limits res sets (only those) to the running container. */
CALYX_PUBLIC
int calyx_container_update(struct calyx_context *ctx, const char *id,
			   const struct calyx_resources *res,
			   calyx_error **err);
/*
 * runc's `events`: JSON lines on out.  stats_once: one {"type":"stats"}
 * line.  Otherwise a stats line every interval_ms and an {"type":"oom"}
 * line per OOM event, until the container's init exits.
 */
CALYX_PUBLIC
int calyx_container_events(struct calyx_context *ctx, const char *id,
			   bool stats_once, unsigned int interval_ms,
			   FILE *out, calyx_error **err);

/* A bare linux.resources JSON object (`update -r`); errors name the field. */
CALYX_PUBLIC
int calyx_resources_parse(const char *json, size_t len,
			  struct calyx_resources **out, calyx_error **err);
/* The same read from a file; a parse error is prefixed with path as given. */
CALYX_PUBLIC
int calyx_resources_parse_file(const char *path, struct calyx_resources **out,
			       calyx_error **err);
CALYX_PUBLIC
void calyx_resources_free(struct calyx_resources *res);

/* ---- checkpoint / restore through CRIU (src/container/checkpoint.c, restore.c) ---- */

/* The options both take (runc's flags of the same names). */
struct calyx_criu_options {
	const char *image_path;		/* absolute; images are written/read here */
	const char *work_path;		/* absolute; logs; NULL = image_path */
	bool tcp_established;
	bool ext_unix_sk;
	bool shell_job;
	bool file_locks;
	bool auto_dedup;
	bool lazy_pages;
	int manage_cgroups_mode;	/* criu_cg_mode; -1 = CRIU's default */
	uint32_t empty_ns;		/* CLONE_NEW* flags: made empty, not restored */
};

struct calyx_checkpoint_options {
	struct calyx_criu_options criu;
	const char *parent_path;	/* a previous (pre-)dump, relative to image_path */
	bool leave_running;
	bool tcp_skip_in_flight;
	bool pre_dump;
	bool link_remap;
	const char *page_server;	/* "ADDR:PORT" or NULL */
	int status_fd;			/* -1: none */
};

struct calyx_restore_options {
	struct calyx_criu_options criu;
	const char *bundle;		/* absolute */
	const char *console_socket;
	const char *pid_file;		/* absolute */
	bool detach;
	bool no_subreaper;
	bool no_pivot;
	const char *lsm_profile;
	const char *lsm_mount_context;
};

/*
 * Dump the running container's process tree into opts->image_path.
 * Unless leave_running or pre_dump, the container is gone afterwards (its
 * processes, cgroup and state), as runc leaves it.
 */
CALYX_PUBLIC
int calyx_container_checkpoint(struct calyx_context *ctx, const char *id,
			       const struct calyx_checkpoint_options *opts,
			       calyx_error **err);
/*
 * Make container `id` from the bundle's config.json and the images in
 * opts->image_path.  Detached it returns once the container runs; in the
 * foreground it waits like `run` (*exit_status as there) and deletes it.
 */
CALYX_PUBLIC
int calyx_container_restore(struct calyx_context *ctx, const char *id,
			    const struct calyx_restore_options *opts,
			    int *exit_status, calyx_error **err);

CALYX_END_DECLS

#endif
