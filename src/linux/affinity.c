/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/affinity.h"
#include "util/cleanup.h"

#define BITS_PER_LONG (8 * sizeof(unsigned long))
#define MAX_NODES 1024

/* set_mempolicy(2) modes and flags by their spec names */
static const struct {
	const char *name;
	int value;
	int nodes;	/* 0: must have none, 1: needs some, -1: either */
} mpol_modes[] = {
	{ "MPOL_DEFAULT", 0, 0 },
	{ "MPOL_PREFERRED", 1, -1 },
	{ "MPOL_BIND", 2, 1 },
	{ "MPOL_INTERLEAVE", 3, 1 },
	{ "MPOL_LOCAL", 4, 0 },
	{ "MPOL_PREFERRED_MANY", 5, 1 },
	{ "MPOL_WEIGHTED_INTERLEAVE", 6, 1 },
};

static const struct {
	const char *name;
	int bit;
} mpol_flags[] = {
	{ "MPOL_F_STATIC_NODES", 1 << 15 },
	{ "MPOL_F_RELATIVE_NODES", 1 << 14 },
	{ "MPOL_F_NUMA_BALANCING", 1 << 13 },
};

int parse_id_list(const char *text, unsigned long *mask, size_t bits,
		  int *highest, const char *field, calyx_error **err)
{
	const char *p = text;

	memset(mask, 0, (bits + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(*mask));
	*highest = -1;
	while (*p) {
		char *end;
		unsigned long lo, hi;

		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			goto bad;
		lo = hi = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			if (p[1] < '0' || p[1] > '9')
				goto bad;
			hi = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (hi < lo || hi >= bits)
			return calyx_error_setx(err, EINVAL, "%s: \"%s\": %lu is out of range",
						field, text, hi);
		for (unsigned long i = lo; i <= hi; i++)
			mask[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
		if ((int)hi > *highest)
			*highest = (int)hi;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	return calyx_error_setx(err, EINVAL,
				"%s: \"%s\" is not a list like \"0-3,7\"", field, text);
}

static int resolve_policy(const struct calyx_memory_policy *mp, int *mode,
			  unsigned long *mask, int *highest, calyx_error **err)
{
	size_t m;

	for (m = 0; m < ARRAY_SIZE(mpol_modes); m++)
		if (mp->mode && !strcmp(mp->mode, mpol_modes[m].name))
			break;
	if (m == ARRAY_SIZE(mpol_modes))
		return calyx_error_setx(err, EINVAL, "linux.memoryPolicy.mode: unknown mode \"%s\"",
					mp->mode ? mp->mode : "");
	*mode = mpol_modes[m].value;
	*highest = -1;
	if (mp->nodes && *mp->nodes) {
		int r = parse_id_list(mp->nodes, mask, MAX_NODES, highest,
				      "linux.memoryPolicy.nodes", err);

		if (r < 0)
			return r;
	}
	if (mpol_modes[m].nodes == 0 && *highest >= 0)
		return calyx_error_setx(err, EINVAL, "linux.memoryPolicy.nodes: %s takes no nodes",
					mp->mode);
	if (mpol_modes[m].nodes == 1 && *highest < 0)
		return calyx_error_setx(err, EINVAL, "linux.memoryPolicy.nodes: %s needs nodes",
					mp->mode);
	for (char **f = mp->flags; f && *f; f++) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(mpol_flags); k++)
			if (!strcmp(*f, mpol_flags[k].name))
				break;
		if (k == ARRAY_SIZE(mpol_flags))
			return calyx_error_setx(err, EINVAL,
						"linux.memoryPolicy.flags: unknown flag \"%s\"", *f);
		*mode |= mpol_flags[k].bit;
	}
	return 0;
}

int memory_policy_validate(const struct calyx_memory_policy *mp, calyx_error **err)
{
	unsigned long mask[MAX_NODES / BITS_PER_LONG];
	int mode, highest;

	return resolve_policy(mp, &mode, mask, &highest, err);
}

int memory_policy_apply(const struct calyx_memory_policy *mp, calyx_error **err)
{
	unsigned long mask[MAX_NODES / BITS_PER_LONG];
	int mode, highest, r;

	r = resolve_policy(mp, &mode, mask, &highest, err);
	if (r < 0)
		return r;
	/* maxnode counts one past the highest node, as the kernel wants */
	if (syscall(SYS_set_mempolicy, mode, highest >= 0 ? mask : NULL,
		    highest >= 0 ? (unsigned long)highest + 2 : 0) < 0)
		return calyx_error_set(err, errno, "linux.memoryPolicy: set_mempolicy(%s)",
				       mp->mode);
	return 0;
}

int cpu_affinity_apply(const char *list, const char *field, calyx_error **err)
{
	unsigned long mask[CPU_SETSIZE / BITS_PER_LONG];
	int highest, r;

	if (!list || !*list)
		return 0;	/* empty: the kernel decides (config.md) */
	r = parse_id_list(list, mask, CPU_SETSIZE, &highest, field, err);
	if (r < 0)
		return r;
	if (sched_setaffinity(0, sizeof(mask), (cpu_set_t *)mask) < 0)
		return calyx_error_set(err, errno, "%s: sched_setaffinity(%s)", field, list);
	return 0;
}
