/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A "cgroup" mount: the container's view of its own cgroups.
 *
 * Unified (v2) host: cgroup2, fresh inside a cgroup namespace, else a bind
 * of the container's own cgroup directory.
 * v1 or hybrid host (as runc): a tmpfs at the destination holding one
 * entry per host hierarchy mounted under /sys/fs/cgroup: a fresh cgroup
 * mount inside a cgroup namespace (the kernel roots it at the namespace),
 * else a bind of this process's cgroup directory in that hierarchy; plus
 * "cpu" -> "cpu,cpuacct" style symlinks for co-mounted controllers.
 * The mount's options (ro, nosuid...) apply to every entry and, last, to
 * the tmpfs itself.
 */
#include <errno.h>
#include <fcntl.h>
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

#define HOST_CGROUP_ROOT "/sys/fs/cgroup"

/* Does every comma item of a appear in the comma list b? */
static bool items_in(const char *a, const char *b)
{
	_cleanup_free_ char *copy = strdup(a);
	char *save = NULL;

	if (!copy)
		return false;
	for (char *it = strtok_r(copy, ",", &save); it;
	     it = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(it);
		const char *p = b;
		bool found = false;

		while ((p = strstr(p, it))) {
			if ((p == b || p[-1] == ',') &&
			    (p[n] == ',' || p[n] == '\0')) {
				found = true;
				break;
			}
			p += n;
		}
		if (!found)
			return false;
	}
	return true;
}

/* This process's path in the hierarchy whose super options are superopts. */
static char *own_cgroup_path(const char *fstype, const char *superopts)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		char *ctrl = strchr(line, ':');
		char *path;

		if (!ctrl)
			continue;
		ctrl++;
		path = strchr(ctrl, ':');
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (strcmp(fstype, "cgroup2") == 0 ? *ctrl == '\0' :
		    (*ctrl && items_in(ctrl, superopts)))
			return strdup(path);
	}
	return NULL;
}

/* super options minus the ones that are not the hierarchy's identity */
static char *cgroup1_identity(const char *superopts)
{
	_cleanup_free_ char *copy = strdup(superopts);
	char *out = calloc(1, strlen(superopts) + 1);
	char *save = NULL;

	if (!copy || !out) {
		free(out);
		return NULL;
	}
	for (char *it = strtok_r(copy, ",", &save); it;
	     it = strtok_r(NULL, ",", &save)) {
		if (strcmp(it, "rw") == 0 || strcmp(it, "ro") == 0 ||
		    strncmp(it, "release_agent=", 14) == 0)
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, it);
	}
	return out;
}

static int mount_one_hierarchy(int parentfd, const char *name,
			       const char *mnt_point, const char *fstype,
			       const char *superopts, const struct mount_op *op,
			       const struct mount_plan *plan, calyx_error **err)
{
	_cleanup_close_ int dest = -1;
	_cleanup_free_ char *own = NULL;
	_cleanup_free_ char *src = NULL;
	_cleanup_close_ int tree = -1;
	int r;

	if (mkdirat(parentfd, name, 0755) < 0 && errno != EEXIST)
		return calyx_error_set(err, errno, "mkdir %s", name);
	dest = rootfs_open_in_root(parentfd, name, O_PATH | O_DIRECTORY);
	if (dest < 0)
		return calyx_error_set(err, -dest, "open %s", name);

	if (plan->cgroupns) {
		struct mount_opts o = op->opts;

		o.sb_flags = NULL;
		o.data = strcmp(fstype, "cgroup2") == 0 ?
				 NULL :
				 cgroup1_identity(superopts);
		o.legacy_only = false;
		r = rootfs_mount_fresh(dest, fstype, "cgroup", &o, NULL, NULL,
				       err);
		free(o.data);
		return r < 0 ? calyx_error_prefix(err, "%s", name) : 0;
	}
	own = own_cgroup_path(fstype, superopts);
	if (!own)
		return calyx_error_setx(err, ENOENT,
					"%s: no entry in /proc/self/cgroup",
					name);
	if (asprintf(&src, "%s%s", mnt_point, own) < 0) {
		src = NULL;
		return calyx_error_set(err, ENOMEM, "cgroup");
	}
	tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return calyx_error_set(err, errno, "bind %s", src);
	r = rootfs_mount_apply_attrs(tree, &op->opts, err);
	if (r < 0)
		return r;
	if (move_mount(tree, "", dest, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return calyx_error_set(err, errno, "bind %s", src);
	return 0;
}

static int comount_symlinks(int parentfd, const char *name)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (!strchr(name, ','))
		return 0;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	for (char *it = strtok_r(copy, ",", &save); it;
	     it = strtok_r(NULL, ",", &save))
		if (symlinkat(name, parentfd, it) < 0 && errno != EEXIST)
			return -errno;
	return 0;
}

static int mount_v1_hierarchies(int tmpfd, const struct mount_op *op,
				const struct mount_plan *plan, calyx_error **err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return calyx_error_set(err, errno, "open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char *fields[10] = { 0 };
		char *sep = strstr(line, " - ");
		char *save = NULL, *p;
		const char *name;
		size_t n = 0;
		int r;

		if (!sep)
			continue;
		*sep = '\0';
		/* id parent maj:min root mount_point ... */
		for (p = strtok_r(line, " ", &save); p && n < 5;
		     p = strtok_r(NULL, " ", &save))
			fields[n++] = p;
		if (n < 5)
			continue;
		/* fstype source superopts */
		save = NULL;
		n = 5;
		for (p = strtok_r(sep + 3, " \n", &save); p && n < 8;
		     p = strtok_r(NULL, " \n", &save))
			fields[n++] = p;
		if (n < 8 || (strcmp(fields[5], "cgroup") != 0 &&
			      strcmp(fields[5], "cgroup2") != 0))
			continue;
		if (strncmp(fields[4], HOST_CGROUP_ROOT "/",
			    sizeof(HOST_CGROUP_ROOT)) != 0)
			continue;
		name = fields[4] + sizeof(HOST_CGROUP_ROOT);
		if (!*name || strchr(name, '/'))
			continue;
		r = mount_one_hierarchy(tmpfd, name, fields[4], fields[5],
					fields[7], op, plan, err);
		if (r < 0)
			return r;
		r = comount_symlinks(tmpfd, name);
		if (r < 0)
			return calyx_error_set(err, -r, "symlinks for %s", name);
	}
	return 0;
}

int rootfs_mount_cgroup(int rootfd, const struct mount_op *op,
			const struct mount_plan *plan, calyx_error **err)
{
	_cleanup_close_ int dest = -1;
	_cleanup_close_ int tmpfd = -1;
	struct mount_opts tmpfs_opts = {
		.attr_set = op->opts.attr_set & ~(uint64_t)MOUNT_ATTR_RDONLY,
		.data = (char *)"mode=755",
	};
	struct mount_opts ro = { .attr_set = MOUNT_ATTR_RDONLY };
	struct statfs sfs;
	int r;

	dest = rootfs_mkdir_in_root(rootfd, op->dest, false);
	if (dest < 0)
		return calyx_error_set(err, -dest, "destination /%s", op->dest);
	r = rootfs_check_proc_dest(op, plan, dest, -1, err);
	if (r < 0)
		return r;
	if (statfs(HOST_CGROUP_ROOT, &sfs) < 0)
		return calyx_error_set(err, errno, "statfs " HOST_CGROUP_ROOT);

	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		_cleanup_free_ char *own = NULL;
		_cleanup_free_ char *src = NULL;
		_cleanup_close_ int tree = -1;

		if (plan->cgroupns)
			return rootfs_mount_fresh(dest, "cgroup2", "cgroup",
						  &op->opts, NULL, NULL, err);
		own = own_cgroup_path("cgroup2", "");
		if (!own || asprintf(&src, HOST_CGROUP_ROOT "%s", own) < 0)
			return calyx_error_set(err, ENOMEM, "cgroup path");
		tree = open_tree(AT_FDCWD, src,
				 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (tree < 0)
			return calyx_error_set(err, errno, "bind %s", src);
		r = rootfs_mount_apply_attrs(tree, &op->opts, err);
		if (r < 0)
			return r;
		if (move_mount(tree, "", dest, "",
			       MOVE_MOUNT_F_EMPTY_PATH |
				       MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return calyx_error_set(err, errno, "bind %s", src);
		return 0;
	}

	r = rootfs_mount_fresh(dest, "tmpfs", "tmpfs", &tmpfs_opts,
			       plan->mount_label, &tmpfd, err);
	if (r < 0)
		return r;
	r = mount_v1_hierarchies(tmpfd, op, plan, err);
	if (r < 0)
		return r;
	if (op->opts.attr_set & MOUNT_ATTR_RDONLY)
		return rootfs_mount_apply_attrs(tmpfd, &ro, err);
	return 0;
}
