/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Paths inside the container rootfs.  Everything is resolved against a
 * rootfs dirfd with openat2(RESOLVE_IN_ROOT), and missing components are
 * created with mkdirat() on the parent's fd, so a symlink (or a racing
 * container process swapping one in) can never make us create or mount
 * something outside the rootfs (CVE-2021-30465, CVE-2024-45310).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

/* Symlinks followed while creating one path, as the kernel's MAXSYMLINKS. */
#define ROOTFS_MAX_SYMLINKS 40

char *rootfs_path_clean(const char *path)
{
	size_t len = strlen(path);
	char *out = malloc(len + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (const char *p = path; *p;) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		n = end - p;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* drop the last component, clamped at the root */
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = end;
	}
	out[o] = '\0';
	return out;
}

static int sys_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = resolve,
	};
	int fd;

	do {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

int rootfs_open_in_root(int rootfd, const char *rel, int flags)
{
	return sys_openat2(rootfd, *rel ? rel : ".", flags,
			   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/*
 * The deepest existing directory on the way to path (cleaned, mutable):
 * returns its fd and sets *rest to the first missing component.
 */
static int open_existing_prefix(int rootfd, char *path, char **rest)
{
	char *cut = path + strlen(path);

	for (;;) {
		char saved;
		int fd;

		while (cut > path && *cut != '/')
			cut--;
		if (cut == path) {
			*rest = path;
			return rootfs_open_in_root(rootfd, "", O_PATH);
		}
		saved = *cut;
		*cut = '\0';
		fd = rootfs_open_in_root(rootfd, path, O_PATH | O_DIRECTORY);
		*cut = saved;
		if (fd >= 0) {
			*rest = cut + 1;
			return fd;
		}
		if (fd != -ENOENT)
			return fd;
		cut--;
	}
}

/*
 * A component we created (or found) is a symlink: splice its target into
 * the path and start again, as path resolution would, but always inside
 * the root.
 */
static char *splice_symlink(int parentfd, const char *path, const char *comp,
			    size_t comp_len, const char *after)
{
	char target[PATH_MAX];
	_cleanup_free_ char *joined = NULL;
	_cleanup_free_ char *name = strndup(comp, comp_len);
	ssize_t n;
	int r;

	if (!name)
		return NULL;
	n = readlinkat(parentfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	if (target[0] == '/')
		r = asprintf(&joined, "%s/%s", target, after);
	else
		r = asprintf(&joined, "%.*s/%s/%s", (int)(comp - path), path,
			     target, after);
	if (r < 0) {
		joined = NULL;
		return NULL;
	}
	return rootfs_path_clean(joined);
}

/* One attempt; returns fd, -errno, or -EAGAIN with *restart set. */
static int create_path(int rootfd, char *path, bool want_file, char **restart)
{
	char *rest;
	_cleanup_close_ int cur = open_existing_prefix(rootfd, path, &rest);

	if (cur < 0)
		return cur;
	while (*rest) {
		char *end = strchrnul(rest, '/');
		bool last = *end == '\0';
		bool file = last && want_file;
		char saved = *end;
		int next, r;

		*end = '\0';
		if (file) {
			r = openat(cur, rest, O_WRONLY | O_CREAT | O_EXCL |
				   O_NOFOLLOW | O_CLOEXEC, 0644);
			if (r >= 0)
				close(r);
		} else {
			r = mkdirat(cur, rest, 0755);
		}
		if (r < 0 && errno != EEXIST)
			return -errno;
		/* never follow what is there now: it may have been swapped */
		next = sys_openat2(cur, rest, O_PATH | (file ? 0 : O_DIRECTORY),
				   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS);
		*end = saved;
		if (next == -ELOOP) {
			*restart = splice_symlink(cur, path, rest, end - rest,
						  last ? "" : end + 1);
			return *restart ? -EAGAIN : -ELOOP;
		}
		if (next < 0)
			return next;
		close(cur);
		cur = next;
		rest = last ? end : end + 1;
	}
	return TAKE_FD(cur);
}

int rootfs_mkdir_in_root(int rootfd, const char *rel, bool want_file)
{
	_cleanup_free_ char *path = NULL;
	int fd = rootfs_open_in_root(rootfd, rel, O_PATH);

	if (fd != -ENOENT)
		return fd;
	path = strdup(rel);
	if (!path)
		return -ENOMEM;
	for (int i = 0; i < ROOTFS_MAX_SYMLINKS; i++) {
		char *restart = NULL;

		fd = create_path(rootfd, path, want_file, &restart);
		if (fd != -EAGAIN)
			return fd;
		free(path);
		path = restart;
	}
	return -ELOOP;
}

int rootfs_open_parent_in_root(int rootfd, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *dir = NULL;

	if (!slash) {
		*name = rel;
		return rootfs_open_in_root(rootfd, "", O_PATH);
	}
	*name = slash + 1;
	dir = strndup(rel, slash - rel);
	if (!dir)
		return -ENOMEM;
	return rootfs_mkdir_in_root(rootfd, dir, false);
}
