/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a bundle-less run needs around the container, and its removal.
 *
 * Every run owns <root>/.sandbox-<id> (hidden from `list`), flock'ed for
 * the life of calyx and holding the names of what was made outside the
 * container (the veth) and the empty mount points of an overlay (root/,
 * scratch/ for its upper layer): the container process mounts those in
 * its own mount namespace, so they vanish with it.  If calyx is killed,
 * the container dies too (PDEATHSIG), and the next bundle-less run finds
 * the directory unlocked and removes it, the veth and the container state
 * (sandbox_sweep).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linux/network.h"
#include "sandbox/prepare.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define SANDBOX_DIR_PREFIX ".sandbox-"
/* the directory's name until it is locked: see make_own_dir() */
#define SANDBOX_NEW_PREFIX ".sbxnew-"
#define VETH_FILE "veth"
/* the --keep-changes DIR, for a sweep to strip if we are killed */
#define KEEP_FILE "keep"

static int open_state_root(struct calyx_context *ctx, calyx_error **err)
{
	int fd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (calyx_mkdir_p(ctx->state_root, 0700, err) < 0)
			return calyx_error_prefix(err, "state root");
		fd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return calyx_error_set(err, errno, "open state root %s", ctx->state_root);
	return fd;
}

/* A leftover of a killed run: unlocked.  A directory still under its
 * first name may be a live run's that has not taken the lock yet: it is a
 * leftover only once it is older than that can take. */
static bool is_stale(int dirfd, bool unlocked_name)
{
	struct stat sb;

	if (flock(dirfd, LOCK_EX | LOCK_NB) < 0)
		return false;
	return !unlocked_name || (fstat(dirfd, &sb) == 0 && sb.st_mtime + 10 < time(NULL));
}

static void sweep_one(struct calyx_context *ctx, int rootfd, const char *name,
		      bool unlocked_name)
{
	_cleanup_close_ int dirfd = openat(rootfd, name, O_RDONLY | O_DIRECTORY |
					   O_NOFOLLOW | O_CLOEXEC);
	_cleanup_error_ calyx_error *ignored = NULL;
	_cleanup_free_ char *veth = NULL, *keep = NULL;
	const char *id = name + strlen(SANDBOX_DIR_PREFIX);
	size_t len;

	if (dirfd < 0 || !is_stale(dirfd, unlocked_name))
		return;
	if (unlocked_name) {
		/* nothing was made for it yet */
		calyx_remove_tree_at(rootfd, name, &ignored);
		return;
	}
	calyx_debug(&ctx->log, "sandbox: removing what a killed run left: %s", id);
	if (calyx_read_file_at(dirfd, VETH_FILE, &veth, &len, &ignored) >= 0)
		net_link_delete(veth, &ignored);
	calyx_error_free(&ignored);
	if (calyx_read_file_at(dirfd, KEEP_FILE, &keep, &len, &ignored) >= 0 &&
	    geteuid() == 0 && sandbox_keep_sanitize(keep, &ignored) < 0)
		calyx_warn(&ctx->log, "sandbox: %s", ignored->msg);
	calyx_error_free(&ignored);
	if (faccessat(rootfd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		calyx_container_delete(ctx, id, true, &ignored);
	calyx_error_free(&ignored);
	calyx_remove_tree_at(rootfd, name, &ignored);
}

void sandbox_sweep(struct calyx_context *ctx)
{
	_cleanup_close_ int rootfd = -1;
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int fd;

	rootfd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	fd = dup(rootfd);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, SANDBOX_DIR_PREFIX,
			    strlen(SANDBOX_DIR_PREFIX)) == 0)
			sweep_one(ctx, rootfd, de->d_name, false);
		else if (strncmp(de->d_name, SANDBOX_NEW_PREFIX,
				 strlen(SANDBOX_NEW_PREFIX)) == 0)
			sweep_one(ctx, rootfd, de->d_name, true);
	}
}

/*
 * Made under a first name, locked, then renamed: a .sandbox-<id> directory
 * is therefore locked for as long as its run lives, and an unlocked one is
 * a leftover, whatever its age.  Taking the first name also reserves the
 * id against a concurrent run.
 */
static int make_own_dir(struct sandbox_env *env, const char *id, calyx_error **err)
{
	_cleanup_free_ char *first = NULL;

	if (asprintf(&env->name, SANDBOX_DIR_PREFIX "%s", id) < 0 ||
	    asprintf(&env->dir, "%s/%s", env->ctx->state_root, env->name) < 0 ||
	    asprintf(&first, SANDBOX_NEW_PREFIX "%s", id) < 0)
		return calyx_error_set(err, ENOMEM, "sandbox");
	if (mkdirat(env->rootfd, first, 0700) < 0) {
		if (errno == EEXIST)
			return calyx_error_setx(err, EEXIST,
						"container with id %s already exists", id);
		return calyx_error_set(err, errno, "mkdir %s/%s", env->ctx->state_root,
				       first);
	}
	env->lockfd = openat(env->rootfd, first,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (env->lockfd < 0 || flock(env->lockfd, LOCK_EX) < 0 ||
	    renameat2(env->rootfd, first, env->rootfd, env->name, RENAME_NOREPLACE) < 0) {
		int e = errno;

		unlinkat(env->rootfd, first, AT_REMOVEDIR);
		if (e == EEXIST)
			return calyx_error_setx(err, EEXIST,
						"container with id %s already exists", id);
		return calyx_error_set(err, e, "sandbox directory %s", env->dir);
	}
	env->made_dir = true;
	return 0;
}

static int make_subdir(const char *base, const char *sub, char **out,
		       calyx_error **err)
{
	if (asprintf(out, "%s/%s", base, sub) < 0)
		return calyx_error_set(err, ENOMEM, "sandbox");
	if (mkdir(*out, 0755) < 0 && errno != EEXIST)
		return calyx_error_set(err, errno, "mkdir %s", *out);
	return 0;
}

/*
 * The rootfs comes from elsewhere (an overlay, or `/` without its
 * submounts): root.path becomes an empty mount point in our directory and
 * the container process mounts the rest inside its own mount namespace.
 */
static int prepare_root_source(struct sandbox_env *env, const struct sandbox_options *o,
			       const char *rootfs, calyx_error **err)
{
	struct calyx_root_source *src = &env->root_source;
	int r;

	r = make_subdir(env->dir, "root", &env->root_path, err);
	if (r < 0)
		return r;
	src->lower = rootfs;
	/* a user namespace cannot split locked submounts off a bind */
	src->recursive = geteuid() != 0;
	if (!o->overlay)
		return 0;
	if (src->recursive && strcmp(rootfs, "/") == 0)
		return calyx_error_setx(err, EPERM,
					"--overlay on --rootfs /: needs root (the kernel lets no "
					"user namespace overlay a tree with mounts under it)");
	if (o->keep_changes) {
		r = calyx_mkdir_p(o->keep_changes, 0700, err);
		if (r < 0)
			return calyx_error_prefix(err, "--keep-changes");
		env->upper_dir = realpath(o->keep_changes, NULL);
		if (!env->upper_dir)
			return calyx_error_set(err, errno, "--keep-changes %s",
					       o->keep_changes);
		r = sandbox_keep_dir_open(env->upper_dir, err);
		if (r < 0)
			return r;
		close(r);
		r = calyx_write_file_atomic_at(env->lockfd, KEEP_FILE, env->upper_dir,
					       strlen(env->upper_dir), 0600, err);
		if (r < 0)
			return r;
		env->keep_recorded = true;
	} else {
		r = make_subdir(env->dir, "scratch", &env->upper_dir, err);
		if (r < 0)
			return r;
		src->upper_tmpfs = true;
		src->upper_size = (uint64_t)o->overlay_size;
	}
	src->upper_dir = env->upper_dir;
	return 0;
}

static int prepare_veth(struct sandbox_env *env, const struct sandbox_options *o,
			calyx_error **err)
{
	int r;

	/* one sandbox per calyx process: the pid makes the names unique */
	snprintf(env->veth_host, sizeof(env->veth_host), "cxh%x", (unsigned int)getpid());
	snprintf(env->veth_peer, sizeof(env->veth_peer), "cxc%x", (unsigned int)getpid());
	/* recorded first, so a sweep finds it whatever happens next */
	r = calyx_write_file_atomic_at(env->lockfd, VETH_FILE, env->veth_host,
				       strlen(env->veth_host), 0600, err);
	if (r < 0)
		return r;
	r = net_veth_create(env->veth_host, env->veth_peer, o->veth_host,
			    o->veth_peer, err);
	if (r < 0)
		return calyx_error_prefix(err, "--net veth");
	env->veth_made = true;
	return 0;
}

int sandbox_prepare(struct calyx_context *ctx, const struct sandbox_options *o,
		    const char *rootfs, const char *id, struct sandbox_env *env,
		    calyx_error **err)
{
	int r;

	*env = (struct sandbox_env){ .ctx = ctx, .rootfd = -1, .lockfd = -1 };
	env->rootfd = open_state_root(ctx, err);
	if (env->rootfd < 0)
		return env->rootfd;
	r = make_own_dir(env, id, err);
	if (r < 0)
		return r;
	if (o->overlay || strcmp(rootfs, "/") == 0) {
		r = prepare_root_source(env, o, rootfs, err);
		if (r < 0)
			return r;
		env->has_root_source = true;
	} else if (!(env->root_path = strdup(rootfs))) {
		return calyx_error_set(err, ENOMEM, "sandbox");
	}
	if (o->net == SANDBOX_NET_VETH)
		return prepare_veth(env, o, err);
	return 0;
}

/* What we put there, by name: no directory walk on the common path. */
static int remove_own_dir(struct sandbox_env *env)
{
	if (env->veth_made && unlinkat(env->lockfd, VETH_FILE, 0) < 0 && errno != ENOENT)
		return -errno;
	if (env->keep_recorded && unlinkat(env->lockfd, KEEP_FILE, 0) < 0 && errno != ENOENT)
		return -errno;
	if (env->has_root_source) {
		if (unlinkat(env->lockfd, "root", AT_REMOVEDIR) < 0 && errno != ENOENT)
			return -errno;
		if (env->root_source.upper_tmpfs &&
		    unlinkat(env->lockfd, "scratch", AT_REMOVEDIR) < 0 && errno != ENOENT)
			return -errno;
	}
	return unlinkat(env->rootfd, env->name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

void sandbox_cleanup(struct sandbox_env *env)
{
	_cleanup_error_ calyx_error *ignored = NULL;

	/* normally gone with the container's namespace already */
	if (env->veth_made && net_link_delete(env->veth_host, &ignored) < 0)
		calyx_warn(&env->ctx->log, "sandbox: %s", ignored->msg);
	if (env->made_dir && remove_own_dir(env) < 0 &&
	    calyx_remove_tree_at(env->rootfd, env->name, &ignored) < 0)
		calyx_warn(&env->ctx->log, "sandbox: %s", ignored->msg);
	if (env->lockfd >= 0)
		close(env->lockfd);
	if (env->rootfd >= 0)
		close(env->rootfd);
	free(env->root_path);
	free(env->upper_dir);
	free(env->dir);
	free(env->name);
	*env = (struct sandbox_env){ .rootfd = -1, .lockfd = -1 };
}
