/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays inputs through a fuzz target without libFuzzer (any C compiler):
 *	replay_<target> FILE|DIR...
 * Each file runs in a child process, so a crash fails that file alone and
 * is named.  Prints "<passed> <failed>" on the last line of stdout; exits 1
 * when any file failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned passed, failed;

static int run_one(const char *path)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return 1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return 1;
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		fprintf(stderr, "%s: short read\n", path);
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static void replay_file(const char *path)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0)
		exit(run_one(path));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		passed++;
		return;
	}
	failed++;
	if (WIFSIGNALED(status))
		fprintf(stderr, "FAILED %s: signal %d\n", path, WTERMSIG(status));
	else
		fprintf(stderr, "FAILED %s: exit %d\n", path, WEXITSTATUS(status));
}

static void replay(const char *path)
{
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (stat(path, &st) < 0)
		return;	/* an absent crash dir is fine */
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *sub;

		if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) < 0)
			exit(2);
		replay(sub);
		free(sub);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		replay(argv[i]);
	printf("%u %u\n", passed, failed);
	return failed ? 1 : 0;
}
