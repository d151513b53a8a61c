/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's filesystem view, built inside its new mount namespace.
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * against a rootfs dirfd and mounts target the resolved fd.
 *
 * Order (runtime.md / config.md):
 *   calyx_rootfs_prepare()  propagation, rootfs bind, mounts in order,
 *                           default /dev and linux.devices, /dev symlinks
 *   -- createContainer hooks run here (caller) --
 *   calyx_rootfs_pivot()    pivot_root (or chroot with --no-pivot)
 *   calyx_rootfs_finalize() maskedPaths, readonlyPaths, root.readonly
 */
#ifndef CALYX_ROOTFS_H
#define CALYX_ROOTFS_H

#include <stdbool.h>

#include "calyx/calyx.h"
#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"

struct calyx_rootfs_ctx {
	const struct calyx_spec *spec;
	const char *rootfs;	/* absolute host path of root.path */
	const char *bundle;	/* absolute bundle dir: relative mount sources */
	bool no_pivot;
	/* no mount namespace of its own: the caller's, left untouched */
	bool no_mount_ns;
	bool in_userns;		/* new user namespace: bind devices, no mknod */
	bool new_netns;		/* sysfs may only be mounted with a new netns */
	const struct calyx_root_source *root_source; /* NULL: bind rootfs on itself */
	/* per spec mount, from the runtime: a detached idmapped tree, or the
	 * O_PATH source of a bind (user namespace); -1 or NULL when none */
	const int *mount_fds;
	bool rootfs_nodev;	/* MOUNT_ATTR_NODEV on the rootfs and under it */
	/* a pid namespace joined by path, which the container process enters
	 * only after setup: procfs is mounted for it (fsconfig "pidns") */
	bool proc_pidns;
	int proc_pidns_fd;
	const struct calyx_log *log;
};

/* Bind mounts the runtime helps with (idmap.c). */
bool calyx_rootfs_mount_wants_idmap(const struct calyx_mount *m);
bool calyx_rootfs_mount_is_bind(const struct calyx_mount *m);
/* The detached tree of spec mount m (number index), idmapped with the user
 * namespace userns_fd; relative sources are under bundle. */
int calyx_rootfs_idmapped_tree(const struct calyx_mount *m, size_t index,
			       const char *bundle, int userns_fd, int *out,
			       calyx_error **err);
/* An O_PATH fd of spec mount m's source, for the container to clone. */
int calyx_rootfs_bind_source(const struct calyx_mount *m, size_t index,
			     const char *bundle, int *out, calyx_error **err);

/*
 * Without a mount namespace the container shares the caller's mounts: it is
 * only chroot()ed into root.path, and whatever would mount (mounts[],
 * maskedPaths, readonlyPaths, root.readonly, rootfsPropagation,
 * linux.devices) is refused before anything is made.
 */
int calyx_rootfs_check_no_mount_ns(const struct calyx_spec *spec,
				   calyx_error **err);

/*
 * Every config error the container process would meet in the mounts
 * (mounts[] options, destinations, sources, tmpcopyup; or the refusals
 * above without a mount namespace), found by the runtime before it creates
 * anything: the state dir, the cgroups, the clone.  Pure: opens nothing.
 */
int calyx_rootfs_check_config(const struct calyx_spec *spec, calyx_error **err);

int calyx_rootfs_prepare(const struct calyx_rootfs_ctx *ctx, calyx_error **err);

/*
 * For a restore (restore_points.c): make the mount points of the spec's
 * mounts in the rootfs as create would (not below a tmpfs: CRIU restores
 * its content).  A bind mount with mounts nested in it is bound (in the
 * caller's mount namespace) while their points are made, then unmounted.
 */
int calyx_rootfs_make_mount_points(const struct calyx_spec *spec, const char *rootfs,
				   const char *bundle, calyx_error **err);
int calyx_rootfs_pivot(const struct calyx_rootfs_ctx *ctx, calyx_error **err);
int calyx_rootfs_finalize(const struct calyx_rootfs_ctx *ctx, calyx_error **err);

#endif
