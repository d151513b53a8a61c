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
#include "cgroups/systemd.h"
#include "util/cleanup.h"

struct calyx_cgroup *cg_new(const char *root, enum calyx_cgroup_mode mode,
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
	cg_systemd_free(cg->sd);
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

	/* systemd makes the unit's cgroup when the first process enters */
	if (cg->null || cg->sd)
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

	if (cfg->systemd)
		return cg_systemd_create(cfg, out, err);
	r = calyx_cgroup_detect_mode(&mode, err);
	if (r < 0)
		return r;
	return cg_prepare_at(cfg, CG_DEFAULT_ROOT, mode, NULL, out, err);
}

int calyx_cgroup_create(const struct calyx_cgroup_config *cfg,
			struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	int r;

	r = calyx_cgroup_prepare(cfg, &cg, err);
	if (r >= 0)
		r = calyx_cgroup_make(cg, cfg, err);
	if (r < 0)
		return r;
	*out = TAKE_PTR(cg);
	return 0;
}

int calyx_cgroup_open(const char *path, const struct calyx_log *log,
		      struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	enum calyx_cgroup_mode mode;
	int r;

	if (!path || !*path)
		return null_manager(CG_DEFAULT_ROOT, log, out, err);
	if (!strncmp(path, CG_SYSTEMD_PREFIX, strlen(CG_SYSTEMD_PREFIX)))
		return cg_systemd_open(path, log, out, err);
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
	if (cg->sd && cg->sd->saved)
		return cg->sd->saved;
	/* a systemd unit not started yet has no cgroup: nothing to record
	 * (a transient scope goes away with its last process anyway) */
	return cg->null || !cg->path ? "" : cg->path;
}

const char *calyx_cgroup_saved_dir(const char *saved)
{
	if (!strncmp(saved, CG_SYSTEMD_PREFIX, strlen(CG_SYSTEMD_PREFIX)))
		return saved + strlen(CG_SYSTEMD_PREFIX);
	return saved;
}

int calyx_cgroup_birth_fd(struct calyx_cgroup *cg, bool *complete)
{
	struct cg_hierarchy *u = cg->null ? NULL : cg_unified(cg);

	/* systemd: born outside, the unit is started around the process */
	if (cg->sd && !cg->sd->started) {
		*complete = false;
		return -1;
	}
	*complete = !cg->null && cg->mode == CALYX_CGROUP_V2 && cg->n_h == 1;
	return u ? u->dirfd : -1;
}

int calyx_cgroup_enter(struct calyx_cgroup *cg, pid_t pid, calyx_error **err)
{
	int r;

	if (cg->null)
		return 0;
	/* systemd driver: the first process starts the unit */
	if (cg->sd && !cg->sd->started)
		return cg_systemd_start(cg, pid, err);
	for (size_t i = 0; i < cg->n_h; i++) {
		struct cg_hierarchy *h = &cg->h[i];

		if (h->dirfd < 0)
			return calyx_error_setx(err, ENOENT,
						"joining cgroup %s: it does not exist",
						h->dir);
		r = cg_writef(h->dirfd, "cgroup.procs", err, "%d", (int)pid);
		if (r < 0 && cg->sd && permission_error(r)) {
			calyx_error_free(err);
			return cg_systemd_attach(cg, NULL, pid, err);
		}
		if (r < 0)
			return calyx_error_prefix(err, "joining cgroup %s",
						  h->dir);
	}
	return 0;
}

/* The path part of one --cgroup value, relative; NULL if it climbs out. */
static const char *sub_path(const char *sub)
{
	const char *colon = strchr(sub, ':'), *path = colon ? colon + 1 : sub;

	while (*path == '/')
		path++;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 2 && !strncmp(p, "..", 2))
			return NULL;
		for (p += len; *p == '/'; p++)
			;
	}
	return path;
}

/* Mark in chosen[] the hierarchies one --cgroup value applies to, with
 * its controllers (all hierarchies without); later values win. */
static int sub_choose(struct calyx_cgroup *cg, const char *sub, const char *path,
		      const char **chosen, bool *by_ctrl, calyx_error **err)
{
	const char *colon = strchr(sub, ':');
	_cleanup_free_ char *list = NULL;
	char *save = NULL;

	if (!colon) {
		for (size_t i = 0; i < cg->n_h; i++)
			if (!by_ctrl[i])
				chosen[i] = path;
		return 0;
	}
	list = strndup(sub, (size_t)(colon - sub));
	if (!list)
		return calyx_error_set(err, ENOMEM, "--cgroup");
	for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		int v1 = cg_controller_from_name(c, false), v2 = cg_controller_from_name(c, true);
		struct cg_hierarchy *h;

		if (v1 < 0 && v2 < 0)
			return calyx_error_setx(err, EINVAL, "--cgroup %s: unknown controller %s",
						sub, c);
		h = cg_find(cg, (enum cg_controller)(v1 >= 0 ? v1 : v2));
		if (!h)
			return calyx_error_setx(err, ENOENT,
						"--cgroup %s: no hierarchy has controller %s", sub, c);
		chosen[h - cg->h] = path;
		by_ctrl[h - cg->h] = true;
	}
	return 0;
}

int calyx_cgroup_enter_sub(struct calyx_cgroup *cg, char *const *subs,
			   pid_t pid, calyx_error **err)
{
	_cleanup_free_ const char **chosen = NULL;
	_cleanup_free_ bool *by_ctrl = NULL;
	int r;

	if (cg->null)
		return calyx_error_setx(err, EINVAL, "--cgroup %s: the container has no cgroup",
					subs[0]);
	chosen = calloc(cg->n_h, sizeof(*chosen));
	by_ctrl = calloc(cg->n_h, sizeof(*by_ctrl));
	if (!chosen || !by_ctrl)
		return calyx_error_set(err, ENOMEM, "--cgroup");
	/* controller-specific values first, so that they beat the others */
	for (int pass = 0; pass < 2; pass++) {
		for (char *const *s = subs; *s; s++) {
			const char *path = sub_path(*s);

			if (!path)
				return calyx_error_setx(err, EINVAL,
							"--cgroup %s: must be a relative path below the container's cgroup",
							*s);
			if ((strchr(*s, ':') != NULL) != (pass == 0))
				continue;
			r = sub_choose(cg, *s, path, chosen, by_ctrl, err);
			if (r < 0)
				return r;
		}
	}
	for (size_t i = 0; i < cg->n_h; i++) {
		struct cg_hierarchy *h = &cg->h[i];
		const char *path = chosen[i] ? chosen[i] : "";
		_cleanup_close_ int fd = -1;

		if (h->dirfd < 0)
			return calyx_error_setx(err, ENOENT, "joining cgroup %s: it does not exist",
						h->dir);
		if (*path) {
			fd = openat(h->dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return calyx_error_set(err, errno, "--cgroup: %s/%s", h->dir, path);
		}
		r = cg_writef(*path ? fd : h->dirfd, "cgroup.procs", err, "%d", (int)pid);
		if (r < 0 && cg->sd && permission_error(r)) {
			/* systemd's unit: one hierarchy, its manager may */
			calyx_error_free(err);
			r = cg_systemd_attach(cg, path, pid, err);
			if (r < 0)
				return calyx_error_prefix(err, "--cgroup %s", path);
			continue;
		}
		if (r < 0)
			return calyx_error_prefix(err, "--cgroup: joining %s/%s", h->dir, path);
	}
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
	if (cg->sd) {
		/* the files first: they check the values against the live
		 * cgroup (a memory limit below usage is refused there, where
		 * systemd would set it and have the container OOM-killed) */
		int r = cg_apply(cg, resources, true, err);

		return r < 0 ? r : cg_systemd_update(cg, resources, err);
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
	if (cg->sd)
		return cg_systemd_stop(cg, err);
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
