/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container process, from clone3() to execve() of the user program.
 * Each step is a call into the file named for its concern; this file only
 * puts them in the order runtime.md and config.md require.  Any failure
 * before "ready" is sent to the runtime as one error message.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "container/container.h"
#include "container/create.h"
#include "container/hooks.h"
#include "linux/network.h"
#include "linux/affinity.h"
#include "linux/process.h"
#include "linux/sync.h"
#include "linux/terminal.h"
#include "rootfs/rootfs.h"
#include "security/security.h"
#include "util/cleanup.h"


static int run_container_hooks(struct create_job *job, enum calyx_hook_kind kind,
			       enum calyx_status status, pid_t host_pid,
			       calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	_cleanup_free_ char *state = NULL;

	if (!spec->hooks[kind].n)
		return 0;
	state = container_oci_state_json(job->id, status, host_pid, job->bundle,
					 spec->annotations, spec->n_annotations);
	if (!state)
		return calyx_error_set(err, ENOMEM, "state for hooks");
	return calyx_hooks_run(spec, kind, state, &job->ctx->log, err);
}

/* The pty: master to the console socket (or to a relaying `run`), slave
 * as our stdio and /dev/console. */
static int setup_terminal(struct create_job *job, calyx_error **err)
{
	_cleanup_close_ int master = -1, slave = -1;
	int r;

	r = terminal_open(job->spec->process, true, &master, &slave, err);
	if (r < 0)
		return r;
	if (job->console_sock >= 0) {
		r = calyx_send_fd_named(job->console_sock, "/dev/ptmx", master, err);
		close(job->console_sock);
		job->console_sock = -1;
	} else {
		r = calyx_sync_send_fd(job->sync_child, CALYX_SYNC_FD_CONSOLE, master, err);
	}
	if (r < 0)
		return calyx_error_prefix(err, "process.terminal");
	return terminal_make_controlling(slave, err);
}

/* Namespaces, filesystem, kernel settings: everything done as root. */
static int setup_environment(struct create_job *job, pid_t host_pid,
			     calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	const struct calyx_process *p = spec->process;
	struct calyx_rootfs_ctx rctx = {
		.spec = spec,
		.rootfs = job->rootfs,
		.bundle = job->bundle,
		.no_pivot = job->opts->no_pivot,
		.in_userns = job->ns.new_user || job->ns.join_fd[CALYX_NS_USER] >= 0,
		.new_netns = job->ns.new_net,
		.root_source = job->opts->root_source,
		.rootfs_nodev = job->opts->rootfs_nodev,
		.mount_fds = job->mount_fds,
		.log = &job->ctx->log,
	};
	struct calyx_sync_msg msg;
	int r;

	if (job->ns.new_user) {
		/* the maps are written: become the namespace's root */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return calyx_error_set(err, errno,
					       "linux.uidMappings: container root (0) is not mapped");
	}
	r = ns_plan_join(&job->ns, err);
	if (r < 0)
		return r;
	if (job->ns.unshare_flags && unshare(job->ns.unshare_flags) < 0)
		return calyx_error_set(err, errno, "unshare namespaces (0x%x)",
				       job->ns.unshare_flags);
	if (job->ns.new_net && net_loopback_up(err) < 0)
		return calyx_error_prefix(err, "network namespace");
	r = proc_set_names(spec, err);
	if (r < 0)
		return r;
	r = calyx_rootfs_prepare(&rctx, err);
	if (r < 0)
		return r;
	if (spec->hooks[CALYX_HOOK_PRESTART].n || spec->hooks[CALYX_HOOK_CREATE_RUNTIME].n) {
		r = calyx_sync_send(job->sync_child, CALYX_SYNC_RUN_HOOKS, 0, NULL, err);
		if (r < 0)
			return r;
		r = calyx_sync_recv(job->sync_child, &msg, "the runtime's hooks", err);
		if (r < 0)
			return r;
	}
	r = run_container_hooks(job, CALYX_HOOK_CREATE_CONTAINER, CALYX_STATUS_CREATING,
				host_pid, err);
	if (r < 0)
		return r;
	r = calyx_rootfs_pivot(&rctx, err);
	if (r < 0)
		return r;
	/* before readonlyPaths makes /proc/sys read-only */
	r = proc_apply_sysctl(spec, err);
	if (r < 0)
		return r;
	r = calyx_rootfs_finalize(&rctx, err);
	if (r < 0)
		return r;
	if (p->terminal) {
		r = setup_terminal(job, err);
		if (r < 0)
			return r;
	}
	r = proc_apply_rlimits(p, err);
	if (r < 0)
		return r;
	r = proc_set_oom_score_adj(p, err);
	if (r < 0)
		return r;
	r = proc_apply_scheduling(p, err);
	if (r < 0)
		return r;
	r = proc_apply_personality(spec, err);
	if (r < 0)
		return r;
	if (spec->linux && spec->linux->memory_policy) {
		r = memory_policy_apply(spec->linux->memory_policy, err);
		if (r < 0)
			return r;
	}
	if (!job->opts->no_new_keyring)
		return proc_join_new_session_keyring(err);
	return 0;
}

/* From root of the container to the configured user, fds closed. */
static int drop_to_process(struct create_job *job, char *exe, size_t exe_size,
			   calyx_error **err)
{
	const struct calyx_process *p = job->spec->process;
	int r;

	r = container_seccomp_early(p, job->seccomp, job->sync_child, err);
	if (r < 0)
		return r;
	/* still root and in the container's root: its /etc/passwd */
	job->exec_env = proc_env_with_home(p);
	r = calyx_process_apply_identity(p, &job->ctx->log, err);
	if (r < 0)
		return r;
	r = proc_enter_cwd(p, err);
	if (r < 0)
		return r;
	r = proc_find_executable(p, exe, exe_size, err);
	if (r < 0)
		return r;
	return proc_cloexec_from(3 + job->opts->preserve_fds, err);
}

/*
 * create mode: block until `calyx start` opens the exec fifo's read end and
 * keep our (close-on-exec) write end: "0" written right before execve() and
 * the EOF that execve() causes tell `start` the program runs; "1<why>" tells
 * it why not.  run mode: wait for START on the sync socket.
 */
static int wait_for_start(struct create_job *job, int *start_fd, calyx_error **err)
{
	struct calyx_sync_msg msg;

	*start_fd = -1;
	if (job->run_mode)
		return calyx_sync_recv(job->sync_child, &msg, "start", err);
	*start_fd = openat(job->fifo_dirfd, EXEC_FIFO, O_WRONLY | O_CLOEXEC);
	if (*start_fd < 0)
		return calyx_error_set(err, errno, "open exec.fifo");
	return 0;
}

/*
 * `create` exits before `start`: once the runtime has recorded us (and only
 * then, so a runtime killed earlier takes us with it), stop dying with it
 * and say so before it may exit.  EOF instead: it died; so do we.
 */
static int detach_from_runtime(struct create_job *job)
{
	_cleanup_error_ calyx_error *err = NULL;
	struct calyx_sync_msg msg;

	if (calyx_sync_recv(job->sync_child, &msg, "the runtime", &err) < 0 ||
	    msg.type != CALYX_SYNC_RECORDED)
		return -1;
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		return -1;
	return calyx_sync_send(job->sync_child, CALYX_SYNC_DETACHED, 0, NULL, &err);
}

static void write_all_best_effort(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static _Noreturn void fail(struct create_job *job, calyx_error *err, bool ready_sent,
			   int start_fd)
{
	const char *msg = err ? err->msg : "unknown error";

	if (!ready_sent || job->run_mode) {
		_cleanup_error_ calyx_error *ignored = NULL;

		calyx_sync_send(job->sync_child, CALYX_SYNC_ERROR,
				err ? err->errnum : EINVAL, msg, &ignored);
	} else if (start_fd >= 0) {
		/* `calyx start` reports it */
		write_all_best_effort(start_fd, "1", 1);
		write_all_best_effort(start_fd, msg, strlen(msg));
	} else {
		calyx_log(&job->ctx->log, CALYX_LOG_ERROR, "%s", msg);
	}
	_exit(127);
}

_Noreturn void container_init(struct create_job *job)
{
	const struct calyx_process *p = job->spec->process;
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;
	char exe[PATH_MAX];
	sigset_t none;
	pid_t host_pid;
	int start_fd = -1;

	/* `run` blocks signals to forward them; the container starts clean */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* die with the runtime while it is setting us up */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close(job->sync_parent);
	/* the runtime's flock lives on this open file description */
	close(job->state_dirfd);
	job->state_dirfd = -1;

	if (calyx_sync_recv(job->sync_child, &msg, "the runtime", &err) < 0 ||
	    msg.type != CALYX_SYNC_GO)
		_exit(127);
	host_pid = msg.value;
	if (container_recv_idmapped_mounts(job, &err) < 0 ||
	    proc_reset_signals_new_session(&err) < 0)
		fail(job, err, false, -1);
	/* rootless runtimes leave this to us (the id maps are written now) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(127);

	if (setup_environment(job, host_pid, &err) < 0 ||
	    drop_to_process(job, exe, sizeof(exe), &err) < 0)
		fail(job, err, false, -1);
	/* re-armed (the identity change cleared it): until the runtime has
	 * recorded us, nothing else would ever remove us */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (calyx_sync_send(job->sync_child, CALYX_SYNC_READY, 0, NULL, &err) < 0)
		_exit(127);
	if (!job->run_mode && detach_from_runtime(job) < 0)
		_exit(127);
	if (wait_for_start(job, &start_fd, &err) < 0)
		fail(job, err, true, start_fd);
	/* `run -d` exits once we exec; a foreground `run` keeps the
	 * container tied to calyx */
	if (job->run_mode && !job->foreground)
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (run_container_hooks(job, CALYX_HOOK_START_CONTAINER, CALYX_STATUS_CREATED,
				host_pid, &err) < 0)
		fail(job, err, true, start_fd);
	if (p->no_new_privileges && calyx_apply_no_new_privs(p, &err) < 0)
		fail(job, err, true, start_fd);
	if (container_seccomp_late(p, job->seccomp) &&
	    calyx_seccomp_load(job->seccomp, NULL, &err) < 0)
		fail(job, err, true, start_fd);
	if (calyx_lsm_apply_exec_label(p, &err) < 0)
		fail(job, err, true, start_fd);
	if (start_fd >= 0)
		write_all_best_effort(start_fd, "0", 1);
	execve(exe, p->args, job->exec_env);
	calyx_error_set(&err, errno, "exec %s", exe);
	fail(job, err, true, start_fd);
}
