/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit/cgroups: the v1->v2 conversions, path handling, mountinfo parsing,
 * the v2 resource files against a fake tree in a temp dir, and (as root on
 * a hybrid host) a real cgroup: limits, enter, pids, freeze, kill, destroy.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

TEST(shares_to_weight)
{
	CHECK(cg_shares_to_weight(0) == 0);
	CHECK(cg_shares_to_weight(1) == 1);
	CHECK(cg_shares_to_weight(2) == 1);
	CHECK(cg_shares_to_weight(1024) == 39);
	CHECK(cg_shares_to_weight(512) == 20);
	CHECK(cg_shares_to_weight(262144) == 10000);
	CHECK(cg_shares_to_weight(1000000) == 10000);
}

TEST(blkio_weight_to_io_weight)
{
	CHECK(cg_blkio_weight_to_io_weight(0) == 0);
	CHECK(cg_blkio_weight_to_io_weight(10) == 1);
	CHECK(cg_blkio_weight_to_io_weight(500) == 4950);
	CHECK(cg_blkio_weight_to_io_weight(1000) == 10000);
}

TEST(swap_to_v2)
{
	_cleanup_error_ calyx_error *err = NULL;
	int64_t out = 0;

	CHECK(cg_swap_to_v2(true, 100, true, 300, &out, NULL) == 0 && out == 200);
	CHECK(cg_swap_to_v2(true, 100, true, 100, &out, NULL) == 0 && out == 0);
	CHECK(cg_swap_to_v2(true, 100, true, -1, &out, NULL) == 0 && out == -1);
	CHECK(cg_swap_to_v2(true, -1, false, 0, &out, NULL) == 0 && out == -1);
	CHECK(cg_swap_to_v2(true, 100, false, 0, &out, NULL) == 1);
	CHECK(cg_swap_to_v2(false, 0, false, 0, &out, NULL) == 1);
	CHECK(cg_swap_to_v2(true, 300, true, 100, &out, &err) == -EINVAL);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.resources.memory.swap");
	calyx_error_free(&err);
	CHECK(cg_swap_to_v2(false, 0, true, 100, &out, &err) == -EINVAL);
	CHECK_CONTAINS(err ? err->msg : NULL, "needs a memory limit");
}

TEST(normalize_path)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	CHECK(cg_normalize_path("/a//b/./c/", &a, NULL) == 0);
	CHECK_STR(a, "/a/b/c");
	CHECK(cg_normalize_path("x", &b, NULL) == 0);
	CHECK_STR(b, "/x");
	CHECK(cg_normalize_path("/a/../b", &c, &err) == -EINVAL);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.cgroupsPath");
}

static const char fake_mountinfo[] =
	"31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,clone_children\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	"36 31 0:32 / /other/memory rw - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
	"42 31 0:39 / /sys/fs/cgroup/foo rw - cgroup cgroup rw,name=foo\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

TEST(mountinfo_discovery)
{
	struct calyx_cgroup cg = { .mode = CALYX_CGROUP_HYBRID,
				   .root = (char *)"/sys/fs/cgroup" };
	_cleanup_free_ char *own = NULL;
	struct cg_hierarchy *h;

	CHECK(cg_hierarchies_discover(&cg, fake_mountinfo, NULL) == 0);
	CHECK(cg.n_h == 5);
	h = cg_find(&cg, CG_CPUACCT);
	CHECK(h && !strcmp(h->mount, "/sys/fs/cgroup/cpu,cpuacct") &&
	      (h->controllers & CG_BIT(CG_CPU)));
	h = cg_find(&cg, CG_MEMORY);
	CHECK(h && !strcmp(h->mount, "/sys/fs/cgroup/memory"));
	CHECK(cg_unified(&cg) &&
	      !strcmp(cg_unified(&cg)->mount, "/sys/fs/cgroup/unified"));
	CHECK(cg_own_cgroup(&cg, "9:name=systemd:/sys\n4:memory:/m\n0::/u/v\n",
			    &own, NULL) == 0);
	CHECK_STR(own, "/u/v");
	for (size_t i = 0; i < cg.n_h; i++) {
		free(cg.h[i].mount);
		free(cg.h[i].mount_root);
	}
	free(cg.h);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	if (fd >= 0)
		close(fd);
}

static bool fz_frozen(struct calyx_cgroup_freezer *f, const char *path, char st)
{
	bool frozen = true;

	return f && calyx_cgroup_freezer_frozen(f, path, st, &frozen, NULL) == 0 && frozen;
}

/* The freezer reader `list` and `state` use, against fake trees: which
 * file it reads where, and which task states spare the read. */
TEST(freezer_reader_fake_tree)
{
	char dir[] = "/tmp/calyx-unit-fz.XXXXXX", mi[1024], sub[600];
	struct calyx_cgroup_freezer *f = NULL;
	_cleanup_error_ calyx_error *err = NULL;
	bool frozen = true;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	/* pure v2: cgroup.events "frozen 1", whatever the task's letter */
	snprintf(sub, sizeof(sub), "mkdir -p %s/a/b %s/freezer/a/b %s/freezer/c", dir, dir, dir);
	CHECK(system(sub) == 0);
	put(dir, "a/b/cgroup.events", "populated 1\nfrozen 1\n");
	CHECK(cg_freezer_open_at(dir, CALYX_CGROUP_V2, NULL, &f, &err) == 0);
	CHECK(fz_frozen(f, "/a/b", 0) && fz_frozen(f, "/a//b/", 'S'));
	/* a systemd unit's saved path: the same file below the root */
	CHECK(fz_frozen(f, "systemd:/a/b", 'S'));
	put(dir, "a/b/cgroup.events", "populated 1\nfrozen 0\n");
	CHECK(!fz_frozen(f, "/a/b", 'D'));
	CHECK(f && calyx_cgroup_freezer_frozen(f, "", 0, &frozen, NULL) == 0 && !frozen);
	CHECK(f && calyx_cgroup_freezer_frozen(f, "/gone", 0, &frozen, NULL) < 0 && !frozen);
	calyx_cgroup_freezer_free(f);
	f = NULL;

	/* hybrid: the v1 freezer hierarchy's freezer.state */
	snprintf(mi, sizeof(mi),
		 "34 31 0:31 / %s/freezer rw - cgroup cgroup rw,freezer\n"
		 "41 31 0:38 / %s/unified rw - cgroup2 cgroup2 rw\n", dir, dir);
	put(dir, "freezer/a/b/freezer.state", "FROZEN\n");
	put(dir, "freezer/c/freezer.state", "FREEZING\n");
	CHECK(cg_freezer_open_at(dir, CALYX_CGROUP_HYBRID, mi, &f, &err) == 0);
	CHECK(fz_frozen(f, "/a/b", 0) && fz_frozen(f, "/a/b", 'D'));
	/* a v1-frozen task reads D: a sleeping or running one rules it out */
	CHECK(!fz_frozen(f, "/a/b", 'S') && !fz_frozen(f, "/a/b", 'R'));
	CHECK(!fz_frozen(f, "/c", 'D'));
	calyx_cgroup_freezer_free(f);
	snprintf(sub, sizeof(sub), "rm -rf %s", dir);
	CHECK(system(sub) == 0);
}

/* A temp dir with empty regular files standing in for cgroup files. */
static int fake_leaf(char *dir, const char *const *files)
{
	int fd;

	if (!mkdtemp(dir))
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (; fd >= 0 && *files; files++)
		close(openat(fd, *files, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	return fd;
}

static char *slurp(int dirfd, const char *file)
{
	char *text = NULL;

	if (calyx_read_file_at(dirfd, file, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

#define CHECK_FILE(fd, file, want)                        \
	do {                                              \
		_cleanup_free_ char *got_ = slurp(fd, file); \
		CHECK_STR(got_, want);                    \
	} while (0)

static const char *const v2_files[] = {
	"memory.max", "memory.low", "memory.swap.max", "cpu.weight",
	"cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems",
	"pids.max", "io.weight", "io.max", "hugetlb.2MB.max",
	"hugetlb.2MB.rsvd.max", "hugetlb.1GB.max", "rdma.max", "memory.high",
	NULL
};

TEST(v2_resources_fake_tree)
{
	char dir[] = "/tmp/calyx-cg-unit-XXXXXX";
	_cleanup_close_ int fd = fake_leaf(dir, v2_files);
	struct calyx_memory mem = { .has_limit = true, .limit = 1 << 20,
				    .has_reservation = true, .reservation = 4096,
				    .has_swap = true, .swap = 3 << 20 };
	struct calyx_cpu cpu = { .has_shares = true, .shares = 1024,
				 .has_quota = true, .quota = 50000,
				 .has_period = true, .period = 100000,
				 .has_burst = true, .burst = 1000,
				 .has_idle = true, .idle = 1,
				 .cpus = (char *)"0-1", .mems = (char *)"0" };
	struct calyx_throttle_device wbps = { .major = 8, .minor = 0,
					      .rate = 1048576 };
	struct calyx_block_io bio = { .has_weight = true, .weight = 500,
				      .throttle_write_bps = &wbps,
				      .n_throttle_write_bps = 1 };
	struct calyx_hugepage_limit huge[] = {
		{ .page_size = (char *)"2MB", .limit = 2097152 },
		{ .page_size = (char *)"1GB", .limit = 0 },
	};
	struct calyx_rdma_limit rdma = { .device = (char *)"mlx5_1",
					 .has_hca_handles = true,
					 .hca_handles = 3 };
	struct calyx_kv uni = { .key = (char *)"memory.high",
				.value = (char *)"123456" };
	struct calyx_resources res = {
		.memory = &mem, .cpu = &cpu, .has_pids_limit = true,
		.pids_limit = -1, .block_io = &bio, .hugepage_limits = huge,
		.n_hugepage_limits = 2, .rdma = &rdma, .n_rdma = 1,
		.unified = &uni, .n_unified = 1,
	};
	_cleanup_error_ calyx_error *err = NULL;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(cg_v2_apply(fd, &res, NULL, false, &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	CHECK_FILE(fd, "memory.max", "1048576");
	CHECK_FILE(fd, "memory.low", "4096");
	CHECK_FILE(fd, "memory.swap.max", "2097152");
	CHECK_FILE(fd, "cpu.weight", "39");
	CHECK_FILE(fd, "cpu.max", "50000 100000");
	CHECK_FILE(fd, "cpu.max.burst", "1000");
	CHECK_FILE(fd, "cpu.idle", "1");
	CHECK_FILE(fd, "cpuset.cpus", "0-1");
	CHECK_FILE(fd, "cpuset.mems", "0");
	CHECK_FILE(fd, "pids.max", "max");
	CHECK_FILE(fd, "io.weight", "default 4950");
	CHECK_FILE(fd, "io.max", "8:0 wbps=1048576");
	CHECK_FILE(fd, "hugetlb.2MB.max", "2097152");
	CHECK_FILE(fd, "hugetlb.2MB.rsvd.max", "2097152");
	CHECK_FILE(fd, "hugetlb.1GB.max", "0");
	CHECK_FILE(fd, "rdma.max", "mlx5_1 hca_handle=3 hca_object=max");
	CHECK_FILE(fd, "memory.high", "123456");

	/* quota without a period keeps the period; pids 0 is a real limit */
	cpu = (struct calyx_cpu){ .has_quota = true, .quota = -1 };
	res = (struct calyx_resources){ .cpu = &cpu, .has_pids_limit = true,
					.pids_limit = 0 };
	CHECK(cg_v2_apply(fd, &res, NULL, true, &err) == 0);
	CHECK_FILE(fd, "cpu.max", "max");
	CHECK_FILE(fd, "pids.max", "0");

	/* a file that exists nowhere is an error naming the field */
	CHECK(unlinkat(fd, "memory.max", 0) == 0);
	mem = (struct calyx_memory){ .has_limit = true, .limit = 1 };
	res = (struct calyx_resources){ .memory = &mem };
	CHECK(cg_v2_apply(fd, &res, NULL, false, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL,
		       "linux.resources.memory.limit: writing memory.max");
	calyx_remove_tree_at(AT_FDCWD, dir, NULL);
}

TEST(v2_unified_keys)
{
	char dir[] = "/tmp/calyx-cg-unit-XXXXXX";
	_cleanup_close_ int fd = fake_leaf(dir, v2_files);
	static const char *const bad[] = { "../memory.max", "a/b", "..", "",
					   "nosuch.file" };

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_error_ calyx_error *err = NULL;
		struct calyx_kv kv = { .key = (char *)bad[i],
				       .value = (char *)"1" };

		CHECK(cg_v2_unified(fd, &kv, 1, &err) < 0);
		CHECK_CONTAINS(err ? err->msg : NULL,
			       "linux.resources.unified");
	}
	calyx_remove_tree_at(AT_FDCWD, dir, NULL);
}

/* ---- real cgroups (root, hybrid host) ---- */

static bool real_hybrid(void)
{
	enum calyx_cgroup_mode mode;

	if (geteuid() != 0 || calyx_cgroup_detect_mode(&mode, NULL) < 0)
		return false;
	return mode == CALYX_CGROUP_HYBRID;
}

static const char *const real_dirs[] = {
	"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory",
	"pids", "systemd", "unified",
};

/* true when no hierarchy holds /calyx-unit-<pid> any more */
static bool all_gone(const char *top)
{
	char p[512];
	bool gone = true;

	for (size_t i = 0; i < ARRAY_SIZE(real_dirs); i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", real_dirs[i], top);
		if (access(p, F_OK) == 0) {
			fprintf(stderr, "left behind: %s\n", p);
			gone = false;
		}
	}
	return gone;
}

/* best effort, for when a check failed midway */
static void scrub(const char *top)
{
	char p[512];

	for (size_t i = 0; i < ARRAY_SIZE(real_dirs); i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s/c1", real_dirs[i],
			 top);
		rmdir(p);
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", real_dirs[i], top);
		rmdir(p);
	}
}

static char *real_file(const char *ctrl, const char *path, const char *file)
{
	char p[512];
	char *text = NULL;

	snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s/%s", ctrl, path, file);
	if (calyx_read_file_at(AT_FDCWD, p, &text, NULL, NULL) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

TEST(real_hybrid_lifecycle)
{
	struct calyx_memory mem = { .has_limit = true, .limit = 64 << 20 };
	struct calyx_resources res = { .memory = &mem, .has_pids_limit = true,
				       .pids_limit = 50 };
	char top[64], path[96];
	struct calyx_cgroup_config cfg = { .id = "unit", .resources = &res };
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *limit = NULL, *pmax = NULL, *cpus = NULL;
	size_t n = 0;
	int status = 0, pipefd[2];
	struct calyx_cgroup_freezer *fz = NULL;
	bool frozen = false;
	pid_t child;

	if (!real_hybrid()) {
		SKIP("needs root on a hybrid host");
	}
	snprintf(top, sizeof(top), "/calyx-unit-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/c1", top);
	cfg.cgroups_path = path;
	CHECK(calyx_cgroup_create(&cfg, &cg, &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	if (!cg) {
		scrub(top);
		return;
	}
	CHECK_STR(calyx_cgroup_path(cg), path);
	/* hybrid: born in the unified leaf, the v1 hierarchies joined after */
	bool complete = true;
	CHECK(calyx_cgroup_birth_fd(cg, &complete) >= 0 && !complete);
	limit = real_file("memory", path, "memory.limit_in_bytes");
	CHECK_STR(limit, "67108864");
	pmax = real_file("pids", path, "pids.max");
	CHECK_STR(pmax, "50");
	cpus = real_file("cpuset", path, "cpuset.cpus");
	CHECK(cpus && *cpus);

	CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	child = fork();
	if (child == 0) {
		char c;

		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0)
			;
		_exit(0);
	}
	close(pipefd[0]);
	CHECK(calyx_cgroup_enter(cg, child, &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	CHECK(calyx_cgroup_pids(cg, &pids, &n, &err) == 0);
	CHECK(n == 1 && pids && pids[0] == child);

	CHECK(calyx_cgroup_freezer_open(&fz, &err) == 0);
	CHECK(calyx_cgroup_freeze(cg, true, &err) == 0);
	CHECK(calyx_cgroup_is_frozen(cg, &frozen, &err) == 0 && frozen);
	/* the reader `list` uses, from the saved path: the file is read
	 * when the task state says "maybe" (0, or D, as v1 freezes) */
	frozen = false;
	CHECK(fz && calyx_cgroup_freezer_frozen(fz, path, 0, &frozen, &err) == 0 && frozen);
	frozen = false;
	CHECK(fz && calyx_cgroup_freezer_frozen(fz, path, 'D', &frozen, &err) == 0 && frozen);
	CHECK(calyx_cgroup_freeze(cg, false, &err) == 0);
	CHECK(calyx_cgroup_is_frozen(cg, &frozen, &err) == 0 && !frozen);
	frozen = true;
	CHECK(fz && calyx_cgroup_freezer_frozen(fz, path, 0, &frozen, &err) == 0 && !frozen);
	frozen = true;
	CHECK(fz && calyx_cgroup_freezer_frozen(fz, "", 0, &frozen, &err) == 0 && !frozen);
	calyx_cgroup_freezer_free(fz);

	CHECK(calyx_cgroup_kill_all(cg, SIGKILL, &err) == 0);
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(pipefd[1]);

	CHECK(calyx_cgroup_destroy(cg, &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	CHECK(all_gone(top));
	/* idempotent */
	CHECK(calyx_cgroup_destroy(cg, &err) == 0);
	scrub(top);
}

TEST(real_destroy_kills_leftovers)
{
	char top[64], path[96];
	struct calyx_cgroup_config cfg = { .id = "unit" };
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	_cleanup_cgroup_ struct calyx_cgroup *again = NULL;
	_cleanup_error_ calyx_error *err = NULL;
	int status = 0;
	pid_t child;

	if (!real_hybrid()) {
		SKIP("needs root on a hybrid host");
	}
	snprintf(top, sizeof(top), "/calyx-unit-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/c1", top);
	cfg.cgroups_path = path;
	CHECK(calyx_cgroup_create(&cfg, &cg, &err) == 0);
	if (!cg) {
		scrub(top);
		return;
	}
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	CHECK(calyx_cgroup_enter(cg, child, &err) == 0);
	/* a reopened manager (as `delete` has) removes only the leaf */
	CHECK(calyx_cgroup_open(path, NULL, &again, &err) == 0);
	if (again)
		CHECK(calyx_cgroup_destroy(again, &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(calyx_cgroup_destroy(cg, &err) == 0);
	CHECK(all_gone(top));
	scrub(top);
}

/* A runtime killed while it moved its process through the hierarchies
 * leaves it in some only: destroy must still find, kill and remove it. */
TEST(real_destroy_kills_partly_joined)
{
	char top[64], path[96], procs[160];
	struct calyx_cgroup_config cfg = { .id = "unit" };
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	_cleanup_error_ calyx_error *err = NULL;
	int status = 0;
	pid_t child;

	if (!real_hybrid()) {
		printf("# skipped: needs root on a hybrid host\n");
		return;
	}
	snprintf(top, sizeof(top), "/calyx-unit-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/c1", top);
	cfg.cgroups_path = path;
	CHECK(calyx_cgroup_create(&cfg, &cg, &err) == 0);
	if (!cg) {
		scrub(top);
		return;
	}
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	/* in the memory hierarchy only, not in the unified one destroy lists */
	snprintf(procs, sizeof(procs), "/sys/fs/cgroup/memory%s/cgroup.procs", path);
	{
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)child);
		CHECK(calyx_write_file_at(AT_FDCWD, procs, pid, strlen(pid), &err) == 0);
	}
	CHECK(calyx_cgroup_destroy(cg, &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	CHECK(all_gone(top));
	kill(child, SIGKILL);	/* never hang here when destroy failed */
	CHECK(waitpid(child, &status, 0) == child);
	scrub(top);
}

/* child: wait for the go byte, then report which opens the filter let by */
static int probe_opens(int go)
{
	char c;
	int bits = 0, fd;

	if (read(go, &c, 1) != 1)
		return 100;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		bits |= 1;
	close(fd);
	fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		bits |= 2;
	close(fd);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0)
		bits |= 4;
	close(fd);
	return bits;
}

static int run_probe(struct calyx_cgroup *cg)
{
	_cleanup_error_ calyx_error *err = NULL;
	int go[2], status = 0;
	pid_t child;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		close(go[1]);
		_exit(probe_opens(go[0]));
	}
	close(go[0]);
	if (calyx_cgroup_enter(cg, child, &err) < 0)
		fprintf(stderr, "%s\n", err->msg);
	if (write(go[1], "x", 1) != 1)
		kill(child, SIGKILL);
	close(go[1]);
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(real_v2_device_filter)
{
	/* kmsg readable only: rule order and the access subset matter */
	struct calyx_device_cgroup rules[] = {
		{ .allow = false, .type = 'a' },
		{ .allow = true, .type = 'c', .has_major = true, .major = 1,
		  .has_minor = true, .minor = 11, .access = (char *)"r" },
	};
	char top[64], path[96], v1dev[160];
	struct calyx_cgroup_config cfg = { .id = "unit" };
	_cleanup_cgroup_ struct calyx_cgroup *cg = NULL;
	_cleanup_error_ calyx_error *err = NULL;
	struct cg_hierarchy *u;

	if (!real_hybrid() || access("/dev/kmsg", F_OK) < 0) {
		SKIP("needs root on a hybrid host with /dev/kmsg");
	}
	snprintf(top, sizeof(top), "/calyx-unit-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/c1", top);
	cfg.cgroups_path = path;
	CHECK(calyx_cgroup_create(&cfg, &cg, &err) == 0);
	if (!cg) {
		scrub(top);
		return;
	}
	/* open the v1 list so only the cgroup2 filter decides */
	snprintf(v1dev, sizeof(v1dev), "/sys/fs/cgroup/devices%s", path);
	{
		_cleanup_close_ int dfd = open(v1dev, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		CHECK(dfd >= 0 && cg_write(dfd, "devices.allow", "a", &err) == 0);
	}
	CHECK(run_probe(cg) == 7);
	u = cg_unified(cg);
	CHECK(u && cg_v2_devices(u->dirfd, rules, ARRAY_SIZE(rules), &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	CHECK(run_probe(cg) == 3);
	/* an update replaces the filter instead of stacking a second one */
	rules[1].access = (char *)"rw";
	CHECK(u && cg_v2_devices(u->dirfd, rules, ARRAY_SIZE(rules), &err) == 0);
	CHECK(run_probe(cg) == 7);
	/* issue 11.9: type "a" with numbers is not widened to every device */
	rules[1].type = 'a';
	rules[1].minor = 3;
	rules[1].access = (char *)"r";
	CHECK(u && cg_v2_devices(u->dirfd, rules, ARRAY_SIZE(rules), &err) == 0);
	CHECK(run_probe(cg) == 1);
	CHECK(calyx_cgroup_destroy(cg, &err) == 0);
	CHECK(all_gone(top));
	scrub(top);
}

TEST(real_errors)
{
	struct calyx_kv bad = { .key = (char *)"../cgroup.procs",
				.value = (char *)"1" };
	struct calyx_resources res = { .unified = &bad, .n_unified = 1 };
	char top[64], path[96];
	struct calyx_cgroup_config cfg = { .id = "unit" };
	struct calyx_cgroup *cg = NULL;
	_cleanup_error_ calyx_error *err = NULL;

	cfg.cgroups_path = "/calyx-unit/../escape";
	CHECK(calyx_cgroup_create(&cfg, &cg, &err) < 0 && !cg);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.cgroupsPath");
	calyx_error_free(&err);
	if (!real_hybrid()) {
		SKIP("needs root on a hybrid host");
	}
	snprintf(top, sizeof(top), "/calyx-unit-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/c1", top);
	cfg.cgroups_path = path;
	cfg.resources = &res;
	CHECK(calyx_cgroup_create(&cfg, &cg, &err) < 0 && !cg);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.resources.unified");
	CHECK(all_gone(top));
	scrub(top);
	if (cg)
		calyx_cgroup_free(cg);
}

/* A fake memory.events (or .local) in dirfd with "oom_kill n". */
static void put_kills(int dirfd, const char *file, unsigned int n)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CREAT |
					O_TRUNC | O_CLOEXEC, 0644);
	char text[128];
	int len = snprintf(text, sizeof(text),
			   "low 0\nhigh 0\nmax 9\noom %u\noom_kill %u\noom_group_kill 0\n",
			   n + 1, n);

	CHECK(fd >= 0 && write(fd, text, (size_t)len) == len);
}

/* A fake parent with memory.events, .local and cgroups self and sib1, the
 * ledger of self taken. */
static struct calyx_cgroup_oom_ledger *fake_ledger(int fd)
{
	struct calyx_cgroup_oom_ledger *l = NULL;

	CHECK(mkdirat(fd, "self", 0755) == 0 && mkdirat(fd, "sib1", 0755) == 0);
	put_kills(fd, "memory.events", 5);
	put_kills(fd, "memory.events.local", 0);
	put_kills(fd, "self/memory.events", 2);
	put_kills(fd, "sib1/memory.events", 3);
	CHECK(cg_oom_ledger_new_at(fd, "self", &l, NULL) == 0 && l);
	/* no take yet: nothing can be told */
	CHECK(calyx_cgroup_oom_ledger_since(l) == -1);
	calyx_cgroup_oom_ledger_take(l);
	return l;
}

/* The gone cgroup's kills from its parent's count, and nothing when the
 * siblings changed under the ledger (the systemd driver's removed scope). */
TEST(oom_ledger_fake_tree)
{
	char dir[] = "/tmp/calyx-cg-unit-XXXXXX";
	static const char *const none[] = { NULL };
	_cleanup_close_ int fd = fake_leaf(dir, none);
	struct calyx_cgroup_oom_ledger *l;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	l = fake_ledger(fd);
	/* self is not its own sibling */
	put_kills(fd, "self/memory.events", 3);
	put_kills(fd, "memory.events", 6);
	CHECK(calyx_cgroup_oom_ledger_since(l) == 1);
	/* self and sib1 each lose a process, self is removed */
	calyx_cgroup_oom_ledger_take(l);
	put_kills(fd, "memory.events", 8);
	put_kills(fd, "sib1/memory.events", 4);
	CHECK(unlinkat(fd, "self/memory.events", 0) == 0 &&
	      unlinkat(fd, "self", AT_REMOVEDIR) == 0);
	CHECK(calyx_cgroup_oom_ledger_since(l) == 1);
	/* a kill of the parent's own processes is not self's */
	calyx_cgroup_oom_ledger_take(l);
	put_kills(fd, "memory.events", 9);
	put_kills(fd, "memory.events.local", 1);
	CHECK(calyx_cgroup_oom_ledger_since(l) == 0);
	/* a sibling came (its kills could be anyone's): nothing told */
	calyx_cgroup_oom_ledger_take(l);
	CHECK(mkdirat(fd, "sib2", 0755) == 0);
	put_kills(fd, "sib2/memory.events", 0);
	put_kills(fd, "memory.events", 10);
	CHECK(calyx_cgroup_oom_ledger_since(l) == -1);
	/* a sibling started over (its count went down) */
	calyx_cgroup_oom_ledger_take(l);
	put_kills(fd, "sib1/memory.events", 0);
	CHECK(calyx_cgroup_oom_ledger_since(l) == -1);
	/* a sibling went */
	calyx_cgroup_oom_ledger_take(l);
	CHECK(unlinkat(fd, "sib2/memory.events", 0) == 0 &&
	      unlinkat(fd, "sib2", AT_REMOVEDIR) == 0);
	CHECK(calyx_cgroup_oom_ledger_since(l) == -1);
	calyx_cgroup_oom_ledger_free(l);
	calyx_remove_tree_at(AT_FDCWD, dir, NULL);
}

int main(void)
{
	RUN(shares_to_weight);
	RUN(blkio_weight_to_io_weight);
	RUN(swap_to_v2);
	RUN(normalize_path);
	RUN(mountinfo_discovery);
	RUN(freezer_reader_fake_tree);
	RUN(v2_resources_fake_tree);
	RUN(v2_unified_keys);
	RUN(oom_ledger_fake_tree);
	RUN(real_hybrid_lifecycle);
	RUN(real_destroy_kills_leftovers);
	RUN(real_destroy_kills_partly_joined);
	RUN(real_v2_device_filter);
	RUN(real_errors);
	return unit_summary("unit/cgroups");
}
