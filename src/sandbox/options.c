/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bundle-less run's options (calyx/sandbox.h): each value checked,
 * naming its flag, and typed for the rest of src/sandbox. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "linux/network.h"
#include "sandbox/sandbox.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* Decimal with an optional k/m/g/t suffix (powers of 1024), > 0. */
int sandbox_parse_size(const char *text, int64_t *bytes, calyx_error **err)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!text[0] || text[0] < '0' || text[0] > '9')
		goto bad;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		goto bad;
	switch (*end) {
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	case 't': case 'T': mult = 1ULL << 40; end++; break;
	}
	/* "512m" and "512mb"/"512MiB" are common spellings */
	if (mult > 1 && (*end == 'b' || *end == 'B'))
		end++;
	if (*end || v == 0 || v > (unsigned long long)INT64_MAX / mult)
		goto bad;
	*bytes = (int64_t)(v * mult);
	return 0;
bad:
	return calyx_error_setx(err, EINVAL,
				"invalid size \"%s\" (want e.g. 67108864, 512m, 2g)",
				text);
}

/* "1", "1.5", "0.25" -> quota in microseconds per 100 ms period. */
int sandbox_parse_cpus(const char *text, int64_t *quota, calyx_error **err)
{
	const char *s = text;
	int64_t whole = 0, frac = 0, scale = 100000;
	int digits = 0;

	while (*s >= '0' && *s <= '9' && whole < 100000) {
		whole = whole * 10 + (*s++ - '0');
		digits++;
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9' && scale > 1) {
			scale /= 10;
			frac += (*s++ - '0') * scale;
			digits++;
		}
	}
	if (*s || !digits || whole >= 100000)
		goto bad;
	*quota = whole * 100000 + frac;
	/* the kernel's minimum quota is 1 ms */
	if (*quota < 1000)
		goto bad;
	return 0;
bad:
	return calyx_error_setx(err, EINVAL,
				"--cpus: invalid value \"%s\" (want e.g. 1, 0.5, 2.25; "
				"at least 0.01)", text);
}

static int parse_count(const char *flag, const char *text, int64_t max,
		       int64_t *out, calyx_error **err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || text[0] == '+' ||
	    v <= 0 || v > max)
		return calyx_error_setx(err, EINVAL, "%s: invalid number \"%s\"",
					flag, text);
	*out = v;
	return 0;
}

static int parse_net(struct sandbox_options *o, const char *arg, calyx_error **err)
{
	if (!arg || strcmp(arg, "loopback") == 0)
		o->net = SANDBOX_NET_LOOPBACK;
	else if (strcmp(arg, "none") == 0)
		o->net = SANDBOX_NET_NONE;
	else if (strcmp(arg, "host") == 0)
		o->net = SANDBOX_NET_HOST;
	else if (strcmp(arg, "veth") == 0 || strncmp(arg, "veth:", 5) == 0) {
		o->net = SANDBOX_NET_VETH;
		if (net_parse_veth_cidr(arg[4] ? arg + 5 : "10.200.0.1/30",
					&o->veth_host, &o->veth_peer, err) < 0)
			return calyx_error_prefix(err, "--net");
	} else
		return calyx_error_setx(err, EINVAL,
					"--net: unknown mode \"%s\" (none, loopback, host, "
					"veth[:A.B.C.D/30])", arg);
	return 0;
}

/* The values with a syntax of their own; NULL: not given. */
static int parse_values(const struct calyx_sandbox_options *in,
			struct sandbox_options *o, calyx_error **err)
{
	int64_t v;
	int r;

	r = parse_net(o, in->net, err);
	if (r >= 0 && in->memory) {
		o->has_memory = true;
		if ((r = sandbox_parse_size(in->memory, &o->memory, err)) < 0)
			return calyx_error_prefix(err, "--memory");
	}
	if (r >= 0 && in->cpus) {
		o->has_cpus = true;
		r = sandbox_parse_cpus(in->cpus, &o->cpu_quota, err);
	}
	if (r >= 0 && in->pids) {
		o->has_pids = true;
		r = parse_count("--pids", in->pids, INT64_MAX, &o->pids, err);
	}
	if (r >= 0 && in->timeout) {
		r = parse_count("--timeout", in->timeout, UINT_MAX, &v, err);
		if (r >= 0)
			o->timeout_sec = (unsigned int)v;
	}
	if (r >= 0 && in->overlay_size &&
	    (r = sandbox_parse_size(in->overlay_size, &o->overlay_size, err)) < 0)
		return calyx_error_prefix(err, "--overlay-size");
	if (r >= 0 && in->caps && strcmp(in->caps, "build") != 0)
		return calyx_error_setx(err, EINVAL,
					"--caps: unknown profile \"%s\" (build)", in->caps);
	return r;
}

int sandbox_options_parse(const struct calyx_sandbox_options *in,
			  struct sandbox_options *o, calyx_error **err)
{
	*o = (struct sandbox_options){
		.rootfs = in->rootfs,
		.id = in->id,
		.workdir = in->workdir,
		.user = in->user,
		.hostname = in->hostname,
		.seccomp = in->seccomp,
		.keep_changes = in->keep_changes,
		.report = in->report,
		.caps_profile = in->caps,
		.binds = in->binds, .n_binds = calyx_strv_length(in->binds),
		.tmpfs = in->tmpfs, .n_tmpfs = calyx_strv_length(in->tmpfs),
		.env = in->env, .n_env = calyx_strv_length(in->env),
		.env_files = in->env_files, .n_env_files = calyx_strv_length(in->env_files),
		.cap_add = in->cap_add, .n_cap_add = calyx_strv_length(in->cap_add),
		.cap_drop = in->cap_drop, .n_cap_drop = calyx_strv_length(in->cap_drop),
		/* keeping the overlay's changes needs an overlay */
		.overlay = in->overlay || in->keep_changes,
		.read_only = in->read_only,
		.tty = in->tty,
		.print_spec = in->print_spec,
		.cgroup = in->cgroup,
	};
	if (!in->rootfs || !in->rootfs[0])
		return calyx_error_setx(err, EINVAL, "--rootfs: empty path");
	if (in->report && !in->report[0])
		return calyx_error_setx(err, EINVAL, "--report: empty path");
	if (in->workdir && in->workdir[0] != '/')
		return calyx_error_setx(err, EINVAL,
					"--workdir: %s is not an absolute path", in->workdir);
	return parse_values(in, o, err);
}
