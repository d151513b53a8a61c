/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `restore`: a container made from a bundle and CRIU's images instead of a
 * fresh process.  calyx makes what `create` would (state dir, cgroup), hands
 * CRIU the host side of everything the images name as external (bind mount
 * sources, namespaces joined by path, stdio pipes), runs the creation hooks
 * when CRIU has the namespaces up, and records the state with the pid CRIU
 * restored.  Anything failing removes it all again; CRIU kills what it
 * restored when an answer of ours says no.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "cgroups/cgroup.h"
#include "container/container.h"
#include "container/create.h"
#include "container/criu_rpc.h"
#include "container/hooks.h"
#include "container/wait.h"
#include "linux/sync.h"
#include "linux/terminal.h"
#include "rootfs/rootfs.h"
#include "util/cleanup.h"
#include "util/rfc3339.h"
#include "util/fs.h"
#include "util/host_user.h"

/* Where the rootfs is bound for CRIU (see enter_private_mount_ns). */
#define CRIU_ROOT_DIR "criu-root"
/* Bound on descriptors.json: three paths and JSON around them. */
#define DESCRIPTORS_MAX (4 * PATH_MAX)

struct restore_job {
	struct calyx_context *ctx;
	const char *id;
	const struct calyx_restore_options *opts;
	struct calyx_spec *spec;
	char *raw;		/* config.json as read, saved in the state dir */
	size_t raw_len;
	char *rootfs;
	char *criu_root;	/* <state>/criu-root */
	int state_dirfd;
	struct calyx_cgroup *cgroup;
	int netns_fd, pidns_fd;
	pid_t pid;		/* the restored init, once CRIU said so */
	bool recorded;
	bool criu_root_bound;	/* the rootfs is bound on criu_root */
};

static void restore_job_release(struct restore_job *job)
{
	calyx_spec_free(job->spec);
	free(job->raw);
	free(job->rootfs);
	free(job->criu_root);
	if (job->cgroup)
		calyx_cgroup_free(job->cgroup);
	if (job->state_dirfd >= 0)
		close(job->state_dirfd);
	if (job->netns_fd >= 0)
		close(job->netns_fd);
	if (job->pidns_fd >= 0)
		close(job->pidns_fd);
}

static int load_bundle(struct restore_job *job, calyx_error **err)
{
	_cleanup_free_ char *path = NULL;
	const char *root;
	int r;

	if (asprintf(&path, "%s/config.json", job->opts->bundle) < 0)
		return calyx_error_set(err, ENOMEM, "restore");
	r = calyx_read_file_at(AT_FDCWD, path, &job->raw, &job->raw_len, err);
	if (r < 0)
		return r;
	r = calyx_spec_parse(job->raw, job->raw_len, &job->spec, err);
	if (r >= 0)
		r = calyx_spec_validate(job->spec, err);
	if (r < 0)
		return calyx_error_prefix(err, "config.json");
	root = job->spec->root_path;
	if (!root)
		return calyx_error_setx(err, EINVAL, "config.json: root.path: required");
	if (root[0] == '/')
		r = asprintf(&job->rootfs, "%s", root);
	else
		r = asprintf(&job->rootfs, "%s/%s", job->opts->bundle, root);
	return r < 0 ? calyx_error_set(err, ENOMEM, "root.path") : 0;
}

/* Before anything is made: the images must at least look like CRIU's. */
static int check_images(int imgfd, const char *path, calyx_error **err)
{
	struct stat sb;

	if (fstatat(imgfd, "inventory.img", &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(sb.st_mode))
		return calyx_error_setx(err, ENOENT,
					"image path %s: not a checkpoint (no inventory.img)", path);
	return 0;
}

/* The dir the rootfs is bound on for CRIU (see enter_private_mount_ns). */
static int make_criu_root_dir(struct restore_job *job, calyx_error **err)
{
	if (asprintf(&job->criu_root, "%s/%s/%s", job->ctx->state_root, job->id,
		     CRIU_ROOT_DIR) < 0) {
		job->criu_root = NULL;
		return calyx_error_set(err, ENOMEM, "restore");
	}
	if (mkdirat(job->state_dirfd, CRIU_ROOT_DIR, 0700) < 0)
		return calyx_error_set(err, errno, "mkdir %s", job->criu_root);
	return 0;
}

/*
 * The state record, as create writes it: "creating" from before anything
 * is made until the restored tree is back (a delete then removes what it
 * names: the cgroup, and the restored init once CRIU has forked it),
 * final at CRIU's post-restore.
 */
static int restore_write_state(struct restore_job *job, pid_t pid, bool creating,
			       calyx_error **err)
{
	int r = container_write_made_record(job->state_dirfd, job->id, job->opts->bundle,
					    job->rootfs, pid, 0, job->cgroup, job->spec,
					    creating, err);

	if (r < 0)
		return r;
	job->pid = pid;
	if (creating)
		return 0;
	job->recorded = true;
	if (job->opts->pid_file)
		return calyx_write_pid_file(job->opts->pid_file, pid, err);
	return 0;
}

/*
 * CRIU wants the root it restores into to be a mount point, and mounts in
 * its work dir, which it reaches through our fds (/proc/<us>/fd/N): so we
 * work in a mount namespace of our own, where the rootfs is bound on the
 * state dir's criu-root. Nothing mounted here outlives calyx and criu
 * (runc mounts in the host's namespace and must unmount after).
 */
static int enter_private_mount_ns(calyx_error **err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return calyx_error_set(err, errno, "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return calyx_error_set(err, errno, "making / a slave mount");
	return 0;
}

static int bind_criu_root(struct restore_job *job, calyx_error **err)
{
	if (mount(job->rootfs, job->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return calyx_error_set(err, errno, "binding %s for criu", job->rootfs);
	job->criu_root_bound = true;
	return 0;
}

/* Before anything removes the state dir: the rootfs must not be under it. */
static void unbind_criu_root(struct restore_job *job)
{
	if (!job->criu_root_bound)
		return;
	if (umount2(job->criu_root, MNT_DETACH) == 0)
		job->criu_root_bound = false;
}

/* The restored terminal's master goes to --console-socket, as at create. */
static int hand_console(struct restore_job *job, int master, calyx_error **err)
{
	_cleanup_close_ int sock = -1;
	int r;

	if (!job->opts->console_socket)
		return calyx_error_setx(err, EINVAL,
					"process.terminal: restoring a terminal needs --console-socket");
	r = terminal_connect_console_socket(job->opts->console_socket, &sock, err);
	if (r < 0)
		return r;
	return calyx_send_fd_named(sock, "console", master, err);
}

static int on_notify(void *data, const char *script, pid_t pid, int fd,
		     calyx_error **err)
{
	struct restore_job *job = data;
	_cleanup_close_ int passed = fd;

	calyx_debug(&job->ctx->log, "criu: %s (pid %d)", script, pid);
	/* runc's points: hooks once the namespaces exist, state once the
	 * tree is back (still stopped: CRIU resumes it after our answer) */
	if (strcmp(script, "setup-namespaces") == 0) {
		/* the restored init exists: a delete after we die kills it */
		if (pid > 0) {
			int r = restore_write_state(job, pid, true, err);

			if (r < 0)
				return r;
		}
		return container_run_creation_hooks(job->spec, job->id, pid, job->opts->bundle,
						    &job->ctx->log, err);
	}
	if (strcmp(script, "orphan-pts-master") == 0 && passed >= 0)
		return hand_console(job, passed, err);
	if (strcmp(script, "post-restore") == 0)
		return restore_write_state(job, pid, false, err);
	return 0;
}

/* descriptors.json: the dumped stdio; a pipe is handed back from our own
 * fd of the same number (an engine's pipe to the new container). */
static int put_stdio_pipes(struct pb_buf *o, int imgfd, calyx_error **err)
{
	_cleanup_close_ int fd = openat(imgfd, CRIU_DESCRIPTORS,
					O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	char ebuf[128];
	yajl_val tree;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : calyx_error_set(err, errno, CRIU_DESCRIPTORS);
	buf = malloc(DESCRIPTORS_MAX + 1);
	if (!buf)
		return calyx_error_set(err, ENOMEM, CRIU_DESCRIPTORS);
	n = read(fd, buf, DESCRIPTORS_MAX + 1);
	if (n < 0)
		return calyx_error_set(err, errno, CRIU_DESCRIPTORS);
	if (n > DESCRIPTORS_MAX)
		return calyx_error_setx(err, EFBIG, "%s: too large", CRIU_DESCRIPTORS);
	buf[n] = '\0';
	tree = yajl_tree_parse(buf, ebuf, sizeof(ebuf));
	if (!tree || !YAJL_IS_ARRAY(tree)) {
		yajl_tree_free(tree);
		return calyx_error_setx(err, EINVAL, "%s: not a JSON array", CRIU_DESCRIPTORS);
	}
	for (size_t i = 0; i < tree->u.array.len && i < 3; i++) {
		const char *s = YAJL_GET_STRING(tree->u.array.values[i]);

		if (s && strncmp(s, "pipe:", 5) == 0)
			pb_put_inherit_fd(o, s, (int)i);
	}
	yajl_tree_free(tree);
	return 0;
}

static int open_joined_ns(struct restore_job *job, struct pb_buf *o, calyx_error **err)
{
	const struct calyx_namespace *net = calyx_spec_namespace(job->spec, CALYX_NS_NETWORK);
	const struct calyx_namespace *pid = calyx_spec_namespace(job->spec, CALYX_NS_PID);

	if (net && net->path) {
		job->netns_fd = open(net->path, O_RDONLY | O_CLOEXEC);
		if (job->netns_fd < 0)
			return calyx_error_set(err, errno, "linux.namespaces: %s", net->path);
		pb_put_inherit_fd(o, CRIU_EXT_NETNS, job->netns_fd);
	}
	if (pid && pid->path) {
		job->pidns_fd = open(pid->path, O_RDONLY | O_CLOEXEC);
		if (job->pidns_fd < 0)
			return calyx_error_set(err, errno, "linux.namespaces: %s", pid->path);
		pb_put_inherit_fd(o, CRIU_EXT_PIDNS, job->pidns_fd);
	}
	return 0;
}

static int build_opts(struct restore_job *job, struct pb_buf *o, int imgfd, int workfd,
		      calyx_error **err)
{
	const struct calyx_restore_options *opts = job->opts;
	int r;

	pb_put_int32(o, CRIU_OPT_IMAGES_DIR_FD, imgfd);
	pb_put_int32(o, CRIU_OPT_WORK_DIR_FD, workfd);
	pb_put_string(o, CRIU_OPT_LOG_FILE, "restore.log");
	pb_put_string(o, CRIU_OPT_ROOT, job->criu_root);
	/* the restored init is our child, not criu's: we wait on it */
	pb_put_bool(o, CRIU_OPT_RST_SIBLING, true);
	/* device files reopened by number where it differs (runc's too) */
	pb_put_bool(o, CRIU_OPT_EVASIVE_DEVICES, true);
	criu_put_common_opts(o, &opts->criu);
	if (opts->lsm_profile)
		pb_put_string(o, CRIU_OPT_LSM_PROFILE, opts->lsm_profile);
	if (opts->lsm_mount_context)
		pb_put_string(o, CRIU_OPT_LSM_MOUNT_CONTEXT, opts->lsm_mount_context);
	/* bind mounts: the image's name (destination) -> this host's source */
	for (size_t i = 0; i < job->spec->n_mounts; i++) {
		const struct calyx_mount *m = &job->spec->mounts[i];
		_cleanup_free_ char *src = NULL;

		if (!criu_mount_is_bind(m) || !m->source)
			continue;
		if (m->source[0] == '/')
			src = strdup(m->source);
		else if (asprintf(&src, "%s/%s", opts->bundle, m->source) < 0)
			src = NULL;
		if (!src)
			return calyx_error_set(err, ENOMEM, "mounts");
		pb_put_key_val(o, CRIU_OPT_EXT_MNT, m->destination, src);
	}
	r = open_joined_ns(job, o, err);
	if (r < 0)
		return r;
	return put_stdio_pipes(o, imgfd, err);
}

/*
 * criu works from the container's cgroup: what it restores and the memory
 * it touches there are the container's (runc applies its cgroup manager
 * to criu's pid too).  Under the systemd driver that starts the unit with
 * criu in it: the record names the unit from then on.  CRIU restores the
 * dumped tree's root cgroup as this one (cgroup_root).
 */
static int enter_cgroup(struct restore_job *job, pid_t criu_pid, struct pb_buf *o,
			calyx_error **err)
{
	_cleanup_pb_buf_ struct pb_buf cg = { 0 };
	const char *dir;
	int r;

	if (!job->cgroup)
		return 0;
	r = calyx_cgroup_enter(job->cgroup, criu_pid, err);
	if (r < 0)
		return r;
	dir = calyx_cgroup_saved_dir(calyx_cgroup_path(job->cgroup));
	if (!dir[0])
		return 0;	/* no cgroup (rootless without delegation) */
	if (job->ctx->systemd_cgroup) {
		r = restore_write_state(job, 0, true, err);
		if (r < 0)
			return r;
	}
	pb_put_string(&cg, 2, dir);
	pb_put_message(o, CRIU_OPT_CG_ROOT, &cg);
	return 0;
}

static int restore_steps(struct restore_job *job, int imgfd, int workfd,
			 calyx_error **err)
{
	const struct calyx_linux *lx = job->spec->linux_cfg;
	struct calyx_cgroup_config cgcfg = {
		.id = job->id,
		.cgroups_path = lx ? lx->cgroups_path : NULL,
		.resources = lx ? lx->resources : NULL,
		.rootless = geteuid() != 0,
		.systemd = job->ctx->systemd_cgroup,
		.annotations = job->spec->annotations,
		.n_annotations = job->spec->n_annotations,
		.log = &job->ctx->log,
	};
	_cleanup_pb_buf_ struct pb_buf o = { 0 };
	_cleanup_free_ char *log = NULL;
	struct criu_swrk criu;
	struct criu_resp resp;
	int keep[5], r;

	if (asprintf(&log, "%s/restore.log",
		     job->opts->criu.work_path ? job->opts->criu.work_path :
						 job->opts->criu.image_path) < 0)
		return calyx_error_set(err, ENOMEM, "restore");
	/* where a delete finds the cgroup should we die before the record */
	r = calyx_write_file_atomic_at(job->state_dirfd, CONFIG_COPY, job->raw,
				       job->raw_len, 0600, err);
	if (r < 0)
		return r;
	if (!job->ctx->cgroups_disabled) {
		r = calyx_cgroup_prepare(&cgcfg, &job->cgroup, err);
		if (r < 0)
			return r;
	}
	/* whatever instant we die from here on, the record names what there
	 * is to remove (the cgroup now, the restored init once it exists) */
	r = restore_write_state(job, 0, true, err);
	if (r < 0)
		return r;
	if (job->cgroup) {
		r = calyx_cgroup_make(job->cgroup, &cgcfg, err);
		if (r < 0)
			return r;
	}
	r = make_criu_root_dir(job, err);
	if (r < 0)
		return r;
	/* our mount namespace: what is bound for nested points stays here */
	r = calyx_rootfs_make_mount_points(job->spec, job->rootfs, job->opts->bundle, err);
	if (r < 0)
		return r;
	r = build_opts(job, &o, imgfd, workfd, err);
	if (r < 0)
		return r;
	keep[0] = imgfd;
	keep[1] = workfd;
	keep[2] = job->netns_fd;
	keep[3] = job->pidns_fd;
	keep[4] = job->state_dirfd;	/* the lock */
	r = bind_criu_root(job, err);
	if (r < 0)
		return r;
	r = criu_swrk_start(keep, 5, &criu, err);
	if (r < 0) {
		unbind_criu_root(job);
		return r;
	}
	r = enter_cgroup(job, criu.pid, &o, err);
	if (r >= 0)
		r = criu_call(&criu, CRIU_REQ_RESTORE, &o, on_notify, job, log, &resp, err);
	criu_swrk_stop(&criu);
	unbind_criu_root(job);
	if (r < 0)
		return r;
	if (!job->recorded)
		return restore_write_state(job, resp.restore_pid, false, err);
	return 0;
}

/* Undo everything: the restored tree (if any), the cgroup, the state. */
static void restore_undo(struct restore_job *job)
{
	_cleanup_error_ calyx_error *ignored = NULL;

	if (job->cgroup) {
		calyx_cgroup_kill_all(job->cgroup, SIGKILL, &ignored);
		calyx_error_free(&ignored);
	}
	if (job->pid > 0) {
		kill(job->pid, SIGKILL);
		while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (job->cgroup)
		calyx_cgroup_destroy(job->cgroup, &ignored);
	unbind_criu_root(job);
	/* never through the bound rootfs: it would be emptied */
	if (!job->criu_root_bound)
		container_remove_state_dir(job->ctx, job->id);
}

static int wait_foreground(struct restore_job *job, const sigset_t *sigs,
			   int *exit_status, calyx_error **err)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, job->pid, 0);
	_cleanup_error_ calyx_error *terr = NULL;
	int r;

	if (pidfd < 0)
		return calyx_error_set(err, errno, "pidfd_open of the restored process");
	r = container_wait_foreground(job->ctx, job->id, pidfd, job->cgroup, -1, sigs,
				      0, exit_status, err);
	if (r < 0) {
		container_kill_everything(pidfd, job->cgroup);
		while (waitid(P_PIDFD, (id_t)pidfd, NULL, WEXITED) < 0 && errno == EINTR)
			;
	}
	/* like `run` in the foreground: the container ends with us */
	if (container_teardown_known(job->ctx, job->id, job->spec, job->opts->bundle,
				     job->cgroup, &terr) < 0 && r >= 0) {
		*err = TAKE_PTR(terr);
		r = -EIO;
	}
	return r;
}

int calyx_container_restore(struct calyx_context *ctx, const char *id,
			    const struct calyx_restore_options *opts,
			    int *exit_status, calyx_error **err)
{
	__attribute__((cleanup(restore_job_release))) struct restore_job job = {
		.ctx = ctx,
		.id = id,
		.opts = opts,
		.state_dirfd = -1,
		.netns_fd = -1,
		.pidns_fd = -1,
	};
	_cleanup_close_ int imgfd = -1, workfd = -1;
	sigset_t sigs, old;
	int r;

	*exit_status = 0;
	r = calyx_id_validate(id, err);
	if (r < 0)
		return r;
	/* nothing in the restored container may read or ptrace us */
	if (geteuid() == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return calyx_error_set(err, errno, "prctl(PR_SET_DUMPABLE)");
	r = load_bundle(&job, err);
	if (r < 0)
		return r;
	r = enter_private_mount_ns(err);
	if (r < 0)
		return r;
	imgfd = open(opts->criu.image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (imgfd < 0)
		return calyx_error_set(err, errno, "image path %s", opts->criu.image_path);
	r = check_images(imgfd, opts->criu.image_path, err);
	if (r < 0)
		return r;
	close(imgfd);
	r = criu_open_dirs(&opts->criu, false, &imgfd, &workfd, err);
	if (r < 0)
		return r;
	if (job.spec->process && job.spec->process->terminal && !opts->console_socket)
		return calyx_error_setx(err, EINVAL,
					"process.terminal: restoring a terminal needs --console-socket");
	r = container_make_state_dir(ctx, id, &job.state_dirfd, err);
	if (r < 0)
		return r;
	container_forwarded_signals(&sigs);
	if (!opts->detach)
		sigprocmask(SIG_BLOCK, &sigs, &old);
	r = container_lock(job.state_dirfd, err);
	if (r >= 0)
		r = restore_steps(&job, imgfd, workfd, err);
	if (r < 0) {
		restore_undo(&job);
		r = calyx_error_prefix(err, "restoring %s", id);
	} else if (!opts->detach) {
		r = wait_foreground(&job, &sigs, exit_status, err);
	}
	if (!opts->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
