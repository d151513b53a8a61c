/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Route each linux.resources group to the hierarchy that carries its
 * controller: a v1 mount when there is one, else the cgroup2 mount (pure v2,
 * or hybrid hosts where a controller such as hugetlb lives only in the
 * unified hierarchy).  On hybrid hosts a unified controller is enabled
 * only when the config needs it: enabling changes the host's root cgroup.
 */
#include <errno.h>
#include <string.h>

#include "cgroups/internal.h"
#include "cgroups/systemd.h"
#include "util/cleanup.h"

bool cg_resources_have_limits(const struct calyx_resources *r)
{
	return r && (r->memory || r->cpu || r->has_pids_limit || r->block_io ||
		     r->n_hugepage_limits || r->has_net_class_id ||
		     r->n_net_priorities || r->n_rdma || r->n_unified);
}

static int need(struct calyx_cgroup *cg, enum cg_controller c,
		const char *field, struct cg_hierarchy **out, calyx_error **err)
{
	struct cg_hierarchy *h = cg_find(cg, c);
	int r;

	if (!h)
		return calyx_error_setx(err, ENOTSUP,
					"linux.resources.%s: the %s cgroup controller is not available",
					field, cg_controller_name(c, false));
	if (h->dirfd < 0)
		return calyx_error_setx(err, ENOENT,
					"linux.resources.%s: cgroup %s does not exist",
					field, h->dir ? h->dir : cg->path);
	if (h->v2 && cg->mode != CALYX_CGROUP_V2) {
		r = cg_v2_enable(cg, h, CG_BIT(c), err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.resources.%s",
						  field);
	}
	*out = h;
	return 0;
}

#define NEED(c, field)                                       \
	do {                                                 \
		int need_r_ = need(cg, (c), (field), &h, err); \
		if (need_r_ < 0)                             \
			return need_r_;                      \
	} while (0)

static bool cpu_scalars(const struct calyx_cpu *c)
{
	return c->has_shares || c->has_quota || c->has_period ||
	       c->has_burst || c->has_realtime_runtime ||
	       c->has_realtime_period || c->has_idle;
}

/* unified keys name their controller ("memory.high"): make it available */
static int enable_for_unified(struct calyx_cgroup *cg, struct cg_hierarchy *u,
			      const struct calyx_kv *kv, size_t n,
			      calyx_error **err)
{
	unsigned int mask = 0;

	for (size_t i = 0; i < n; i++) {
		char name[32];
		const char *dot = kv[i].key ? strchr(kv[i].key, '.') : NULL;
		size_t len = dot ? (size_t)(dot - kv[i].key) : 0;
		int c;

		if (!len || len >= sizeof(name))
			continue;
		memcpy(name, kv[i].key, len);
		name[len] = '\0';
		c = cg_controller_from_name(name, true);
		if (c >= 0)
			mask |= CG_BIT(c);
	}
	if (!mask || cg->mode == CALYX_CGROUP_V2)
		return 0;
	return cg_v2_enable(cg, u, mask, err);
}

const char *cg_resources_missing(const struct calyx_resources *r, unsigned int mask,
				 enum cg_controller *missing)
{
	if (!r)
		return NULL;
	const struct {
		bool asked;
		enum cg_controller c;
		const char *field;
	} groups[] = {
		{ r->memory != NULL, CG_MEMORY, "memory" },
		{ r->cpu && cpu_scalars(r->cpu), CG_CPU, "cpu" },
		{ r->cpu && (r->cpu->cpus || r->cpu->mems), CG_CPUSET, "cpu.cpus" },
		{ r->has_pids_limit, CG_PIDS, "pids" },
		{ r->block_io != NULL, CG_BLKIO, "blockIO" },
		{ r->n_hugepage_limits > 0, CG_HUGETLB, "hugepageLimits" },
		{ r->n_rdma > 0, CG_RDMA, "rdma" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].asked && !(mask & CG_BIT(groups[i].c))) {
			*missing = groups[i].c;
			return groups[i].field;
		}
	/* unified keys name their controller ("memory.high") */
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *key = r->unified[i].key, *dot = key ? strchr(key, '.') : NULL;
		char name[32];
		int c;

		if (!dot || dot == key || (size_t)(dot - key) >= sizeof(name))
			continue;
		memcpy(name, key, (size_t)(dot - key));
		name[dot - key] = '\0';
		c = cg_controller_from_name(name, true);
		if (c >= 0 && !(mask & CG_BIT(c))) {
			*missing = (enum cg_controller)c;
			return "unified";
		}
	}
	return NULL;
}

static int apply_devices(struct calyx_cgroup *cg,
			 const struct calyx_resources *r, bool update,
			 calyx_error **err)
{
	const struct calyx_device_cgroup *d = r ? r->devices : NULL;
	size_t n = r ? r->n_devices : 0;
	struct cg_hierarchy *h;

	/* a live container keeps its rules unless the update brings new ones */
	if (update && n == 0)
		return 0;
	/* the user's systemd (rootless): no device filter, as runc ignores
	 * the devices group rootless -- an unprivileged user can load no
	 * BPF_CGROUP_DEVICE program, and in the container's user namespace
	 * no device node can be made; what /dev has is bind mounts */
	if (cg->sd && cg->sd->user)
		return 0;
	for (size_t i = 0; i < cg->n_h; i++) {
		h = &cg->h[i];
		if (!h->v2 && (h->controllers & CG_BIT(CG_DEVICES)) &&
		    h->dirfd >= 0)
			return cg_v1_devices(h->dirfd, d, n, err);
	}
	/* no v1 devices controller: the cgroup2 device filter */
	h = cg_unified(cg);
	if (h && h->dirfd >= 0)
		return cg_v2_devices(h->dirfd, d, n, err);
	return calyx_error_setx(err, ENOTSUP,
				"linux.resources.devices: no device cgroup available");
}

int cg_apply(struct calyx_cgroup *cg, const struct calyx_resources *r,
	     bool update, calyx_error **err)
{
	struct cg_hierarchy *h;
	int ret;

	if (cg->null)
		return 0;
	ret = apply_devices(cg, r, update, err);
	if (ret < 0 || !r)
		return ret;
	if (r->memory) {
		NEED(CG_MEMORY, "memory");
		ret = h->v2 ? cg_v2_memory(h->dirfd, r->memory, update, cg->log, err) :
			      cg_v1_memory(h->dirfd, r->memory, update, err);
		if (ret < 0)
			return ret;
	}
	if (r->cpu && cpu_scalars(r->cpu)) {
		NEED(CG_CPU, "cpu");
		ret = h->v2 ? cg_v2_cpu(h->dirfd, r->cpu, err) :
			      cg_v1_cpu(h->dirfd, r->cpu, err);
		if (ret < 0)
			return ret;
	}
	if (r->cpu && (r->cpu->cpus || r->cpu->mems)) {
		NEED(CG_CPUSET, "cpu.cpus");
		ret = h->v2 ? cg_v2_cpuset(h->dirfd, r->cpu, err) :
			      cg_v1_cpuset(h->dirfd, r->cpu, err);
		if (ret < 0)
			return ret;
	}
	if (r->has_pids_limit) {
		NEED(CG_PIDS, "pids");
		ret = h->v2 ? cg_v2_pids(h->dirfd, r->pids_limit, err) :
			      cg_v1_pids(h->dirfd, r->pids_limit, err);
		if (ret < 0)
			return ret;
	}
	if (r->block_io) {
		NEED(CG_BLKIO, "blockIO");
		ret = h->v2 ? cg_v2_io(h->dirfd, r->block_io, cg->log, err) :
			      cg_v1_blkio(h->dirfd, r->block_io, err);
		if (ret < 0)
			return ret;
	}
	if (r->n_hugepage_limits) {
		NEED(CG_HUGETLB, "hugepageLimits");
		ret = h->v2 ? cg_v2_hugetlb(h->dirfd, r->hugepage_limits,
					    r->n_hugepage_limits, err) :
			      cg_v1_hugetlb(h->dirfd, r->hugepage_limits,
					    r->n_hugepage_limits, err);
		if (ret < 0)
			return ret;
	}
	if (r->has_net_class_id) {
		NEED(CG_NET_CLS, "network.classID");
		if (h->v2)
			return calyx_error_setx(err, ENOTSUP,
						"linux.resources.network.classID: net_cls has no cgroup v2 equivalent");
		ret = cg_v1_net_cls(h->dirfd, r->net_class_id, err);
		if (ret < 0)
			return ret;
	}
	if (r->n_net_priorities) {
		NEED(CG_NET_PRIO, "network.priorities");
		if (h->v2)
			return calyx_error_setx(err, ENOTSUP,
						"linux.resources.network.priorities: net_prio has no cgroup v2 equivalent");
		ret = cg_v1_net_prio(h->dirfd, r->net_priorities,
				     r->n_net_priorities, err);
		if (ret < 0)
			return ret;
	}
	if (r->n_rdma) {
		NEED(CG_RDMA, "rdma");
		ret = cg_rdma(h->dirfd, r->rdma, r->n_rdma, err);
		if (ret < 0)
			return ret;
	}
	if (r->n_unified) {
		h = cg_unified(cg);
		if (!h || h->dirfd < 0)
			return calyx_error_setx(err, ENOTSUP,
						"linux.resources.unified: needs a cgroup v2 hierarchy");
		ret = enable_for_unified(cg, h, r->unified, r->n_unified, err);
		if (ret < 0)
			return calyx_error_prefix(err, "linux.resources.unified");
		ret = cg_v2_unified(h->dirfd, r->unified, r->n_unified, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}
