/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The three steps the container process runs to build its filesystem
 * view: prepare (propagation, rootfs bind, mounts, /dev), pivot, and
 * finalize (maskedPaths, readonlyPaths, root.readonly).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

struct propagation_name {
	const char *name;
	unsigned long flags;
};

/* runc's mapping; the spec lists the bare names */
static const struct propagation_name propagation_names[] = {
	{ "private", MS_PRIVATE },	  { "rprivate", MS_PRIVATE | MS_REC },
	{ "slave", MS_SLAVE },		  { "rslave", MS_SLAVE | MS_REC },
	{ "shared", MS_SHARED },	  { "rshared", MS_SHARED | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static int rootfs_propagation(const struct calyx_rootfs_ctx *ctx,
			      unsigned long *flags, calyx_error **err)
{
	const struct calyx_linux *lnx = ctx->spec->linux_cfg;
	const char *name = lnx ? lnx->rootfs_propagation : NULL;

	*flags = 0;
	if (!name || !*name)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(propagation_names); i++) {
		if (strcmp(propagation_names[i].name, name) == 0) {
			*flags = propagation_names[i].flags;
			return 0;
		}
	}
	return calyx_error_setx(err, EINVAL,
				"linux.rootfsPropagation: unknown value \"%s\"",
				name);
}

/* The config binds /dev from somewhere: leave its nodes alone (runc). */
static bool dev_is_bind(const struct calyx_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct calyx_mount *m = &spec->mounts[i];
		_cleanup_free_ char *dest = NULL;
		bool bind = m->type && strcmp(m->type, "bind") == 0;

		for (char **o = m->options; o && *o && !bind; o++)
			bind = strcmp(*o, "bind") == 0 || strcmp(*o, "rbind") == 0;
		if (!bind || !m->destination)
			continue;
		dest = rootfs_path_clean(m->destination);
		if (dest && strcmp(dest, "dev") == 0)
			return true;
	}
	return false;
}

/* ---- no mount namespace --------------------------------------------- */

#define NEEDS_MOUNT_NS \
	"needs a mount namespace (linux.namespaces has no \"mount\"): it would change the host's mounts"

int calyx_rootfs_check_no_mount_ns(const struct calyx_spec *spec,
				   calyx_error **err)
{
	const struct calyx_linux *lnx = spec->linux_cfg;

	for (size_t i = 0; lnx && i < lnx->n_namespaces; i++)
		if (lnx->namespaces[i].type == CALYX_NS_MOUNT)
			return 0;
	/* runc mounts these on the host, and leaves them there: refused */
	if (spec->n_mounts)
		return calyx_error_setx(err, EINVAL, "mounts[0] (%s): " NEEDS_MOUNT_NS,
					spec->mounts[0].destination ?
						spec->mounts[0].destination :
						"");
	if (spec->root_readonly)
		return calyx_error_setx(err, EINVAL, "root.readonly: " NEEDS_MOUNT_NS);
	if (!lnx)
		return 0;
	/* as runc: "unable to restrict sys entries without a private MNT namespace" */
	if (lnx->masked_paths && lnx->masked_paths[0])
		return calyx_error_setx(err, EINVAL, "linux.maskedPaths: " NEEDS_MOUNT_NS);
	if (lnx->readonly_paths && lnx->readonly_paths[0])
		return calyx_error_setx(err, EINVAL, "linux.readonlyPaths: " NEEDS_MOUNT_NS);
	if (lnx->rootfs_propagation && *lnx->rootfs_propagation)
		return calyx_error_setx(err, EINVAL,
					"linux.rootfsPropagation: " NEEDS_MOUNT_NS);
	if (lnx->n_devices)
		return calyx_error_setx(err, EINVAL,
					"linux.devices: needs a mount namespace (linux.namespaces has no \"mount\"): "
					"the nodes would be made in the image");
	return 0;
}

int calyx_rootfs_check_config(const struct calyx_spec *spec,
			      calyx_error **err)
{
	const struct calyx_linux *lnx = spec->linux_cfg;

	for (size_t i = 0; lnx && i < lnx->n_namespaces; i++)
		if (lnx->namespaces[i].type == CALYX_NS_MOUNT)
			return mount_plan_check(spec, err);
	return calyx_rootfs_check_no_mount_ns(spec, err);
}

static int check_prepare_no_mount_ns(const struct calyx_rootfs_ctx *ctx,
				     calyx_error **err)
{
	if (ctx->root_source)
		return calyx_error_setx(err, EINVAL,
					"--rootfs/--overlay: needs a mount namespace");
	if (ctx->rootfs_nodev)
		return calyx_error_setx(err, EINVAL,
					"a root without device nodes needs a mount namespace");
	return calyx_rootfs_check_no_mount_ns(ctx->spec, err);
}

/* ---- prepare -------------------------------------------------------- */

int calyx_rootfs_prepare(const struct calyx_rootfs_ctx *ctx, calyx_error **err)
{
	_cleanup_(mount_plan_free) struct mount_plan plan = { 0 };
	_cleanup_close_ int rootfd = -1;
	unsigned long prop;
	int r;

	if (!ctx->rootfs || ctx->rootfs[0] != '/')
		return calyx_error_setx(err, EINVAL,
					"root.path: must be resolved to an absolute path");
	/* the caller's mounts are not ours to change: nothing to prepare */
	if (ctx->no_mount_ns)
		return check_prepare_no_mount_ns(ctx, err);
	r = rootfs_propagation(ctx, &prop, err);
	if (r < 0)
		return r;
	r = mount_plan_build(ctx, &plan, err);
	if (r < 0)
		return r;

	/*
	 * Nothing we mount may reach the host: rslave by default (as runc),
	 * rprivate when the config asks for a private or unbindable root.
	 */
	if (mount(NULL, "/", NULL,
		  MS_REC | ((prop & (MS_PRIVATE | MS_UNBINDABLE)) ? MS_PRIVATE :
								      MS_SLAVE),
		  NULL) < 0)
		return calyx_error_set(err, errno, "make / %s",
				       (prop & (MS_PRIVATE | MS_UNBINDABLE)) ?
					       "rprivate" :
					       "rslave");
	/* pivot_root needs the rootfs to be a mount point */
	r = rootfs_mount_root(ctx, err);
	if (r < 0)
		return r;
	rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return calyx_error_set(err, errno, "root.path: open %s",
				       ctx->rootfs);

	r = mount_plan_execute(ctx, &plan, rootfd, err);
	if (r < 0)
		return r;
	if (!dev_is_bind(ctx->spec)) {
		r = rootfs_setup_devices(ctx, rootfd, err);
		if (r < 0)
			return r;
	}
	return mount_plan_finish(&plan, err);
}

static int pivot_with_pivot_root(const char *rootfs, calyx_error **err)
{
	_cleanup_close_ int oldroot = -1;
	_cleanup_close_ int newroot = -1;

	oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return calyx_error_set(err, errno, "open /");
	newroot = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0)
		return calyx_error_set(err, errno, "open %s", rootfs);
	if (fchdir(newroot) < 0)
		return calyx_error_set(err, errno, "chdir %s", rootfs);
	/* old and new root stacked on "."; no directory for the old root */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return calyx_error_set(err, errno, "pivot_root %s", rootfs);
	if (fchdir(oldroot) < 0)
		return calyx_error_set(err, errno, "chdir old root");
	/* the detach must not propagate to the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return calyx_error_set(err, errno, "make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return calyx_error_set(err, errno, "detach old root");
	if (chdir("/") < 0)
		return calyx_error_set(err, errno, "chdir /");
	return 0;
}

/* runc --no-pivot: for ramfs roots where pivot_root is not possible */
static int pivot_with_move(const char *rootfs, calyx_error **err)
{
	if (chdir(rootfs) < 0)
		return calyx_error_set(err, errno, "chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return calyx_error_set(err, errno, "move %s to /", rootfs);
	if (chroot(".") < 0)
		return calyx_error_set(err, errno, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return calyx_error_set(err, errno, "chdir /");
	return 0;
}

/* No mount namespace: pivot_root would swap the caller's root (runc). */
static int enter_with_chroot(const char *rootfs, calyx_error **err)
{
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return calyx_error_set(err, errno, "root.path: open %s", rootfs);
	if (fchdir(rootfd) < 0)
		return calyx_error_set(err, errno, "root.path: chdir %s", rootfs);
	if (chroot(".") < 0)
		return calyx_error_set(err, errno, "root.path: chroot %s", rootfs);
	if (chdir("/") < 0)
		return calyx_error_set(err, errno, "chdir /");
	return 0;
}

int calyx_rootfs_pivot(const struct calyx_rootfs_ctx *ctx, calyx_error **err)
{
	unsigned long prop;
	int r;

	if (ctx->no_mount_ns)
		return enter_with_chroot(ctx->rootfs, err);

	r = rootfs_propagation(ctx, &prop, err);
	if (r < 0)
		return r;
	r = ctx->no_pivot ? pivot_with_move(ctx->rootfs, err) :
			    pivot_with_pivot_root(ctx->rootfs, err);
	if (r < 0)
		return r;
	/* on the new "/" only: before the pivot it would hit the host's */
	if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
		return calyx_error_set(err, errno,
				       "linux.rootfsPropagation: %s",
				       ctx->spec->linux_cfg->rootfs_propagation);
	return 0;
}

/* ---- finalize ------------------------------------------------------- */

/* /dev/null as an O_PATH fd, checked to be the real 1:3 (CVE-2025-31133) */
static int open_dev_null(int rootfd, calyx_error **err)
{
	_cleanup_close_ int fd = rootfs_open_in_root(rootfd, "dev/null",
						     O_PATH);
	struct stat st;

	if (fd < 0)
		return calyx_error_set(err, -fd, "open /dev/null");
	if (fstat(fd, &st) < 0)
		return calyx_error_set(err, errno, "stat /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return calyx_error_setx(err, EPERM,
					"/dev/null is not the null device");
	return TAKE_FD(fd);
}

static bool is_null_device(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

/*
 * Stdio that is the host's /dev/null (what engines give a detached
 * container) becomes the container's own, read-write, as runc and crun
 * make it: CRIU cannot checkpoint a file of a mount outside the
 * container, and the container cannot reopen it through /proc/self/fd.
 */
static int reopen_stdio_dev_null(int rootfd, calyx_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	bool any = false;

	for (int i = 0; i < 3 && !any; i++)
		any = fstat(i, &st) == 0 && is_null_device(&st);
	if (!any)
		return 0;
	/* the node rootfs_setup_devices made (a tmpfs /dev of ours) */
	fd = rootfs_open_in_root(rootfd, "dev/null", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return calyx_error_set(err, -fd, "reopening stdio: open /dev/null");
	if (fstat(fd, &st) < 0)
		return calyx_error_set(err, errno, "reopening stdio: stat /dev/null");
	if (!is_null_device(&st))
		return calyx_error_setx(err, EPERM,
					"reopening stdio: /dev/null is not the null device");
	for (int i = 0; i < 3; i++) {
		if (fstat(i, &st) < 0 || !is_null_device(&st))
			continue;
		if (dup3(fd, i, 0) < 0)
			return calyx_error_set(err, errno, "reopening stdio: dup3 /dev/null to %d", i);
	}
	return 0;
}

static int clone_onto(int fromfd, int destfd, const struct mount_opts *o,
		      bool recursive, calyx_error **err)
{
	_cleanup_close_ int tree = open_tree(fromfd, "",
					     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						     AT_EMPTY_PATH |
						     (recursive ? AT_RECURSIVE :
								  0));
	int r;

	if (tree < 0)
		return calyx_error_set(err, errno, "open_tree");
	if (o) {
		r = rootfs_mount_apply_attrs(tree, o, err);
		if (r < 0)
			return r;
	}
	if (move_mount(tree, "", destfd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return calyx_error_set(err, errno, "move_mount");
	return 0;
}

static int mask_paths(const struct calyx_rootfs_ctx *ctx, int rootfd,
		      calyx_error **err)
{
	const struct calyx_linux *lnx = ctx->spec->linux_cfg;
	const char *label = rootfs_effective_mount_label(ctx);
	const struct mount_opts ro = { .attr_set = MOUNT_ATTR_RDONLY };
	_cleanup_close_ int nullfd = -1, emptyfd = -1;

	for (size_t i = 0; lnx->masked_paths && lnx->masked_paths[i]; i++) {
		const char *path = lnx->masked_paths[i];
		_cleanup_free_ char *rel = rootfs_path_clean(path);
		_cleanup_close_ int fd = -1;
		struct stat st;
		int r;

		if (!rel)
			return calyx_error_set(err, ENOMEM, "maskedPaths");
		fd = rootfs_open_in_root(rootfd, rel, O_PATH);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return calyx_error_set(err, -fd,
					       "linux.maskedPaths[%zu] (%s)", i,
					       path);
		if (fstat(fd, &st) < 0)
			return calyx_error_set(err, errno,
					       "linux.maskedPaths[%zu] (%s)", i,
					       path);
		if (S_ISDIR(st.st_mode) && emptyfd >= 0) {
			/* every masked directory shows the one empty read-only
			 * tmpfs: a superblock per container, not per path */
			r = clone_onto(emptyfd, fd, NULL, false, err);
		} else if (S_ISDIR(st.st_mode)) {
			r = rootfs_mount_fresh(fd, "tmpfs", "tmpfs", &ro, label,
					       &emptyfd, err);
		} else {
			if (nullfd < 0) {
				nullfd = open_dev_null(rootfd, err);
				if (nullfd < 0)
					return calyx_error_prefix(
						err, "linux.maskedPaths[%zu] (%s)",
						i, path);
			}
			r = clone_onto(nullfd, fd, NULL, false, err);
		}
		if (r < 0)
			return calyx_error_prefix(err,
						  "linux.maskedPaths[%zu] (%s)",
						  i, path);
	}
	return 0;
}

static int readonly_paths(const struct calyx_rootfs_ctx *ctx, int rootfd,
			  calyx_error **err)
{
	const struct calyx_linux *lnx = ctx->spec->linux_cfg;
	const struct mount_opts ro = {
		.rattr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
			     MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	};

	for (size_t i = 0; lnx->readonly_paths && lnx->readonly_paths[i]; i++) {
		const char *path = lnx->readonly_paths[i];
		_cleanup_free_ char *rel = rootfs_path_clean(path);
		_cleanup_close_ int fd = -1;
		int r;

		if (!rel)
			return calyx_error_set(err, ENOMEM, "readonlyPaths");
		fd = rootfs_open_in_root(rootfd, rel, O_PATH);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return calyx_error_set(err, -fd,
					       "linux.readonlyPaths[%zu] (%s)",
					       i, path);
		r = clone_onto(fd, fd, &ro, true, err);
		if (r < 0)
			return calyx_error_prefix(err,
						  "linux.readonlyPaths[%zu] (%s)",
						  i, path);
	}
	return 0;
}

/*
 * A process.cwd the image lacks is made (root's, 0755) while / is still
 * writable, as runc does: engines pass a workingDir and count on it.  A
 * failure is left to the chdir, which names the field.  Never in a root
 * that is not the container's own: a directory bound from elsewhere (the
 * bundle-less `--rootfs /` without an overlay is the host's root).
 */
static void make_missing_cwd(const struct calyx_spec *spec, int rootfd)
{
	_cleanup_free_ char *rel = NULL;
	int fd;

	if (!spec->process || !spec->process->cwd)
		return;
	rel = rootfs_path_clean(spec->process->cwd);
	if (!rel || !*rel)
		return;
	fd = rootfs_mkdir_in_root(rootfd, rel, false);
	if (fd >= 0)
		close(fd);
}

int calyx_rootfs_finalize(const struct calyx_rootfs_ctx *ctx,
			  calyx_error **err)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (rootfd < 0)
		return calyx_error_set(err, errno, "open /");
	if (!ctx->root_source || ctx->root_source->upper_dir)
		make_missing_cwd(ctx->spec, rootfd);
	if (ctx->spec->linux_cfg) {
		r = mask_paths(ctx, rootfd, err);
		if (r < 0)
			return r;
		r = readonly_paths(ctx, rootfd, err);
		if (r < 0)
			return r;
	}
	if (ctx->spec->root_readonly) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

		if (mount_setattr(rootfd, "", AT_EMPTY_PATH, &attr,
				  sizeof(attr)) < 0)
			return calyx_error_set(err, errno,
					       "root.readonly: remount / ro");
	}
	if (!ctx->no_mount_ns && !dev_is_bind(ctx->spec))
		return reopen_stdio_dev_null(rootfd, err);
	return 0;
}
