/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The spec's names for seccomp actions, operators, architectures and flags,
 * and what this build supports of them (for `calyx features`).
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "seccomp/internal.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"

static const char *const action_names[] = {
	[CALYX_SCMP_KILL] = "SCMP_ACT_KILL",
	[CALYX_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[CALYX_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[CALYX_SCMP_TRAP] = "SCMP_ACT_TRAP",
	[CALYX_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
	[CALYX_SCMP_TRACE] = "SCMP_ACT_TRACE",
	[CALYX_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
	[CALYX_SCMP_LOG] = "SCMP_ACT_LOG",
	[CALYX_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
	NULL,
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const char *const operator_names[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

/* Every architecture the spec (libseccomp 2.6) names. */
static const char *const spec_archs[] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
	"SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
	"SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

/* The subset libseccomp 2.5 has tokens for (LOONGARCH64, M68K, SH and SHEB
 * came in 2.6). */
static const struct {
	const char *name;
	uint32_t token;
} arch_tokens[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

static const char *const supported_archs[] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
	"SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_RISCV64", NULL,
};

static const struct {
	const char *name;
	unsigned long flag;
} filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static const char *const flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL,
};

int calyx_scmp_action_kind(const char *name)
{
	for (size_t i = 0; action_names[i]; i++)
		if (name && strcmp(name, action_names[i]) == 0)
			return (int)i;
	return -1;
}

bool calyx_scmp_action_takes_errno(int kind)
{
	return kind == CALYX_SCMP_ERRNO || kind == CALYX_SCMP_TRACE;
}

uint32_t calyx_scmp_action_value(int kind, uint32_t errno_ret)
{
	switch (kind) {
	case CALYX_SCMP_KILL:
		return SCMP_ACT_KILL;
	case CALYX_SCMP_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case CALYX_SCMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case CALYX_SCMP_TRAP:
		return SCMP_ACT_TRAP;
	case CALYX_SCMP_ERRNO:
		return SCMP_ACT_ERRNO(errno_ret);
	case CALYX_SCMP_TRACE:
		return SCMP_ACT_TRACE(errno_ret);
	case CALYX_SCMP_LOG:
		return SCMP_ACT_LOG;
	case CALYX_SCMP_NOTIFY:
		return SCMP_ACT_NOTIFY;
	case CALYX_SCMP_ALLOW:
	default:
		return SCMP_ACT_ALLOW;
	}
}

int calyx_scmp_operator(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(operators); i++)
		if (name && strcmp(name, operators[i].name) == 0)
			return operators[i].op;
	return -1;
}

bool calyx_scmp_arch_known(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(spec_archs); i++)
		if (name && strcmp(name, spec_archs[i]) == 0)
			return true;
	return false;
}

uint32_t calyx_scmp_arch_token(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(arch_tokens); i++)
		if (name && strcmp(name, arch_tokens[i].name) == 0)
			return arch_tokens[i].token;
	return 0;
}

unsigned long calyx_scmp_filter_flag(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(filter_flags); i++)
		if (name && strcmp(name, filter_flags[i].name) == 0)
			return filter_flags[i].flag;
	return 0;
}

const char *const *calyx_seccomp_supported_actions(void)
{
	return action_names;
}

const char *const *calyx_seccomp_supported_operators(void)
{
	return operator_names;
}

const char *const *calyx_seccomp_supported_archs(void)
{
	return supported_archs;
}

const char *const *calyx_seccomp_supported_flags(void)
{
	return flag_names;
}
