/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcalyx: the runtime as a library.  The `calyx` CLI is a thin client of
 * these calls: it turns argv into options, calls one function, prints the
 * error once.
 */
#ifndef CALYX_CALYX_H
#define CALYX_CALYX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"

#define CALYX_OCI_VERSION "1.3.0"
#define CALYX_DEFAULT_ROOT "/run/calyx"

/* What every command shares: global flags. */
struct calyx_context {
	const char *state_root;	/* --root; never NULL once the CLI set it up */
	struct calyx_log log;
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
	/* bundle-less runs only (see src/sandbox) */
	const struct calyx_root_source *root_source;
	bool no_cgroup;		/* run without a cgroup of its own */
	bool rootfs_nodev;	/* device nodes on the rootfs never open */
};

struct calyx_run_options {
	struct calyx_create_options create;
	bool detach;
	bool keep;
	unsigned int timeout_sec;	/* 0 = none; expiry kills all, exit 124 */
};

enum calyx_status {
	CALYX_STATUS_CREATING,
	CALYX_STATUS_CREATED,
	CALYX_STATUS_RUNNING,
	CALYX_STATUS_PAUSED,
	CALYX_STATUS_STOPPED,
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

const char *calyx_status_name(enum calyx_status s);

int calyx_container_create(struct calyx_context *ctx, const char *id,
			   const struct calyx_create_options *opts,
			   calyx_error **err);
int calyx_container_start(struct calyx_context *ctx, const char *id,
			  calyx_error **err);
/*
 * create + start.  In the foreground it forwards signals, waits, deletes the
 * container unless opts->keep, and stores the exit status the CLI should
 * return (code, or 128+N for a signal) in *exit_status.
 */
int calyx_container_run(struct calyx_context *ctx, const char *id,
			const struct calyx_run_options *opts, int *exit_status,
			calyx_error **err);
int calyx_container_kill(struct calyx_context *ctx, const char *id, int sig,
			 bool all, calyx_error **err);
int calyx_container_delete(struct calyx_context *ctx, const char *id,
			   bool force, calyx_error **err);
int calyx_container_state(struct calyx_context *ctx, const char *id,
			  struct calyx_state **out, calyx_error **err);
/* Every container under the state root; *out is an array of *n states. */
int calyx_container_list(struct calyx_context *ctx, struct calyx_state ***out,
			 size_t *n, calyx_error **err);

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
	const char *cgroup_sub;		/* --cgroup: a sub-cgroup of the container's */
};

/* In the foreground: waits, forwards signals, *exit_status like `run`. */
int calyx_container_exec(struct calyx_context *ctx, const char *id,
			 const struct calyx_exec_options *opts, int *exit_status,
			 calyx_error **err);

/* "UID" or "UID:GID": decimal, whole string, each within 0..2^32-2. */
int calyx_parse_user(const char *text, uint32_t *uid, uint32_t *gid,
		     bool *has_gid, calyx_error **err);

/* JSON as `runc state` prints it (pretty, two-space indent). */
char *calyx_state_to_json(const struct calyx_state *state);
void calyx_state_free(struct calyx_state *state);

/* A container ID must match [A-Za-z0-9][A-Za-z0-9_.+-]* (no '/', no ".."). */
int calyx_id_validate(const char *id, calyx_error **err);

/* "KILL", "SIGKILL", "9" -> 9; -EINVAL with a message otherwise. */
int calyx_signal_parse(const char *text, int *sig, calyx_error **err);

/* The config.json `calyx spec` writes (runnable as is with a busybox rootfs). */
int calyx_spec_generate_default(bool rootless, char **json_out,
				calyx_error **err);
/* The JSON `calyx features` prints (schema/features-schema.json). */
int calyx_features_json(char **json_out, calyx_error **err);

/* ---- cgroup operations on a live container (src/container/ops.c) ---- */
#include <stdio.h>

/* Freeze / thaw every process; runc's errors for the wrong state. */
int calyx_container_pause(struct calyx_context *ctx, const char *id,
			  calyx_error **err);
int calyx_container_resume(struct calyx_context *ctx, const char *id,
			   calyx_error **err);
/* The container's processes (host pids, from its cgroup); *pids malloc'd. */
int calyx_container_ps(struct calyx_context *ctx, const char *id,
		       pid_t **pids, size_t *n, calyx_error **err);
/* Apply the limits res sets (only those) to the running container. */
int calyx_container_update(struct calyx_context *ctx, const char *id,
			   const struct calyx_resources *res,
			   calyx_error **err);
/*
 * runc's `events`: JSON lines on out.  stats_once: one {"type":"stats"}
 * line.  Otherwise a stats line every interval_ms and an {"type":"oom"}
 * line per OOM event, until the container's init exits.
 */
int calyx_container_events(struct calyx_context *ctx, const char *id,
			   bool stats_once, unsigned int interval_ms,
			   FILE *out, calyx_error **err);

/* A bare linux.resources JSON object (`update -r`); errors name the field. */
int calyx_resources_parse(const char *json, size_t len,
			  struct calyx_resources **out, calyx_error **err);
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
int calyx_container_checkpoint(struct calyx_context *ctx, const char *id,
			       const struct calyx_checkpoint_options *opts,
			       calyx_error **err);
/*
 * Make container `id` from the bundle's config.json and the images in
 * opts->image_path.  Detached it returns once the container runs; in the
 * foreground it waits like `run` (*exit_status as there) and deletes it.
 */
int calyx_container_restore(struct calyx_context *ctx, const char *id,
			    const struct calyx_restore_options *opts,
			    int *exit_status, calyx_error **err);

#endif
