/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device nodes and /dev symlinks (config-linux.md "Devices", "Default
 * Devices"; runtime-linux.md "Dev symbolic links").  Nodes are made with
 * mknodat() on a parent fd resolved inside the rootfs; in a user
 * namespace, where mknod of devices is not allowed, the host node is bind
 * mounted onto an empty file instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

struct default_device {
	const char *path;	/* cleaned, relative to the rootfs */
	unsigned int major, minor;
};

static const struct default_device default_devices[] = {
	{ "dev/null", 1, 3 },	 { "dev/zero", 1, 5 }, { "dev/full", 1, 7 },
	{ "dev/random", 1, 8 }, { "dev/urandom", 1, 9 }, { "dev/tty", 5, 0 },
};

struct dev_symlink {
	const char *name;	/* in /dev */
	const char *target;
};

static const struct dev_symlink dev_symlinks[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
	{ "core", "/proc/kcore" },
};

/* A node to make: one shape for the defaults and linux.devices. */
struct node {
	const char *rel;	/* cleaned path in the rootfs */
	mode_t type;		/* S_IFCHR, S_IFBLK, S_IFIFO */
	dev_t dev;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool chown;
};

/* Bind the host node onto an empty file at name (user namespaces). */
static int bind_host_node(int parentfd, const char *name, const char *rel,
			  calyx_error **err)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	_cleanup_close_ int dest = -1;
	_cleanup_close_ int tree = -1;
	char host[PATH_MAX];
	int fd;

	fd = openat(parentfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0);
	if (fd < 0 && errno != EEXIST)
		return calyx_error_set(err, errno, "create /%s", rel);
	if (fd >= 0)
		close(fd);
	dest = syscall(SYS_openat2, parentfd, name, &how, sizeof(how));
	if (dest < 0)
		return calyx_error_set(err, errno, "open /%s", rel);
	snprintf(host, sizeof(host), "/%s", rel);
	tree = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return calyx_error_set(err, errno, "bind host %s", host);
	if (move_mount(tree, "", dest, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return calyx_error_set(err, errno, "bind host %s", host);
	return 0;
}

/* devfd: /dev, already resolved, for a node directly in it; else -1 */
static int make_node(const struct calyx_rootfs_ctx *ctx, int rootfd, int devfd,
		     const struct node *n, calyx_error **err)
{
	const char *name;
	_cleanup_close_ int own = -1;
	int parent;

	if (devfd >= 0 && !strncmp(n->rel, "dev/", 4) && !strchr(n->rel + 4, '/')) {
		parent = devfd;
		name = n->rel + 4;
	} else {
		parent = own = rootfs_open_parent_in_root(rootfd, n->rel, &name);
	}
	if (parent < 0)
		return calyx_error_set(err, -parent, "/%s: parent directory",
				       n->rel);
	if (ctx->in_userns && n->type != S_IFIFO)
		return bind_host_node(parent, name, n->rel, err);
	if (mknodat(parent, name, n->type | n->mode, n->dev) < 0) {
		/* an existing node is kept, as runc does */
		if (errno == EEXIST)
			return 0;
		/* no CAP_MKNOD (rootless without a declared userns) */
		if (errno == EPERM && n->type != S_IFIFO)
			return bind_host_node(parent, name, n->rel, err);
		return calyx_error_set(err, errno, "mknod /%s", n->rel);
	}
	if (n->chown && fchownat(parent, name, n->uid, n->gid,
				 AT_SYMLINK_NOFOLLOW) < 0)
		return calyx_error_set(err, errno, "chown /%s", n->rel);
	return 0;
}

static int node_from_spec(const struct calyx_device *d, struct node *n,
			  calyx_error **err)
{
	switch (d->type) {
	case 'c':
	case 'u':
		n->type = S_IFCHR;
		break;
	case 'b':
		n->type = S_IFBLK;
		break;
	case 'p':
		n->type = S_IFIFO;
		break;
	default:
		return calyx_error_setx(err, EINVAL, "type: unknown '%c'",
					d->type);
	}
	n->dev = makedev(d->major, d->minor);
	n->mode = d->has_file_mode ? (d->file_mode & 07777) : 0666;
	n->uid = d->has_uid ? d->uid : 0;
	n->gid = d->has_gid ? d->gid : 0;
	n->chown = d->has_uid || d->has_gid;
	return 0;
}

static bool spec_has_device(const struct calyx_linux *lnx, const char *rel)
{
	for (size_t i = 0; lnx && i < lnx->n_devices; i++) {
		const char *p = lnx->devices[i].path;

		if (!p)
			continue;
		while (*p == '/')
			p++;
		if (strcmp(p, rel) == 0)
			return true;
	}
	return false;
}

static int make_devices(const struct calyx_rootfs_ctx *ctx, int rootfd, int devfd,
			calyx_error **err)
{
	const struct calyx_linux *lnx = ctx->spec->linux_cfg;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
		const struct default_device *d = &default_devices[i];
		struct node n = {
			.rel = d->path,
			.type = S_IFCHR,
			.dev = makedev(d->major, d->minor),
			.mode = 0666,
		};

		if (spec_has_device(lnx, d->path))
			continue;
		r = make_node(ctx, rootfd, devfd, &n, err);
		if (r < 0)
			return calyx_error_prefix(err, "default device /%s",
						  d->path);
	}
	for (size_t i = 0; lnx && i < lnx->n_devices; i++) {
		const struct calyx_device *d = &lnx->devices[i];
		_cleanup_free_ char *rel = NULL;
		struct node n = { 0 };

		if (!d->path)
			return calyx_error_setx(err, EINVAL,
						"linux.devices[%zu].path: missing",
						i);
		r = node_from_spec(d, &n, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.devices[%zu]", i);
		rel = rootfs_path_clean(d->path);
		if (!rel)
			return calyx_error_set(err, ENOMEM, "devices");
		if (!*rel)
			return calyx_error_setx(err, EINVAL,
						"linux.devices[%zu].path: not a file",
						i);
		n.rel = rel;
		r = make_node(ctx, rootfd, devfd, &n, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.devices[%zu] (%s)",
						  i, d->path);
	}
	return 0;
}

/*
 * The pty goes on /dev/console after the pivot, when a "ro" /dev is
 * read-only already: its mount point is made now (the terminal code
 * checks it again and never follows a symlink there).
 */
static int make_console_mount_point(const struct calyx_spec *spec, int devfd,
				    calyx_error **err)
{
	int fd;

	if (!spec->process || !spec->process->terminal)
		return 0;
	fd = openat(devfd, "console",
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return calyx_error_set(err, errno, "/dev/console: create");
	if (fd >= 0)
		close(fd);
	return 0;
}

int rootfs_setup_devices(const struct calyx_rootfs_ctx *ctx, int rootfd,
			 calyx_error **err)
{
	_cleanup_close_ int devfd = -1;
	mode_t old_umask;
	int r;

	/* a rootfs whose /dev points at the host is resolved inside it */
	devfd = rootfs_open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (devfd < 0)
		return calyx_error_set(err, -devfd, "/dev");

	/* modes are exact, as in the config */
	old_umask = umask(0);
	r = make_devices(ctx, rootfd, devfd, err);
	umask(old_umask);
	if (r < 0)
		return r;

	for (size_t i = 0; i < ARRAY_SIZE(dev_symlinks); i++) {
		const struct dev_symlink *l = &dev_symlinks[i];

		if (strcmp(l->name, "ptmx") == 0 &&
		    unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
			return calyx_error_set(err, errno, "remove /dev/ptmx");
		/* a kernel without CONFIG_PROC_KCORE gets no dangling link (runc) */
		if (strcmp(l->name, "core") == 0 && access(l->target, F_OK) < 0)
			continue;
		if (symlinkat(l->target, devfd, l->name) < 0 &&
		    errno != EEXIST)
			return calyx_error_set(err, errno, "symlink /dev/%s",
					       l->name);
	}
	return make_console_mount_point(ctx->spec, devfd, err);
}
