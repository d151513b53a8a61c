/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json -> struct calyx_spec: entry points, the JSON-path tracker,
 * typed getters, and the top-level sections (root, mounts, hooks,
 * annotations).  process and linux live in their own files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* ---- JSON path --------------------------------------------------------- */

static size_t path_append(struct spec_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t path_append(struct spec_ctx *c, const char *fmt, ...)
{
	size_t old = c->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + c->len, sizeof(c->path) - c->len, fmt, ap);
	va_end(ap);
	if (n > 0) {
		c->len += (size_t)n;
		if (c->len >= sizeof(c->path))	/* truncated: still usable */
			c->len = sizeof(c->path) - 1;
	}
	return old;
}

size_t path_push_key(struct spec_ctx *c, const char *key)
{
	return path_append(c, "%s%s", c->len ? "." : "", key);
}

size_t path_push_index(struct spec_ctx *c, size_t i)
{
	return path_append(c, "[%zu]", i);
}

static int path_verror(struct spec_ctx *c, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static int path_verror(struct spec_ctx *c, const char *fmt, va_list ap)
{
	_cleanup_free_ char *why = NULL;

	if (vasprintf(&why, fmt, ap) < 0)
		return calyx_error_setx(c->err, ENOMEM, "out of memory");
	if (c->len == 0)
		return calyx_error_setx(c->err, EINVAL, "%s", why);
	return calyx_error_setx(c->err, EINVAL, "%s: %s", c->path, why);
}

int path_error(struct spec_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = path_verror(c, fmt, ap);
	va_end(ap);
	return r;
}

int key_error(struct spec_ctx *c, const char *key, const char *fmt, ...)
{
	size_t old = path_push_key(c, key);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = path_verror(c, fmt, ap);
	va_end(ap);
	path_pop(c, old);
	return r;
}

static int oom(struct spec_ctx *c)
{
	return calyx_error_setx(c->err, ENOMEM, "out of memory");
}

/* ---- getters ----------------------------------------------------------- */

yajl_val obj_get(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++) {
		if (strcmp(obj->u.object.keys[i], key) == 0) {
			yajl_val v = obj->u.object.values[i];

			return YAJL_IS_NULL(v) ? NULL : v;
		}
	}
	return NULL;
}

int get_object(struct spec_ctx *c, yajl_val obj, const char *key,
	       yajl_val *out)
{
	yajl_val v = obj_get(obj, key);

	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return key_error(c, key, "must be an object");
	*out = v;
	return 1;
}

int get_array(struct spec_ctx *c, yajl_val obj, const char *key,
	      yajl_val *out)
{
	yajl_val v = obj_get(obj, key);

	if (!v)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return key_error(c, key, "must be an array");
	*out = v;
	return 1;
}

int get_string(struct spec_ctx *c, yajl_val obj, const char *key, char **out)
{
	yajl_val v = obj_get(obj, key);
	char *s;

	if (!v)
		return 0;
	if (!YAJL_IS_STRING(v))
		return key_error(c, key, "must be a string");
	s = strdup(v->u.string);
	if (!s)
		return oom(c);
	free(*out);
	*out = s;
	return 1;
}

int get_bool(struct spec_ctx *c, yajl_val obj, const char *key, bool *out)
{
	yajl_val v = obj_get(obj, key);

	if (!v)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return key_error(c, key, "must be a boolean");
	*out = YAJL_IS_TRUE(v);
	return 1;
}

/*
 * JSON integers are checked on yajl's raw text, not its double or long
 * long: a float ("1.5", "1e3") is not an integer, and uint64 values above
 * INT64_MAX must not be clamped.
 */
static bool raw_is_integer(const char *r)
{
	if (*r == '-')
		r++;
	if (!*r)
		return false;
	for (; *r; r++)
		if (*r < '0' || *r > '9')
			return false;
	return true;
}

int value_int(struct spec_ctx *c, yajl_val v, int64_t min, int64_t max,
	      int64_t *out)
{
	long long n;
	char *end;

	if (!YAJL_IS_NUMBER(v) || !raw_is_integer(v->u.number.r))
		return path_error(c, "must be an integer");
	errno = 0;
	n = strtoll(v->u.number.r, &end, 10);
	if (errno == ERANGE || *end || n < min || n > max)
		return path_error(c, "must be an integer between %" PRId64
				  " and %" PRId64, min, max);
	*out = n;
	return 1;
}

int value_uint(struct spec_ctx *c, yajl_val v, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	const char *r;
	char *end;

	if (!YAJL_IS_NUMBER(v) || !raw_is_integer(v->u.number.r))
		return path_error(c, "must be an integer");
	r = v->u.number.r;
	errno = 0;
	n = strtoull(r, &end, 10);
	/* strtoull accepts "-1" as ULLONG_MAX: refuse any minus but "-0" */
	if (errno == ERANGE || *end || n > max ||
	    (r[0] == '-' && strspn(r + 1, "0") != strlen(r + 1)))
		return path_error(c, "must be an integer between 0 and %" PRIu64,
				  max);
	*out = n;
	return 1;
}

int get_int(struct spec_ctx *c, yajl_val obj, const char *key, int64_t min,
	    int64_t max, int64_t *out)
{
	yajl_val v = obj_get(obj, key);
	size_t old;
	int r;

	if (!v)
		return 0;
	old = path_push_key(c, key);
	r = value_int(c, v, min, max, out);
	path_pop(c, old);
	return r;
}

int get_uint(struct spec_ctx *c, yajl_val obj, const char *key, uint64_t max,
	     uint64_t *out)
{
	yajl_val v = obj_get(obj, key);
	size_t old;
	int r;

	if (!v)
		return 0;
	old = path_push_key(c, key);
	r = value_uint(c, v, max, out);
	path_pop(c, old);
	return r;
}

static void set_has(bool *has, int r)
{
	if (has && r > 0)
		*has = true;
}

int get_u32(struct spec_ctx *c, yajl_val obj, const char *key, uint32_t *out,
	    bool *has)
{
	uint64_t v;
	int r = get_uint(c, obj, key, UINT32_MAX, &v);

	if (r > 0)
		*out = (uint32_t)v;
	set_has(has, r);
	return r;
}

int get_id(struct spec_ctx *c, yajl_val obj, const char *key, uint32_t *out,
	   bool *has)
{
	uint64_t v;
	int r = get_uint(c, obj, key, CALYX_ID_MAX, &v);

	if (r > 0)
		*out = (uint32_t)v;
	set_has(has, r);
	return r;
}

int get_u16(struct spec_ctx *c, yajl_val obj, const char *key, uint16_t *out,
	    bool *has)
{
	uint64_t v;
	int r = get_uint(c, obj, key, UINT16_MAX, &v);

	if (r > 0)
		*out = (uint16_t)v;
	set_has(has, r);
	return r;
}

int get_u64(struct spec_ctx *c, yajl_val obj, const char *key, uint64_t *out,
	    bool *has)
{
	int r = get_uint(c, obj, key, UINT64_MAX, out);

	set_has(has, r);
	return r;
}

int get_i64(struct spec_ctx *c, yajl_val obj, const char *key, int64_t *out,
	    bool *has)
{
	int r = get_int(c, obj, key, INT64_MIN, INT64_MAX, out);

	set_has(has, r);
	return r;
}

int get_i32(struct spec_ctx *c, yajl_val obj, const char *key, int32_t *out,
	    bool *has)
{
	int64_t v;
	int r = get_int(c, obj, key, INT32_MIN, INT32_MAX, &v);

	if (r > 0)
		*out = (int32_t)v;
	set_has(has, r);
	return r;
}

int get_strv(struct spec_ctx *c, yajl_val obj, const char *key, char ***out,
	     size_t *n)
{
	yajl_val v = obj_get(obj, key);
	_cleanup_strv_ char **list = NULL;
	size_t len;

	if (!v)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return key_error(c, key, "must be an array of strings");
	len = v->u.array.len;
	list = calloc(len + 1, sizeof(*list));
	if (!list)
		return oom(c);
	for (size_t i = 0; i < len; i++) {
		yajl_val s = v->u.array.values[i];

		if (!YAJL_IS_STRING(s)) {
			size_t old = path_push_key(c, key);

			path_push_index(c, i);
			path_error(c, "must be a string");
			path_pop(c, old);
			return -EINVAL;
		}
		list[i] = strdup(s->u.string);
		if (!list[i])
			return oom(c);
	}
	calyx_strv_free(*out);
	*out = TAKE_PTR(list);
	if (n)
		*n = len;
	return 1;
}

int get_string_map(struct spec_ctx *c, yajl_val obj, const char *key,
		   struct calyx_kv **out, size_t *n)
{
	yajl_val v = obj_get(obj, key);
	struct calyx_kv *kv;
	size_t len, old;
	int r = 1;

	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return key_error(c, key, "must be an object of strings");
	len = v->u.object.len;
	kv = calloc(len ? len : 1, sizeof(*kv));
	if (!kv)
		return oom(c);
	old = path_push_key(c, key);
	for (size_t i = 0; i < len && r > 0; i++) {
		yajl_val s = v->u.object.values[i];

		if (!YAJL_IS_STRING(s)) {
			key_error(c, v->u.object.keys[i], "must be a string");
			r = -EINVAL;
			break;
		}
		kv[i].key = strdup(v->u.object.keys[i]);
		kv[i].value = strdup(s->u.string);
		if (!kv[i].key || !kv[i].value)
			r = oom(c);
	}
	path_pop(c, old);
	if (r < 0) {
		kv_free(kv, len);
		return r;
	}
	kv_free(*out, *n);
	*out = kv;
	*n = len;
	return 1;
}

int parse_id_mappings(struct spec_ctx *c, yajl_val obj, const char *key,
		      struct calyx_id_mapping **out, size_t *n)
{
	yajl_val arr = NULL;
	_cleanup_free_ struct calyx_id_mapping *m = NULL;
	size_t old, len;
	int r;

	r = get_array(c, obj, key, &arr);
	if (r <= 0)
		return r;
	len = arr->u.array.len;
	m = calloc(len ? len : 1, sizeof(*m));
	if (!m)
		return oom(c);
	old = path_push_key(c, key);
	for (size_t i = 0; i < len; i++) {
		yajl_val e = arr->u.array.values[i];
		size_t at = path_push_index(c, i);
		static const char *const req[] = { "containerID", "hostID",
						   "size" };
		uint32_t *dst[] = { &m[i].container_id, &m[i].host_id,
				    &m[i].size };

		if (!YAJL_IS_OBJECT(e)) {
			r = path_error(c, "must be an object");
			goto out;
		}
		for (size_t k = 0; k < ARRAY_SIZE(req); k++) {
			/* a size may span all 2^32-1 ids ("0 0 4294967295") */
			r = k == 2 ? get_u32(c, e, req[k], dst[k], NULL) :
				     get_id(c, e, req[k], dst[k], NULL);
			if (r == 0)
				r = key_error(c, req[k], "is required");
			if (r < 0)
				goto out;
		}
		/* every id of the range must be a valid id on both sides */
		if (m[i].size == 0) {
			r = key_error(c, "size", "must be at least 1");
			goto out;
		}
		if (m[i].size - 1 > CALYX_ID_MAX - m[i].container_id ||
		    m[i].size - 1 > CALYX_ID_MAX - m[i].host_id) {
			r = key_error(c, "size", "%" PRIu32 " ids from %" PRIu32
				      " (container) / %" PRIu32 " (host) go "
				      "past the last id, %u", m[i].size,
				      m[i].container_id, m[i].host_id,
				      CALYX_ID_MAX);
			goto out;
		}
		path_pop(c, at);
	}
	free(*out);
	*out = TAKE_PTR(m);
	*n = len;
	r = 1;
out:
	path_pop(c, old);
	return r;
}

/* ---- ociVersion -------------------------------------------------------- */

static bool parse_semver_part(const char **p, unsigned long *out)
{
	char *end;

	if (**p < '0' || **p > '9' || (**p == '0' && (*p)[1] >= '0' &&
					(*p)[1] <= '9'))
		return false;
	errno = 0;
	*out = strtoul(*p, &end, 10);
	if (errno)
		return false;
	*p = end;
	return true;
}

/* SemVer 2.0.0 MAJOR.MINOR.PATCH[-pre][+build]; we speak 1.0.0 .. 1.3.x. */
static int check_oci_version(struct spec_ctx *c, const char *v)
{
	unsigned long major, minor, patch;
	const char *p = v;

	if (!parse_semver_part(&p, &major) || *p++ != '.' ||
	    !parse_semver_part(&p, &minor) || *p++ != '.' ||
	    !parse_semver_part(&p, &patch))
		goto bad;
	if (*p == '-' || *p == '+') {
		const char *tail = p + 1;

		if (!*tail || strspn(tail, "0123456789abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+") !=
				      strlen(tail))
			goto bad;
	} else if (*p) {
		goto bad;
	}
	if (major != 1 || minor > 3)
		return key_error(c, "ociVersion",
				 "unsupported version \"%s\" (calyx supports "
				 "1.0.0 through 1.3.x)", v);
	return 0;
bad:
	return key_error(c, "ociVersion",
			 "\"%s\" is not a SemVer version (e.g. \"1.3.0\")", v);
}

/* ---- top-level sections ------------------------------------------------ */

static int parse_root(struct spec_ctx *c, yajl_val doc, struct calyx_spec *s)
{
	yajl_val root = NULL;
	size_t old;
	int r;

	r = get_object(c, doc, "root", &root);
	if (r < 0)
		return r;
	/* config.md: root is REQUIRED on every platform but Hyper-V. */
	if (r == 0)
		return key_error(c, "root", "is required");
	old = path_push_key(c, "root");
	r = get_string(c, root, "path", &s->root_path);
	if (r == 0)
		r = key_error(c, "path", "is required");
	else if (r > 0 && !s->root_path[0])
		r = key_error(c, "path", "must not be empty");
	if (r > 0)
		r = get_bool(c, root, "readonly", &s->root_readonly);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_mount(struct spec_ctx *c, yajl_val e, struct calyx_mount *m)
{
	int r;

	if (!YAJL_IS_OBJECT(e))
		return path_error(c, "must be an object");
	r = get_string(c, e, "destination", &m->destination);
	if (r == 0)
		return key_error(c, "destination", "is required");
	if (r < 0)
		return r;
	if (!m->destination[0])
		return key_error(c, "destination", "must not be empty");
	/*
	 * config.md: on Linux a relative destination is deprecated but MUST
	 * be taken as relative to "/"; store it absolute so no consumer has
	 * to care.
	 */
	if (m->destination[0] != '/') {
		char *abs;

		if (asprintf(&abs, "/%s", m->destination) < 0)
			return oom(c);
		free(m->destination);
		m->destination = abs;
	}
	if ((r = get_string(c, e, "type", &m->type)) < 0 ||
	    (r = get_string(c, e, "source", &m->source)) < 0 ||
	    (r = get_strv(c, e, "options", &m->options, NULL)) < 0 ||
	    (r = parse_id_mappings(c, e, "uidMappings", &m->uid_mappings,
				   &m->n_uid_mappings)) < 0 ||
	    (r = parse_id_mappings(c, e, "gidMappings", &m->gid_mappings,
				   &m->n_gid_mappings)) < 0)
		return r;
	return 0;
}

static int parse_mounts(struct spec_ctx *c, yajl_val doc, struct calyx_spec *s)
{
	yajl_val arr = NULL;
	size_t old, len;
	int r;

	r = get_array(c, doc, "mounts", &arr);
	if (r <= 0)
		return r;
	len = arr->u.array.len;
	s->mounts = calloc(len ? len : 1, sizeof(*s->mounts));
	if (!s->mounts)
		return oom(c);
	s->n_mounts = len;
	old = path_push_key(c, "mounts");
	for (size_t i = 0; i < len && r >= 0; i++) {
		size_t at = path_push_index(c, i);

		r = parse_mount(c, arr->u.array.values[i], &s->mounts[i]);
		path_pop(c, at);
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_hook(struct spec_ctx *c, yajl_val e, struct calyx_hook *h)
{
	int64_t timeout;
	int r;

	if (!YAJL_IS_OBJECT(e))
		return path_error(c, "must be an object");
	r = get_string(c, e, "path", &h->path);
	if (r == 0)
		return key_error(c, "path", "is required");
	if (r < 0 ||
	    (r = get_strv(c, e, "args", &h->args, NULL)) < 0 ||
	    (r = get_strv(c, e, "env", &h->env, NULL)) < 0)
		return r;
	r = get_int(c, e, "timeout", 1, INT_MAX, &timeout);
	if (r < 0)
		return r;
	if (r > 0) {
		h->has_timeout = true;
		h->timeout = (int)timeout;
	}
	return 0;
}

static int parse_hooks(struct spec_ctx *c, yajl_val doc, struct calyx_spec *s)
{
	yajl_val hooks = NULL;
	size_t old;
	int r;

	r = get_object(c, doc, "hooks", &hooks);
	if (r <= 0)
		return r;
	old = path_push_key(c, "hooks");
	for (int k = 0; k < CALYX_HOOK_COUNT && r >= 0; k++) {
		const char *name = calyx_hook_kind_name(k);
		struct calyx_hook_list *list = &s->hooks[k];
		yajl_val arr = NULL;
		size_t at;

		r = get_array(c, hooks, name, &arr);
		if (r <= 0)
			continue;
		list->hooks = calloc(arr->u.array.len ? arr->u.array.len : 1,
				     sizeof(*list->hooks));
		if (!list->hooks) {
			r = oom(c);
			break;
		}
		list->n = arr->u.array.len;
		at = path_push_key(c, name);
		for (size_t i = 0; i < list->n && r >= 0; i++) {
			size_t ai = path_push_index(c, i);

			r = parse_hook(c, arr->u.array.values[i],
				       &list->hooks[i]);
			path_pop(c, ai);
		}
		path_pop(c, at);
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_document(struct spec_ctx *c, yajl_val doc,
			  struct calyx_spec *s)
{
	yajl_val v = NULL;
	int r;

	if (!YAJL_IS_OBJECT(doc))
		return path_error(c, "the configuration must be a JSON object");

	r = get_string(c, doc, "ociVersion", &s->oci_version);
	if (r == 0)
		return key_error(c, "ociVersion", "is required");
	if (r < 0 || (r = check_oci_version(c, s->oci_version)) < 0)
		return r;
	if ((r = parse_root(c, doc, s)) < 0 ||
	    (r = parse_mounts(c, doc, s)) < 0 ||
	    (r = get_string(c, doc, "hostname", &s->hostname)) < 0 ||
	    (r = get_string(c, doc, "domainname", &s->domainname)) < 0 ||
	    (r = parse_hooks(c, doc, s)) < 0 ||
	    (r = get_string_map(c, doc, "annotations", &s->annotations,
				&s->n_annotations)) < 0)
		return r;

	r = get_object(c, doc, "process", &v);
	if (r < 0)
		return r;
	if (r > 0) {
		size_t old = path_push_key(c, "process");

		r = parse_process_object(c, v, &s->process);
		path_pop(c, old);
		if (r < 0)
			return r;
	}

	v = NULL;
	r = get_object(c, doc, "linux", &v);
	if (r < 0)
		return r;
	if (r > 0) {
		size_t old = path_push_key(c, "linux");

		r = parse_linux_object(c, v, &s->linux_cfg);
		path_pop(c, old);
		if (r < 0)
			return r;
	}
	/* windows, solaris, vm, zos, freebsd: other platforms, ignored. */
	return 0;
}

/* ---- entry points ------------------------------------------------------ */

/* text is NUL-terminated at len (one copy at most, by the caller). */
static int spec_parse_text(const char *text, size_t len,
			   struct calyx_spec **out, calyx_error **err)
{
	struct spec_ctx c = { .err = err };
	struct calyx_spec *s;
	yajl_val doc;
	int r;

	doc = calyx_json_parse(text, len, NULL, err);
	if (!doc)
		return calyx_json_error_code(err);
	s = calloc(1, sizeof(*s));
	if (!s) {
		yajl_tree_free(doc);
		return oom(&c);
	}
	r = parse_document(&c, doc, s);
	yajl_tree_free(doc);
	if (r < 0) {
		calyx_spec_free(s);
		calyx_json_error_printable(err);
		return r;
	}
	*out = s;
	return 0;
}

int calyx_spec_parse(const char *json, size_t len, struct calyx_spec **out,
		     calyx_error **err)
{
	/* a NUL inside stops strndup early: calyx_json_parse says so */
	_cleanup_free_ char *text = strndup(json, len);

	if (!text)
		return calyx_error_setx(err, ENOMEM, "out of memory");
	return spec_parse_text(text, len, out, err);
}

int calyx_spec_parse_file(const char *path, struct calyx_spec **out,
			  calyx_error **err)
{
	_cleanup_free_ char *buf = NULL;
	const char *base;
	size_t len = 0;
	int r;

	r = calyx_read_file_at(AT_FDCWD, path, &buf, &len, err);
	if (r < 0)
		return r;
	r = spec_parse_text(buf, len, out, err);
	if (r < 0) {
		base = strrchr(path, '/');
		calyx_error_prefix(err, "%s", base ? base + 1 : path);
	}
	return r;
}

int calyx_process_parse(const char *json, size_t len,
			struct calyx_process **out, calyx_error **err)
{
	struct spec_ctx c = { .err = err };
	_cleanup_free_ char *text = strndup(json, len);
	yajl_val doc;
	int r;

	if (!text)
		return calyx_error_setx(err, ENOMEM, "out of memory");
	doc = calyx_json_parse(text, len, NULL, err);
	if (!doc)
		return calyx_json_error_code(err);
	if (!YAJL_IS_OBJECT(doc))
		r = path_error(&c, "the process must be a JSON object");
	else
		r = parse_process_object(&c, doc, out);
	yajl_tree_free(doc);
	if (r < 0)
		calyx_json_error_printable(err);
	return r < 0 ? r : 0;
}

int calyx_process_parse_file(const char *path, struct calyx_process **out,
			     calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	r = calyx_read_file_at(AT_FDCWD, path, &text, &len, err);
	if (r >= 0 && (r = calyx_process_parse(text, len, out, err)) < 0)
		calyx_error_prefix(err, "%s", path);
	return r;
}

/*
 * Walk an array of objects under key: allocate *items (count *n) and call
 * one() on each element with the path pointing at it.
 */
int parse_object_array(struct spec_ctx *c, yajl_val obj,
			      const char *key, size_t item_size, void **items,
			      size_t *n, item_parser one)
{
	yajl_val arr = NULL;
	size_t old, len;
	char *base;
	int r;

	r = get_array(c, obj, key, &arr);
	if (r <= 0)
		return r;
	len = arr->u.array.len;
	base = calloc(len ? len : 1, item_size);
	if (!base)
		return calyx_error_setx(c->err, ENOMEM, "out of memory");
	*items = base;
	*n = len;
	old = path_push_key(c, key);
	for (size_t i = 0; i < len && r >= 0; i++) {
		size_t at = path_push_index(c, i);
		yajl_val e = arr->u.array.values[i];

		if (!YAJL_IS_OBJECT(e))
			r = path_error(c, "must be an object");
		else
			r = one(c, e, base + i * item_size);
		path_pop(c, at);
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}
