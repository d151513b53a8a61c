/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The processes in a cgroup: listing, signalling, and killing them all
 * before removal.  Waiting for them to be gone uses pidfds (readable when
 * the process has exited), so no hierarchy type needs a polling loop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

/* a container forking as fast as we kill cannot keep destroy busy forever */
#define KILL_ROUNDS 64
#define EXIT_WAIT_MS 10000

static int append_pids(int dirfd, pid_t **pids, size_t *n, size_t *cap,
		       int depth, calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char *save = NULL;
	int fd, r;

	r = cg_read(dirfd, "cgroup.procs", &text, err);
	if (r < 0)
		return r;
	for (char *t = strtok_r(text, "\n", &save); t;
	     t = strtok_r(NULL, "\n", &save)) {
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			pid_t *np = realloc(*pids, ncap * sizeof(*np));

			if (!np)
				return calyx_error_set(err, ENOMEM, "pids");
			*pids = np;
			*cap = ncap;
		}
		(*pids)[(*n)++] = (pid_t)strtol(t, NULL, 10);
	}
	if (depth > 64)
		return 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return calyx_error_set(err, errno, "open cgroup");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return calyx_error_set(err, errno, "open cgroup");
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int sub = -1;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		sub = openat(dirfd, de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;	/* removed meanwhile */
		r = append_pids(sub, pids, n, cap, depth + 1, err);
		if (r < 0 && r != -ENOENT && r != -ENODEV)
			return r;
		calyx_error_free(err);
	}
	return 0;
}

int cg_read_pids(int dirfd, pid_t **pids, size_t *n, calyx_error **err)
{
	size_t cap = 0;
	int r;

	*pids = NULL;
	*n = 0;
	r = append_pids(dirfd, pids, n, &cap, 0, err);
	if (r < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
	}
	return r;
}

/* The hierarchy to list processes from: the unified one tracks them all
 * on hybrid; else the first open one. */
static struct cg_hierarchy *listing(struct calyx_cgroup *cg)
{
	struct cg_hierarchy *u = cg_unified(cg);

	if (u && u->dirfd >= 0)
		return u;
	for (size_t i = 0; i < cg->n_h; i++)
		if (cg->h[i].dirfd >= 0)
			return &cg->h[i];
	return NULL;
}

int calyx_cgroup_pids(struct calyx_cgroup *cg, pid_t **pids, size_t *n,
		      calyx_error **err)
{
	struct cg_hierarchy *h;

	*pids = NULL;
	*n = 0;
	if (cg->null)
		return 0;
	h = listing(cg);
	if (!h)
		return calyx_error_setx(err, ENOENT, "cgroup %s does not exist",
					cg->path);
	return cg_read_pids(h->dirfd, pids, n, err);
}

static int signal_pid(pid_t pid, int sig)
{
	int fd = pidfd_open(pid, 0), r;

	if (fd < 0)
		return errno == ESRCH ? 0 : kill(pid, sig);
	r = pidfd_send_signal(fd, sig, NULL, 0);
	if (r < 0 && errno == ESRCH)
		r = 0;
	close(fd);
	return r;
}

static int signal_list(const pid_t *pids, size_t n, int sig, calyx_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (signal_pid(pids[i], sig) < 0 && errno != ESRCH)
			return calyx_error_set(err, errno, "signal %d to pid %d",
					       sig, (int)pids[i]);
	return 0;
}

/* cgroup.kill (v2, also on hybrid's unified mount) kills atomically,
 * forks included; true when it was used. */
static bool try_cgroup_kill(struct calyx_cgroup *cg, int sig)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	struct cg_hierarchy *u = cg_unified(cg);

	if (sig != SIGKILL || !u || u->dirfd < 0)
		return false;
	return cg_write(u->dirfd, "cgroup.kill", "1", &ignored) == 0;
}

int calyx_cgroup_kill_all(struct calyx_cgroup *cg, int sig, calyx_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	bool frozen = false;
	size_t n = 0;
	int r;

	if (cg->null)
		return 0;
	if (try_cgroup_kill(cg, sig))
		return 0;
	/* on v1 freeze first so nothing forks between listing and killing */
	if (sig == SIGKILL && cg_find(cg, CG_FREEZER) &&
	    !cg_find(cg, CG_FREEZER)->v2 &&
	    cg_find(cg, CG_FREEZER)->dirfd >= 0) {
		_cleanup_error_ calyx_error *ignored = NULL;

		frozen = calyx_cgroup_freeze(cg, true, &ignored) == 0;
	}
	r = calyx_cgroup_pids(cg, &pids, &n, err);
	if (r >= 0)
		r = signal_list(pids, n, sig, err);
	if (frozen) {
		_cleanup_error_ calyx_error *ignored = NULL;

		calyx_cgroup_freeze(cg, false, &ignored);
	}
	return r;
}

/* Wait (on pidfds) until every listed process has exited. */
static int wait_exited(const pid_t *pids, size_t n, calyx_error **err)
{
	_cleanup_free_ struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
	size_t open_n = 0, left;
	int r = 0;

	if (!pfd)
		return calyx_error_set(err, ENOMEM, "waiting for processes");
	for (size_t i = 0; i < n; i++) {
		int fd = pidfd_open(pids[i], 0);

		if (fd < 0)
			continue;	/* already gone */
		pfd[open_n].fd = fd;
		pfd[open_n++].events = POLLIN;
	}
	left = open_n;
	while (left > 0) {
		int k = poll(pfd, open_n, EXIT_WAIT_MS);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = calyx_error_set(err, k < 0 ? errno : ETIMEDOUT,
					    "waiting for the container's processes to exit");
			break;
		}
		for (size_t i = 0; i < open_n; i++) {
			if (pfd[i].fd >= 0 && pfd[i].revents) {
				close(pfd[i].fd);
				pfd[i].fd = -1;	/* poll ignores it now */
				left--;
			}
		}
	}
	for (size_t i = 0; i < open_n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	return r;
}

int cg_kill_and_wait(struct calyx_cgroup *cg, calyx_error **err)
{
	for (int round = 0; round < KILL_ROUNDS; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r;

		if (!listing(cg))
			return 0;	/* nothing left to hold processes */
		r = calyx_cgroup_pids(cg, &pids, &n, err);
		/* gone, or going (kernfs answers ENODEV then): under the
		 * systemd driver systemd removes an emptied scope's cgroup */
		if (r == -ENOENT || r == -ENODEV) {
			calyx_error_free(err);
			return 0;
		}
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		if (!try_cgroup_kill(cg, SIGKILL)) {
			r = signal_list(pids, n, SIGKILL, err);
			if (r < 0)
				return r;
		}
		r = wait_exited(pids, n, err);
		if (r < 0)
			return r;
	}
	return calyx_error_setx(err, EBUSY,
				"cgroup %s: processes keep appearing while killing",
				cg->path);
}

/*
 * Kill and wait for what one hierarchy's leaf (and what is nested in it)
 * holds.  For destroy, when a leaf will not go: a process a killed runtime
 * had moved into some hierarchies but not yet into the one listed above.
 */
int cg_kill_and_wait_dir(const char *dir, calyx_error **err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : calyx_error_set(err, errno, "open %s", dir);
	r = cg_read_pids(fd, &pids, &n, err);
	if (r == -ENOENT || r == -ENODEV) {
		calyx_error_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = signal_list(pids, n, SIGKILL, err);
	if (r < 0)
		return r;
	return wait_exited(pids, n, err);
}
