/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bundle-less run's flags: checked as they come, kept as given. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "linux/network.h"
#include "sandbox/sandbox.h"
#include "util/cleanup.h"

void sandbox_options_free(struct sandbox_options *o)
{
	/* the strings belong to argv; only the arrays are ours */
	free(o->binds);
	free(o->tmpfs);
	free(o->env);
	free(o->env_files);
	free(o->cap_add);
	free(o->cap_drop);
}

static int push(char ***list, size_t *n, const char *arg, calyx_error **err)
{
	char **grown = realloc(*list, (*n + 2) * sizeof(**list));

	if (!grown)
		return calyx_error_set(err, ENOMEM, "flags");
	grown[(*n)++] = (char *)arg;
	grown[*n] = NULL;
	*list = grown;
	return 1;
}

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
	if (strcmp(arg, "none") == 0)
		o->net = SANDBOX_NET_NONE;
	else if (strcmp(arg, "loopback") == 0)
		o->net = SANDBOX_NET_LOOPBACK;
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
	return 1;
}

static int sandbox_flag_value(struct sandbox_options *o, int c, const char *arg,
			      calyx_error **err)
{
	int64_t v;
	int r;

	switch (c) {
	case SANDBOX_OPT_NET:
		return parse_net(o, arg, err);
	case SANDBOX_OPT_MEMORY:
		r = sandbox_parse_size(arg, &o->memory, err);
		o->has_memory = true;
		return r < 0 ? calyx_error_prefix(err, "--memory") : 1;
	case SANDBOX_OPT_CPUS:
		r = sandbox_parse_cpus(arg, &o->cpu_quota, err);
		o->has_cpus = true;
		return r < 0 ? r : 1;
	case SANDBOX_OPT_PIDS:
		r = parse_count("--pids", arg, INT64_MAX, &o->pids, err);
		o->has_pids = true;
		return r < 0 ? r : 1;
	case SANDBOX_OPT_TIMEOUT:
		r = parse_count("--timeout", arg, UINT_MAX, &v, err);
		o->timeout_sec = (unsigned int)v;
		return r < 0 ? r : 1;
	case SANDBOX_OPT_OVERLAY_SIZE:
		r = sandbox_parse_size(arg, &o->overlay_size, err);
		return r < 0 ? calyx_error_prefix(err, "--overlay-size") : 1;
	case SANDBOX_OPT_CAPS:
		if (strcmp(arg, "build") != 0)
			return calyx_error_setx(err, EINVAL,
						"--caps: unknown profile \"%s\" (build)", arg);
		o->caps_profile = arg;
		return 1;
	}
	return 0;
}

int sandbox_flag(struct sandbox_options *o, int c, const char *arg,
		 calyx_error **err)
{
	switch (c) {
	case SANDBOX_OPT_ROOTFS:
		if (!arg[0])
			return calyx_error_setx(err, EINVAL, "--rootfs: empty path");
		o->rootfs = arg;
		return 1;
	case SANDBOX_OPT_NAME:
		o->id = arg;
		return 1;
	case SANDBOX_OPT_BIND:
	case 'v':
		return push(&o->binds, &o->n_binds, arg, err);
	case SANDBOX_OPT_ENV_FILE:
		return push(&o->env_files, &o->n_env_files, arg, err);
	case SANDBOX_OPT_REPORT:
		if (!arg[0])
			return calyx_error_setx(err, EINVAL, "--report: empty path");
		o->report = arg;
		return 1;
	case SANDBOX_OPT_TMPFS:
		return push(&o->tmpfs, &o->n_tmpfs, arg, err);
	case 'e':
		return push(&o->env, &o->n_env, arg, err);
	case SANDBOX_OPT_CAP_ADD:
		return push(&o->cap_add, &o->n_cap_add, arg, err);
	case SANDBOX_OPT_CAP_DROP:
		return push(&o->cap_drop, &o->n_cap_drop, arg, err);
	case SANDBOX_OPT_OVERLAY:
		o->overlay = true;
		return 1;
	case SANDBOX_OPT_KEEP_CHANGES:
		o->keep_changes = arg;
		o->overlay = true;
		return 1;
	case SANDBOX_OPT_READ_ONLY:
		o->read_only = true;
		return 1;
	case SANDBOX_OPT_WORKDIR:
		if (arg[0] != '/')
			return calyx_error_setx(err, EINVAL,
						"--workdir: %s is not an absolute path", arg);
		o->workdir = arg;
		return 1;
	case SANDBOX_OPT_USER:
		o->user = arg;
		return 1;
	case SANDBOX_OPT_HOSTNAME:
		o->hostname = arg;
		return 1;
	case SANDBOX_OPT_SECCOMP:
		o->seccomp = arg;
		return 1;
	case 't':
		o->tty = true;
		return 1;
	case SANDBOX_OPT_CGROUP:
		o->cgroup = true;
		return 1;
	case SANDBOX_OPT_PRINT_SPEC:
		o->print_spec = true;
		return 1;
	}
	return sandbox_flag_value(o, c, arg, err);
}
