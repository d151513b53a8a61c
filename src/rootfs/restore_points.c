/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount points a restore needs.  CRIU mounts what its images name on
 * mount points that must exist in the rootfs, and a rootfs other than the
 * one dumped (a migration; podman's --import, a fresh overlay with the
 * changes of the archive) lacks those `create` made.  They are made as
 * `create` makes them, inside the root; runc does the same
 * (prepareCriuRestoreMounts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

/* Is dest (cleaned) at or below dir (cleaned)? */
static bool path_below(const char *dest, const char *dir, bool or_at)
{
	size_t n = strlen(dir);

	if (!*dir)
		return *dest || or_at;
	if (strncmp(dest, dir, n) != 0)
		return false;
	return dest[n] == '/' || (or_at && dest[n] == '\0');
}

/* Below a tmpfs of the spec: CRIU restores its content, mount points too. */
static bool under_tmpfs(const struct calyx_spec *spec, const char *dest)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct calyx_mount *m = &spec->mounts[i];
		_cleanup_free_ char *dir = NULL;

		if (!m->type || strcmp(m->type, "tmpfs") != 0 || !m->destination)
			continue;
		dir = rootfs_path_clean(m->destination);
		if (dir && path_below(dest, dir, false))
			return true;
	}
	return false;
}

/* A later mount goes below dest, so its point is made inside this one. */
static bool has_nested(const struct calyx_spec *spec, size_t index, const char *dest)
{
	for (size_t i = index + 1; i < spec->n_mounts; i++) {
		_cleanup_free_ char *d = spec->mounts[i].destination ?
						 rootfs_path_clean(spec->mounts[i].destination) :
						 NULL;

		if (d && path_below(d, dest, false))
			return true;
	}
	return false;
}

struct bound {
	int *fds;
	size_t n;
};

/* Unmount (detached) what was bound for nested points, last first. */
static void unbind_all(struct bound *b)
{
	char path[64];

	while (b->n > 0) {
		int fd = b->fds[--b->n];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		umount2(path, MNT_DETACH);
		close(fd);
	}
	free(b->fds);
}

static int bind_for_nested(int destfd, const char *source, struct bound *b,
			   calyx_error **err)
{
	_cleanup_close_ int tree = -1;
	int *more = realloc(b->fds, (b->n + 1) * sizeof(*more));

	if (!more)
		return calyx_error_set(err, ENOMEM, "bind %s", source);
	b->fds = more;
	tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return calyx_error_set(err, errno, "bind %s", source);
	if (move_mount(tree, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH |
		       MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return calyx_error_set(err, errno, "bind %s", source);
	b->fds[b->n++] = TAKE_FD(tree);
	return 0;
}

static int make_point(int rootfd, const struct calyx_spec *spec, size_t i,
		      const char *bundle, struct bound *b, calyx_error **err)
{
	const struct calyx_mount *m = &spec->mounts[i];
	_cleanup_free_ char *dest = rootfs_path_clean(m->destination);
	_cleanup_free_ char *source = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!dest)
		return calyx_error_set(err, ENOMEM, "mounts");
	/* the root itself; below a tmpfs; cgroup (v2: there with /sys) */
	if (!*dest || under_tmpfs(spec, dest) ||
	    (m->type && strcmp(m->type, "cgroup") == 0))
		return 0;
	if (!calyx_rootfs_mount_is_bind(m)) {
		fd = rootfs_mkdir_in_root(rootfd, dest, false);
		return fd < 0 ? calyx_error_set(err, -fd, "destination /%s", dest) : 0;
	}
	if (!m->source)
		return calyx_error_setx(err, EINVAL, "mounts[%zu]: bind without a source", i);
	if (m->source[0] == '/')
		source = strdup(m->source);
	else if (asprintf(&source, "%s/%s", bundle, m->source) < 0)
		source = NULL;
	if (!source)
		return calyx_error_set(err, ENOMEM, "mounts");
	if (stat(source, &st) < 0)
		return calyx_error_set(err, errno, "mounts[%zu]: source %s", i, source);
	fd = rootfs_mkdir_in_root(rootfd, dest, !S_ISDIR(st.st_mode));
	if (fd < 0)
		return calyx_error_set(err, -fd, "destination /%s", dest);
	if (!has_nested(spec, i, dest))
		return 0;
	return bind_for_nested(fd, source, b, err);
}

int calyx_rootfs_make_mount_points(const struct calyx_spec *spec, const char *rootfs,
				   const char *bundle, calyx_error **err)
{
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct bound b = { 0 };
	int r = 0;

	if (rootfd < 0)
		return calyx_error_set(err, errno, "root.path: open %s", rootfs);
	for (size_t i = 0; i < spec->n_mounts && r >= 0; i++) {
		if (spec->mounts[i].destination)
			r = make_point(rootfd, spec, i, bundle, &b, err);
	}
	unbind_all(&b);
	return r < 0 ? calyx_error_prefix(err, "mount points for the restore") : 0;
}
