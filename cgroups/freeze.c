/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pause/resume.  v2: cgroup.freeze, then wait for cgroup.events to say
 * "frozen 1" (kernfs wakes poll() with POLLPRI on every change).  v1's
 * freezer has no notification at all: there the state is re-read with a
 * short, growing back-off, as every runtime must.  Hybrid hosts use the v1
 * freezer like runc, so `runc pause`'s view and ours agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "cgroups/systemd.h"
#include "util/cleanup.h"

#define FREEZE_TIMEOUT_MS 30000

static struct cg_hierarchy *v1_freezer(struct calyx_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_h; i++)
		if (!cg->h[i].v2 && (cg->h[i].controllers & CG_BIT(CG_FREEZER)))
			return &cg->h[i];
	return NULL;
}

static int freezer(struct calyx_cgroup *cg, struct cg_hierarchy **out,
		   calyx_error **err)
{
	struct cg_hierarchy *h = v1_freezer(cg);

	if (!h)
		h = cg_unified(cg);
	if (!h)
		return calyx_error_setx(err, ENOTSUP,
					"no cgroup freezer available");
	if (h->dirfd < 0)
		return calyx_error_setx(err, ENOENT, "cgroup %s does not exist",
					h->dir ? h->dir : cg->path);
	*out = h;
	return 0;
}

/* "frozen 1" in cgroup.events */
static int v2_events_frozen(int fd, bool *frozen, calyx_error **err)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	const char *p;

	if (n < 0)
		return calyx_error_set(err, errno, "reading cgroup.events");
	buf[n] = '\0';
	p = strstr(buf, "frozen ");
	*frozen = p && p[7] == '1';
	return 0;
}

static int v2_freeze(struct cg_hierarchy *h, bool want, calyx_error **err)
{
	_cleanup_close_ int fd = -1;
	bool now;
	int r;

	r = cg_write(h->dirfd, "cgroup.freeze", want ? "1" : "0", err);
	if (r < 0)
		return r;
	fd = openat(h->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return calyx_error_set(err, errno, "open cgroup.events");
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLPRI };

		r = v2_events_frozen(fd, &now, err);
		if (r < 0)
			return r;
		if (now == want)
			return 0;
		r = poll(&pfd, 1, FREEZE_TIMEOUT_MS);
		if (r < 0 && errno != EINTR)
			return calyx_error_set(err, errno, "waiting on cgroup.events");
		if (r == 0)
			return calyx_error_setx(err, ETIMEDOUT,
						"timed out waiting for the cgroup to %s",
						want ? "freeze" : "thaw");
	}
}

static int v1_state(int dirfd, char **state, calyx_error **err)
{
	int r = cg_read(dirfd, "freezer.state", state, err);

	if (r >= 0)
		(*state)[strcspn(*state, "\n")] = '\0';
	return r;
}

static int v1_freeze(struct cg_hierarchy *h, bool want, calyx_error **err)
{
	const char *target = want ? "FROZEN" : "THAWED";
	long delay_us = 50, waited_us = 0;

	for (;;) {
		_cleanup_free_ char *state = NULL;
		struct timespec ts;
		int r;

		/* re-writing FROZEN nudges tasks that raced with the freeze */
		r = cg_write(h->dirfd, "freezer.state", target, err);
		if (r < 0)
			return r;
		r = v1_state(h->dirfd, &state, err);
		if (r < 0)
			return r;
		if (!strcmp(state, target))
			return 0;
		if (waited_us > FREEZE_TIMEOUT_MS * 1000L) {
			if (want) {
				_cleanup_error_ calyx_error *ignored = NULL;

				cg_write(h->dirfd, "freezer.state", "THAWED",
					 &ignored);
			}
			return calyx_error_setx(err, ETIMEDOUT,
						"timed out waiting for freezer.state %s",
						target);
		}
		ts.tv_sec = 0;
		ts.tv_nsec = delay_us * 1000;
		nanosleep(&ts, NULL);
		waited_us += delay_us;
		if (delay_us < 10000)
			delay_us *= 2;
	}
}

int calyx_cgroup_freeze(struct calyx_cgroup *cg, bool frozen, calyx_error **err)
{
	struct cg_hierarchy *h;
	int r;

	if (cg->null)
		return calyx_error_setx(err, ENOTSUP,
					"the container has no cgroup to freeze");
	r = freezer(cg, &h, err);
	if (r < 0)
		return r;
	return h->v2 ? v2_freeze(h, frozen, err) : v1_freeze(h, frozen, err);
}

/* Frozen as pause means it: v1 "FROZEN" (not FREEZING), v2 "frozen 1".
 * leaf is the cgroup's directory relative to dirfd ("" = dirfd itself). */
static int read_frozen(int dirfd, const char *leaf, bool v2, bool *frozen,
		       calyx_error **err)
{
	const char *file = v2 ? "cgroup.events" : "freezer.state";
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX], buf[64];
	ssize_t n;

	*frozen = false;
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", leaf, *leaf ? "/" : "",
			     file) >= sizeof(path))
		return calyx_error_setx(err, ENAMETOOLONG, "cgroup %s", leaf);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return calyx_error_set(err, errno, "open %s", path);
	if (v2)
		return v2_events_frozen(fd, frozen, err);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return calyx_error_set(err, errno, "reading %s", path);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	*frozen = !strcmp(buf, "FROZEN");
	return 0;
}

int calyx_cgroup_is_frozen(struct calyx_cgroup *cg, bool *frozen,
			   calyx_error **err)
{
	struct cg_hierarchy *h;
	int r;

	*frozen = false;
	if (cg->null)
		return 0;
	r = freezer(cg, &h, err);
	if (r < 0)
		return r;
	return read_frozen(h->dirfd, "", h->v2, frozen, err);
}

struct calyx_cgroup_freezer {
	char *root;	/* CG_DEFAULT_ROOT but in the unit tests */
	int fd;		/* the freezer hierarchy's mount, -1 without one */
	bool v2;
	int sd_fd;	/* root, for systemd units (always v2), -1 until needed */
};

void calyx_cgroup_freezer_free(struct calyx_cgroup_freezer *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->sd_fd >= 0)
		close(f->sd_fd);
	free(f->root);
	free(f);
}

int cg_freezer_open_at(const char *root, enum calyx_cgroup_mode mode,
		       const char *mountinfo, struct calyx_cgroup_freezer **out,
		       calyx_error **err)
{
	_cleanup_cgroup_ struct calyx_cgroup *host = NULL;
	struct calyx_cgroup_freezer *f;
	struct cg_hierarchy *h;
	int r;

	host = cg_new(root, mode, NULL);
	if (!host)
		return calyx_error_set(err, ENOMEM, "cgroup freezer");
	r = cg_hierarchies_discover(host, mountinfo, err);
	if (r < 0)
		return r;
	h = v1_freezer(host);
	if (!h)
		h = cg_unified(host);
	f = calloc(1, sizeof(*f));
	if (!f || !(f->root = strdup(root))) {
		free(f);
		return calyx_error_set(err, ENOMEM, "cgroup freezer");
	}
	f->fd = f->sd_fd = -1;
	if (h) {
		f->v2 = h->v2;
		f->fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->fd < 0) {
			r = -errno;
			calyx_cgroup_freezer_free(f);
			return calyx_error_set(err, -r, "open %s", h->mount);
		}
	}
	*out = f;
	return 0;
}

int calyx_cgroup_freezer_open(struct calyx_cgroup_freezer **out,
			      calyx_error **err)
{
	enum calyx_cgroup_mode mode;
	int r;

	r = calyx_cgroup_detect_mode(&mode, err);
	if (r < 0)
		return r;
	return cg_freezer_open_at(CG_DEFAULT_ROOT, mode, NULL, out, err);
}

int calyx_cgroup_freezer_frozen(struct calyx_cgroup_freezer *f, const char *path,
				char task_state, bool *frozen, calyx_error **err)
{
	_cleanup_free_ char *leaf = NULL;
	bool sd = !strncmp(path, CG_SYSTEMD_PREFIX, strlen(CG_SYSTEMD_PREFIX));
	int r;

	*frozen = false;
	if (!*path)
		return 0;
	/* a task the v1 freezer froze reads 'D' (the refrigerator sleeps
	 * uninterruptibly; since 6.1 TASK_FROZEN is reported as D), and
	 * FROZEN means every task is: any other letter answers "no" without
	 * a read of the cgroup.  v2 freezes into an interruptible sleep. */
	if (!sd && !f->v2 && task_state && task_state != 'D')
		return 0;
	r = cg_normalize_path(sd ? path + strlen(CG_SYSTEMD_PREFIX) : path,
			      &leaf, err);
	if (r < 0)
		return r;
	/* a systemd unit's cgroup is on the unified hierarchy at the root */
	if (sd && f->sd_fd < 0) {
		f->sd_fd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->sd_fd < 0)
			return calyx_error_set(err, errno, "open %s", f->root);
	}
	if (!sd && f->fd < 0)
		return calyx_error_setx(err, ENOTSUP, "no cgroup freezer available");
	return read_frozen(sd ? f->sd_fd : f->fd, leaf + 1, sd || f->v2, frozen, err);
}
