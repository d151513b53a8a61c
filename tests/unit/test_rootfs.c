/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit/rootfs: the mount plan, pivot and finalize steps, run for real as
 * root in a forked child that has its own mount namespace, against a
 * temporary rootfs under /tmp.  The child checks the result from inside
 * and reports through its exit code; the parent checks the host was not
 * touched and removes the temp dirs.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "rootfs/rootfs.h"
#include "unit.h"
#include "util/cleanup.h"

/* ---- fixtures ------------------------------------------------------- */

struct fixture {
	char base[64];		/* /tmp/calyx-rootfs-XXXXXX */
	char rootfs[96];	/* base/rootfs */
	char src[96];		/* base/src: bind sources */
	char bundle[96];	/* base */
};

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

static int fixture_init(struct fixture *fx)
{
	char p[160];

	strcpy(fx->base, "/tmp/calyx-rootfs-XXXXXX");
	if (!mkdtemp(fx->base))
		return -1;
	snprintf(fx->rootfs, sizeof(fx->rootfs), "%s/rootfs", fx->base);
	snprintf(fx->src, sizeof(fx->src), "%s/src", fx->base);
	snprintf(fx->bundle, sizeof(fx->bundle), "%s", fx->base);
	if (mkdir(fx->rootfs, 0755) < 0 || mkdir(fx->src, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/marker", fx->rootfs);
	write_file(p, "rootfs\n");
	snprintf(p, sizeof(p), "%s/data.txt", fx->src);
	write_file(p, "data\n");
	snprintf(p, sizeof(p), "%s/file", fx->src);
	write_file(p, "file\n");
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void fixture_cleanup(struct fixture *fx)
{
	nftw(fx->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/*
 * Run fn in a child with its own mount namespace; its return value (the
 * number of failed checks inside) becomes the exit code.
 */
static int run_in_mntns(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0) {
			perror("unshare");
			_exit(100);
		}
		fflush(stdout);
		_exit(fn(arg) & 0x7f);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * The same in a new user namespace (identity-mapped by the parent, which
 * is root outside) with its own mount namespace.
 */
static int run_in_userns(int (*fn)(void *), void *arg)
{
	int to_parent[2], to_child[2];
	char map[96], byte = 0;
	pid_t pid;
	int status;

	if (pipe2(to_parent, O_CLOEXEC) < 0 || pipe2(to_child, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
			perror("unshare");
			_exit(100);
		}
		if (write(to_parent[1], &byte, 1) != 1 ||
		    read(to_child[0], &byte, 1) != 1)
			_exit(101);
		_exit(fn(arg) & 0x7f);
	}
	close(to_parent[1]);
	close(to_child[0]);
	if (read(to_parent[0], &byte, 1) == 1) {
		snprintf(map, sizeof(map), "/proc/%d/uid_map", pid);
		write_file(map, "0 0 4294967295\n");
		snprintf(map, sizeof(map), "/proc/%d/gid_map", pid);
		write_file(map, "0 0 4294967295\n");
		if (write(to_child[1], &byte, 1) != 1)
			perror("write");
	}
	close(to_parent[0]);
	close(to_child[1]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define CHILD_CHECK(cond)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: child CHECK(%s) failed (%s)\n", \
				__FILE__, __LINE__, #cond, strerror(errno));   \
			failures++;                                          \
		}                                                            \
	} while (0)

static bool fs_is(const char *path, long magic)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == magic;
}

static bool is_chr(const char *path, unsigned int maj, unsigned int min)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(maj, min);
}

static bool link_is(const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, target) == 0;
}

static bool write_fails_with(const char *path, int errnum)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == errnum;
}

static ssize_t read_len(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n;
}

static bool mount_has_flag(const char *path, unsigned long flag)
{
	struct statvfs sv;

	return statvfs(path, &sv) == 0 && (sv.f_flag & flag);
}

static char *opts_ro[] = { "rbind", "ro", NULL };
static char *opts_bind[] = { "bind", NULL };
static char *opts_tmp[] = { "nosuid", "strictatime", "mode=755",
			    "size=65536k", NULL };
static char *opts_none[] = { NULL };

struct scenario {
	struct fixture *fx;
	struct calyx_spec *spec;
	bool no_pivot;
	bool in_userns;
	bool host_has_cpu_comount;
	calyx_error *err;	/* child side */
};

static int run_all_steps(struct scenario *s)
{
	struct calyx_rootfs_ctx ctx = {
		.spec = s->spec,
		.rootfs = s->fx->rootfs,
		.bundle = s->fx->bundle,
		.no_pivot = s->no_pivot,
		.in_userns = s->in_userns,
	};
	int r;

	r = calyx_rootfs_prepare(&ctx, &s->err);
	if (r == 0)
		r = calyx_rootfs_pivot(&ctx, &s->err);
	if (r == 0)
		r = calyx_rootfs_finalize(&ctx, &s->err);
	if (r < 0)
		fprintf(stderr, "rootfs: %s\n", s->err->msg);
	return r;
}

/* ---- pure functions ------------------------------------------------- */

TEST(path_clean)
{
	const char *cases[][2] = {
		{ "/", "" },		  { "/proc", "proc" },
		{ "proc/", "proc" },	  { "//a/./b//", "a/b" },
		{ "/a/../../../etc", "etc" }, { "../../x/y/..", "x" },
		{ "/dev/pts", "dev/pts" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *c = rootfs_path_clean(cases[i][0]);

		CHECK_STR(c, cases[i][1]);
	}
}

TEST(options_parse)
{
	char *opts[] = { "rbind", "ro", "rnosuid", "rprivate", "mode=755",
			 "size=1k", "noatime", "nodev", "dev", "sync", NULL };
	struct mount_opts o;
	calyx_error *err = NULL;

	CHECK(mount_opts_parse(opts, &o, &err) == 0);
	CHECK(o.bind && o.rbind);
	CHECK(o.attr_set & MOUNT_ATTR_RDONLY);
	CHECK(o.rattr_set & MOUNT_ATTR_NOSUID);
	CHECK(!(o.attr_set & MOUNT_ATTR_NODEV) &&
	      (o.attr_clr & MOUNT_ATTR_NODEV));
	CHECK((o.attr_set & MOUNT_ATTR__ATIME) == MOUNT_ATTR_NOATIME);
	CHECK(o.attr_clr & MOUNT_ATTR__ATIME);
	CHECK(o.propagation == MS_PRIVATE && o.propagation_rec);
	CHECK_STR(o.data, "mode=755,size=1k");
	CHECK(o.sb_flags && o.sb_flags[0] && strcmp(o.sb_flags[0], "sync") == 0);
	CHECK(o.ms_set & MS_RDONLY);
	mount_opts_free(&o);
	calyx_error_free(&err);
}

TEST(plan_defaults)
{
	struct calyx_mount mounts[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc" },
		{ .destination = "data", .type = "none", .source = "src",
		  .options = opts_ro },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 2 };
	struct calyx_rootfs_ctx ctx = { .spec = &spec, .rootfs = "/r",
					.bundle = "/b" };
	struct mount_plan plan;
	calyx_error *err = NULL;

	CHECK(mount_plan_build(&ctx, &plan, &err) == 0);
	CHECK(plan.n == 5);
	if (plan.n == 5) {
		CHECK_STR(plan.ops[0].dest, "dev");
		CHECK(plan.ops[0].kind == MOUNT_OP_FRESH);
		CHECK_STR(plan.ops[1].what, "mounts[0] (/proc)");
		CHECK(plan.ops[1].is_proc);
		CHECK(plan.ops[2].kind == MOUNT_OP_BIND);
		CHECK_STR(plan.ops[2].source, "/b/src");
		CHECK_STR(plan.ops[2].dest, "data");
		CHECK_STR(plan.ops[3].dest, "dev/pts");
		CHECK_STR(plan.ops[4].dest, "dev/shm");
	}
	mount_plan_free(&plan);
	calyx_error_free(&err);
}

TEST(plan_errors_name_the_field)
{
	char *idmap[] = { "rbind", "idmap", NULL };
	struct calyx_mount mounts[] = {
		{ .destination = "/a", .type = "tmpfs", .source = "tmpfs" },
		{ .destination = "/b", .source = "/x", .options = idmap },
	};
	struct calyx_mount nosrc[] = {
		{ .destination = "/c", .options = opts_bind },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 2 };
	struct calyx_rootfs_ctx ctx = { .spec = &spec, .rootfs = "/r" };
	struct mount_plan plan;
	calyx_error *err = NULL;

	CHECK(mount_plan_build(&ctx, &plan, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "mounts[1] (/b)");
	mount_plan_free(&plan);
	calyx_error_free(&err);

	spec.mounts = nosrc;
	spec.n_mounts = 1;
	CHECK(mount_plan_build(&ctx, &plan, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "mounts[0].source");
	mount_plan_free(&plan);
	calyx_error_free(&err);
}

TEST(plan_defers_readonly_under_nested_mounts)
{
	char *ro_tmpfs[] = { "ro", "size=1k", NULL };
	char *ro_bind[] = { "rbind", "ro", NULL };
	struct calyx_mount mounts[] = {
		{ .destination = "/dev", .type = "tmpfs", .source = "tmpfs",
		  .options = ro_tmpfs },
		{ .destination = "/a", .type = "tmpfs", .source = "tmpfs",
		  .options = ro_tmpfs },
		{ .destination = "/a/b/c", .type = "tmpfs", .source = "tmpfs" },
		{ .destination = "/ab", .type = "tmpfs", .source = "tmpfs",
		  .options = ro_tmpfs },
		{ .destination = "/s", .source = "/x", .options = ro_bind },
		{ .destination = "/s/in", .type = "tmpfs", .source = "tmpfs" },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 6 };
	struct calyx_rootfs_ctx ctx = { .spec = &spec, .rootfs = "/r" };
	struct mount_plan plan;
	calyx_error *err = NULL;

	CHECK(mount_plan_build(&ctx, &plan, &err) == 0);
	CHECK(plan.n == 8);
	if (plan.n == 8) {
		/* /dev: the default /dev/pts and /dev/shm and the nodes follow */
		CHECK(plan.ops[0].ro_later);
		CHECK(!(plan.ops[0].opts.attr_set & MOUNT_ATTR_RDONLY));
		CHECK(!(plan.ops[0].opts.ms_set & MS_RDONLY));
		CHECK(plan.ops[1].ro_later);
		/* "/ab" is not under "/a"; nothing under "/ab" */
		CHECK(!plan.ops[3].ro_later);
		CHECK(plan.ops[3].opts.attr_set & MOUNT_ATTR_RDONLY);
		/* a bind keeps its ro: nothing is made in the host's dir */
		CHECK(!plan.ops[4].ro_later);
		CHECK(plan.ops[4].opts.attr_set & MOUNT_ATTR_RDONLY);
	}
	mount_plan_free(&plan);
	calyx_error_free(&err);
}

TEST(plan_refuses_the_root_as_destination)
{
	struct calyx_mount mounts[] = {
		{ .destination = "/./", .type = "tmpfs", .source = "tmpfs" },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 1 };
	struct calyx_rootfs_ctx ctx = { .spec = &spec, .rootfs = "/r" };
	struct mount_plan plan;
	calyx_error *err = NULL;

	CHECK(mount_plan_build(&ctx, &plan, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "mounts[0].destination");
	mount_plan_free(&plan);
	calyx_error_free(&err);
}

TEST(no_mount_ns_refuses_what_would_mount)
{
	struct calyx_namespace mntns = { .type = CALYX_NS_MOUNT };
	struct calyx_namespace pidns = { .type = CALYX_NS_PID };
	char *masked[] = { "/proc/kcore", NULL };
	struct calyx_mount mounts[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc" },
	};
	struct calyx_linux lnx = { .namespaces = &mntns, .n_namespaces = 1,
				   .masked_paths = masked };
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 1,
				   .linux_cfg = &lnx };
	calyx_error *err = NULL;

	/* with a mount namespace everything goes */
	CHECK(calyx_rootfs_check_no_mount_ns(&spec, &err) == 0);
	lnx.namespaces = &pidns;
	CHECK(calyx_rootfs_check_no_mount_ns(&spec, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "mounts[0] (/proc): needs a mount namespace");
	calyx_error_free(&err);
	spec.n_mounts = 0;
	CHECK(calyx_rootfs_check_no_mount_ns(&spec, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.maskedPaths");
	calyx_error_free(&err);
	lnx.masked_paths = NULL;
	spec.root_readonly = true;
	CHECK(calyx_rootfs_check_no_mount_ns(&spec, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "root.readonly");
	calyx_error_free(&err);
	spec.root_readonly = false;
	CHECK(calyx_rootfs_check_no_mount_ns(&spec, &err) == 0);
	calyx_error_free(&err);
}

/* The runtime finds the mounts' config errors before it makes anything:
 * pure (no root, no fd from the runtime), the same messages as the plan. */
TEST(check_config_finds_mount_errors_before_anything_is_made)
{
	struct calyx_namespace mntns = { .type = CALYX_NS_MOUNT };
	char *copyup[] = { "tmpcopyup", NULL };
	char *idmap[] = { "idmap", NULL };
	struct calyx_mount m = { .destination = "/mnt", .type = "proc",
				 .source = "proc" };
	struct calyx_linux lnx = { .namespaces = &mntns, .n_namespaces = 1 };
	struct calyx_spec spec = { .mounts = &m, .n_mounts = 1, .linux_cfg = &lnx };
	const struct {
		const char *dest, *type, *source;
		char **options;
		const char *want;
	} bad[] = {
		{ "/mnt", "proc", "proc", copyup, "mounts[0] (/mnt): tmpcopyup needs a tmpfs" },
		{ "/mnt", "bind", "/x", copyup, "tmpcopyup needs a tmpfs" },
		{ "/mnt", "tmpfs", "tmpfs", idmap, "idmap is supported on bind mounts only" },
		{ "/mnt", "bind", NULL, NULL, "mounts[0].source: required for a bind mount" },
		{ "/mnt", NULL, "x", NULL, "mounts[0].type: required" },
		{ "/", "tmpfs", "tmpfs", NULL, "is the root itself" },
		{ NULL, "tmpfs", "tmpfs", NULL, "mounts[0].destination: missing" },
	};
	calyx_error *err = NULL;

	CHECK(calyx_rootfs_check_config(&spec, &err) == 0);
	calyx_error_free(&err);
	/* an idmapped bind is fine: its tree comes from the runtime later */
	m.type = "bind";
	m.source = "/x";
	m.options = idmap;
	CHECK(calyx_rootfs_check_config(&spec, &err) == 0);
	calyx_error_free(&err);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		m = (struct calyx_mount){ .destination = (char *)bad[i].dest,
					  .type = (char *)bad[i].type,
					  .source = (char *)bad[i].source,
					  .options = bad[i].options };
		CHECK(calyx_rootfs_check_config(&spec, &err) < 0);
		CHECK_CONTAINS(err ? err->msg : NULL, bad[i].want);
		calyx_error_free(&err);
	}
	/* without a mount namespace: the refusals of check_no_mount_ns */
	lnx.n_namespaces = 0;
	CHECK(calyx_rootfs_check_config(&spec, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "needs a mount namespace");
	calyx_error_free(&err);
}

/* ---- in a mount namespace ------------------------------------------- */

static int child_basic(void *arg)
{
	struct scenario *s = arg;
	int failures = 0;

	if (run_all_steps(s) < 0)
		return 1;
	CHILD_CHECK(access("/marker", F_OK) == 0);
	CHILD_CHECK(fs_is("/proc", PROC_SUPER_MAGIC));
	CHILD_CHECK(fs_is("/tmp", TMPFS_MAGIC));
	CHILD_CHECK(mount_has_flag("/tmp", ST_NOSUID));
	CHILD_CHECK(read_len("/data/data.txt") == 5);
	CHILD_CHECK(write_fails_with("/data/new", EROFS));
	CHILD_CHECK(read_len("/etc/file") == 5);
	CHILD_CHECK(fs_is("/dev", TMPFS_MAGIC));
	CHILD_CHECK(is_chr("/dev/null", 1, 3));
	CHILD_CHECK(is_chr("/dev/zero", 1, 5));
	CHILD_CHECK(is_chr("/dev/full", 1, 7));
	CHILD_CHECK(is_chr("/dev/random", 1, 8));
	CHILD_CHECK(is_chr("/dev/urandom", 1, 9));
	CHILD_CHECK(is_chr("/dev/tty", 5, 0));
	CHILD_CHECK(fs_is("/dev/pts", DEVPTS_SUPER_MAGIC));
	CHILD_CHECK(fs_is("/dev/shm", TMPFS_MAGIC));
	CHILD_CHECK(link_is("/dev/ptmx", "pts/ptmx"));
	CHILD_CHECK(link_is("/dev/fd", "/proc/self/fd"));
	CHILD_CHECK(link_is("/dev/stdin", "/proc/self/fd/0"));
	CHILD_CHECK(link_is("/dev/stderr", "/proc/self/fd/2"));
	CHILD_CHECK(access("/dev/fd/0", F_OK) == 0);
	CHILD_CHECK(is_chr("/dev/calyx/mynull", 1, 3));
	{
		struct stat st;

		CHILD_CHECK(stat("/dev/calyx/mynull", &st) == 0 &&
			    (st.st_mode & 07777) == 0600 &&
			    st.st_uid == 1000 && st.st_gid == 1001);
		CHILD_CHECK(stat("/dev/calyx/fifo", &st) == 0 &&
			    S_ISFIFO(st.st_mode));
	}
	/* the old root is gone */
	CHILD_CHECK(access(s->fx->src, F_OK) < 0);
	return failures;
}

TEST(prepare_pivot_basic)
{
	struct fixture fx;
	struct calyx_device devices[] = {
		{ .path = "/dev/calyx/mynull", .type = 'c', .major = 1,
		  .minor = 3, .has_file_mode = true, .file_mode = 0600,
		  .has_uid = true, .uid = 1000, .has_gid = true, .gid = 1001 },
		{ .path = "/dev/calyx/fifo", .type = 'p' },
	};
	struct calyx_linux lnx = { .devices = devices, .n_devices = 2 };
	char file_src[128];
	struct calyx_mount mounts[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc",
		  .options = opts_none },
		{ .destination = "/tmp", .type = "tmpfs", .source = "tmpfs",
		  .options = opts_tmp },
		{ .destination = "/data", .type = "none", .source = "src",
		  .options = opts_ro },
		{ .destination = "/etc/file", .type = "bind",
		  .source = file_src },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 4,
				   .linux_cfg = &lnx };
	struct scenario s = { .fx = &fx, .spec = &spec };

	CHECK(fixture_init(&fx) == 0);
	snprintf(file_src, sizeof(file_src), "%s/file", fx.src);
	CHECK(run_in_mntns((int (*)(void *))child_basic, &s) == 0);
	/* the created mount points are inside the rootfs */
	{
		char p[192];

		snprintf(p, sizeof(p), "%s/etc/file", fx.rootfs);
		CHECK(access(p, F_OK) == 0);
	}
	fixture_cleanup(&fx);
}

static int child_no_pivot(void *arg)
{
	struct scenario *s = arg;
	int failures = 0;

	if (run_all_steps(s) < 0)
		return 1;
	CHILD_CHECK(access("/marker", F_OK) == 0);
	CHILD_CHECK(fs_is("/proc", PROC_SUPER_MAGIC));
	CHILD_CHECK(is_chr("/dev/null", 1, 3));
	return failures;
}

TEST(no_pivot)
{
	struct fixture fx;
	struct calyx_mount mounts[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc" },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 1 };
	struct scenario s = { .fx = &fx, .spec = &spec, .no_pivot = true };

	CHECK(fixture_init(&fx) == 0);
	CHECK(run_in_mntns((int (*)(void *))child_no_pivot, &s) == 0);
	fixture_cleanup(&fx);
}

static int child_masked(void *arg)
{
	struct scenario *s = arg;
	int failures = 0;

	if (run_all_steps(s) < 0)
		return 1;
	CHILD_CHECK(read_len("/proc/version") == 0);
	CHILD_CHECK(read_len("/secret/key") < 0 && errno == ENOENT);
	CHILD_CHECK(write_fails_with("/secret/new", EROFS));
	CHILD_CHECK(write_fails_with("/proc/sys/kernel/hostname", EROFS));
	CHILD_CHECK(mount_has_flag("/proc/sys", ST_RDONLY));
	CHILD_CHECK(write_fails_with("/newfile", EROFS));
	/* finalize leaves /tmp (its own mount) writable */
	CHILD_CHECK(!write_fails_with("/tmp/ok", EROFS));
	return failures;
}

TEST(masked_readonly_root_readonly)
{
	struct fixture fx;
	char *masked[] = { "/proc/kcore", "/proc/version", "/secret", "/does/not/exist", NULL };
	char *readonly[] = { "/proc/sys", "/missing", NULL };
	struct calyx_linux lnx = { .masked_paths = masked,
				   .readonly_paths = readonly };
	struct calyx_mount mounts[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc" },
		{ .destination = "/tmp", .type = "tmpfs", .source = "tmpfs" },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 2,
				   .linux_cfg = &lnx, .root_readonly = true };
	struct scenario s = { .fx = &fx, .spec = &spec };
	char p[192];

	CHECK(fixture_init(&fx) == 0);
	snprintf(p, sizeof(p), "%s/secret", fx.rootfs);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/secret/key", fx.rootfs);
	write_file(p, "key\n");
	CHECK(run_in_mntns((int (*)(void *))child_masked, &s) == 0);
	fixture_cleanup(&fx);
}

static int child_masked_fake_null(void *arg)
{
	struct scenario *s = arg;
	struct calyx_rootfs_ctx ctx = { .spec = s->spec, .rootfs = s->fx->rootfs };
	int failures = 0;
	char p[192];

	CHILD_CHECK(calyx_rootfs_prepare(&ctx, &s->err) == 0);
	/* the container replaces /dev/null before finalize */
	snprintf(p, sizeof(p), "%s/dev/null", s->fx->rootfs);
	unlink(p);
	write_file(p, "not null\n");
	CHILD_CHECK(calyx_rootfs_pivot(&ctx, &s->err) == 0);
	CHILD_CHECK(calyx_rootfs_finalize(&ctx, &s->err) < 0);
	CHILD_CHECK(s->err && strstr(s->err->msg, "null device") &&
		    strstr(s->err->msg, "maskedPaths[0]"));
	return failures;
}

TEST(masked_refuses_fake_dev_null)
{
	struct fixture fx;
	char *masked[] = { "/marker", NULL };
	struct calyx_linux lnx = { .masked_paths = masked };
	struct calyx_spec spec = { .linux_cfg = &lnx };
	struct scenario s = { .fx = &fx, .spec = &spec };

	CHECK(fixture_init(&fx) == 0);
	CHECK(run_in_mntns((int (*)(void *))child_masked_fake_null, &s) == 0);
	fixture_cleanup(&fx);
}

/* stdin the host's /dev/null: finalize reopens it from the container's,
 * and refuses a /dev/null that is not the null device */
static int child_stdio_fake_null(void *arg)
{
	struct scenario *s = arg;
	struct calyx_rootfs_ctx ctx = { .spec = s->spec, .rootfs = s->fx->rootfs };
	int failures = 0, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char p[192];

	CHILD_CHECK(null >= 0 && dup2(null, STDIN_FILENO) == STDIN_FILENO);
	CHILD_CHECK(calyx_rootfs_prepare(&ctx, &s->err) == 0);
	snprintf(p, sizeof(p), "%s/dev/null", s->fx->rootfs);
	unlink(p);
	write_file(p, "not null\n");
	CHILD_CHECK(calyx_rootfs_pivot(&ctx, &s->err) == 0);
	CHILD_CHECK(calyx_rootfs_finalize(&ctx, &s->err) < 0);
	CHILD_CHECK(s->err && strstr(s->err->msg, "reopening stdio") &&
		    strstr(s->err->msg, "null device"));
	return failures;
}

TEST(stdio_reopen_refuses_fake_dev_null)
{
	struct fixture fx;
	struct calyx_spec spec = { 0 };
	struct scenario s = { .fx = &fx, .spec = &spec };

	CHECK(fixture_init(&fx) == 0);
	CHECK(run_in_mntns((int (*)(void *))child_stdio_fake_null, &s) == 0);
	fixture_cleanup(&fx);
}

static int child_symlink_escape(void *arg)
{
	struct scenario *s = arg;
	int failures = 0;

	if (run_all_steps(s) < 0)
		return 1;
	/* seen from inside, the mounts are where the links point */
	CHILD_CHECK(fs_is("/calyx-escape-abs/sub", TMPFS_MAGIC));
	CHILD_CHECK(fs_is("/etc/calyx-escape-etc", TMPFS_MAGIC));
	CHILD_CHECK(fs_is("/calyx-escape-rel/sub", TMPFS_MAGIC));
	CHILD_CHECK(fs_is("/dangling-target/x", TMPFS_MAGIC));
	return failures;
}

TEST(symlink_destinations_stay_inside)
{
	struct fixture fx;
	struct calyx_mount mounts[] = {
		{ .destination = "/abs/sub", .type = "tmpfs", .source = "tmpfs" },
		{ .destination = "/etclink/calyx-escape-etc", .type = "tmpfs",
		  .source = "tmpfs" },
		{ .destination = "/rel/sub", .type = "tmpfs", .source = "tmpfs" },
		{ .destination = "/dangling", .type = "tmpfs",
		  .source = "tmpfs" },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 4 };
	struct scenario s = { .fx = &fx, .spec = &spec };
	char p[192];

	CHECK(fixture_init(&fx) == 0);
	snprintf(p, sizeof(p), "%s/abs", fx.rootfs);
	CHECK(symlink("/calyx-escape-abs", p) == 0);
	snprintf(p, sizeof(p), "%s/etclink", fx.rootfs);
	CHECK(symlink("/etc", p) == 0);
	snprintf(p, sizeof(p), "%s/rel", fx.rootfs);
	CHECK(symlink("../../../../../../../calyx-escape-rel", p) == 0);
	snprintf(p, sizeof(p), "%s/dangling", fx.rootfs);
	CHECK(symlink("../../dangling-target/x", p) == 0);

	CHECK(run_in_mntns((int (*)(void *))child_symlink_escape, &s) == 0);
	/* nothing appeared on the host */
	CHECK(access("/calyx-escape-abs", F_OK) < 0);
	CHECK(access("/calyx-escape-rel", F_OK) < 0);
	CHECK(access("/etc/calyx-escape-etc", F_OK) < 0);
	CHECK(access("/dangling-target", F_OK) < 0);
	/* it is all inside the rootfs */
	snprintf(p, sizeof(p), "%s/calyx-escape-abs/sub", fx.rootfs);
	CHECK(access(p, F_OK) == 0);
	snprintf(p, sizeof(p), "%s/etc/calyx-escape-etc", fx.rootfs);
	CHECK(access(p, F_OK) == 0);
	snprintf(p, sizeof(p), "%s/calyx-escape-rel/sub", fx.rootfs);
	CHECK(access(p, F_OK) == 0);
	snprintf(p, sizeof(p), "%s/dangling-target/x", fx.rootfs);
	CHECK(access(p, F_OK) == 0);
	fixture_cleanup(&fx);
}

static int child_dev_symlink(void *arg)
{
	struct scenario *s = arg;
	struct calyx_rootfs_ctx ctx = { .spec = s->spec, .rootfs = s->fx->rootfs };
	struct statfs before, after;
	int failures = 0;

	CHILD_CHECK(statfs("/dev", &before) == 0);
	CHILD_CHECK(calyx_rootfs_prepare(&ctx, &s->err) < 0);
	CHILD_CHECK(s->err && strstr(s->err->msg, "/dev"));
	if (s->err)
		fprintf(stderr, "  (expected) %s\n", s->err->msg);
	/* the host /dev got no tmpfs and no nodes */
	CHILD_CHECK(statfs("/dev", &after) == 0 &&
		    after.f_type == before.f_type);
	CHILD_CHECK(access("/dev/calyx-should-not-exist", F_OK) < 0);
	return failures;
}

TEST(dev_symlink_to_host_is_refused)
{
	const char *targets[] = { "/dev", "../../../../../dev" };

	for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
		struct fixture fx;
		struct calyx_device devices[] = {
			{ .path = "/dev/calyx-should-not-exist", .type = 'c',
			  .major = 1, .minor = 3 },
		};
		struct calyx_linux lnx = { .devices = devices, .n_devices = 1 };
		struct calyx_spec spec = { .linux_cfg = &lnx };
		struct scenario s = { .fx = &fx, .spec = &spec };
		char p[192];

		CHECK(fixture_init(&fx) == 0);
		snprintf(p, sizeof(p), "%s/dev", fx.rootfs);
		CHECK(symlink(targets[i], p) == 0);
		CHECK(run_in_mntns((int (*)(void *))child_dev_symlink, &s) ==
		      0);
		CHECK(access("/dev/calyx-should-not-exist", F_OK) < 0);
		fixture_cleanup(&fx);
	}
}

static int child_expect_error(void *arg)
{
	struct scenario *s = arg;
	struct calyx_rootfs_ctx ctx = { .spec = s->spec,
					.rootfs = s->fx->rootfs,
					.bundle = s->fx->bundle };
	int failures = 0;

	CHILD_CHECK(calyx_rootfs_prepare(&ctx, &s->err) < 0);
	if (s->err)
		fprintf(stderr, "  (expected) %s\n", s->err->msg);
	/* the expected text travels in fx->base's sibling field */
	CHILD_CHECK(s->err && strstr(s->err->msg, (char *)s->spec->hostname));
	return failures;
}

TEST(mount_errors_name_the_mount)
{
	struct fixture fx;
	struct calyx_mount badtype[] = {
		{ .destination = "/x", .type = "tmpfs", .source = "tmpfs" },
		{ .destination = "/y", .type = "calyxnofs", .source = "none" },
	};
	struct calyx_mount badopt[] = {
		{ .destination = "/t", .type = "tmpfs", .source = "tmpfs",
		  .options = (char *[]){ "size=banana", NULL } },
	};
	struct calyx_mount procbind[] = {
		{ .destination = "/proc", .type = "proc", .source = "proc" },
		{ .destination = "/proc/self", .type = "bind", .source = "src" },
	};
	struct calyx_spec spec = { .mounts = badtype, .n_mounts = 2,
				   .hostname = "mounts[1] (/y): mount calyxnofs" };
	struct scenario s = { .fx = &fx, .spec = &spec };

	CHECK(fixture_init(&fx) == 0);
	CHECK(run_in_mntns((int (*)(void *))child_expect_error, &s) == 0);
	spec.mounts = badopt;
	spec.n_mounts = 1;
	spec.hostname = "mounts[0] (/t): mount tmpfs: size";
	CHECK(run_in_mntns((int (*)(void *))child_expect_error, &s) == 0);
	spec.mounts = procbind;
	spec.n_mounts = 2;
	spec.hostname = "only procfs";
	CHECK(run_in_mntns((int (*)(void *))child_expect_error, &s) == 0);
	fixture_cleanup(&fx);
}

static int child_sys_cgroup(void *arg)
{
	struct scenario *s = arg;
	int failures = 0;

	if (s->spec->linux_cfg && unshare(CLONE_NEWCGROUP) < 0)
		return 1;
	if (run_all_steps(s) < 0)
		return 1;
	CHILD_CHECK(fs_is("/sys", SYSFS_MAGIC));
	CHILD_CHECK(mount_has_flag("/sys", ST_RDONLY));
	if (fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC))
		return failures;
	CHILD_CHECK(fs_is("/sys/fs/cgroup", TMPFS_MAGIC));
	CHILD_CHECK(mount_has_flag("/sys/fs/cgroup", ST_RDONLY));
	CHILD_CHECK(fs_is("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC));
	CHILD_CHECK(mount_has_flag("/sys/fs/cgroup/memory", ST_RDONLY));
	CHILD_CHECK(access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) == 0);
	CHILD_CHECK(fs_is("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC));
	if (s->host_has_cpu_comount)
		CHILD_CHECK(link_is("/sys/fs/cgroup/cpu", "cpu,cpuacct"));
	return failures;
}

TEST(sysfs_and_cgroup)
{
	struct fixture fx;
	char *ro[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	struct calyx_mount mounts[] = {
		{ .destination = "/sys", .type = "sysfs", .source = "sysfs",
		  .options = ro },
		{ .destination = "/sys/fs/cgroup", .type = "cgroup",
		  .source = "cgroup", .options = ro },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 2 };
	struct scenario s = { .fx = &fx, .spec = &spec };

	struct calyx_namespace cgroupns = { .type = CALYX_NS_CGROUP };
	struct calyx_linux lnx = { .namespaces = &cgroupns, .n_namespaces = 1 };

	CHECK(fixture_init(&fx) == 0);
	s.host_has_cpu_comount = access("/sys/fs/cgroup/cpu,cpuacct", F_OK) == 0;
	/* without and with a cgroup namespace */
	CHECK(run_in_mntns((int (*)(void *))child_sys_cgroup, &s) == 0);
	spec.linux_cfg = &lnx;
	CHECK(run_in_mntns((int (*)(void *))child_sys_cgroup, &s) == 0);
	fixture_cleanup(&fx);
}

static int child_userns(void *arg)
{
	struct scenario *s = arg;
	int failures = 0;

	if (run_all_steps(s) < 0)
		return 1;
	CHILD_CHECK(access("/marker", F_OK) == 0);
	CHILD_CHECK(fs_is("/dev", TMPFS_MAGIC));
	CHILD_CHECK(is_chr("/dev/null", 1, 3));
	CHILD_CHECK(is_chr("/dev/urandom", 1, 9));
	CHILD_CHECK(read_len("/dev/zero") > 0);
	CHILD_CHECK(fs_is("/dev/pts", DEVPTS_SUPER_MAGIC));
	/* no netns of our own: the host's /sys, bound read-only */
	CHILD_CHECK(fs_is("/sys", SYSFS_MAGIC));
	CHILD_CHECK(mount_has_flag("/sys", ST_RDONLY));
	CHILD_CHECK(read_len("/data/data.txt") == 5);
	CHILD_CHECK(read_len("/data/file") == 0);
	return failures;
}

TEST(user_namespace)
{
	struct fixture fx;
	char *ro[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	char *masked[] = { "/data/file", NULL };
	struct calyx_linux lnx = { .masked_paths = masked };
	struct calyx_mount mounts[] = {
		{ .destination = "/sys", .type = "sysfs", .source = "sysfs",
		  .options = ro },
		{ .destination = "/data", .type = "none", .source = "src",
		  .options = opts_ro },
	};
	struct calyx_spec spec = { .mounts = mounts, .n_mounts = 2,
				   .linux_cfg = &lnx };
	struct scenario s = { .fx = &fx, .spec = &spec, .in_userns = true };

	CHECK(fixture_init(&fx) == 0);
	CHECK(run_in_userns((int (*)(void *))child_userns, &s) == 0);
	fixture_cleanup(&fx);
}

/* The optional fields of "/" in mountinfo ("shared:N master:M"). */
static bool root_propagation(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char mnt[256], rest[512];

		/* id parent dev root mountpoint opts optional... - */
		if (sscanf(line, "%*s %*s %*s %*s %255s %*s %511[^\n]", mnt,
			   rest) == 2 && strcmp(mnt, "/") == 0) {
			char *dash = strstr(rest, " - ");

			if (dash)
				*dash = '\0';
			snprintf(out, size, "%s", rest);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static int child_copyup_propagation(void *arg)
{
	struct scenario *s = arg;
	char prop[512] = "";
	char link[64];
	ssize_t n;
	struct stat st;
	int failures = 0;

	if (run_all_steps(s) < 0)
		return 1;
	CHILD_CHECK(fs_is("/seed", TMPFS_MAGIC));
	CHILD_CHECK(read_len("/seed/a") == 6);
	CHILD_CHECK(read_len("/seed/sub/b") == 2);
	CHILD_CHECK(stat("/seed", &st) == 0 && (st.st_mode & 07777) == 0710);
	n = readlink("/seed/l", link, sizeof(link) - 1);
	CHILD_CHECK(n == 11 && memcmp(link, "/etc/passwd", 11) == 0);
	CHILD_CHECK(root_propagation(prop, sizeof(prop)));
	if (strcmp(s->spec->linux_cfg->rootfs_propagation, "private") == 0)
		CHILD_CHECK(!strstr(prop, "shared:") && !strstr(prop, "master:"));
	else
		CHILD_CHECK(strstr(prop, "shared:") != NULL);
	return failures;
}

TEST(tmpcopyup_and_rootfs_propagation)
{
	const char *props[] = { "private", "shared" };

	for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
		struct fixture fx;
		char *copyup[] = { "tmpcopyup", "mode=755", NULL };
		struct calyx_linux lnx = { .rootfs_propagation =
						   (char *)props[i] };
		struct calyx_mount mounts[] = {
			{ .destination = "/proc", .type = "proc",
			  .source = "proc" },
			{ .destination = "/seed", .type = "tmpfs",
			  .source = "tmpfs", .options = copyup },
		};
		struct calyx_spec spec = { .mounts = mounts, .n_mounts = 2,
					   .linux_cfg = &lnx };
		struct scenario s = { .fx = &fx, .spec = &spec };
		char p[192];

		CHECK(fixture_init(&fx) == 0);
		snprintf(p, sizeof(p), "%s/seed", fx.rootfs);
		mkdir(p, 0710);
		chmod(p, 0710);
		snprintf(p, sizeof(p), "%s/seed/a", fx.rootfs);
		write_file(p, "hello\n");
		snprintf(p, sizeof(p), "%s/seed/sub", fx.rootfs);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/seed/sub/b", fx.rootfs);
		write_file(p, "b\n");
		snprintf(p, sizeof(p), "%s/seed/l", fx.rootfs);
		CHECK(symlink("/etc/passwd", p) == 0);
		CHECK(run_in_mntns((int (*)(void *))child_copyup_propagation,
				   &s) == 0);
		fixture_cleanup(&fx);
	}
}

int main(void)
{
	RUN(path_clean);
	RUN(options_parse);
	RUN(plan_defaults);
	RUN(plan_errors_name_the_field);
	RUN(plan_defers_readonly_under_nested_mounts);
	RUN(plan_refuses_the_root_as_destination);
	RUN(no_mount_ns_refuses_what_would_mount);
	RUN(check_config_finds_mount_errors_before_anything_is_made);
	/* the rest mount in a private mount namespace: root only */
	const char *no_root = geteuid() != 0 ? "needs root (mounts)" : NULL;

	RUN_UNLESS(no_root, prepare_pivot_basic);
	RUN_UNLESS(no_root, no_pivot);
	RUN_UNLESS(no_root, masked_readonly_root_readonly);
	RUN_UNLESS(no_root, masked_refuses_fake_dev_null);
	RUN_UNLESS(no_root, stdio_reopen_refuses_fake_dev_null);
	RUN_UNLESS(no_root, symlink_destinations_stay_inside);
	RUN_UNLESS(no_root, dev_symlink_to_host_is_refused);
	RUN_UNLESS(no_root, mount_errors_name_the_mount);
	RUN_UNLESS(no_root, sysfs_and_cgroup);
	RUN_UNLESS(no_root, user_namespace);
	RUN_UNLESS(no_root, tmpcopyup_and_rootfs_propagation);
	return unit_summary("unit/rootfs");
}
