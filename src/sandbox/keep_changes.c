/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --keep-changes DIR hands what a container wrote to the host, and the
 * container was root: a setuid-root copy of a shell, a file with
 * capabilities or a device node left in DIR/upper would be a way to root
 * for any host user.  So DIR is the caller's and 0700, and once the
 * container is gone its changes are stripped of all three.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sandbox/prepare.h"
#include "util/cleanup.h"

/* deeper than any real tree; each level holds one fd */
#define MAX_DEPTH 512

int sandbox_keep_dir_open(const char *dir, calyx_error **err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				      O_CLOEXEC);
	struct stat sb;

	if (fd < 0)
		return calyx_error_set(err, errno, "--keep-changes %s", dir);
	if (fstat(fd, &sb) < 0)
		return calyx_error_set(err, errno, "--keep-changes %s", dir);
	if (sb.st_uid != geteuid())
		return calyx_error_setx(err, EPERM,
					"--keep-changes %s: owned by uid %u, not by the caller",
					dir, (unsigned int)sb.st_uid);
	/* private: no other host user may reach what the container wrote */
	if ((sb.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		return calyx_error_set(err, errno, "--keep-changes %s: chmod 0700", dir);
	return TAKE_FD(fd);
}

/* an overlay whiteout: a char device 0:0, which must stay */
static bool is_whiteout(const struct stat *sb)
{
	return S_ISCHR(sb->st_mode) && sb->st_rdev == makedev(0, 0);
}

static int strip_file(int dirfd, const char *name, const struct stat *sb,
		      const char *path, calyx_error **err)
{
	char at[64 + NAME_MAX];

	if ((sb->st_mode & (S_ISUID | S_ISGID)) &&
	    fchmodat(dirfd, name, sb->st_mode & 0777 & ~(mode_t)(S_ISUID | S_ISGID),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return calyx_error_set(err, errno, "--keep-changes: chmod %s/%s",
				       path, name);
	/* the l-variant on the entry itself: its name is not followed */
	snprintf(at, sizeof(at), "/proc/self/fd/%d/%s", dirfd, name);
	if (lremovexattr(at, "security.capability") < 0 && errno != ENODATA &&
	    errno != ENOTSUP)
		return calyx_error_set(err, errno,
				       "--keep-changes: removing the capabilities of %s/%s",
				       path, name);
	return 0;
}

static int strip_tree(int dirfd, const char *path, unsigned int depth,
		      calyx_error **err)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int fd = dup(dirfd);

	if (depth > MAX_DEPTH)
		return calyx_error_setx(err, ELOOP,
					"--keep-changes: %s: more than %d levels deep",
					path, MAX_DEPTH);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return calyx_error_set(err, errno, "--keep-changes: %s", path);
	}
	while ((errno = 0, de = readdir(dir))) {
		struct stat sb;
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return calyx_error_set(err, errno, "--keep-changes: %s/%s",
					       path, de->d_name);
		if (S_ISDIR(sb.st_mode)) {
			_cleanup_close_ int sub = openat(dirfd, de->d_name,
							 O_RDONLY | O_DIRECTORY |
							 O_NOFOLLOW | O_CLOEXEC);
			_cleanup_free_ char *subpath = NULL;

			if (sub < 0 || asprintf(&subpath, "%s/%s", path, de->d_name) < 0)
				return calyx_error_set(err, sub < 0 ? errno : ENOMEM,
						       "--keep-changes: %s/%s", path,
						       de->d_name);
			r = strip_tree(sub, subpath, depth + 1, err);
		} else if (S_ISREG(sb.st_mode)) {
			r = strip_file(dirfd, de->d_name, &sb, path, err);
		} else if ((S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)) &&
			   !is_whiteout(&sb)) {
			r = unlinkat(dirfd, de->d_name, 0) < 0 ?
				calyx_error_set(err, errno,
						"--keep-changes: removing device node %s/%s",
						path, de->d_name) : 0;
		} else {
			r = 0;
		}
		if (r < 0)
			return r;
	}
	if (errno)
		return calyx_error_set(err, errno, "--keep-changes: reading %s", path);
	return 0;
}

int sandbox_keep_sanitize(const char *dir, calyx_error **err)
{
	_cleanup_close_ int dirfd = -1, upper = -1;
	_cleanup_free_ char *path = NULL;

	dirfd = sandbox_keep_dir_open(dir, err);
	if (dirfd < 0)
		return dirfd;
	upper = openat(dirfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (upper < 0 && errno == ENOENT)
		return 0;
	if (upper < 0 || asprintf(&path, "%s/upper", dir) < 0)
		return calyx_error_set(err, upper < 0 ? errno : ENOMEM,
				       "--keep-changes: %s/upper", dir);
	return strip_tree(upper, path, 0, err);
}
