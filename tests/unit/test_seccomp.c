/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp/seccomp.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static char *names_a[] = { "getcwd", NULL };

/* A one-rule profile: defaultAction ALLOW, one rule named by the caller. */
struct one_rule {
	struct calyx_seccomp cfg;
	struct calyx_syscall_rule rule;
	struct calyx_syscall_arg args[8];
};

static void one_rule_init(struct one_rule *p, const char *action)
{
	memset(p, 0, sizeof(*p));
	p->cfg.default_action = "SCMP_ACT_ALLOW";
	p->cfg.syscalls = &p->rule;
	p->cfg.n_syscalls = 1;
	p->rule.names = names_a;
	p->rule.action = (char *)action;
	p->rule.args = p->args;
}

static const char *validate_msg(const struct calyx_seccomp *cfg,
				calyx_error **err)
{
	calyx_error_free(err);
	if (calyx_seccomp_validate(cfg, err) == 0)
		return "(valid)";
	return (*err)->msg;
}

TEST(validate_reports_json_paths)
{
	_cleanup_error_ calyx_error *err = NULL;
	struct one_rule p;
	char *flags[] = { "SECCOMP_FILTER_FLAG_BOGUS", NULL };
	char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_Z80", NULL };
	char *empty_name[] = { "read", "", NULL };
	char *no_names[] = { NULL };

	one_rule_init(&p, "SCMP_ACT_ERRNO");
	CHECK_STR(validate_msg(&p.cfg, &err), "(valid)");

	p.rule.n_args = 1;
	p.args[0] = (struct calyx_syscall_arg){ .index = 0, .op = "SCMP_CMP_FOO" };
	CHECK_STR(validate_msg(&p.cfg, &err),
		  "linux.seccomp.syscalls[0].args[0].op: unknown operator "
		  "\"SCMP_CMP_FOO\"");
	p.args[0] = (struct calyx_syscall_arg){ .index = 6, .op = "SCMP_CMP_EQ" };
	CHECK_CONTAINS(validate_msg(&p.cfg, &err),
		       "linux.seccomp.syscalls[0].args[0].index: 6 is out of range");
	p.args[0].index = 5;
	CHECK_STR(validate_msg(&p.cfg, &err), "(valid)");
	p.rule.n_args = 7;
	for (int i = 0; i < 7; i++)
		p.args[i] = (struct calyx_syscall_arg){ .index = 0, .op = "SCMP_CMP_EQ" };
	CHECK_CONTAINS(validate_msg(&p.cfg, &err),
		       "linux.seccomp.syscalls[0].args: 7 entries");
	p.rule.n_args = 0;

	p.rule.action = "SCMP_ACT_NOPE";
	CHECK_STR(validate_msg(&p.cfg, &err),
		  "linux.seccomp.syscalls[0].action: unknown action "
		  "\"SCMP_ACT_NOPE\"");
	p.rule.action = "SCMP_ACT_ALLOW";
	p.rule.has_errno_ret = true;
	CHECK_CONTAINS(validate_msg(&p.cfg, &err),
		       "linux.seccomp.syscalls[0].action: errnoRet is set");
	p.rule.action = "SCMP_ACT_TRACE";
	CHECK_STR(validate_msg(&p.cfg, &err), "(valid)");
	p.rule.has_errno_ret = false;

	p.rule.names = empty_name;
	CHECK_STR(validate_msg(&p.cfg, &err),
		  "linux.seccomp.syscalls[0].names[1]: empty name");
	p.rule.names = no_names;
	CHECK_CONTAINS(validate_msg(&p.cfg, &err),
		       "linux.seccomp.syscalls[0].names: must name");
	p.rule.names = names_a;

	p.cfg.has_default_errno_ret = true;
	CHECK_CONTAINS(validate_msg(&p.cfg, &err), "linux.seccomp.defaultErrnoRet");
	p.cfg.has_default_errno_ret = false;
	p.cfg.default_action = "SCMP_ACT_FOO";
	CHECK_STR(validate_msg(&p.cfg, &err),
		  "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"");
	p.cfg.default_action = "SCMP_ACT_ALLOW";

	p.cfg.architectures = archs;
	CHECK_STR(validate_msg(&p.cfg, &err),
		  "linux.seccomp.architectures[1]: unknown architecture "
		  "\"SCMP_ARCH_Z80\"");
	p.cfg.architectures = NULL;
	p.cfg.flags = flags;
	CHECK_STR(validate_msg(&p.cfg, &err),
		  "linux.seccomp.flags[0]: unknown flag "
		  "\"SECCOMP_FILTER_FLAG_BOGUS\"");
}

/* Runs fn in a child under the filter; returns fn's exit status (0 = ok). */
static int run_filtered(const struct calyx_seccomp_program *prog,
			int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		calyx_error *err = NULL;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (calyx_seccomp_load(prog, NULL, &err) < 0) {
			fprintf(stderr, "load: %s\n", err->msg);
			_exit(101);
		}
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status)) {
		fprintf(stderr, "child killed by signal %d\n", WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}

static int expect_errno(long r, int e)
{
	return r == -1 && errno == e;
}

#define CHILD_CHECK(bit, cond) \
	do { if (!(cond)) failed |= 1 << (bit); } while (0)

#if defined(__x86_64__)
/* getpid through the i386 entry: only allowed when SCMP_ARCH_X86 is in. */
static long int80_getpid(void)
{
	long r = 20; /* __NR_getpid on i386 */

	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r;
}

static int int80_works(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(int80_getpid() == getpid() ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

static int custom_filter_child(void *ia32)
{
	int failed = 0;

#if defined(__x86_64__)
	if (*(int *)ia32)
		CHILD_CHECK(0, int80_getpid() == getpid());
#endif

	/* plain rule with errnoRet */
	CHILD_CHECK(1, expect_errno(syscall(SYS_getcwd, NULL, 0), EXDEV));
	/* allowed syscalls work */
	CHILD_CHECK(2, syscall(SYS_getpid) == getpid() && getppid() > 0);
	/* MASKED_EQ: (arg2 & 0xf0) == 0x30 */
	CHILD_CHECK(3, expect_errno(lseek(-1, 0, 0x35), ENOTNAM));
	CHILD_CHECK(4, expect_errno(lseek(-1, 0, 0x45), EBADF));
	/* two conditions on one argument are ORed */
	CHILD_CHECK(5, expect_errno(syscall(SYS_dup3, -1, 100, 0), EL2HLT));
	CHILD_CHECK(6, expect_errno(syscall(SYS_dup3, -1, 200, 0), EL2HLT));
	CHILD_CHECK(7, expect_errno(syscall(SYS_dup3, -1, 300, 0), EBADF));
	/* conditions on different arguments are ANDed */
	CHILD_CHECK(8, expect_errno(syscall(SYS_tgkill, 0x7ffffff1, 7, 0), ESRCH));
	CHILD_CHECK(9, expect_errno(syscall(SYS_tgkill, 0x7ffffff0, 7, 0), ESTALE));
	CHILD_CHECK(10, expect_errno(syscall(SYS_tgkill, 0x7ffffff0, 8, 0), ESRCH));
	return failed;
}

TEST(compile_and_load_custom_filter)
{
	_cleanup_error_ calyx_error *err = NULL;
	struct calyx_seccomp_program *prog = NULL;
	char *getcwd_names[] = { "getcwd", "calyx_no_such_syscall", NULL };
	char *lseek_names[] = { "lseek", NULL };
	char *dup3_names[] = { "dup3", NULL };
	char *tgkill_names[] = { "tgkill", NULL };
	char *allow_names[] = { "getppid", NULL };
	char *flags[] = { "SECCOMP_FILTER_FLAG_LOG",
			  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
			  "SECCOMP_FILTER_FLAG_TSYNC", NULL };
	char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
			  "SCMP_ARCH_LOONGARCH64", NULL };
	struct calyx_syscall_arg lseek_args[] = {
		{ .index = 2, .value = 0xf0, .value_two = 0x30,
		  .op = "SCMP_CMP_MASKED_EQ" },
	};
	struct calyx_syscall_arg dup3_args[] = {
		{ .index = 1, .value = 100, .op = "SCMP_CMP_EQ" },
		{ .index = 1, .value = 200, .op = "SCMP_CMP_EQ" },
	};
	struct calyx_syscall_arg tgkill_args[] = {
		{ .index = 0, .value = 0x7ffffff0, .op = "SCMP_CMP_EQ" },
		{ .index = 1, .value = 8, .op = "SCMP_CMP_LT" },
	};
	struct calyx_syscall_rule rules[] = {
		{ .names = getcwd_names, .action = "SCMP_ACT_ERRNO",
		  .has_errno_ret = true, .errno_ret = EXDEV },
		{ .names = lseek_names, .action = "SCMP_ACT_ERRNO",
		  .has_errno_ret = true, .errno_ret = ENOTNAM,
		  .args = lseek_args, .n_args = 1 },
		{ .names = dup3_names, .action = "SCMP_ACT_ERRNO",
		  .has_errno_ret = true, .errno_ret = EL2HLT,
		  .args = dup3_args, .n_args = 2 },
		{ .names = tgkill_names, .action = "SCMP_ACT_ERRNO",
		  .has_errno_ret = true, .errno_ret = ESTALE,
		  .args = tgkill_args, .n_args = 2 },
		/* same as the default action: skipped, not an error */
		{ .names = allow_names, .action = "SCMP_ACT_ALLOW" },
	};
	struct calyx_seccomp cfg = {
		.default_action = "SCMP_ACT_ALLOW",
		.architectures = archs,
		.flags = flags,
		.syscalls = rules,
		.n_syscalls = ARRAY_SIZE(rules),
	};
	int r = calyx_seccomp_compile(&cfg, NULL, &prog, &err);
	int ia32 = 0;

	CHECK(r == 0);
	if (r < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return;
	}
	CHECK(!calyx_seccomp_program_uses_notify(prog));
#if defined(__x86_64__)
	ia32 = int80_works();
#endif
	r = run_filtered(prog, custom_filter_child, &ia32);
	if (r)
		fprintf(stderr, "custom filter child: 0x%x\n", r);
	CHECK(r == 0);
	calyx_seccomp_program_free(prog);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static int default_profile_child(void *unused)
{
	int failed = 0, fds[2], status;
	pthread_t t;
	void *ret = NULL;
	pid_t pid;

	CHILD_CHECK(0, expect_errno(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0), EPERM));
	CHILD_CHECK(1, expect_errno(syscall(SYS_kexec_load, 0, 0, NULL, 0xffffffffUL), EPERM));
	CHILD_CHECK(2, expect_errno(syscall(SYS_open_by_handle_at, -1, NULL, 0), EPERM));
	CHILD_CHECK(3, expect_errno(syscall(SYS_bpf, -1, NULL, 0), EPERM));
	CHILD_CHECK(4, expect_errno(unshare(CLONE_NEWUSER), EPERM));
	CHILD_CHECK(5, expect_errno(syscall(SYS_clone3, NULL, 0), ENOSYS));
	CHILD_CHECK(6, expect_errno(socket(AF_VSOCK, SOCK_STREAM, 0), EPERM));
	CHILD_CHECK(7, expect_errno(personality(PER_BSD), EPERM));
	CHILD_CHECK(8, personality(0xffffffff) >= 0);
	CHILD_CHECK(9, syscall(SYS_getpid) == getpid());
	CHILD_CHECK(10, pipe2(fds, O_CLOEXEC) == 0 && write(fds[1], "x", 1) == 1);
	/* fork() is clone(SIGCHLD) */
	pid = fork();
	if (pid == 0)
		_exit(7);
	CHILD_CHECK(11, pid > 0 && waitpid(pid, &status, 0) == pid &&
			WIFEXITED(status) && WEXITSTATUS(status) == 7);
	/* threads: clone3 -> ENOSYS -> glibc falls back to clone */
	CHILD_CHECK(12, pthread_create(&t, NULL, thread_fn, &failed) == 0 &&
			pthread_join(t, &ret) == 0 && ret == &failed);
	CHILD_CHECK(13, expect_errno(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD,
					     NULL, NULL, NULL, 0), EPERM));
	CHILD_CHECK(14, expect_errno(syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, NULL), EPERM));
	CHILD_CHECK(15, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) >= 0);
	/* newer than every syscall the profile names: ENOSYS, as runc */
	CHILD_CHECK(16, expect_errno(syscall(1000), ENOSYS));
	return failed;
}

TEST(default_profile)
{
	_cleanup_error_ calyx_error *err = NULL;
	struct calyx_seccomp *cfg = NULL;
	struct calyx_seccomp_program *prog = NULL;
	int r;

	CHECK(calyx_seccomp_default_profile(&cfg, &err) == 0);
	if (!cfg)
		return;
	CHECK_STR(cfg->default_action, "SCMP_ACT_ERRNO");
	CHECK(cfg->has_default_errno_ret && cfg->default_errno_ret == EPERM);
	CHECK(cfg->architectures && cfg->architectures[0]);
	CHECK(calyx_seccomp_validate(cfg, &err) == 0);
	r = calyx_seccomp_compile(cfg, NULL, &prog, &err);
	CHECK(r == 0);
	if (r == 0) {
		r = run_filtered(prog, default_profile_child, NULL);
		if (r)
			fprintf(stderr, "default profile child: 0x%x\n", r);
		CHECK(r == 0);
	} else {
		fprintf(stderr, "%s\n", err->msg);
	}
	calyx_seccomp_program_free(prog);
	calyx_seccomp_free(cfg);
}

TEST(supported_lists)
{
	const char *const *archs = calyx_seccomp_supported_archs();
	int n = 0;

	for (; *archs; archs++, n++) {
		char lower[32];
		size_t k;

		for (k = 0; (*archs)[10 + k]; k++)
			lower[k] = (char)tolower((*archs)[10 + k]);
		lower[k] = '\0';
		if (seccomp_arch_resolve_name(lower) == 0) {
			fprintf(stderr, "libseccomp does not know %s\n", *archs);
			CHECK(0);
		}
	}
	CHECK(n >= 19);
	CHECK_STR(calyx_seccomp_supported_actions()[8], "SCMP_ACT_NOTIFY");
	CHECK(calyx_seccomp_supported_operators()[6] != NULL);
	CHECK(calyx_seccomp_supported_flags()[0] != NULL);
}

struct notify_child_arg {
	const struct calyx_seccomp_program *prog;
	const char *path;
};

static int notify_child(void *arg)
{
	struct notify_child_arg *a = arg;
	calyx_error *err = NULL;
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	if (calyx_seccomp_load(a->prog, &fd, &err) < 0 || fd < 0)
		return 2;
	if (calyx_seccomp_send_listener(a->path, "{\"id\":\"c1\"}", fd, &err) < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return 3;
	}
	return 0;
}

TEST(notify_listener)
{
	_cleanup_error_ calyx_error *err = NULL;
	struct calyx_seccomp_program *prog = NULL;
	char dir[] = "/tmp/calyx-seccomp-XXXXXX", path[128], file[128];
	char *names[] = { "mknodat", NULL };
	struct calyx_syscall_rule rule = { .names = names,
					   .action = "SCMP_ACT_NOTIFY" };
	char *flags[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
	struct calyx_seccomp cfg = { .default_action = "SCMP_ACT_ALLOW",
				     .flags = flags,
				     .syscalls = &rule, .n_syscalls = 1 };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct notify_child_arg arg;
	_cleanup_close_ int lsock = -1, conn = -1, received = -1;
	char buf[512] = { 0 }, link[64] = { 0 }, proc[64];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.b,
			      .msg_controllen = sizeof(control.b) };
	struct cmsghdr *cmsg;
	int status;
	pid_t pid;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/sock", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	CHECK(calyx_seccomp_send_listener(file, "{}", 0, &err) == -ENOTSOCK);
	CHECK_CONTAINS(err ? err->msg : NULL, "not a socket");

	CHECK(calyx_seccomp_compile(&cfg, NULL, &prog, &err) == 0);
	CHECK(calyx_seccomp_program_uses_notify(prog));
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(addr.sun_path, path);
	CHECK(bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(listen(lsock, 1) == 0);
	arg = (struct notify_child_arg){ prog, path };
	pid = fork();
	if (pid == 0)
		_exit(notify_child(&arg));
	conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	CHECK(conn >= 0);
	CHECK(recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0);
	cmsg = CMSG_FIRSTHDR(&msg);
	CHECK(cmsg && cmsg->cmsg_type == SCM_RIGHTS);
	if (cmsg)
		memcpy(&received, CMSG_DATA(cmsg), sizeof(int));
	CHECK_CONTAINS(buf, "{\"id\":\"c1\"}");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", received);
	CHECK(readlink(proc, link, sizeof(link) - 1) > 0);
	CHECK_CONTAINS(link, "seccomp");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	calyx_seccomp_program_free(prog);
	unlink(path);
	unlink(file);
	rmdir(dir);
}

/* The build-time BPF of the default profile is exactly what compiling the
 * profile now gives, and calyx_seccomp_prepare() picks it for the built-in
 * profile only. */
TEST(default_program_matches_compiled_profile)
{
	_cleanup_error_ calyx_error *err = NULL;
	struct calyx_seccomp *cfg = NULL;
	struct calyx_seccomp_program *built = NULL, *compiled = NULL, *prepared = NULL;
	const struct sock_filter *a, *b, *c;
	unsigned long fa, fb, fc;
	size_t na, nb, nc;

	CHECK(calyx_seccomp_default_profile(&cfg, &err) == 0);
	CHECK(cfg && cfg->builtin_default);
	CHECK(calyx_seccomp_default_program(&built, &err) == 0);
	CHECK(calyx_seccomp_prepare(cfg, -1, NULL, &prepared, &err) == 0);
	cfg->builtin_default = false;
	CHECK(calyx_seccomp_compile(cfg, NULL, &compiled, &err) == 0);
	if (built && compiled && prepared) {
		calyx_seccomp_program_bpf(built, &a, &na, &fa);
		calyx_seccomp_program_bpf(compiled, &b, &nb, &fb);
		calyx_seccomp_program_bpf(prepared, &c, &nc, &fc);
		CHECK(na == nb && fa == fb && memcmp(a, b, na * sizeof(*a)) == 0);
		CHECK(nc == na && memcmp(a, c, na * sizeof(*a)) == 0);
	}
	calyx_seccomp_program_free(built);
	calyx_seccomp_program_free(compiled);
	calyx_seccomp_program_free(prepared);
	calyx_seccomp_free(cfg);
}

/* A profile compiled once is loaded from the cache after, only when its
 * canonical text matches exactly. */
TEST(prepare_caches_compiled_filters)
{
	_cleanup_error_ calyx_error *err = NULL;
	char dir[] = "/tmp/calyx-unit-seccomp-XXXXXX";
	struct calyx_seccomp *cfg = NULL;
	struct calyx_seccomp_program *first = NULL, *second = NULL, *third = NULL;
	const struct sock_filter *a, *b, *c;
	unsigned long fa, fb, fc;
	size_t na, nb, nc, entries = 0;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int dirfd;

	CHECK(mkdtemp(dir) != NULL);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dirfd >= 0);
	CHECK(calyx_seccomp_default_profile(&cfg, &err) == 0);
	cfg->builtin_default = false;	/* as a bundle carrying this profile */
	CHECK(calyx_seccomp_prepare(cfg, dirfd, NULL, &first, &err) == 0);
	CHECK(calyx_seccomp_prepare(cfg, dirfd, NULL, &second, &err) == 0);
	d = opendir(dir);
	if (d) {
		_cleanup_closedir_ DIR *sub = NULL;
		char path[128];

		snprintf(path, sizeof(path), "%s/seccomp", dir);
		sub = opendir(path);
		while (sub && (de = readdir(sub)))
			if (de->d_name[0] != '.')
				entries++;
	}
	CHECK(entries == 1);
	/* a different profile must not be served the cached program */
	cfg->default_errno_ret = 38;
	cfg->has_default_errno_ret = true;
	CHECK(calyx_seccomp_prepare(cfg, dirfd, NULL, &third, &err) == 0);
	if (first && second && third) {
		calyx_seccomp_program_bpf(first, &a, &na, &fa);
		calyx_seccomp_program_bpf(second, &b, &nb, &fb);
		calyx_seccomp_program_bpf(third, &c, &nc, &fc);
		CHECK(na == nb && fa == fb && memcmp(a, b, na * sizeof(*a)) == 0);
		CHECK(nc != na || memcmp(a, c, na * sizeof(*a)) != 0);
	}
	calyx_seccomp_program_free(first);
	calyx_seccomp_program_free(second);
	calyx_seccomp_program_free(third);
	calyx_seccomp_free(cfg);
	if (dirfd >= 0)
		close(dirfd);
	CHECK(calyx_remove_tree_at(AT_FDCWD, dir, &err) == 0);
}

TEST(surely_allows)
{
	char *exec_names[] = { "execve", "execveat", NULL };
	char *other[] = { "kcmp", NULL };
	struct calyx_syscall_arg arg = { .index = 0, .value = 1, .op = "SCMP_CMP_EQ" };
	struct calyx_syscall_rule rules[] = {
		{ .names = exec_names, .action = "SCMP_ACT_ALLOW" },
		{ .names = other, .action = "SCMP_ACT_ALLOW", .args = &arg, .n_args = 1 },
	};
	struct calyx_seccomp cfg = {
		.default_action = "SCMP_ACT_ERRNO",
		.syscalls = rules,
		.n_syscalls = ARRAY_SIZE(rules),
	};

	CHECK(calyx_seccomp_surely_allows(NULL, "execveat"));
	CHECK(calyx_seccomp_surely_allows(&cfg, "execveat"));
	CHECK(!calyx_seccomp_surely_allows(&cfg, "close_range"));
	/* allowed only for some arguments */
	CHECK(!calyx_seccomp_surely_allows(&cfg, "kcmp"));
	cfg.default_action = "SCMP_ACT_ALLOW";
	CHECK(calyx_seccomp_surely_allows(&cfg, "close_range"));
	rules[0].action = "SCMP_ACT_KILL";
	CHECK(!calyx_seccomp_surely_allows(&cfg, "execveat"));
}

int main(void)
{
	RUN(validate_reports_json_paths);
	RUN(compile_and_load_custom_filter);
	RUN(default_profile);
	RUN(surely_allows);
	RUN(supported_lists);
	RUN(notify_listener);
	RUN(default_program_matches_compiled_profile);
	RUN(prepare_caches_compiled_filters);
	return unit_summary("unit/seccomp");
}
