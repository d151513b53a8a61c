/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The persisted record of a container and the status derived from it.
 * The record is written once by create (atomically); status is never
 * stored: it is derived from the live process, the exec fifo and the
 * cgroup, exactly when asked, so it cannot go stale.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "cgroups/cgroup.h"
#include "container/container.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/host_user.h"
#include "util/json.h"
#include "util/json_writer.h"

void container_record_free(struct container_record *rec)
{
	if (!rec)
		return;
	free(rec->id);
	free(rec->bundle);
	free(rec->rootfs);
	free(rec->created);
	free(rec->owner);
	free(rec->cgroup_path);
	for (size_t i = 0; i < rec->n_annotations; i++) {
		free(rec->annotations[i].key);
		free(rec->annotations[i].value);
	}
	free(rec->annotations);
	free(rec);
}

static void gen_annotations(struct json_writer *w, const struct calyx_kv *kv, size_t n)
{
	jw_key(w, "annotations");
	jw_map_open(w);
	for (size_t i = 0; i < n; i++)
		jw_key_str(w, kv[i].key, kv[i].value);
	jw_map_close(w);
}

int container_record_write(int state_dirfd, const struct container_record *rec,
			   calyx_error **err)
{
	_cleanup_free_ char *json = NULL;
	struct json_writer w;
	int r;

	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_key_str(&w, "ociVersion", CALYX_OCI_VERSION);
	jw_key_str(&w, "id", rec->id);
	jw_key_str(&w, "bundle", rec->bundle);
	jw_key_str(&w, "rootfs", rec->rootfs);
	jw_key_str(&w, "created", rec->created);
	jw_key_str(&w, "owner", rec->owner);
	jw_key_int(&w, "pid", rec->pid);
	jw_key_int(&w, "pidStartTime", (long long)rec->pid_start);
	jw_key_str(&w, "cgroupPath", rec->cgroup_path);
	gen_annotations(&w, rec->annotations, rec->n_annotations);
	if (rec->creating)
		jw_key_bool(&w, "calyxCreating", true);
	jw_map_close(&w);
	r = jw_finish(&w, false, &json, err);
	if (r < 0)
		return calyx_error_prefix(err, "writing state");
	return calyx_write_file_atomic_at(state_dirfd, STATE_FILE, json,
					  strlen(json), 0600, err);
}

static char *dup_str(yajl_val root, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);
	const char *s = v ? YAJL_GET_STRING(v) : NULL;

	return strdup(s ? s : "");
}

static long long get_int(yajl_val root, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_number);

	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

int container_record_read(int state_dirfd, struct container_record **out,
			  calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_record_ struct container_record *rec = NULL;
	const char *apath[] = { "annotations", NULL };
	const char *ipath[] = { "id", NULL }, *cpath[] = { "calyxCreating", NULL };
	yajl_val root, ann;
	size_t len = 0;
	int r;

	r = calyx_read_file_at(state_dirfd, STATE_FILE, &text, &len, err);
	if (r < 0)
		return r;
	/* one line, and a repeated key read as runc reads it (last wins) */
	root = calyx_json_parse(text, len, NULL, err);
	if (!root || !YAJL_IS_OBJECT(root) || !yajl_tree_get(root, ipath, yajl_t_string)) {
		yajl_tree_free(root);
		calyx_error_free(err);
		return calyx_error_setx(err, EBADMSG,
					"state.json is corrupt (%s); `delete --force` removes what is left of the container",
					root ? "not a container record" : "not valid JSON");
	}
	rec = calloc(1, sizeof(*rec));
	if (!rec) {
		yajl_tree_free(root);
		return calyx_error_set(err, ENOMEM, "reading state");
	}
	rec->id = dup_str(root, "id");
	rec->bundle = dup_str(root, "bundle");
	rec->rootfs = dup_str(root, "rootfs");
	rec->created = dup_str(root, "created");
	rec->owner = dup_str(root, "owner");
	rec->cgroup_path = dup_str(root, "cgroupPath");
	rec->pid = (pid_t)get_int(root, "pid");
	rec->pid_start = (unsigned long long)get_int(root, "pidStartTime");
	rec->creating = YAJL_IS_TRUE(yajl_tree_get(root, cpath, yajl_t_true));
	ann = yajl_tree_get(root, apath, yajl_t_object);
	if (ann && YAJL_GET_OBJECT(ann)->len) {
		size_t n = YAJL_GET_OBJECT(ann)->len;

		rec->annotations = calloc(n, sizeof(*rec->annotations));
		for (size_t i = 0; rec->annotations && i < n; i++) {
			yajl_val v = YAJL_GET_OBJECT(ann)->values[i];

			rec->annotations[i].key = strdup(YAJL_GET_OBJECT(ann)->keys[i]);
			const char *s = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;

			rec->annotations[i].value = strdup(s ? s : "");
			rec->n_annotations++;
		}
	}
	yajl_tree_free(root);
	if (!rec->id || !rec->bundle || !rec->rootfs || !rec->created ||
	    !rec->owner || !rec->cgroup_path)
		return calyx_error_set(err, ENOMEM, "reading state");
	*out = TAKE_PTR(rec);
	return 0;
}

int container_open_dir(struct calyx_context *ctx, const char *id, int *dirfd,
		       calyx_error **err)
{
	_cleanup_free_ char *path = NULL;
	int r, fd;

	r = calyx_id_validate(id, err);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s", ctx->state_root, id) < 0)
		return calyx_error_set(err, ENOMEM, "state path");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return calyx_error_setx(err, ENOENT, "container %s does not exist", id);
		return calyx_error_set(err, errno, "open %s", path);
	}
	*dirfd = fd;
	return 0;
}

int container_lock(int dirfd, calyx_error **err)
{
	while (flock(dirfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return calyx_error_set(err, errno, "locking the container state");
	}
	return 0;
}

unsigned long long container_pid_start_time(pid_t pid, char *state_char)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may contain anything, so fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (state_char)
		*state_char = *p;
	/* field 3 is the state; starttime is field 22 */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

/* *st: the process's state letter when alive */
static bool pid_alive(pid_t pid, unsigned long long start_time, char *st)
{
	unsigned long long now = container_pid_start_time(pid, st);

	return now != 0 && now == start_time && *st != 'Z' && *st != 'X';
}

bool container_pid_alive(pid_t pid, unsigned long long start_time)
{
	char st = 0;

	return pid_alive(pid, start_time, &st);
}

void status_probe_release(struct status_probe *probe)
{
	calyx_cgroup_freezer_free(probe->freezer);
	probe->freezer = NULL;
}

static bool cgroup_frozen(struct status_probe *probe, const char *cgroup_path,
			  char task_state)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	bool frozen = false;

	if (!probe->freezer && !probe->freezer_failed &&
	    calyx_cgroup_freezer_open(&probe->freezer, &ignored) < 0)
		probe->freezer_failed = true;
	return probe->freezer &&
	       calyx_cgroup_freezer_frozen(probe->freezer, cgroup_path, task_state,
					   &frozen, &ignored) == 0 &&
	       frozen;
}

enum calyx_status container_status_probed(int state_dirfd,
					  const struct container_record *rec,
					  struct status_probe *probe)
{
	struct stat sb;
	char task_state = 0;

	/* not cloned yet, or cloned and not ready: the runtime is making it
	 * (or died doing so; its process dies with it) */
	if (rec->creating)
		return rec->pid > 0 && !container_pid_alive(rec->pid, rec->pid_start) ?
			       CALYX_STATUS_STOPPED : CALYX_STATUS_CREATING;
	if (!pid_alive(rec->pid, rec->pid_start, &task_state))
		return CALYX_STATUS_STOPPED;
	/* a paused created container is "paused" too, as runc's: exec,
	 * start and delete without -f refuse it; kill -9 and delete -f thaw
	 * it (a v1-frozen process never acts on SIGKILL) */
	if (rec->cgroup_path[0] && cgroup_frozen(probe, rec->cgroup_path, task_state))
		return CALYX_STATUS_PAUSED;
	if (fstatat(state_dirfd, EXEC_FIFO, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return CALYX_STATUS_CREATED;
	return CALYX_STATUS_RUNNING;
}

enum calyx_status container_status(int state_dirfd,
				   const struct container_record *rec)
{
	struct status_probe probe = { 0 };
	enum calyx_status status = container_status_probed(state_dirfd, rec, &probe);

	status_probe_release(&probe);
	return status;
}

const char *calyx_status_name(enum calyx_status s)
{
	switch (s) {
	case CALYX_STATUS_CREATING:
		return "creating";
	case CALYX_STATUS_CREATED:
		return "created";
	case CALYX_STATUS_RUNNING:
		return "running";
	case CALYX_STATUS_PAUSED:
		return "paused";
	case CALYX_STATUS_STOPPED:
		return "stopped";
	case CALYX_STATUS_BROKEN:
		return "broken";
	}
	return "unknown";
}

void container_gen_oci_state(struct json_writer *w, const char *id,
			     enum calyx_status status, pid_t pid, const char *bundle,
			     const struct calyx_kv *annotations, size_t n_annotations)
{
	jw_map_open(w);
	jw_key_str(w, "ociVersion", CALYX_OCI_VERSION);
	jw_key_str(w, "id", id);
	jw_key_str(w, "status", calyx_status_name(status));
	if (status != CALYX_STATUS_STOPPED && pid > 0)
		jw_key_int(w, "pid", pid);
	jw_key_str(w, "bundle", bundle);
	if (n_annotations)
		gen_annotations(w, annotations, n_annotations);
	jw_map_close(w);
}

int container_oci_state_json(const char *id, enum calyx_status status,
			     pid_t pid, const char *bundle,
			     const struct calyx_kv *annotations,
			     size_t n_annotations, char **out, calyx_error **err)
{
	struct json_writer w;
	int r;

	jw_init(&w, NULL);
	container_gen_oci_state(&w, id, status, pid, bundle, annotations, n_annotations);
	r = jw_finish(&w, false, out, err);
	return r < 0 ? calyx_error_prefix(err, "the state of %s", id) : 0;
}

/* ---- the public state API ---- */

/* The record's strings move into the state (rec keeps NULLs). */
static struct calyx_state *state_from_record(int dirfd,
					     struct container_record *rec,
					     struct status_probe *probe)
{
	struct calyx_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->oci_version = strdup(CALYX_OCI_VERSION);
	st->status = container_status_probed(dirfd, rec, probe);
	st->pid = st->status == CALYX_STATUS_STOPPED ? 0 : rec->pid;
	st->id = TAKE_PTR(rec->id);
	st->bundle = TAKE_PTR(rec->bundle);
	st->rootfs = TAKE_PTR(rec->rootfs);
	st->created = TAKE_PTR(rec->created);
	st->owner = TAKE_PTR(rec->owner);
	st->annotations = TAKE_PTR(rec->annotations);
	st->n_annotations = rec->n_annotations;
	rec->n_annotations = 0;
	if (!st->oci_version) {
		calyx_state_free(st);
		return NULL;
	}
	return st;
}

void calyx_state_free(struct calyx_state *st)
{
	if (!st)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	free(st);
}

int calyx_container_state(struct calyx_context *ctx, const char *id,
			  struct calyx_state **out, calyx_error **err)
{
	_cleanup_(status_probe_release) struct status_probe probe = { 0 };
	_cleanup_close_ int dirfd = -1;
	_cleanup_record_ struct container_record *rec = NULL;
	int r;

	r = container_open_dir(ctx, id, &dirfd, err);
	if (r < 0)
		return r;
	r = container_record_read(dirfd, &rec, err);
	if (r == -ENOENT) {
		calyx_error_free(err);
		return calyx_error_setx(err, ENOENT, "container %s does not exist", id);
	}
	if (r < 0)
		return r;
	*out = state_from_record(dirfd, rec, &probe);
	if (!*out)
		return calyx_error_set(err, ENOMEM, "state");
	return 0;
}

static int compare_states(const void *a, const void *b)
{
	const struct calyx_state *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

/* The last owner `list` looked up: a root's containers share one. */
struct owner_cache {
	bool valid;
	uid_t uid;
	char name[256];
};

/* `list` names the owner of the state directory, as runc's list does
 * ("#<uid>" when /etc/passwd has no name for it); `state` keeps "". */
static void list_owner(int dirfd, struct calyx_state *st,
		       struct owner_cache *cache)
{
	struct stat sb;
	char *owner;

	if (fstat(dirfd, &sb) < 0)
		return;
	if (!cache->valid || cache->uid != sb.st_uid) {
		if (calyx_host_user_name(sb.st_uid, cache->name, sizeof(cache->name)) < 0)
			snprintf(cache->name, sizeof(cache->name), "#%u",
				 (unsigned int)sb.st_uid);
		cache->uid = sb.st_uid;
		cache->valid = true;
	}
	owner = strdup(cache->name);
	if (!owner)
		return;
	free(st->owner);
	st->owner = owner;
}

/* A directory without a readable record: being made right now (its
 * creator holds the lock), or left broken (`delete -f` cleans it). */
static struct calyx_state *state_unreadable(int dirfd, const char *id)
{
	struct calyx_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (flock(dirfd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		st->status = CALYX_STATUS_CREATING;
	else
		st->status = CALYX_STATUS_BROKEN;
	st->oci_version = strdup(CALYX_OCI_VERSION);
	st->id = strdup(id);
	st->bundle = strdup("");
	st->rootfs = strdup("");
	st->created = strdup("");
	st->owner = strdup("");
	if (!st->oci_version || !st->id || !st->bundle || !st->rootfs ||
	    !st->created || !st->owner) {
		calyx_state_free(st);
		return NULL;
	}
	return st;
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int calyx_container_list_ids(struct calyx_context *ctx, char ***out,
			     calyx_error **err)
{
	_cleanup_closedir_ DIR *dir = opendir(ctx->state_root);
	_cleanup_strv_ char **ids = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;

	if (!dir && errno != ENOENT)
		return calyx_error_set(err, errno, "open %s", ctx->state_root);
	while (dir && (de = readdir(dir))) {
		struct stat sb;

		/* what calyx_container_list would open: a directory, no link */
		if (de->d_name[0] == '.' ||
		    (de->d_type != DT_DIR &&
		     (de->d_type != DT_UNKNOWN ||
		      fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		      !S_ISDIR(sb.st_mode))))
			continue;
		if (count + 1 >= cap) {
			size_t bigger = cap ? cap * 2 : 64;
			char **grown = realloc(ids, bigger * sizeof(*ids));

			if (!grown)
				return calyx_error_set(err, ENOMEM, "list");
			ids = grown;
			cap = bigger;
		}
		ids[count] = strdup(de->d_name);
		if (!ids[count])
			return calyx_error_set(err, ENOMEM, "list");
		ids[++count] = NULL;
	}
	if (!ids) {
		ids = calloc(1, sizeof(*ids));
		if (!ids)
			return calyx_error_set(err, ENOMEM, "list");
	}
	if (count > 1)
		qsort(ids, count, sizeof(*ids), compare_ids);
	*out = TAKE_PTR(ids);
	return 0;
}

int calyx_container_list(struct calyx_context *ctx, struct calyx_state ***out,
			 size_t *n, calyx_error **err)
{
	_cleanup_(status_probe_release) struct status_probe probe = { 0 };
	_cleanup_closedir_ DIR *dir = opendir(ctx->state_root);
	struct owner_cache owners = { 0 };
	struct calyx_state **list = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return calyx_error_set(err, errno, "open %s", ctx->state_root);
	}
	while ((de = readdir(dir))) {
		_cleanup_record_ struct container_record *rec = NULL;
		_cleanup_error_ calyx_error *ignored = NULL;
		_cleanup_close_ int fd = -1;
		struct calyx_state *st;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(dir), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (container_record_read(fd, &rec, &ignored) < 0)
			st = state_unreadable(fd, de->d_name);
		else
			st = state_from_record(fd, rec, &probe);
		if (!st)
			continue;
		list_owner(fd, st, &owners);
		if (count == cap) {
			size_t bigger = cap ? cap * 2 : 64;
			struct calyx_state **grown = realloc(list, bigger * sizeof(*list));

			if (!grown) {
				calyx_state_free(st);
				break;
			}
			list = grown;
			cap = bigger;
		}
		list[count++] = st;
	}
	if (count > 1)
		qsort(list, count, sizeof(*list), compare_states);
	*out = list;
	*n = count;
	return 0;
}

/* One state as `runc state` and `runc list -f json` print it. */
static void gen_state(struct json_writer *w, const struct calyx_state *st)
{
	jw_map_open(w);
	jw_key_str(w, "ociVersion", st->oci_version);
	jw_key_str(w, "id", st->id);
	jw_key_int(w, "pid", st->pid);
	jw_key_str(w, "status", calyx_status_name(st->status));
	jw_key_str(w, "bundle", st->bundle);
	jw_key_str(w, "rootfs", st->rootfs);
	jw_key_str(w, "created", st->created);
	if (st->n_annotations)
		gen_annotations(w, st->annotations, st->n_annotations);
	jw_key_str(w, "owner", st->owner);
	jw_map_close(w);
}

int calyx_state_to_json(const struct calyx_state *st, char **out, calyx_error **err)
{
	struct json_writer w;
	int r;

	jw_init(&w, "  ");
	gen_state(&w, st);
	r = jw_finish(&w, false, out, err);
	return r < 0 ? calyx_error_prefix(err, "the state of %s", st->id) : 0;
}

int calyx_state_list_to_json(struct calyx_state *const *states, size_t n,
			     char **out, calyx_error **err)
{
	struct json_writer w;
	int r;

	jw_init(&w, NULL);
	jw_array_open(&w);
	for (size_t i = 0; i < n; i++)
		gen_state(&w, states[i]);
	jw_array_close(&w);
	r = jw_finish(&w, false, out, err);
	return r < 0 ? calyx_error_prefix(err, "listing the containers") : 0;
}
