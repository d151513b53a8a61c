// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * floor: the least any runtime must do to run a command in a bundle's
 * rootfs with the example bundle's namespaces, and nothing more -- the
 * benchmark's floor (tests/bench/run.sh, section `run`).
 *
 *   floor [--cgroup NAME] ROOTFS COMMAND [ARG...]
 *
 * One clone3 with the namespaces calyx gives the example bundle (mount,
 * uts, ipc, pid, network), then in the child: / made private, ROOTFS bound
 * onto itself, pivot_root into it, the old root detached, /proc mounted,
 * COMMAND executed; the parent waits and exits with COMMAND's status.
 *
 * With --cgroup NAME it also does what a runtime must for a bundle's
 * cgroup: make NAME below every mounted hierarchy (each v1 hierarchy and
 * the v2 one on a hybrid host; the one directory on pure v2), fill a v1
 * cpuset's cpus and mems from its parent (an empty cpuset refuses tasks),
 * put the child in all of them before it does anything (v2 by
 * CLONE_INTO_CGROUP, v1 by writing its pid; the child waits on a pipe
 * until then, so what it allocates is charged to its cgroups; on pure v2
 * it is born there and need not wait) and remove them after it has exited.
 *
 * Not installed; a test helper, so it reports errors with perror-style
 * messages and exits 1 (2 for usage) instead of calyx's error values.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_HIERARCHIES 32
#define NAMESPACES (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET)

struct hierarchy {
	char mount[256];	/* where it is mounted */
	bool v2, cpuset;
	int mountfd;		/* the mount point, once opened */
	bool made;		/* NAME made below it */
	int fd;			/* NAME, once opened */
};

struct cgroups {
	const char *name;	/* NULL: no cgroups at all */
	struct hierarchy h[MAX_HIERARCHIES];
	int n;
};

static void warn_errno(const char *what, const char *arg)
{
	fprintf(stderr, "floor: %s%s%s: %s\n", what, arg ? " " : "",
		arg ? arg : "", strerror(errno));
}

/* Does the comma-separated list contain WORD? */
static bool has_option(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list;; p++) {
		if (!strncmp(p, word, len) && (p[len] == ',' || p[len] == '\0'))
			return true;
		p = strchr(p, ',');
		if (!p)
			return false;
	}
}

/*
 * The cgroup and cgroup2 mounts in /proc/self/mountinfo:
 *   ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
 */
static int find_hierarchies(struct cgroups *cg)
{
	char line[4096], mnt[256], fstype[32], super[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int r = 0;

	if (!f) {
		warn_errno("open", "/proc/self/mountinfo");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *tail = strstr(line, " - ");
		struct hierarchy *h;

		if (!tail || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    sscanf(tail, " - %31s %*s %1023s", fstype, super) != 2)
			continue;
		if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2"))
			continue;
		if (cg->n == MAX_HIERARCHIES) {
			fprintf(stderr, "floor: more than %d cgroup hierarchies\n",
				MAX_HIERARCHIES);
			r = -1;
			break;
		}
		h = &cg->h[cg->n++];
		snprintf(h->mount, sizeof(h->mount), "%s", mnt);
		h->v2 = !strcmp(fstype, "cgroup2");
		h->cpuset = !h->v2 && has_option(super, "cpuset");
		h->mountfd = h->fd = -1;
	}
	if (ferror(f)) {
		warn_errno("read", "/proc/self/mountinfo");
		r = -1;
	}
	fclose(f);
	if (r == 0 && cg->n == 0) {
		fprintf(stderr, "floor: no cgroup hierarchy is mounted\n");
		r = -1;
	}
	return r;
}

static int write_at(int dirfd, const char *file, const char *value, size_t len)
{
	int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	if (n >= 0 && (size_t)n != len)
		errno = EIO;
	if (close(fd) < 0 || n < 0 || (size_t)n != len)
		return -1;
	return 0;
}

/* cpuset.cpus and cpuset.mems of a new v1 cpuset, copied from its parent */
static int cpuset_fill(struct hierarchy *h)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char value[4096];
		int fd = openat(h->mountfd, files[i], O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0) {
			warn_errno("open", files[i]);
			return -1;
		}
		n = read(fd, value, sizeof(value));
		if (n < 0 || close(fd) < 0) {
			warn_errno("read", files[i]);
			return -1;
		}
		if (write_at(h->fd, files[i], value, (size_t)n) < 0) {
			warn_errno("write", files[i]);
			return -1;
		}
	}
	return 0;
}

static int cgroups_make(struct cgroups *cg)
{
	for (int i = 0; i < cg->n; i++) {
		struct hierarchy *h = &cg->h[i];

		h->mountfd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->mountfd < 0) {
			warn_errno("open", h->mount);
			return -1;
		}
		if (mkdirat(h->mountfd, cg->name, 0755) < 0) {
			warn_errno("mkdir in", h->mount);
			return -1;
		}
		h->made = true;
		h->fd = openat(h->mountfd, cg->name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (h->fd < 0) {
			warn_errno("open the new cgroup in", h->mount);
			return -1;
		}
		if (h->cpuset && cpuset_fill(h) < 0)
			return -1;
	}
	return 0;
}

/* The v2 directory, for CLONE_INTO_CGROUP (-1: none) */
static int cgroups_v2_fd(const struct cgroups *cg)
{
	for (int i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			return cg->h[i].fd;
	return -1;
}

static bool cgroups_have_v1(const struct cgroups *cg)
{
	for (int i = 0; i < cg->n; i++)
		if (!cg->h[i].v2)
			return true;
	return false;
}

/* The v1 hierarchies: what CLONE_INTO_CGROUP cannot do */
static int cgroups_join_v1(const struct cgroups *cg, pid_t pid)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d", (int)pid);

	for (int i = 0; i < cg->n; i++) {
		if (cg->h[i].v2)
			continue;
		if (write_at(cg->h[i].fd, "cgroup.procs", buf, (size_t)len) < 0) {
			warn_errno("joining the cgroup in", cg->h[i].mount);
			return -1;
		}
	}
	return 0;
}

/* Removes what cgroups_make made; every hierarchy is tried. */
static int cgroups_remove(struct cgroups *cg)
{
	int r = 0;

	for (int i = 0; i < cg->n; i++) {
		struct hierarchy *h = &cg->h[i];

		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
		if (h->made && unlinkat(h->mountfd, cg->name, AT_REMOVEDIR) < 0) {
			warn_errno("rmdir in", h->mount);
			r = -1;
		}
		h->made = false;
		if (h->mountfd >= 0)
			close(h->mountfd);
		h->mountfd = -1;
	}
	return r;
}

static _Noreturn void child_fail(const char *what, const char *arg)
{
	warn_errno(what, arg);
	_exit(127);
}

/* In the new namespaces: wait to be in the cgroups, pivot, /proc, exec. */
static _Noreturn void child(const char *rootfs, char **argv, int go)
{
	char c;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_fail("prctl", "PR_SET_PDEATHSIG");
	if (go >= 0) {
		/* EOF: the parent put us in every cgroup and closed its end */
		if (read(go, &c, 1) != 0)
			child_fail("waiting for the cgroups", NULL);
		close(go);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail("making / private", NULL);
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail("bind-mounting", rootfs);
	if (chdir(rootfs) < 0)
		child_fail("chdir", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail("pivot_root", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		child_fail("detaching the old root", NULL);
	if (chdir("/") < 0)
		child_fail("chdir", "/");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		child_fail("mounting", "/proc");
	execv(argv[0], argv);
	child_fail("exec", argv[0]);
}

static int wait_exit_code(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			warn_errno("waitpid", NULL);
			return -1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int usage(void)
{
	fprintf(stderr, "usage: floor [--cgroup NAME] ROOTFS COMMAND [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct cgroups cg = { 0 };
	struct clone_args args = {
		.flags = NAMESPACES,
		.exit_signal = SIGCHLD,
	};
	int pipefd[2] = { -1, -1 }, code = 1;
	const char *rootfs;
	pid_t pid;

	argv++;
	argc--;
	if (argc >= 2 && !strcmp(argv[0], "--cgroup")) {
		cg.name = argv[1];
		argv += 2;
		argc -= 2;
		if (!*cg.name || strchr(cg.name, '/') || !strcmp(cg.name, ".") ||
		    !strcmp(cg.name, ".."))
			return usage();
	}
	if (argc < 2 || argv[0][0] == '-')
		return usage();
	rootfs = argv[0];

	if (cg.name) {
		if (find_hierarchies(&cg) < 0 || cgroups_make(&cg) < 0)
			goto out;
		if (cgroups_v2_fd(&cg) >= 0) {
			args.flags |= CLONE_INTO_CGROUP;
			args.cgroup = (uint64_t)cgroups_v2_fd(&cg);
		}
		/* born in the v2 cgroup, the child waits only for v1 */
		if (cgroups_have_v1(&cg) && pipe2(pipefd, O_CLOEXEC) < 0) {
			warn_errno("pipe2", NULL);
			goto out;
		}
	}

	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		warn_errno("clone3", NULL);
		goto out;
	}
	if (pid == 0) {
		if (pipefd[1] >= 0)
			close(pipefd[1]);
		child(rootfs, argv + 1, pipefd[0]);
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (cg.name && cgroups_join_v1(&cg, pid) < 0) {
		kill(pid, SIGKILL);
		wait_exit_code(pid);
		goto out;
	}
	if (pipefd[1] >= 0 && close(pipefd[1]) < 0) {
		warn_errno("close", NULL);
		pipefd[1] = -1;
		kill(pid, SIGKILL);
		wait_exit_code(pid);
		goto out;
	}
	pipefd[1] = -1;
	code = wait_exit_code(pid);
	if (code < 0)
		code = 1;
out:
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (cg.name && cgroups_remove(&cg) < 0 && code == 0)
		code = 1;
	return code;
}
