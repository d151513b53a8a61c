/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bind mounts the runtime helps with cross the sync socket right after GO,
 * in the order of mounts[]; the container process takes them before it
 * builds its filesystem view.
 *  - idmapped binds: the runtime, which still has CAP_SYS_ADMIN over the
 *    host's filesystems, makes each detached idmapped tree
 *    (src/rootfs/idmap.c);
 *  - with new user and mount namespaces (and a root runtime), every other
 *    bind: the container's root may not be able to reach the source, so the
 *    runtime opens it (O_PATH) and the container clones the mount from that
 *    fd, as runc does.
 * In the second case both are made from inside the container's mount
 * namespace (struct ns_window).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "container/create.h"
#include "linux/namespaces.h"
#include "linux/sync.h"
#include "rootfs/rootfs.h"
#include "util/cleanup.h"

/* Does the runtime send an fd for this mount? Both sides ask. */
static bool runtime_makes_tree(const struct create_job *job, const struct calyx_mount *m)
{
	return calyx_rootfs_mount_wants_idmap(m) ||
	       (job->ns.runtime_binds && calyx_rootfs_mount_is_bind(m));
}

/* The container's own user namespace: mounts with idmap and no maps. */
static int container_userns(struct create_job *job, size_t index, int *out,
			    calyx_error **err)
{
	char path[64];

	if (job->ns.join_fd[CALYX_NS_USER] >= 0) {
		*out = fcntl(job->ns.join_fd[CALYX_NS_USER], F_DUPFD_CLOEXEC, 3);
		if (*out < 0)
			return calyx_error_set(err, errno, "mounts[%zu]: user namespace", index);
		return 0;
	}
	if (!job->ns.new_user)
		return calyx_error_setx(err, EINVAL,
					"mounts[%zu].options: idmap needs uidMappings/gidMappings "
					"or a user namespace", index);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)job->pid);
	*out = open(path, O_RDONLY | O_CLOEXEC);
	if (*out < 0)
		return calyx_error_set(err, errno, "mounts[%zu]: open %s", index, path);
	return 0;
}

/*
 * The runtime (host root) inside the container's mount namespace, so that
 * the mounts it opens or clones are the container's own copies, whose
 * flags the copy locked (a host "ro" stays read-only for good); a tree
 * cloned on the host side carries no locks.  Left by ns_window_leave.
 */
struct ns_window {
	int own_ns;
	int own_cwd;
};

static int ns_window_open(struct ns_window *w, calyx_error **err)
{
	w->own_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	w->own_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->own_ns < 0 || w->own_cwd < 0)
		return calyx_error_set(err, errno, "bind mounts: open our mount namespace");
	return 0;
}

static void ns_window_close(struct ns_window *w)
{
	if (w->own_ns >= 0)
		close(w->own_ns);
	if (w->own_cwd >= 0)
		close(w->own_cwd);
	w->own_ns = w->own_cwd = -1;
}

static int ns_window_leave(struct ns_window *w, calyx_error **err)
{
	if (setns(w->own_ns, CLONE_NEWNS) < 0 || fchdir(w->own_cwd) < 0) {
		calyx_error_free(err);
		return calyx_error_set(err, errno, "bind mounts: back to our mount namespace");
	}
	return 0;
}

/* mounts[index]'s fd: its idmapped tree (userns >= 0) or its source. */
static int make_mount_fd(struct create_job *job, struct ns_window *w, size_t index,
			 int userns, int *out, calyx_error **err)
{
	const struct calyx_mount *m = &job->spec->mounts[index];
	int r;

	if (w->own_ns >= 0 && setns(job->pidfd, CLONE_NEWNS) < 0)
		return calyx_error_set(err, errno,
				       "mounts[%zu]: join the container's mount namespace", index);
	if (userns >= 0)
		r = calyx_rootfs_idmapped_tree(m, index, job->bundle, userns, out, err);
	else
		r = calyx_rootfs_bind_source(m, index, job->bundle, out, err);
	if (w->own_ns >= 0 && ns_window_leave(w, err) < 0) {
		if (*out >= 0)
			close(*out);
		*out = -1;
		return -EIO;
	}
	return r;
}

int container_send_idmapped_mounts(struct create_job *job, calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	_cleanup_close_ int shared_userns = -1;
	_cleanup_(ns_window_close) struct ns_window w = { -1, -1 };
	int r;

	if (job->ns.runtime_binds && (r = ns_window_open(&w, err)) < 0)
		return r;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct calyx_mount *m = &spec->mounts[i];
		_cleanup_close_ int own_userns = -1, fd = -1;
		int userns = -1;

		if (!runtime_makes_tree(job, m))
			continue;
		if (!calyx_rootfs_mount_wants_idmap(m)) {
			/* a plain bind: its source */
		} else if (m->n_uid_mappings) {
			r = ns_userns_with_maps(m->uid_mappings, m->n_uid_mappings,
						m->gid_mappings, m->n_gid_mappings,
						&own_userns, err);
			if (r < 0)
				return calyx_error_prefix(err, "mounts[%zu].uidMappings", i);
			userns = own_userns;
		} else {
			if (shared_userns < 0 &&
			    (r = container_userns(job, i, &shared_userns, err)) < 0)
				return r;
			userns = shared_userns;
		}
		r = make_mount_fd(job, &w, i, userns, &fd, err);
		if (r < 0)
			return r;
		r = calyx_sync_send_fd(job->sync_parent, CALYX_SYNC_FD_MOUNT + (int32_t)i,
				       fd, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int container_recv_idmapped_mounts(struct create_job *job, calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	_cleanup_free_ int *fds = NULL;
	bool any = false;

	for (size_t i = 0; i < spec->n_mounts && !any; i++)
		any = runtime_makes_tree(job, &spec->mounts[i]);
	if (!any)
		return 0;
	fds = malloc(spec->n_mounts * sizeof(*fds));
	if (!fds)
		return calyx_error_set(err, ENOMEM, "idmapped mounts");
	for (size_t i = 0; i < spec->n_mounts; i++)
		fds[i] = -1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		int32_t kind;
		int r;

		if (!runtime_makes_tree(job, &spec->mounts[i]))
			continue;
		r = calyx_sync_recv_fd(job->sync_child, &kind, &fds[i],
				       "a bind mount from the runtime", err);
		if (r < 0)
			return r;
		if (kind != CALYX_SYNC_FD_MOUNT + (int32_t)i)
			return calyx_error_setx(err, EPROTO,
						"sync: bind mount %d, expected %zu",
						kind - CALYX_SYNC_FD_MOUNT, i);
	}
	/* the container process keeps them until its exec (close-on-exec) */
	job->mount_fds = TAKE_PTR(fds);
	return 0;
}
