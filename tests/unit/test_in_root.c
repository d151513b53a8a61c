/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux/in_root.c: lookups that never leave the root (no privilege needed). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/in_root.h"
#include "unit.h"
#include "util/cleanup.h"

static char root[] = "/tmp/calyx-unit-in-root-XXXXXX";
static int rootfd = -1;

static void put(const char *rel, const char *text, mode_t mode)
{
	int fd = openat(rootfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		perror(rel);
	if (fd >= 0)
		close(fd);
	if (fchmodat(rootfd, rel, mode, 0) < 0)
		perror(rel);
}

static void make_root(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	mkdirat(rootfd, "bin", 0755);
	mkdirat(rootfd, "etc", 0755);
	mkdirat(rootfd, "work", 0755);
	put("bin/prog", "#!/bin/sh\n", 0755);
	put("bin/plain", "data\n", 0644);
	put("work/tool", "#!/bin/sh\n", 0755);
	/* absolute and climbing symlinks stay inside the root */
	if (symlinkat("/bin/prog", rootfd, "bin/alias") < 0 ||
	    symlinkat("../../../../../../bin", rootfd, "work/up") < 0)
		perror("symlinkat");
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			  "broken line\n"
			  "app:x:1000:1000::/home/app:/bin/sh\n", 0644);
}

static void remove_root(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

static bool same_file(int dirfd, const char *base, const char *abs_in_root)
{
	struct stat a, b;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, abs_in_root);
	return fstatat(dirfd, base, &a, 0) == 0 && stat(path, &b) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

TEST(path_search)
{
	_cleanup_error_ calyx_error *err = NULL;
	char *env[] = { "PATH=/nowhere:/bin", NULL };
	struct in_root_exe exe;

	CHECK(in_root_find_executable(rootfd, "prog", env, "/", &exe, &err) == 0);
	CHECK_STR(exe.path, "/bin/prog");
	CHECK_STR(exe.base, "prog");
	CHECK(same_file(exe.dirfd, exe.base, "/bin/prog"));
	close(exe.dirfd);
	/* a symlink keeps its own name (the process's comm) */
	CHECK(in_root_find_executable(rootfd, "alias", env, "/", &exe, &err) == 0);
	CHECK_STR(exe.base, "alias");
	close(exe.dirfd);
	/* not executable: skipped in PATH, refused by path */
	CHECK(in_root_find_executable(rootfd, "plain", env, "/", &exe, &err) == -ENOENT);
	CHECK_STR(err ? err->msg : NULL,
		  "exec: \"plain\": executable file not found in $PATH");
	calyx_error_free(&err);
	CHECK(in_root_find_executable(rootfd, "/bin/plain", env, "/", &exe, &err) == -EACCES);
	CHECK_CONTAINS(err ? err->msg : NULL, "exec: \"/bin/plain\"");
	calyx_error_free(&err);
	/* a directory is no executable */
	CHECK(in_root_find_executable(rootfd, "/bin", env, "/", &exe, &err) == -EACCES);
	calyx_error_free(&err);
}

TEST(relative_names_and_climbing)
{
	_cleanup_error_ calyx_error *err = NULL;
	char *env[] = { "PATH=up", NULL };
	struct in_root_exe exe;

	/* relative to process.cwd */
	CHECK(in_root_find_executable(rootfd, "./tool", NULL, "/work", &exe, &err) == 0);
	CHECK_STR(exe.path, "/work/./tool");
	close(exe.dirfd);
	/* a relative PATH entry, through a symlink that climbs: still inside */
	CHECK(in_root_find_executable(rootfd, "prog", env, "/work", &exe, &err) == 0);
	CHECK(same_file(exe.dirfd, exe.base, "/bin/prog"));
	close(exe.dirfd);
	CHECK(in_root_find_executable(rootfd, "/../../../../bin/prog", NULL, "/", &exe,
				      &err) == 0);
	CHECK(same_file(exe.dirfd, exe.base, "/bin/prog"));
	close(exe.dirfd);
}

/* /proc/self/fd/N of any fd we hold: refused as a magic link */
TEST(magic_links_refused)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_close_ int real_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct in_root_exe exe;
	char name[128];

	snprintf(name, sizeof(name), "/proc/self/fd/%d/bin/prog", rootfd);
	CHECK(in_root_find_executable(real_root, name, NULL, "/", &exe, &err) == -ELOOP);
	CHECK_CONTAINS(err ? err->msg : NULL, "magic link");
	calyx_error_free(&err);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", rootfd);
	CHECK(in_root_enter_dir(real_root, name) == -ELOOP);
}

TEST(user_home)
{
	_cleanup_free_ char *home = in_root_user_home(rootfd, 1000);
	_cleanup_free_ char *none = in_root_user_home(rootfd, 4242);
	char *got;

	CHECK_STR(home, "/home/app");
	CHECK(none == NULL);
	/* a FIFO: no hang, no home */
	unlinkat(rootfd, "etc/passwd", 0);
	CHECK(mkfifoat(rootfd, "etc/passwd", 0644) == 0);
	got = in_root_user_home(rootfd, 0);
	CHECK(got == NULL);
	free(got);
	/* a symlink is not followed, even to a good file */
	unlinkat(rootfd, "etc/passwd", 0);
	put("etc/real", "root:x:0:0::/root:/bin/sh\n", 0644);
	CHECK(symlinkat("real", rootfd, "etc/passwd") == 0);
	got = in_root_user_home(rootfd, 0);
	CHECK(got == NULL);
	free(got);
}

int main(void)
{
	make_root();
	RUN(path_search);
	RUN(relative_names_and_climbing);
	RUN(magic_links_refused);
	RUN(user_home);
	remove_root();
	return unit_summary("unit/in_root");
}
