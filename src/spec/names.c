/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Name <-> number tables of the spec: namespaces, hooks, rlimits, ... */
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "parse_internal.h"
#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
/* SCHED_ISO is reserved in the kernel ABI but not implemented. */
#define CALYX_SCHED_ISO 4

static const struct {
	const char *name;
	int flag;
} ns_table[CALYX_NS_COUNT] = {
	[CALYX_NS_PID] = { "pid", CLONE_NEWPID },
	[CALYX_NS_NETWORK] = { "network", CLONE_NEWNET },
	[CALYX_NS_MOUNT] = { "mount", CLONE_NEWNS },
	[CALYX_NS_IPC] = { "ipc", CLONE_NEWIPC },
	[CALYX_NS_UTS] = { "uts", CLONE_NEWUTS },
	[CALYX_NS_USER] = { "user", CLONE_NEWUSER },
	[CALYX_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[CALYX_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *calyx_ns_type_name(enum calyx_ns_type t)
{
	if ((unsigned)t >= CALYX_NS_COUNT)
		return NULL;
	return ns_table[t].name;
}

int calyx_ns_type_from_name(const char *name)
{
	for (int t = 0; name && t < CALYX_NS_COUNT; t++)
		if (strcmp(ns_table[t].name, name) == 0)
			return t;
	return -1;
}

int calyx_ns_clone_flag(enum calyx_ns_type t)
{
	if ((unsigned)t >= CALYX_NS_COUNT)
		return 0;
	return ns_table[t].flag;
}

const struct calyx_namespace *calyx_spec_namespace(const struct calyx_spec *spec,
						   enum calyx_ns_type t)
{
	if (!spec || !spec->linux_cfg)
		return NULL;
	for (size_t i = 0; i < spec->linux_cfg->n_namespaces; i++)
		if (spec->linux_cfg->namespaces[i].type == t)
			return &spec->linux_cfg->namespaces[i];
	return NULL;
}

static const char *const hook_names[CALYX_HOOK_COUNT] = {
	[CALYX_HOOK_PRESTART] = "prestart",
	[CALYX_HOOK_CREATE_RUNTIME] = "createRuntime",
	[CALYX_HOOK_CREATE_CONTAINER] = "createContainer",
	[CALYX_HOOK_START_CONTAINER] = "startContainer",
	[CALYX_HOOK_POSTSTART] = "poststart",
	[CALYX_HOOK_POSTSTOP] = "poststop",
};

const char *calyx_hook_kind_name(enum calyx_hook_kind k)
{
	if ((unsigned)k >= CALYX_HOOK_COUNT)
		return NULL;
	return hook_names[k];
}

struct name_value {
	const char *name;
	int value;
};

static int lookup(const struct name_value *t, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].value;
	return -1;
}

static const struct name_value rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

int rlimit_from_name(const char *name)
{
	return lookup(rlimits, ARRAY_SIZE(rlimits), name);
}

static const struct name_value sched_policies[] = {
	{ "SCHED_OTHER", SCHED_OTHER },
	{ "SCHED_FIFO", SCHED_FIFO },
	{ "SCHED_RR", SCHED_RR },
	{ "SCHED_BATCH", SCHED_BATCH },
	{ "SCHED_ISO", CALYX_SCHED_ISO },
	{ "SCHED_IDLE", SCHED_IDLE },
	{ "SCHED_DEADLINE", SCHED_DEADLINE },
};

int sched_policy_from_name(const char *name)
{
	return lookup(sched_policies, ARRAY_SIZE(sched_policies), name);
}

/* linux/ioprio.h values; not all libcs export them. */
static const struct name_value ioprio_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 },
	{ "IOPRIO_CLASS_BE", 2 },
	{ "IOPRIO_CLASS_IDLE", 3 },
};

int ioprio_class_from_name(const char *name)
{
	return lookup(ioprio_classes, ARRAY_SIZE(ioprio_classes), name);
}
