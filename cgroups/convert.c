/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v1 values expressed for v2.  The formulas are the ones runc and crun use,
 * so a config gives the same cgroup under every runtime.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "cgroups/internal.h"

/*
 * cpu.shares [2, 262144] maps linearly onto cpu.weight [1, 10000]:
 * 2 -> 1, 262144 -> 10000, the default 1024 -> 39.  0 means "unset".
 */
uint64_t cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight [10, 1000] maps linearly onto io.weight [1, 10000]. */
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}

/*
 * The spec's swap is memory+swap (v1 memsw); v2's memory.swap.max is swap
 * alone, so it is swap - limit.  -1 stays "max"; an unlimited memory with
 * no swap given means both unlimited (as v1 behaves).
 */
int cg_swap_to_v2(bool has_limit, int64_t limit, bool has_swap, int64_t swap,
		  int64_t *out, calyx_error **err)
{
	if (!has_swap || swap == 0) {
		if (has_limit && limit == -1) {
			*out = -1;
			return 0;
		}
		return 1;
	}
	if (swap == -1) {
		*out = -1;
		return 0;
	}
	if (swap < 0)
		return calyx_error_setx(err, EINVAL,
					"linux.resources.memory.swap: invalid value %" PRId64,
					swap);
	if (!has_limit || limit == 0 || limit == -1)
		return calyx_error_setx(err, EINVAL,
					"linux.resources.memory.swap: a swap limit needs a memory limit on cgroup v2");
	if (limit < 0)
		return calyx_error_setx(err, EINVAL,
					"linux.resources.memory.limit: invalid value %" PRId64,
					limit);
	if (swap < limit)
		return calyx_error_setx(err, EINVAL,
					"linux.resources.memory.swap: memory+swap (%" PRId64 ") must be >= memory limit (%" PRId64 ")",
					swap, limit);
	*out = swap - limit;
	return 0;
}

void cg_format_limit(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRId64, v);
}
