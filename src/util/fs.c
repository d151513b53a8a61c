/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

int calyx_read_file_at(int dirfd, const char *path, char **out, size_t *len,
		       calyx_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, cap;
	struct stat st;

	if (fd < 0)
		return calyx_error_set(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return calyx_error_set(err, errno, "stat %s", path);
	if (S_ISDIR(st.st_mode))
		return calyx_error_setx(err, EISDIR, "%s: is a directory", path);
	/* one read of st_size bytes for regular files; procfs files say 0 */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	buf = malloc(cap + 1);
	if (!buf)
		return calyx_error_set(err, ENOMEM, "read %s", path);
	for (;;) {
		ssize_t n = read(fd, buf + size, cap - size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return calyx_error_set(err, errno, "read %s", path);
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);

			if (!bigger)
				return calyx_error_set(err, ENOMEM, "read %s", path);
			buf = bigger;
			cap *= 2;
		}
	}
	buf[size] = '\0';
	if (len)
		*len = size;
	*out = TAKE_PTR(buf);
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * "<dir>/<name>" for a message about a file under dirfd ("No space left"
 * must say where); just name when the directory cannot be told.
 */
static const char *path_at(int dirfd, const char *name, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	if (dirfd == AT_FDCWD) {
		if (!getcwd(buf, size))
			return name;
		n = (ssize_t)strlen(buf);
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		n = readlink(link, buf, size - 1);
		if (n <= 0)
			return name;
	}
	if (snprintf(buf + n, size - (size_t)n, "/%s", name) >= (int)(size - (size_t)n))
		return name;
	return buf;
}

int calyx_write_file_atomic_at(int dirfd, const char *name, const void *data,
			       size_t len, mode_t mode, calyx_error **err)
{
	char where[PATH_MAX + 64];
	char tmp[512];
	_cleanup_close_ int fd = -1;
	int r;

	r = snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return calyx_error_setx(err, ENAMETOOLONG, "%s: name too long", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		r = errno;
		return calyx_error_set(err, r, "create %s",
				       path_at(dirfd, tmp, where, sizeof(where)));
	}
	r = write_all(fd, data, len);
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return calyx_error_set(err, -r, "write %s",
				       path_at(dirfd, tmp, where, sizeof(where)));
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = errno;
		unlinkat(dirfd, tmp, 0);
		return calyx_error_set(err, r, "rename %s to %s",
				       path_at(dirfd, tmp, where, sizeof(where)),
				       name);
	}
	return 0;
}

int calyx_write_file_at(int dirfd, const char *path, const char *data,
			size_t len, calyx_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return calyx_error_set(err, errno, "open %s", path);
	r = write_all(fd, data, len);
	if (r < 0)
		return calyx_error_set(err, -r, "write %s", path);
	return 0;
}

int calyx_mkdir_p(const char *path, mode_t mode, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(path);
	char *p;

	if (!copy)
		return calyx_error_set(err, ENOMEM, "mkdir %s", path);
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return calyx_error_set(err, errno, "mkdir %s", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return calyx_error_set(err, errno, "mkdir %s", copy);
	return 0;
}

int calyx_remove_tree_at(int parentfd, const char *name, calyx_error **err)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int fd;

	if (unlinkat(parentfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return calyx_error_set(err, errno, "remove %s", name);
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return calyx_error_set(err, errno, "open %s", name);
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return calyx_error_set(err, errno, "open %s", name);
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (calyx_remove_tree_at(dirfd(dir), de->d_name, err) < 0)
			return calyx_error_prefix(err, "remove %s", name);
	}
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return calyx_error_set(err, errno, "remove %s", name);
	return 0;
}

int calyx_write_pid_file(const char *path, pid_t pid, calyx_error **err)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int dirfd = -1;
	const char *name;
	char *slash, buf[32];
	int len;

	if (!dir)
		return calyx_error_set(err, ENOMEM, "--pid-file");
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		name = slash + 1;
	} else {
		name = dir;
	}
	dirfd = open(!slash ? "." : slash == dir ? "/" : dir,
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return calyx_error_set(err, errno, "--pid-file %s", path);
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (calyx_write_file_atomic_at(dirfd, name, buf, (size_t)len, 0644, err) < 0)
		return calyx_error_prefix(err, "--pid-file");
	return 0;
}
