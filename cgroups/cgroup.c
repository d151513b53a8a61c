/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager: create/open, enter, path, destroy, free.
 *
 * Which hierarchies a container joins: on v1 and hybrid hosts every mounted
 * v1 controller plus name=systemd (and the cgroup2 mount on hybrid), as
 * runc does.  Joining only the controllers the config limits would save one
 * mkdir + one write per controller, but then the container would not be
 * accounted (cpuacct, memory usage, freezer for pause, devices for
 * isolation) where engines and tools look, and a later `update` could not
 * add a limit without moving live processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

static struct calyx_cgroup *cg_new(const char *root,
				   enum calyx_cgroup_mode mode,
				   const struct calyx_log *log)
{
	struct calyx_cgroup *cg = calloc(1, sizeof(*cg));

	if (!cg)
		return NULL;
	cg->root = strdup(root);
	if (!cg->root) {
		free(cg);
		return NULL;
	}
	cg->mode = mode;
	cg->log = log;
	return cg;
}

void calyx_cgroup_free(struct calyx_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_h; i++) {
		if (cg->h[i].dirfd >= 0)
			close(cg->h[i].dirfd);
		free(cg->h[i].mount);
		free(cg->h[i].mount_root);
		free(cg->h[i].dir);
	}
	free(cg->h);
	free(cg->root);
	free(cg->path);
	free(cg);
}

/* A manager that does nothing: rootless without a delegated cgroup. */
static int null_manager(const char *root, const struct calyx_log *log,
			struct calyx_cgroup **out, calyx_error **err)
{
	struct calyx_cgroup *cg = cg_new(root, CALYX_CGROUP_V2, log);

	if (!cg)
		return calyx_error_set(err, ENOMEM, "cgroup manager");
	cg->null = true;
	cg->path = strdup("");
	if (!cg->path) {
		calyx_cgroup_free(cg);
		return calyx_error_set(err, ENOMEM, "cgroup manager");
	}
	*out = cg;
	return 0;
}

static int resolve_path(struct calyx_cgroup *cg,
			const struct calyx_cgroup_config *cfg,
			calyx_error **err)
{
	_cleanup_free_ char *joined = NULL, *own = NULL;
	const char *p = cfg->cgroups_path;
	int r;

	if (!p || !*p) {
		if (!cfg->id || !*cfg->id || strchr(cfg->id, '/'))
			return calyx_error_setx(err, EINVAL,
						"cgroup: invalid container id");
		if (asprintf(&joined, "/calyx/%s", cfg->id) < 0)
			return calyx_error_set(err, ENOMEM, "cgroup path");
	} else if (p[0] != '/') {
		/* relative: under the caller's own cgroup, like runc.  We
		 * keep one path for every hierarchy (the state saves one),
		 * taken from the unified/systemd hierarchy. */
		r = cg_own_cgroup(cg, NULL, &own, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.cgroupsPath");
		if (asprintf(&joined, "%s/%s", own, p) < 0)
			return calyx_error_set(err, ENOMEM, "cgroup path");
	} else {
		joined = strdup(p);
		if (!joined)
			return calyx_error_set(err, ENOMEM, "cgroup path");
	}
	r = cg_normalize_path(joined, &cg->path, err);
	if (r < 0)
		return r;
	if (!strcmp(cg->path, "/"))
		return calyx_error_setx(err, EINVAL,
					"linux.cgroupsPath: \"%s\": the root cgroup cannot hold a container",
					p);
	return 0;
}

static void remove_all(struct calyx_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_h; i++) {
		_cleanup_error_ calyx_error *ignored = NULL;

		if (cg->h[i].dir && (cg->h[i].dirfd >= 0 || cg->h[i].created))
			cg_hierarchy_remove(cg, &cg->h[i], &ignored);
	}
}

static bool permission_error(int r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

int cg_prepare_at(const struct calyx_cgroup_config *cfg, const char *root,
		  enum calyx_cgroup_mode mode, const char *mountinfo,
		  struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	int r;

	if (cfg->rootless && mode != CALYX_CGROUP_V2) {
		/* v1 has no safe delegation to unprivileged users */
		if (cg_resources_have_limits(cfg->resources))
			return calyx_error_setx(err, EPERM,
						"linux.resources: a rootless container cannot set cgroup limits on a cgroup v1 host");
		return null_manager(root, cfg->log, out, err);
	}
	cg = cg_new(root, mode, cfg->log);
	if (!cg)
		return calyx_error_set(err, ENOMEM, "cgroup manager");
	r = cg_hierarchies_discover(cg, mountinfo, err);
	if (r < 0)
		return r;
	r = resolve_path(cg, cfg, err);
	if (r < 0)
		return r;
	*out = TAKE_PTR(cg);
	return 0;
}

/* Rootless without a writable delegated cgroup and without limits: go on
 * without a cgroup, as runc does. */
static void become_null(struct calyx_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_h; i++) {
		if (cg->h[i].dirfd >= 0)
			close(cg->h[i].dirfd);
		cg->h[i].dirfd = -1;
		cg->h[i].created = 0;
	}
	cg->null = true;
}

int calyx_cgroup_make(struct calyx_cgroup *cg, const struct calyx_cgroup_config *cfg,
		      calyx_error **err)
{
	bool limits = cg_resources_have_limits(cfg->resources);
	int r = 0;

	if (cg->null)
		return 0;
	for (size_t i = 0; i < cg->n_h; i++) {
		r = cg_hierarchy_create(cg, &cg->h[i], err);
		if (r < 0)
			break;
	}
	if (r >= 0 && cg->mode == CALYX_CGROUP_V2)
		r = cg_v2_enable(cg, &cg->h[0], ~0u, err);
	if (r < 0) {
		remove_all(cg);
		if (cfg->rootless && permission_error(r)) {
			if (limits)
				return calyx_error_prefix(err,
							  "linux.resources: rootless container without a writable delegated cgroup");
			calyx_error_free(err);
			become_null(cg);
			return 0;
		}
		/* a refusal of an existing cgroup already names it */
		return r == -EBUSY ? r : calyx_error_prefix(err, "creating cgroup %s", cg->path);
	}
	r = cg_apply(cg, cfg->resources, false, err);
	if (r < 0) {
		remove_all(cg);
		return r;
	}
	calyx_debug(cfg->log, "cgroup %s created", cg->path);
	return 0;
}

int cg_create_at(const struct calyx_cgroup_config *cfg, const char *root,
		 enum calyx_cgroup_mode mode, const char *mountinfo,
		 struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	int r;

	r = cg_prepare_at(cfg, root, mode, mountinfo, &cg, err);
	if (r < 0)
		return r;
	r = calyx_cgroup_make(cg, cfg, err);
	if (r < 0)
		return r;
	*out = TAKE_PTR(cg);
	return 0;
}

int calyx_cgroup_prepare(const struct calyx_cgroup_config *cfg,
			 struct calyx_cgroup **out, calyx_error **err)
{
	enum calyx_cgroup_mode mode;
	int r;

	r = calyx_cgroup_detect_mode(&mode, err);
	if (r < 0)
		return r;
	return cg_prepare_at(cfg, CG_DEFAULT_ROOT, mode, NULL, out, err);
}

int calyx_cgroup_create(const struct calyx_cgroup_config *cfg,
			struct calyx_cgroup **out, calyx_error **err)
{
	enum calyx_cgroup_mode mode;
	int r;

	r = calyx_cgroup_detect_mode(&mode, err);
	if (r < 0)
		return r;
	return cg_create_at(cfg, CG_DEFAULT_ROOT, mode, NULL, out, err);
}

int calyx_cgroup_open(const char *path, const struct calyx_log *log,
		      struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	enum calyx_cgroup_mode mode;
	int r;

	if (!path || !*path)
		return null_manager(CG_DEFAULT_ROOT, log, out, err);
	r = calyx_cgroup_detect_mode(&mode, err);
	if (r < 0)
		return r;
	cg = cg_new(CG_DEFAULT_ROOT, mode, log);
	if (!cg)
		return calyx_error_set(err, ENOMEM, "cgroup manager");
	r = cg_hierarchies_discover(cg, NULL, err);
	if (r < 0)
		return r;
	r = cg_normalize_path(path, &cg->path, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n_h; i++) {
		r = cg_hierarchy_open(cg, &cg->h[i], err);
		if (r < 0)
			return r;
	}
	*out = TAKE_PTR(cg);
	return 0;
}

const char *calyx_cgroup_path(const struct calyx_cgroup *cg)
{
	return cg->null ? "" : cg->path;
}

int calyx_cgroup_birth_fd(struct calyx_cgroup *cg, bool *complete)
{
	struct cg_hierarchy *u = cg->null ? NULL : cg_unified(cg);

	*complete = !cg->null && cg->mode == CALYX_CGROUP_V2 && cg->n_h == 1;
	return u ? u->dirfd : -1;
}

int calyx_cgroup_clone_fd(const struct calyx_cgroup *cg)
{
	if (cg->null || cg->mode != CALYX_CGROUP_V2 || cg->n_h != 1)
		return -1;
	return cg->h[0].dirfd;
}

int calyx_cgroup_enter(struct calyx_cgroup *cg, pid_t pid, calyx_error **err)
{
	int r;

	if (cg->null)
		return 0;
	for (size_t i = 0; i < cg->n_h; i++) {
		struct cg_hierarchy *h = &cg->h[i];

		if (h->dirfd < 0)
			return calyx_error_setx(err, ENOENT,
						"joining cgroup %s: it does not exist",
						h->dir);
		r = cg_writef(h->dirfd, "cgroup.procs", err, "%d", (int)pid);
		if (r < 0)
			return calyx_error_prefix(err, "joining cgroup %s",
						  h->dir);
	}
	return 0;
}

int calyx_cgroup_enter_sub(struct calyx_cgroup *cg, const char *sub, pid_t pid,
			   calyx_error **err)
{
	_cleanup_free_ char *controller = NULL;
	const char *colon = strchr(sub, ':'), *path = colon ? colon + 1 : sub;
	bool matched = false;
	int r;

	if (cg->null)
		return calyx_error_setx(err, EINVAL, "--cgroup %s: the container has no cgroup", sub);
	if (colon && !(controller = strndup(sub, (size_t)(colon - sub))))
		return calyx_error_set(err, ENOMEM, "--cgroup");
	if (!*path || path[0] == '/' || strstr(path, ".."))
		return calyx_error_setx(err, EINVAL,
					"--cgroup %s: must be a relative path below the container's cgroup",
					sub);
	for (size_t i = 0; i < cg->n_h; i++) {
		struct cg_hierarchy *h = &cg->h[i];
		_cleanup_close_ int fd = -1;
		bool here = true;

		if (h->dirfd < 0)
			return calyx_error_setx(err, ENOENT, "joining cgroup %s: it does not exist",
						h->dir);
		if (controller) {
			int c = cg_controller_from_name(controller, h->v2);

			here = c >= 0 && (h->controllers & CG_BIT(c));
		}
		matched |= here;
		if (here) {
			fd = openat(h->dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return calyx_error_set(err, errno, "--cgroup %s: %s/%s", sub, h->dir, path);
		}
		r = cg_writef(here ? fd : h->dirfd, "cgroup.procs", err, "%d", (int)pid);
		if (r < 0)
			return calyx_error_prefix(err, "--cgroup %s", sub);
	}
	if (!matched)
		return calyx_error_setx(err, ENOENT, "--cgroup %s: no hierarchy has controller %s",
					sub, controller);
	return 0;
}

int calyx_cgroup_update(struct calyx_cgroup *cg,
			const struct calyx_resources *resources,
			calyx_error **err)
{
	if (cg->null) {
		if (cg_resources_have_limits(resources))
			return calyx_error_setx(err, EPERM,
						"linux.resources: the container has no cgroup to apply them to");
		return 0;
	}
	return cg_apply(cg, resources, true, err);
}

int calyx_cgroup_destroy(struct calyx_cgroup *cg, calyx_error **err)
{
	int r;

	if (cg->null)
		return 0;
	r = cg_kill_and_wait(cg, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n_h; i++) {
		struct cg_hierarchy *h = &cg->h[i];
		int created = h->created;

		if (!h->dir)
			continue;
		r = cg_hierarchy_remove(cg, h, err);
		if (r == -EBUSY && h->created != CG_NOT_OURS) {
			/* someone the listed hierarchy does not show: a
			 * process that a killed runtime had moved into some
			 * hierarchies only */
			calyx_error_free(err);
			r = cg_kill_and_wait_dir(h->dir, err);
			h->created = created;
			if (r >= 0)
				r = cg_hierarchy_remove(cg, h, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}
