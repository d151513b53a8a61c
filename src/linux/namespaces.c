/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <linux/sched.h>

#include "linux/namespaces.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

void ns_plan_init(struct ns_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	for (int i = 0; i < CALYX_NS_COUNT; i++)
		plan->join_fd[i] = -1;
	plan->saved_pid_fd = -1;
	plan->saved_time_fd = -1;
}

void ns_plan_release(struct ns_plan *plan)
{
	for (int i = 0; i < CALYX_NS_COUNT; i++) {
		if (plan->join_fd[i] >= 0)
			close(plan->join_fd[i]);
		plan->join_fd[i] = -1;
	}
	if (plan->saved_pid_fd >= 0)
		close(plan->saved_pid_fd);
	if (plan->saved_time_fd >= 0)
		close(plan->saved_time_fd);
	plan->saved_pid_fd = plan->saved_time_fd = -1;
}

static int open_ns_path(const struct calyx_namespace *ns, size_t index,
			int *out, calyx_error **err)
{
	_cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	int type;

	if (fd < 0)
		return calyx_error_set(err, errno, "linux.namespaces[%zu].path: open %s",
				       index, ns->path);
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 && errno != ENOTTY)
		return calyx_error_set(err, errno, "linux.namespaces[%zu].path: %s",
				       index, ns->path);
	/* ENOTTY: not an nsfs file at all */
	if (type != calyx_ns_clone_flag(ns->type))
		return calyx_error_setx(err, EINVAL,
					"linux.namespaces[%zu].path: %s is not a %s namespace",
					index, ns->path, calyx_ns_type_name(ns->type));
	*out = TAKE_FD(fd);
	return 0;
}

/* Can a procfs be made for pid namespace nsfd from outside it? */
static bool proc_takes_pidns(int nsfd)
{
	_cleanup_close_ int fsfd = fsopen("proc", FSOPEN_CLOEXEC);

	return fsfd >= 0 &&
	       fsconfig(fsfd, FSCONFIG_SET_FD, "pidns", NULL, nsfd) == 0;
}

int ns_plan_build(const struct calyx_spec *spec, struct ns_plan *plan,
		  calyx_error **err)
{
	const struct calyx_linux *lx = spec->linux_cfg;
	bool join_user = false;
	int r;

	if (!lx)
		return 0;
	for (size_t i = 0; i < lx->n_namespaces; i++) {
		const struct calyx_namespace *ns = &lx->namespaces[i];
		int flag = calyx_ns_clone_flag(ns->type);

		if (ns->path && ns->path[0]) {
			r = open_ns_path(ns, i, &plan->join_fd[ns->type], err);
			if (r < 0)
				return r;
			if (ns->type == CALYX_NS_USER)
				join_user = true;
			continue;
		}
		switch (ns->type) {
		case CALYX_NS_USER:
			plan->new_user = true;
			break;
		case CALYX_NS_NETWORK:
			plan->new_net = true;
			break;
		case CALYX_NS_MOUNT:
			plan->new_mount = true;
			break;
		case CALYX_NS_UTS:
			plan->new_uts = true;
			break;
		default:
			break;
		}
		if (ns->type == CALYX_NS_CGROUP) {
			/* only once the child sits in its cgroup */
			plan->unshare_flags |= flag;
		} else if (ns->type == CALYX_NS_TIME && lx->n_time_offsets) {
			plan->time_offsets = true;
		} else {
			plan->clone_flags |= (unsigned long long)flag;
		}
	}
	if (plan->new_user && (plan->clone_flags & CLONE_NEWIPC)) {
		/* made by the namespace's root once the maps are written, as
		 * runc does: its mqueue then belongs to the container's root */
		plan->clone_flags &= ~(unsigned long long)CLONE_NEWIPC;
		plan->unshare_flags |= CLONE_NEWIPC;
	}
	/* see namespaces.h: only where procfs can be mounted for the
	 * namespace from outside it, else as runc and crun do */
	if (plan->join_fd[CALYX_NS_PID] >= 0 && !plan->new_user && !join_user &&
	    proc_takes_pidns(plan->join_fd[CALYX_NS_PID]))
		plan->pid_join_late = true;
	if (join_user) {
		/*
		 * Namespaces created after joining an existing user namespace
		 * must be owned by it, so the child has to unshare them.  A pid
		 * namespace cannot be unshared for the process itself: a helper
		 * that joined the user namespace clones the container process
		 * into a new one (pid_via_helper).
		 */
		plan->pid_via_helper = plan->clone_flags & CLONE_NEWPID;
		plan->unshare_flags |= (int)(plan->clone_flags & ~(unsigned long long)CLONE_NEWPID);
		plan->clone_flags &= CLONE_NEWPID;
	}
	/* decided before the clone (the child's euid says nothing then): the
	 * user and mount namespaces both made by clone3, a root runtime */
	plan->runtime_binds = geteuid() == 0 &&
			      (plan->clone_flags & CLONE_NEWUSER) &&
			      (plan->clone_flags & CLONE_NEWNS);
	return 0;
}

static int write_time_offsets(const struct calyx_spec *spec, calyx_error **err)
{
	char buf[256];
	size_t len = 0;

	for (size_t i = 0; i < spec->linux_cfg->n_time_offsets; i++) {
		const struct calyx_time_offset *t = &spec->linux_cfg->time_offsets[i];
		int n = snprintf(buf + len, sizeof(buf) - len, "%s %lld %u\n",
				 t->clock, (long long)t->secs, t->nanosecs);

		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			return calyx_error_setx(err, EINVAL, "linux.timeOffsets: too long");
		len += (size_t)n;
	}
	if (calyx_write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, len, err) < 0)
		return calyx_error_prefix(err, "linux.timeOffsets");
	return 0;
}

int ns_plan_enter_for_clone(const struct calyx_spec *spec, struct ns_plan *plan,
			    calyx_error **err)
{
	if (plan->join_fd[CALYX_NS_PID] >= 0 && !plan->pid_join_late) {
		plan->saved_pid_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (plan->saved_pid_fd < 0)
			return calyx_error_set(err, errno, "open /proc/self/ns/pid");
		if (setns(plan->join_fd[CALYX_NS_PID], CLONE_NEWPID) < 0)
			return calyx_error_set(err, errno, "joining the pid namespace");
	}
	if (plan->join_fd[CALYX_NS_TIME] >= 0 || plan->time_offsets) {
		plan->saved_time_fd = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
		if (plan->saved_time_fd < 0)
			return calyx_error_set(err, errno, "open /proc/self/ns/time");
		if (plan->join_fd[CALYX_NS_TIME] >= 0) {
			if (setns(plan->join_fd[CALYX_NS_TIME], CLONE_NEWTIME) < 0)
				return calyx_error_set(err, errno, "joining the time namespace");
		} else {
			if (unshare(CLONE_NEWTIME) < 0)
				return calyx_error_set(err, errno, "creating the time namespace");
			int r = write_time_offsets(spec, err);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

int ns_plan_leave_after_clone(struct ns_plan *plan, calyx_error **err)
{
	if (plan->saved_pid_fd >= 0 && setns(plan->saved_pid_fd, CLONE_NEWPID) < 0)
		return calyx_error_set(err, errno, "returning to the runtime's pid namespace");
	if (plan->saved_time_fd >= 0 && setns(plan->saved_time_fd, CLONE_NEWTIME) < 0)
		return calyx_error_set(err, errno, "returning to the runtime's time namespace");
	return 0;
}

int ns_plan_join(const struct ns_plan *plan, calyx_error **err)
{
	/* the user namespace first: it grants the rights for the others */
	static const enum calyx_ns_type order[] = {
		CALYX_NS_USER, CALYX_NS_IPC, CALYX_NS_UTS, CALYX_NS_NETWORK,
		CALYX_NS_CGROUP, CALYX_NS_MOUNT,
	};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int fd = plan->join_fd[order[i]];

		if (fd >= 0 && setns(fd, calyx_ns_clone_flag(order[i])) < 0)
			return calyx_error_set(err, errno, "joining the %s namespace",
					       calyx_ns_type_name(order[i]));
		if (order[i] == CALYX_NS_USER && fd >= 0 &&
		    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			return calyx_error_set(err, errno, "becoming root in the joined user namespace");
	}
	return 0;
}

int ns_pid_join_late(struct ns_plan *plan, calyx_error **err)
{
	int fd = plan->join_fd[CALYX_NS_PID];

	if (!plan->pid_join_late)
		return 0;
	if (setns(fd, CLONE_NEWPID) < 0)
		return calyx_error_set(err, errno, "joining the pid namespace");
	close(fd);
	plan->join_fd[CALYX_NS_PID] = -1;
	return 0;
}

long ns_fork_sibling(int *pidfd)
{
	struct clone_args args = {
		.flags = CLONE_PARENT | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
	};
	long pid;

	*pidfd = -1;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS)
		/* flags, stack (0: like fork), parent_tid (the pidfd) */
		pid = syscall(SYS_clone, CLONE_PARENT | CLONE_PIDFD, 0, pidfd, 0, 0);
	return pid < 0 ? -errno : pid;
}

static int write_map(pid_t pid, const char *file,
		     const struct calyx_id_mapping *m, size_t n,
		     calyx_error **err)
{
	char path[64], buf[4096];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
				 m[i].container_id, m[i].host_id, m[i].size);

		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return calyx_error_setx(err, E2BIG, "%s: too many mappings", file);
		len += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return calyx_write_file_at(AT_FDCWD, path, buf, len, err);
}

/* An unprivileged runtime may write only a map of its own id; anything
 * more goes through the setuid helpers, which check /etc/subuid|subgid. */
static bool needs_helper(const struct calyx_id_mapping *m, size_t n, uint32_t own)
{
	return n > 1 || (n == 1 && (m[0].host_id != own || m[0].size != 1));
}

static int run_id_helper(const char *helper, pid_t pid,
			 const struct calyx_id_mapping *m, size_t n,
			 const char *field, calyx_error **err)
{
	_cleanup_free_ char **argv = calloc(3 * n + 3, sizeof(char *));
	_cleanup_free_ char *nums = calloc(3 * n + 1, 12);
	char *at = nums;
	size_t k = 0;
	int status;
	pid_t child;

	if (!argv || !nums)
		return calyx_error_set(err, ENOMEM, "%s", field);
	argv[k++] = (char *)helper;
	snprintf(at, 12, "%d", pid);
	argv[k++] = at;
	at += 12;
	for (size_t i = 0; i < n; i++) {
		uint32_t v[3] = { m[i].container_id, m[i].host_id, m[i].size };

		for (int j = 0; j < 3; j++, at += 12) {
			snprintf(at, 12, "%u", v[j]);
			argv[k++] = at;
		}
	}
	child = fork();
	if (child < 0)
		return calyx_error_set(err, errno, "%s: fork", field);
	if (child == 0) {
		execvp(helper, argv);
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			return calyx_error_set(err, errno, "%s: waiting for %s", field, helper);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return calyx_error_setx(err, EPERM,
					"%s: %s failed (status %d): are the ranges in /etc/%s for this user?",
					field, helper, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
					helper[3] == 'u' ? "subuid" : "subgid");
	return 0;
}

/*
 * A user namespace holding only these maps, for idmapped mounts: made by a
 * child that waits on a pipe and exits when we close it, so nothing ever
 * runs in it.  The fd keeps the namespace alive.
 */
int ns_userns_with_maps(const struct calyx_id_mapping *uid, size_t n_uid,
			const struct calyx_id_mapping *gid, size_t n_gid,
			int *out, calyx_error **err)
{
	struct clone_args args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	char path[64];
	int pipefd[2], r;
	long pid;

	*out = -1;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return calyx_error_set(err, errno, "pipe");
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		char c;

		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	if (pid < 0) {
		close(pipefd[1]);
		return calyx_error_set(err, errno, "clone3(CLONE_NEWUSER) for an idmapped mount");
	}
	r = write_map((pid_t)pid, "uid_map", uid, n_uid, err);
	if (r >= 0)
		r = write_map((pid_t)pid, "gid_map", gid, n_gid, err);
	if (r >= 0) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
		*out = open(path, O_RDONLY | O_CLOEXEC);
		if (*out < 0)
			r = calyx_error_set(err, errno, "open %s", path);
	}
	close(pipefd[1]);
	while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r;
}

int ns_write_id_maps(const struct calyx_spec *spec, pid_t pid,
		     calyx_error **err)
{
	const struct calyx_linux *lx = spec->linux_cfg;
	bool rootless = geteuid() != 0;
	bool uid_helper = rootless &&
			  needs_helper(lx->uid_mappings, lx->n_uid_mappings, geteuid());
	bool gid_helper = rootless &&
			  needs_helper(lx->gid_mappings, lx->n_gid_mappings, getegid());

	if (rootless && !gid_helper) {
		/* an unprivileged writer may only map its own gid after this */
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		if (calyx_write_file_at(AT_FDCWD, path, "deny", 4, err) < 0)
			return calyx_error_prefix(err, "linux.gidMappings");
	}
	if (uid_helper) {
		int r = run_id_helper("newuidmap", pid, lx->uid_mappings,
				      lx->n_uid_mappings, "linux.uidMappings", err);

		if (r < 0)
			return r;
	} else if (lx->n_uid_mappings &&
		   write_map(pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err) < 0) {
		return calyx_error_prefix(err, "linux.uidMappings");
	}
	if (gid_helper) {
		int r = run_id_helper("newgidmap", pid, lx->gid_mappings,
				      lx->n_gid_mappings, "linux.gidMappings", err);

		if (r < 0)
			return r;
	} else if (lx->n_gid_mappings &&
		   write_map(pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err) < 0) {
		return calyx_error_prefix(err, "linux.gidMappings");
	}
	return 0;
}
