/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "tmpcopyup": the tmpfs starts with a copy of what it covers.  The copy
 * runs before the tmpfs is attached, fd to fd, never following a symlink:
 * the source is container content.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"

/* deeper trees are refused rather than exhausting the stack */
#define COPYUP_MAX_DEPTH 64

static int copy_file(int srcdir, int dstdir, const char *name,
		     const struct stat *st)
{
	_cleanup_close_ int in = openat(srcdir, name,
					O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = openat(dstdir, name,
		     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st->st_mode & 07777);
	if (out < 0)
		return -errno;
	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, SIZE_MAX >> 1, 0);
		if (n == 0)
			break;
		if (n > 0)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS)
			return -errno;
		/* filesystems without copy_file_range */
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n)
				return -EIO;
		if (n < 0)
			return -errno;
		break;
	}
	if (fchown(out, st->st_uid, st->st_gid) < 0)
		return -errno;
	return 0;
}

static int copy_dir(int srcfd, int dstfd, int depth);

static int copy_entry(int src, int dst, const char *name, int depth)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return copy_file(src, dst, name, &st);
	case S_IFLNK:
		n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return -errno;
		break;
	case S_IFDIR: {
		_cleanup_close_ int s = -1;
		_cleanup_close_ int d = -1;
		int r;

		if (mkdirat(dst, name, st.st_mode & 07777) < 0)
			return -errno;
		s = openat(src, name,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst, name,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return -errno;
		r = copy_dir(s, d, depth + 1);
		if (r < 0)
			return r;
		break;
	}
	default:
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
			return -errno;
		break;
	}
	if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int copy_dir(int srcfd, int dstfd, int depth)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int fd;

	if (depth > COPYUP_MAX_DEPTH)
		return -ELOOP;
	fd = dup(srcfd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(dir))) {
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = copy_entry(srcfd, dstfd, de->d_name, depth);
		if (r < 0)
			return r;
	}
	return errno ? -errno : 0;
}

int rootfs_copyup(int destfd, int mntfd, calyx_error **err)
{
	_cleanup_close_ int src = openat(destfd, ".",
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dst = openat(mntfd, ".",
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	mode_t old_umask;
	int r;

	if (src < 0 || dst < 0)
		return calyx_error_set(err, errno, "tmpcopyup: open");
	if (fstat(src, &st) < 0)
		return calyx_error_set(err, errno, "tmpcopyup: stat");
	/* the tmpfs root looks like the directory it covers */
	if (fchmod(dst, st.st_mode & 07777) < 0 ||
	    fchown(dst, st.st_uid, st.st_gid) < 0)
		return calyx_error_set(err, errno, "tmpcopyup: chmod");
	old_umask = umask(0);
	r = copy_dir(src, dst, 0);
	umask(old_umask);
	if (r < 0)
		return calyx_error_set(err, -r, "tmpcopyup");
	return 0;
}
