/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.memoryPolicy (set_mempolicy) and process.execCPUAffinity. */
#ifndef CALYX_LINUX_AFFINITY_H
#define CALYX_LINUX_AFFINITY_H

#include <stddef.h>

#include "calyx/error.h"
#include "calyx/spec.h"

/* "0-3,7" into a bitmask of `bits` bits; *highest is the largest set bit
 * (-1 when empty).  The field names the JSON path for errors. */
int parse_id_list(const char *text, unsigned long *mask, size_t bits,
		  int *highest, const char *field, calyx_error **err);

/* Check linux.memoryPolicy without applying it (runtime side). */
int memory_policy_validate(const struct calyx_memory_policy *mp, calyx_error **err);
/* set_mempolicy(2) for the calling process (inherited by what it execs). */
int memory_policy_apply(const struct calyx_memory_policy *mp, calyx_error **err);

/* sched_setaffinity(2) of the caller to a CPU list (field names the path). */
int cpu_affinity_apply(const char *list, const char *field, calyx_error **err);

#endif
