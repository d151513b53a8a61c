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
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "container/become.h"
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
	int r;

	if (!spec->hooks[kind].n)
		return 0;
	r = container_oci_state_json(job->id, status, host_pid, job->bundle,
				     spec->annotations, spec->n_annotations, &state, err);
	if (r < 0)
		return r;
	return calyx_hooks_run(spec, kind, state, &job->ctx->log, err);
}

/* The pty: master to the console socket (or to a relaying `run`), slave
 * as our stdio and /dev/console. */
static int setup_terminal(struct create_job *job, calyx_error **err)
{
	_cleanup_close_ int master = -1, slave = -1;
	int r;

	/* /dev/console is a bind mount: not in the caller's mount namespace */
	r = terminal_open(job->spec->process,
			  job->ns.new_mount || job->ns.join_fd[CALYX_NS_MOUNT] >= 0,
			  &master, &slave, err);
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
		.no_mount_ns = !job->ns.new_mount && job->ns.join_fd[CALYX_NS_MOUNT] < 0,
		.in_userns = job->ns.new_user || job->ns.join_fd[CALYX_NS_USER] >= 0,
		.new_netns = job->ns.new_net,
		.root_source = job->opts->root_source,
		.rootfs_nodev = job->opts->rootfs_nodev,
		.proc_pidns = job->ns.pid_join_late,
		.proc_pidns_fd = job->ns.join_fd[CALYX_NS_PID],
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
	/* inherited by children; before pivot_root, while /proc/self is ours
	 * (a procfs of a pid namespace joined late has no entry for us) */
	r = proc_set_oom_score_adj(p, err);
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
	r = proc_apply_scheduling(p, err);
	if (r < 0)
		return r;
	r = proc_apply_personality(spec, err);
	if (r < 0)
		return r;
	if (spec->linux_cfg && spec->linux_cfg->memory_policy) {
		r = memory_policy_apply(spec->linux_cfg->memory_policy, err);
		if (r < 0)
			return r;
	}
	if (!job->opts->no_new_keyring)
		return proc_join_new_session_keyring(err);
	return 0;
}

/*
 * create mode: the exec fifo, reopened for writing through the container's
 * procfs from the O_PATH fd we keep (the state dir that holds it is gone):
 * the open blocks until `calyx start` opens the read end.  "0" written right
 * before exec and the EOF that exec causes tell `start` the program runs;
 * "1<why>" tells it why not.  run mode: nothing to wait for -- `run`
 * starts at once; the runtime writes its last record while we exec.  In
 * the foreground the container dies with the runtime (the parent-death
 * signal is kept across the exec).  In the background a runtime killed
 * between our READY and that record leaves a running container recorded
 * as "creating", which `delete -f` (or a create of the same ID) removes
 * as it does whatever a killed create made; no instant leaves anything
 * that no record names.
 */
static int wait_for_start(struct create_job *job, int fifo_fd, int proc_fd,
			  int *start_fd, calyx_error **err)
{
	char path[32];

	*start_fd = -1;
	if (job->run_mode)
		return 0;
	snprintf(path, sizeof(path), "self/fd/%d", fifo_fd);
	*start_fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC);
	if (*start_fd < 0)
		return calyx_error_set(err, errno, "open exec.fifo");
	return 0;
}

/* The container's /proc, checked to be a procfs (not whatever the image
 * has there), for reopening the fifo after the fds are closed. */
static int open_container_proc(calyx_error **err)
{
	_cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;

	if (fd < 0)
		return calyx_error_set(err, errno, "exec.fifo: open the container's /proc");
	if (fstatfs(fd, &sfs) < 0)
		return calyx_error_set(err, errno, "exec.fifo: statfs /proc");
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return calyx_error_setx(err, EINVAL,
					"exec.fifo: the container needs a procfs mounted at /proc");
	return TAKE_FD(fd);
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
	sigset_t none;
	pid_t host_pid;
	int start_fd = -1, fifo_fd = -1, fifo_errno = 0, proc_fd = -1, keep[3];
	struct become b = {
		.process = p,
		.spec = job->spec,
		.seccomp = job->seccomp,
		.sync_fd = job->sync_child,
		.first_fd = 3 + job->opts->preserve_fds,
		.keep = keep,
	};

	/* `run` blocks signals to forward them; the container starts clean */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* die with the runtime while it is setting us up */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close(job->sync_parent);
	/* the runtime's flock lives on this open file description */
	close(job->state_dirfd);
	job->state_dirfd = -1;
	/* of the state dir we keep only the fifo itself: a directory fd would
	 * lead a process that can ptrace us to the host (/proc/1/fd/N/..) */
	if (!job->run_mode) {
		fifo_fd = openat(job->fifo_dirfd, EXEC_FIFO, O_PATH | O_CLOEXEC);
		fifo_errno = fifo_fd < 0 ? errno : 0;
	}
	if (job->fifo_dirfd >= 0)
		close(job->fifo_dirfd);
	job->fifo_dirfd = -1;

	if (calyx_sync_recv(job->sync_child, &msg, "the runtime", &err) < 0 ||
	    msg.type != CALYX_SYNC_GO)
		_exit(127);
	host_pid = msg.value;
	if (fifo_errno)
		calyx_error_set(&err, fifo_errno, "open exec.fifo");
	if (err || container_recv_idmapped_mounts(job, &err) < 0 ||
	    proc_reset_signals_new_session(&err) < 0)
		fail(job, err, false, -1);
	/* rootless runtimes leave this to us (the id maps are written now) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(127);

	/* in a pid namespace joined by path, the processes already there see
	 * only the child forked once become_prepare has closed the runtime's
	 * fds and taken the final identity (container_pid_join_fork) */
	if (setup_environment(job, host_pid, &err) < 0 ||
	    container_pid_join_enter(job, &err) < 0)
		fail(job, err, false, -1);
	if (!job->run_mode) {
		proc_fd = open_container_proc(&err);
		if (proc_fd < 0)
			fail(job, err, false, -1);
		keep[b.n_keep++] = fifo_fd;
		keep[b.n_keep++] = proc_fd;
	}
	keep[b.n_keep++] = job->sync_child;
	if (become_prepare(&b, &err) < 0 ||
	    container_pid_join_fork(job, &host_pid, &err) < 0)
		fail(job, err, false, -1);
	/* the --log file is closed: what is left to say goes to the runtime,
	 * or to `start` through the fifo, or, at worst, to our stderr */
	job->ctx->log.fd = -1;
	job->ctx->log.max_level = CALYX_LOG_ERROR;
	/* re-armed (the identity change cleared it): until the runtime has
	 * recorded us, nothing else would ever remove us */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (calyx_sync_send(job->sync_child, CALYX_SYNC_READY, 0, NULL, &err) < 0)
		_exit(127);
	if (!job->run_mode && detach_from_runtime(job) < 0)
		_exit(127);
	if (wait_for_start(job, fifo_fd, proc_fd, &start_fd, &err) < 0)
		fail(job, err, true, start_fd);
	if (proc_fd >= 0)
		close(proc_fd);
	if (fifo_fd >= 0)
		close(fifo_fd);
	/* `run -d` exits once we exec; a foreground `run` keeps the
	 * container tied to calyx */
	if (job->run_mode && !job->foreground)
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	/* startContainer hooks run with the process's final privileges */
	if (become_finish(&b, &err) < 0 ||
	    run_container_hooks(job, CALYX_HOOK_START_CONTAINER, CALYX_STATUS_CREATED,
				host_pid, &err) < 0)
		fail(job, err, true, start_fd);
	if (start_fd >= 0)
		write_all_best_effort(start_fd, "0", 1);
	become_exec(&b, &err);
	fail(job, err, true, start_fd);
}
