/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One container being created: everything the runtime prepared before the
 * clone, shared (by copy, through clone3) with the container process.
 */
#ifndef CALYX_CONTAINER_CREATE_H
#define CALYX_CONTAINER_CREATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "calyx/calyx.h"
#include "cgroups/cgroup.h"
#include "linux/namespaces.h"
#include "seccomp/seccomp.h"

struct create_job {
	struct calyx_context *ctx;
	const char *id;
	const struct calyx_create_options *opts;
	const struct calyx_spec *spec;
	bool owns_spec;
	char *bundle;
	char *rootfs;
	/* `run` releases the process over the sync socket instead of the fifo */
	bool run_mode;
	/* foreground run with process.terminal and no socket: we relay */
	bool relay_tty;
	/* calyx waits in the foreground: the container dies with it */
	bool foreground;
	int console_sock;	/* connected --console-socket, or -1 */
	int tty_master;		/* relayed pty master, or -1 */
	struct ns_plan ns;
	struct calyx_seccomp_program *seccomp;
	struct calyx_cgroup *cgroup;
	int state_dirfd;	/* flock'ed by the runtime */
	/* the same dir through another open file description, so the
	 * container process never holds the runtime's lock */
	int fifo_dirfd;
	int sync_parent;
	int sync_child;
	pid_t pid;	/* host pid of the container process */
	/* its start time, read once for every record write (0: not yet;
	 * pid_start_of says which pid it belongs to) */
	unsigned long long pid_start;
	pid_t pid_start_of;
	int pidfd;
	/* container process: the runtime's idmapped trees by mounts[] index
	 * (-1 elsewhere), or NULL without idmapped mounts */
	int *mount_fds;
	/* container process: process.env, with HOME when it had none */
	char **exec_env;
};

/* seccomp_steps.c: the filter before the identity change when it must go
 * in early (a notify filter, whose listener goes over sync_fd; or no
 * no_new_privs, so CAP_SYS_ADMIN is still needed) ... */
int container_seccomp_early(const struct calyx_process *p,
			    const struct calyx_seccomp_program *prog, int sync_fd,
			    calyx_error **err);
/* ... else true: it goes in last, after no_new_privs */
bool container_seccomp_late(const struct calyx_process *p,
			    const struct calyx_seccomp_program *prog);
/* Runtime side: the agent at linux.seccomp.listenerPath gets the listener
 * fd with the container's state (pid init_pid) and the process's pid ... */
int container_hand_seccomp_listener(const struct calyx_spec *spec, const char *id,
				    enum calyx_status status, pid_t init_pid,
				    pid_t process_pid, const char *bundle, int fd,
				    calyx_error **err);
/* ... in this message (config-linux.md "The Container Process State"). */
int container_seccomp_process_state(const struct calyx_spec *spec, const char *id,
				    enum calyx_status status, pid_t init_pid,
				    pid_t process_pid, const char *bundle, char **out,
				    calyx_error **err);

/* Idmapped bind mounts (idmap_mounts.c): the runtime makes and sends
 * them after GO; the container process receives them. */
int container_send_idmapped_mounts(struct create_job *job, calyx_error **err);
int container_recv_idmapped_mounts(struct create_job *job, calyx_error **err);

/* The container process: never returns. */
_Noreturn void container_init(struct create_job *job);

/* pid_join.c, for a pid namespace joined late (ns_plan.pid_join_late):
 * container process side, enter it (while privileged, after pivot_root)
 * and fork the process that stays (returns 0 in it; the first one exits);
 * runtime side, adopt that process from the pidfd it sent. */
int container_pid_join_enter(struct create_job *job, calyx_error **err);
int container_pid_join_fork(struct create_job *job, pid_t *host_pid,
			    calyx_error **err);
int container_pid_join_adopt(struct create_job *job, int pidfd, calyx_error **err);

/*
 * Create the container (state, cgroup, process waiting before exec).  On
 * success the job holds the live pid, pidfd and (run mode) the sync socket;
 * on failure everything made is gone.
 */
int container_create_job(struct calyx_context *ctx, const char *id,
			 const struct calyx_create_options *opts, bool run_mode,
			 bool foreground, struct create_job **out,
			 calyx_error **err);
void create_job_free(struct create_job *job);

/*
 * The state dir of a container create or restore makes: <root>/<id>, made
 * (with the state root) and opened.  What a create or restore killed
 * half-way left under the ID (a record still "creating", nobody holding
 * its lock) is removed first, as `delete -f` would.  -EEXIST with
 * "container with id X already exists" when the ID is in use.
 */
int container_make_state_dir(struct calyx_context *ctx, const char *id,
			     int *dirfd, calyx_error **err);
/* Remove it again (on a failed create or restore). */
void container_remove_state_dir(struct calyx_context *ctx, const char *id);
/*
 * The record of a container create or restore is making (creating: the
 * runtime has not finished; a delete then removes what it names) or has
 * made: created now, owned by this user, pid 0 while there is none.
 * pid_start: the pid's start time when the caller knows it, else 0 (read
 * from /proc here).
 */
int container_write_made_record(int state_dirfd, const char *id, const char *bundle,
				const char *rootfs, pid_t pid, unsigned long long pid_start,
				const struct calyx_cgroup *cgroup,
				const struct calyx_spec *spec, bool creating,
				calyx_error **err);

/* Everything delete does once the process is dead: cgroup, poststop hooks,
 * state directory.  Used by delete, by `run` and on create failure paths. */
int container_teardown(struct calyx_context *ctx, const char *id, int dirfd,
		       calyx_error **err);
/* The same for `run`, which still holds the spec and the cgroup. */
int container_teardown_known(struct calyx_context *ctx, const char *id,
			     const struct calyx_spec *spec, const char *bundle,
			     struct calyx_cgroup *cgroup, calyx_error **err);

/* `delete` of the container whose state dir is dirfd, flock'ed by the caller. */
int container_delete_locked(struct calyx_context *ctx, const char *id, int dirfd,
			    bool force, calyx_error **err);

/* The spec saved in the state dir at create (NULL without hooks to run). */
int container_saved_spec(int dirfd, struct calyx_spec **out, calyx_error **err);

#endif
