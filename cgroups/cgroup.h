/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one cgroup interface the core uses.  Behind it: cgroup v2 (primary),
 * v1 and hybrid hosts (fallback).  The mode is detected from the host once
 * per manager; callers never look at /sys/fs/cgroup themselves.
 */
#ifndef CALYX_CGROUPS_CGROUP_H
#define CALYX_CGROUPS_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "calyx/error.h"
#include "calyx/log.h"
#include "calyx/spec.h"

enum calyx_cgroup_mode {
	CALYX_CGROUP_V2,	/* unified hierarchy only */
	CALYX_CGROUP_HYBRID,	/* v1 controllers + cgroup2 for tracking */
	CALYX_CGROUP_V1,	/* v1 controllers only */
};

struct calyx_cgroup;

struct calyx_cgroup_config {
	const char *id;			/* container id */
	const char *cgroups_path;	/* linux.cgroupsPath; NULL = "/calyx/<id>" */
	const struct calyx_resources *resources;	/* may be NULL */
	bool rootless;			/* not root: use a delegated cgroup or none */
	bool systemd;			/* --systemd-cgroup: a transient unit */
	/* org.systemd.property.* pass unit properties (systemd driver) */
	const struct calyx_kv *annotations;
	size_t n_annotations;
	const struct calyx_log *log;
};

/* Detect the host's cgroup mode. */
int calyx_cgroup_detect_mode(enum calyx_cgroup_mode *mode, calyx_error **err);

/*
 * Create the container's cgroup (every needed level and controller) and
 * apply resources.  On error nothing created is left behind.  A rootless
 * caller without delegation and without resources gets a "null" manager
 * whose operations succeed and do nothing.
 */
int calyx_cgroup_create(const struct calyx_cgroup_config *cfg,
			struct calyx_cgroup **out, calyx_error **err);

/*
 * The same in two steps, so that the caller can record the path before
 * anything exists (a runtime killed in between leaves a record that names
 * everything it may have made): prepare finds the hierarchies and resolves
 * the path, making nothing; make creates and applies, removing on error
 * what it made.  A rootless make may turn the manager into a null one.
 */
int calyx_cgroup_prepare(const struct calyx_cgroup_config *cfg,
			 struct calyx_cgroup **out, calyx_error **err);
int calyx_cgroup_make(struct calyx_cgroup *cg, const struct calyx_cgroup_config *cfg,
		      calyx_error **err);

/* Reopen a container's existing cgroup from the path saved in its state. */
int calyx_cgroup_open(const char *path, const struct calyx_log *log,
		      struct calyx_cgroup **out, calyx_error **err);

/* The normalized path ("/calyx/ID") to save in the state; "" for null;
 * "systemd:/system.slice/calyx-ID.scope" for a systemd unit. */
const char *calyx_cgroup_path(const struct calyx_cgroup *cg);

/* The cgroup's path within the hierarchies from a path saved as above:
 * the driver's prefix dropped ("systemd:/a.slice/b.scope" -> "/a.slice/b.scope"). */
const char *calyx_cgroup_saved_dir(const char *saved);

/* The unified hierarchy's leaf fd (pure v2 and hybrid), -1 without one:
 * cloned into it, a process is in the container's cgroup from its first
 * instant, so a destroy finds it whenever its runtime dies; *complete
 * says whether that is every hierarchy (else calyx_cgroup_enter follows). */
int calyx_cgroup_birth_fd(struct calyx_cgroup *cg, bool *complete);

/* Move a process into the cgroup (every hierarchy). */
int calyx_cgroup_enter(struct calyx_cgroup *cg, pid_t pid, calyx_error **err);

/*
 * `exec --cgroup [CONTROLLER[,CONTROLLER...]:]SUB` (repeatable, as runc):
 * move a process into existing sub-cgroups of the container's.  subs is
 * NULL-terminated; a SUB with controllers applies to their hierarchies, one
 * without to every other; the last one wins; a hierarchy no SUB names gets
 * the container's own cgroup.  SUB is relative ("/" and a leading slash:
 * the container's cgroup itself) and may not climb out.
 */
int calyx_cgroup_enter_sub(struct calyx_cgroup *cg, char *const *subs,
			   pid_t pid, calyx_error **err);

/* Processes in the cgroup (recursively). *pids is malloc'd. */
int calyx_cgroup_pids(struct calyx_cgroup *cg, pid_t **pids, size_t *n,
		      calyx_error **err);

/* Signal every process in it (cgroup.kill for SIGKILL on v2 when present). */
int calyx_cgroup_kill_all(struct calyx_cgroup *cg, int sig, calyx_error **err);

/* Freeze / thaw, returning only when the kernel reports the new state. */
int calyx_cgroup_freeze(struct calyx_cgroup *cg, bool frozen, calyx_error **err);
int calyx_cgroup_is_frozen(struct calyx_cgroup *cg, bool *frozen,
			   calyx_error **err);

/*
 * Whether many containers are paused (`list`, `state`): the host's freezer
 * hierarchy is found once, then each question is at most one file read
 * below its mount, from the path calyx_cgroup_path() saved -- no manager
 * per container.  Frozen means what calyx_cgroup_is_frozen says.
 * task_state is the /proc/PID/stat state letter of a process in the
 * cgroup (0: unknown); some letters rule a frozen cgroup out.
 */
struct calyx_cgroup_freezer;
int calyx_cgroup_freezer_open(struct calyx_cgroup_freezer **out,
			      calyx_error **err);
int calyx_cgroup_freezer_frozen(struct calyx_cgroup_freezer *f, const char *path,
				char task_state, bool *frozen, calyx_error **err);
void calyx_cgroup_freezer_free(struct calyx_cgroup_freezer *f);

/* Apply new resources to a live container. */
int calyx_cgroup_update(struct calyx_cgroup *cg,
			const struct calyx_resources *resources,
			calyx_error **err);

/*
 * Kill whatever is still inside, then remove every directory create() made.
 * Idempotent: a missing cgroup is not an error.
 */
int calyx_cgroup_destroy(struct calyx_cgroup *cg, calyx_error **err);

void calyx_cgroup_free(struct calyx_cgroup *cg);

static inline void calyx_cgroup_freep(struct calyx_cgroup **cg)
{
	if (*cg)
		calyx_cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(calyx_cgroup_freep)))

/*
 * Usage statistics (stats.c), in runc's units: bytes, nanoseconds.  A
 * value the host does not provide stays 0; limits read "max"/unlimited
 * are UINT64_MAX (pids: 0, as runc).
 */
struct calyx_cgroup_mem_entry {
	uint64_t usage, max, limit, failcnt;
};

struct calyx_cgroup_stat_kv {
	char *key;
	uint64_t value;
};

struct calyx_cgroup_blkio_entry {
	uint64_t major, minor;
	char op[16];		/* "Read", "Write", "Sync", "Async", "Total" ... */
	uint64_t value;
};

struct calyx_cgroup_hugetlb_stats {
	char page_size[16];	/* "2MB" */
	uint64_t usage, max, failcnt;
};

struct calyx_cgroup_stats {
	uint64_t cpu_total, cpu_kernel, cpu_user;
	uint64_t *cpu_percpu;	/* v1 cpuacct only */
	size_t n_cpu_percpu;
	uint64_t throttling_periods, throttled_periods, throttled_time;

	uint64_t memory_cache;
	/* swap is memory+swap as runc reports it on v1 and v2 */
	struct calyx_cgroup_mem_entry memory, swap, kernel;
	struct calyx_cgroup_stat_kv *memory_raw;	/* memory.stat */
	size_t n_memory_raw;
	uint64_t oom, oom_kill;	/* v2 memory.events; v1 oom_control oom_kill */

	uint64_t pids_current, pids_limit;
	uint64_t pids_peak;	/* 0: the kernel has no pids.peak */

	struct calyx_cgroup_blkio_entry *io_service_bytes, *io_serviced;
	size_t n_io_service_bytes, n_io_serviced;

	struct calyx_cgroup_hugetlb_stats *hugetlb;
	size_t n_hugetlb;
};

/* Fill *st (zeroed first); release it with calyx_cgroup_stats_release. */
int calyx_cgroup_stats(struct calyx_cgroup *cg, struct calyx_cgroup_stats *st,
		       calyx_error **err);
void calyx_cgroup_stats_release(struct calyx_cgroup_stats *st);

/*
 * OOM kills.  calyx_cgroup_oom_kills() is the kernel's count of processes
 * OOM-killed in the cgroup (v1 memory.oom_control, v2 memory.events
 * "oom_kill"): the one truth for "one event per kill", since an OOM can
 * be signalled several times, or without any kill, while the kernel looks
 * for a victim.  calyx_cgroup_oom_fd() gives an fd to poll() for *events
 * that wakes when something OOM-related happened (v1: an eventfd on
 * memory.oom_control, v2: memory.events with POLLPRI); call
 * calyx_cgroup_oom_rearm() after each wake-up, then read the counter.
 * *early is set on v1, whose eventfd fires as an OOM starts, before its
 * kill (if any) is counted: the caller reads the counter again shortly
 * after.  The fd is the caller's.
 */
int calyx_cgroup_oom_fd(struct calyx_cgroup *cg, int *fd, short *events,
			bool *early, calyx_error **err);
void calyx_cgroup_oom_rearm(int fd, short events);
int calyx_cgroup_oom_kills(struct calyx_cgroup *cg, uint64_t *count,
			   calyx_error **err);

/*
 * The kills of a cgroup that is removed while watched (the systemd driver:
 * systemd removes an emptied scope's cgroup at once, often before the kill
 * that emptied it could be read).  Take the ledger right after each
 * successful read of calyx_cgroup_oom_kills(); once that fails because the
 * cgroup is gone, calyx_cgroup_oom_ledger_since() tells its kills since
 * the last take from its parent's count, or -1 when it cannot be told.
 * *out is NULL (not an error) where there is nothing to keep (v1).
 */
struct calyx_cgroup_oom_ledger;
int calyx_cgroup_oom_ledger_new(struct calyx_cgroup *cg,
				struct calyx_cgroup_oom_ledger **out,
				calyx_error **err);
void calyx_cgroup_oom_ledger_take(struct calyx_cgroup_oom_ledger *l);
int64_t calyx_cgroup_oom_ledger_since(struct calyx_cgroup_oom_ledger *l);
void calyx_cgroup_oom_ledger_free(struct calyx_cgroup_oom_ledger *l);

#endif
