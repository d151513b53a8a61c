/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount plan: config.json "mounts" (plus the default /dev, /dev/pts
 * and /dev/shm when the config has none) turned into an array of resolved
 * operations, then executed in order by one loop.  Every destination is
 * resolved inside the rootfs dirfd and the mount is attached to that fd
 * with the new mount API (open_tree/fsopen + move_mount), so no string
 * path is walked twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

/* Files under /proc a bind mount may cover (lxcfs and friends), as runc. */
static const char *const proc_bind_allowed[] = {
	"proc/cpuinfo",	"proc/diskstats", "proc/meminfo",
	"proc/stat",	"proc/swaps",	  "proc/uptime",
	"proc/loadavg", "proc/slabinfo",  "proc/net/dev",
	"proc/sys/kernel/ns_last_pid",
};

static const char *const default_dev_opts[] = {
	"nosuid", "strictatime", "mode=755", "size=65536k", NULL
};
static const char *const default_pts_opts[] = {
	"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
	"gid=5", NULL
};
/* in a user namespace gid 5 may not be mapped */
static const char *const default_pts_userns_opts[] = {
	"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL
};
static const char *const default_shm_opts[] = {
	"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL
};

/* ---- syscall seam --------------------------------------------------- */

static int sys_mount_setattr(int fd, unsigned int flags,
			     const struct mount_attr *attr)
{
	struct mount_attr a = *attr;

	return mount_setattr(fd, "", AT_EMPTY_PATH | flags, &a, sizeof(a)) < 0
		       ? -errno
		       : 0;
}

static int sys_move_mount(int from, int tofd)
{
	return move_mount(from, "", tofd, "",
			  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0
		       ? -errno
		       : 0;
}

static int sys_clone_tree(const char *path, bool recursive)
{
	int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				   (recursive ? AT_RECURSIVE : 0));

	return fd < 0 ? -errno : fd;
}

/* ---- attributes ----------------------------------------------------- */

int rootfs_mount_apply_attrs(int mntfd, const struct mount_opts *o,
			     calyx_error **err)
{
	struct mount_attr rec = {
		.attr_set = o->rattr_set,
		.attr_clr = o->rattr_clr,
		.propagation = o->propagation_rec ? o->propagation : 0,
	};
	struct mount_attr top = {
		.attr_set = o->attr_set,
		.attr_clr = o->attr_clr,
		.propagation = o->propagation_rec ? 0 : o->propagation,
	};
	int r;

	/* recursive first, so the top mount's own options win */
	if (rec.attr_set || rec.attr_clr || rec.propagation) {
		r = sys_mount_setattr(mntfd, AT_RECURSIVE, &rec);
		if (r < 0)
			return calyx_error_set(err, -r, "mount_setattr (recursive)");
	}
	if (top.attr_set || top.attr_clr || top.propagation) {
		r = sys_mount_setattr(mntfd, 0, &top);
		if (r < 0)
			return calyx_error_set(err, -r, "mount_setattr");
	}
	return 0;
}

/* ---- fresh filesystems ---------------------------------------------- */

/* The kernel's own words from the fs_context log, if it left any. */
static void fsfd_error(int fsfd, int errnum, const char *what, calyx_error **err)
{
	char buf[256];
	ssize_t n = read(fsfd, buf, sizeof(buf) - 1);

	if (n > 2) {
		while (n > 0 && buf[n - 1] == '\n')
			n--;
		buf[n] = '\0';
		calyx_error_setx(err, errnum, "%s: %s", what, buf + 2);
		return;
	}
	calyx_error_set(err, errnum, "%s", what);
}

static int fsconfig_data(int fsfd, const char *data, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(data);
	char *save = NULL;

	if (!copy)
		return calyx_error_set(err, ENOMEM, "mount options");
	for (char *opt = strtok_r(copy, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		int r;

		if (eq) {
			*eq = '\0';
			r = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
		} else {
			r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
		}
		if (r < 0) {
			int e = errno;

			if (eq)
				*eq = '=';
			fsfd_error(fsfd, e, opt, err);
			return -e;
		}
	}
	return 0;
}

/* mount(2) onto the fd's magic link: old kernels and mount(2)-only flags */
static int mount_fresh_legacy(int destfd, const char *type, const char *source,
			      const struct mount_opts *o, const char *label,
			      calyx_error **err)
{
	char target[64];
	_cleanup_free_ char *data = NULL;

	snprintf(target, sizeof(target), "/proc/self/fd/%d", destfd);
	if (label && asprintf(&data, "%s%scontext=\"%s\"", o->data ? o->data : "",
			      o->data ? "," : "", label) < 0)
		return calyx_error_set(err, ENOMEM, "mount options");
	if (mount(source, target, type, o->ms_set,
		  data ? data : o->data) < 0)
		return calyx_error_set(err, errno, "mount %s", type);
	return 0;
}

int rootfs_mount_fresh(int destfd, const char *type, const char *source,
		       const struct mount_opts *o, const char *label,
		       int *mntfd_out, calyx_error **err)
{
	_cleanup_close_ int fsfd = -1;
	_cleanup_close_ int mntfd = -1;
	struct mount_opts prop = { 0 };
	int r;

	if (mntfd_out)
		*mntfd_out = -1;
	if (o->legacy_only && o->tmpcopyup)
		return calyx_error_setx(err, ENOTSUP,
					"tmpcopyup with mount(2)-only options");
	if (o->legacy_only && o->has_pidns)
		return calyx_error_setx(err, ENOTSUP,
					"mount %s: options only mount(2) knows, in a joined pid namespace",
					type);
	if (o->legacy_only)
		return mount_fresh_legacy(destfd, type, source, o, label, err);

	fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		if (errno == ENOSYS && !o->tmpcopyup)
			return mount_fresh_legacy(destfd, type, source, o,
						  label, err);
		return calyx_error_set(err, errno, "mount %s", type);
	}
	if (source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source,
			       0) < 0) {
		fsfd_error(fsfd, errno, "source", err);
		return calyx_error_prefix(err, "mount %s", type);
	}
	if (o->has_pidns &&
	    fsconfig(fsfd, FSCONFIG_SET_FD, "pidns", NULL, o->pidns_fd) < 0) {
		fsfd_error(fsfd, errno, "pidns", err);
		return calyx_error_prefix(err, "mount %s", type);
	}
	for (char **f = o->sb_flags; f && *f; f++) {
		if (fsconfig(fsfd, FSCONFIG_SET_FLAG, *f, NULL, 0) < 0) {
			fsfd_error(fsfd, errno, *f, err);
			return calyx_error_prefix(err, "mount %s", type);
		}
	}
	if (o->data) {
		r = fsconfig_data(fsfd, o->data, err);
		if (r < 0)
			return calyx_error_prefix(err, "mount %s", type);
	}
	if (label && fsconfig(fsfd, FSCONFIG_SET_STRING, "context", label,
			      0) < 0) {
		fsfd_error(fsfd, errno, "context", err);
		return calyx_error_prefix(err, "mount %s", type);
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		fsfd_error(fsfd, errno, "create", err);
		return calyx_error_prefix(err, "mount %s", type);
	}
	/* a new superblock has no submounts: the r-forms are the same */
	mntfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
			(unsigned int)(o->attr_set | o->rattr_set));
	if (mntfd < 0)
		return calyx_error_set(err, errno, "mount %s: fsmount", type);
	if (o->propagation) {
		prop.propagation = o->propagation;
		r = rootfs_mount_apply_attrs(mntfd, &prop, err);
		if (r < 0)
			return calyx_error_prefix(err, "mount %s", type);
	}
	if (o->tmpcopyup) {
		r = rootfs_copyup(destfd, mntfd, err);
		if (r < 0)
			return r;
	}
	r = sys_move_mount(mntfd, destfd);
	if (r < 0)
		return calyx_error_set(err, -r, "mount %s: move_mount", type);
	if (mntfd_out)
		*mntfd_out = TAKE_FD(mntfd);
	return 0;
}

/* ---- execution ------------------------------------------------------ */

static bool is_under_proc(const char *dest)
{
	return strcmp(dest, "proc") == 0 || strncmp(dest, "proc/", 5) == 0;
}

/*
 * Nothing but procfs may be mounted on /proc, and only known files under
 * it may be covered, unless the source is procfs itself: a rootfs-planted
 * fake /proc would receive the runtime's later /proc writes
 * (CVE-2019-16884).
 */
static int check_proc_path(const struct mount_op *op, const char *dest,
			   int srcfd, calyx_error **err)
{
	struct statfs sfs;

	if (!is_under_proc(dest) || op->is_proc)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(proc_bind_allowed); i++)
		if (strcmp(dest, proc_bind_allowed[i]) == 0)
			return 0;
	if (srcfd >= 0 && fstatfs(srcfd, &sfs) == 0 &&
	    sfs.f_type == PROC_SUPER_MAGIC)
		return 0;
	return calyx_error_setx(err, EPERM,
				"/%s: only procfs may be mounted on /proc",
				dest);
}

/* The destination as written, before anything is made for it. */
static int check_proc_dest(const struct mount_op *op, int srcfd,
			   calyx_error **err)
{
	return check_proc_path(op, op->dest, srcfd, err);
}

/* Where fd is, relative to the root (root_real: the root's own path). */
static char *path_in_root(int fd, const char *root_real)
{
	char link[64], path[PATH_MAX];
	size_t n = strlen(root_real);
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len < 0)
		return NULL;
	path[len] = '\0';
	if (strcmp(root_real, "/") == 0)
		return rootfs_path_clean(path);
	if (strncmp(path, root_real, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return rootfs_path_clean(path + n);
}

/*
 * The destination as resolved: a symlink of the image (/etc/x ->
 * /proc/self/attr) must not carry a mount into /proc either
 * (CVE-2019-16884 through a symlink; runc checks the real path too).
 */
static int check_proc_resolved(const struct mount_op *op,
			       const struct mount_plan *plan, int destfd,
			       int srcfd, calyx_error **err)
{
	_cleanup_free_ char *real = NULL;

	if (!plan->root_real)
		return 0;
	real = path_in_root(destfd, plan->root_real);
	if (!real)
		return calyx_error_setx(err, EPERM,
					"destination /%s: cannot tell where it resolves",
					op->dest);
	if (strcmp(real, op->dest) == 0)
		return 0;	/* checked as written */
	return check_proc_path(op, real, srcfd, err);
}

int rootfs_check_proc_dest(const struct mount_op *op,
			   const struct mount_plan *plan, int destfd,
			   int srcfd, calyx_error **err)
{
	int r = check_proc_dest(op, srcfd, err);

	return r < 0 ? r : check_proc_resolved(op, plan, destfd, srcfd, err);
}

static int exec_bind(const struct mount_op *op, const struct mount_plan *plan,
		     const char *source, bool recursive, int rootfd, int *mnt_out,
		     calyx_error **err)
{
	_cleanup_close_ int tree = -1;
	_cleanup_close_ int dest = -1;
	struct stat st;
	int r;

	if (op->tree_fd >= 0) {
		tree = fcntl(op->tree_fd, F_DUPFD_CLOEXEC, 3);
		if (tree < 0)
			tree = -errno;
	} else if (op->source_fd >= 0) {
		/* cloned here: the copied mounts keep their locked flags */
		tree = open_tree(op->source_fd, "",
				 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					 (recursive ? AT_RECURSIVE : 0));
		if (tree < 0)
			tree = -errno;
	} else {
		tree = sys_clone_tree(source, recursive);
	}
	if (tree < 0)
		return calyx_error_set(err, -tree, "bind %s", source);
	if (fstat(tree, &st) < 0)
		return calyx_error_set(err, errno, "stat %s", source);
	r = check_proc_dest(op, tree, err);
	if (r < 0)
		return r;
	dest = rootfs_mkdir_in_root(rootfd, op->dest, !S_ISDIR(st.st_mode));
	if (dest < 0)
		return calyx_error_set(err, -dest, "destination /%s", op->dest);
	r = check_proc_resolved(op, plan, dest, tree, err);
	if (r < 0)
		return r;
	r = rootfs_mount_apply_attrs(tree, &op->opts, err);
	if (r < 0)
		return r;
	r = sys_move_mount(tree, dest);
	if (r < 0)
		return calyx_error_set(err, -r, "bind %s", source);
	if (mnt_out)
		*mnt_out = TAKE_FD(tree);
	return 0;
}

/*
 * procfs and sysfs go on an ordinary directory of the image, never through
 * a symlink in its place (/proc -> /somewhere, relative or absolute): we
 * would stay inside the rootfs, but such an image is an attack on runtimes
 * that follow it (CVE-2023-28642, CVE-2025-54867), and runc refuses it.
 * Returns the O_PATH fd of the directory, made if missing.
 */
static int open_plain_dir_dest(const struct mount_op *op, int rootfd,
			       calyx_error **err)
{
	_cleanup_close_ int fd = rootfs_open_in_root(rootfd, op->dest,
						     O_PATH | O_NOFOLLOW);
	struct stat st;

	if (fd == -ENOENT)
		fd = rootfs_mkdir_in_root(rootfd, op->dest, false);
	if (fd < 0)
		return calyx_error_set(err, -fd, "destination /%s", op->dest);
	if (fstat(fd, &st) < 0)
		return calyx_error_set(err, errno, "destination /%s", op->dest);
	if (!S_ISDIR(st.st_mode))
		return calyx_error_setx(err, EPERM,
					"destination /%s is %s: %s must be mounted on an ordinary directory",
					op->dest,
					S_ISLNK(st.st_mode) ? "a symlink" :
							      "not a directory",
					op->type);
	return TAKE_FD(fd);
}

/* The mount now on dest (O_PATH), for flags applied later. */
static int reopen_mount(int rootfd, const struct mount_op *op, int *out,
			calyx_error **err)
{
	int fd = rootfs_open_in_root(rootfd, op->dest, O_PATH);

	if (fd < 0)
		return calyx_error_set(err, -fd, "reopen /%s", op->dest);
	*out = fd;
	return 0;
}

/*
 * A tmpfs on a directory of the image takes that directory's mode unless
 * the options say otherwise, as runc does: a tmpfs /run stays 0755 rather
 * than the kernel's world-writable 1777.  *data is the new option string
 * (NULL: keep op's).
 */
static int tmpfs_inherit_mode(const struct mount_op *op, int rootfd,
			      char **data, calyx_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	*data = NULL;
	if (strcmp(op->type, "tmpfs") != 0)
		return 0;
	fd = rootfs_open_in_root(rootfd, op->dest, O_PATH);
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;	/* made below, or failing there */
	/* a mode= of the options comes after, and wins */
	r = op->opts.data ? asprintf(data, "mode=%04o,%s", st.st_mode & 07777,
				     op->opts.data) :
			    asprintf(data, "mode=%04o", st.st_mode & 07777);
	if (r < 0) {
		*data = NULL;
		return calyx_error_set(err, ENOMEM, "mount options");
	}
	return 0;
}

static int exec_fresh(const struct mount_op *op, const struct mount_plan *plan,
		      int rootfd, int *mnt_out, calyx_error **err)
{
	_cleanup_close_ int dest = -1;
	_cleanup_close_ int mnt = -1;
	_cleanup_free_ char *data = NULL;
	struct mount_opts opts = op->opts;
	bool want_mnt = op->is_proc || mnt_out;
	struct statfs sfs;
	int r;

	if (op->is_proc && plan->proc_pidns) {
		opts.has_pidns = true;
		opts.pidns_fd = plan->proc_pidns_fd;
	}
	r = check_proc_dest(op, -1, err);
	if (r < 0)
		return r;
	r = tmpfs_inherit_mode(op, rootfd, &data, err);
	if (r < 0)
		return r;
	if (data)
		opts.data = data;
	if (op->is_proc || op->is_sysfs) {
		dest = open_plain_dir_dest(op, rootfd, err);
		if (dest < 0)
			return dest;
	} else {
		dest = rootfs_mkdir_in_root(rootfd, op->dest, false);
		if (dest < 0)
			return calyx_error_set(err, -dest, "destination /%s",
					       op->dest);
	}
	r = check_proc_resolved(op, plan, dest, -1, err);
	if (r < 0)
		return r;
	r = rootfs_mount_fresh(dest, op->type, op->source, &opts,
			       plan->mount_label, want_mnt ? &mnt : NULL, err);
	if (r == -EPERM && op->allow_sysfs_rbind) {
		/* sysfs needs a netns we own: show the host's, as runc */
		calyx_error_free(err);
		return exec_bind(op, plan, "/sys", true, rootfd, mnt_out, err);
	}
	if (r < 0)
		return r;
	if (op->is_proc && mnt >= 0 &&
	    (fstatfs(mnt, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC))
		return calyx_error_setx(err, EINVAL, "/%s is not procfs",
					op->dest);
	if (!mnt_out)
		return 0;
	/* mount(2) fallback: no mount fd, the mount is on dest now */
	if (mnt < 0)
		return reopen_mount(rootfd, op, mnt_out, err);
	*mnt_out = TAKE_FD(mnt);
	return 0;
}

static int exec_remount(const struct mount_op *op, int rootfd,
			calyx_error **err)
{
	_cleanup_close_ int dest = rootfs_open_in_root(rootfd, op->dest, O_PATH);

	if (dest < 0)
		return calyx_error_set(err, -dest, "destination /%s", op->dest);
	return rootfs_mount_apply_attrs(dest, &op->opts, err);
}

int mount_plan_execute(const struct calyx_rootfs_ctx *ctx,
		       struct mount_plan *plan, int rootfd, calyx_error **err)
{
	char link[64], path[PATH_MAX];
	ssize_t len;

	/* the root's real path, to tell where a destination resolved */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", rootfd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len < 0)
		return calyx_error_set(err, errno, "root.path: readlink %s", link);
	path[len] = '\0';
	free(plan->root_real);
	plan->root_real = strdup(path);
	if (!plan->root_real)
		return calyx_error_set(err, ENOMEM, "mount plan");
	for (size_t i = 0; i < plan->n; i++) {
		struct mount_op *op = &plan->ops[i];
		int *keep = op->ro_later ? &op->ro_later_fd : NULL;
		int r = 0;

		calyx_debug(ctx->log, "%s: %s %s on /%s", op->what,
			    op->kind == MOUNT_OP_BIND ? "bind" : "mount",
			    op->source ? op->source : "", op->dest);
		switch (op->kind) {
		case MOUNT_OP_BIND:
			r = exec_bind(op, plan, op->source, op->opts.rbind,
				      rootfd, keep, err);
			break;
		case MOUNT_OP_FRESH:
			r = exec_fresh(op, plan, rootfd, keep, err);
			break;
		case MOUNT_OP_REMOUNT:
			r = exec_remount(op, rootfd, err);
			break;
		case MOUNT_OP_CGROUP:
			r = rootfs_mount_cgroup(rootfd, op, plan, err);
			break;
		}
		if (r < 0)
			return calyx_error_prefix(err, "%s", op->what);
	}
	return 0;
}

int mount_plan_finish(struct mount_plan *plan, calyx_error **err)
{
	const struct mount_opts ro = { .attr_set = MOUNT_ATTR_RDONLY };

	for (size_t i = 0; i < plan->n; i++) {
		struct mount_op *op = &plan->ops[i];
		int r;

		if (op->ro_later_fd < 0)
			continue;
		r = rootfs_mount_apply_attrs(op->ro_later_fd, &ro, err);
		if (r < 0)
			return calyx_error_prefix(err, "%s: ro", op->what);
		close(op->ro_later_fd);
		op->ro_later_fd = -1;
	}
	return 0;
}

/* ---- building ------------------------------------------------------- */

static struct mount_op *plan_push(struct mount_plan *plan)
{
	struct mount_op *ops = realloc(plan->ops, (plan->n + 1) * sizeof(*ops));

	if (!ops)
		return NULL;
	plan->ops = ops;
	memset(&ops[plan->n], 0, sizeof(*ops));
	ops[plan->n].tree_fd = -1;
	ops[plan->n].source_fd = -1;
	ops[plan->n].ro_later_fd = -1;
	return &ops[plan->n++];
}

static int plan_add_default(struct mount_plan *plan, const char *dest,
			    const char *type, const char *const *options,
			    calyx_error **err)
{
	struct mount_op *op = plan_push(plan);
	int r;

	if (!op)
		return calyx_error_set(err, ENOMEM, "mount plan");
	op->kind = MOUNT_OP_FRESH;
	op->dest = strdup(dest);
	op->type = strdup(type);
	op->source = strdup(type);
	if (asprintf(&op->what, "default /%s", dest) < 0)
		op->what = NULL;
	if (!op->dest || !op->type || !op->source || !op->what)
		return calyx_error_set(err, ENOMEM, "mount plan");
	r = mount_opts_parse((char *const *)options, &op->opts, err);
	return r < 0 ? calyx_error_prefix(err, "default /%s", dest) : 0;
}

static bool plan_has_dest(const struct mount_plan *plan, const char *dest)
{
	for (size_t i = 0; i < plan->n; i++)
		if (strcmp(plan->ops[i].dest, dest) == 0)
			return true;
	return false;
}

static bool selinux_enabled(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/selinux", &sfs) == 0 &&
	       sfs.f_type == (typeof(sfs.f_type))SELINUX_MAGIC;
}

/* runc: the label is only passed on when SELinux is on */
const char *rootfs_effective_mount_label(const struct calyx_rootfs_ctx *ctx)
{
	const struct calyx_linux *lnx = ctx->spec->linux_cfg;

	if (!lnx || !lnx->mount_label || !*lnx->mount_label)
		return NULL;
	return selinux_enabled() ? lnx->mount_label : NULL;
}

static bool spec_mounts_dest(const struct calyx_spec *spec, const char *dest)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		_cleanup_free_ char *d =
			rootfs_path_clean(spec->mounts[i].destination ?
						  spec->mounts[i].destination :
						  "");

		if (d && strcmp(d, dest) == 0)
			return true;
	}
	return false;
}

static int plan_add_spec_mount(const struct calyx_rootfs_ctx *ctx,
			       struct mount_plan *plan, size_t i,
			       calyx_error **err)
{
	const struct calyx_mount *m = &ctx->spec->mounts[i];
	struct mount_op *op;
	int r;

	if (!m->destination)
		return calyx_error_setx(err, EINVAL,
					"mounts[%zu].destination: missing", i);
	op = plan_push(plan);
	if (!op)
		return calyx_error_set(err, ENOMEM, "mount plan");
	op->dest = rootfs_path_clean(m->destination);
	if (!op->dest || asprintf(&op->what, "mounts[%zu] (%s)", i,
				  m->destination) < 0) {
		op->what = NULL;
		return calyx_error_set(err, ENOMEM, "mount plan");
	}
	/* it would hide the rootfs, whose dirfd we hold (runc refuses too) */
	if (!*op->dest)
		return calyx_error_setx(err, EINVAL,
					"mounts[%zu].destination: %s is the root itself (root.path)",
					i, m->destination);
	r = mount_opts_parse(m->options, &op->opts, err);
	if (r < 0)
		return calyx_error_prefix(err, "%s", op->what);
	if (m->type && strcmp(m->type, "bind") == 0 && !op->opts.bind)
		op->opts.bind = op->opts.rbind = true;
	if (op->opts.idmap || m->n_uid_mappings || m->n_gid_mappings) {
		if (!op->opts.bind)
			return calyx_error_setx(err, EINVAL,
						"%s: idmap is supported on bind mounts only",
						op->what);
		/* made by the runtime, which can (see idmap.c); when checking
		 * the config it has not been made yet */
		if (!plan->checking && (!ctx->mount_fds || ctx->mount_fds[i] < 0))
			return calyx_error_setx(err, EINVAL,
						"%s: no idmapped mount from the runtime",
						op->what);
		if (!plan->checking)
			op->tree_fd = ctx->mount_fds[i];
	} else if (op->opts.bind && ctx->mount_fds && ctx->mount_fds[i] >= 0) {
		/* a source our user namespace may not reach: see idmap.c */
		op->source_fd = ctx->mount_fds[i];
	}

	if (op->opts.bind) {
		op->kind = MOUNT_OP_BIND;
		if (!m->source)
			return calyx_error_setx(err, EINVAL,
						"mounts[%zu].source: required for a bind mount",
						i);
		if (m->source[0] == '/' || !ctx->bundle)
			op->source = strdup(m->source);
		else if (asprintf(&op->source, "%s/%s", ctx->bundle,
				  m->source) < 0)
			op->source = NULL;
		if (!op->source)
			return calyx_error_set(err, ENOMEM, "mount plan");
		if (op->opts.tmpcopyup)
			return calyx_error_setx(err, EINVAL,
						"%s: tmpcopyup needs a tmpfs",
						op->what);
		return 0;
	}
	if (op->opts.remount) {
		op->kind = MOUNT_OP_REMOUNT;
		return 0;
	}
	if (!m->type)
		return calyx_error_setx(err, EINVAL,
					"mounts[%zu].type: required unless bind/rbind",
					i);
	op->kind = strcmp(m->type, "cgroup") == 0 ? MOUNT_OP_CGROUP :
						    MOUNT_OP_FRESH;
	op->type = strdup(m->type);
	op->source = strdup(m->source ? m->source : m->type);
	if (!op->type || !op->source)
		return calyx_error_set(err, ENOMEM, "mount plan");
	op->is_proc = strcmp(m->type, "proc") == 0;
	op->is_sysfs = strcmp(m->type, "sysfs") == 0;
	op->allow_sysfs_rbind = op->is_sysfs && ctx->in_userns &&
				!ctx->new_netns;
	if (op->opts.tmpcopyup && strcmp(m->type, "tmpfs") != 0)
		return calyx_error_setx(err, EINVAL,
					"%s: tmpcopyup needs a tmpfs", op->what);
	return 0;
}

/* Is dest strictly below dir (both cleaned, "" is the root)? */
static bool dest_is_below(const char *dest, const char *dir)
{
	size_t n = strlen(dir);

	if (!n)
		return *dest != '\0';
	return strncmp(dest, dir, n) == 0 && dest[n] == '/';
}

/*
 * A read-only fresh filesystem that later mounts nest under (a "ro" /dev
 * tmpfs with /dev/pts, /dev/shm, /dev/mqueue and the device nodes to come)
 * is made read-write and turned read-only once everything is in place, as
 * runc does: the mount points and nodes must be created in it first.  Not
 * a bind: its mount points would be made in the host's directory, which
 * the config wants read-only (runc applies a bind's "ro" at once too).
 */
static void plan_defer_readonly(struct mount_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct mount_op *op = &plan->ops[i];
		bool nested = strcmp(op->dest, "dev") == 0;

		if (!(op->opts.attr_set & MOUNT_ATTR_RDONLY) ||
		    op->kind != MOUNT_OP_FRESH)
			continue;
		for (size_t j = i + 1; j < plan->n && !nested; j++)
			nested = dest_is_below(plan->ops[j].dest, op->dest);
		if (!nested)
			continue;
		op->ro_later = true;
		op->opts.attr_set &= ~(uint64_t)MOUNT_ATTR_RDONLY;
		op->opts.ms_set &= ~(unsigned long)MS_RDONLY;
	}
}

static int plan_build(const struct calyx_rootfs_ctx *ctx, bool checking,
		      struct mount_plan *plan, calyx_error **err)
{
	const struct calyx_spec *spec = ctx->spec;
	const struct calyx_linux *lnx = spec->linux_cfg;
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->checking = checking;
	plan->in_userns = ctx->in_userns;
	plan->proc_pidns = ctx->proc_pidns;
	plan->proc_pidns_fd = ctx->proc_pidns_fd;
	if (lnx && !checking) {
		for (size_t i = 0; i < lnx->n_namespaces; i++)
			if (lnx->namespaces[i].type == CALYX_NS_CGROUP)
				plan->cgroupns = true;
		plan->mount_label = rootfs_effective_mount_label(ctx);
	}

	/* runc/crun: no /dev in the config means a private tmpfs /dev */
	if (!spec_mounts_dest(spec, "dev")) {
		r = plan_add_default(plan, "dev", "tmpfs", default_dev_opts,
				     err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		r = plan_add_spec_mount(ctx, plan, i, err);
		if (r < 0)
			return r;
	}
	if (!plan_has_dest(plan, "dev/pts")) {
		r = plan_add_default(plan, "dev/pts", "devpts",
				     ctx->in_userns ? default_pts_userns_opts :
						      default_pts_opts,
				     err);
		if (r < 0)
			return r;
	}
	if (!plan_has_dest(plan, "dev/shm")) {
		r = plan_add_default(plan, "dev/shm", "tmpfs", default_shm_opts,
				     err);
		if (r < 0)
			return r;
	}
	plan_defer_readonly(plan);
	return 0;
}

int mount_plan_build(const struct calyx_rootfs_ctx *ctx,
		     struct mount_plan *plan, calyx_error **err)
{
	return plan_build(ctx, false, plan, err);
}

/*
 * The config's part of building: every error mount_plan_build would find
 * in the spec's mounts, found before anything is created.  Nothing is
 * opened and the host is not asked (the runtime's fds do not exist yet).
 */
int mount_plan_check(const struct calyx_spec *spec, calyx_error **err)
{
	const struct calyx_rootfs_ctx ctx = { .spec = spec };
	_cleanup_(mount_plan_free) struct mount_plan plan = { 0 };

	return plan_build(&ctx, true, &plan, err);
}

void mount_plan_free(struct mount_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct mount_op *op = &plan->ops[i];

		free(op->what);
		free(op->dest);
		free(op->source);
		free(op->type);
		if (op->ro_later_fd >= 0)
			close(op->ro_later_fd);
		mount_opts_free(&op->opts);
	}
	free(plan->ops);
	free(plan->root_real);
	memset(plan, 0, sizeof(*plan));
}
