/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device rules on cgroup v2: a BPF_CGROUP_DEVICE program generated from the
 * rules.  v1 semantics are kept: default deny, and the last rule matching a
 * request decides, so the rules are emitted in reverse order, each one
 * "if it matches, return its verdict".  A type-"a" rule matches both types
 * but still only its numbers and access; with neither it matches anything,
 * which is also how v1's "a" resets everything before it.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })

/* registers: r2 type, r3 access, r4 major, r5 minor, r1 scratch copy */
static int append(struct bpf_insn **prog, size_t *n, size_t *cap,
		  struct bpf_insn insn)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct bpf_insn *np = realloc(*prog, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		*prog = np;
		*cap = ncap;
	}
	(*prog)[(*n)++] = insn;
	return 0;
}

static unsigned int access_bits(const char *access)
{
	unsigned int bits = 0;

	if (!access || !*access)
		access = "rwm";
	for (; *access; access++) {
		if (*access == 'r')
			bits |= BPF_DEVCG_ACC_READ;
		else if (*access == 'w')
			bits |= BPF_DEVCG_ACC_WRITE;
		else if (*access == 'm')
			bits |= BPF_DEVCG_ACC_MKNOD;
		else
			return ~0u;
	}
	return bits;
}

/* One rule: a run of "jump to the next rule unless it matches" tests, then
 * the verdict.  Jumps are patched once the block's length is known. */
static int emit_rule(struct bpf_insn **prog, size_t *n, size_t *cap,
		     const struct calyx_device_cgroup *d)
{
	unsigned int acc = access_bits(d->access);
	char type = d->type ? d->type : 'a';
	size_t jumps[4], n_jumps = 0;
	int r = 0;

	if (acc == ~0u || (type != 'a' && type != 'c' && type != 'b'))
		return -EINVAL;
	if (type != 'a') {
		jumps[n_jumps++] = *n;
		r |= append(prog, n, cap,
			    INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
				 type == 'c' ? BPF_DEVCG_DEV_CHAR :
					       BPF_DEVCG_DEV_BLOCK));
	}
	if (acc != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE |
		    BPF_DEVCG_ACC_MKNOD)) {
		/* requested access must be a subset of the rule's */
		r |= append(prog, n, cap,
			    INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1,
				 BPF_REG_3, 0, 0));
		r |= append(prog, n, cap,
			    INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0,
				 (int)~acc));
		jumps[n_jumps++] = *n;
		r |= append(prog, n, cap,
			    INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_1, 0, 0,
				 0));
	}
	/* a type-"a" rule with numbers matches them as both b and c */
	if (d->has_major && d->major >= 0) {
		jumps[n_jumps++] = *n;
		r |= append(prog, n, cap,
			    INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, 0,
				 (int)d->major));
	}
	if (d->has_minor && d->minor >= 0) {
		jumps[n_jumps++] = *n;
		r |= append(prog, n, cap,
			    INSN(BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, 0,
				 (int)d->minor));
	}
	r |= append(prog, n, cap,
		    INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0,
			 d->allow ? 1 : 0));
	r |= append(prog, n, cap, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	if (r)
		return -ENOMEM;
	for (size_t i = 0; i < n_jumps; i++)
		(*prog)[jumps[i]].off = (short)(*n - jumps[i] - 1);
	return n_jumps == 0;	/* matches everything: nothing after counts */
}

int cg_devices_bpf_build(const struct calyx_device_cgroup *d, size_t n,
			 struct bpf_insn **out, size_t *out_n,
			 calyx_error **err)
{
	_cleanup_free_ struct bpf_insn *prog = NULL;
	size_t len = 0, cap = 0, total = n + cg_n_default_device_rules;
	int r = 0;

	/* ctx: u32 access_type (type | access << 16), u32 major, u32 minor */
	r |= append(&prog, &len, &cap,
		    INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0));
	r |= append(&prog, &len, &cap,
		    INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
	r |= append(&prog, &len, &cap,
		    INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0));
	r |= append(&prog, &len, &cap,
		    INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
	r |= append(&prog, &len, &cap,
		    INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0));
	r |= append(&prog, &len, &cap,
		    INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0));
	if (r)
		return calyx_error_set(err, ENOMEM, "device filter");
	for (size_t i = total; i-- > 0;) {
		const struct calyx_device_cgroup *rd =
			i < n ? &d[i] : &cg_default_device_rules[i - n];

		r = emit_rule(&prog, &len, &cap, rd);
		if (r == 1)	/* the verifier rejects unreachable code */
			break;
		if (r == -EINVAL)
			return calyx_error_setx(err, EINVAL,
						"linux.resources.devices[%zu]: invalid type or access",
						i);
		if (r < 0)
			return calyx_error_set(err, ENOMEM, "device filter");
	}
	if (r != 1) {	/* default deny */
		r = append(&prog, &len, &cap,
			   INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0,
				0));
		r |= append(&prog, &len, &cap,
			    INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		if (r)
			return calyx_error_set(err, ENOMEM, "device filter");
	}
	*out = TAKE_PTR(prog);
	*out_n = len;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The programs attached now, so an update can detach them afterwards. */
static int attached_ids(int cgfd, uint32_t *ids, uint32_t *n)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return -errno;
	*n = attr.query.prog_cnt;
	return 0;
}

int cg_v2_devices(int cgfd, const struct calyx_device_cgroup *d, size_t n,
		  calyx_error **err)
{
	_cleanup_free_ struct bpf_insn *prog = NULL;
	_cleanup_close_ int prog_fd = -1;
	uint32_t old[64], n_old = ARRAY_SIZE(old);
	union bpf_attr attr;
	size_t len = 0;
	int r;

	r = cg_devices_bpf_build(d, n, &prog, &len, err);
	if (r < 0)
		return r;
	if (attached_ids(cgfd, old, &n_old) < 0)
		n_old = 0;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)len;
	attr.license = (uint64_t)(uintptr_t)"Apache";
	prog_fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog_fd < 0)
		return calyx_error_set(err, errno,
				       "linux.resources.devices: loading the device filter");
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return calyx_error_set(err, errno,
				       "linux.resources.devices: attaching the device filter");
	/* the new filter is in; only now drop the ones it replaces, so the
	 * container is never unfiltered */
	for (uint32_t i = 0; i < n_old; i++) {
		_cleanup_close_ int old_fd = -1;

		memset(&attr, 0, sizeof(attr));
		attr.prog_id = old[i];
		old_fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (old_fd < 0)
			continue;
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)cgfd;
		attr.attach_bpf_fd = (uint32_t)old_fd;
		attr.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &attr) < 0)
			return calyx_error_set(err, errno,
					       "linux.resources.devices: detaching the old device filter");
	}
	return 0;
}
