/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Making and removing the container's directory in one hierarchy.  Every
 * level is walked with openat() from the mount point, so a path is never
 * re-resolved from a string and each created level is known.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* a concurrent destroy may rmdir a shared parent ("/calyx") between our
 * mkdir and openat; starting the walk again is enough */
#define CREATE_ATTEMPTS 8

static int count_components(const char *path)
{
	int n = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

/* A new v1 cpuset cgroup has empty cpus/mems and refuses tasks: copy the
 * parent's (the kernel's cgroup.clone_children would do it, but is off). */
static int cpuset_inherit(int parentfd, int fd, calyx_error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *value = NULL;
		int r;

		r = cg_read(parentfd, files[i], &value, err);
		if (r < 0)
			return r;
		if (value[0] == '\n' || value[0] == '\0')
			continue;
		r = cg_write(fd, files[i], value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk_create(struct cg_hierarchy *h, const char *path,
		       bool cpuset, int *created, int *leaf, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = open(h->mount, DIR_FLAGS);
	int total = count_components(path), level = 0;
	char *save = NULL;

	*created = 0;
	if (!copy)
		return calyx_error_set(err, ENOMEM, "cgroup %s", path);
	if (fd < 0)
		return calyx_error_set(err, errno, "open %s", h->mount);
	for (char *c = strtok_r(copy, "/", &save); c;
	     c = strtok_r(NULL, "/", &save), level++) {
		bool made = false;
		int next, r;

		if (mkdirat(fd, c, 0755) == 0) {
			made = true;
			if (*created == 0)
				*created = total - level;
		} else if (errno != EEXIST) {
			return calyx_error_set(err, errno, "mkdir %s%s",
					       h->mount, path);
		}
		next = openat(fd, c, DIR_FLAGS);
		if (next < 0)
			return errno == ENOENT ? -EAGAIN :
			       calyx_error_set(err, errno, "open %s%s",
					       h->mount, path);
		if (made && cpuset) {
			r = cpuset_inherit(fd, next, err);
			if (r < 0) {
				close(next);
				return calyx_error_prefix(err, "%s%s",
							  h->mount, path);
			}
		}
		close(fd);
		fd = next;
	}
	*leaf = TAKE_FD(fd);
	return 0;
}

static void remove_made(struct cg_hierarchy *h, const char *path, int created);

/* Any pid in the leaf's cgroup.procs?  One read of at most a few bytes. */
static bool leaf_has_processes(int leaf)
{
	_cleanup_close_ int fd = openat(leaf, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	char c;

	return fd >= 0 && read(fd, &c, 1) == 1;
}

int cg_hierarchy_create(struct calyx_cgroup *cg, struct cg_hierarchy *h,
			calyx_error **err)
{
	bool cpuset = !h->v2 && (h->controllers & CG_BIT(CG_CPUSET));
	int r = -EAGAIN, created = 0, leaf = -1;

	if (asprintf(&h->dir, "%s%s", h->mount, cg->path) < 0) {
		h->dir = NULL;
		return calyx_error_set(err, ENOMEM, "cgroup %s", cg->path);
	}
	for (int i = 0; i < CREATE_ATTEMPTS && r == -EAGAIN; i++) {
		r = walk_create(h, cg->path, cpuset, &created, &leaf, err);
		if (r < 0 && created > 0) {
			remove_made(h, cg->path, created);
			created = 0;
		}
	}
	if (r == -EAGAIN)
		return calyx_error_setx(err, EAGAIN,
					"mkdir %s: parent removed concurrently",
					h->dir);
	if (r < 0)
		return r;
	if (created == 0 && leaf_has_processes(leaf)) {
		/* another container's cgroup: never join it, never remove it */
		close(leaf);
		h->created = CG_NOT_OURS;
		return calyx_error_setx(err, EBUSY,
					"linux.cgroupsPath: cgroup %s already has processes (is another container using it?)",
					h->dir);
	}
	h->dirfd = leaf;
	h->created = created;
	return 0;
}

int cg_hierarchy_open(struct calyx_cgroup *cg, struct cg_hierarchy *h,
		      calyx_error **err)
{
	if (asprintf(&h->dir, "%s%s", h->mount, cg->path) < 0) {
		h->dir = NULL;
		return calyx_error_set(err, ENOMEM, "cgroup %s", cg->path);
	}
	h->created = -1;
	h->dirfd = open(h->dir, DIR_FLAGS);
	if (h->dirfd < 0 && errno != ENOENT)
		return calyx_error_set(err, errno, "open %s", h->dir);
	return 0;
}

/* rmdir a cgroup and, depth first, whatever the container nested in it. */
static int rmdir_tree(int parentfd, const char *name)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -errno;
	fd = openat(parentfd, name, DIR_FLAGS);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			rmdir_tree(dirfd(d), de->d_name);
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Remove the leaf and then up to `parents` empty parents; a parent still
 * in use (another container under it) ends the climb quietly. */
static int remove_levels(const char *mount, const char *path, int parents)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int mfd = open(mount, DIR_FLAGS);
	char *slash;
	int r;

	if (!copy)
		return -ENOMEM;
	if (mfd < 0)
		return -errno;
	r = rmdir_tree(mfd, copy + 1);
	if (r < 0)
		return r;
	while (parents-- > 0) {
		slash = strrchr(copy, '/');
		if (!slash || slash == copy)
			break;
		*slash = '\0';
		if (unlinkat(mfd, copy + 1, AT_REMOVEDIR) < 0)
			break;
	}
	return 0;
}

static void remove_made(struct cg_hierarchy *h, const char *path, int created)
{
	remove_levels(h->mount, path, created - 1);
}

int cg_hierarchy_remove(struct calyx_cgroup *cg, struct cg_hierarchy *h,
			calyx_error **err)
{
	int parents, r;

	if (h->dirfd >= 0) {
		close(h->dirfd);
		h->dirfd = -1;
	}
	if (h->created == CG_NOT_OURS)
		return 0;
	if (h->created > 0)
		parents = h->created - 1;
	else
		parents = 0;
	/* our own default parent "/calyx" goes with its last container, whoever
	 * made it (rmdir of a non-empty one fails harmlessly; a concurrent
	 * create retries when its parent vanishes) */
	if (parents == 0 && !strncmp(cg->path, "/calyx/", 7) && !strchr(cg->path + 7, '/'))
		parents = 1;
	r = remove_levels(h->mount, cg->path, parents);
	if (r < 0 && r != -ENOENT)
		return calyx_error_set(err, -r, "removing cgroup %s", h->dir);
	h->created = 0;
	return 0;
}

/*
 * Enable `mask` controllers for the leaf: "+c" in the subtree_control of
 * the mount root and every level above the leaf.  One write per level; if
 * it fails (one controller refused), each controller alone, best effort:
 * the resource write that needs a missing controller reports the error.
 */
int cg_v2_enable(struct calyx_cgroup *cg, struct cg_hierarchy *h,
		 unsigned int mask, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(cg->path);
	_cleanup_close_ int fd = open(h->mount, DIR_FLAGS);
	char all[256] = "";
	char *save = NULL, *c, *next_c;

	if (!copy)
		return calyx_error_set(err, ENOMEM, "cgroup %s", cg->path);
	if (fd < 0)
		return calyx_error_set(err, errno, "open %s", h->mount);
	for (int i = 0; i < CG__COUNT; i++) {
		if (!(mask & CG_BIT(i)) || i == CG_NAMED || i == CG_CPUACCT)
			continue;
		strcat(all, all[0] ? " +" : "+");
		strcat(all, cg_controller_name(i, true));
	}
	if (!all[0])
		return 0;
	c = strtok_r(copy, "/", &save);
	while (c) {
		_cleanup_error_ calyx_error *ignored = NULL;
		int next;

		next_c = strtok_r(NULL, "/", &save);
		if (cg_write(fd, "cgroup.subtree_control", all, &ignored) < 0) {
			for (int i = 0; i < CG__COUNT; i++) {
				_cleanup_error_ calyx_error *e2 = NULL;

				if (!(mask & CG_BIT(i)) || i == CG_NAMED ||
				    i == CG_CPUACCT)
					continue;
				cg_writef(fd, "cgroup.subtree_control", &e2,
					  "+%s", cg_controller_name(i, true));
			}
		}
		next = openat(fd, c, DIR_FLAGS);
		if (next < 0)
			return calyx_error_set(err, errno, "open %s", h->dir);
		close(fd);
		fd = next;
		c = next_c;
	}
	return 0;
}
