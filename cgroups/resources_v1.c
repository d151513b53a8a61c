/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.resources on cgroup v1 controllers.  Only what the config sets is
 * written; each error names the JSON field it came from.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

#define FIELD "linux.resources."

static int write_i64(int dirfd, const char *field, const char *file,
		     int64_t v, calyx_error **err)
{
	int r = cg_writef(dirfd, file, err, "%" PRId64, v);

	return r < 0 ? calyx_error_prefix(err, FIELD "%s", field) : 0;
}

static int write_u64(int dirfd, const char *field, const char *file,
		     uint64_t v, calyx_error **err)
{
	int r = cg_writef(dirfd, file, err, "%" PRIu64, v);

	return r < 0 ? calyx_error_prefix(err, FIELD "%s", field) : 0;
}

static int check_usage(int dirfd, const char *file, int64_t limit,
		       calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long usage;
	int r;

	if (limit <= 0)
		return 0;
	r = cg_read(dirfd, file, &text, err);
	if (r < 0)
		return calyx_error_prefix(err, FIELD "memory.checkBeforeUpdate");
	usage = strtoull(text, NULL, 10);
	if (usage > (unsigned long long)limit)
		return calyx_error_setx(err, EBUSY,
					FIELD "memory.limit: %" PRId64 " is below the current usage %llu",
					limit, usage);
	return 0;
}

/*
 * memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at every
 * moment, so the order of the two writes depends on whether the limits
 * grow or shrink.
 */
static int v1_memory_and_swap(int dirfd, const struct calyx_memory *m,
			      calyx_error **err)
{
	bool has_memsw = cg_exists(dirfd, "memory.memsw.limit_in_bytes");
	/* 0 means unset, as runc (Docker's update sends zeros) */
	bool has_limit = m->has_limit && m->limit != 0;
	bool set_swap = m->has_swap && m->swap != 0;
	int64_t swap = m->swap;
	bool swap_first = false;
	int r;

	/* unlimited memory without a swap value: unlimited swap too */
	if (has_limit && m->limit == -1 && !set_swap && has_memsw) {
		set_swap = true;
		swap = -1;
	}
	if (set_swap && !has_memsw) {
		if (swap == -1)
			set_swap = false;
		else
			return calyx_error_setx(err, ENOTSUP,
						FIELD "memory.swap: swap accounting is not enabled in this kernel");
	}
	if (has_limit && set_swap) {
		_cleanup_free_ char *cur = NULL;

		r = cg_read(dirfd, "memory.limit_in_bytes", &cur, err);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "memory.limit");
		swap_first = swap == -1 ||
			     strtoull(cur, NULL, 10) < (unsigned long long)swap;
	}
	if (swap_first) {
		r = write_i64(dirfd, "memory.swap",
			      "memory.memsw.limit_in_bytes", swap, err);
		if (r < 0)
			return r;
	}
	if (has_limit) {
		r = write_i64(dirfd, "memory.limit",
			      "memory.limit_in_bytes", m->limit, err);
		if (r < 0)
			return r;
	}
	if (set_swap && !swap_first)
		return write_i64(dirfd, "memory.swap",
				 "memory.memsw.limit_in_bytes", swap, err);
	return 0;
}

int cg_v1_memory(int dirfd, const struct calyx_memory *m, bool update,
		 calyx_error **err)
{
	int r;

	if (update && m->has_check_before_update && m->check_before_update &&
	    m->has_limit) {
		r = check_usage(dirfd, "memory.usage_in_bytes", m->limit, err);
		if (r < 0)
			return r;
	}
	r = v1_memory_and_swap(dirfd, m, err);
	if (r < 0)
		return r;
	if (m->has_reservation && m->reservation != 0) {
		r = write_i64(dirfd, "memory.reservation",
			      "memory.soft_limit_in_bytes", m->reservation, err);
		if (r < 0)
			return r;
	}
	/* kernel memory limits are gone from current kernels (and the spec
	 * deprecates them): write only where the file still exists */
	if (m->has_kernel && m->kernel != 0 &&
	    cg_exists(dirfd, "memory.kmem.limit_in_bytes")) {
		r = write_i64(dirfd, "memory.kernel",
			      "memory.kmem.limit_in_bytes", m->kernel, err);
		if (r < 0)
			return r;
	}
	if (m->has_kernel_tcp &&
	    cg_exists(dirfd, "memory.kmem.tcp.limit_in_bytes")) {
		r = write_i64(dirfd, "memory.kernelTCP",
			      "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp,
			      err);
		if (r < 0)
			return r;
	}
	if (m->has_swappiness) {
		if (m->swappiness > 100)
			return calyx_error_setx(err, EINVAL,
						FIELD "memory.swappiness: %" PRIu64 " is not in [0, 100]",
						m->swappiness);
		r = write_u64(dirfd, "memory.swappiness", "memory.swappiness",
			      m->swappiness, err);
		if (r < 0)
			return r;
	}
	if (m->has_disable_oom_killer && m->disable_oom_killer) {
		r = write_u64(dirfd, "memory.disableOOMKiller",
			      "memory.oom_control", 1, err);
		if (r < 0)
			return r;
	}
	if (m->has_use_hierarchy) {
		r = write_u64(dirfd, "memory.useHierarchy",
			      "memory.use_hierarchy", m->use_hierarchy, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_period_and_quota(int dirfd, const struct calyx_cpu *c,
			       calyx_error **err)
{
	_cleanup_error_ calyx_error *first = NULL;
	/* 0 means unset, as runc (Docker's update sends zeros) */
	bool has_quota = c->has_quota && c->quota != 0;
	int r;

	if (!c->has_period || c->period == 0)
		return has_quota ? write_i64(dirfd, "cpu.quota",
					     "cpu.cfs_quota_us", c->quota,
					     err) : 0;
	/* the kernel checks quota against period: a period write can fail
	 * until the new quota is in, so then try the other order */
	r = write_u64(dirfd, "cpu.period", "cpu.cfs_period_us", c->period,
		      &first);
	if (r == 0)
		return has_quota ? write_i64(dirfd, "cpu.quota",
					     "cpu.cfs_quota_us", c->quota,
					     err) : 0;
	if (r != -EINVAL || !has_quota) {
		*err = TAKE_PTR(first);
		return r;
	}
	r = write_i64(dirfd, "cpu.quota", "cpu.cfs_quota_us", c->quota, err);
	if (r < 0)
		return r;
	return write_u64(dirfd, "cpu.period", "cpu.cfs_period_us", c->period,
			 err);
}

int cg_v1_cpu(int dirfd, const struct calyx_cpu *c, calyx_error **err)
{
	int r;

	if (c->has_shares && c->shares != 0) {
		r = write_u64(dirfd, "cpu.shares", "cpu.shares", c->shares, err);
		if (r < 0)
			return r;
	}
	r = v1_period_and_quota(dirfd, c, err);
	if (r < 0)
		return r;
	if (c->has_burst) {
		r = write_u64(dirfd, "cpu.burst", "cpu.cfs_burst_us", c->burst,
			      err);
		if (r < 0)
			return r;
	}
	/* rt period before runtime, as the kernel validates runtime <= period */
	if (c->has_realtime_period && c->realtime_period != 0) {
		r = write_u64(dirfd, "cpu.realtimePeriod", "cpu.rt_period_us",
			      c->realtime_period, err);
		if (r < 0)
			return r;
	}
	if (c->has_realtime_runtime && c->realtime_runtime != 0) {
		r = write_i64(dirfd, "cpu.realtimeRuntime", "cpu.rt_runtime_us",
			      c->realtime_runtime, err);
		if (r < 0)
			return r;
	}
	if (c->has_idle)
		return write_i64(dirfd, "cpu.idle", "cpu.idle", c->idle, err);
	return 0;
}

int cg_v1_cpuset(int dirfd, const struct calyx_cpu *c, calyx_error **err)
{
	int r;

	if (c->cpus) {
		r = cg_write(dirfd, "cpuset.cpus", c->cpus, err);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "cpu.cpus");
	}
	if (c->mems) {
		r = cg_write(dirfd, "cpuset.mems", c->mems, err);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "cpu.mems");
	}
	return 0;
}

int cg_v1_pids(int dirfd, int64_t limit, calyx_error **err)
{
	char v[32];
	int r;

	/* -1 (any negative) is "max"; 0 is a real limit (spec note) */
	cg_format_limit(v, sizeof(v), limit);
	r = cg_write(dirfd, "pids.max", v, err);
	return r < 0 ? calyx_error_prefix(err, FIELD "pids.limit") : 0;
}

static int throttle(int dirfd, const char *field, const char *file,
		    const struct calyx_throttle_device *t, size_t n,
		    calyx_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int r = cg_writef(dirfd, file, err,
				  "%" PRId64 ":%" PRId64 " %" PRIu64,
				  t[i].major, t[i].minor, t[i].rate);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "blockIO.%s[%zu]",
						  field, i);
	}
	return 0;
}

int cg_v1_blkio(int dirfd, const struct calyx_block_io *b, calyx_error **err)
{
	/* with the BFQ scheduler the CFQ-era files are gone */
	bool bfq = !cg_exists(dirfd, "blkio.weight") &&
		   cg_exists(dirfd, "blkio.bfq.weight");
	const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *wdev = bfq ? "blkio.bfq.weight_device" :
				 "blkio.weight_device";
	int r;

	/* 0 means unset (Docker always sends it), as runc and v2 here */
	if (b->has_weight && b->weight != 0) {
		r = write_u64(dirfd, "blockIO.weight", weight, b->weight, err);
		if (r < 0)
			return r;
	}
	if (b->has_leaf_weight) {
		r = write_u64(dirfd, "blockIO.leafWeight", "blkio.leaf_weight",
			      b->leaf_weight, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct calyx_weight_device *d = &b->weight_device[i];

		if (d->has_weight) {
			r = cg_writef(dirfd, wdev, err,
				      "%" PRId64 ":%" PRId64 " %u", d->major,
				      d->minor, d->weight);
			if (r < 0)
				return calyx_error_prefix(err, FIELD "blockIO.weightDevice[%zu].weight",
							  i);
		}
		if (d->has_leaf_weight) {
			r = cg_writef(dirfd, "blkio.leaf_weight_device", err,
				      "%" PRId64 ":%" PRId64 " %u", d->major,
				      d->minor, d->leaf_weight);
			if (r < 0)
				return calyx_error_prefix(err, FIELD "blockIO.weightDevice[%zu].leafWeight",
							  i);
		}
	}
	r = throttle(dirfd, "throttleReadBpsDevice",
		     "blkio.throttle.read_bps_device", b->throttle_read_bps,
		     b->n_throttle_read_bps, err);
	if (r >= 0)
		r = throttle(dirfd, "throttleWriteBpsDevice",
			     "blkio.throttle.write_bps_device",
			     b->throttle_write_bps, b->n_throttle_write_bps, err);
	if (r >= 0)
		r = throttle(dirfd, "throttleReadIOPSDevice",
			     "blkio.throttle.read_iops_device",
			     b->throttle_read_iops, b->n_throttle_read_iops, err);
	if (r >= 0)
		r = throttle(dirfd, "throttleWriteIOPSDevice",
			     "blkio.throttle.write_iops_device",
			     b->throttle_write_iops, b->n_throttle_write_iops,
			     err);
	return r;
}

/* A page size becomes part of a file name: letters and digits only. */
static int check_page_size(const char *s, size_t i, calyx_error **err)
{
	if (!s || !*s || strspn(s, "0123456789KMGTPBkmgtpb") != strlen(s))
		return calyx_error_setx(err, EINVAL,
					FIELD "hugepageLimits[%zu].pageSize: invalid \"%s\"",
					i, s ? s : "");
	return 0;
}

static int hugetlb(int dirfd, const struct calyx_hugepage_limit *l, size_t n,
		   const char *limit_suffix, const char *rsvd_suffix,
		   calyx_error **err)
{
	for (size_t i = 0; i < n; i++) {
		char file[128], rsvd[128];
		int r = check_page_size(l[i].page_size, i, err);

		if (r < 0)
			return r;
		snprintf(file, sizeof(file), "hugetlb.%s.%s", l[i].page_size,
			 limit_suffix);
		r = cg_writef(dirfd, file, err, "%" PRIu64, l[i].limit);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "hugepageLimits[%zu]",
						  i);
		/* reservations are limited alike where the kernel has them */
		snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.%s", l[i].page_size,
			 rsvd_suffix);
		if (!cg_exists(dirfd, rsvd))
			continue;
		r = cg_writef(dirfd, rsvd, err, "%" PRIu64, l[i].limit);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "hugepageLimits[%zu]",
						  i);
	}
	return 0;
}

int cg_v1_hugetlb(int dirfd, const struct calyx_hugepage_limit *l, size_t n,
		  calyx_error **err)
{
	return hugetlb(dirfd, l, n, "limit_in_bytes", "rsvd.limit_in_bytes",
		       err);
}

int cg_v2_hugetlb(int dirfd, const struct calyx_hugepage_limit *l, size_t n,
		  calyx_error **err)
{
	return hugetlb(dirfd, l, n, "max", "rsvd.max", err);
}

int cg_v1_net_cls(int dirfd, uint32_t classid, calyx_error **err)
{
	return write_u64(dirfd, "network.classID", "net_cls.classid", classid,
			 err);
}

int cg_v1_net_prio(int dirfd, const struct calyx_net_priority *p, size_t n,
		   calyx_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int r;

		if (!p[i].name || !*p[i].name || strpbrk(p[i].name, " \n"))
			return calyx_error_setx(err, EINVAL,
						FIELD "network.priorities[%zu].name: invalid interface name",
						i);
		r = cg_writef(dirfd, "net_prio.ifpriomap", err, "%s %u",
			      p[i].name, p[i].priority);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "network.priorities[%zu]",
						  i);
	}
	return 0;
}

int cg_rdma(int dirfd, const struct calyx_rdma_limit *l, size_t n,
	    calyx_error **err)
{
	for (size_t i = 0; i < n; i++) {
		char handles[16] = "max", objects[16] = "max";
		int r;

		if (!l[i].device || !*l[i].device ||
		    strpbrk(l[i].device, " \n="))
			return calyx_error_setx(err, EINVAL,
						FIELD "rdma: invalid device name");
		if (l[i].has_hca_handles)
			snprintf(handles, sizeof(handles), "%u",
				 l[i].hca_handles);
		if (l[i].has_hca_objects)
			snprintf(objects, sizeof(objects), "%u",
				 l[i].hca_objects);
		r = cg_writef(dirfd, "rdma.max", err,
			      "%s hca_handle=%s hca_object=%s", l[i].device,
			      handles, objects);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "rdma.%s",
						  l[i].device);
	}
	return 0;
}
