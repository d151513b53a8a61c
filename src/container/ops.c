/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a running container's cgroup offers the user: `pause`, `resume`,
 * `ps`, `update` and `events`.  Each opens the container's record, derives
 * its status the one way state.c does, and reopens the cgroup from the
 * path saved at create time; the cgroup manager does the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/container.h"
#include "util/cleanup.h"
#include "util/json_writer.h"

/* A container opened for one operation. */
struct live {
	int dirfd;
	struct container_record *rec;
	struct calyx_cgroup *cg;
	enum calyx_status status;
};

static void live_release(struct live *l)
{
	if (l->cg)
		calyx_cgroup_free(l->cg);
	container_record_free(l->rec);
	if (l->dirfd >= 0)
		close(l->dirfd);
}
#define _cleanup_live_ __attribute__((cleanup(live_release)))

/* Record, status and cgroup of id; with lock, the state flock is held
 * until release so no delete or second update interleaves. */
static int live_open(struct calyx_context *ctx, const char *id, bool lock,
		     struct live *l, calyx_error **err)
{
	int r;

	r = container_open_dir(ctx, id, &l->dirfd, err);
	if (r < 0)
		return r;
	if (lock && (r = container_lock(l->dirfd, err)) < 0)
		return r;
	r = container_record_read(l->dirfd, &l->rec, err);
	if (r == -ENOENT) {
		/* created half-way: the record is written last */
		calyx_error_free(err);
		return calyx_error_setx(err, ENOENT, "container %s does not exist", id);
	}
	if (r < 0)
		return r;
	l->status = container_status(l->dirfd, l->rec);
	r = calyx_cgroup_open(l->rec->cgroup_path, &ctx->log, &l->cg, err);
	if (r < 0)
		return calyx_error_prefix(err, "opening the cgroup of %s", id);
	return 0;
}

#define LIVE_INIT { .dirfd = -1 }

int calyx_container_pause(struct calyx_context *ctx, const char *id,
			  calyx_error **err)
{
	_cleanup_live_ struct live l = LIVE_INIT;
	int r;

	r = live_open(ctx, id, true, &l, err);
	if (r < 0)
		return r;
	/* runc pauses created and running containers only */
	if (l.status != CALYX_STATUS_RUNNING && l.status != CALYX_STATUS_CREATED)
		return calyx_error_setx(err, EINVAL, "container not running");
	r = calyx_cgroup_freeze(l.cg, true, err);
	return r < 0 ? calyx_error_prefix(err, "pausing %s", id) : 0;
}

int calyx_container_resume(struct calyx_context *ctx, const char *id,
			   calyx_error **err)
{
	_cleanup_live_ struct live l = LIVE_INIT;
	int r;

	r = live_open(ctx, id, true, &l, err);
	if (r < 0)
		return r;
	if (l.status != CALYX_STATUS_PAUSED)
		return calyx_error_setx(err, EINVAL, "container not paused");
	r = calyx_cgroup_freeze(l.cg, false, err);
	return r < 0 ? calyx_error_prefix(err, "resuming %s", id) : 0;
}

static int compare_pids(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int calyx_container_ps(struct calyx_context *ctx, const char *id,
		       pid_t **pids, size_t *n, calyx_error **err)
{
	_cleanup_live_ struct live l = LIVE_INIT;
	int r;

	*pids = NULL;
	*n = 0;
	r = live_open(ctx, id, false, &l, err);
	if (r < 0)
		return r;
	if (l.rec->cgroup_path[0] == '\0') {
		/* no cgroup (rootless without delegation): init is all we know */
		if (l.status == CALYX_STATUS_STOPPED)
			return 0;
		*pids = malloc(sizeof(**pids));
		if (!*pids)
			return calyx_error_set(err, ENOMEM, "ps");
		**pids = l.rec->pid;
		*n = 1;
		return 0;
	}
	r = calyx_cgroup_pids(l.cg, pids, n, err);
	if (r < 0)
		return r;
	if (*n > 1)
		qsort(*pids, *n, sizeof(**pids), compare_pids);
	return 0;
}

int calyx_container_update(struct calyx_context *ctx, const char *id,
			   const struct calyx_resources *res,
			   calyx_error **err)
{
	_cleanup_live_ struct live l = LIVE_INIT;
	int r;

	r = live_open(ctx, id, true, &l, err);
	if (r < 0)
		return r;
	if (l.status == CALYX_STATUS_STOPPED)
		return calyx_error_setx(err, EINVAL, "container not running");
	r = calyx_cgroup_update(l.cg, res, err);
	return r < 0 ? calyx_error_prefix(err, "updating %s", id) : 0;
}

/* ---- events ---- */

/* Go's `omitempty`: runc leaves zero values of most fields out. */
static void gen_u64_nz(struct json_writer *w, const char *key, uint64_t v)
{
	if (v)
		jw_key_u64(w, key, v);
}

static void gen_cpu(struct json_writer *w, const struct calyx_cgroup_stats *st)
{
	jw_key(w, "cpu");
	jw_map_open(w);
	jw_key(w, "usage");
	jw_map_open(w);
	gen_u64_nz(w, "total", st->cpu_total);
	if (st->n_cpu_percpu) {
		jw_key(w, "percpu");
		jw_array_open(w);
		for (size_t i = 0; i < st->n_cpu_percpu; i++)
			jw_u64(w, st->cpu_percpu[i]);
		jw_array_close(w);
	}
	jw_key_u64(w, "kernel", st->cpu_kernel);
	jw_key_u64(w, "user", st->cpu_user);
	jw_map_close(w);
	jw_key(w, "throttling");
	jw_map_open(w);
	gen_u64_nz(w, "periods", st->throttling_periods);
	gen_u64_nz(w, "throttledPeriods", st->throttled_periods);
	gen_u64_nz(w, "throttledTime", st->throttled_time);
	jw_map_close(w);
	jw_map_close(w);
}

static void gen_mem_entry(struct json_writer *w, const char *key,
			  const struct calyx_cgroup_mem_entry *e)
{
	jw_key(w, key);
	jw_map_open(w);
	jw_key_u64(w, "limit", e->limit);
	gen_u64_nz(w, "usage", e->usage);
	gen_u64_nz(w, "max", e->max);
	jw_key_u64(w, "failcnt", e->failcnt);
	jw_map_close(w);
}

static void gen_memory(struct json_writer *w, const struct calyx_cgroup_stats *st)
{
	static const struct calyx_cgroup_mem_entry none;

	jw_key(w, "memory");
	jw_map_open(w);
	gen_u64_nz(w, "cache", st->memory_cache);
	gen_mem_entry(w, "usage", &st->memory);
	gen_mem_entry(w, "swap", &st->swap);
	gen_mem_entry(w, "kernel", &st->kernel);
	gen_mem_entry(w, "kernelTCP", &none);
	jw_key(w, "raw");
	jw_map_open(w);
	for (size_t i = 0; i < st->n_memory_raw; i++)
		jw_key_u64(w, st->memory_raw[i].key, st->memory_raw[i].value);
	/* the OOM counters have no home in runc's struct; raw is a free map */
	jw_key_u64(w, "oom", st->oom);
	jw_key_u64(w, "oom_kill", st->oom_kill);
	jw_map_close(w);
	jw_map_close(w);
}

static void gen_blkio_list(struct json_writer *w, const char *key,
			   const struct calyx_cgroup_blkio_entry *e, size_t n)
{
	if (!n)
		return;
	jw_key(w, key);
	jw_array_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_map_open(w);
		gen_u64_nz(w, "major", e[i].major);
		gen_u64_nz(w, "minor", e[i].minor);
		jw_key_str(w, "op", e[i].op);
		gen_u64_nz(w, "value", e[i].value);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static void gen_stats_data(struct json_writer *w, const struct calyx_cgroup_stats *st)
{
	jw_map_open(w);
	gen_cpu(w, st);
	gen_memory(w, st);
	jw_key(w, "pids");
	jw_map_open(w);
	gen_u64_nz(w, "current", st->pids_current);
	gen_u64_nz(w, "limit", st->pids_limit);
	jw_map_close(w);
	jw_key(w, "blkio");
	jw_map_open(w);
	gen_blkio_list(w, "ioServiceBytesRecursive", st->io_service_bytes,
		       st->n_io_service_bytes);
	gen_blkio_list(w, "ioServicedRecursive", st->io_serviced,
		       st->n_io_serviced);
	jw_map_close(w);
	jw_key(w, "hugetlb");
	jw_map_open(w);
	for (size_t i = 0; i < st->n_hugetlb; i++) {
		jw_key(w, st->hugetlb[i].page_size);
		jw_map_open(w);
		gen_u64_nz(w, "usage", st->hugetlb[i].usage);
		gen_u64_nz(w, "max", st->hugetlb[i].max);
		jw_key_u64(w, "failcnt", st->hugetlb[i].failcnt);
		jw_map_close(w);
	}
	jw_map_close(w);
	jw_map_close(w);
}

/* One event line: {"type":T,"id":ID[,"data":{...}]}. */
static int emit(FILE *out, const char *type, const char *id,
		const struct calyx_cgroup_stats *st, calyx_error **err)
{
	_cleanup_free_ char *line = NULL;
	struct json_writer w;
	int r;

	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_key_str(&w, "type", type);
	jw_key_str(&w, "id", id);
	if (st) {
		jw_key(&w, "data");
		gen_stats_data(&w, st);
	}
	jw_map_close(&w);
	r = jw_finish(&w, true, &line, err);
	if (r < 0)
		return calyx_error_prefix(err, "events");
	if (fputs(line, out) == EOF || fflush(out) == EOF)
		return calyx_error_set(err, errno, "events: writing");
	return 0;
}

static int emit_stats(struct live *l, FILE *out, calyx_error **err)
{
	struct calyx_cgroup_stats st;
	int r;

	r = calyx_cgroup_stats(l->cg, &st, err);
	if (r < 0)
		return calyx_error_prefix(err, "stats of %s", l->rec->id);
	r = emit(out, "stats", l->rec->id, &st, err);
	calyx_cgroup_stats_release(&st);
	return r;
}

/* The OOM kills reported so far, and the ledger that tells them once the
 * cgroup is gone (NULL: none, or used up). */
struct oom_tally {
	uint64_t seen;
	struct calyx_cgroup_oom_ledger *ledger;
	const struct calyx_log *log;
};

/* An "oom" line for each OOM kill the counter shows since t->seen; *more
 * tells whether there was any. */
static int emit_kills(struct live *l, FILE *out, struct oom_tally *t,
		      bool *more, calyx_error **err)
{
	_cleanup_error_ calyx_error *gone = NULL;
	uint64_t now;
	int64_t since;
	int r;

	*more = false;
	if (calyx_cgroup_oom_kills(l->cg, &now, &gone) == 0) {
		calyx_cgroup_oom_ledger_take(t->ledger);
	} else {
		/* not an error: the cgroup may be going away under us, and
		 * once it is gone its parent tells the kills we missed */
		if (gone->errnum != ENOENT && gone->errnum != ENODEV)
			return 0;
		if (!t->ledger)
			return 0;
		since = calyx_cgroup_oom_ledger_since(t->ledger);
		if (since < 0)
			calyx_debug(t->log, "events: the cgroup of %s is gone; its parent's children changed: kills since unknown",
				    l->rec->id);
		else
			calyx_debug(t->log, "events: the cgroup of %s is gone; its parent's count tells %" PRId64 " more kill(s)",
				    l->rec->id, since);
		calyx_cgroup_oom_ledger_free(t->ledger);
		t->ledger = NULL;
		if (since <= 0)
			return 0;
		now = t->seen + (uint64_t)since;
	}
	for (; t->seen < now; t->seen++) {
		*more = true;
		r = emit(out, "oom", l->rec->id, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void oom_tally_release(struct oom_tally *t)
{
	calyx_cgroup_oom_ledger_free(t->ledger);
}

/* pidfd of the recorded init, checked against pid reuse; -1 if gone. */
static int init_pidfd(const struct container_record *rec)
{
	int fd = (int)syscall(SYS_pidfd_open, rec->pid, 0);

	if (fd >= 0 && !container_pid_alive(rec->pid, rec->pid_start)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Arm (or, with 0, disarm) a one-shot timer. */
static int timer_once(int fd, unsigned int ms, calyx_error **err)
{
	struct itimerspec its = {
		.it_value.tv_sec = ms / 1000,
		.it_value.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		return calyx_error_set(err, errno, "timerfd_settime");
	return 0;
}

/*
 * After a v1 OOM wake-up the kill is counted a moment later, if at all:
 * the counter is read again after 10, 20, 40 ... 640 ms, starting over
 * while kills keep coming.  Bounded and only after an OOM, so no poll.
 */
#define RECHECK_FIRST_MS 10
#define RECHECK_LAST_MS 640

static int events_loop(struct calyx_context *ctx, struct live *l,
		       unsigned int interval_ms, FILE *out, calyx_error **err)
{
	_cleanup_close_ int pidfd = -1, timer = -1, oomfd = -1, recheck = -1;
	_cleanup_(oom_tally_release) struct oom_tally tally = { .log = &ctx->log };
	_cleanup_error_ calyx_error *oom_err = NULL;
	struct itimerspec its = { 0 };
	struct pollfd fds[4];
	unsigned int recheck_ms = 0;
	short oom_events = 0;
	bool early = false, more;
	int r;

	pidfd = init_pidfd(l->rec);
	if (pidfd < 0)
		return calyx_error_setx(err, ESRCH,
					"container with id %s is not running",
					l->rec->id);
	timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	recheck = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (timer < 0 || recheck < 0)
		return calyx_error_set(err, errno, "timerfd_create");
	its.it_value.tv_sec = interval_ms / 1000;
	its.it_value.tv_nsec = (long)(interval_ms % 1000) * 1000000;
	its.it_interval = its.it_value;
	if (timerfd_settime(timer, 0, &its, NULL) < 0)
		return calyx_error_set(err, errno, "timerfd_settime");
	/* armed first, then the baseline: a kill in between is not lost
	 * (the kills before the baseline are not this stream's, as runc) */
	if (calyx_cgroup_oom_fd(l->cg, &oomfd, &oom_events, &early, &oom_err) < 0)
		calyx_debug(&ctx->log, "events: %s", oom_err->msg);
	else if (calyx_cgroup_oom_ledger_new(l->cg, &tally.ledger, &oom_err) < 0)
		calyx_debug(&ctx->log, "events: %s", oom_err->msg);
	if (calyx_cgroup_oom_kills(l->cg, &tally.seen, &oom_err) == 0)
		calyx_cgroup_oom_ledger_take(tally.ledger);

	fds[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = timer, .events = POLLIN };
	fds[2] = (struct pollfd){ .fd = recheck, .events = POLLIN };
	/* without a memory controller there are stats but no OOM events */
	fds[3] = (struct pollfd){ .fd = oomfd, .events = oom_events };
	for (;;) {
		if (poll(fds, oomfd >= 0 ? 4 : 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return calyx_error_set(err, errno, "events: poll");
		}
		if (oomfd >= 0 && fds[3].revents) {
			calyx_cgroup_oom_rearm(oomfd, oom_events);
			if ((r = emit_kills(l, out, &tally, &more, err)) < 0)
				return r;
			if (early)
				recheck_ms = RECHECK_FIRST_MS;
			if (early && (r = timer_once(recheck, recheck_ms, err)) < 0)
				return r;
		}
		if (fds[2].revents & POLLIN) {
			uint64_t expirations;

			if (read(recheck, &expirations, sizeof(expirations)) < 0 &&
			    errno != EAGAIN)
				return calyx_error_set(err, errno, "events: timer");
			if ((r = emit_kills(l, out, &tally, &more, err)) < 0)
				return r;
			recheck_ms = more ? RECHECK_FIRST_MS : recheck_ms * 2;
			if (recheck_ms > RECHECK_LAST_MS)
				recheck_ms = 0;
			if ((r = timer_once(recheck, recheck_ms, err)) < 0)
				return r;
		}
		if (fds[0].revents) {
			/* an OOM kill of init races its exit: report it first
			 * (the kernel counts a kill before the victim dies); no
			 * stats of a container that is gone */
			return emit_kills(l, out, &tally, &more, err);
		}
		if (fds[1].revents & POLLIN) {
			uint64_t expirations;

			if (read(timer, &expirations, sizeof(expirations)) < 0 &&
			    errno != EAGAIN)
				return calyx_error_set(err, errno, "events: timer");
			/* a notification can be missed (a v2 re-arm races the
			 * next OOM): the tick also catches up with the counter */
			if ((r = emit_kills(l, out, &tally, &more, err)) < 0 ||
			    (r = emit_stats(l, out, err)) < 0)
				return r;
		}
	}
}

int calyx_container_events(struct calyx_context *ctx, const char *id,
			   bool stats_once, unsigned int interval_ms,
			   FILE *out, calyx_error **err)
{
	_cleanup_live_ struct live l = LIVE_INIT;
	int r;

	/* checked first, --stats or not, as runc */
	if (interval_ms == 0)
		return calyx_error_setx(err, EINVAL,
					"duration interval must be greater than 0");
	r = live_open(ctx, id, false, &l, err);
	if (r < 0)
		return r;
	if (l.status == CALYX_STATUS_STOPPED)
		return calyx_error_setx(err, ESRCH,
					"container with id %s is not running", id);
	if (stats_once)
		return emit_stats(&l, out, err);
	return events_loop(ctx, &l, interval_ms, out, err);
}
