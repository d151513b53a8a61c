/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "linux" object: namespaces, id mappings, time offsets, devices,
 * netDevices, seccomp, sysctl, paths, intelRdt, memoryPolicy, personality.
 * Resources are in parse_resources.c; cross-field rules in validate.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse_internal.h"
#include "util/cleanup.h"
#include "util/json.h"

#define OOM(c) calyx_error_setx((c)->err, ENOMEM, "out of memory")

static int parse_namespace(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_namespace *ns = item;
	_cleanup_free_ char *type = NULL;
	int r, t;

	r = get_string(c, e, "type", &type);
	if (r == 0)
		return key_error(c, "type", "is required");
	if (r < 0)
		return r;
	t = calyx_ns_type_from_name(type);
	if (t < 0)
		return key_error(c, "type", "unknown namespace type \"%s\"",
				 type);
	ns->type = (enum calyx_ns_type)t;
	r = get_string(c, e, "path", &ns->path);
	return r < 0 ? r : 0;
}

static int parse_time_offsets(struct spec_ctx *c, yajl_val lin,
			      struct calyx_linux *l)
{
	yajl_val v = NULL;
	size_t old, len;
	int r;

	r = get_object(c, lin, "timeOffsets", &v);
	if (r <= 0)
		return r;
	len = v->u.object.len;
	l->time_offsets = calloc(len ? len : 1, sizeof(*l->time_offsets));
	if (!l->time_offsets)
		return OOM(c);
	old = path_push_key(c, "timeOffsets");
	r = 0;
	for (size_t i = 0; i < len && r >= 0; i++) {
		const char *clock = v->u.object.keys[i];
		yajl_val off = v->u.object.values[i];
		struct calyx_time_offset *t;
		size_t at;

		if (YAJL_IS_NULL(off))
			continue;
		/* The kernel offsets only these two clocks. */
		if (strcmp(clock, "monotonic") != 0 &&
		    strcmp(clock, "boottime") != 0) {
			r = key_error(c, clock, "unknown clock (must be "
				      "\"monotonic\" or \"boottime\")");
			break;
		}
		at = path_push_key(c, clock);
		t = &l->time_offsets[l->n_time_offsets++];
		t->clock = strdup(clock);
		if (!t->clock)
			r = OOM(c);
		else if (!YAJL_IS_OBJECT(off))
			r = path_error(c, "must be an object");
		else if ((r = get_i64(c, off, "secs", &t->secs, NULL)) >= 0)
			r = get_u32(c, off, "nanosecs", &t->nanosecs, NULL);
		path_pop(c, at);
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static uint64_t device_type_bits(char type)
{
	return type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
}

static int parse_device(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_device *d = item;
	_cleanup_free_ char *type = NULL;
	uint64_t mode;
	int r;

	r = get_string(c, e, "type", &type);
	if (r == 0)
		return key_error(c, "type", "is required");
	if (r < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return key_error(c, "type", "must be one of \"c\", \"b\", "
				 "\"u\" or \"p\", not \"%s\"", type);
	d->type = type[0];
	r = get_string(c, e, "path", &d->path);
	if (r == 0)
		return key_error(c, "path", "is required");
	if (r < 0)
		return r;
	if ((r = get_i64(c, e, "major", &d->major, &d->has_major)) < 0 ||
	    (r = get_i64(c, e, "minor", &d->minor, &d->has_minor)) < 0 ||
	    (r = get_id(c, e, "uid", &d->uid, &d->has_uid)) < 0 ||
	    (r = get_id(c, e, "gid", &d->gid, &d->has_gid)) < 0)
		return r;
	/*
	 * Permission bits only (0777; the schema's maximum is 511).  podman
	 * sends the whole st_mode (S_IFCHR|0644), which runc and crun take:
	 * file-type bits that match "type" are dropped.
	 */
	r = get_uint(c, e, "fileMode", UINT32_MAX, &mode);
	if (r < 0)
		return r;
	if (r > 0 && (mode & S_IFMT) == device_type_bits(d->type))
		mode &= ~(uint64_t)S_IFMT;
	if (r > 0 && mode > 0777)
		return key_error(c, "fileMode", "must be an integer between 0 and 511");
	if (r > 0) {
		d->has_file_mode = true;
		d->file_mode = (uint32_t)mode;
	}
	return 0;
}

static int parse_net_devices(struct spec_ctx *c, yajl_val lin,
			     struct calyx_linux *l)
{
	yajl_val v = NULL;
	size_t old, len;
	int r;

	r = get_object(c, lin, "netDevices", &v);
	if (r <= 0)
		return r;
	len = v->u.object.len;
	l->net_devices = calloc(len ? len : 1, sizeof(*l->net_devices));
	if (!l->net_devices)
		return OOM(c);
	l->n_net_devices = len;
	old = path_push_key(c, "netDevices");
	r = 0;
	for (size_t i = 0; i < len && r >= 0; i++) {
		struct calyx_net_device *nd = &l->net_devices[i];
		size_t at = path_push_key(c, v->u.object.keys[i]);
		yajl_val dev = v->u.object.values[i];

		nd->host_name = strdup(v->u.object.keys[i]);
		if (!nd->host_name)
			r = OOM(c);
		else if (!v->u.object.keys[i][0])
			r = path_error(c, "the host interface name must not "
				       "be empty");
		else if (!YAJL_IS_NULL(dev) && !YAJL_IS_OBJECT(dev))
			r = path_error(c, "must be an object");
		else
			r = get_string(c, dev, "name", &nd->name);
		path_pop(c, at);
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_syscall_arg(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_syscall_arg *a = item;
	uint32_t index;
	int r;

	r = get_u32(c, e, "index", &index, NULL);
	if (r == 0)
		return key_error(c, "index", "is required");
	if (r < 0)
		return r;
	a->index = index;
	r = get_u64(c, e, "value", &a->value, NULL);
	if (r == 0)
		return key_error(c, "value", "is required");
	if (r < 0 ||
	    (r = get_u64(c, e, "valueTwo", &a->value_two, NULL)) < 0)
		return r;
	r = get_string(c, e, "op", &a->op);
	if (r == 0)
		return key_error(c, "op", "is required");
	return r < 0 ? r : 0;
}

static int parse_syscall(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_syscall_rule *s = item;
	size_t n = 0;
	int r;

	r = get_strv(c, e, "names", &s->names, &n);
	if (r >= 0 && n == 0)
		return key_error(c, "names",
				 "must be a non-empty array of strings");
	if (r < 0)
		return r;
	r = get_string(c, e, "action", &s->action);
	if (r == 0)
		return key_error(c, "action", "is required");
	if (r < 0 ||
	    (r = get_u32(c, e, "errnoRet", &s->errno_ret,
			 &s->has_errno_ret)) < 0)
		return r;
	return parse_object_array(c, e, "args", sizeof(*s->args),
				  (void **)&s->args, &s->n_args,
				  parse_syscall_arg);
}

/* A seccomp object (path already pointing at it) into a new *out. */
static int parse_seccomp_object(struct spec_ctx *c, yajl_val v,
				struct calyx_seccomp **out)
{
	struct calyx_seccomp *s;
	int r;

	s = *out = calloc(1, sizeof(*s));
	if (!s)
		return OOM(c);
	/* Action, arch, flag and syscall names are checked by seccomp/. */
	r = get_string(c, v, "defaultAction", &s->default_action);
	if (r == 0)
		r = key_error(c, "defaultAction", "is required");
	if (r > 0 &&
	    (r = get_u32(c, v, "defaultErrnoRet", &s->default_errno_ret,
			 &s->has_default_errno_ret)) >= 0 &&
	    (r = get_strv(c, v, "architectures", &s->architectures,
			  NULL)) >= 0 &&
	    (r = get_strv(c, v, "flags", &s->flags, NULL)) >= 0 &&
	    (r = get_string(c, v, "listenerPath", &s->listener_path)) >= 0 &&
	    (r = get_string(c, v, "listenerMetadata",
			    &s->listener_metadata)) >= 0)
		r = parse_object_array(c, v, "syscalls", sizeof(*s->syscalls),
				       (void **)&s->syscalls, &s->n_syscalls,
				       parse_syscall);
	return r < 0 ? r : 0;
}

static int parse_seccomp(struct spec_ctx *c, yajl_val lin,
			 struct calyx_linux *l)
{
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, lin, "seccomp", &v);
	if (r <= 0)
		return r;
	old = path_push_key(c, "seccomp");
	r = parse_seccomp_object(c, v, &l->seccomp);
	path_pop(c, old);
	return r;
}

int calyx_seccomp_parse(const char *json, size_t len,
			struct calyx_seccomp **out, calyx_error **err)
{
	_cleanup_free_ char *text = strndup(json, len);
	struct spec_ctx c = { .err = err };
	struct calyx_seccomp *s = NULL;
	yajl_val doc;
	int r;

	if (!text)
		return calyx_error_setx(err, ENOMEM, "out of memory");
	doc = calyx_json_parse(text, len, "linux.seccomp", err);
	if (!doc)
		return calyx_json_error_code(err);
	path_push_key(&c, "linux");
	path_push_key(&c, "seccomp");
	/* null, a string or an array is no profile: never "no filter" */
	if (!YAJL_IS_OBJECT(doc))
		r = path_error(&c, "must be a seccomp object");
	else
		r = parse_seccomp_object(&c, doc, &s);
	yajl_tree_free(doc);
	if (r < 0) {
		calyx_spec_seccomp_free(s);
		calyx_json_error_printable(err);
		return r;
	}
	*out = s;
	return 0;
}

static int check_no_newline(struct spec_ctx *c, const char *key,
			    const char *s)
{
	if (s && strchr(s, '\n'))
		return key_error(c, key, "must not contain a newline");
	return 0;
}

static int parse_intel_rdt(struct spec_ctx *c, yajl_val lin,
			   struct calyx_linux *l)
{
	struct calyx_intel_rdt *rdt;
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, lin, "intelRdt", &v);
	if (r <= 0)
		return r;
	rdt = l->intel_rdt = calloc(1, sizeof(*rdt));
	if (!rdt)
		return OOM(c);
	old = path_push_key(c, "intelRdt");
	if ((r = get_string(c, v, "closID", &rdt->clos_id)) < 0 ||
	    (r = get_string(c, v, "l3CacheSchema",
			    &rdt->l3_cache_schema)) < 0 ||
	    (r = get_string(c, v, "memBwSchema", &rdt->mem_bw_schema)) < 0 ||
	    (r = get_strv(c, v, "schemata", &rdt->schemata, NULL)) < 0 ||
	    (r = get_bool(c, v, "enableMonitoring",
			  &rdt->enable_monitoring)) < 0)
		goto out;
	if (rdt->mem_bw_schema && strncmp(rdt->mem_bw_schema, "MB:", 3) != 0) {
		r = key_error(c, "memBwSchema", "must start with \"MB:\"");
		goto out;
	}
	if ((r = check_no_newline(c, "memBwSchema", rdt->mem_bw_schema)) < 0 ||
	    (r = check_no_newline(c, "l3CacheSchema",
				  rdt->l3_cache_schema)) < 0)
		goto out;
	for (size_t i = 0; rdt->schemata && rdt->schemata[i]; i++) {
		if (strchr(rdt->schemata[i], '\n')) {
			size_t at = path_push_key(c, "schemata");

			path_push_index(c, i);
			r = path_error(c, "must not contain a newline");
			path_pop(c, at);
			goto out;
		}
	}
out:
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Check every string of a list against the spec's enum. */
static int check_enum_strv(struct spec_ctx *c, const char *key, char **v,
			   const char *const *allowed, const char *what)
{
	for (size_t i = 0; v && v[i]; i++) {
		if (!in_list(v[i], allowed)) {
			size_t at = path_push_key(c, key);
			int r;

			path_push_index(c, i);
			r = path_error(c, "unknown %s \"%s\"", what, v[i]);
			path_pop(c, at);
			return r;
		}
	}
	return 0;
}

static int parse_memory_policy(struct spec_ctx *c, yajl_val lin,
			       struct calyx_linux *l)
{
	static const char *const modes[] = {
		"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
		"MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED",
		"MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL
	};
	static const char *const flags[] = {
		"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
		"MPOL_F_STATIC_NODES", NULL
	};
	struct calyx_memory_policy *mp;
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, lin, "memoryPolicy", &v);
	if (r <= 0)
		return r;
	mp = l->memory_policy = calloc(1, sizeof(*mp));
	if (!mp)
		return OOM(c);
	old = path_push_key(c, "memoryPolicy");
	if ((r = get_string(c, v, "mode", &mp->mode)) < 0 ||
	    (r = get_string(c, v, "nodes", &mp->nodes)) < 0 ||
	    (r = get_strv(c, v, "flags", &mp->flags, NULL)) < 0)
		goto out;
	if (mp->mode && !in_list(mp->mode, modes)) {
		r = key_error(c, "mode", "unknown memory policy mode \"%s\"",
			      mp->mode);
		goto out;
	}
	r = check_enum_strv(c, "flags", mp->flags, flags,
			    "memory policy flag");
out:
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_personality(struct spec_ctx *c, yajl_val lin,
			     struct calyx_linux *l)
{
	struct calyx_personality *p;
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, lin, "personality", &v);
	if (r <= 0)
		return r;
	p = l->personality = calloc(1, sizeof(*p));
	if (!p)
		return OOM(c);
	old = path_push_key(c, "personality");
	if ((r = get_string(c, v, "domain", &p->domain)) >= 0 &&
	    (r = get_strv(c, v, "flags", &p->flags, NULL)) >= 0 &&
	    p->domain && strcmp(p->domain, "LINUX") != 0 &&
	    strcmp(p->domain, "LINUX32") != 0)
		r = key_error(c, "domain", "must be \"LINUX\" or \"LINUX32\", "
			      "not \"%s\"", p->domain);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_linux_fields(struct spec_ctx *c, yajl_val v,
			      struct calyx_linux *l)
{
	yajl_val res = NULL;
	int r;

	if ((r = parse_object_array(c, v, "namespaces",
				    sizeof(*l->namespaces),
				    (void **)&l->namespaces, &l->n_namespaces,
				    parse_namespace)) < 0 ||
	    (r = parse_id_mappings(c, v, "uidMappings", &l->uid_mappings,
				   &l->n_uid_mappings)) < 0 ||
	    (r = parse_id_mappings(c, v, "gidMappings", &l->gid_mappings,
				   &l->n_gid_mappings)) < 0 ||
	    (r = parse_time_offsets(c, v, l)) < 0 ||
	    (r = parse_object_array(c, v, "devices", sizeof(*l->devices),
				    (void **)&l->devices, &l->n_devices,
				    parse_device)) < 0 ||
	    (r = parse_net_devices(c, v, l)) < 0 ||
	    (r = get_string(c, v, "cgroupsPath", &l->cgroups_path)) < 0 ||
	    (r = get_string(c, v, "rootfsPropagation",
			    &l->rootfs_propagation)) < 0 ||
	    (r = parse_seccomp(c, v, l)) < 0 ||
	    (r = get_string_map(c, v, "sysctl", &l->sysctl,
				&l->n_sysctl)) < 0 ||
	    (r = get_strv(c, v, "maskedPaths", &l->masked_paths, NULL)) < 0 ||
	    (r = get_strv(c, v, "readonlyPaths", &l->readonly_paths,
			  NULL)) < 0 ||
	    (r = get_string(c, v, "mountLabel", &l->mount_label)) < 0 ||
	    (r = parse_intel_rdt(c, v, l)) < 0 ||
	    (r = parse_memory_policy(c, v, l)) < 0 ||
	    (r = parse_personality(c, v, l)) < 0)
		return r;

	r = get_object(c, v, "resources", &res);
	if (r > 0) {
		size_t old = path_push_key(c, "resources");

		r = parse_resources_object(c, res, &l->resources);
		path_pop(c, old);
	}
	return r < 0 ? r : 0;
}

int parse_linux_object(struct spec_ctx *c, yajl_val v, struct calyx_linux **out)
{
	struct calyx_linux *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return OOM(c);
	r = parse_linux_fields(c, v, l);
	if (r < 0) {
		linux_free(l);
		return r;
	}
	*out = l;
	return 0;
}
