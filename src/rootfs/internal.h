/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of the rootfs component: safe path resolution inside the
 * rootfs, the parsed mount options, and the mount plan (an array of
 * resolved operations built from the spec, executed by one loop).
 */
#ifndef CALYX_ROOTFS_INTERNAL_H
#define CALYX_ROOTFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rootfs/rootfs.h"

/* ---- safe_path.c ---------------------------------------------------- */

/*
 * Lexically clean a container path: make it relative to "/", drop "." and
 * empty components, resolve ".." (clamped at the root).  "" is the root.
 * Returns a new string or NULL on allocation failure.
 */
char *rootfs_path_clean(const char *path);

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); returns fd or -errno. */
int rootfs_open_in_root(int rootfd, const char *rel, int flags);

/*
 * Open rel (cleaned, relative) inside rootfd as O_PATH, creating missing
 * components: directories with mkdirat on the parent fd, the last one an
 * empty regular file when want_file.  Symlinks are followed but never out
 * of the root.  Returns an O_PATH fd or -errno.
 */
int rootfs_mkdir_in_root(int rootfd, const char *rel, bool want_file);

/*
 * Like rootfs_mkdir_in_root for the PARENT of rel: returns the parent's
 * O_PATH dirfd and points *name at the last component of rel.
 */
int rootfs_open_parent_in_root(int rootfd, const char *rel, const char **name);

/* ---- mount_options.c ------------------------------------------------ */

struct mount_opts {
	/* mount(2) flags, for the legacy fallback */
	unsigned long ms_set;
	/* mount_setattr(2) attributes: top mount / whole tree */
	uint64_t attr_set, attr_clr;
	uint64_t rattr_set, rattr_clr;
	/* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, 0 = unchanged */
	uint64_t propagation;
	bool propagation_rec;
	bool bind, rbind, remount;
	bool idmap, ridmap;
	bool tmpcopyup;
	/* an option only mount(2) understands (silent, iversion...) */
	bool legacy_only;
	/* superblock flags for fsconfig (sync, dirsync, lazytime, mand) */
	char **sb_flags;
	/* filesystem-specific options, comma-joined; NULL when none */
	char *data;
	/* procfs: the pid namespace it shows, when not our own */
	bool has_pidns;
	int pidns_fd;
};

int mount_opts_parse(char *const *options, struct mount_opts *out,
		     calyx_error **err);
void mount_opts_free(struct mount_opts *o);

/* ---- mount_plan.c --------------------------------------------------- */

enum mount_op_kind {
	MOUNT_OP_BIND,		/* open_tree + mount_setattr + move_mount */
	MOUNT_OP_FRESH,		/* fsopen/fsconfig/fsmount + move_mount */
	MOUNT_OP_REMOUNT,	/* mount_setattr on the existing mount */
	MOUNT_OP_CGROUP,	/* the container's cgroup hierarchy */
};

struct mount_op {
	enum mount_op_kind kind;
	char *what;		/* "mounts[3] (/proc)" for error messages */
	char *dest;		/* cleaned, relative to the rootfs */
	char *source;		/* absolute host path (bind) or fs source */
	char *type;		/* filesystem type (fresh) */
	struct mount_opts opts;
	bool is_proc, is_sysfs;
	bool allow_sysfs_rbind;	/* userns without netns: rbind host /sys */
	int tree_fd;		/* idmapped bind: the runtime's tree, else -1 */
	int source_fd;		/* bind: its source opened by the runtime, or -1 */
	/* "ro" applied by mount_plan_finish, after the mounts nested under
	 * it and the device nodes; the mount, kept until then */
	bool ro_later;
	int ro_later_fd;
};

struct mount_plan {
	struct mount_op *ops;
	size_t n;
	const char *mount_label;	/* SELinux context= when the LSM is on */
	bool proc_pidns;		/* see calyx_rootfs_ctx */
	int proc_pidns_fd;
	bool in_userns;
	bool cgroupns;
	bool checking;		/* mount_plan_check: config errors only */
	char *root_real;	/* execute: the rootfs's path, as the kernel says */
};

int mount_plan_build(const struct calyx_rootfs_ctx *ctx,
		     struct mount_plan *plan, calyx_error **err);
int mount_plan_execute(const struct calyx_rootfs_ctx *ctx,
		       struct mount_plan *plan, int rootfd, calyx_error **err);
int mount_plan_check(const struct calyx_spec *spec, calyx_error **err);
/* After the devices: the read-only flags held back (ro_later). */
int mount_plan_finish(struct mount_plan *plan, calyx_error **err);
void mount_plan_free(struct mount_plan *plan);

/*
 * Nothing but procfs (srcfd, when it is one) or the lxcfs files may be
 * mounted in /proc: op's destination as written, and where destfd really
 * is (an image symlink may lead there).
 */
int rootfs_check_proc_dest(const struct mount_op *op,
			   const struct mount_plan *plan, int destfd,
			   int srcfd, calyx_error **err);

/* linux.mountLabel when SELinux is enabled, else NULL */
const char *rootfs_effective_mount_label(const struct calyx_rootfs_ctx *ctx);

/*
 * Mount a fresh filesystem on the O_PATH fd destfd.  data is the
 * comma-separated option string (may be NULL); attrs are MOUNT_ATTR_*.
 * Returns 0 or -errno with *err set (message without the mount's name).
 */
int rootfs_mount_fresh(int destfd, const char *type, const char *source,
		       const struct mount_opts *opts, const char *label,
		       int *mntfd_out, calyx_error **err);

/* Apply opts' attributes/propagation to the mount fd (detached or not). */
int rootfs_mount_apply_attrs(int mntfd, const struct mount_opts *opts,
			     calyx_error **err);

/* ---- root_mount.c -------------------------------------------------- */

/* root.path made a mount point: bound on itself, or root_source there. */
int rootfs_mount_root(const struct calyx_rootfs_ctx *ctx, calyx_error **err);

/* ---- copyup.c ------------------------------------------------------ */

/* Copy the directory destfd covers into the (detached) tmpfs mntfd. */
int rootfs_copyup(int destfd, int mntfd, calyx_error **err);

/* ---- cgroup_mount.c ------------------------------------------------- */

int rootfs_mount_cgroup(int rootfd, const struct mount_op *op,
			const struct mount_plan *plan, calyx_error **err);

/* ---- devices.c ------------------------------------------------------ */

int rootfs_setup_devices(const struct calyx_rootfs_ctx *ctx, int rootfd,
			 calyx_error **err);

#endif
