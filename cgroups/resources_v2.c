/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.resources on cgroup v2, converting the spec's v1-shaped values
 * where the files differ (convert.c).  Fields v2 has no file for are
 * ignored with a warning, like runc, unless ignoring them would loosen a
 * limit the config asked for (then an error).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

#define FIELD "linux.resources."

static int write_limit(int dirfd, const char *field, const char *file,
		       int64_t v, calyx_error **err)
{
	char buf[32];
	int r;

	cg_format_limit(buf, sizeof(buf), v);
	r = cg_write(dirfd, file, buf, err);
	return r < 0 ? calyx_error_prefix(err, FIELD "%s", field) : 0;
}

int cg_v2_memory(int dirfd, const struct calyx_memory *m, bool update,
		 const struct calyx_log *log, calyx_error **err)
{
	int64_t swap;
	int r, have_swap;

	have_swap = cg_swap_to_v2(m->has_limit, m->limit, m->has_swap, m->swap,
				  &swap, err);
	if (have_swap < 0)
		return have_swap;
	if (update && m->has_check_before_update && m->check_before_update &&
	    m->has_limit && m->limit > 0) {
		_cleanup_free_ char *cur = NULL;

		r = cg_read(dirfd, "memory.current", &cur, err);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "memory.checkBeforeUpdate");
		if (strtoull(cur, NULL, 10) > (unsigned long long)m->limit)
			return calyx_error_setx(err, EBUSY,
						FIELD "memory.limit: %" PRId64 " is below the current usage %s",
						m->limit, cur);
	}
	if (have_swap == 0) {
		if (!cg_exists(dirfd, "memory.swap.max")) {
			if (swap != -1)
				return calyx_error_setx(err, ENOTSUP,
							FIELD "memory.swap: swap accounting is not enabled in this kernel");
		} else {
			r = write_limit(dirfd, "memory.swap", "memory.swap.max",
					swap, err);
			if (r < 0)
				return r;
		}
	}
	/* 0 means unset, as runc (Docker's update sends zeros) */
	if (m->has_limit && m->limit != 0) {
		r = write_limit(dirfd, "memory.limit", "memory.max", m->limit,
				err);
		if (r < 0)
			return r;
	}
	if (m->has_reservation && m->reservation != 0) {
		r = write_limit(dirfd, "memory.reservation", "memory.low",
				m->reservation, err);
		if (r < 0)
			return r;
	}
	if (m->has_kernel || m->has_kernel_tcp)
		calyx_debug(log, "linux.resources.memory.kernel/kernelTCP: no cgroup v2 equivalent, ignored");
	if (m->has_swappiness)
		calyx_warn(log, "linux.resources.memory.swappiness: not supported on cgroup v2, ignored");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		calyx_warn(log, "linux.resources.memory.disableOOMKiller: not supported on cgroup v2, ignored");
	return 0;
}

int cg_v2_cpu(int dirfd, const struct calyx_cpu *c, calyx_error **err)
{
	int r;

	if ((c->has_realtime_runtime && c->realtime_runtime != 0) ||
	    (c->has_realtime_period && c->realtime_period != 0))
		return calyx_error_setx(err, ENOTSUP,
					FIELD "cpu.realtimeRuntime/realtimePeriod: real-time CPU limits are not supported on cgroup v2");
	if (c->has_shares && c->shares != 0) {
		r = cg_writef(dirfd, "cpu.weight", err, "%" PRIu64,
			      cg_shares_to_weight(c->shares));
		if (r < 0)
			return calyx_error_prefix(err, FIELD "cpu.shares");
	}
	if ((c->has_quota && c->quota != 0) ||
	    (c->has_period && c->period != 0)) {
		char quota[32] = "max";

		if (c->has_quota && c->quota > 0)
			snprintf(quota, sizeof(quota), "%" PRId64, c->quota);
		/* "quota" alone keeps the current period */
		if (c->has_period && c->period != 0)
			r = cg_writef(dirfd, "cpu.max", err, "%s %" PRIu64,
				      quota, c->period);
		else
			r = cg_write(dirfd, "cpu.max", quota, err);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "cpu.quota/period");
	}
	if (c->has_burst) {
		r = cg_writef(dirfd, "cpu.max.burst", err, "%" PRIu64, c->burst);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "cpu.burst");
	}
	if (c->has_idle) {
		r = cg_writef(dirfd, "cpu.idle", err, "%" PRId64, c->idle);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "cpu.idle");
	}
	return 0;
}

int cg_v2_cpuset(int dirfd, const struct calyx_cpu *c, calyx_error **err)
{
	/* same files and syntax as v1 */
	return cg_v1_cpuset(dirfd, c, err);
}

int cg_v2_pids(int dirfd, int64_t limit, calyx_error **err)
{
	return cg_v1_pids(dirfd, limit, err);
}

static int io_max(int dirfd, const char *field, const char *key,
		  const struct calyx_throttle_device *t, size_t n,
		  calyx_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int r = cg_writef(dirfd, "io.max", err,
				  "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
				  t[i].major, t[i].minor, key, t[i].rate);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "blockIO.%s[%zu]",
						  field, i);
	}
	return 0;
}

int cg_v2_io(int dirfd, const struct calyx_block_io *b,
	     const struct calyx_log *log, calyx_error **err)
{
	/* BFQ takes the v1 weight range as is; io.weight needs converting */
	bool bfq = cg_exists(dirfd, "io.bfq.weight");
	int r;

	if (b->has_weight && b->weight != 0) {
		if (bfq)
			r = cg_writef(dirfd, "io.bfq.weight", err, "%u",
				      b->weight);
		else
			r = cg_writef(dirfd, "io.weight", err, "default %" PRIu64,
				      cg_blkio_weight_to_io_weight(b->weight));
		if (r < 0)
			return calyx_error_prefix(err, FIELD "blockIO.weight");
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct calyx_weight_device *d = &b->weight_device[i];

		if (!d->has_weight)
			continue;
		if (bfq)
			r = cg_writef(dirfd, "io.bfq.weight", err,
				      "%" PRId64 ":%" PRId64 " %u", d->major,
				      d->minor, d->weight);
		else
			r = cg_writef(dirfd, "io.weight", err,
				      "%" PRId64 ":%" PRId64 " %" PRIu64,
				      d->major, d->minor,
				      cg_blkio_weight_to_io_weight(d->weight));
		if (r < 0)
			return calyx_error_prefix(err, FIELD "blockIO.weightDevice[%zu]",
						  i);
	}
	if (b->has_leaf_weight)
		calyx_warn(log, "linux.resources.blockIO.leafWeight: not supported on cgroup v2, ignored");
	r = io_max(dirfd, "throttleReadBpsDevice", "rbps", b->throttle_read_bps,
		   b->n_throttle_read_bps, err);
	if (r >= 0)
		r = io_max(dirfd, "throttleWriteBpsDevice", "wbps",
			   b->throttle_write_bps, b->n_throttle_write_bps, err);
	if (r >= 0)
		r = io_max(dirfd, "throttleReadIOPSDevice", "riops",
			   b->throttle_read_iops, b->n_throttle_read_iops, err);
	if (r >= 0)
		r = io_max(dirfd, "throttleWriteIOPSDevice", "wiops",
			   b->throttle_write_iops, b->n_throttle_write_iops,
			   err);
	return r;
}

/* A key is a file name in the leaf: nothing that could leave it. */
static int check_unified_key(const char *key, calyx_error **err)
{
	if (!key || !*key || strchr(key, '/') || !strcmp(key, ".") ||
	    !strcmp(key, "..") || strstr(key, ".."))
		return calyx_error_setx(err, EINVAL,
					FIELD "unified: invalid key \"%s\"",
					key ? key : "");
	return 0;
}

int cg_v2_unified(int dirfd, const struct calyx_kv *kv, size_t n,
		  calyx_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int r = check_unified_key(kv[i].key, err);

		if (r < 0)
			return r;
		if (!cg_exists(dirfd, kv[i].key))
			return calyx_error_setx(err, ENOENT,
						FIELD "unified: \"%s\": no such cgroup file (controller not present or not enabled)",
						kv[i].key);
		r = cg_write(dirfd, kv[i].key, kv[i].value ? kv[i].value : "",
			     err);
		if (r < 0)
			return calyx_error_prefix(err, FIELD "unified.%s",
						  kv[i].key);
	}
	return 0;
}

int cg_v2_apply(int dirfd, const struct calyx_resources *r,
		const struct calyx_log *log, bool update, calyx_error **err)
{
	int ret = 0;

	if (!r)
		return 0;
	if (r->memory)
		ret = cg_v2_memory(dirfd, r->memory, update, log, err);
	if (ret >= 0 && r->cpu)
		ret = cg_v2_cpu(dirfd, r->cpu, err);
	if (ret >= 0 && r->cpu)
		ret = cg_v2_cpuset(dirfd, r->cpu, err);
	if (ret >= 0 && r->has_pids_limit)
		ret = cg_v2_pids(dirfd, r->pids_limit, err);
	if (ret >= 0 && r->block_io)
		ret = cg_v2_io(dirfd, r->block_io, log, err);
	if (ret >= 0 && r->n_hugepage_limits)
		ret = cg_v2_hugetlb(dirfd, r->hugepage_limits,
				    r->n_hugepage_limits, err);
	if (ret >= 0 && r->n_rdma)
		ret = cg_rdma(dirfd, r->rdma, r->n_rdma, err);
	if (ret >= 0 && r->n_unified)
		ret = cg_v2_unified(dirfd, r->unified, r->n_unified, err);
	return ret;
}
