/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calyx update [options] <container-id>
 *
 * New limits for a running container: a linux.resources JSON object from
 * --resources FILE (or - for stdin), else runc's individual flags.  Only
 * what is given is written to the cgroup.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

enum {
	OPT_BLKIO_WEIGHT = CLI_OPT_FIRST_FREE,
	OPT_CPU_PERIOD,
	OPT_CPU_QUOTA,
	OPT_CPU_BURST,
	OPT_CPU_SHARE,
	OPT_CPU_RT_PERIOD,
	OPT_CPU_RT_RUNTIME,
	OPT_CPUSET_CPUS,
	OPT_CPUSET_MEMS,
	OPT_MEMORY,
	OPT_MEMORY_RESERVATION,
	OPT_MEMORY_SWAP,
	OPT_PIDS_LIMIT,
	OPT_L3_CACHE_SCHEMA,
	OPT_MEM_BW_SCHEMA,
};

static const struct option update_options[] = {
	{ "resources", required_argument, NULL, 'r' },
	{ "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
	{ "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
	{ "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
	{ "cpu-burst", required_argument, NULL, OPT_CPU_BURST },
	{ "cpu-share", required_argument, NULL, OPT_CPU_SHARE },
	{ "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
	{ "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
	{ "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
	{ "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
	{ "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
	{ "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
	{ "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
	{ "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *flag_name(int c)
{
	for (const struct option *o = update_options; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

static int bad_value(int c, const char *text, const char *why,
		     calyx_error **err)
{
	return calyx_error_setx(err, EINVAL, "invalid value for %s: \"%s\" %s",
				flag_name(c), text, why);
}

static int parse_u64(int c, const char *text, uint64_t max, uint64_t *out,
		     calyx_error **err)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	if (!isdigit((unsigned char)text[0]) || *end || errno || *out > max)
		return bad_value(c, text, "is not a non-negative integer in range",
				 err);
	return 0;
}

static int parse_i64(int c, const char *text, int64_t *out, calyx_error **err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (!text[0] || isspace((unsigned char)text[0]) || *end || errno)
		return bad_value(c, text, "is not an integer", err);
	*out = v;
	return 0;
}

/*
 * A memory size as runc (docker's RAMInBytes): a number, an optional space,
 * an optional binary unit k/m/g/t/p, then optional "i" and "b"; "-1" is
 * unlimited.
 */
static int parse_memory(int c, const char *text, int64_t *out,
			calyx_error **err)
{
	static const char units[] = "kmgtp";
	const char *p = text, *u;
	double v, mult = 1;
	char *end;

	if (!strcmp(text, "-1")) {
		*out = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return bad_value(c, text, "is not a size (such as 512m or 1g)", err);
	v = strtod(p, &end);
	p = end;
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, tolower((unsigned char)*p)))) {
		for (const char *k = units; k <= u; k++)
			mult *= 1024;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * mult >= 9223372036854775807.0)
		return bad_value(c, text, "is not a size (such as 512m or 1g)", err);
	*out = (int64_t)(v * mult);
	return 0;
}

/* The resources the flags ask for, in the spec's shape. */
struct update_flags {
	struct calyx_resources res;
	struct calyx_memory mem;
	struct calyx_cpu cpu;
	struct calyx_block_io blkio;
	const char *resources_file;
};

static int take_flag(struct update_flags *f, int c, const char *arg,
		     calyx_error **err)
{
	struct calyx_memory *m = &f->mem;
	struct calyx_cpu *cpu = &f->cpu;
	uint64_t u;
	int r = 0;

	switch (c) {
	case 'r':
		f->resources_file = arg;
		return 0;
	case OPT_BLKIO_WEIGHT:
		r = parse_u64(c, arg, 1000, &u, err);
		if (r == 0 && u != 0 && u < 10)
			r = bad_value(c, arg, "is not in 10..1000", err);
		/* 0 means "unchanged", as runc */
		if (r == 0 && u) {
			f->blkio.has_weight = true;
			f->blkio.weight = (uint16_t)u;
			f->res.block_io = &f->blkio;
		}
		return r;
	case OPT_CPU_PERIOD:
		r = parse_u64(c, arg, UINT64_MAX, &cpu->period, err);
		cpu->has_period = r == 0;
		break;
	case OPT_CPU_QUOTA:
		r = parse_i64(c, arg, &cpu->quota, err);
		cpu->has_quota = r == 0;
		break;
	case OPT_CPU_BURST:
		r = parse_u64(c, arg, UINT64_MAX, &cpu->burst, err);
		cpu->has_burst = r == 0;
		break;
	case OPT_CPU_SHARE:
		r = parse_u64(c, arg, UINT64_MAX, &cpu->shares, err);
		cpu->has_shares = r == 0;
		break;
	case OPT_CPU_RT_PERIOD:
		r = parse_u64(c, arg, UINT64_MAX, &cpu->realtime_period, err);
		cpu->has_realtime_period = r == 0;
		break;
	case OPT_CPU_RT_RUNTIME:
		r = parse_i64(c, arg, &cpu->realtime_runtime, err);
		cpu->has_realtime_runtime = r == 0;
		break;
	case OPT_CPUSET_CPUS:
		cpu->cpus = (char *)arg;
		break;
	case OPT_CPUSET_MEMS:
		cpu->mems = (char *)arg;
		break;
	case OPT_MEMORY:
		r = parse_memory(c, arg, &m->limit, err);
		m->has_limit = r == 0;
		f->res.memory = m;
		return r;
	case OPT_MEMORY_RESERVATION:
		r = parse_memory(c, arg, &m->reservation, err);
		m->has_reservation = r == 0;
		f->res.memory = m;
		return r;
	case OPT_MEMORY_SWAP:
		r = parse_memory(c, arg, &m->swap, err);
		m->has_swap = r == 0;
		f->res.memory = m;
		return r;
	case OPT_PIDS_LIMIT:
		r = parse_i64(c, arg, &f->res.pids_limit, err);
		if (r == 0 && f->res.pids_limit < -1)
			r = bad_value(c, arg, "is below -1 (unlimited)", err);
		f->res.has_pids_limit = r == 0;
		return r;
	case OPT_L3_CACHE_SCHEMA:
	case OPT_MEM_BW_SCHEMA:
		return calyx_error_setx(err, ENOTSUP,
					"--%s: Intel RDT is not supported",
					flag_name(c));
	default:
		return calyx_error_setx(err, EINVAL, "unknown option");
	}
	f->res.cpu = cpu;
	return r;
}

static int update_main(struct calyx_context *ctx, int argc, char **argv)
{
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	struct calyx_resources *from_file = NULL;
	struct update_flags f = { 0 };
	int c, r;

	while ((c = cli_getopt(ctx, &cli_cmd_update, argc, argv, "r:h",
			       update_options)) != -1) {
		if (c == 'h') {
			cli_print_help(&cli_cmd_update);
			return 0;
		}
		if (c == '?' || take_flag(&f, c, optarg, &err) < 0)
			return err ? cli_fail(ctx, err) : CLI_EXIT_FAILURE;
	}
	if (!cli_check_args(ctx, &cli_cmd_update, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (calyx_id_validate(argv[optind], &err) < 0)
		return cli_fail(ctx, err);
	/* as runc: with a resources file every other flag is ignored */
	if (f.resources_file &&
	    calyx_resources_parse_file(strcmp(f.resources_file, "-") ? f.resources_file :
				       "/dev/stdin", &from_file, &err) < 0)
		return cli_fail(ctx, err);
	r = calyx_container_update(ctx, argv[optind],
				   from_file ? from_file : &f.res, &err);
	calyx_resources_free(from_file);
	return r < 0 ? cli_fail(ctx, err) : 0;
}

const struct cli_command cli_cmd_update = {
	.name = "update",
	.summary = "update container resource constraints",
	.help = "Usage: calyx update [options] <container-id>\n\n"
		"Writes new limits to a running container's cgroup; what is not\n"
		"given is left unchanged.  Sizes take k, m, g suffixes (1024-based);\n"
		"-1 is unlimited.\n\n"
		"Options:\n"
		"   --resources FILE, -r FILE   a linux.resources JSON object (- for\n"
		"                               stdin); the other flags are then ignored\n"
		"   --blkio-weight N            block I/O weight, 10..1000\n"
		"   --cpu-period USEC           CFS period\n"
		"   --cpu-quota USEC            CFS quota per period (-1: none)\n"
		"   --cpu-burst USEC            CFS burst\n"
		"   --cpu-share N               CPU shares (relative weight)\n"
		"   --cpu-rt-period USEC        realtime period\n"
		"   --cpu-rt-runtime USEC       realtime runtime per period\n"
		"   --cpuset-cpus LIST          CPUs to run on (0-3,5)\n"
		"   --cpuset-mems LIST          memory nodes to use\n"
		"   --memory SIZE               memory limit\n"
		"   --memory-reservation SIZE   memory soft limit\n"
		"   --memory-swap SIZE          memory+swap limit (-1: unlimited)\n"
		"   --pids-limit N              maximum number of tasks (-1: none)\n"
		"   --l3-cache-schema, --mem-bw-schema\n"
		"                               Intel RDT: not supported\n",
	.run = update_main,
	.needs_cgroups = true,
};
