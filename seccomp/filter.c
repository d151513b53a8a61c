/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.seccomp -> a BPF program.  libseccomp builds the filter in the
 * runtime; we export the raw BPF and keep only a `struct sock_fprog` and
 * the seccomp(2) flags, so the container process loads it with a single
 * syscall and no library code right before exec.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp/internal.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"

struct calyx_seccomp_program {
	struct sock_fprog fprog;
	unsigned long flags;	/* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool uses_notify;
};

static void seccomp_ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

#define _cleanup_scmp_ctx_ _cleanup_(seccomp_ctx_releasep)

static uint32_t rule_action(const char *name, bool has_errno, uint32_t errno_ret)
{
	return calyx_scmp_action_value(calyx_scmp_action_kind(name),
				       has_errno ? errno_ret : EPERM);
}

static int add_archs(scmp_filter_ctx ctx, const struct calyx_seccomp *cfg,
		     const struct calyx_log *log, calyx_error **err)
{
	for (size_t i = 0; cfg->architectures && cfg->architectures[i]; i++) {
		const char *name = cfg->architectures[i];
		uint32_t arch;
		int r;

		arch = calyx_scmp_arch_token(name);
		if (arch == 0) {
			/* A valid spec name this libseccomp predates. */
			calyx_debug(log, "seccomp: architecture %s unknown to "
				    "libseccomp %u.%u.%u, skipped", name,
				    SCMP_VER_MAJOR, SCMP_VER_MINOR,
				    SCMP_VER_MICRO);
			continue;
		}
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST)
			return calyx_error_set(err, -r,
					       "linux.seccomp.architectures[%zu]: "
					       "adding %s", i, name);
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct calyx_syscall_rule *rule,
		    size_t i, uint32_t action, int nr, const char *name,
		    calyx_error **err)
{
	struct scmp_arg_cmp cmps[6];
	unsigned int per_index[6] = { 0 };
	bool repeated = false;
	int r;

	for (size_t a = 0; a < rule->n_args && a < ARRAY_SIZE(cmps); a++) {
		const struct calyx_syscall_arg *arg = &rule->args[a];

		cmps[a] = (struct scmp_arg_cmp){
			.arg = arg->index,
			.op = (enum scmp_compare)calyx_scmp_operator(arg->op),
			.datum_a = arg->value,
			.datum_b = arg->value_two,
		};
		if (arg->index < ARRAY_SIZE(per_index) &&
		    ++per_index[arg->index] > 1)
			repeated = true;
	}

	if (!repeated) {
		r = seccomp_rule_add_array(ctx, action, nr,
					   (unsigned int)rule->n_args,
					   rule->n_args ? cmps : NULL);
		if (r < 0)
			goto fail;
		return 0;
	}
	/* Several conditions on one argument cannot be ANDed by libseccomp:
	 * as Docker profiles expect (and runc does), each becomes its own
	 * rule, i.e. they are ORed. */
	for (size_t a = 0; a < rule->n_args; a++) {
		r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[a]);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	return calyx_error_set(err, -r, "linux.seccomp.syscalls[%zu]: adding "
			       "a rule for %s", i, name);
}

static int add_rules(scmp_filter_ctx ctx, const struct calyx_seccomp *cfg,
		     uint32_t default_action, const struct calyx_log *log,
		     bool *uses_notify, calyx_error **err)
{
	for (size_t i = 0; i < cfg->n_syscalls; i++) {
		const struct calyx_syscall_rule *rule = &cfg->syscalls[i];
		uint32_t action = rule_action(rule->action, rule->has_errno_ret,
					      rule->errno_ret);

		/* libseccomp refuses rules that repeat the default. */
		if (action == default_action)
			continue;
		for (size_t n = 0; rule->names && rule->names[n]; n++) {
			const char *name = rule->names[n];
			int nr = seccomp_syscall_resolve_name(name);
			int r;

			if (nr == __NR_SCMP_ERROR) {
				calyx_debug(log, "seccomp: syscall %s unknown "
					    "to libseccomp, skipped", name);
				continue;
			}
			r = add_rule(ctx, rule, i, action, nr, name, err);
			if (r < 0)
				return r;
			if (action == SCMP_ACT_NOTIFY)
				*uses_notify = true;
		}
	}
	return 0;
}

static int filter_flags(const struct calyx_seccomp *cfg, bool uses_notify,
			const struct calyx_log *log, unsigned long *out)
{
	unsigned long flags = 0;

	for (size_t i = 0; cfg->flags && cfg->flags[i]; i++)
		flags |= calyx_scmp_filter_flag(cfg->flags[i]);
	/* The container process is single threaded when it loads the
	 * filter, and TSYNC cannot be combined with NEW_LISTENER. */
	if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
		calyx_debug(log, "seccomp: SECCOMP_FILTER_FLAG_TSYNC not needed "
			    "for a single-threaded process, ignored");
		flags &= ~(unsigned long)SECCOMP_FILTER_FLAG_TSYNC;
	}
	/* The kernel refuses WAIT_KILLABLE_RECV without a listener. */
	if ((flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !uses_notify) {
		calyx_debug(log, "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV "
			    "ignored: no SCMP_ACT_NOTIFY rule");
		flags &= ~(unsigned long)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	if (uses_notify)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	*out = flags;
	return 0;
}

/* seccomp_export_bpf() writes to an fd; read the program back. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *fprog,
		      calyx_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct stat st;
	ssize_t n;
	int r;

	fd = memfd_create("calyx-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return calyx_error_set(err, errno, "memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return calyx_error_set(err, -r, "exporting the seccomp filter");
	if (fstat(fd, &st) < 0)
		return calyx_error_set(err, errno, "fstat seccomp memfd");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return calyx_error_setx(err, E2BIG, "seccomp filter has an "
					"invalid size (%lld bytes)",
					(long long)st.st_size);
	insns = malloc((size_t)st.st_size);
	if (!insns)
		return calyx_error_set(err, ENOMEM, "seccomp filter");
	n = pread(fd, insns, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return calyx_error_set(err, n < 0 ? errno : EIO,
				       "reading the seccomp filter back");
	fprog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	fprog->filter = TAKE_PTR(insns);
	return 0;
}

/* The highest number, on the native architecture, of a syscall the
 * profile names (any action), or -1.  As runc: only for an architecture
 * the profile lists. */
static long newest_named_syscall(const struct calyx_seccomp *cfg)
{
	uint32_t arch = seccomp_arch_native();
	bool listed = false;
	long newest = -1;

	for (size_t i = 0; cfg->architectures && cfg->architectures[i]; i++)
		if (calyx_scmp_arch_token(cfg->architectures[i]) == arch)
			listed = true;
	if (!listed)
		return -1;
	for (size_t i = 0; i < cfg->n_syscalls; i++) {
		for (char **n = cfg->syscalls[i].names; n && *n; n++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, *n);

			if (nr >= 0 && nr > newest)
				newest = nr;
		}
	}
	return newest;
}

/*
 * runc's rule for a profile that denies by default: a syscall newer than
 * every syscall the profile names fails with ENOSYS, not the default
 * errno, so that libc falls back to the old call (glibc 2.34+ tries
 * clone3, close_range, faccessat2 first).  A few instructions in front of
 * libseccomp's program, for the native architecture when the profile lists
 * it; x32's numbers (bit 30) are left to the program.
 */
static int prepend_enosys_stub(const struct calyx_seccomp *cfg, struct sock_fprog *fprog,
			       calyx_error **err)
{
	int kind = calyx_scmp_action_kind(cfg->default_action);
	long newest = newest_named_syscall(cfg);
	struct sock_filter stub[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)newest, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	size_t n = fprog->len + ARRAY_SIZE(stub);
	struct sock_filter *insns;

	if (kind == CALYX_SCMP_ALLOW || kind == CALYX_SCMP_LOG || newest < 0)
		return 0;
	if (n > BPF_MAXINSNS)
		return calyx_error_setx(err, E2BIG, "seccomp filter: %zu instructions", n);
	insns = malloc(n * sizeof(*insns));
	if (!insns)
		return calyx_error_set(err, ENOMEM, "seccomp filter");
	memcpy(insns, stub, sizeof(stub));
	memcpy(insns + ARRAY_SIZE(stub), fprog->filter, fprog->len * sizeof(*insns));
	free(fprog->filter);
	fprog->filter = insns;
	fprog->len = (unsigned short)n;
	return 0;
}

int calyx_seccomp_compile(const struct calyx_seccomp *cfg,
			  const struct calyx_log *log,
			  struct calyx_seccomp_program **out, calyx_error **err)
{
	_cleanup_scmp_ctx_ scmp_filter_ctx ctx = NULL;
	struct calyx_seccomp_program *prog;
	uint32_t default_action;
	bool uses_notify = false;
	unsigned long flags;
	int r;

	*out = NULL;
	r = calyx_seccomp_validate(cfg, err);
	if (r < 0)
		return r;
	default_action = rule_action(cfg->default_action,
				     cfg->has_default_errno_ret,
				     cfg->default_errno_ret);
	ctx = seccomp_init(default_action);
	if (!ctx)
		return calyx_error_setx(err, EINVAL, "linux.seccomp: libseccomp "
					"refused defaultAction %s",
					cfg->default_action);
	/* a binary tree of syscall numbers, not a list to walk: every
	 * syscall's check, and the kernel's load-time cache pass over all of
	 * them, take log(n) instead of n comparisons */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		calyx_debug(log, "seccomp: libseccomp has no binary-tree filters");
	r = add_archs(ctx, cfg, log, err);
	if (r < 0)
		return r;
	r = add_rules(ctx, cfg, default_action, log, &uses_notify, err);
	if (r < 0)
		return r;
	if (calyx_scmp_action_kind(cfg->default_action) == CALYX_SCMP_NOTIFY)
		uses_notify = true;
	filter_flags(cfg, uses_notify, log, &flags);

	prog = calloc(1, sizeof(*prog));
	if (!prog)
		return calyx_error_set(err, ENOMEM, "seccomp program");
	r = export_bpf(ctx, &prog->fprog, err);
	if (r >= 0)
		r = prepend_enosys_stub(cfg, &prog->fprog, err);
	if (r < 0) {
		free(prog->fprog.filter);
		free(prog);
		return r;
	}
	prog->flags = flags;
	prog->uses_notify = uses_notify;
	calyx_debug(log, "seccomp: %u BPF instructions, flags 0x%lx",
		    prog->fprog.len, flags);
	*out = prog;
	return 0;
}

/*
 * Needs no_new_privs set, or CAP_SYS_ADMIN in the process's user namespace:
 * the caller sets PR_SET_NO_NEW_PRIVS first when process.noNewPrivileges is
 * true, and otherwise loads the filter while it still has CAP_SYS_ADMIN, or
 * the kernel answers EACCES.
 */
int calyx_seccomp_load(const struct calyx_seccomp_program *prog,
		       int *notify_fd, calyx_error **err)
{
	long r;

	if (notify_fd)
		*notify_fd = -1;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags,
		    &prog->fprog);
	if (r < 0)
		return calyx_error_set(err, errno, "seccomp(SECCOMP_SET_MODE_FILTER)");
	if (prog->uses_notify && notify_fd)
		*notify_fd = (int)r;
	return 0;
}

bool calyx_seccomp_program_uses_notify(const struct calyx_seccomp_program *prog)
{
	return prog && prog->uses_notify;
}

int calyx_seccomp_program_from_bpf(const struct sock_filter *insns, size_t n,
				   unsigned long flags,
				   struct calyx_seccomp_program **out,
				   calyx_error **err)
{
	struct calyx_seccomp_program *prog;

	if (n == 0 || n > BPF_MAXINSNS)
		return calyx_error_setx(err, EINVAL, "seccomp: a BPF program of %zu instructions", n);
	prog = calloc(1, sizeof(*prog));
	if (!prog)
		return calyx_error_set(err, ENOMEM, "seccomp");
	prog->fprog.filter = malloc(n * sizeof(*insns));
	if (!prog->fprog.filter) {
		free(prog);
		return calyx_error_set(err, ENOMEM, "seccomp");
	}
	memcpy(prog->fprog.filter, insns, n * sizeof(*insns));
	prog->fprog.len = (unsigned short)n;
	prog->flags = flags;
	*out = prog;
	return 0;
}

void calyx_seccomp_program_bpf(const struct calyx_seccomp_program *prog,
			       const struct sock_filter **insns, size_t *n,
			       unsigned long *flags)
{
	*insns = prog->fprog.filter;
	*n = prog->fprog.len;
	*flags = prog->flags;
}

void calyx_seccomp_program_free(struct calyx_seccomp_program *prog)
{
	if (!prog)
		return;
	free(prog->fprog.filter);
	free(prog);
}
