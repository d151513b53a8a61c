/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `checkpoint`: CRIU dumps the running container's process tree into an
 * image directory.  calyx tells it what it cannot see from inside: the
 * bind mounts (external to the container's mount tree), the namespaces the
 * container joined by path, the cgroup to freeze, and it records the
 * container's stdio for `restore` (descriptors.json, as runc).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/container.h"
#include "container/create.h"
#include "container/criu_rpc.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json_writer.h"

/* The link targets of the init's fds 0-2 ("pipe:[123]", "/dev/null") as
 * a JSON array: restore hands pipes back by these keys. */
static int write_descriptors(int imgfd, pid_t pid, calyx_error **err)
{
	_cleanup_free_ char *json = NULL;
	struct json_writer w;
	int r;

	jw_init(&w, NULL);
	jw_array_open(&w);
	for (int fd = 0; fd < 3; fd++) {
		char link[64], target[PATH_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			n = 0;	/* closed: nothing to hand back */
		target[n] = '\0';
		jw_str_n(&w, target, (size_t)n);
	}
	jw_array_close(&w);
	r = jw_finish(&w, false, &json, err);
	if (r < 0)
		return calyx_error_prefix(err, CRIU_DESCRIPTORS);
	return calyx_write_file_atomic_at(imgfd, CRIU_DESCRIPTORS, json, strlen(json),
					  0600, err);
}

/* "ADDR:PORT" into a criu_page_server_info. */
static int put_page_server(struct pb_buf *o, const char *addr_port, calyx_error **err)
{
	_cleanup_pb_buf_ struct pb_buf ps = { 0 };
	_cleanup_free_ char *addr = strdup(addr_port);
	char *colon = addr ? strrchr(addr, ':') : NULL, *end;
	long port;

	if (!addr)
		return calyx_error_set(err, ENOMEM, "--page-server");
	if (!colon || colon == addr)
		return calyx_error_setx(err, EINVAL, "--page-server %s: want ADDRESS:PORT", addr_port);
	*colon = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port <= 0 || port > 65535)
		return calyx_error_setx(err, EINVAL, "--page-server %s: invalid port", addr_port);
	pb_put_string(&ps, 1, addr);
	pb_put_int32(&ps, 2, (int32_t)port);
	pb_put_message(o, CRIU_OPT_PS, &ps);
	return 0;
}

/* The freezer CRIU stops the tree with: the container's cgroup directory
 * on v2, its freezer on v1 (runc's choice too). */
static void put_freeze_cgroup(struct pb_buf *o, const char *cgroup_path)
{
	enum calyx_cgroup_mode mode;
	_cleanup_error_ calyx_error *ignored = NULL;
	char path[PATH_MAX];

	cgroup_path = calyx_cgroup_saved_dir(cgroup_path);
	if (!cgroup_path[0] || calyx_cgroup_detect_mode(&mode, &ignored) < 0)
		return;
	if (mode == CALYX_CGROUP_V2)
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s", cgroup_path);
	else
		snprintf(path, sizeof(path), "/sys/fs/cgroup/freezer%s", cgroup_path);
	if (access(path, F_OK) == 0)
		pb_put_string(o, CRIU_OPT_FREEZE_CGROUP, path);
}

static int put_externals(struct pb_buf *o, const struct calyx_spec *spec,
			 calyx_error **err)
{
	static const struct {
		enum calyx_ns_type type;
		const char *criu_name, *key;
	} joined[] = {
		{ CALYX_NS_NETWORK, "net", CRIU_EXT_NETNS },
		{ CALYX_NS_PID, "pid", CRIU_EXT_PIDNS },
	};

	if (!spec)
		return 0;
	/* bind mounts: named by their destination in the images */
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct calyx_mount *m = &spec->mounts[i];

		if (criu_mount_is_bind(m))
			pb_put_key_val(o, CRIU_OPT_EXT_MNT, m->destination, m->destination);
	}
	for (size_t i = 0; i < sizeof(joined) / sizeof(joined[0]); i++) {
		const struct calyx_namespace *ns = calyx_spec_namespace(spec, joined[i].type);
		char ext[128];
		unsigned long ino;
		int r;

		if (!ns || !ns->path)
			continue;
		r = criu_ns_inode(ns->path, &ino, err);
		if (r < 0)
			return r;
		snprintf(ext, sizeof(ext), "%s[%lu]:%s", joined[i].criu_name, ino, joined[i].key);
		pb_put_string(o, CRIU_OPT_EXTERNAL, ext);
	}
	return 0;
}

static int build_opts(struct pb_buf *o, const struct calyx_checkpoint_options *opts,
		      const struct container_record *rec, const struct calyx_spec *spec,
		      int imgfd, int workfd, calyx_error **err)
{
	pb_put_int32(o, CRIU_OPT_IMAGES_DIR_FD, imgfd);
	pb_put_int32(o, CRIU_OPT_WORK_DIR_FD, workfd);
	pb_put_string(o, CRIU_OPT_LOG_FILE, "dump.log");
	pb_put_int32(o, CRIU_OPT_PID, rec->pid);
	pb_put_string(o, CRIU_OPT_ROOT, rec->rootfs);
	criu_put_common_opts(o, &opts->criu);
	if (opts->leave_running)
		pb_put_bool(o, CRIU_OPT_LEAVE_RUNNING, true);
	if (opts->tcp_skip_in_flight)
		pb_put_bool(o, CRIU_OPT_TCP_SKIP_IN_FLIGHT, true);
	if (opts->link_remap)
		pb_put_bool(o, CRIU_OPT_LINK_REMAP, true);
	if (opts->status_fd >= 0)
		pb_put_int32(o, CRIU_OPT_STATUS_FD, opts->status_fd);
	/* memory tracking: a pre-dump starts it, a dump on a parent uses it */
	if (opts->parent_path)
		pb_put_string(o, CRIU_OPT_PARENT_IMG, opts->parent_path);
	if (opts->pre_dump || opts->parent_path)
		pb_put_bool(o, CRIU_OPT_TRACK_MEM, true);
	if (opts->page_server) {
		int r = put_page_server(o, opts->page_server, err);

		if (r < 0)
			return r;
	}
	put_freeze_cgroup(o, rec->cgroup_path);
	return put_externals(o, spec, err);
}

int calyx_container_checkpoint(struct calyx_context *ctx, const char *id,
			       const struct calyx_checkpoint_options *opts,
			       calyx_error **err)
{
	_cleanup_close_ int dirfd = -1, imgfd = -1, workfd = -1;
	_cleanup_record_ struct container_record *rec = NULL;
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	_cleanup_pb_buf_ struct pb_buf o = { 0 };
	_cleanup_free_ char *log = NULL;
	struct criu_swrk criu;
	struct criu_resp resp;
	enum calyx_status status;
	int keep[4], r;

	r = container_open_dir(ctx, id, &dirfd, err);
	if (r < 0)
		return r;
	r = container_lock(dirfd, err);
	if (r < 0)
		return r;
	r = container_record_read(dirfd, &rec, err);
	if (r == -ENOENT) {
		calyx_error_free(err);
		return calyx_error_setx(err, ENOENT, "container %s does not exist", id);
	}
	if (r < 0)
		return r;
	status = container_status(dirfd, rec);
	/* runc's wording; a frozen tree is refused too: CRIU would find its
	 * own freeze already taken and the user's pause lost on restore */
	if (status != CALYX_STATUS_RUNNING)
		return calyx_error_setx(err, EINVAL,
					"container cannot be checkpointed in %s state",
					calyx_status_name(status));
	r = container_saved_spec(dirfd, &spec, err);
	if (r < 0)
		return r;
	r = criu_open_dirs(&opts->criu, true, &imgfd, &workfd, err);
	if (r < 0)
		return r;
	if (asprintf(&log, "%s/dump.log",
		     opts->criu.work_path ? opts->criu.work_path : opts->criu.image_path) < 0)
		return calyx_error_set(err, ENOMEM, "checkpoint");
	r = build_opts(&o, opts, rec, spec, imgfd, workfd, err);
	if (r < 0)
		return r;
	if (!opts->pre_dump) {
		r = write_descriptors(imgfd, rec->pid, err);
		if (r < 0)
			return r;
	}
	keep[0] = imgfd;
	keep[1] = workfd;
	keep[2] = opts->status_fd;
	keep[3] = dirfd;	/* the lock */
	r = criu_swrk_start(keep, 4, &criu, err);
	if (r < 0)
		return r;
	r = criu_call(&criu, opts->pre_dump ? CRIU_REQ_PRE_DUMP : CRIU_REQ_DUMP, &o,
		      NULL, NULL, log, &resp, err);
	criu_swrk_stop(&criu);
	if (r < 0)
		return calyx_error_prefix(err, "checkpointing %s", id);
	if (opts->leave_running || opts->pre_dump)
		return 0;
	/* CRIU killed the tree: the container is done, as runc leaves it */
	r = container_teardown(ctx, id, dirfd, err);
	return r < 0 ? calyx_error_prefix(err, "removing %s after its checkpoint", id) : 0;
}
