/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the systemd driver tells systemd: the unit and slice names from
 * linux.cgroupsPath, the resources as unit properties (converted as runc
 * converts them), and the org.systemd.property.* annotations.
 *
 * Annotations come from whoever wrote config.json, which is not always the
 * host's admin (a Kubernetes pod spec, a compose file): CVE-2024-3154 let
 * one set ExecStopPost= and run a command on the host.  So only the names
 * in `allowed` below pass, each with its one D-Bus type, and the value must
 * parse completely as that type.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/systemd.h"
#include "util/cleanup.h"
#include "util/json_escape.h"

#define ANNOTATION_PREFIX "org.systemd.property."
#define INFINITY_U64 UINT64_MAX

/* systemd's unit name characters (unit-name.c VALID_CHARS) */
static bool valid_unit_chars(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(":-_.\\", *s))
			return false;
	return true;
}

int cg_systemd_expand_slice(const char *slice, char **out, calyx_error **err)
{
	size_t n = strlen(slice), len;
	_cleanup_free_ char *path = NULL;
	const char *name_end;
	char *p, q[160];

	calyx_json_escape(slice, q, sizeof(q));
	if (n <= 6 || strcmp(slice + n - 6, ".slice") || !valid_unit_chars(slice) ||
	    n > 255)
		return calyx_error_setx(err, EINVAL, "\"%s\" is not a valid slice name", q);
	if (!strcmp(slice, "-.slice")) {
		*out = strdup("");
		return *out ? 0 : calyx_error_set(err, ENOMEM, "slice");
	}
	name_end = slice + n - 6;
	/* each '-' opens a level: "a-b-c.slice" is /a.slice/a-b.slice/a-b-c.slice */
	if (slice[0] == '-' || name_end[-1] == '-' || strstr(slice, "--"))
		return calyx_error_setx(err, EINVAL, "\"%s\" is not a valid slice name", q);
	len = 0;
	for (const char *c = slice; c <= name_end; c++)
		if (c == name_end || *c == '-')
			len += 1 + (size_t)(c - slice) + 6;
	path = malloc(len + 1);
	if (!path)
		return calyx_error_set(err, ENOMEM, "slice");
	p = path;
	for (const char *c = slice; c <= name_end; c++)
		if (c == name_end || *c == '-')
			p += sprintf(p, "/%.*s.slice", (int)(c - slice), slice);
	*out = TAKE_PTR(path);
	return 0;
}

int cg_systemd_parse_path(const char *cgroups_path, const char *id,
			  bool rootless, struct cg_systemd *sd,
			  calyx_error **err)
{
	_cleanup_free_ char *copy = NULL, *expanded = NULL;
	const char *slice, *prefix, *name;
	char *c1, *c2, q[160];	/* q: the path as quoted in errors */
	int r;

	if (!cgroups_path || !*cgroups_path) {
		/* runc's default: the parent slice, prefix "runc": ours is calyx */
		if (asprintf(&sd->unit, "calyx-%s.scope", id) < 0)
			return calyx_error_set(err, ENOMEM, "cgroup path");
		sd->slice = strdup(rootless ? "user.slice" : "system.slice");
		if (!sd->slice)
			return calyx_error_set(err, ENOMEM, "cgroup path");
		if (!valid_unit_chars(sd->unit))
			return calyx_error_setx(err, EINVAL,
						"container id \"%s\" cannot name a systemd unit", id);
		return 0;
	}
	calyx_json_escape(cgroups_path, q, sizeof(q));
	copy = strdup(cgroups_path);
	if (!copy)
		return calyx_error_set(err, ENOMEM, "cgroup path");
	c1 = strchr(copy, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || strchr(c2 + 1, ':'))
		return calyx_error_setx(err, EINVAL,
					"linux.cgroupsPath: \"%s\": the systemd cgroup driver wants \"slice:prefix:name\" (e.g. \"system.slice:docker:ID\")",
					q);
	*c1 = *c2 = '\0';
	slice = *copy ? copy : rootless ? "user.slice" : "system.slice";
	prefix = c1 + 1;
	name = c2 + 1;
	if (!*name || !valid_unit_chars(prefix) || !valid_unit_chars(name))
		return calyx_error_setx(err, EINVAL,
					"linux.cgroupsPath: \"%s\": prefix and name must be non-empty systemd unit name parts ([A-Za-z0-9:_.\\-])",
					q);
	r = cg_systemd_expand_slice(slice, &expanded, err);
	if (r < 0)
		return calyx_error_prefix(err, "linux.cgroupsPath: \"%s\"", q);
	sd->slice = strdup(slice);
	if (!sd->slice)
		return calyx_error_set(err, ENOMEM, "cgroup path");
	/* a name that is a slice makes the container a slice of its own */
	if (strlen(name) > 6 && !strcmp(name + strlen(name) - 6, ".slice")) {
		free(expanded);
		expanded = NULL;
		r = cg_systemd_expand_slice(name, &expanded, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.cgroupsPath: \"%s\"", q);
		sd->unit = strdup(name);
	} else if (*prefix) {
		r = asprintf(&sd->unit, "%s-%s.scope", prefix, name);
		if (r < 0)
			sd->unit = NULL;
	} else {
		r = asprintf(&sd->unit, "%s.scope", name);
		if (r < 0)
			sd->unit = NULL;
	}
	if (!sd->unit)
		return calyx_error_set(err, ENOMEM, "cgroup path");
	if (strlen(sd->unit) > 255)
		return calyx_error_setx(err, EINVAL,
					"linux.cgroupsPath: \"%s\": unit name longer than 255 characters",
					q);
	return 0;
}

/* --- resources ----------------------------------------------------------- */

static void prop_u64(struct dbus_buf *b, size_t *n, const char *name, uint64_t v)
{
	dbus_put_prop(b, name, "t");
	dbus_put_u64(b, v);
	(*n)++;
}

static uint64_t limit_u64(int64_t v)
{
	return v < 0 ? INFINITY_U64 : (uint64_t)v;
}

/* "0-3,8" -> a little-endian CPU (or node) bitmask, as AllowedCPUs wants */
static int prop_bitmask(struct dbus_buf *b, size_t *n, const char *name,
			const char *field, const char *list, calyx_error **err)
{
	uint8_t mask[1024] = { 0 };	/* 8192 CPUs */
	size_t used = 0;
	const char *p = list;
	struct dbus_array a;

	while (*p) {
		char *end;
		unsigned long lo, hi;

		if (!isdigit((unsigned char)*p))
			goto bad;
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			hi = strtoul(end + 1, &end, 10);
		}
		if (hi < lo || hi >= sizeof(mask) * 8)
			goto bad;
		for (unsigned long i = lo; i <= hi; i++)
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
		if (hi / 8 + 1 > used)
			used = hi / 8 + 1;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	dbus_put_prop(b, name, "ay");
	a = dbus_array_open(b, 1);
	for (size_t i = 0; i < used; i++)
		dbus_put_u8(b, mask[i]);
	dbus_array_close(b, a);
	(*n)++;
	return 0;
bad:
	calyx_json_escape(list, (char *)mask, 160);
	return calyx_error_setx(err, EINVAL, "linux.resources.cpu.%s: \"%s\" is not a list of numbers and ranges",
				field, (char *)mask);
}

static void prop_devices(struct dbus_buf *b, size_t *n, const char *name,
			 const struct calyx_throttle_device *d, size_t count)
{
	struct dbus_array a;

	if (!count)
		return;
	dbus_put_prop(b, name, "a(st)");
	a = dbus_array_open(b, 8);
	for (size_t i = 0; i < count; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/block/%" PRId64 ":%" PRId64,
			 d[i].major, d[i].minor);
		dbus_put_align(b, 8);
		dbus_put_str(b, path);
		dbus_put_u64(b, d[i].rate);
	}
	dbus_array_close(b, a);
	(*n)++;
}

static int memory_props(struct dbus_buf *b, const struct calyx_memory *m,
			size_t *n, calyx_error **err)
{
	int64_t swap;
	int r;

	if (m->has_limit && m->limit != 0)
		prop_u64(b, n, "MemoryMax", limit_u64(m->limit));
	if (m->has_reservation && m->reservation != 0)
		prop_u64(b, n, "MemoryLow", limit_u64(m->reservation));
	r = cg_swap_to_v2(m->has_limit, m->limit, m->has_swap, m->swap, &swap, err);
	if (r < 0)
		return r;
	if (r == 0)
		prop_u64(b, n, "MemorySwapMax", limit_u64(swap));
	return 0;
}

/* runc's CPUQuotaPerSecUSec: systemd keeps a percentage, so round up to
 * the next 10 ms per second or the cgroup gets less than asked */
static void cpu_quota_props(struct dbus_buf *b, const struct calyx_cpu *c, size_t *n)
{
	uint64_t period = c->has_period ? c->period : 0, per_sec = INFINITY_U64;
	int64_t quota = c->has_quota ? c->quota : 0;

	if (period)
		prop_u64(b, n, "CPUQuotaPeriodUSec", period);
	if (!quota && !period)
		return;
	if (quota > 0) {
		if (!period)
			period = 100000;
		per_sec = (uint64_t)quota * 1000000 / period;
		if (per_sec % 10000)
			per_sec = (per_sec / 10000 + 1) * 10000;
	}
	prop_u64(b, n, "CPUQuotaPerSecUSec", per_sec);
}

int cg_systemd_resource_props(struct dbus_buf *b, const struct calyx_resources *r,
			      size_t *n, calyx_error **err)
{
	int ret;

	if (!r)
		return 0;
	if (r->memory) {
		ret = memory_props(b, r->memory, n, err);
		if (ret < 0)
			return ret;
	}
	if (r->cpu) {
		if (r->cpu->has_shares && r->cpu->shares)
			prop_u64(b, n, "CPUWeight", cg_shares_to_weight(r->cpu->shares));
		cpu_quota_props(b, r->cpu, n);
		if (r->cpu->cpus && *r->cpu->cpus &&
		    (ret = prop_bitmask(b, n, "AllowedCPUs", "cpus", r->cpu->cpus, err)) < 0)
			return ret;
		if (r->cpu->mems && *r->cpu->mems &&
		    (ret = prop_bitmask(b, n, "AllowedMemoryNodes", "mems", r->cpu->mems, err)) < 0)
			return ret;
	}
	if (r->has_pids_limit && r->pids_limit != 0)
		prop_u64(b, n, "TasksMax", limit_u64(r->pids_limit));
	if (r->block_io) {
		const struct calyx_block_io *io = r->block_io;

		if (io->has_weight && io->weight)
			prop_u64(b, n, "IOWeight", cg_blkio_weight_to_io_weight(io->weight));
		prop_devices(b, n, "IOReadBandwidthMax", io->throttle_read_bps,
			     io->n_throttle_read_bps);
		prop_devices(b, n, "IOWriteBandwidthMax", io->throttle_write_bps,
			     io->n_throttle_write_bps);
		prop_devices(b, n, "IOReadIOPSMax", io->throttle_read_iops,
			     io->n_throttle_read_iops);
		prop_devices(b, n, "IOWriteIOPSMax", io->throttle_write_iops,
			     io->n_throttle_write_iops);
	}
	if (b->oom)
		return calyx_error_setx(err, ENOMEM, "linux.resources: too many unit properties");
	return 0;
}

/* --- annotations --------------------------------------------------------- */

enum prop_kind {
	PK_U64,		/* a number, "uint64 N"; "infinity" where it is a limit */
	PK_LIMIT,
	PK_BOOL,
	PK_USEC,	/* a duration: "NameSec" becomes "NameUSec" */
	PK_COLLECT,	/* CollectMode's two values */
};

static const struct {
	const char *name;
	enum prop_kind kind;
} allowed[] = {
	{ "CPUAccounting", PK_BOOL },		{ "MemoryAccounting", PK_BOOL },
	{ "IOAccounting", PK_BOOL },		{ "TasksAccounting", PK_BOOL },
	{ "IPAccounting", PK_BOOL },
	{ "CPUWeight", PK_U64 },		{ "StartupCPUWeight", PK_U64 },
	{ "IOWeight", PK_U64 },			{ "StartupIOWeight", PK_U64 },
	{ "CPUQuotaPerSecUSec", PK_LIMIT },	{ "CPUQuotaPeriodUSec", PK_U64 },
	{ "CPUQuotaPeriodSec", PK_USEC },
	{ "MemoryMin", PK_LIMIT },		{ "MemoryLow", PK_LIMIT },
	{ "MemoryHigh", PK_LIMIT },		{ "MemoryMax", PK_LIMIT },
	{ "MemorySwapMax", PK_LIMIT },		{ "TasksMax", PK_LIMIT },
	{ "TimeoutStopUSec", PK_LIMIT },	{ "TimeoutStopSec", PK_USEC },
	{ "RuntimeMaxUSec", PK_LIMIT },		{ "RuntimeMaxSec", PK_USEC },
	{ "CollectMode", PK_COLLECT },
};

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!strncmp(s, "uint64 ", 7))
		s += 7;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* systemd time spans: "90", "1.5s", "100ms", "2min", "1h 30min", "infinity" */
static bool parse_usec(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {
		{ "usec", 1 }, { "us", 1 }, { "msec", 1000 }, { "ms", 1000 },
		{ "seconds", 1000000 }, { "second", 1000000 }, { "sec", 1000000 },
		{ "s", 1000000 }, { "minutes", 60000000 }, { "minute", 60000000 },
		{ "min", 60000000 }, { "hours", 3600000000ULL }, { "hour", 3600000000ULL },
		{ "hr", 3600000000ULL }, { "h", 3600000000ULL },
	};
	uint64_t total = 0;
	bool any = false;

	if (!strcmp(s, "infinity")) {
		*out = INFINITY_U64;
		return true;
	}
	while (*s) {
		uint64_t whole, frac = 0, frac_div = 1, unit = 1000000;
		char *end;
		size_t k;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (!isdigit((unsigned char)*s))
			return false;
		errno = 0;
		whole = strtoull(s, &end, 10);
		if (errno)
			return false;
		s = end;
		if (*s == '.') {
			s++;
			while (isdigit((unsigned char)*s) && frac_div < 1000000) {
				frac = frac * 10 + (uint64_t)(*s++ - '0');
				frac_div *= 10;
			}
			while (isdigit((unsigned char)*s))
				s++;
		}
		for (k = 0; k < ARRAY_SIZE(units); k++) {
			size_t l = strlen(units[k].suffix);

			if (!strncmp(s, units[k].suffix, l) &&
			    (s[l] == '\0' || s[l] == ' ' || isdigit((unsigned char)s[l]))) {
				unit = units[k].usec;
				s += l;
				break;
			}
		}
		if (k == ARRAY_SIZE(units) && *s && *s != ' ')
			return false;
		if (whole > (INFINITY_U64 - 1) / unit)
			return false;
		total += whole * unit + frac * unit / frac_div;
		any = true;
	}
	*out = total;
	return any;
}

/* a GVariant-style string: 'text' or "text", or bare */
static bool parse_collect(const char *s, const char **out)
{
	static const char *const modes[] = { "inactive", "inactive-or-failed" };
	size_t n = strlen(s);

	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strlen(modes[i]) == n && !strncmp(s, modes[i], n)) {
			*out = modes[i];
			return true;
		}
	return false;
}

static int one_annotation(struct dbus_buf *b, const char *key, const char *name,
			  const char *value, size_t *n, calyx_error **err)
{
	size_t i;
	uint64_t v;
	const char *s;
	char usec_name[64], q[160];

	for (i = 0; i < ARRAY_SIZE(allowed); i++)
		if (!strcmp(allowed[i].name, name))
			break;
	if (i == ARRAY_SIZE(allowed)) {
		char qk[160];

		calyx_json_escape(key, qk, sizeof(qk));
		calyx_json_escape(*name ? name : "(empty)", q, sizeof(q));
		return calyx_error_setx(err, EPERM,
					"annotations: %s: %s is not a unit property calyx lets a config set",
					qk, q);
	}
	switch (allowed[i].kind) {
	case PK_BOOL:
		if (strcmp(value, "true") && strcmp(value, "false"))
			break;
		dbus_put_prop(b, name, "b");
		dbus_put_bool(b, !strcmp(value, "true"));
		(*n)++;
		return 0;
	case PK_U64:
	case PK_LIMIT:
		if (allowed[i].kind == PK_LIMIT && !strcmp(value, "infinity"))
			v = INFINITY_U64;
		else if (!parse_u64(value, &v))
			break;
		prop_u64(b, n, name, v);
		return 0;
	case PK_USEC:
		if (!parse_usec(value, &v))
			break;
		/* runc's rule: a "...Sec" property is sent as "...USec" */
		snprintf(usec_name, sizeof(usec_name), "%.*sUSec",
			 (int)(strlen(name) - 3), name);
		prop_u64(b, n, usec_name, v);
		return 0;
	case PK_COLLECT:
		if (!parse_collect(value, &s))
			break;
		dbus_put_prop(b, name, "s");
		dbus_put_str(b, s);
		(*n)++;
		return 0;
	}
	calyx_json_escape(value, q, sizeof(q));
	return calyx_error_setx(err, EINVAL, "annotations: %s: \"%s\" is not a valid %s",
				key, q,
				allowed[i].kind == PK_BOOL ? "boolean (true or false)" :
				allowed[i].kind == PK_USEC ? "time span (e.g. 10s, 500ms)" :
				allowed[i].kind == PK_COLLECT ? "CollectMode (inactive or inactive-or-failed)" :
				allowed[i].kind == PK_LIMIT ? "unsigned number or infinity" :
							      "unsigned number");
}

int cg_systemd_annotation_props(struct dbus_buf *b, const struct calyx_kv *ann,
				size_t n_ann, size_t *n, calyx_error **err)
{
	size_t plen = strlen(ANNOTATION_PREFIX);

	for (size_t i = 0; i < n_ann; i++) {
		int r;

		if (!ann[i].key || strncmp(ann[i].key, ANNOTATION_PREFIX, plen))
			continue;
		r = one_annotation(b, ann[i].key, ann[i].key + plen,
				   ann[i].value ? ann[i].value : "", n, err);
		if (r < 0)
			return r;
	}
	if (b->oom)
		return calyx_error_setx(err, ENOMEM, "annotations: too many unit properties");
	return 0;
}
