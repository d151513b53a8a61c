/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to cgroups/: the manager's layout and the helpers its files share.
 *
 * A manager is a list of hierarchies (one per v1 mount, plus the cgroup2
 * mount), each with an open fd of the container's leaf directory.  Every
 * operation is "for each hierarchy": v2, v1 and hybrid hosts differ only in
 * which hierarchies the list holds.  The filesystem root ("/sys/fs/cgroup")
 * is a field so the unit tests can point the code at a fake tree.
 */
#ifndef CALYX_CGROUPS_INTERNAL_H
#define CALYX_CGROUPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups/cgroup.h"

#define CG_DEFAULT_ROOT "/sys/fs/cgroup"

/* Controller bits; v2's "io" is CG_BLKIO. */
enum cg_controller {
	CG_CPU,
	CG_CPUACCT,
	CG_CPUSET,
	CG_MEMORY,
	CG_DEVICES,
	CG_FREEZER,
	CG_NET_CLS,
	CG_NET_PRIO,
	CG_BLKIO,
	CG_PERF_EVENT,
	CG_HUGETLB,
	CG_PIDS,
	CG_RDMA,
	CG_MISC,
	CG_NAMED,	/* a named hierarchy such as name=systemd */
	CG__COUNT
};
#define CG_BIT(c) (1u << (c))

struct cg_hierarchy {
	bool v2;
	unsigned int controllers;	/* CG_BIT mask (v2: what the leaf may get) */
	bool controllers_known;	/* v2: mask read from cgroup.controllers */
	char *mount;		/* mount point, e.g. /sys/fs/cgroup/memory */
	char *mount_root;	/* the mount's root within the hierarchy */
	char *dir;		/* the leaf: mount + path */
	int dirfd;		/* O_DIRECTORY fd of dir, -1 when not open */
	/* how many trailing components of the path create() made (rmdir'd
	 * by destroy); -1 = unknown (reopened): remove empty parents only
	 * of the default "/calyx" prefix; CG_NOT_OURS = an existing cgroup
	 * with processes in it, which is never touched */
	int created;
};

#define CG_NOT_OURS (-2)

struct calyx_cgroup {
	enum calyx_cgroup_mode mode;
	bool null;		/* rootless without delegation: do nothing */
	char *root;		/* normally CG_DEFAULT_ROOT */
	char *path;		/* normalized, absolute within the hierarchies */
	const struct calyx_log *log;
	struct cg_hierarchy *h;
	size_t n_h;
	struct cg_systemd *sd;	/* the systemd driver's unit, else NULL */
};

/* A manager of no cgroup yet: root and mode set, no hierarchies. */
struct calyx_cgroup *cg_new(const char *root, enum calyx_cgroup_mode mode,
			    const struct calyx_log *log);

/* The controller's bit from a v1 or v2 name; -1 if unknown. */
int cg_controller_from_name(const char *name, bool v2);
const char *cg_controller_name(enum cg_controller c, bool v2);

/* hierarchy.c: fill cg->h for the mode (reads mountinfo once for v1). */
int cg_hierarchies_discover(struct calyx_cgroup *cg, const char *mountinfo,
			    calyx_error **err);
/* The caller's own cgroup in the reference hierarchy (unified, else
 * name=systemd, else the first), for relative cgroupsPath. */
int cg_own_cgroup(const struct calyx_cgroup *cg, const char *proc_self_cgroup,
		  char **out, calyx_error **err);
/* Normalize a cgroupsPath: collapse "//" and ".", reject "..". */
int cg_normalize_path(const char *in, char **out, calyx_error **err);

/* The hierarchy carrying controller c (v1 first, then a v2 one whose leaf
 * can get it); NULL when none. */
struct cg_hierarchy *cg_find(struct calyx_cgroup *cg, enum cg_controller c);
struct cg_hierarchy *cg_unified(struct calyx_cgroup *cg);

/* stats.c: the OOM ledger of the cgroup named self in parentfd (for the
 * unit tests, on a fake tree) */
int cg_oom_ledger_new_at(int parentfd, const char *self,
			 struct calyx_cgroup_oom_ledger **out, calyx_error **err);

/* create.c */
int cg_hierarchy_create(struct calyx_cgroup *cg, struct cg_hierarchy *h,
			calyx_error **err);
int cg_hierarchy_open(struct calyx_cgroup *cg, struct cg_hierarchy *h,
		      calyx_error **err);
int cg_hierarchy_remove(struct calyx_cgroup *cg, struct cg_hierarchy *h,
			calyx_error **err);
/* v2: make controller c available in the leaf (enable it in every
 * ancestor's cgroup.subtree_control). */
int cg_v2_enable(struct calyx_cgroup *cg, struct cg_hierarchy *h,
		 unsigned int mask, calyx_error **err);

/* io.c: small cgroupfs file helpers (O_TRUNC writes as the kernel expects). */
int cg_write(int dirfd, const char *file, const char *value,
	     calyx_error **err);
int cg_writef(int dirfd, const char *file, calyx_error **err,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cg_read(int dirfd, const char *file, char **out, calyx_error **err);
bool cg_exists(int dirfd, const char *file);

/* convert.c: v1 values to v2 (exact formulas, unit tested). */
uint64_t cg_shares_to_weight(uint64_t shares);
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight);
/* v2 memory.swap.max from spec memory (limit) and swap (memory+swap):
 * *out = -1 for "max"; returns 0, 1 when nothing to write, <0 on error. */
int cg_swap_to_v2(bool has_limit, int64_t limit, bool has_swap, int64_t swap,
		  int64_t *out, calyx_error **err);
/* "max" for negative numbers */
void cg_format_limit(char *buf, size_t size, int64_t v);

/* resources_v1.c / resources_v2.c: one function per controller group,
 * against the leaf fd; errors name the JSON field. */
int cg_v1_memory(int dirfd, const struct calyx_memory *m, bool update,
		 calyx_error **err);
int cg_v1_cpu(int dirfd, const struct calyx_cpu *c, calyx_error **err);
int cg_v1_cpuset(int dirfd, const struct calyx_cpu *c, calyx_error **err);
int cg_v1_pids(int dirfd, int64_t limit, calyx_error **err);
int cg_v1_blkio(int dirfd, const struct calyx_block_io *b, calyx_error **err);
int cg_v1_hugetlb(int dirfd, const struct calyx_hugepage_limit *l, size_t n,
		  calyx_error **err);
int cg_v1_net_cls(int dirfd, uint32_t classid, calyx_error **err);
int cg_v1_net_prio(int dirfd, const struct calyx_net_priority *p, size_t n,
		   calyx_error **err);
int cg_v1_devices(int dirfd, const struct calyx_device_cgroup *d, size_t n,
		  calyx_error **err);
int cg_rdma(int dirfd, const struct calyx_rdma_limit *l, size_t n,
	    calyx_error **err);

int cg_v2_memory(int dirfd, const struct calyx_memory *m, bool update,
		 const struct calyx_log *log, calyx_error **err);
int cg_v2_cpu(int dirfd, const struct calyx_cpu *c, calyx_error **err);
int cg_v2_cpuset(int dirfd, const struct calyx_cpu *c, calyx_error **err);
int cg_v2_pids(int dirfd, int64_t limit, calyx_error **err);
int cg_v2_io(int dirfd, const struct calyx_block_io *b,
	     const struct calyx_log *log, calyx_error **err);
int cg_v2_hugetlb(int dirfd, const struct calyx_hugepage_limit *l, size_t n,
		  calyx_error **err);
int cg_v2_unified(int dirfd, const struct calyx_kv *kv, size_t n,
		  calyx_error **err);
/* Every v2 group at once against one leaf fd (pure v2; and the tests). */
int cg_v2_apply(int dirfd, const struct calyx_resources *r,
		const struct calyx_log *log, bool update, calyx_error **err);

/* The container's default device rules (/dev/null, ...), appended after
 * the config's as runc does. */
extern const struct calyx_device_cgroup cg_default_device_rules[];
extern const size_t cg_n_default_device_rules;

/* devices_bpf.c: the v2 device filter (BPF_CGROUP_DEVICE) on a leaf fd,
 * replacing any filter attached before. */
struct bpf_insn;
int cg_devices_bpf_build(const struct calyx_device_cgroup *d, size_t n,
			 struct bpf_insn **out, size_t *out_n,
			 calyx_error **err);
int cg_v2_devices(int cgfd, const struct calyx_device_cgroup *d, size_t n,
		  calyx_error **err);

/* apply.c: route each resource group to the hierarchy that has it. */
int cg_apply(struct calyx_cgroup *cg, const struct calyx_resources *r,
	     bool update, calyx_error **err);
/* true when r asks for any limit (device rules do not count) */
bool cg_resources_have_limits(const struct calyx_resources *r);
/*
 * Before anything is made: the first group of r that needs a controller
 * outside mask (CG_BIT of v2 controllers), as its linux.resources field
 * ("memory", "cpu", ..., "unified"), with the controller in *missing; NULL
 * when mask has them all.  The same groups as cg_apply's NEEDs.
 */
const char *cg_resources_missing(const struct calyx_resources *r, unsigned int mask,
				 enum cg_controller *missing);

/* procs.c */
int cg_read_pids(int dirfd, pid_t **pids, size_t *n, calyx_error **err);
int cg_kill_and_wait(struct calyx_cgroup *cg, calyx_error **err);
int cg_kill_and_wait_dir(const char *dir, calyx_error **err);

/* Internal constructors: root and mode given (tests use a fake root). */
int cg_prepare_at(const struct calyx_cgroup_config *cfg, const char *root,
		  enum calyx_cgroup_mode mode, const char *mountinfo,
		  struct calyx_cgroup **out, calyx_error **err);
int cg_freezer_open_at(const char *root, enum calyx_cgroup_mode mode,
		       const char *mountinfo, struct calyx_cgroup_freezer **out,
		       calyx_error **err);
int cg_create_at(const struct calyx_cgroup_config *cfg, const char *root,
		 enum calyx_cgroup_mode mode, const char *mountinfo,
		 struct calyx_cgroup **out, calyx_error **err);

#endif
