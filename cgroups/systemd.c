/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd cgroup driver: a transient unit per container.
 *
 * create() checks everything it can before the container process exists
 * (cgroupsPath, properties, annotations, a reachable bus); the first
 * enter() starts the unit with the new process in PIDs= (systemd creates
 * the cgroup and moves the process), waits for the job on JobRemoved, then
 * applies the resources to the cgroup files and calyx's own device filter,
 * exactly as the cgroupfs driver does on the scope's directory.  From then
 * on the scope is a v2 cgroup like any other: ps, pause, stats and events
 * need no bus.  destroy() kills what is left, stops the unit and resets a
 * failed state, so no unit outlives the container.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/systemd.h"
#include "util/cleanup.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static const char job_removed_match[] =
	"type='signal',sender='org.freedesktop.systemd1',"
	"interface='org.freedesktop.systemd1.Manager',member='JobRemoved',"
	"path='/org/freedesktop/systemd1'";

void cg_systemd_free(struct cg_systemd *sd)
{
	if (!sd)
		return;
	free(sd->unit);
	free(sd->slice);
	free(sd->saved);
	dbus_close(sd->bus);
	dbus_buf_release(&sd->props);
	free(sd);
}

static int bus(struct cg_systemd *sd, calyx_error **err)
{
	int r;

	if (sd->bus)
		return 0;
	r = dbus_open(sd->user, &sd->bus, err);
	if (r < 0)
		return calyx_error_prefix(err, "systemd cgroup driver");
	return 0;
}

static bool is_slice(const char *unit)
{
	size_t n = strlen(unit);

	return n > 6 && !strcmp(unit + n - 6, ".slice");
}

/* The unit's cgroup as its manager reports it (the user manager's units
 * live below its own cgroup, not below the slice's name). */
static int unit_cgroup(struct cg_systemd *sd, char **out, calyx_error **err)
{
	struct dbus_buf body = { 0 };
	struct dbus_msg reply;
	_cleanup_free_ char *path = NULL;
	const char *p, *vsig, *cg;
	int r;

	dbus_put_str(&body, sd->unit);
	r = dbus_call(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", "s", &body,
		      &reply, err);
	dbus_buf_release(&body);
	if (r < 0)
		return r;
	p = reply.signature && !strcmp(reply.signature, "o") ? dbus_get_str(&reply.body) : NULL;
	if (!p || !(path = strdup(p)))
		return calyx_error_setx(err, EBADMSG, "GetUnit %s: unexpected reply", sd->unit);
	dbus_put_str(&body, is_slice(sd->unit) ? "org.freedesktop.systemd1.Slice" :
						 "org.freedesktop.systemd1.Scope");
	dbus_put_str(&body, "ControlGroup");
	r = dbus_call(sd->bus, SD_DEST, path, "org.freedesktop.DBus.Properties", "Get",
		      "ss", &body, &reply, err);
	dbus_buf_release(&body);
	if (r < 0)
		return r;
	vsig = reply.signature && !strcmp(reply.signature, "v") ? dbus_get_sig(&reply.body) : NULL;
	cg = vsig && !strcmp(vsig, "s") ? dbus_get_str(&reply.body) : NULL;
	if (!cg || cg[0] != '/')
		return calyx_error_setx(err, EBADMSG, "%s: systemd reports no cgroup for it",
					sd->unit);
	*out = strdup(cg);
	return *out ? 0 : calyx_error_set(err, ENOMEM, "cgroup path");
}

/* Start a job with method(body) and wait until systemd is done with it. */
static int run_job(struct cg_systemd *sd, const char *method, const char *sig,
		   const struct dbus_buf *body, calyx_error **err)
{
	struct dbus_msg reply;
	_cleanup_free_ char *job = NULL;
	char result[16];
	const char *p;
	int r;

	r = dbus_call(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, method, sig, body, &reply, err);
	if (r < 0)
		return r;
	p = reply.signature && !strcmp(reply.signature, "o") ? dbus_get_str(&reply.body) : NULL;
	if (!p || !(job = strdup(p)))
		return calyx_error_setx(err, EBADMSG, "%s %s: unexpected reply", method, sd->unit);
	r = dbus_wait_job(sd->bus, job, result, sizeof(result), err);
	if (r < 0)
		return r;
	if (strcmp(result, "done"))
		return calyx_error_setx(err, EIO, "%s %s: the systemd job ended \"%s\"%s", method,
					sd->unit, result,
					strcmp(result, "failed") ? "" :
					" (see journalctl -u the unit)");
	return 0;
}

static void reset_failed(struct cg_systemd *sd)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	struct dbus_buf body = { 0 };
	struct dbus_msg reply;

	dbus_put_str(&body, sd->unit);
	dbus_call(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", "s", &body,
		  &reply, &ignored);
	dbus_buf_release(&body);
}

static int subscribe_jobs(struct cg_systemd *sd, calyx_error **err)
{
	struct dbus_buf body = { 0 };
	struct dbus_msg reply;
	int r;

	dbus_put_str(&body, job_removed_match);
	r = dbus_call(sd->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		      "org.freedesktop.DBus", "AddMatch", "s", &body, &reply, err);
	dbus_buf_release(&body);
	return r;
}

/*
 * The user's manager (rootless): systemd runs it as user@UID.service in
 * the user's slice, with that cgroup delegated to the user (owned by it);
 * its units live below it, with the controllers it was given
 * (cgroup.controllers there: Debian 12 gives it cpu, memory and pids).
 * *have is that list as read, for errors.
 */
static int user_manager_controllers(const struct calyx_cgroup *cg, unsigned int *mask,
				    char **have, calyx_error **err)
{
	uid_t uid = geteuid();
	_cleanup_free_ char *dir = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	char *save = NULL;
	struct stat st;
	int r;

	if (asprintf(&dir, "%s/user.slice/user-%u.slice/user@%u.service", cg->root,
		     (unsigned int)uid, (unsigned int)uid) < 0)
		return calyx_error_set(err, ENOMEM, "cgroup path");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return calyx_error_setx(err, ENOENT,
					"--systemd-cgroup as uid %u: no systemd user manager (%s does not exist): log in as the user, or loginctl enable-linger it",
					(unsigned int)uid, dir);
	if (fd < 0)
		return calyx_error_set(err, errno, "--systemd-cgroup as uid %u: %s",
				       (unsigned int)uid, dir);
	if (fstat(fd, &st) < 0)
		return calyx_error_set(err, errno, "%s", dir);
	if (st.st_uid != uid)
		return calyx_error_setx(err, EPERM,
					"--systemd-cgroup as uid %u: %s is not delegated to the user (owned by uid %u)",
					(unsigned int)uid, dir, (unsigned int)st.st_uid);
	r = cg_read(fd, "cgroup.controllers", &text, err);
	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = '\0';
	*have = strdup(*text ? text : "none");
	if (!*have)
		return calyx_error_set(err, ENOMEM, "cgroup controllers");
	*mask = 0;
	for (char *t = strtok_r(text, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		int c = cg_controller_from_name(t, true);

		if (c >= 0)
			*mask |= CG_BIT(c);
	}
	return 0;
}

/* What the user's manager can give the container: every resource the
 * config sets must have its controller delegated (runc fails writing
 * the file; this says which field, before anything is made). */
static int user_manager_check(struct calyx_cgroup *cg, const struct calyx_resources *res,
			      calyx_error **err)
{
	_cleanup_free_ char *have = NULL;
	struct cg_hierarchy *u = cg_unified(cg);
	enum cg_controller c;
	unsigned int mask;
	const char *field;
	int r;

	r = user_manager_controllers(cg, &mask, &have, err);
	if (r < 0)
		return r;
	field = cg_resources_missing(res, mask, &c);
	if (field)
		return calyx_error_setx(err, EPERM,
					"linux.resources.%s: the %s cgroup controller is not delegated to the user's systemd (user@%u.service has: %s)",
					field, cg_controller_name(c, true),
					(unsigned int)geteuid(), have);
	/* the leaf can have what the manager has, no more (update, stats) */
	if (u) {
		u->controllers = mask;
		u->controllers_known = true;
	}
	return 0;
}

int cg_systemd_create(const struct calyx_cgroup_config *cfg,
		      struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	struct cg_systemd *sd;
	enum calyx_cgroup_mode mode;
	size_t n = 0;
	int r;

	cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->root = strdup(CG_DEFAULT_ROOT)) ||
	    !(cg->sd = calloc(1, sizeof(*cg->sd))))
		return calyx_error_set(err, ENOMEM, "cgroup manager");
	cg->mode = CALYX_CGROUP_V2;
	cg->log = cfg->log;
	sd = cg->sd;
	sd->user = cfg->rootless;
	sd->resources = cfg->resources;
	r = cg_systemd_parse_path(cfg->cgroups_path, cfg->id, cfg->rootless, sd, err);
	if (r < 0)
		return r;
	/* everything the config asks of systemd is checked before the clone */
	r = cg_systemd_resource_props(&sd->props, cfg->resources, &n, err);
	if (r >= 0)
		r = cg_systemd_annotation_props(&sd->props, cfg->annotations,
						cfg->n_annotations, &n, err);
	if (r < 0)
		return r;
	/*
	 * Only see that the bus is there: the connection itself is opened
	 * after the clone.  The container process must never inherit a
	 * root-authenticated bus socket (with CAP_SYS_PTRACE, pidfd_getfd()
	 * before its exec would hand the container systemd).  The system's
	 * first: on a host without systemd no bus says most; the user's
	 * after its manager (below), whose absence says more.
	 */
	if (!sd->user) {
		r = dbus_check(false, err);
		if (r < 0)
			return calyx_error_prefix(err, "systemd cgroup driver");
	}
	r = calyx_cgroup_detect_mode(&mode, err);
	if (r < 0)
		return r;
	if (mode != CALYX_CGROUP_V2)
		return calyx_error_setx(err, ENOTSUP,
					"--systemd-cgroup: needs a pure cgroup v2 host (this one has cgroup v1 controllers)");
	r = cg_hierarchies_discover(cg, NULL, err);
	if (r < 0)
		return r;
	if (sd->user) {
		r = user_manager_check(cg, cfg->resources, err);
		if (r < 0)
			return r;
		r = dbus_check(true, err);
		if (r < 0)
			return calyx_error_prefix(err, "systemd cgroup driver");
	}
	calyx_debug(cfg->log, "systemd unit %s in %s (not started yet)", sd->unit, sd->slice);
	*out = TAKE_PTR(cg);
	return 0;
}

static void put_common_props(struct dbus_buf *b, const struct cg_systemd *sd, pid_t pid)
{
	static const char *const accounting[] = {
		"CPUAccounting", "MemoryAccounting", "IOAccounting", "TasksAccounting",
	};
	char desc[300];
	struct dbus_array a;

	snprintf(desc, sizeof(desc), "calyx container %s", sd->unit);
	dbus_put_prop(b, "Description", "s");
	dbus_put_str(b, desc);
	if (is_slice(sd->unit)) {
		/* a slice's parent is in its name; Wants= pulls it in */
		dbus_put_prop(b, "Wants", "as");
		a = dbus_array_open(b, 4);
		dbus_put_str(b, sd->slice);
		dbus_array_close(b, a);
	} else {
		dbus_put_prop(b, "Slice", "s");
		dbus_put_str(b, sd->slice);
		dbus_put_prop(b, "Delegate", "b");
		dbus_put_bool(b, true);
		dbus_put_prop(b, "PIDs", "au");
		a = dbus_array_open(b, 4);
		dbus_put_u32(b, (uint32_t)pid);
		dbus_array_close(b, a);
	}
	/* as runc and crun: not ordered against shutdown.target & co */
	dbus_put_prop(b, "DefaultDependencies", "b");
	dbus_put_bool(b, false);
	/* the controllers the resources need are enabled for the unit */
	for (size_t i = 0; i < ARRAY_SIZE(accounting); i++) {
		dbus_put_prop(b, accounting[i], "b");
		dbus_put_bool(b, true);
	}
}

static int start_unit(struct calyx_cgroup *cg, pid_t pid, calyx_error **err)
{
	struct cg_systemd *sd = cg->sd;
	struct dbus_buf body = { 0 };
	struct dbus_array props, aux;
	int r;

	r = subscribe_jobs(sd, err);
	if (r < 0)
		return r;
	dbus_put_str(&body, sd->unit);
	dbus_put_str(&body, "fail");
	props = dbus_array_open(&body, 8);
	put_common_props(&body, sd, pid);
	if (sd->props.len) {
		/* both start 8-aligned: the bytes are position independent */
		dbus_put_align(&body, 8);
		for (size_t i = 0; i < sd->props.len; i++)
			dbus_put_u8(&body, sd->props.data[i]);
	}
	dbus_array_close(&body, props);
	aux = dbus_array_open(&body, 8);
	dbus_array_close(&body, aux);
	r = run_job(sd, "StartTransientUnit", "ssa(sv)a(sa(sv))", &body, err);
	dbus_buf_release(&body);
	if (r < 0) {
		/* a unit that failed to start stays listed as failed */
		reset_failed(sd);
		return r;
	}
	sd->started = true;
	return 0;
}

int cg_systemd_start(struct calyx_cgroup *cg, pid_t pid, calyx_error **err)
{
	struct cg_systemd *sd = cg->sd;
	_cleanup_free_ char *path = NULL;
	int r;

	r = bus(sd, err);
	if (r >= 0)
		r = start_unit(cg, pid, err);
	if (r < 0)
		return calyx_error_prefix(err, "systemd unit %s", sd->unit);
	r = unit_cgroup(sd, &path, err);
	if (r < 0)
		return calyx_error_prefix(err, "systemd unit %s", sd->unit);
	free(cg->path);
	cg->path = TAKE_PTR(path);
	if (asprintf(&sd->saved, CG_SYSTEMD_PREFIX "%s", cg->path) < 0) {
		sd->saved = NULL;
		return calyx_error_set(err, ENOMEM, "cgroup path");
	}
	r = cg_hierarchy_open(cg, &cg->h[0], err);
	if (r >= 0 && cg->h[0].dirfd < 0)
		r = calyx_error_setx(err, ENOENT, "systemd unit %s: its cgroup %s does not exist",
				     sd->unit, cg->h[0].dir);
	if (r < 0)
		return r;
	/* systemd made it: it goes with the unit, we never rmdir it */
	cg->h[0].created = CG_NOT_OURS;
	if (is_slice(sd->unit)) {
		r = cg_writef(cg->h[0].dirfd, "cgroup.procs", err, "%d", (int)pid);
		if (r < 0)
			return calyx_error_prefix(err, "joining slice %s", sd->unit);
	}
	calyx_debug(cg->log, "systemd unit %s started: cgroup %s", sd->unit, cg->path);
	/* what systemd has no property for, and calyx's device filter */
	return cg_apply(cg, sd->resources, false, err);
}

int cg_systemd_update(struct calyx_cgroup *cg, const struct calyx_resources *res,
		      calyx_error **err)
{
	struct cg_systemd *sd = cg->sd;
	struct dbus_buf props = { 0 }, body = { 0 };
	struct dbus_msg reply;
	struct dbus_array a;
	size_t n = 0;
	int r;

	r = cg_systemd_resource_props(&props, res, &n, err);
	if (r < 0 || n == 0) {
		dbus_buf_release(&props);
		return r;
	}
	r = bus(sd, err);
	if (r < 0) {
		dbus_buf_release(&props);
		return r;
	}
	dbus_put_str(&body, sd->unit);
	dbus_put_bool(&body, true);	/* runtime: gone with the unit */
	a = dbus_array_open(&body, 8);
	for (size_t i = 0; i < props.len; i++)
		dbus_put_u8(&body, props.data[i]);
	dbus_array_close(&body, a);
	dbus_buf_release(&props);
	r = dbus_call(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties",
		      "sba(sv)", &body, &reply, err);
	dbus_buf_release(&body);
	if (r < 0)
		return calyx_error_prefix(err, "systemd unit %s", sd->unit);
	return 0;
}

int cg_systemd_attach(struct calyx_cgroup *cg, const char *sub, pid_t pid,
		      calyx_error **err)
{
	struct cg_systemd *sd = cg->sd;
	struct dbus_buf body = { 0 };
	struct dbus_msg reply;
	struct dbus_array a;
	int r;

	r = bus(sd, err);
	if (r < 0)
		return r;
	dbus_put_str(&body, sd->unit);
	dbus_put_str(&body, sub && *sub ? sub : "");
	a = dbus_array_open(&body, 4);
	dbus_put_u32(&body, (uint32_t)pid);
	dbus_array_close(&body, a);
	r = dbus_call(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", "ssau",
		      &body, &reply, err);
	dbus_buf_release(&body);
	if (r < 0)
		return calyx_error_prefix(err, "systemd unit %s", sd->unit);
	calyx_debug(cg->log, "systemd placed pid %d in %s%s%s", (int)pid, sd->unit,
		    sub && *sub ? "/" : "", sub && *sub ? sub : "");
	return 0;
}

/* Whether the unit's cgroup directory is still there. */
static bool scope_cgroup_exists(const struct calyx_cgroup *cg)
{
	_cleanup_free_ char *dir = NULL;

	if (!cg->path || asprintf(&dir, "%s%s", CG_DEFAULT_ROOT, cg->path) < 0)
		return true;	/* cannot tell: keep the error */
	return access(dir, F_OK) == 0 || errno != ENOENT;
}

int cg_systemd_stop(struct calyx_cgroup *cg, calyx_error **err)
{
	struct cg_systemd *sd = cg->sd;
	struct dbus_buf body = { 0 };
	int r;

	if (!sd->started)
		return 0;
	r = bus(sd, err);
	if (r < 0)
		return r;
	r = subscribe_jobs(sd, err);
	if (r >= 0) {
		dbus_put_str(&body, sd->unit);
		dbus_put_str(&body, "replace");
		r = run_job(sd, "StopUnit", "ss", &body, err);
		dbus_buf_release(&body);
	}
	if (r == -ENOENT || (r < 0 && !scope_cgroup_exists(cg))) {
		/* already gone: the scope, emptied by the kill before, stopped
		 * on its own while we asked (NoSuchUnit, or a job that raced
		 * with systemd's own stop) */
		calyx_debug(cg->log, "systemd unit %s already gone: %s", sd->unit,
			    *err ? (*err)->msg : "no such unit");
		calyx_error_free(err);
		r = 0;
	}
	reset_failed(sd);
	if (r < 0)
		return calyx_error_prefix(err, "stopping systemd unit %s", sd->unit);
	sd->started = false;
	return 0;
}

int cg_systemd_open(const char *saved, const struct calyx_log *log,
		    struct calyx_cgroup **out, calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	const char *path = saved + strlen(CG_SYSTEMD_PREFIX), *base;
	int r;

	cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->root = strdup(CG_DEFAULT_ROOT)) ||
	    !(cg->sd = calloc(1, sizeof(*cg->sd))) || !(cg->sd->saved = strdup(saved)))
		return calyx_error_set(err, ENOMEM, "cgroup manager");
	cg->mode = CALYX_CGROUP_V2;
	cg->log = log;
	r = cg_normalize_path(path, &cg->path, err);
	if (r < 0)
		return r;
	base = strrchr(cg->path, '/');
	cg->sd->unit = strdup(base ? base + 1 : cg->path);
	if (!cg->sd->unit)
		return calyx_error_set(err, ENOMEM, "cgroup manager");
	cg->sd->started = true;
	/* the user manager's units are below user@UID.service */
	cg->sd->user = geteuid() != 0;
	r = cg_hierarchies_discover(cg, NULL, err);
	if (r < 0)
		return r;
	if (cg->sd->user) {
		_cleanup_error_ calyx_error *ignored = NULL;
		_cleanup_free_ char *have = NULL;
		struct cg_hierarchy *u = cg_unified(cg);
		unsigned int mask;

		/* an update names the field a missing controller refuses */
		if (u && user_manager_controllers(cg, &mask, &have, &ignored) == 0) {
			u->controllers = mask;
			u->controllers_known = true;
		}
	}
	r = cg_hierarchy_open(cg, &cg->h[0], err);
	if (r < 0)
		return r;
	cg->h[0].created = CG_NOT_OURS;
	*out = TAKE_PTR(cg);
	return 0;
}
