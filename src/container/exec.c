/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `exec`: one more process in a running container.  The runtime opens the
 * init's namespace files (a pidfd taken first proves afterwards that the
 * pid was not reused in between), joins the pid and time
 * namespaces itself around one clone3() into the container's cgroup, and
 * the child joins the rest, user namespace first, then becomes the
 * configured process exactly like the init does.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "cgroups/cgroup.h"
#include "container/become.h"
#include "container/container.h"
#include "container/create.h"
#include "container/wait.h"
#include "linux/affinity.h"
#include "linux/in_root.h"
#include "linux/process.h"
#include "linux/sync.h"
#include "linux/terminal.h"
#include "security/exe_guard.h"
#include "security/security.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif


struct exec_job {
	struct calyx_context *ctx;
	const struct calyx_exec_options *opts;
	struct calyx_spec *spec;		/* saved config, process overridden */
	const struct calyx_process *process;	/* what runs */
	struct calyx_seccomp_program *seccomp;
	struct calyx_cgroup *cgroup;
	int ns_fd[CALYX_NS_COUNT];
	/* no mount namespace of its own: its root.path, to chroot into */
	int root_fd;
	int saved_pid_fd;
	int saved_time_fd;
	int sync_parent;
	int sync_child;
	int pidfd;
	pid_t pid;
	int console_sock;	/* connected --console-socket, or -1 */
	int tty_master;		/* pty master we relay in the foreground, or -1 */
	bool exposed;		/* the container could reach this runtime process */
	bool paused;		/* --ignore-paused into a frozen cgroup */
	/* for linux.seccomp.listenerPath: the container's state */
	const char *id;
	char *bundle;
	pid_t init_pid;
	struct become become;	/* the process's last steps (child side) */
	char *home;		/* HOME from the image, read by the runtime */
};

/* Marks a container in which some process may hold CAP_SYS_PTRACE. */
#define PTRACE_MARK "ptrace-capable"

static void exec_job_release(struct exec_job *job)
{
	for (int i = 0; i < CALYX_NS_COUNT; i++)
		if (job->ns_fd[i] >= 0)
			close(job->ns_fd[i]);
	if (job->root_fd >= 0)
		close(job->root_fd);
	if (job->saved_pid_fd >= 0)
		close(job->saved_pid_fd);
	if (job->saved_time_fd >= 0)
		close(job->saved_time_fd);
	if (job->sync_parent >= 0)
		close(job->sync_parent);
	if (job->sync_child >= 0)
		close(job->sync_child);
	if (job->pidfd >= 0)
		close(job->pidfd);
	if (job->console_sock >= 0)
		close(job->console_sock);
	if (job->tty_master >= 0)
		close(job->tty_master);
	if (job->seccomp)
		calyx_seccomp_program_free(job->seccomp);
	if (job->cgroup)
		calyx_cgroup_free(job->cgroup);
	calyx_spec_free(job->spec);
	free(job->bundle);
	free(job->home);
}

int calyx_parse_user(const char *text, uint32_t *uid, uint32_t *gid,
		     bool *has_gid, calyx_error **err)
{
	const char *p = text;
	uint64_t v[2] = { 0, 0 };
	int part = 0;

	/* whole string, digits only, no sign, no spaces: CVE-2026-30892 */
	if (!text || !*text)
		return calyx_error_setx(err, EINVAL, "user: empty");
	for (; *p; p++) {
		if (*p == ':' && part == 0 && p != text && p[1]) {
			part = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			return calyx_error_setx(err, EINVAL,
						"user \"%s\": must be UID or UID:GID (decimal numbers)",
						text);
		v[part] = v[part] * 10 + (uint64_t)(*p - '0');
		if (v[part] > 0xfffffffeULL)
			return calyx_error_setx(err, ERANGE, "user \"%s\": id out of range", text);
	}
	*uid = (uint32_t)v[0];
	*has_gid = part == 1;
	if (part == 1)
		*gid = (uint32_t)v[1];
	return 0;
}

static int replace_str(char **field, const char *value, calyx_error **err)
{
	char *copy = strdup(value);

	if (!copy)
		return calyx_error_set(err, ENOMEM, "exec");
	free(*field);
	*field = copy;
	return 0;
}

/* The config's process with runc exec's flag overrides applied. */
static int merge_process(struct calyx_process *p,
			 const struct calyx_exec_options *o, calyx_error **err)
{
	int r = 0;

	if (!o->args || !o->args[0])
		return calyx_error_setx(err, EINVAL, "exec: a command (args) is required");
	calyx_strv_free(p->args);
	p->args = NULL;
	if (calyx_strv_extend(&p->args, o->args) < 0 ||
	    calyx_strv_extend(&p->env, o->env) < 0)
		return calyx_error_set(err, ENOMEM, "exec");
	p->n_args = calyx_strv_length(p->args);
	if (o->cwd)
		r = replace_str(&p->cwd, o->cwd, err);
	if (r >= 0 && o->apparmor)
		r = replace_str(&p->apparmor_profile, o->apparmor, err);
	if (r >= 0 && o->process_label)
		r = replace_str(&p->selinux_label, o->process_label, err);
	if (r < 0)
		return r;
	if (o->caps && o->caps[0]) {
		if (!p->capabilities) {
			p->capabilities = calloc(1, sizeof(*p->capabilities));
			if (!p->capabilities)
				return calyx_error_set(err, ENOMEM, "exec");
		}
		if (calyx_strv_extend(&p->capabilities->bounding, o->caps) < 0 ||
		    calyx_strv_extend(&p->capabilities->effective, o->caps) < 0 ||
		    calyx_strv_extend(&p->capabilities->permitted, o->caps) < 0 ||
		    calyx_strv_extend(&p->capabilities->ambient, o->caps) < 0)
			return calyx_error_set(err, ENOMEM, "exec");
	}
	p->terminal = o->set_tty ? o->tty : false;
	if (o->set_no_new_privs)
		p->no_new_privileges = o->no_new_privs;
	if (o->user) {
		bool has_gid = false;

		r = calyx_parse_user(o->user, &p->user.uid, &p->user.gid, &has_gid, err);
		if (r < 0)
			return calyx_error_prefix(err, "--user");
		if (!has_gid)
			p->user.gid = 0;
	}
	if (o->n_additional_gids) {
		uint32_t *g = calloc(o->n_additional_gids, sizeof(*g));

		if (!g)
			return calyx_error_set(err, ENOMEM, "exec");
		memcpy(g, o->additional_gids, o->n_additional_gids * sizeof(*g));
		free(p->user.additional_gids);
		p->user.additional_gids = g;
		p->user.n_additional_gids = o->n_additional_gids;
	}
	return 0;
}

static const char *const ns_file[CALYX_NS_COUNT] = {
	[CALYX_NS_PID] = "pid", [CALYX_NS_NETWORK] = "net",
	[CALYX_NS_MOUNT] = "mnt", [CALYX_NS_IPC] = "ipc",
	[CALYX_NS_UTS] = "uts", [CALYX_NS_USER] = "user",
	[CALYX_NS_CGROUP] = "cgroup", [CALYX_NS_TIME] = "time",
};

/* Open each namespace of the init that differs from ours. */
static int open_namespaces(struct exec_job *job, pid_t pid, calyx_error **err)
{
	char path[64];

	for (int t = 0; t < CALYX_NS_COUNT; t++) {
		struct stat theirs, ours;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns_file[t]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && t == CALYX_NS_TIME)
				continue;	/* kernel without time namespaces */
			return calyx_error_set(err, errno, "open %s", path);
		}
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_file[t]);
		if (fstat(fd, &theirs) == 0 && stat(path, &ours) == 0 &&
		    theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
			close(fd);
			continue;
		}
		job->ns_fd[t] = fd;
	}
	return 0;
}

/* Can a container process open our exe before the child execs?  Yes when
 * the container shares our user namespace (CAP_SYS_PTRACE there beats
 * non-dumpable) or its pid namespace was joined (others live in it). */
static bool bounding_has_ptrace(const struct calyx_process *p)
{
	return p && p->capabilities &&
	       calyx_strv_contains(p->capabilities->bounding, "CAP_SYS_PTRACE");
}

/*
 * The runtime is non-dumpable, so only a container process with
 * CAP_SYS_PTRACE over the host user namespace can open its exe, fds or
 * cwd.  Such a process can exist when the config's bounding set has it, or
 * when an exec granted it (recorded in the state dir for later execs).
 */
static bool container_may_ptrace(const struct exec_job *job, int dirfd)
{
	struct stat sb;

	if (bounding_has_ptrace(job->spec->process) || bounding_has_ptrace(job->process)) {
		int fd = openat(dirfd, PTRACE_MARK,
				O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
		return true;
	}
	return fstatat(dirfd, PTRACE_MARK, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool exec_exposes_runtime(const struct exec_job *job)
{
	const struct calyx_namespace *pidns =
		calyx_spec_namespace(job->spec, CALYX_NS_PID);

	return job->ns_fd[CALYX_NS_USER] < 0 || (pidns && pidns->path);
}

static _Noreturn void exec_child_fail(struct exec_job *job, calyx_error *err)
{
	_cleanup_error_ calyx_error *ignored = NULL;

	calyx_sync_send(job->sync_child, CALYX_SYNC_ERROR, err ? err->errnum : EINVAL,
			err ? err->msg : "unknown error", &ignored);
	_exit(127);
}

static int exec_join_namespaces(struct exec_job *job, calyx_error **err)
{
	static const enum calyx_ns_type order[] = {
		CALYX_NS_USER, CALYX_NS_IPC, CALYX_NS_UTS, CALYX_NS_NETWORK,
		CALYX_NS_CGROUP, CALYX_NS_MOUNT,
	};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int fd = job->ns_fd[order[i]];

		if (fd < 0)
			continue;
		if (setns(fd, calyx_ns_clone_flag(order[i])) < 0)
			return calyx_error_set(err, errno, "joining the container's %s namespace",
					       calyx_ns_type_name(order[i]));
		if (order[i] == CALYX_NS_USER &&
		    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			return calyx_error_set(err, errno, "becoming root in the container's user namespace");
	}
	/* setns() of a mount namespace sets the root; without one, chroot */
	if (job->root_fd >= 0) {
		if (fchdir(job->root_fd) < 0 || chroot(".") < 0)
			return calyx_error_set(err, errno, "entering the container's root");
		close(job->root_fd);
		job->root_fd = -1;
	}
	return 0;
}

static int exec_child_setup(struct exec_job *job, bool joined, calyx_error **err)
{
	const struct calyx_process *p = job->process;
	int r;

	if (!joined) {
		r = exec_join_namespaces(job, err);
		if (r < 0)
			return r;
	}
	if (p->terminal) {
		_cleanup_close_ int master = -1, slave = -1;

		r = terminal_open(p, false, &master, &slave, err);
		if (r < 0)
			return r;
		if (job->console_sock >= 0)
			r = calyx_send_fd_named(job->console_sock, "/dev/ptmx", master, err);
		else
			r = calyx_sync_send_fd(job->sync_child, CALYX_SYNC_FD_CONSOLE, master, err);
		if (r >= 0)
			r = terminal_make_controlling(slave, err);
		if (r < 0)
			return calyx_error_prefix(err, "process.terminal");
	}
	r = proc_apply_rlimits(p, err);
	if (r >= 0 && p->has_oom_score_adj)
		r = proc_set_oom_score_adj(p, err);
	if (r >= 0)
		r = proc_apply_scheduling(p, err);
	if (r >= 0 && job->spec->linux_cfg && job->spec->linux_cfg->memory_policy)
		r = memory_policy_apply(job->spec->linux_cfg->memory_policy, err);
	/* in the container's cgroup now: the final CPU list (config.md) */
	if (r >= 0)
		r = cpu_affinity_apply(p->exec_cpu_affinity_final,
				       "process.execCPUAffinity.final", err);
	if (r < 0)
		return r;
	r = become_prepare(&job->become, err);
	if (r >= 0)
		r = become_finish(&job->become, err);
	return r;
}

static _Noreturn void exec_child(struct exec_job *job, bool joined)
{
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* die with the runtime during setup -- unless the runtime will not
	 * wait for us: a detached exec into a frozen container */
	if (!(job->paused && job->opts->detach))
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (job->sync_parent >= 0)
		close(job->sync_parent);
	job->become.sync_fd = job->sync_child;
	job->become.keep = &job->sync_child;
	job->become.n_keep = 1;
	if (calyx_sync_recv(job->sync_child, &msg, "the runtime", &err) < 0)
		_exit(127);
	if (proc_reset_signals_new_session(&err) < 0 ||
	    exec_child_setup(job, joined, &err) < 0)
		exec_child_fail(job, err);
	/* a detached process outlives us (engines' conmon/shim reap it) */
	if (job->opts->detach)
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	become_exec(&job->become, &err);
	exec_child_fail(job, err);
}

/*
 * CVE-2016-9962: a container that shares our user namespace can ptrace and
 * read /proc/<pid>/{root,cwd,fd} of a non-dumpable child (CAP_SYS_PTRACE).
 * So when exposed, the process that appears in its pid namespace must
 * already be in all of its namespaces and hold nothing of the host: an
 * intermediate child, invisible to the container, joins them, closes every
 * other fd and forks the real one (CLONE_PARENT: it stays our child).
 */
static _Noreturn void exec_intermediate(struct exec_job *job)
{
	int keep[CALYX_NS_COUNT + 3], n = 0, pidfd = -1;
	struct clone_args args = {
		.flags = CLONE_PARENT | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
	};
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;
	long pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close(job->sync_parent);
	job->sync_parent = -1;
	if (calyx_sync_recv(job->sync_child, &msg, "the runtime", &err) < 0)
		_exit(127);
	keep[n++] = job->sync_child;
	if (job->console_sock >= 0)
		keep[n++] = job->console_sock;
	if (job->root_fd >= 0)
		keep[n++] = job->root_fd;
	for (int t = 0; t < CALYX_NS_COUNT; t++)
		if (job->ns_fd[t] >= 0)
			keep[n++] = job->ns_fd[t];
	if (calyx_close_fds_except(3 + job->opts->preserve_fds, keep, (size_t)n, &err) < 0 ||
	    exec_join_namespaces(job, &err) < 0)
		exec_child_fail(job, err);
	if (job->ns_fd[CALYX_NS_PID] >= 0 &&
	    setns(job->ns_fd[CALYX_NS_PID], CLONE_NEWPID) < 0)
		calyx_error_set(&err, errno, "joining the container's pid namespace");
	else if (job->ns_fd[CALYX_NS_TIME] >= 0 &&
		 setns(job->ns_fd[CALYX_NS_TIME], CLONE_NEWTIME) < 0)
		calyx_error_set(&err, errno, "joining the container's time namespace");
	if (err)
		exec_child_fail(job, err);
	for (int t = 0; t < CALYX_NS_COUNT; t++)
		if (job->ns_fd[t] >= 0)
			close(job->ns_fd[t]);
	for (int t = 0; t < CALYX_NS_COUNT; t++)
		job->ns_fd[t] = -1;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		exec_child(job, true);
	if (pid < 0) {
		calyx_error_set(&err, errno, "clone3 of the exec process");
		exec_child_fail(job, err);
	}
	if (calyx_sync_send(job->sync_child, CALYX_SYNC_READY, (int32_t)pid, NULL, &err) < 0 ||
	    calyx_sync_send_fd(job->sync_child, CALYX_SYNC_FD_PIDFD, pidfd, &err) < 0)
		_exit(127);
	_exit(0);
}

/* Runtime side of the above: take over the real process, reap the
 * intermediate, let the real one go. */
static int adopt_exec_process(struct exec_job *job, calyx_error **err)
{
	struct calyx_sync_msg msg;
	int32_t kind = 0;
	int pidfd = -1, r;

	r = calyx_sync_recv(job->sync_parent, &msg, "the exec process", err);
	if (r < 0)
		return r;
	if (msg.type != CALYX_SYNC_READY)
		return calyx_error_setx(err, EPROTO, "sync: unexpected message %u", msg.type);
	r = calyx_sync_recv_fd(job->sync_parent, &kind, &pidfd, "the exec process", err);
	if (r < 0)
		return r;
	if (kind != CALYX_SYNC_FD_PIDFD) {
		close(pidfd);
		return calyx_error_setx(err, EPROTO, "sync: unexpected fd kind %d", kind);
	}
	waitid(P_PIDFD, (id_t)job->pidfd, NULL, WEXITED);
	close(job->pidfd);
	job->pidfd = pidfd;
	job->pid = msg.value;
	return calyx_sync_send(job->sync_parent, CALYX_SYNC_GO, job->pid, NULL, err);
}

static int enter_ns_for_clone(struct exec_job *job, calyx_error **err)
{
	if (job->ns_fd[CALYX_NS_PID] >= 0) {
		job->saved_pid_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (job->saved_pid_fd < 0)
			return calyx_error_set(err, errno, "open /proc/self/ns/pid");
		if (setns(job->ns_fd[CALYX_NS_PID], CLONE_NEWPID) < 0)
			return calyx_error_set(err, errno, "joining the container's pid namespace");
	}
	if (job->ns_fd[CALYX_NS_TIME] >= 0) {
		job->saved_time_fd = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
		if (job->saved_time_fd < 0)
			return calyx_error_set(err, errno, "open /proc/self/ns/time");
		if (setns(job->ns_fd[CALYX_NS_TIME], CLONE_NEWTIME) < 0)
			return calyx_error_set(err, errno, "joining the container's time namespace");
	}
	return 0;
}

static void leave_ns_after_clone(struct exec_job *job)
{
	/* back to our own: these can only fail if /proc lied to us */
	if (job->saved_pid_fd >= 0)
		setns(job->saved_pid_fd, CLONE_NEWPID);
	if (job->saved_time_fd >= 0)
		setns(job->saved_time_fd, CLONE_NEWTIME);
}

/* The process not cloned into the cgroup joins it by pid: every
 * hierarchy (v1, hybrid), or the --cgroup sub-cgroups. */
static int exec_join_cgroup(struct exec_job *job, calyx_error **err)
{
	if (!job->cgroup)
		return 0;
	if (job->opts->cgroup_subs)
		return calyx_cgroup_enter_sub(job->cgroup, job->opts->cgroup_subs,
					      job->pid, err);
	return calyx_cgroup_enter(job->cgroup, job->pid, err);
}

static int spawn(struct exec_job *job, calyx_error **err)
{
	struct clone_args args = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&job->pidfd,
		.exit_signal = SIGCHLD,
	};
	/* born in the container's (unified) cgroup, so a `delete -f` after
	 * we die finds it at once; the v1 hierarchies (and --cgroup SUB) are
	 * joined by pid below */
	bool complete = false;
	int cgfd = job->cgroup && !job->opts->cgroup_subs ?
		   calyx_cgroup_birth_fd(job->cgroup, &complete) : -1;
	struct calyx_sync_msg msg;
	/* two stages also where we cannot join its pid and time namespaces
	 * from outside its user namespace (rootless: setns() needs
	 * CAP_SYS_ADMIN over their owner, which only the joined child has) */
	bool two_stage = job->exposed || (job->ns_fd[CALYX_NS_USER] >= 0 && geteuid() != 0);
	long pid;
	int r;

	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	r = two_stage ? 0 : enter_ns_for_clone(job, err);
	if (r < 0) {
		leave_ns_after_clone(job);
		return r;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	/* EBUSY: a cgroup that holds processes; EACCES/EPERM: one we may
	 * not move into from ours (rootless under the user's systemd: its
	 * manager places the process below) */
	if (pid < 0 && (errno == EBUSY || errno == EACCES || errno == EPERM) && cgfd >= 0) {
		args.flags &= ~CLONE_INTO_CGROUP;
		cgfd = -1;
		complete = false;
		pid = syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid == 0) {
		if (two_stage)
			exec_intermediate(job);
		exec_child(job, false);
	}
	r = errno;
	leave_ns_after_clone(job);
	if (pid < 0)
		return calyx_error_set(err, r, "clone3 of the exec process");
	job->pid = (pid_t)pid;
	close(job->sync_child);
	job->sync_child = -1;
	if ((cgfd < 0 || !complete) && exec_join_cgroup(job, err) < 0)
		return calyx_error_prefix(err, "joining the container's cgroup");
	r = calyx_sync_send(job->sync_parent, CALYX_SYNC_GO, job->pid, NULL, err);
	if (r >= 0 && two_stage)
		r = adopt_exec_process(job, err);
	if (r < 0)
		return r;
	if (job->console_sock >= 0) {
		close(job->console_sock);
		job->console_sock = -1;
	}
	/* in a frozen cgroup the process cannot get to its exec before a
	 * resume: a detached exec does not wait for it */
	if (job->paused && job->opts->detach)
		return 0;
	for (;;) {
		int passed = -1;

		/* EOF: the close-on-exec socket went away with a successful execve() */
		r = calyx_sync_recv_msg(job->sync_parent, &msg, &passed, "exec", err);
		if (r == -ECHILD) {
			calyx_error_free(err);
			return 0;
		}
		if (r < 0)
			return r;
		if (msg.type == CALYX_SYNC_FD && msg.value == CALYX_SYNC_FD_CONSOLE &&
		    job->tty_master < 0) {
			job->tty_master = passed;
			continue;
		}
		if (msg.type == CALYX_SYNC_FD && msg.value == CALYX_SYNC_FD_SECCOMP_NOTIFY &&
		    job->seccomp) {
			r = container_hand_seccomp_listener(job->spec, job->id,
							    CALYX_STATUS_RUNNING,
							    job->init_pid, job->pid,
							    job->bundle, passed, err);
			close(passed);
			if (r < 0)
				return r;
			continue;
		}
		if (passed >= 0)
			close(passed);
		return calyx_error_setx(err, EPROTO, "sync: unexpected message");
	}
}

/*
 * HOME from the container's /etc/passwd, read here, before the fork: no
 * process the container can see reads an image file while it still holds
 * the runtime's privileges.  Through the init's root (rootless, the
 * non-dumpable init's root is closed to us: the child reads it then).
 */
static void read_home_in_runtime(struct exec_job *job, int initfd)
{
	const struct calyx_process *p = job->process;
	_cleanup_close_ int rootfd = -1;
	char path[64];

	for (char **e = p->env; e && *e; e++)
		if (!strncmp(*e, "HOME=", 5))
			return;
	snprintf(path, sizeof(path), "/proc/%d/root", job->init_pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* the init still lives, so the pid was not reused under us */
	if (rootfd < 0 || syscall(SYS_pidfd_send_signal, initfd, 0, NULL, 0) < 0)
		return;
	job->home = in_root_user_home(rootfd, p->user.uid);
	job->become.home = job->home;
	job->become.home_known = true;
}

static int prepare(struct exec_job *job, const char *id, int dirfd,
		   calyx_error **err)
{
	_cleanup_record_ struct container_record *rec = NULL;
	_cleanup_close_ int initfd = -1;
	enum calyx_status status;
	int r;

	r = container_record_read(dirfd, &rec, err);
	if (r < 0)
		return r;
	status = container_status(dirfd, rec);
	if (status == CALYX_STATUS_STOPPED)
		return calyx_error_setx(err, EINVAL, "cannot exec in a stopped container");
	job->paused = status == CALYX_STATUS_PAUSED;
	if (status == CALYX_STATUS_PAUSED && !job->opts->ignore_paused)
		return calyx_error_setx(err, EINVAL,
					"cannot exec in a paused container (use --ignore-paused to override)");
	r = container_saved_spec(dirfd, &job->spec, err);
	if (r < 0)
		return r;
	if (!job->spec)
		return calyx_error_setx(err, ENOENT, "container %s has no saved config", id);
	if (job->opts->process) {
		job->process = job->opts->process;
	} else {
		if (!job->spec->process)
			return calyx_error_setx(err, EINVAL, "config.json: process: missing");
		r = merge_process(job->spec->process, job->opts, err);
		if (r < 0)
			return r;
		job->process = job->spec->process;
	}
	if (!job->process->args || !job->process->args[0])
		return calyx_error_setx(err, EINVAL, "process.args: must be a non-empty array of strings");
	if (job->process->capabilities) {
		r = calyx_caps_validate(job->process->capabilities, err);
		if (r < 0)
			return r;
	}
	if (job->spec->linux_cfg && job->spec->linux_cfg->seccomp) {
		_cleanup_close_ int cachefd = container_open_cache_dir();

		r = calyx_seccomp_prepare(job->spec->linux_cfg->seccomp, cachefd,
					  &job->ctx->log, &job->seccomp, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.seccomp");
	}
	if (rec->cgroup_path[0]) {
		r = calyx_cgroup_open(rec->cgroup_path, &job->ctx->log, &job->cgroup, err);
		if (r < 0)
			return r;
	}
	job->id = id;
	job->init_pid = rec->pid;
	job->bundle = strdup(rec->bundle ? rec->bundle : "");
	if (!job->bundle)
		return calyx_error_set(err, ENOMEM, "exec");
	/* a pidfd does not stop the pid's reuse, but tells whether the
	 * process it was opened on is gone: opened now, checked against the
	 * recorded start time, and again after /proc/PID was read */
	initfd = (int)syscall(SYS_pidfd_open, rec->pid, 0);
	if (initfd < 0 || !container_pid_alive(rec->pid, rec->pid_start))
		return calyx_error_setx(err, ESRCH, "cannot exec in a stopped container");
	job->become.process = job->process;
	job->become.spec = job->spec;
	job->become.seccomp = job->seccomp;
	job->become.first_fd = 3 + job->opts->preserve_fds;
	read_home_in_runtime(job, initfd);
	r = open_namespaces(job, rec->pid, err);
	if (r < 0)
		return r;
	/* still alive: the namespace files were the recorded init's, not
	 * those of a process that got its pid after it died */
	if (syscall(SYS_pidfd_send_signal, initfd, 0, NULL, 0) < 0)
		return calyx_error_setx(err, ESRCH, "cannot exec in a stopped container");
	/*
	 * It shares our mount namespace: its root is root.path, recorded at
	 * create (not /proc/PID/root, which the container could have moved
	 * with a chroot of its own).
	 */
	if (!calyx_spec_namespace(job->spec, CALYX_NS_MOUNT) && rec->rootfs) {
		job->root_fd = open(rec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (job->root_fd < 0)
			return calyx_error_set(err, errno, "root.path: open %s", rec->rootfs);
	}
	return 0;
}

int calyx_container_exec(struct calyx_context *ctx, const char *id,
			 const struct calyx_exec_options *opts, int *exit_status,
			 calyx_error **err)
{
	struct exec_job job = {
		.ctx = ctx,
		.opts = opts,
		.root_fd = -1,
		.saved_pid_fd = -1,
		.saved_time_fd = -1,
		.sync_parent = -1,
		.sync_child = -1,
		.pidfd = -1,
		.console_sock = -1,
		.tty_master = -1,
	};
	_cleanup_close_ int dirfd = -1;
	const char *initial_cpus;
	cpu_set_t caller_cpus;
	bool cpus_saved = false;
	sigset_t sigs, old;
	int sv[2], r;

	*exit_status = 0;
	for (int i = 0; i < CALYX_NS_COUNT; i++)
		job.ns_fd[i] = -1;
	r = container_open_dir(ctx, id, &dirfd, err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return calyx_error_set(err, errno, "prctl(PR_SET_DUMPABLE)");
	r = prepare(&job, id, dirfd, err);
	job.exposed = r >= 0 && exec_exposes_runtime(&job) &&
		      container_may_ptrace(&job, dirfd);
	if (job.exposed)
		r = calyx_exe_guard(err);	/* CVE-2019-5736 */
	if (r < 0)
		goto out;
	if (job.process->terminal) {
		if (opts->console_socket)
			r = terminal_connect_console_socket(opts->console_socket,
							    &job.console_sock, err);
		else if (opts->detach)
			r = calyx_error_setx(err, EINVAL,
					     "exec: cannot allocate a terminal for a detached process without --console-socket");
		if (r < 0)
			goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = calyx_error_set(err, errno, "socketpair");
		goto out;
	}
	job.sync_parent = sv[0];
	job.sync_child = sv[1];
	/* the runtime parent runs on the initial CPUs before the process
	 * moves into the container's cgroup; the child inherits them.  The
	 * caller (a library user keeps running) gets its own CPUs back once
	 * the child exists. */
	initial_cpus = job.process->exec_cpu_affinity_initial;
	if (initial_cpus && *initial_cpus)
		cpus_saved = sched_getaffinity(0, sizeof(caller_cpus), &caller_cpus) == 0;
	r = cpu_affinity_apply(initial_cpus, "process.execCPUAffinity.initial", err);
	if (r < 0)
		goto out;
	container_forwarded_signals(&sigs);
	if (!opts->detach)
		sigprocmask(SIG_BLOCK, &sigs, &old);
	r = spawn(&job, err);
	if (cpus_saved)
		sched_setaffinity(0, sizeof(caller_cpus), &caller_cpus);
	if (r >= 0 && opts->pid_file)
		r = calyx_write_pid_file(opts->pid_file, job.pid, err);
	if (r >= 0 && !opts->detach)
		r = container_wait_foreground(ctx, id, job.pidfd, NULL, job.tty_master,
					      &sigs, 0, exit_status, err);
	if (r < 0 && job.pid > 0) {
		syscall(SYS_pidfd_send_signal, job.pidfd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, (id_t)job.pidfd, NULL, WEXITED);
	}
	if (!opts->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
out:
	exec_job_release(&job);
	return r;
}
