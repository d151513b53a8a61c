/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the hierarchies are: mode detection (two statfs calls), the v1
 * mounts from /proc/self/mountinfo (read once per manager), the caller's
 * own cgroup and cgroupsPath normalization.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

static const char *const v1_names[CG__COUNT] = {
	[CG_CPU] = "cpu",	  [CG_CPUACCT] = "cpuacct",
	[CG_CPUSET] = "cpuset",	  [CG_MEMORY] = "memory",
	[CG_DEVICES] = "devices", [CG_FREEZER] = "freezer",
	[CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio",
	[CG_BLKIO] = "blkio",	  [CG_PERF_EVENT] = "perf_event",
	[CG_HUGETLB] = "hugetlb", [CG_PIDS] = "pids",
	[CG_RDMA] = "rdma",	  [CG_MISC] = "misc",
	[CG_NAMED] = "name=",
};

int cg_controller_from_name(const char *name, bool v2)
{
	if (v2 && !strcmp(name, "io"))
		return CG_BLKIO;
	if (!v2 && !strncmp(name, "name=", 5))
		return CG_NAMED;
	for (int i = 0; i < CG__COUNT; i++)
		if (i != CG_NAMED && !strcmp(name, v1_names[i]))
			return i;
	return -1;
}

const char *cg_controller_name(enum cg_controller c, bool v2)
{
	if (v2 && c == CG_BLKIO)
		return "io";
	return v1_names[c];
}

static int fs_type(const char *path, long *type)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		return -errno;
	*type = (long)st.f_type;
	return 0;
}

static int detect_at(const char *root, enum calyx_cgroup_mode *mode,
		     calyx_error **err)
{
	char unified[4096];
	long type = 0;
	int r;

	r = fs_type(root, &type);
	if (r < 0)
		return calyx_error_set(err, -r, "statfs %s", root);
	if (type == CGROUP2_SUPER_MAGIC) {
		*mode = CALYX_CGROUP_V2;
		return 0;
	}
	snprintf(unified, sizeof(unified), "%s/unified", root);
	if (fs_type(unified, &type) == 0 && type == CGROUP2_SUPER_MAGIC)
		*mode = CALYX_CGROUP_HYBRID;
	else
		*mode = CALYX_CGROUP_V1;
	return 0;
}

int calyx_cgroup_detect_mode(enum calyx_cgroup_mode *mode, calyx_error **err)
{
	return detect_at(CG_DEFAULT_ROOT, mode, err);
}

static int add_hierarchy(struct calyx_cgroup *cg, bool v2,
			 unsigned int controllers, const char *mount,
			 const char *mount_root, calyx_error **err)
{
	struct cg_hierarchy *nh, *h;

	nh = realloc(cg->h, (cg->n_h + 1) * sizeof(*nh));
	if (!nh)
		return calyx_error_set(err, ENOMEM, "cgroup hierarchies");
	cg->h = nh;
	h = &cg->h[cg->n_h];
	memset(h, 0, sizeof(*h));
	h->dirfd = -1;
	h->v2 = v2;
	h->controllers = controllers;
	h->mount = strdup(mount);
	h->mount_root = strdup(mount_root);
	if (!h->mount || !h->mount_root) {
		free(h->mount);
		free(h->mount_root);
		return calyx_error_set(err, ENOMEM, "cgroup hierarchies");
	}
	cg->n_h++;
	return 0;
}

/* Split one mountinfo line in place; false for lines we do not want. */
static bool parse_mountinfo_line(char *line, char **root, char **mnt,
				 char **fstype, char **super)
{
	char *field[6] = { 0 }, *sep, *save = NULL, *tok;
	int i = 0;

	sep = strstr(line, " - ");
	if (!sep)
		return false;
	*sep = '\0';
	for (tok = strtok_r(line, " ", &save); tok && i < 6;
	     tok = strtok_r(NULL, " ", &save))
		field[i++] = tok;
	if (i < 5)
		return false;
	*root = field[3];
	*mnt = field[4];
	*fstype = strtok_r(sep + 3, " ", &save);
	strtok_r(NULL, " ", &save);	/* source */
	*super = strtok_r(NULL, " \n", &save);
	return *fstype && *super;
}

static bool under_root(const char *mnt, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(mnt, root, n) && (mnt[n] == '/' || mnt[n] == '\0');
}

static unsigned int v1_mask(char *super)
{
	unsigned int mask = 0;
	char *save = NULL;

	for (char *o = strtok_r(super, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		int c = cg_controller_from_name(o, false);

		if (c >= 0)
			mask |= CG_BIT(c);
	}
	return mask;
}

int cg_hierarchies_discover(struct calyx_cgroup *cg, const char *mountinfo,
			    calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	unsigned int seen = 0;
	char *save = NULL;
	int r;

	if (cg->mode == CALYX_CGROUP_V2)
		return add_hierarchy(cg, true, 0, cg->root, "/", err);

	if (!mountinfo) {
		r = calyx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text,
				       NULL, err);
		if (r < 0)
			return r;
	} else {
		text = strdup(mountinfo);
		if (!text)
			return calyx_error_set(err, ENOMEM, "mountinfo");
	}
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *root, *mnt, *fstype, *super;
		unsigned int mask;

		if (!parse_mountinfo_line(line, &root, &mnt, &fstype, &super) ||
		    !under_root(mnt, cg->root))
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			if (cg->mode != CALYX_CGROUP_HYBRID || cg_unified(cg))
				continue;
			r = add_hierarchy(cg, true, 0, mnt, root, err);
		} else if (!strcmp(fstype, "cgroup")) {
			/* of the named hierarchies only name=systemd, as runc */
			if (strstr(super, "name=") &&
			    !strstr(super, "name=systemd"))
				continue;
			mask = v1_mask(super);
			/* a controller mounted twice (bind mounts): first wins */
			if (!mask || (mask & seen))
				continue;
			seen |= mask;
			r = add_hierarchy(cg, false, mask, mnt, root, err);
		} else {
			continue;
		}
		if (r < 0)
			return r;
	}
	if (cg->n_h == 0)
		return calyx_error_setx(err, ENOENT,
					"no cgroup hierarchy mounted under %s",
					cg->root);
	return 0;
}

struct cg_hierarchy *cg_unified(struct calyx_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_h; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	return NULL;
}

/* The controllers a v2 leaf can get are those of the hierarchy's root
 * (cgroup.controllers there); read once, when first needed. */
static void v2_learn_controllers(struct cg_hierarchy *h)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ calyx_error *ignored = NULL;
	char *save = NULL;

	if (h->controllers_known)
		return;
	h->controllers_known = true;
	fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || cg_read(fd, "cgroup.controllers", &text, &ignored) < 0)
		return;
	for (char *t = strtok_r(text, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save)) {
		int c = cg_controller_from_name(t, true);

		if (c >= 0)
			h->controllers |= CG_BIT(c);
	}
}

struct cg_hierarchy *cg_find(struct calyx_cgroup *cg, enum cg_controller c)
{
	struct cg_hierarchy *u;

	for (size_t i = 0; i < cg->n_h; i++)
		if (!cg->h[i].v2 && (cg->h[i].controllers & CG_BIT(c)))
			return &cg->h[i];
	u = cg_unified(cg);
	if (!u)
		return NULL;
	v2_learn_controllers(u);
	return (u->controllers & CG_BIT(c)) ? u : NULL;
}

/* The reference hierarchy for the one path we keep: unified, else the
 * systemd one, else the first. */
static const struct cg_hierarchy *reference(const struct calyx_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_h; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	for (size_t i = 0; i < cg->n_h; i++)
		if (cg->h[i].controllers & CG_BIT(CG_NAMED))
			return &cg->h[i];
	return cg->n_h ? &cg->h[0] : NULL;
}

int cg_own_cgroup(const struct calyx_cgroup *cg, const char *proc_self_cgroup,
		  char **out, calyx_error **err)
{
	const struct cg_hierarchy *ref = reference(cg);
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	int r;

	if (!ref)
		return calyx_error_setx(err, ENOENT, "no cgroup hierarchy");
	if (proc_self_cgroup) {
		text = strdup(proc_self_cgroup);
		if (!text)
			return calyx_error_set(err, ENOMEM, "own cgroup");
	} else {
		r = calyx_read_file_at(AT_FDCWD, "/proc/self/cgroup", &text,
				       NULL, err);
		if (r < 0)
			return r;
	}
	/* lines are "id:controllers:path"; v2 is "0::path" */
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *ctrls = strchr(line, ':'), *path;
		bool match = false;

		if (!ctrls)
			continue;
		path = strchr(++ctrls, ':');
		if (!path)
			continue;
		*path++ = '\0';
		if (ref->v2) {
			match = *ctrls == '\0';
		} else {
			char *s2 = NULL;

			for (char *c = strtok_r(ctrls, ",", &s2); c;
			     c = strtok_r(NULL, ",", &s2)) {
				int id = cg_controller_from_name(c, false);

				if (id >= 0 && (ref->controllers & CG_BIT(id)))
					match = true;
			}
		}
		if (!match)
			continue;
		/* without a cgroup namespace the mount may show a subtree */
		if (strcmp(ref->mount_root, "/") &&
		    under_root(path, ref->mount_root))
			path += strlen(ref->mount_root);
		*out = strdup(*path ? path : "/");
		if (!*out)
			return calyx_error_set(err, ENOMEM, "own cgroup");
		return 0;
	}
	return calyx_error_setx(err, ENOENT,
				"own cgroup not found in /proc/self/cgroup");
}

int cg_normalize_path(const char *in, char **out, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(in);
	_cleanup_free_ char *res = malloc(strlen(in) + 2);
	char *save = NULL;
	size_t len = 0;

	if (!copy || !res)
		return calyx_error_set(err, ENOMEM, "linux.cgroupsPath");
	for (char *c = strtok_r(copy, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, ".."))
			return calyx_error_setx(err, EINVAL,
						"linux.cgroupsPath: \"%s\": \"..\" components are not allowed",
						in);
		res[len++] = '/';
		strcpy(res + len, c);
		len += strlen(c);
	}
	if (len == 0)
		res[len++] = '/';
	res[len] = '\0';
	*out = TAKE_PTR(res);
	return 0;
}
