/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The typed OCI runtime spec (v1.3.0, Linux fields).  config.json is parsed
 * once into these plain structs (src/spec/parse.c); nothing else reads JSON.
 * The bundle-less `run` fills the same structs from flags.
 *
 * Conventions:
 *  - strings are heap-owned, NULL when absent;
 *  - arrays are (pointer, count) pairs; string lists are NULL-terminated;
 *  - an optional scalar has a `has_<name>` flag next to it;
 *  - everything is freed by calyx_spec_free().
 */
#ifndef CALYX_SPEC_H
#define CALYX_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "calyx/api.h"
#include "calyx/error.h"

CALYX_BEGIN_DECLS

struct calyx_kv {
	char *key;
	char *value;
};

struct calyx_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct calyx_mount {
	char *destination;
	char *type;	/* may be NULL (bind mounts) */
	char *source;	/* may be NULL */
	char **options;	/* raw option strings, NULL-terminated, may be NULL */
	struct calyx_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct calyx_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

struct calyx_hook {
	char *path;
	char **args;	/* NULL-terminated, may be NULL */
	char **env;	/* NULL-terminated, may be NULL */
	bool has_timeout;
	int timeout;	/* seconds, > 0 */
};

struct calyx_hook_list {
	struct calyx_hook *hooks;
	size_t n;
};

enum calyx_hook_kind {
	CALYX_HOOK_PRESTART,
	CALYX_HOOK_CREATE_RUNTIME,
	CALYX_HOOK_CREATE_CONTAINER,
	CALYX_HOOK_START_CONTAINER,
	CALYX_HOOK_POSTSTART,
	CALYX_HOOK_POSTSTOP,
	CALYX_HOOK_COUNT
};

struct calyx_rlimit {
	char *type;	/* "RLIMIT_NOFILE" ... */
	int resource;	/* resolved RLIMIT_* number */
	uint64_t soft;
	uint64_t hard;
};

struct calyx_capabilities {
	/* each a NULL-terminated list of "CAP_*" names; NULL = absent */
	char **bounding;
	char **effective;
	char **inheritable;
	char **permitted;
	char **ambient;
};

struct calyx_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;	/* Windows field; kept for completeness */
};

struct calyx_io_priority {
	int prio_class;	/* IOPRIO_CLASS_RT=1, BE=2, IDLE=3 */
	int32_t priority;
};

struct calyx_scheduler {
	char *policy;	/* "SCHED_OTHER" ... */
	int policy_value;
	int32_t nice;
	int32_t priority;
	char **flags;	/* "SCHED_FLAG_*" */
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
};

struct calyx_process {
	bool terminal;
	bool has_console_size;
	uint64_t console_height;
	uint64_t console_width;
	struct calyx_user user;
	char **args;	/* NULL-terminated; required unless only `create`d */
	size_t n_args;
	char *command_line;	/* Windows only */
	char **env;	/* NULL-terminated "K=V", may be NULL */
	char *cwd;	/* required, absolute */
	struct calyx_capabilities *capabilities;	/* NULL = absent */
	struct calyx_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *selinux_label;
	struct calyx_io_priority *io_priority;	/* NULL = absent */
	struct calyx_scheduler *scheduler;	/* NULL = absent */
	char *exec_cpu_affinity_initial;
	char *exec_cpu_affinity_final;
};

enum calyx_ns_type {
	CALYX_NS_PID,
	CALYX_NS_NETWORK,
	CALYX_NS_MOUNT,
	CALYX_NS_IPC,
	CALYX_NS_UTS,
	CALYX_NS_USER,
	CALYX_NS_CGROUP,
	CALYX_NS_TIME,
	CALYX_NS_COUNT
};

struct calyx_namespace {
	enum calyx_ns_type type;
	char *path;	/* NULL = create a new one */
};

struct calyx_time_offset {
	char *clock;	/* "monotonic" or "boottime" */
	int64_t secs;
	uint32_t nanosecs;
};

struct calyx_device {
	char *path;
	char type;	/* 'c', 'b', 'u', 'p' */
	int64_t major;
	int64_t minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
	bool has_major;	/* major/minor are REQUIRED unless type is 'p' */
	bool has_minor;
};

struct calyx_device_cgroup {
	bool allow;
	char type;	/* 'a', 'c', 'b'; 'a' when absent */
	bool has_major;
	int64_t major;	/* absent = wildcard */
	bool has_minor;
	int64_t minor;
	char *access;	/* "rwm" subset; NULL = "rwm" */
};

struct calyx_memory {
	bool has_limit;
	int64_t limit;
	bool has_reservation;
	int64_t reservation;
	bool has_swap;
	int64_t swap;
	bool has_kernel;
	int64_t kernel;
	bool has_kernel_tcp;
	int64_t kernel_tcp;
	bool has_swappiness;
	uint64_t swappiness;
	bool has_disable_oom_killer;
	bool disable_oom_killer;
	bool has_use_hierarchy;
	bool use_hierarchy;
	bool has_check_before_update;
	bool check_before_update;
};

struct calyx_cpu {
	bool has_shares;
	uint64_t shares;
	bool has_quota;
	int64_t quota;
	bool has_burst;
	uint64_t burst;
	bool has_period;
	uint64_t period;
	bool has_realtime_runtime;
	int64_t realtime_runtime;
	bool has_realtime_period;
	uint64_t realtime_period;
	char *cpus;
	char *mems;
	bool has_idle;
	int64_t idle;
};

struct calyx_weight_device {
	int64_t major;
	int64_t minor;
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
};

struct calyx_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct calyx_block_io {
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
	struct calyx_weight_device *weight_device;
	size_t n_weight_device;
	struct calyx_throttle_device *throttle_read_bps;
	size_t n_throttle_read_bps;
	struct calyx_throttle_device *throttle_write_bps;
	size_t n_throttle_write_bps;
	struct calyx_throttle_device *throttle_read_iops;
	size_t n_throttle_read_iops;
	struct calyx_throttle_device *throttle_write_iops;
	size_t n_throttle_write_iops;
};

struct calyx_hugepage_limit {
	char *page_size;	/* "2MB" */
	uint64_t limit;
};

struct calyx_net_priority {
	char *name;
	uint32_t priority;
};

struct calyx_rdma_limit {
	char *device;
	bool has_hca_handles;
	uint32_t hca_handles;
	bool has_hca_objects;
	uint32_t hca_objects;
};

struct calyx_resources {
	struct calyx_device_cgroup *devices;
	size_t n_devices;
	struct calyx_memory *memory;	/* NULL = absent */
	struct calyx_cpu *cpu;		/* NULL = absent */
	bool has_pids_limit;
	int64_t pids_limit;
	struct calyx_block_io *block_io;	/* NULL = absent */
	struct calyx_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	bool has_network;
	bool has_net_class_id;
	uint32_t net_class_id;
	struct calyx_net_priority *net_priorities;
	size_t n_net_priorities;
	struct calyx_rdma_limit *rdma;
	size_t n_rdma;
	struct calyx_kv *unified;
	size_t n_unified;
};

struct calyx_syscall_arg {
	unsigned int index;
	uint64_t value;
	uint64_t value_two;
	char *op;	/* "SCMP_CMP_EQ" ... */
};

struct calyx_syscall_rule {
	char **names;	/* NULL-terminated, non-empty */
	char *action;	/* "SCMP_ACT_ALLOW" ... */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct calyx_syscall_arg *args;
	size_t n_args;
};

struct calyx_seccomp {
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures;	/* "SCMP_ARCH_X86_64" ... */
	char **flags;		/* "SECCOMP_FILTER_FLAG_LOG" ... */
	char *listener_path;
	char *listener_metadata;
	struct calyx_syscall_rule *syscalls;
	size_t n_syscalls;
	/* Set only by calyx_seccomp_default_profile() (never by the parser):
	 * the runtime may load the filter compiled from it at build time. */
	bool builtin_default;
};

struct calyx_net_device {
	char *host_name;	/* the key of linux.netDevices */
	char *name;		/* name inside the container; NULL = same */
};

struct calyx_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	char **schemata;
	bool enable_monitoring;
};

struct calyx_memory_policy {
	char *mode;	/* "MPOL_BIND" ... */
	char *nodes;
	char **flags;
};

struct calyx_personality {
	char *domain;	/* "LINUX" or "LINUX32" */
	char **flags;
};

struct calyx_linux {
	struct calyx_namespace *namespaces;
	size_t n_namespaces;
	struct calyx_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct calyx_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct calyx_time_offset *time_offsets;
	size_t n_time_offsets;
	struct calyx_device *devices;
	size_t n_devices;
	struct calyx_net_device *net_devices;
	size_t n_net_devices;
	char *cgroups_path;
	struct calyx_resources *resources;	/* NULL = absent */
	char *rootfs_propagation;	/* "private" "shared" "slave" "unbindable" */
	struct calyx_seccomp *seccomp;	/* NULL = no filter */
	struct calyx_kv *sysctl;
	size_t n_sysctl;
	char **masked_paths;
	char **readonly_paths;
	char *mount_label;
	struct calyx_intel_rdt *intel_rdt;
	struct calyx_memory_policy *memory_policy;
	struct calyx_personality *personality;
};

struct calyx_spec {
	char *oci_version;
	char *root_path;	/* as written in config.json (may be relative) */
	bool root_readonly;
	struct calyx_mount *mounts;
	size_t n_mounts;
	struct calyx_process *process;	/* NULL = absent */
	char *hostname;
	char *domainname;
	struct calyx_hook_list hooks[CALYX_HOOK_COUNT];
	struct calyx_kv *annotations;
	size_t n_annotations;
	struct calyx_linux *linux_cfg;	/* NULL = absent */
};

/*
 * Parse config.json text.  Errors read "<json path>: <why>", e.g.
 * "linux.namespaces[2].type: unknown namespace type \"foo\"", or
 * "invalid JSON: <yajl's message>".  Types, integer ranges, required
 * fields, enums and names with a slot here (rlimit, scheduler policy,
 * ioPriority class, device type, namespace type) are checked; capability
 * and seccomp names are stored unchecked (security/seccomp check them).
 * Unknown fields and non-Linux sections are ignored.  A relative mount
 * destination is stored made absolute ("/" + it), as config.md says.
 * process may be absent (NULL): only `start`/`run` need it; when present,
 * args (non-empty) and cwd (absolute) are required.
 * Rules spanning several fields are in calyx_spec_validate(): call both.
 */
CALYX_PUBLIC
int calyx_spec_parse(const char *json, size_t len, struct calyx_spec **out,
		     calyx_error **err);
/*
 * Read and parse a file.  Errors: "open <path>: <strerror>", or the parse
 * error prefixed with the file's basename ("config.json: process.cwd: ...").
 */
CALYX_PUBLIC
int calyx_spec_parse_file(const char *path, struct calyx_spec **out,
			  calyx_error **err);
/*
 * Parse a bare process object (for `exec --process`); error paths are
 * relative to it ("args: ...", "user.uid: ...").
 */
CALYX_PUBLIC
int calyx_process_parse(const char *json, size_t len,
			struct calyx_process **out, calyx_error **err);
/* Read and parse a process file; a parse error is prefixed with path as
 * given ("p.json: args: ..."). */
CALYX_PUBLIC
int calyx_process_parse_file(const char *path, struct calyx_process **out,
			     calyx_error **err);
/*
 * Parse a bare seccomp object (`run --seccomp FILE`); errors name
 * "linux.seccomp.<field>".  Anything but an object (null included) is an
 * error.  Free with calyx_spec_seccomp_free().
 */
int calyx_seccomp_parse(const char *json, size_t len,
			struct calyx_seccomp **out, calyx_error **err);
void calyx_spec_seccomp_free(struct calyx_seccomp *seccomp);
/*
 * The spec's MUST rules that need the whole document (not the host):
 * duplicate namespaces, mappings/timeOffsets/hostname vs namespaces,
 * absolute paths, device numbers, propagation, sysctl keys, cgroupsPath.
 * Errors read "<json path>: <why>".
 */
CALYX_PUBLIC
int calyx_spec_validate(const struct calyx_spec *spec, calyx_error **err);

CALYX_PUBLIC
void calyx_spec_free(struct calyx_spec *spec);
CALYX_PUBLIC
void calyx_process_free(struct calyx_process *process);

/* Helpers over a parsed spec. */
CALYX_PUBLIC
const char *calyx_ns_type_name(enum calyx_ns_type t);	/* "pid" ... */
CALYX_PUBLIC
int calyx_ns_type_from_name(const char *name);		/* -1 if unknown */
CALYX_PUBLIC
int calyx_ns_clone_flag(enum calyx_ns_type t);		/* CLONE_NEW* */
/* The namespace entry of that type, or NULL when the config has none. */
CALYX_PUBLIC
const struct calyx_namespace *calyx_spec_namespace(const struct calyx_spec *spec,
						   enum calyx_ns_type t);
CALYX_PUBLIC
const char *calyx_hook_kind_name(enum calyx_hook_kind k);	/* "prestart" ... */

static inline void calyx_spec_freep(struct calyx_spec **s)
{
	calyx_spec_free(*s);
}

CALYX_END_DECLS

#endif
