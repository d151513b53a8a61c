/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Usage statistics for `events`: cpu, memory, pids, block I/O and hugetlb,
 * read from whichever hierarchy carries each controller, in runc's units
 * and with runc's v1/v2 mapping so engines see the same numbers from
 * either runtime.  A file the host lacks (a controller not enabled in a v2
 * leaf, kmem on new kernels) leaves its numbers 0: stats are best effort,
 * only a missing cgroup is an error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

/* One small cgroupfs file into buf; false when absent or unreadable. */
static bool read_small(int dirfd, const char *file, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* A single number; "max" is UINT64_MAX. */
static uint64_t read_u64(int dirfd, const char *file)
{
	char buf[64];

	if (!read_small(dirfd, file, buf, sizeof(buf)))
		return 0;
	if (!strncmp(buf, "max", 3))
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

/* The value of "key N" in a flat-keyed file such as cpu.stat. */
static uint64_t keyed(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = text; p && *p;) {
		if (!strncmp(p, key, len) && p[len] == ' ')
			return strtoull(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static uint64_t read_keyed(int dirfd, const char *file, const char *key)
{
	char buf[4096];

	if (!read_small(dirfd, file, buf, sizeof(buf)))
		return 0;
	return keyed(buf, key);
}

static int hierarchy_fd(struct calyx_cgroup *cg, enum cg_controller c)
{
	struct cg_hierarchy *h = cg_find(cg, c);

	return h ? h->dirfd : -1;
}

static bool is_v2(struct calyx_cgroup *cg, enum cg_controller c)
{
	struct cg_hierarchy *h = cg_find(cg, c);

	return h && h->v2;
}

/* ---- cpu ---- */

static int cpu_percpu(int dirfd, struct calyx_cgroup_stats *st,
		      calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ calyx_error *ignored = NULL;
	char *p, *end;
	size_t cap = 0;

	if (cg_read(dirfd, "cpuacct.usage_percpu", &text, &ignored) < 0)
		return 0;
	for (p = text;; p = end) {
		uint64_t v = strtoull(p, &end, 10);
		uint64_t *grown;

		if (end == p)
			break;
		if (st->n_cpu_percpu == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(st->cpu_percpu, cap * sizeof(*grown));
			if (!grown)
				return calyx_error_set(err, ENOMEM, "cpu stats");
			st->cpu_percpu = grown;
		}
		st->cpu_percpu[st->n_cpu_percpu++] = v;
	}
	return 0;
}

static int cpu_stats(struct calyx_cgroup *cg, struct calyx_cgroup_stats *st,
		     calyx_error **err)
{
	int acct = hierarchy_fd(cg, CG_CPUACCT), cpu = hierarchy_fd(cg, CG_CPU);
	char buf[4096];

	if (is_v2(cg, CG_CPU) || (acct < 0 && cg_unified(cg))) {
		/* cpu.stat exists in every v2 leaf, controller or not */
		struct cg_hierarchy *u = cg_unified(cg);

		if (!u || u->dirfd < 0 ||
		    !read_small(u->dirfd, "cpu.stat", buf, sizeof(buf)))
			return 0;
		st->cpu_total = keyed(buf, "usage_usec") * 1000;
		st->cpu_user = keyed(buf, "user_usec") * 1000;
		st->cpu_kernel = keyed(buf, "system_usec") * 1000;
		st->throttling_periods = keyed(buf, "nr_periods");
		st->throttled_periods = keyed(buf, "nr_throttled");
		st->throttled_time = keyed(buf, "throttled_usec") * 1000;
		return 0;
	}
	if (acct >= 0) {
		long hz = sysconf(_SC_CLK_TCK);
		int r;

		st->cpu_total = read_u64(acct, "cpuacct.usage");
		if (read_small(acct, "cpuacct.stat", buf, sizeof(buf)) && hz > 0) {
			/* USER_HZ ticks to nanoseconds, as runc */
			st->cpu_user = keyed(buf, "user") * (1000000000 / (uint64_t)hz);
			st->cpu_kernel = keyed(buf, "system") * (1000000000 / (uint64_t)hz);
		}
		r = cpu_percpu(acct, st, err);
		if (r < 0)
			return r;
	}
	if (cpu >= 0 && read_small(cpu, "cpu.stat", buf, sizeof(buf))) {
		st->throttling_periods = keyed(buf, "nr_periods");
		st->throttled_periods = keyed(buf, "nr_throttled");
		st->throttled_time = keyed(buf, "throttled_time");
	}
	return 0;
}

/* ---- memory ---- */

static int memory_raw(int dirfd, struct calyx_cgroup_stats *st,
		      calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ calyx_error *ignored = NULL;
	char *save = NULL;
	size_t cap = 0;

	if (cg_read(dirfd, "memory.stat", &text, &ignored) < 0)
		return 0;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		struct calyx_cgroup_stat_kv *grown;

		if (!sp)
			continue;
		*sp = '\0';
		if (st->n_memory_raw == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(st->memory_raw, cap * sizeof(*grown));
			if (!grown)
				return calyx_error_set(err, ENOMEM, "memory stats");
			st->memory_raw = grown;
		}
		st->memory_raw[st->n_memory_raw].key = strdup(line);
		if (!st->memory_raw[st->n_memory_raw].key)
			return calyx_error_set(err, ENOMEM, "memory stats");
		st->memory_raw[st->n_memory_raw++].value =
			strtoull(sp + 1, NULL, 10);
	}
	return 0;
}

static uint64_t raw_value(const struct calyx_cgroup_stats *st, const char *key)
{
	for (size_t i = 0; i < st->n_memory_raw; i++)
		if (!strcmp(st->memory_raw[i].key, key))
			return st->memory_raw[i].value;
	return 0;
}

static void v1_entry(int dirfd, const char *prefix,
		     struct calyx_cgroup_mem_entry *e)
{
	char file[64];

	snprintf(file, sizeof(file), "%s.usage_in_bytes", prefix);
	e->usage = read_u64(dirfd, file);
	snprintf(file, sizeof(file), "%s.max_usage_in_bytes", prefix);
	e->max = read_u64(dirfd, file);
	snprintf(file, sizeof(file), "%s.limit_in_bytes", prefix);
	e->limit = read_u64(dirfd, file);
	snprintf(file, sizeof(file), "%s.failcnt", prefix);
	e->failcnt = read_u64(dirfd, file);
}

static int memory_stats(struct calyx_cgroup *cg, struct calyx_cgroup_stats *st,
			calyx_error **err)
{
	int fd = hierarchy_fd(cg, CG_MEMORY), r;

	if (fd < 0)
		return 0;
	r = memory_raw(fd, st, err);
	if (r < 0)
		return r;
	if (!is_v2(cg, CG_MEMORY)) {
		v1_entry(fd, "memory", &st->memory);
		v1_entry(fd, "memory.memsw", &st->swap);
		v1_entry(fd, "memory.kmem", &st->kernel);
		st->memory_cache = raw_value(st, "cache");
		st->oom_kill = read_keyed(fd, "memory.oom_control", "oom_kill");
		st->oom = st->oom_kill;
		return 0;
	}
	st->memory.usage = read_u64(fd, "memory.current");
	st->memory.max = read_u64(fd, "memory.peak");
	st->memory.limit = read_u64(fd, "memory.max");
	/* v2 has no failcnt: "max" counts the times usage hit the limit */
	st->memory.failcnt = read_keyed(fd, "memory.events", "max");
	st->swap.usage = read_u64(fd, "memory.swap.current");
	st->swap.max = read_u64(fd, "memory.swap.peak");
	st->swap.limit = read_u64(fd, "memory.swap.max");
	st->swap.failcnt = read_keyed(fd, "memory.swap.events", "max");
	/* v1 reports swap as memory+swap; runc does the same on v2 */
	st->swap.usage += st->memory.usage;
	if (st->swap.limit != UINT64_MAX && st->memory.limit != UINT64_MAX)
		st->swap.limit += st->memory.limit;
	else
		st->swap.limit = UINT64_MAX;
	st->memory_cache = raw_value(st, "file");
	st->oom = read_keyed(fd, "memory.events", "oom");
	st->oom_kill = read_keyed(fd, "memory.events", "oom_kill");
	return 0;
}

/* ---- pids ---- */

static void pids_stats(struct calyx_cgroup *cg, struct calyx_cgroup_stats *st)
{
	int fd = hierarchy_fd(cg, CG_PIDS);

	if (fd < 0)
		return;
	st->pids_current = read_u64(fd, "pids.current");
	st->pids_peak = read_u64(fd, "pids.peak");
	st->pids_limit = read_u64(fd, "pids.max");
	if (st->pids_limit == UINT64_MAX)
		st->pids_limit = 0;	/* runc: 0 is "no limit" */
}

/* ---- block I/O ---- */

static int blkio_push(struct calyx_cgroup_blkio_entry **list, size_t *n,
		      uint64_t major, uint64_t minor, const char *op,
		      uint64_t value, calyx_error **err)
{
	struct calyx_cgroup_blkio_entry *grown;

	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown)
		return calyx_error_set(err, ENOMEM, "blkio stats");
	*list = grown;
	grown[*n].major = major;
	grown[*n].minor = minor;
	snprintf(grown[*n].op, sizeof(grown[*n].op), "%s", op);
	grown[*n].value = value;
	(*n)++;
	return 0;
}

/* v1 "MAJ:MIN Op N" lines; the trailing "Total N" is skipped as runc. */
static int v1_blkio_file(int dirfd, const char *file, const char *fallback,
			 struct calyx_cgroup_blkio_entry **list, size_t *n,
			 calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ calyx_error *ignored = NULL;
	char *save = NULL;

	/* the CFQ files exist but are empty without CFQ: use throttle's */
	if (cg_read(dirfd, file, &text, &ignored) < 0 || !text[0]) {
		free(text);
		text = NULL;
		calyx_error_free(&ignored);
		if (cg_read(dirfd, fallback, &text, &ignored) < 0)
			return 0;
	}
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long maj, min, v;
		char op[16];

		if (sscanf(line, "%llu:%llu %15s %llu", &maj, &min, op, &v) != 4)
			continue;
		int r = blkio_push(list, n, maj, min, op, v, err);

		if (r < 0)
			return r;
	}
	return 0;
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." */
static int v2_io_stat(int dirfd, struct calyx_cgroup_stats *st,
		      calyx_error **err)
{
	static const struct {
		const char *key;
		const char *op;
		bool bytes;
	} map[] = {
		{ "rbytes=", "Read", true },
		{ "wbytes=", "Write", true },
		{ "rios=", "Read", false },
		{ "wios=", "Write", false },
	};
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ calyx_error *ignored = NULL;
	char *save = NULL;

	if (cg_read(dirfd, "io.stat", &text, &ignored) < 0)
		return 0;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long maj, min;

		if (sscanf(line, "%llu:%llu", &maj, &min) != 2)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
			const char *p = strstr(line, map[i].key);
			int r;

			if (!p)
				continue;
			r = map[i].bytes ?
				    blkio_push(&st->io_service_bytes,
					       &st->n_io_service_bytes, maj, min,
					       map[i].op,
					       strtoull(p + strlen(map[i].key), NULL, 10),
					       err) :
				    blkio_push(&st->io_serviced, &st->n_io_serviced,
					       maj, min, map[i].op,
					       strtoull(p + strlen(map[i].key), NULL, 10),
					       err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int blkio_stats(struct calyx_cgroup *cg, struct calyx_cgroup_stats *st,
		       calyx_error **err)
{
	int fd = hierarchy_fd(cg, CG_BLKIO), r;

	if (fd < 0)
		return 0;
	if (is_v2(cg, CG_BLKIO))
		return v2_io_stat(fd, st, err);
	r = v1_blkio_file(fd, "blkio.io_service_bytes_recursive",
			  "blkio.throttle.io_service_bytes_recursive",
			  &st->io_service_bytes, &st->n_io_service_bytes, err);
	if (r < 0)
		return r;
	return v1_blkio_file(fd, "blkio.io_serviced_recursive",
			     "blkio.throttle.io_serviced_recursive",
			     &st->io_serviced, &st->n_io_serviced, err);
}

/* ---- hugetlb ---- */

static int hugetlb_stats(struct calyx_cgroup *cg, struct calyx_cgroup_stats *st,
			 calyx_error **err)
{
	int fd = hierarchy_fd(cg, CG_HUGETLB), dup_fd;
	bool v2 = is_v2(cg, CG_HUGETLB);
	/* one file per page size names it: hugetlb.2MB.limit_in_bytes / .max */
	const char *suffix = v2 ? ".max" : ".limit_in_bytes";
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (fd < 0)
		return 0;
	dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup_fd < 0)
		return 0;
	d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct calyx_cgroup_hugetlb_stats *h, *grown;
		size_t len = strlen(de->d_name), slen = strlen(suffix);
		char file[128], size[16];

		if (strncmp(de->d_name, "hugetlb.", 8) || len <= 8 + slen ||
		    strcmp(de->d_name + len - slen, suffix) ||
		    strstr(de->d_name, ".rsvd."))
			continue;
		if (len - 8 - slen >= sizeof(size))
			continue;
		memcpy(size, de->d_name + 8, len - 8 - slen);
		size[len - 8 - slen] = '\0';
		grown = realloc(st->hugetlb, (st->n_hugetlb + 1) * sizeof(*grown));
		if (!grown)
			return calyx_error_set(err, ENOMEM, "hugetlb stats");
		st->hugetlb = grown;
		h = &grown[st->n_hugetlb++];
		memset(h, 0, sizeof(*h));
		snprintf(h->page_size, sizeof(h->page_size), "%s", size);
		if (v2) {
			snprintf(file, sizeof(file), "hugetlb.%s.current", size);
			h->usage = read_u64(fd, file);
			snprintf(file, sizeof(file), "hugetlb.%s.events", size);
			h->failcnt = read_keyed(fd, file, "max");
		} else {
			snprintf(file, sizeof(file), "hugetlb.%s.usage_in_bytes", size);
			h->usage = read_u64(fd, file);
			snprintf(file, sizeof(file), "hugetlb.%s.max_usage_in_bytes", size);
			h->max = read_u64(fd, file);
			snprintf(file, sizeof(file), "hugetlb.%s.failcnt", size);
			h->failcnt = read_u64(fd, file);
		}
	}
	return 0;
}

void calyx_cgroup_stats_release(struct calyx_cgroup_stats *st)
{
	if (!st)
		return;
	free(st->cpu_percpu);
	for (size_t i = 0; i < st->n_memory_raw; i++)
		free(st->memory_raw[i].key);
	free(st->memory_raw);
	free(st->io_service_bytes);
	free(st->io_serviced);
	free(st->hugetlb);
	memset(st, 0, sizeof(*st));
}

static bool any_open(const struct calyx_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_h; i++)
		if (cg->h[i].dirfd >= 0)
			return true;
	return false;
}

int calyx_cgroup_stats(struct calyx_cgroup *cg, struct calyx_cgroup_stats *st,
		       calyx_error **err)
{
	int r;

	memset(st, 0, sizeof(*st));
	if (cg->null)
		return 0;
	if (!any_open(cg))
		return calyx_error_setx(err, ENOENT, "cgroup %s does not exist",
					cg->path);
	if ((r = cpu_stats(cg, st, err)) < 0 ||
	    (r = memory_stats(cg, st, err)) < 0 ||
	    (r = blkio_stats(cg, st, err)) < 0 ||
	    (r = hugetlb_stats(cg, st, err)) < 0) {
		calyx_cgroup_stats_release(st);
		return r;
	}
	pids_stats(cg, st);
	return 0;
}

/* ---- OOM notification ---- */

int calyx_cgroup_oom_fd(struct calyx_cgroup *cg, int *fd, short *events,
			bool *early, calyx_error **err)
{
	struct cg_hierarchy *h = cg->null ? NULL : cg_find(cg, CG_MEMORY);
	_cleanup_close_ int efd = -1, ctl = -1;
	char line[64];
	int n;

	*fd = -1;
	*early = false;
	if (!h || h->dirfd < 0)
		return calyx_error_setx(err, ENOTSUP,
					"no memory cgroup to watch for OOM events");
	if (h->v2) {
		char buf[512];

		*fd = openat(h->dirfd, "memory.events", O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return calyx_error_set(err, errno, "open memory.events");
		/* reading once arms kernfs' change notification */
		if (pread(*fd, buf, sizeof(buf), 0) < 0) {
			close(*fd);
			*fd = -1;
			return calyx_error_set(err, errno, "read memory.events");
		}
		*events = POLLPRI;
		return 0;
	}
	/* v1: register an eventfd for memory.oom_control notifications */
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return calyx_error_set(err, errno, "eventfd");
	ctl = openat(h->dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
	if (ctl < 0)
		return calyx_error_set(err, errno, "open memory.oom_control");
	n = snprintf(line, sizeof(line), "%d %d", efd, ctl);
	if (cg_write(h->dirfd, "cgroup.event_control", line, err) < 0 || n < 0)
		return calyx_error_prefix(err, "registering for OOM events");
	*fd = TAKE_FD(efd);
	*events = POLLIN;
	*early = true;
	return 0;
}

void calyx_cgroup_oom_rearm(int fd, short events)
{
	char buf[512];
	uint64_t v;

	/* eventfd: reset its count; kernfs: a read re-arms POLLPRI.  Nothing
	 * to report if either fails: the counter is what gets read next. */
	if (events == POLLIN) {
		if (read(fd, &v, sizeof(v)) < 0)
			return;
	} else if (pread(fd, buf, sizeof(buf), 0) < 0) {
		return;
	}
}

int calyx_cgroup_oom_kills(struct calyx_cgroup *cg, uint64_t *count,
			   calyx_error **err)
{
	struct cg_hierarchy *h = cg->null ? NULL : cg_find(cg, CG_MEMORY);
	char buf[512];
	bool ok;

	*count = 0;
	if (!h || h->dirfd < 0)
		return 0;
	ok = h->v2 ? read_small(h->dirfd, "memory.events", buf, sizeof(buf)) :
		     read_small(h->dirfd, "memory.oom_control", buf, sizeof(buf));
	if (!ok)
		return calyx_error_set(err, errno, "reading the OOM kill counter");
	*count = keyed(buf, "oom_kill");
	return 0;
}

/* ---- OOM kills of a cgroup removed under its watcher ---- */

/*
 * The OOM kills of a cgroup that is removed while it is watched.  Under
 * the systemd driver systemd removes a scope's cgroup the moment its last
 * process is gone.  When an OOM kill emptied it, `events` usually learns of
 * the kill too late to read it: the kernel tells memory.events readers of a
 * change at most once per 10 ms (the OOM report before the kill, printed to
 * a serial console, widens that), while the emptied cgroup's own
 * notification, and so systemd's rmdir, comes at once.  (systemd 258 keeps
 * an OOMKills count per unit; the systemd of Debian 12 has none.)
 *
 * What outlives the scope is its parent: a slice, whose memory.events
 * counts the kills of its whole subtree.  So after each read of the
 * cgroup's own count a ledger notes the parent's count, the parent's own
 * (memory.events.local) and each sibling's, with the sibling's cgroup id;
 * once the cgroup is gone, the growth of the parent's count that neither
 * the parent nor a sibling accounts for is this cgroup's.  The reads are
 * ordered so that a kill racing them is missed rather than attributed
 * here.  Exact while the parent's children stay the same from the ledger
 * to the reading (a few milliseconds around an OOM); when a sibling came,
 * went or started over in between, nothing is attributed.
 */
struct oom_sibling {
	uint64_t id;	/* the sibling's cgroup id (its directory's inode) */
	uint64_t kills;
};

struct oom_snapshot {
	uint64_t parent, parent_local;
	struct oom_sibling *sib;
	size_t n;
};

struct calyx_cgroup_oom_ledger {
	int parentfd;
	char *self;		/* the watched cgroup's name in the parent */
	struct oom_snapshot last;
	bool have_last;
};

/* "oom_kill N" of file (memory.events or .local) below dirfd; false when
 * unreadable. */
static bool kills_at(int dirfd, const char *file, uint64_t *kills)
{
	char buf[512];

	if (!read_small(dirfd, file, buf, sizeof(buf)))
		return false;
	*kills = keyed(buf, "oom_kill");
	return true;
}

static int compare_sibling(const void *a, const void *b)
{
	uint64_t x = ((const struct oom_sibling *)a)->id;
	uint64_t y = ((const struct oom_sibling *)b)->id;

	return (x > y) - (x < y);
}

/* Every sibling's kills, sorted by id; false when they could not all be
 * read (one was removed meanwhile, an allocation failed). */
static bool read_siblings(struct calyx_cgroup_oom_ledger *l,
			  struct oom_snapshot *s)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t cap = 0;
	int fd;

	fd = openat(l->parentfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((de = readdir(d))) {
		char file[NAME_MAX + sizeof("/memory.events")];
		struct stat st;
		uint64_t kills = 0;

		/* by name: the watched cgroup may be going away meanwhile */
		if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, l->self))
			continue;
		if (fstatat(l->parentfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return false;
		if (!S_ISDIR(st.st_mode))
			continue;
		snprintf(file, sizeof(file), "%s/memory.events", de->d_name);
		/* a sibling without the memory controller counts nothing */
		if (!kills_at(l->parentfd, file, &kills) && errno != ENOENT)
			return false;
		if (s->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct oom_sibling *p = realloc(s->sib, ncap * sizeof(*p));

			if (!p)
				return false;
			s->sib = p;
			cap = ncap;
		}
		s->sib[s->n++] = (struct oom_sibling){ .id = st.st_ino, .kills = kills };
	}
	qsort(s->sib, s->n, sizeof(*s->sib), compare_sibling);
	return true;
}

static void snapshot_release(struct oom_snapshot *s)
{
	free(s->sib);
	*s = (struct oom_snapshot){ 0 };
}

int cg_oom_ledger_new_at(int parentfd, const char *self,
			 struct calyx_cgroup_oom_ledger **out,
			 calyx_error **err)
{
	struct calyx_cgroup_oom_ledger *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l || !(l->self = strdup(self))) {
		free(l);
		return calyx_error_set(err, ENOMEM, "OOM ledger");
	}
	l->parentfd = fcntl(parentfd, F_DUPFD_CLOEXEC, 3);
	if (l->parentfd < 0) {
		free(l->self);
		free(l);
		return calyx_error_set(err, errno, "OOM ledger: dup");
	}
	*out = l;
	return 0;
}

int calyx_cgroup_oom_ledger_new(struct calyx_cgroup *cg,
				struct calyx_cgroup_oom_ledger **out,
				calyx_error **err)
{
	struct cg_hierarchy *h = cg->null ? NULL : cg_find(cg, CG_MEMORY);
	_cleanup_close_ int parentfd = -1;
	const char *name;

	*out = NULL;
	/* v1 memory cgroups are not removed under a watcher by anyone */
	if (!h || !h->v2 || h->dirfd < 0 || !h->dir ||
	    !(name = strrchr(h->dir, '/')) || !name[1])
		return 0;
	parentfd = openat(h->dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parentfd < 0)
		return calyx_error_set(err, errno, "open the parent of %s", h->dir);
	return cg_oom_ledger_new_at(parentfd, name + 1, out, err);
}

void calyx_cgroup_oom_ledger_take(struct calyx_cgroup_oom_ledger *l)
{
	struct oom_snapshot s = { 0 };

	if (!l)
		return;
	/* siblings first, the parent last: a sibling's kill in between is
	 * then in the parent's baseline, never attributed here later */
	if (read_siblings(l, &s) &&
	    kills_at(l->parentfd, "memory.events.local", &s.parent_local) &&
	    kills_at(l->parentfd, "memory.events", &s.parent)) {
		snapshot_release(&l->last);
		l->last = s;
		l->have_last = true;
		return;
	}
	snapshot_release(&s);
	/* an old ledger would attribute what happened since to us */
	snapshot_release(&l->last);
	l->have_last = false;
}

int64_t calyx_cgroup_oom_ledger_since(struct calyx_cgroup_oom_ledger *l)
{
	struct oom_snapshot now = { 0 };
	int64_t ours = -1;
	uint64_t others = 0;

	if (!l || !l->have_last)
		return -1;
	/* the reverse order of take: a racing kill elsewhere is then in a
	 * sibling's (or the parent's own) growth, not in ours */
	if (!kills_at(l->parentfd, "memory.events", &now.parent) ||
	    !kills_at(l->parentfd, "memory.events.local", &now.parent_local) ||
	    !read_siblings(l, &now) || now.n != l->last.n ||
	    now.parent < l->last.parent || now.parent_local < l->last.parent_local)
		goto out;
	for (size_t i = 0; i < now.n; i++) {
		if (now.sib[i].id != l->last.sib[i].id ||
		    now.sib[i].kills < l->last.sib[i].kills)
			goto out;
		others += now.sib[i].kills - l->last.sib[i].kills;
	}
	others += now.parent_local - l->last.parent_local;
	if (now.parent - l->last.parent >= others)
		ours = (int64_t)(now.parent - l->last.parent - others);
out:
	snapshot_release(&now);
	return ours;
}

void calyx_cgroup_oom_ledger_free(struct calyx_cgroup_oom_ledger *l)
{
	if (!l)
		return;
	snapshot_release(&l->last);
	close(l->parentfd);
	free(l->self);
	free(l);
}
