/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Making root.path a mount point of its own, which pivot_root needs: the
 * rootfs bound onto itself (bundles), or -- for bundle-less runs -- another
 * directory bound or overlaid there.  All of it happens in the container's
 * mount namespace, so the overlay and its scratch tmpfs go with it, even
 * when calyx is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

static int overlay_set(int fsfd, const char *key, const char *value,
		       calyx_error **err)
{
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0)
		return calyx_error_set(err, errno, "--overlay: %s=%s", key, value);
	return 0;
}

/* A fresh tmpfs on dir, in our mount namespace only (discarded with it);
 * size bounds what the container can write to its overlay. */
static int mount_scratch_tmpfs(const char *dir, uint64_t size, calyx_error **err)
{
	char opts[64] = "mode=0755";

	if (size)
		snprintf(opts, sizeof(opts), "mode=0755,size=%llu",
			 (unsigned long long)size);
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return calyx_error_set(err, errno, "--overlay: tmpfs on %s", dir);
	return 0;
}

static int make_dir_in(int dirfd, const char *name, const char *base,
		       calyx_error **err)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return calyx_error_set(err, errno, "--overlay: mkdir %s/%s", base, name);
	return 0;
}

static int mount_overlay(const struct calyx_root_source *src, const char *target,
			 bool in_userns, calyx_error **err)
{
	_cleanup_close_ int basefd = -1, upperfd = -1, workfd = -1;
	_cleanup_close_ int fsfd = -1, mntfd = -1;
	char upper[64], work[64];
	int r;

	if (src->upper_tmpfs && (r = mount_scratch_tmpfs(src->upper_dir, src->upper_size, err)) < 0)
		return r;
	basefd = open(src->upper_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (basefd < 0)
		return calyx_error_set(err, errno, "--overlay: open %s", src->upper_dir);
	if ((r = make_dir_in(basefd, "upper", src->upper_dir, err)) < 0 ||
	    (r = make_dir_in(basefd, "work", src->upper_dir, err)) < 0)
		return r;
	/* by fd: the paths are not re-resolved after we checked them */
	upperfd = openat(basefd, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	workfd = openat(basefd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (upperfd < 0 || workfd < 0)
		return calyx_error_set(err, errno, "--overlay: open %s/upper and work",
				       src->upper_dir);
	snprintf(upper, sizeof(upper), "/proc/self/fd/%d", upperfd);
	snprintf(work, sizeof(work), "/proc/self/fd/%d", workfd);

	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return calyx_error_set(err, errno, "--overlay: fsopen(overlay)");
	/* "lowerdir+" (6.8+) takes the path as is, no ':' or ',' escaping */
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", src->lower, 0) < 0) {
		if (strpbrk(src->lower, ":,\\"))
			return calyx_error_setx(err, EINVAL,
						"--overlay: rootfs path %s has ':' ',' or '\\'",
						src->lower);
		if ((r = overlay_set(fsfd, "lowerdir", src->lower, err)) < 0)
			return r;
	}
	if ((r = overlay_set(fsfd, "upperdir", upper, err)) < 0 ||
	    (r = overlay_set(fsfd, "workdir", work, err)) < 0)
		return r;
	/* an unprivileged overlay keeps its metadata in user.* xattrs */
	if (in_userns && fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		return calyx_error_set(err, errno, "--overlay: userxattr");
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		if (errno == EINVAL && in_userns)
			return calyx_error_set(err, errno,
					       "--overlay: %s has mounts under it, which a "
					       "user namespace cannot overlay", src->lower);
		return calyx_error_set(err, errno,
				       "--overlay: mounting an overlay on %s (the upper "
				       "dir may not live on the rootfs' filesystem)",
				       src->lower);
	}
	mntfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mntfd < 0)
		return calyx_error_set(err, errno, "--overlay: fsmount");
	if (move_mount(mntfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return calyx_error_set(err, errno, "--overlay: attach on %s", target);
	return 0;
}

int rootfs_mount_root(const struct calyx_rootfs_ctx *ctx, calyx_error **err)
{
	const struct calyx_root_source *src = ctx->root_source;
	struct mount_attr nodev = { .attr_set = MOUNT_ATTR_NODEV };
	int r;

	if (src && src->upper_dir) {
		r = mount_overlay(src, ctx->rootfs, ctx->in_userns, err);
		if (r < 0)
			return r;
	} else if (src) {
		/* without MS_REC: the host's /proc, /run, ... stay out */
		if (mount(src->lower, ctx->rootfs, NULL,
			  MS_BIND | (src->recursive ? MS_REC : 0), NULL) < 0)
			return calyx_error_set(err, errno, "--rootfs: bind %s on %s",
					       src->lower, ctx->rootfs);
	} else if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return calyx_error_set(err, errno, "root.path: bind %s", ctx->rootfs);
	}
	/* no device cgroup: device nodes in the rootfs must not open */
	if (ctx->rootfs_nodev &&
	    mount_setattr(AT_FDCWD, ctx->rootfs, AT_RECURSIVE, &nodev, sizeof(nodev)) < 0)
		return calyx_error_set(err, errno, "rootfs: nodev on %s", ctx->rootfs);
	return 0;
}
