/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the runtime looks up inside the container's root on the container
 * process's behalf: the executable, the working directory, the user's home.
 * The image is hostile: every lookup is openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from a root fd, so no symlink or /proc/self/fd/N
 * can lead outside; a file is read only when it is regular, without
 * blocking and within a size bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "linux/in_root.h"
#include "util/cleanup.h"

/* /etc/passwd of a large image is some kilobytes: more is an attack. */
#define USER_DB_MAX (4 << 20)

int in_root_open(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

/* The whole of a small regular file, NUL-terminated; NULL when absent,
 * not regular or too big. */
static char *read_small_file(int rootfd, const char *path)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat sb;
	size_t len = 0;

	/* O_NONBLOCK: a FIFO or device planted there must not hang us */
	fd = in_root_open(rootfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > USER_DB_MAX)
		return NULL;
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return NULL;
	while (len < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)sb.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* shrunk meanwhile: what we have */
		len += (size_t)n;
	}
	buf[len] = '\0';
	return TAKE_PTR(buf);
}

char *in_root_user_home(int rootfd, uint32_t uid)
{
	_cleanup_free_ char *db = read_small_file(rootfd, "/etc/passwd");
	char *line, *next;

	for (line = db; line && *line; line = next) {
		/* name:passwd:uid:gid:gecos:home:shell */
		char *field[7] = { 0 }, *p = line, *end;
		size_t n = 0;
		unsigned long v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (n < 7 && p) {
			field[n++] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (n < 6 || !*field[2] || !*field[5])
			continue;
		errno = 0;
		v = strtoul(field[2], &end, 10);
		if (errno || *end || v != uid)
			continue;
		return strdup(field[5]);
	}
	return NULL;
}

int in_root_enter_dir(int rootfd, const char *path)
{
	_cleanup_close_ int fd = in_root_open(rootfd, path, O_PATH | O_DIRECTORY);

	if (fd < 0)
		return fd;
	return fchdir(fd) < 0 ? -errno : 0;
}

/* "dir/name" made absolute against cwd; false when it does not fit. */
static bool join_path(char *out, size_t size, const char *cwd, const char *dir,
		      size_t dlen, const char *name)
{
	int n;

	if (dlen && dir[0] == '/')
		n = snprintf(out, size, "%.*s/%s", (int)dlen, dir, name);
	else if (dlen)
		n = snprintf(out, size, "%s/%.*s/%s", cwd, (int)dlen, dir, name);
	else
		n = snprintf(out, size, "%s/%s", cwd, name);
	return n > 0 && (size_t)n < size;
}

/* 0 when path is a regular file with an execute bit (what execvp and Go's
 * LookPath accept), exe holding its directory; else -errno. */
static int open_executable(int rootfd, const char *path, struct in_root_exe *exe)
{
	_cleanup_close_ int fd = in_root_open(rootfd, path, O_PATH), dirfd = -1;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0)
		return -errno;
	if (!S_ISREG(sb.st_mode) || !(sb.st_mode & 0111))
		return -EACCES;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	dirfd = in_root_open(rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY);
	if (dirfd < 0)
		return dirfd;
	exe->dirfd = TAKE_FD(dirfd);
	snprintf(exe->path, sizeof(exe->path), "%s", path);
	exe->base = exe->path + (slash - path) + 1;
	return 0;
}

static const char *env_path(char *const *env)
{
	for (; env && *env; env++)
		if (!strncmp(*env, "PATH=", 5))
			return *env + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

int in_root_find_executable(int rootfd, const char *name, char *const *env,
			    const char *cwd, struct in_root_exe *exe,
			    calyx_error **err)
{
	const char *dir;
	char path[PATH_MAX];
	int r;

	exe->dirfd = -1;
	if (strchr(name, '/')) {
		int n = name[0] == '/' ? snprintf(path, sizeof(path), "%s", name) :
			snprintf(path, sizeof(path), "%s/%s", cwd, name);

		if (n < 0 || (size_t)n >= sizeof(path))
			return calyx_error_setx(err, ENAMETOOLONG,
						"exec: \"%s\": name too long", name);
		r = open_executable(rootfd, path, exe);
		if (r == -ELOOP)
			return calyx_error_setx(err, ELOOP,
						"exec: \"%s\": a symlink loop or a magic link (/proc/self/fd/...)",
						name);
		if (r < 0)
			return calyx_error_set(err, -r, "exec: \"%s\"", name);
		return 0;
	}
	for (dir = env_path(env); dir;) {
		const char *end = strchr(dir, ':');
		size_t dlen = end ? (size_t)(end - dir) : strlen(dir);

		/* an entry that cannot be resolved in the root is skipped,
		 * as execvp skips a missing one */
		if (join_path(path, sizeof(path), cwd, dir, dlen, name) &&
		    open_executable(rootfd, path, exe) == 0)
			return 0;
		dir = end ? end + 1 : NULL;
	}
	return calyx_error_setx(err, ENOENT,
				"exec: \"%s\": executable file not found in $PATH", name);
}

int in_root_exec(const struct in_root_exe *exe, bool by_fd, char *const argv[],
		 char *const envp[], calyx_error **err)
{
	/* by the directory that was resolved and the name in it: the name,
	 * not the target of a symlink, stays the process's comm (as runc's
	 * execve by path).  A script fails here with ENOENT, since its
	 * interpreter cannot open /dev/fd/N/name of a close-on-exec fd; so
	 * does a profile that forbids execveat: by path then, inside the
	 * root we are pivoted into, which holds nothing of the host. */
	if (by_fd)
		syscall(SYS_execveat, exe->dirfd, exe->base, argv, envp, 0);
	execve(exe->path, argv, envp);
	return calyx_error_set(err, errno, "exec: \"%s\"", argv[0]);
}
