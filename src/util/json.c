/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict JSON -> yajl tree (see json.h for the rules).  yajl_tree_parse
 * cannot be used: it copies strings with their length dropped (so NUL cuts
 * them), keeps the first of two equal keys, maps a lone \uD800 to "?" and
 * lets overlong UTF-8 through.  This builds the same tree from yajl's
 * callbacks, checking each string as it arrives.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <yajl/yajl_parse.h>

#include "util/cleanup.h"
#include "util/json.h"

struct frame {
	yajl_val node;	/* an object or array being filled */
	char *key;	/* object: the key whose value comes next */
	size_t cap;	/* allocated slots in node's arrays */
	/* object with many keys: open-addressing table of key index + 1,
	 * so repeated keys are found without a quadratic scan */
	size_t *index;
	size_t index_cap;	/* a power of two, or 0 */
};

/* Objects up to this many keys are searched by a plain scan. */
#define SCAN_KEYS 16

struct builder {
	yajl_handle handle;
	const char *text;
	const char *prefix;
	calyx_error **err;
	struct frame stack[CALYX_JSON_MAX_DEPTH];
	size_t depth;
	yajl_val root;
	bool failed;	/* *err is set; yajl's own message is not wanted */
};

/* ---- UTF-8 ------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at s (len > 0 bytes
 * left), or 0 when there is none. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 1, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 2, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 3, cp = c & 0x07, min = 0x10000;
	else
		return 0;	/* continuation byte or 0xf8.. */
	if (len <= n)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

bool calyx_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_sequence(s + i, len - i);
		if (!n)
			return false;
	}
	return true;
}

void calyx_utf8_scrub(char *str)
{
	unsigned char *s = (unsigned char *)str;
	size_t len = strlen(str);

	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_sequence(s + i, len - i);
		if (!n) {
			s[i] = '?';
			n = 1;
		}
	}
}

/* ---- errors ------------------------------------------------------------ */

/* "prefix.a.b[3]": the place the value being parsed will take. */
static void current_path(const struct builder *b, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (b->prefix)
		len = (size_t)snprintf(buf, size, "%s", b->prefix);
	for (size_t i = 0; i < b->depth && len < size; i++) {
		const struct frame *f = &b->stack[i];

		if (YAJL_IS_ARRAY(f->node))
			len += (size_t)snprintf(buf + len, size - len, "[%zu]",
						f->node->u.array.len);
		else if (f->key)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? "." : "", f->key);
	}
}

static int fail(struct builder *b, const char *why)
{
	char path[1024];

	current_path(b, path, sizeof(path));
	if (path[0])
		calyx_error_setx(b->err, EINVAL, "%s: %s", path, why);
	else
		calyx_error_setx(b->err, EINVAL, "%s", why);
	b->failed = true;
	return 0;	/* stops yajl */
}

static int fail_oom(struct builder *b)
{
	calyx_error_setx(b->err, ENOMEM, "out of memory");
	b->failed = true;
	return 0;
}

void calyx_json_error_printable(calyx_error **err)
{
	const unsigned char *m;
	char *out, *o;

	if (!err || !*err || !(*err)->msg)
		return;
	for (m = (const unsigned char *)(*err)->msg; *m; m++)
		if (*m < 0x20 || *m == 0x7f)
			break;
	if (!*m)
		return;	/* nothing to escape */
	m = (const unsigned char *)(*err)->msg;
	out = o = malloc(strlen((const char *)m) * 4 + 1);
	if (!out)
		return;
	for (; *m; m++) {
		if (*m == '\n')
			o += sprintf(o, "\\n");
		else if (*m == '\t')
			o += sprintf(o, "\\t");
		else if (*m < 0x20 || *m == 0x7f)
			o += sprintf(o, "\\x%02x", *m);
		else
			*o++ = (char)*m;
	}
	*o = '\0';
	free((*err)->msg);
	(*err)->msg = out;
}

/* ---- string checks ----------------------------------------------------- */

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * yajl decodes \uD800 alone as "?" and \uD800\u0041 as some other
 * character, so surrogate escapes are checked on the raw token: the string
 * yajl just lexed ends right before the parser's offset.
 */
static bool escapes_valid(const struct builder *b)
{
	size_t end = yajl_get_bytes_consumed(b->handle), start;
	const char *t = b->text;

	if (end < 2 || t[end - 1] != '"')
		return true;	/* no raw token to look at: decoded checks only */
	/* the opening quote: the first '"' before not escaped by a '\' */
	for (start = end - 1; start-- > 0;) {
		size_t bs = 0;

		if (t[start] != '"')
			continue;
		while (bs < start && t[start - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			break;
	}
	for (size_t i = start + 1; i + 1 < end; i++) {
		int cp;

		if (t[i] != '\\')
			continue;
		if (t[++i] != 'u')
			continue;
		if (i + 5 > end || (cp = hex4(t + i + 1)) < 0)
			return false;
		i += 4;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return false;	/* low half with no high half */
		if (cp >= 0xd800 && cp <= 0xdbff) {
			int lo;

			if (i + 7 > end || t[i + 1] != '\\' || t[i + 2] != 'u' ||
			    (lo = hex4(t + i + 3)) < 0 || lo < 0xdc00 ||
			    lo > 0xdfff)
				return false;
			i += 6;
		}
	}
	return true;
}

/* NULL when s[0..len) may be used as a C string, else why not. */
static const char *string_problem(struct builder *b, const char *s, size_t len)
{
	if (memchr(s, '\0', len))
		return "contains a NUL character (\\u0000)";
	if (!calyx_utf8_valid(s, len) || !escapes_valid(b))
		return "is not valid UTF-8";
	return NULL;
}

/* ---- tree building ----------------------------------------------------- */

static yajl_val node_new(yajl_type type)
{
	yajl_val v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

static bool grow(void **arr, size_t *cap, size_t len, size_t size)
{
	size_t ncap;
	void *n;

	if (len < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 8;
	n = reallocarray(*arr, ncap, size);
	if (!n)
		return false;
	*arr = n;
	*cap = ncap;
	return true;
}

static size_t key_hash(const char *k)
{
	size_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

/* Position of key among the object's keys, or -1. */
static ssize_t key_find(const struct frame *f, const char *key)
{
	const yajl_val c = f->node;

	if (!f->index) {
		for (size_t i = 0; i < c->u.object.len; i++)
			if (strcmp(c->u.object.keys[i], key) == 0)
				return (ssize_t)i;
		return -1;
	}
	for (size_t h = key_hash(key) & (f->index_cap - 1); f->index[h];
	     h = (h + 1) & (f->index_cap - 1))
		if (strcmp(c->u.object.keys[f->index[h] - 1], key) == 0)
			return (ssize_t)(f->index[h] - 1);
	return -1;
}

static void index_put(struct frame *f, size_t pos)
{
	size_t h = key_hash(f->node->u.object.keys[pos]) & (f->index_cap - 1);

	while (f->index[h])
		h = (h + 1) & (f->index_cap - 1);
	f->index[h] = pos + 1;
}

/* Keeps the table (once past SCAN_KEYS) at most half full for len keys. */
static bool index_reserve(struct frame *f, size_t len)
{
	size_t ncap = f->index_cap ? f->index_cap : 64;

	if (len <= SCAN_KEYS || len * 2 <= f->index_cap)
		return true;
	while (len * 2 > ncap)
		ncap *= 2;
	free(f->index);
	f->index_cap = 0;
	f->index = calloc(ncap, sizeof(*f->index));
	if (!f->index)
		return false;
	f->index_cap = ncap;
	/* the new key is entered by the caller, once it is in keys[] */
	for (size_t i = 0; i + 1 < len; i++)
		index_put(f, i);
	return true;
}

/* Hands v to its container (or makes it the root); v is owned on return. */
static int add_value(struct builder *b, yajl_val v)
{
	struct frame *f;
	yajl_val c;

	if (!v)
		return fail_oom(b);
	if (b->depth == 0) {
		b->root = v;
		return 1;
	}
	f = &b->stack[b->depth - 1];
	c = f->node;
	if (YAJL_IS_ARRAY(c)) {
		if (!grow((void **)&c->u.array.values, &f->cap, c->u.array.len,
			  sizeof(yajl_val))) {
			yajl_tree_free(v);
			return fail_oom(b);
		}
		c->u.array.values[c->u.array.len++] = v;
		return 1;
	}
	/* a repeated key: the last value wins, in the first one's place */
	{
		ssize_t i = key_find(f, f->key);

		if (i >= 0) {
			yajl_tree_free(c->u.object.values[i]);
			c->u.object.values[i] = v;
			free(f->key);
			f->key = NULL;
			return 1;
		}
	}
	if (!index_reserve(f, c->u.object.len + 1)) {
		yajl_tree_free(v);
		return fail_oom(b);
	}
	if (!grow((void **)&c->u.object.keys, &f->cap, c->u.object.len,
		  sizeof(char *))) {
		yajl_tree_free(v);
		return fail_oom(b);
	}
	/* values grow alongside keys, with the same capacity */
	{
		yajl_val *vals = reallocarray(c->u.object.values, f->cap,
					      sizeof(yajl_val));

		if (!vals) {
			yajl_tree_free(v);
			return fail_oom(b);
		}
		c->u.object.values = vals;
	}
	c->u.object.keys[c->u.object.len] = f->key;
	c->u.object.values[c->u.object.len++] = v;
	f->key = NULL;
	if (f->index)
		index_put(f, c->u.object.len - 1);
	return 1;
}

static int open_container(struct builder *b, yajl_type type)
{
	yajl_val v;

	if (b->depth == CALYX_JSON_MAX_DEPTH)
		return fail(b, "nested too deeply");
	v = node_new(type);
	if (!v)
		return fail_oom(b);
	b->stack[b->depth++] = (struct frame){ .node = v };
	return 1;
}

static int close_container(struct builder *b)
{
	struct frame f = b->stack[--b->depth];

	free(f.key);
	free(f.index);
	return add_value(b, f.node);
}

static int on_null(void *ctx)
{
	return add_value(ctx, node_new(yajl_t_null));
}

static int on_boolean(void *ctx, int value)
{
	return add_value(ctx, node_new(value ? yajl_t_true : yajl_t_false));
}

static int on_number(void *ctx, const char *s, size_t len)
{
	yajl_val v = node_new(yajl_t_number);
	char *end;

	if (!v || !(v->u.number.r = strndup(s, len))) {
		free(v);
		return fail_oom(ctx);
	}
	errno = 0;
	v->u.number.i = strtoll(v->u.number.r, &end, 10);
	if (errno == 0 && *end == '\0')
		v->u.number.flags |= YAJL_NUMBER_INT_VALID;
	errno = 0;
	v->u.number.d = strtod(v->u.number.r, &end);
	if (errno == 0 && *end == '\0')
		v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
	return add_value(ctx, v);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;
	const char *why = string_problem(b, (const char *)s, len);
	yajl_val v;

	if (why)
		return fail(b, why);
	v = node_new(yajl_t_string);
	if (!v || !(v->u.string = strndup((const char *)s, len))) {
		free(v);
		return fail_oom(b);
	}
	return add_value(b, v);
}

static int on_start_map(void *ctx)
{
	return open_container(ctx, yajl_t_object);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct builder *b = ctx;
	struct frame *f = &b->stack[b->depth - 1];
	const char *why = string_problem(b, (const char *)s, len);

	free(f->key);
	f->key = NULL;
	if (why) {
		char msg[64];

		snprintf(msg, sizeof(msg), "a key %s", why);
		return fail(b, msg);
	}
	f->key = strndup((const char *)s, len);
	return f->key ? 1 : fail_oom(b);
}

static int on_end(void *ctx)
{
	return close_container(ctx);
}

static int on_start_array(void *ctx)
{
	return open_container(ctx, yajl_t_array);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

/*
 * yajl's message cut to one line, without its "parse error: " lead, after
 * the 1-based line and column where parsing stopped: "LINE:COL: invalid
 * JSON: ...", which calyx_error_prefix() joins to a file name as
 * "config.json:LINE:COL: ..." (crun's and the compilers' form).
 */
static void syntax_error(struct builder *b, size_t len)
{
	unsigned char *msg = yajl_get_error(b->handle, 0,
					    (const unsigned char *)b->text, len);
	const char *m = msg ? (const char *)msg : "";
	size_t n, at = yajl_get_bytes_consumed(b->handle), line = 1, col = 1;

	for (size_t i = 0; i < at && i < len; i++) {
		if (b->text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (strncmp(m, "parse error: ", 13) == 0)
		m += 13;
	n = strcspn(m, "\n");
	while (n && (m[n - 1] == ' ' || m[n - 1] == '\t'))
		n--;
	if (n)
		calyx_error_setx(b->err, EINVAL, "%zu:%zu: invalid JSON: %.*s",
				 line, col, (int)n, m);
	else
		calyx_error_setx(b->err, EINVAL, "%zu:%zu: invalid JSON", line, col);
	if (msg)
		yajl_free_error(b->handle, msg);
}

yajl_val calyx_json_parse(const char *text, size_t len, const char *prefix,
			  calyx_error **err)
{
	struct builder b = { .text = text, .prefix = prefix, .err = err };
	yajl_status st;
	yajl_val root;

	if (strlen(text) != len) {
		calyx_error_setx(err, EINVAL, "invalid JSON: contains a NUL byte");
		return NULL;
	}
	b.handle = yajl_alloc(&callbacks, NULL, &b);
	if (!b.handle) {
		calyx_error_setx(err, ENOMEM, "out of memory");
		return NULL;
	}
	/* as yajl_tree_parse did, so no config that parsed before breaks */
	yajl_config(b.handle, yajl_allow_comments, 1);
	st = yajl_parse(b.handle, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(b.handle);
	if (st != yajl_status_ok && !b.failed)
		syntax_error(&b, len);
	yajl_free(b.handle);

	/* on error: free the partial tree, innermost first */
	while (st != yajl_status_ok && b.depth > 0) {
		struct frame *f = &b.stack[--b.depth];

		free(f->key);
		free(f->index);
		yajl_tree_free(f->node);
	}
	root = b.root;
	if (st != yajl_status_ok || !root) {
		yajl_tree_free(root);
		if (!b.failed && st == yajl_status_ok)
			calyx_error_setx(err, EINVAL, "invalid JSON: empty");
		calyx_json_error_printable(err);
		return NULL;
	}
	return root;
}
