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
 *    runtime opens it (O_PATH) from inside the container's mount namespace
 *    and the container clones the mount from that fd, as runc does.
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

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

/*
 * The sources of the plain binds, opened as the runtime (host root) but
 * inside the container's mount namespace, so that the mounts they lead to
 * are the container's own copies (with their locked flags).  The runtime
 * goes back to its own namespace and directory before returning.
 */
static int open_plain_sources(struct create_job *job, int **out, calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	_cleanup_close_ int own_ns = -1, own_cwd = -1;
	int *fds;
	int r = 0;

	*out = NULL;
	fds = malloc(spec->n_mounts * sizeof(*fds));
	if (!fds)
		return calyx_error_set(err, ENOMEM, "bind mounts");
	for (size_t i = 0; i < spec->n_mounts; i++)
		fds[i] = -1;
	own_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	own_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (own_ns < 0 || own_cwd < 0) {
		r = calyx_error_set(err, errno, "bind mounts: open our mount namespace");
		goto fail;
	}
	if (setns(job->pidfd, CLONE_NEWNS) < 0) {
		r = calyx_error_set(err, errno, "bind mounts: join the container's mount namespace");
		goto fail;
	}
	for (size_t i = 0; i < spec->n_mounts && r >= 0; i++) {
		const struct calyx_mount *m = &spec->mounts[i];

		if (runtime_makes_tree(job, m) && !calyx_rootfs_mount_wants_idmap(m))
			r = calyx_rootfs_bind_source(m, i, job->bundle, &fds[i], err);
	}
	if (setns(own_ns, CLONE_NEWNS) < 0 || fchdir(own_cwd) < 0) {
		calyx_error_free(err);
		r = calyx_error_set(err, errno, "bind mounts: back to our mount namespace");
	}
	if (r < 0)
		goto fail;
	*out = fds;
	return 0;
fail:
	close_all(fds, spec->n_mounts);
	return r;
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

static int send_mount_fds(struct create_job *job, int *sources, calyx_error **err)
{
	const struct calyx_spec *spec = job->spec;
	_cleanup_close_ int shared_userns = -1;
	int r;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct calyx_mount *m = &spec->mounts[i];
		_cleanup_close_ int own_userns = -1, tree = -1;
		int userns;

		if (!runtime_makes_tree(job, m))
			continue;
		if (!calyx_rootfs_mount_wants_idmap(m)) {
			r = calyx_sync_send_fd(job->sync_parent, CALYX_SYNC_FD_MOUNT + (int32_t)i,
					       sources[i], err);
			if (r < 0)
				return r;
			continue;
		}
		if (m->n_uid_mappings) {
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
		r = calyx_rootfs_idmapped_tree(m, i, job->bundle, userns, &tree, err);
		if (r < 0)
			return r;
		r = calyx_sync_send_fd(job->sync_parent, CALYX_SYNC_FD_MOUNT + (int32_t)i,
				       tree, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int container_send_idmapped_mounts(struct create_job *job, calyx_error **err)
{
	int *sources = NULL;
	int r;

	if (job->ns.runtime_binds) {
		r = open_plain_sources(job, &sources, err);
		if (r < 0)
			return r;
	}
	r = send_mount_fds(job, sources, err);
	if (sources)
		close_all(sources, job->spec->n_mounts);
	return r;
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
