/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `kill` and `delete`. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/container.h"
#include "container/create.h"
#include "container/hooks.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* A pidfd for the recorded init, or -ESRCH if it is gone (or a new process
 * got its pid: the start time is checked after the pidfd pins it). */
static int open_init_pidfd(const struct container_record *rec)
{
	int fd = (int)syscall(SYS_pidfd_open, rec->pid, 0);

	if (fd < 0)
		return -ESRCH;
	if (!container_pid_alive(rec->pid, rec->pid_start)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int calyx_container_kill(struct calyx_context *ctx, const char *id, int sig,
			 bool all, calyx_error **err)
{
	_cleanup_close_ int dirfd = -1, pidfd = -1;
	_cleanup_record_ struct container_record *rec = NULL;
	bool paused;
	int r;

	r = container_open_dir(ctx, id, &dirfd, err);
	if (r < 0)
		return r;
	r = container_record_read(dirfd, &rec, err);
	if (r < 0)
		return r;
	if (all && rec->cgroup_path[0]) {
		_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;

		r = calyx_cgroup_open(rec->cgroup_path, &ctx->log, &cg, err);
		if (r < 0)
			return r;
		return calyx_cgroup_kill_all(cg, sig, err);
	}
	pidfd = open_init_pidfd(rec);
	if (pidfd < 0)
		return calyx_error_setx(err, ESRCH, "container not running");
	/* a frozen (v1) process dies only once thawed: thaw for SIGKILL, as runc */
	paused = sig == SIGKILL && rec->cgroup_path[0] &&
		 container_status(dirfd, rec) == CALYX_STATUS_PAUSED;
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return calyx_error_set(err, errno, "kill container %s", id);
	if (paused) {
		_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;

		r = calyx_cgroup_open(rec->cgroup_path, &ctx->log, &cg, err);
		if (r >= 0)
			r = calyx_cgroup_freeze(cg, false, err);
		/* gone, or going (ENODEV): the v2 freezer let the kill through
		 * and systemd removed the emptied scope; nothing to thaw */
		if (r == -ENOENT || r == -ENODEV) {
			calyx_error_free(err);
			return 0;
		}
		return r < 0 ? calyx_error_prefix(err, "thawing %s", id) : 0;
	}
	return 0;
}

static int wait_exit(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void run_poststop_hooks(struct calyx_context *ctx, const struct calyx_spec *spec,
			       const char *id, const char *bundle)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *state = NULL;

	if (!spec || !spec->hooks[CALYX_HOOK_POSTSTOP].n)
		return;
	/* a poststop failure is logged (by the runner); deletion goes on */
	if (container_oci_state_json(id, CALYX_STATUS_STOPPED, 0, bundle,
				     spec->annotations, spec->n_annotations,
				     &state, &err) < 0)
		calyx_warn(&ctx->log, "poststop hooks not run: %s", err->msg);
	else
		calyx_hooks_run(spec, CALYX_HOOK_POSTSTOP, state, &ctx->log, &err);
}

static void run_poststop(struct calyx_context *ctx, int dirfd,
			 const struct container_record *rec)
{
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	_cleanup_error_ calyx_error *err = NULL;

	if (container_saved_spec(dirfd, &spec, &err) < 0) {
		calyx_warn(&ctx->log, "poststop hooks: %s", err->msg);
		return;
	}
	run_poststop_hooks(ctx, spec, rec->id, rec->bundle);
}

static int remove_state(struct calyx_context *ctx, const char *id, calyx_error **err)
{
	_cleanup_close_ int rootfd = open(ctx->state_root,
					  O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return calyx_error_set(err, errno, "open %s", ctx->state_root);
	return calyx_remove_tree_at(rootfd, id, err);
}

/*
 * Where the container's cgroup is when no record says: where create put
 * it for the config saved in the state dir, else calyx's default.
 */
static int unrecorded_cgroup(struct calyx_context *ctx, const char *id, int dirfd,
			     struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	_cleanup_error_ calyx_error *ignored = NULL;
	_cleanup_cgroup_ struct calyx_cgroup *planned = NULL;
	struct calyx_cgroup_config cfg = {
		.id = id,
		.rootless = geteuid() != 0,
		/* the driver create used: its unit, not a cgroupfs path */
		.systemd = ctx->systemd_cgroup,
		.log = &ctx->log,
	};

	*out = NULL;
	if (ctx->cgroups_disabled)
		return 0;
	if (container_saved_spec(dirfd, &spec, &ignored) == 0 && spec && spec->linux_cfg)
		cfg.cgroups_path = spec->linux_cfg->cgroups_path;
	if (calyx_cgroup_prepare(&cfg, &planned, &ignored) < 0) {
		/* e.g. a saved cgroupsPath that is not valid: the default */
		cfg.cgroups_path = NULL;
		calyx_error_free(&ignored);
		int r = calyx_cgroup_prepare(&cfg, &planned, err);

		if (r < 0)
			return r;
	}
	return calyx_cgroup_open(calyx_cgroup_path(planned), &ctx->log, out, err);
}

/*
 * No readable record (a runtime killed before writing it, or a corrupt
 * one): clean what can be found from the ID alone -- the processes in the
 * cgroup create would have made, the cgroup, the state directory.
 */
static int teardown_unrecorded(struct calyx_context *ctx, const char *id, int dirfd,
			       calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	int r;

	r = unrecorded_cgroup(ctx, id, dirfd, &cg, err);
	if (r >= 0 && cg)
		r = calyx_cgroup_destroy(cg, err);
	if (r < 0)
		return calyx_error_prefix(err, "removing the cgroup");
	return remove_state(ctx, id, err);
}

int container_teardown(struct calyx_context *ctx, const char *id, int dirfd,
		       calyx_error **err)
{
	_cleanup_record_ struct container_record *rec = NULL;
	int r;

	r = container_record_read(dirfd, &rec, err);
	if (r == -ENOENT || r == -EBADMSG) {
		calyx_error_free(err);
		return teardown_unrecorded(ctx, id, dirfd, err);
	}
	if (r < 0)
		return r;
	if (rec->cgroup_path[0]) {
		_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;

		r = calyx_cgroup_open(rec->cgroup_path, &ctx->log, &cg, err);
		if (r >= 0)
			r = calyx_cgroup_destroy(cg, err);
		if (r < 0)
			return calyx_error_prefix(err, "removing the cgroup");
	}
	/* a creation that never finished made no container for poststop to report on */
	if (!rec->creating)
		run_poststop(ctx, dirfd, rec);
	return remove_state(ctx, id, err);
}

int container_teardown_known(struct calyx_context *ctx, const char *id,
			     const struct calyx_spec *spec, const char *bundle,
			     struct calyx_cgroup *cgroup, calyx_error **err)
{
	if (cgroup && calyx_cgroup_destroy(cgroup, err) < 0)
		return calyx_error_prefix(err, "removing the cgroup");
	run_poststop_hooks(ctx, spec, id, bundle);
	return remove_state(ctx, id, err);
}

int calyx_container_delete(struct calyx_context *ctx, const char *id,
			   bool force, calyx_error **err)
{
	_cleanup_close_ int dirfd = -1;
	int r;

	r = container_open_dir(ctx, id, &dirfd, err);
	if (r == -ENOENT && force) {
		/* engines race delete against exit: a missing one is done */
		calyx_error_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = container_lock(dirfd, err);
	if (r < 0)
		return r;
	return container_delete_locked(ctx, id, dirfd, force, err);
}

int container_delete_locked(struct calyx_context *ctx, const char *id, int dirfd,
			    bool force, calyx_error **err)
{
	_cleanup_close_ int pidfd = -1;
	_cleanup_record_ struct container_record *rec = NULL;
	enum calyx_status status;
	int r;

	r = container_record_read(dirfd, &rec, err);
	if (r == -ENOENT || (r == -EBADMSG && force)) {
		/* no record: never recorded, or unreadable; what can be
		 * found from the ID goes */
		calyx_error_free(err);
		return teardown_unrecorded(ctx, id, dirfd, err);
	}
	if (r < 0)
		return r;
	status = container_status(dirfd, rec);
	/* we hold the lock, so its creator is gone: what it made goes, and
	 * its process (dying with its creator anyway) first */
	if (rec->creating)
		status = rec->pid > 0 ? CALYX_STATUS_CREATED : CALYX_STATUS_STOPPED;
	if (status != CALYX_STATUS_STOPPED) {
		if (status != CALYX_STATUS_CREATED && !force)
			return calyx_error_setx(err, EBUSY,
						"cannot delete container %s that is not stopped: %s",
						id, calyx_status_name(status));
		pidfd = open_init_pidfd(rec);
		if (pidfd >= 0) {
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			if (status == CALYX_STATUS_PAUSED) {
				/* a v1-frozen init never acts on SIGKILL: thaw */
				_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
				_cleanup_error_ calyx_error *ignored = NULL;

				if (calyx_cgroup_open(rec->cgroup_path, &ctx->log,
						      &cg, &ignored) == 0)
					calyx_cgroup_freeze(cg, false, &ignored);
			}
			wait_exit(pidfd);
		}
	}
	return container_teardown(ctx, id, dirfd, err);
}
