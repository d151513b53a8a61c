/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `create`, runtime side: load and check the spec and plan what it asks
 * for (nothing is made until all of it passed), then make the state dir and
 * the cgroup, clone the container process with its namespaces in one
 * clone3(), feed it what only the runtime can do (id maps, cgroup, hooks)
 * and wait until it reports that it is ready to exec.
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
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "container/container.h"
#include "container/create.h"
#include "container/hooks.h"
#include "container/setup_death.h"
#include "linux/network.h"
#include "linux/affinity.h"
#include "linux/process.h"
#include "linux/sync.h"
#include "linux/terminal.h"
#include "rootfs/rootfs.h"
#include "security/exe_guard.h"
#include "security/security.h"
#include "util/cleanup.h"
#include "util/rfc3339.h"
#include "util/fs.h"
#include "util/host_user.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

void create_job_free(struct create_job *job)
{
	if (!job)
		return;
	ns_plan_release(&job->ns);
	if (job->seccomp)
		calyx_seccomp_program_free(job->seccomp);
	if (job->cgroup)
		calyx_cgroup_free(job->cgroup);
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
	if (job->state_dirfd >= 0)
		close(job->state_dirfd);
	if (job->fifo_dirfd >= 0)
		close(job->fifo_dirfd);
	if (job->owns_spec)
		calyx_spec_free((struct calyx_spec *)job->spec);
	free(job->mount_fds);	/* only the container process has any open */
	free(job->bundle);
	free(job->rootfs);
	free(job);
}

/* The checks that need the whole spec and this runtime, before anything is made. */
static int check_spec(const struct calyx_spec *spec, calyx_error **err)
{
	const struct calyx_process *p = spec->process;
	const struct calyx_linux *lx = spec->linux_cfg;
	int r;

	r = calyx_spec_validate(spec, err);
	if (r < 0)
		return r;
	if (!p)
		return calyx_error_setx(err, EINVAL, "process: required to create a container");
	if (!p->args || !p->args[0])
		return calyx_error_setx(err, EINVAL,
					"process.args: must be a non-empty array of strings");
	if (!spec->root_path)
		return calyx_error_setx(err, EINVAL, "root.path: required");
	r = calyx_rootfs_check_config(spec, err);
	if (r >= 0 && p->capabilities)
		r = calyx_caps_validate(p->capabilities, err);
	/* a label for an LSM this host does not run: say so before anything
	 * is made (the write at exec would fail after `create` returned) */
	if (r >= 0)
		r = calyx_lsm_check(p, err);
	if (r < 0)
		return r;
	if (lx && lx->intel_rdt)
		return calyx_error_setx(err, ENOTSUP,
					"linux.intelRdt: not supported (calyx does not manage resctrl)");
	if (lx && lx->memory_policy)
		r = memory_policy_validate(lx->memory_policy, err);
	if (r >= 0 && lx && lx->seccomp)
		r = calyx_seccomp_validate(lx->seccomp, err);
	if (r < 0)
		return r;
	return proc_validate_sysctl(spec, err);
}

int container_open_cache_dir(void)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_error_ calyx_error *ignored = NULL;
	const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int r;

	if (geteuid() == 0)
		r = asprintf(&path, "/var/cache/calyx");
	else if (base && base[0] == '/')
		r = asprintf(&path, "%s/calyx", base);
	else if (home && home[0] == '/')
		r = asprintf(&path, "%s/.cache/calyx", home);
	else
		return -1;
	if (r < 0)
		return -1;
	r = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r < 0 && errno == ENOENT && calyx_mkdir_p(path, 0700, &ignored) == 0)
		r = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return r;
}

static int resolve_rootfs(struct create_job *job, calyx_error **err)
{
	const char *root = job->spec->root_path;
	struct stat sb;
	int r;

	if (root[0] == '/')
		r = asprintf(&job->rootfs, "%s", root);
	else
		r = asprintf(&job->rootfs, "%s/%s", job->bundle, root);
	if (r < 0)
		return calyx_error_set(err, ENOMEM, "root.path");
	if (stat(job->rootfs, &sb) < 0)
		return calyx_error_set(err, errno, "root.path: %s", job->rootfs);
	if (!S_ISDIR(sb.st_mode))
		return calyx_error_setx(err, ENOTDIR, "root.path: %s is not a directory",
					job->rootfs);
	return 0;
}

/*
 * The state dir of ID exists.  If it is what a create or restore killed
 * half-way left (a record still "creating" and nobody holding its lock),
 * remove all it made -- as `delete -f` would -- so the ID can be used again; true
 * then.  Decided and done under the lock, so a live container or one being
 * made right now is never touched.
 */
static bool reclaim_abandoned(struct calyx_context *ctx, const char *id)
{
	_cleanup_record_ struct container_record *rec = NULL;
	_cleanup_error_ calyx_error *e = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (container_open_dir(ctx, id, &fd, &e) < 0 ||
	    flock(fd, LOCK_EX | LOCK_NB) < 0)
		return false;
	/* not without a record: a live create or restore makes the
	 * directory just before it locks it, and writes the first record
	 * under the lock */
	r = container_record_read(fd, &rec, &e);
	if (r < 0 || !rec->creating)
		return false;
	if (container_delete_locked(ctx, id, fd, true, &e) < 0) {
		calyx_warn(&ctx->log, "removing what a killed create or restore of %s left: %s",
			   id, e->msg);
		return false;
	}
	calyx_debug(&ctx->log, "removed what a killed create or restore of %s left", id);
	return true;
}

int container_make_state_dir(struct calyx_context *ctx, const char *id,
			     int *dirfd, calyx_error **err)
{
	_cleanup_close_ int rootfd = -1;
	int fd, r;

	rootfd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 && errno == ENOENT) {
		r = calyx_mkdir_p(ctx->state_root, 0700, err);
		if (r < 0)
			return calyx_error_prefix(err, "state root");
		rootfd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (rootfd < 0)
		return calyx_error_set(err, errno, "open state root %s", ctx->state_root);
	/* 0711: the container user must reach the exec fifo through a dirfd */
	r = mkdirat(rootfd, id, 0711);
	if (r < 0 && errno == EEXIST) {
		if (reclaim_abandoned(ctx, id))
			r = mkdirat(rootfd, id, 0711);
		else
			errno = EEXIST;
	}
	if (r < 0) {
		if (errno == EEXIST)
			return calyx_error_setx(err, EEXIST,
						"container with id %s already exists", id);
		return calyx_error_set(err, errno, "mkdir %s/%s", ctx->state_root, id);
	}
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = errno;
		unlinkat(rootfd, id, AT_REMOVEDIR);
		return calyx_error_set(err, r, "open %s/%s", ctx->state_root, id);
	}
	*dirfd = fd;
	return 0;
}

void container_remove_state_dir(struct calyx_context *ctx, const char *id)
{
	_cleanup_close_ int rootfd = open(ctx->state_root,
					  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_error_ calyx_error *ignored = NULL;

	if (rootfd >= 0)
		calyx_remove_tree_at(rootfd, id, &ignored);
}

static int load_spec(struct create_job *job, struct calyx_spec **owned,
		     char **raw, size_t *raw_len, calyx_error **err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (job->opts->spec) {
		job->spec = job->opts->spec;
		return 0;
	}
	if (asprintf(&path, "%s/config.json", job->bundle) < 0)
		return calyx_error_set(err, ENOMEM, "config path");
	r = calyx_read_file_at(AT_FDCWD, path, raw, raw_len, err);
	if (r < 0)
		return r;
	r = calyx_spec_parse(*raw, *raw_len, owned, err);
	if (r < 0)
		return calyx_error_prefix(err, "config.json");
	job->spec = *owned;
	return 0;
}

/*
 * A new pid namespace in a user namespace joined by path must be owned by
 * that user namespace, so it is made by a helper that joined it first;
 * CLONE_PARENT keeps the container process our own child.  The helper
 * sends back its pid and a pidfd, then exits.
 */
static _Noreturn void userns_helper(struct create_job *job, struct clone_args *args,
				    int sock)
{
	calyx_error *err = NULL;
	int pidfd = -1;
	long pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (setns(job->ns.join_fd[CALYX_NS_USER], CLONE_NEWUSER) < 0 ||
	    setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		calyx_error_set(&err, errno, "joining the user namespace");
		goto fail;
	}
	/* joined already: the container process must not join it again */
	job->ns.join_fd[CALYX_NS_USER] = -1;
	args->flags |= CLONE_PARENT | CLONE_PIDFD;
	args->pidfd = (uint64_t)(uintptr_t)&pidfd;
	/* CLONE_PARENT: the child takes our exit signal (SIGCHLD) */
	args->exit_signal = 0;
	pid = syscall(SYS_clone3, args, sizeof(*args));
	if (pid == 0)
		container_init(job);	/* never returns */
	if (pid < 0) {
		calyx_error_set(&err, errno, "clone3 of the container process in the joined user namespace");
		goto fail;
	}
	if (calyx_sync_send(sock, CALYX_SYNC_READY, (int32_t)pid, NULL, &err) < 0 ||
	    calyx_sync_send_fd(sock, CALYX_SYNC_FD_PIDFD, pidfd, &err) < 0)
		_exit(127);
	_exit(0);
fail:
	calyx_sync_send(sock, CALYX_SYNC_ERROR, err ? err->errnum : EINVAL,
			err ? err->msg : "user namespace helper", &err);
	_exit(127);
}

static long clone_via_userns_helper(struct create_job *job, struct clone_args *args,
				    calyx_error **err)
{
	struct clone_args helper_args = { .exit_signal = SIGCHLD };
	struct calyx_sync_msg msg;
	int sv[2], kind, status;
	long helper;
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return calyx_error_set(err, errno, "socketpair");
	helper = syscall(SYS_clone3, &helper_args, sizeof(helper_args));
	if (helper == 0) {
		close(sv[0]);
		userns_helper(job, args, sv[1]);
	}
	close(sv[1]);
	if (helper < 0) {
		close(sv[0]);
		return calyx_error_set(err, errno, "clone3 of the user namespace helper");
	}
	r = calyx_sync_recv(sv[0], &msg, "the user namespace helper", err);
	if (r >= 0 && msg.type != CALYX_SYNC_READY)
		r = calyx_error_setx(err, EPROTO, "sync: unexpected message %u", msg.type);
	if (r >= 0)
		r = calyx_sync_recv_fd(sv[0], &kind, &job->pidfd, "the user namespace helper", err);
	close(sv[0]);
	while (waitpid((pid_t)helper, &status, 0) < 0 && errno == EINTR)
		;
	return r < 0 ? r : msg.value;
}

static int clone_container(struct create_job *job, bool *in_cgroup, calyx_error **err)
{
	struct clone_args args = {
		.flags = job->ns.clone_flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&job->pidfd,
		.exit_signal = SIGCHLD,
	};
	bool complete = false;
	int cgfd = job->cgroup ? calyx_cgroup_birth_fd(job->cgroup, &complete) : -1;
	long pid;

	if (job->ns.pid_via_helper) {
		/* the helper is not privileged over the cgroup: joined below */
		args.flags &= ~(unsigned long long)CLONE_PIDFD;
		args.pidfd = 0;
		pid = clone_via_userns_helper(job, &args, err);
		if (pid < 0)
			return (int)pid;
		cgfd = -1;
		goto cloned;
	}
	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == EBUSY && cgfd >= 0) {
		/* e.g. a threaded cgroup: fall back to joining it by pid */
		args.flags &= ~CLONE_INTO_CGROUP;
		pid = syscall(SYS_clone3, &args, sizeof(args));
		cgfd = -1;
	}
	if (pid < 0 && errno == EPERM && geteuid() != 0 &&
	    !(args.flags & CLONE_NEWUSER))
		return calyx_error_set(err, errno, "clone3 of the container process (new "
				       "namespaces need root or a user namespace): run as "
				       "root, or make a rootless bundle with 'calyx spec "
				       "--rootless'");
	if (pid < 0)
		return calyx_error_set(err, errno, "clone3 of the container process");
	if (pid == 0)
		container_init(job);	/* never returns */
cloned:
	job->pid = (pid_t)pid;
	close(job->sync_child);
	job->sync_child = -1;
	if (job->console_sock >= 0) {
		/* the container process sends the master itself */
		close(job->console_sock);
		job->console_sock = -1;
	}
	*in_cgroup = (cgfd >= 0 && complete) || !job->cgroup;
	return 0;
}

/* Talk the container process through its setup until it is ready. */
static int drive_setup(struct create_job *job, calyx_error **err)
{
	struct calyx_sync_msg msg;
	int r;

	if (job->ns.new_user && job->spec->linux_cfg) {
		r = ns_write_id_maps(job->spec, job->pid, err);
		if (r < 0)
			return r;
	}
	if (job->spec->linux_cfg && job->spec->linux_cfg->n_net_devices) {
		r = net_devices_move(job->spec->linux_cfg->net_devices,
				     job->spec->linux_cfg->n_net_devices,
				     job->ns.join_fd[CALYX_NS_NETWORK] >= 0 ?
				     job->ns.join_fd[CALYX_NS_NETWORK] :
				     job->ns.new_net ? job->pidfd : -1, err);
		if (r < 0)
			return r;
	}
	r = calyx_sync_send(job->sync_parent, CALYX_SYNC_GO, job->pid, NULL, err);
	if (r < 0)
		return r;
	r = container_send_idmapped_mounts(job, err);
	if (r < 0)
		return r;
	for (;;) {
		int passed = -1;

		r = calyx_sync_recv_msg(job->sync_parent, &msg, &passed,
					"the container to be ready", err);
		if (r < 0)
			return r;
		if (msg.type == CALYX_SYNC_READY)
			return 0;
		if (msg.type == CALYX_SYNC_FD && msg.value == CALYX_SYNC_FD_CONSOLE &&
		    job->relay_tty && job->tty_master < 0) {
			job->tty_master = passed;
			continue;
		}
		if (msg.type == CALYX_SYNC_FD && msg.value == CALYX_SYNC_FD_PIDFD) {
			/* the process that stays in a pid namespace joined late */
			r = container_pid_join_adopt(job, passed, err);
			if (r < 0)
				return r;
			continue;
		}
		if (msg.type == CALYX_SYNC_FD && msg.value == CALYX_SYNC_FD_SECCOMP_NOTIFY &&
		    job->spec->linux_cfg && job->spec->linux_cfg->seccomp) {
			r = container_hand_seccomp_listener(job->spec, job->id,
							    CALYX_STATUS_CREATING, job->pid,
							    job->pid, job->bundle, passed, err);
			close(passed);
			if (r < 0)
				return r;
			continue;
		}
		if (passed >= 0)
			close(passed);
		if (msg.type != CALYX_SYNC_RUN_HOOKS)
			return calyx_error_setx(err, EPROTO, "sync: unexpected message %u",
						msg.type);
		r = container_run_creation_hooks(job->spec, job->id, job->pid, job->bundle,
						 &job->ctx->log, err);
		if (r < 0)
			return r;
		r = calyx_sync_send(job->sync_parent, CALYX_SYNC_HOOKS_DONE, 0, NULL, err);
		if (r < 0)
			return r;
	}
}

static char *owner_name(void)
{
	char name[256];

	/* runc prints "" for root; the user name otherwise */
	if (geteuid() == 0 ||
	    calyx_host_user_name(geteuid(), name, sizeof(name)) < 0)
		return strdup("");
	return strdup(name);
}

int container_write_made_record(int state_dirfd, const char *id, const char *bundle,
				const char *rootfs, pid_t pid, unsigned long long pid_start,
				const struct calyx_cgroup *cgroup,
				const struct calyx_spec *spec, bool creating,
				calyx_error **err)
{
	char created[64];
	_cleanup_free_ char *owner = owner_name();
	struct container_record rec = {
		.id = (char *)id,
		.bundle = (char *)bundle,
		.rootfs = (char *)rootfs,
		.created = created,
		.owner = owner,
		.pid = pid,
		.pid_start = pid <= 0 ? 0 : pid_start ? pid_start :
			     container_pid_start_time(pid, NULL),
		.cgroup_path = (char *)(cgroup ? calyx_cgroup_path(cgroup) : ""),
		.annotations = spec->annotations,
		.n_annotations = spec->n_annotations,
		.creating = creating,
	};

	if (!owner)
		return calyx_error_set(err, ENOMEM, "state");
	calyx_now_rfc3339(created, sizeof(created));
	return container_record_write(state_dirfd, &rec, err);
}

static int write_record(struct create_job *job, bool creating, calyx_error **err)
{
	/* the pid a joined pid namespace's late fork brings is another one */
	if (job->pid > 0 && job->pid_start_of != job->pid) {
		job->pid_start = container_pid_start_time(job->pid, NULL);
		job->pid_start_of = job->pid;
	}
	return container_write_made_record(job->state_dirfd, job->id, job->bundle,
					   job->rootfs, job->pid,
					   job->pid > 0 ? job->pid_start : 0, job->cgroup,
					   job->spec, creating, err);
}

/*
 * `create` is about to exit and leave the container process waiting on the
 * exec fifo: until now it dies with us (parent-death signal), so a create
 * killed at any instant leaves no process nobody knows of.  Recorded now:
 * let it outlive us, and wait until it says it will.
 */
static int detach_process(struct create_job *job, calyx_error **err)
{
	struct calyx_sync_msg msg;
	int r;

	r = calyx_sync_send(job->sync_parent, CALYX_SYNC_RECORDED, 0, NULL, err);
	if (r < 0)
		return r;
	r = calyx_sync_recv(job->sync_parent, &msg, "the container process to detach", err);
	if (r < 0)
		return r;
	if (msg.type != CALYX_SYNC_DETACHED)
		return calyx_error_setx(err, EPROTO, "sync: unexpected message %u", msg.type);
	return 0;
}

static void kill_and_reap(struct create_job *job)
{
	if (job->pid <= 0)
		return;
	if (job->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, job->pidfd, SIGKILL, NULL, 0);
	else
		kill(job->pid, SIGKILL);
	while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
		;
	job->pid = 0;
}

static struct calyx_cgroup_config cgroup_config(const struct create_job *job)
{
	const struct calyx_spec *spec = job->spec;
	const struct calyx_linux *lx = spec->linux_cfg;

	return (struct calyx_cgroup_config){
		.id = job->id,
		.cgroups_path = lx ? lx->cgroups_path : NULL,
		.resources = lx ? lx->resources : NULL,
		.rootless = geteuid() != 0,
		.systemd = job->ctx->systemd_cgroup,
		.annotations = spec->annotations,
		.n_annotations = spec->n_annotations,
		.log = &job->ctx->log,
	};
}

/*
 * Everything that can be decided before anything is made: the host-side
 * checks of the config (rootfs, terminal, namespaces to join, the seccomp
 * filter, the cgroup path and what it asks of the driver), planned but not
 * acted on.  A config error found here leaves nothing behind -- no state
 * dir, no cgroup, no process.
 */
static int plan_job(struct create_job *job, calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	const struct calyx_linux *lx = spec->linux_cfg;
	struct calyx_cgroup_config cgcfg = cgroup_config(job);
	int r;

	r = resolve_rootfs(job, err);
	if (r < 0)
		return r;
	if (spec->process->terminal && !job->opts->console_socket) {
		if (!job->relay_tty)
			return calyx_error_setx(err, EINVAL,
						"process.terminal: cannot allocate a terminal without --console-socket when calyx does not stay in the foreground");
		if (!isatty(STDIN_FILENO))
			/* the relay would wait for ever on a pty nobody types into */
			return calyx_error_setx(err, ENOTTY,
						"process.terminal is true but stdin is not a terminal; use --console-socket or set terminal to false");
	}
	r = ns_plan_build(spec, &job->ns, err);
	if (r < 0)
		return r;
	if (lx && lx->seccomp) {
		_cleanup_close_ int cachefd = lx->seccomp->builtin_default ? -1 :
					      container_open_cache_dir();

		r = calyx_seccomp_prepare(lx->seccomp, cachefd, &job->ctx->log,
					  &job->seccomp, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.seccomp");
	}
	/* a bundle-less run with nothing for a cgroup to enforce goes
	 * without; so does everything under --cgroup-manager disabled */
	if (job->ctx->cgroups_disabled && lx && lx->resources)
		calyx_debug(&job->ctx->log, "--cgroup-manager disabled: linux.resources not applied");
	if (job->opts->no_cgroup || job->ctx->cgroups_disabled)
		return 0;
	return calyx_cgroup_prepare(&cgcfg, &job->cgroup, err);
}

/* What plan_job decided, made: from the state dir on, every failure is
 * undone by the caller (kill, cgroup, state dir). */
static int create_steps(struct create_job *job, const char *raw, size_t raw_len,
			calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	struct calyx_cgroup_config cgcfg = cgroup_config(job);
	bool in_cgroup = false;
	int sv[2], r;

	/* start, exec and delete need the spec as it was at create (hooks,
	 * the process to base exec on), whatever happens to the bundle */
	if (raw) {
		r = calyx_write_file_atomic_at(job->state_dirfd, CONFIG_COPY, raw,
					       raw_len, 0600, err);
		if (r < 0)
			return r;
	}
	if (spec->process->terminal && job->opts->console_socket) {
		r = terminal_connect_console_socket(job->opts->console_socket,
						    &job->console_sock, err);
		if (r < 0)
			return r;
	}
	/* whatever instant we die from here on, the record names what there
	 * is to remove (the cgroup path now, the pid once cloned) */
	r = write_record(job, true, err);
	if (r < 0)
		return r;
	if (job->cgroup) {
		r = calyx_cgroup_make(job->cgroup, &cgcfg, err);
		if (r < 0)
			return r;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return calyx_error_set(err, errno, "socketpair");
	job->sync_parent = sv[0];
	job->sync_child = sv[1];
	if (!job->run_mode) {
		if (mkfifoat(job->state_dirfd, EXEC_FIFO, 0622) < 0)
			return calyx_error_set(err, errno, "mkfifo exec.fifo");
		/* past the umask: a non-root container user must open it */
		if (fchmodat(job->state_dirfd, EXEC_FIFO, 0622, 0) < 0)
			return calyx_error_set(err, errno, "chmod exec.fifo");
		job->fifo_dirfd = openat(job->state_dirfd, ".",
					 O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (job->fifo_dirfd < 0)
			return calyx_error_set(err, errno, "open the state dir");
	}
	r = ns_plan_enter_for_clone(spec, &job->ns, err);
	if (r >= 0)
		r = clone_container(job, &in_cgroup, err);
	/* back in our own namespaces whatever happened; its failure is
	 * reported only when the clone itself went well */
	if (r < 0)
		ns_plan_leave_after_clone(&job->ns, NULL);
	else
		r = ns_plan_leave_after_clone(&job->ns, err);
	if (r < 0)
		return r;
	/* the pid before the cgroup: a delete after we die half-way through
	 * the hierarchies still finds and waits for the process */
	r = write_record(job, true, err);
	if (r < 0)
		return r;
	if (!in_cgroup && calyx_cgroup_enter(job->cgroup, job->pid, err) < 0)
		return calyx_error_prefix(err, "linux.cgroupsPath");
	r = drive_setup(job, err);
	if (r < 0)
		return container_explain_setup_death(job, r, err);
	r = write_record(job, false, err);
	if (r < 0)
		return r;
	if (job->opts->pid_file) {
		r = calyx_write_pid_file(job->opts->pid_file, job->pid, err);
		if (r < 0)
			return r;
	}
	return job->run_mode ? 0 : detach_process(job, err);
}

static int bundle_path(const char *bundle, char **out, calyx_error **err)
{
	char buf[PATH_MAX];

	if (!realpath(bundle ? bundle : ".", buf))
		return calyx_error_set(err, errno, "bundle %s", bundle ? bundle : ".");
	*out = strdup(buf);
	return *out ? 0 : calyx_error_set(err, ENOMEM, "bundle");
}

/*
 * CVE-2019-5736: can a container process open the init's /proc/1/exe (this
 * binary) before the init execs, and write through it once it has?  In a
 * pid namespace joined by path, others see it at once.  And a created
 * container waits for `start` while `exec` may add processes; one with
 * CAP_SYS_PTRACE over our user namespace (no user namespace of its own)
 * passes the init's non-dumpable guard.  Then the init runs from the exe
 * guard's read-only view.  `run` starts at once: nothing can be exec'd in.
 */
static bool init_exe_reachable(const struct calyx_spec *spec, bool run_mode)
{
	const struct calyx_namespace *pidns = calyx_spec_namespace(spec, CALYX_NS_PID);

	if (pidns && pidns->path)
		return true;
	return !run_mode && !calyx_spec_namespace(spec, CALYX_NS_USER);
}

int container_create_job(struct calyx_context *ctx, const char *id,
			 const struct calyx_create_options *opts, bool run_mode,
			 bool foreground, struct create_job **out,
			 calyx_error **err)
{
	struct create_job *job;
	_cleanup_spec_ struct calyx_spec *owned = NULL;
	_cleanup_free_ char *raw = NULL;
	size_t raw_len = 0;
	int r;

	r = calyx_id_validate(id, err);
	if (r < 0)
		return r;
	job = calloc(1, sizeof(*job));
	if (!job)
		return calyx_error_set(err, ENOMEM, "create");
	job->ctx = ctx;
	job->id = id;
	job->opts = opts;
	job->run_mode = run_mode;
	job->foreground = foreground;
	/* a foreground run with a terminal and no socket: we relay it */
	job->relay_tty = foreground && !opts->console_socket;
	job->console_sock = job->tty_master = -1;
	job->state_dirfd = job->fifo_dirfd = -1;
	job->sync_parent = job->sync_child = job->pidfd = -1;
	ns_plan_init(&job->ns);

	/*
	 * Nothing may ptrace or read the runtime while it is near the
	 * container.  Rootless, the child's /proc/<pid>/{uid,gid}_map must stay
	 * writable by us, so the child turns non-dumpable itself once they are
	 * written; until then only our own user could reach it, who can reach
	 * us anyway, and container processes live in another user namespace.
	 */
	if (geteuid() == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		create_job_free(job);
		return calyx_error_set(err, errno, "prctl(PR_SET_DUMPABLE)");
	}
	/* every check of the config before anything is made */
	r = bundle_path(opts->bundle, &job->bundle, err);
	if (r >= 0)
		r = load_spec(job, &owned, &raw, &raw_len, err);
	if (r >= 0) {
		r = check_spec(job->spec, err);
		/* a bundle's errors say which file, as its parse errors do */
		if (r < 0 && !opts->spec)
			calyx_error_prefix(err, "config.json");
	}
	if (r >= 0 && init_exe_reachable(job->spec, run_mode))
		r = calyx_exe_guard(err);
	if (r >= 0)
		r = plan_job(job, err);
	if (r < 0) {
		create_job_free(job);
		return r;
	}
	r = container_make_state_dir(ctx, id, &job->state_dirfd, err);
	if (r < 0) {
		create_job_free(job);
		return r;
	}
	r = container_lock(job->state_dirfd, err);
	if (r >= 0)
		r = create_steps(job, raw, raw_len, err);
	if (r < 0) {
		_cleanup_error_ calyx_error *ignored = NULL;

		kill_and_reap(job);
		if (job->cgroup)
			calyx_cgroup_destroy(job->cgroup, &ignored);
		container_remove_state_dir(ctx, id);
		create_job_free(job);
		return r;
	}
	if (owned) {
		/* the job outlives this function in `run`: keep the spec alive */
		job->spec = TAKE_PTR(owned);
		job->owns_spec = true;
	}
	*out = job;
	return 0;
}

int calyx_container_create(struct calyx_context *ctx, const char *id,
			   const struct calyx_create_options *opts,
			   calyx_error **err)
{
	struct create_job *job = NULL;
	int r = container_create_job(ctx, id, opts, false, false, &job, err);

	if (r < 0)
		return r;
	/* the container process now waits on the exec fifo; we are done */
	create_job_free(job);
	return 0;
}
