/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CVE-2019-5736 defence: see exe_guard.h for when and why. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/exe_guard.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Set across the one re-exec so a view that is somehow not protected
 * cannot make us loop. */
#define REEXEC_MARK "_CALYX_EXE_GUARDED"

extern char **environ;

static bool fd_is_protected(int fd)
{
	struct statvfs sv;
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SEAL))
		return true;
	return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

bool calyx_exe_is_protected(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	return fd >= 0 && fd_is_protected(fd);
}

/* A read-only bind mount of just the binary, detached: once the tree fd
 * is closed (on exec) the mount belongs to no namespace, so nobody can
 * mount_setattr() it writable or clone it, and every open through it
 * (/proc/<pid>/exe, map_files) is read-only. */
static int ro_view(int exefd)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	int tree = open_tree(exefd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE |
			     OPEN_TREE_CLOEXEC);

	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;

		close(tree);
		return -e;
	}
	return tree;
}

/* Fallback (no mount privilege): a full copy in a sealed memfd. */
static int sealed_copy(int exefd, calyx_error **err)
{
	_cleanup_close_ int mfd = -1;
	struct stat sb;
	off_t off = 0;

	if (fstat(exefd, &sb) < 0)
		return calyx_error_set(err, errno, "stat /proc/self/exe");
	mfd = memfd_create("calyx", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return calyx_error_set(err, errno, "memfd_create");
	while (off < sb.st_size) {
		ssize_t n = sendfile(mfd, exefd, &off, (size_t)(sb.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return calyx_error_set(err, n < 0 ? errno : EIO,
					       "copying the runtime binary");
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL) < 0)
		return calyx_error_set(err, errno, "sealing the runtime copy");
	return TAKE_FD(mfd);
}

/* argv of this process, as the kernel saw it. */
static int own_argv(char **buf, char ***argv, calyx_error **err)
{
	size_t len = 0, n = 0;
	char **v;
	int r;

	r = calyx_read_file_at(AT_FDCWD, "/proc/self/cmdline", buf, &len, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++)
		n += (*buf)[i] == '\0';
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return calyx_error_set(err, ENOMEM, "argv");
	for (size_t i = 0, k = 0; i < len && k < n; k++) {
		v[k] = *buf + i;
		i += strlen(*buf + i) + 1;
	}
	*argv = v;
	return 0;
}

int calyx_exe_guard(calyx_error **err)
{
	_cleanup_close_ int exefd = -1, view = -1;
	_cleanup_free_ char *args = NULL;
	_cleanup_free_ char **argv = NULL;
	bool again = getenv(REEXEC_MARK) != NULL;
	int r;

	exefd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exefd < 0)
		return calyx_error_set(err, errno, "open /proc/self/exe");
	if (again)
		unsetenv(REEXEC_MARK);
	if (fd_is_protected(exefd))
		return 0;
	if (again)
		return calyx_error_setx(err, EPERM,
					"the runtime binary is still writable after re-exec");
	r = own_argv(&args, &argv, err);
	if (r < 0)
		return r;
	view = ro_view(exefd);
	if (view < 0) {
		view = sealed_copy(exefd, err);
		if (view < 0)
			return view;
	}
	if (setenv(REEXEC_MARK, "1", 1) < 0)
		return calyx_error_set(err, errno, "setenv");
	syscall(SYS_execveat, view, "", argv, environ, AT_EMPTY_PATH);
	r = errno;
	unsetenv(REEXEC_MARK);
	return calyx_error_set(err, r, "re-executing the runtime read-only");
}

static bool kept(int fd, const int *keep, size_t n_keep)
{
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* Without close_range (a kernel before 5.9, or a seccomp profile loaded
 * early that does not allow it): the fds the kernel lists. */
static int close_fds_by_listing(unsigned int from, const int *keep, size_t n_keep,
				calyx_error **err)
{
	_cleanup_close_ int dirfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[4096];
	long n;

	if (dirfd < 0)
		return calyx_error_set(err, errno, "closing fds: open /proc/self/fd");
	for (bool closed = true; closed;) {
		/* closing changes the directory: list it again until a pass
		 * closes nothing */
		closed = false;
		if (lseek(dirfd, 0, SEEK_SET) < 0)
			return calyx_error_set(err, errno, "closing fds: rewinding /proc/self/fd");
		while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct {
					uint64_t ino;
					int64_t off;
					unsigned short reclen;
					unsigned char type;
					char name[];
				} *de = (void *)(buf + off);
				char *end;
				long fd = strtol(de->name, &end, 10);

				off += de->reclen;
				if (*end || end == de->name || fd < (long)from ||
				    fd == dirfd || kept((int)fd, keep, n_keep))
					continue;
				close((int)fd);
				closed = true;
			}
		}
		if (n < 0)
			return calyx_error_set(err, errno, "closing fds: reading /proc/self/fd");
	}
	return 0;
}

int calyx_close_fds_except(int first, const int *keep, size_t n_keep,
			   calyx_error **err)
{
	unsigned int from = first > 3 ? (unsigned int)first : 3;

	/* keep[] is tiny: close the gaps between kept fds in ascending order */
	for (;;) {
		unsigned int next = ~0U;

		for (size_t i = 0; i < n_keep; i++)
			if (keep[i] >= (int)from && (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next > from &&
		    syscall(SYS_close_range, from, next - 1, 0) < 0) {
			if (errno == ENOSYS || errno == EPERM)
				return close_fds_by_listing(from, keep, n_keep, err);
			return calyx_error_set(err, errno, "close_range");
		}
		if (next == ~0U)
			return 0;
		from = next + 1;
	}
}
