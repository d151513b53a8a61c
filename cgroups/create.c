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

/*
 * A v1 cpuset cgroup with empty cpus or mems refuses tasks (ENOSPC): fill
 * each empty one from its parent, whoever made the directory -- a level
 * another create is making right now, or one a killed runtime left behind,
 * is as empty as a new one (cgroup.clone_children would do it, but is off).
 */
static int cpuset_fill(int parentfd, int fd, calyx_error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *have = NULL, *value = NULL;
		int r;

		r = cg_read(fd, files[i], &have, err);
		if (r < 0)
			return r;
		if (have[0] != '\n' && have[0] != '\0')
			continue;
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

/*
 * A cpuset level calyx makes (or its own default parent "/calyx") gets
 * cgroup.clone_children: the kernel then gives each new child the
 * parent's cpus and mems as it is made, and cpuset_fill() has nothing to
 * write.  A write of cpuset.cpus costs O(siblings) (validate_change) and
 * a rebuild of the scheduler domains, O(cpusets): with 1,000 containers
 * under one parent it was most of what a create's cgroup setup grew by.
 * Best effort: without it, cpuset_fill() fills the leaf as before.
 */
static bool cpuset_clone_children(int fd, bool made)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	_cleanup_free_ char *v = NULL;

	if (!made && cg_read(fd, "cgroup.clone_children", &v, &ignored) == 0 &&
	    v[0] == '1')
		return true;
	return cg_write(fd, "cgroup.clone_children", "1", &ignored) == 0;
}

static int walk_create(struct cg_hierarchy *h, const char *path,
		       bool cpuset, int *created, int *leaf, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = open(h->mount, DIR_FLAGS);
	int total = count_components(path), level = 0;
	bool clones = false;	/* the level we stand in clones cpuset */
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
		} else if (errno == ENOENT) {
			/* the level we stand in was removed under us */
			return -EAGAIN;
		} else if (errno != EEXIST) {
			return calyx_error_set(err, errno, "mkdir %s%s",
					       h->mount, path);
		}
		next = openat(fd, c, DIR_FLAGS);
		if (next < 0)
			return errno == ENOENT ? -EAGAIN :
			       calyx_error_set(err, errno, "open %s%s",
					       h->mount, path);
		/* made below a cloning level (filled before this mkdir):
		 * the kernel gave it cpus and mems, nothing to read */
		if (cpuset && !(made && clones)) {
			r = cpuset_fill(fd, next, err);
			if (r < 0) {
				close(next);
				/* removed under us (ENOENT/ENODEV): walk again */
				if (r == -ENOENT || r == -ENODEV) {
					calyx_error_free(err);
					return -EAGAIN;
				}
				return calyx_error_prefix(err, "%s%s",
							  h->mount, path);
			}
		}
		clones = cpuset && level + 1 < total &&
			 (made || (level == 0 && !strcmp(c, "calyx"))) &&
			 cpuset_clone_children(next, made);
		close(fd);
		fd = next;
	}
	*leaf = TAKE_FD(fd);
	return 0;
}

static void remove_made(struct cg_hierarchy *h, const char *path, int created);

/* The first few pids in the leaf's cgroup.procs, as "1, 2, 3" ("" when
 * empty).  One bounded read. */
static void leaf_pids(int leaf, char *out, size_t size)
{
	_cleanup_close_ int fd = openat(leaf, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	char buf[128];
	size_t len = 0;
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* only whole lines: a cut pid would name another process */
	if (n == (ssize_t)sizeof(buf) - 1 && strrchr(buf, '\n'))
		*strrchr(buf, '\n') = '\0';
	for (char *p = buf; *p && len + 16 < size; p++) {
		if (*p == '\n') {
			if (p[1])
				len += (size_t)snprintf(out + len, size - len, ", ");
		} else {
			out[len++] = *p;
			out[len] = '\0';
		}
	}
}

/*
 * Is an existing leaf frozen?  A process cloned or moved into it would
 * stop before telling us anything, and create would wait forever.
 */
static bool leaf_frozen(const struct cg_hierarchy *h, int leaf, const char **file)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	_cleanup_free_ char *v = NULL;

	if (h->v2) {
		*file = "cgroup.freeze";
		return cg_read(leaf, *file, &v, &ignored) == 0 && v[0] == '1';
	}
	if (!(h->controllers & CG_BIT(CG_FREEZER)))
		return false;
	*file = "freezer.state";
	return cg_read(leaf, *file, &v, &ignored) == 0 && strncmp(v, "THAWED", 6);
}

/* An existing leaf we must not use: frozen, or somebody's processes in it. */
static int check_existing(struct cg_hierarchy *h, int leaf, calyx_error **err)
{
	const char *file = NULL;
	char pids[96];

	leaf_pids(leaf, pids, sizeof(pids));
	if (pids[0])
		/* another container's cgroup: never join it, never remove it */
		return calyx_error_setx(err, EBUSY,
					"linux.cgroupsPath: cgroup %s already has processes (pids %s): another container may be using it; stop them (or `delete -f` the container that owns them) or choose another cgroupsPath",
					h->dir, pids);
	if (leaf_frozen(h, leaf, &file))
		return calyx_error_setx(err, EBUSY,
					"linux.cgroupsPath: cgroup %s exists and is frozen: a process would stop in it before it could start; thaw it (%s/%s) or remove it, or choose another cgroupsPath",
					h->dir, h->dir, file);
	return 0;
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
	if (created == 0) {
		r = check_existing(h, leaf, err);
		if (r < 0) {
			close(leaf);
			h->created = CG_NOT_OURS;
			return r;
		}
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

/*
 * How many parents above the leaf go with it: those this create made, but
 * never the shared default parent "/calyx": containers are made in it in
 * parallel, and removing it would open a window in which another create's
 * mkdir fails (retrying only narrows it) or its v1 cpuset level is remade
 * empty.  An empty directory costs nothing.
 */
static int removable_parents(const char *path, int created)
{
	if (created <= 1)
		return 0;
	if (!strncmp(path, "/calyx/", 7) && !strchr(path + 7, '/'))
		return 0;
	return created - 1;
}

static void remove_made(struct cg_hierarchy *h, const char *path, int created)
{
	remove_levels(h->mount, path, removable_parents(path, created));
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
	parents = removable_parents(cg->path, h->created);
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
