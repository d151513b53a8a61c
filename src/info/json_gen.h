/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Thin yajl_gen helpers for the documents src/info writes.  Generator
 * errors only come from misuse (unbalanced maps) or allocation failure, so
 * each helper folds them into one sticky status the caller checks once.
 */
#ifndef CALYX_INFO_JSON_GEN_H
#define CALYX_INFO_JSON_GEN_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "calyx/error.h"

struct json_out {
	yajl_gen gen;
	yajl_gen_status status;
};

static inline void jo_check(struct json_out *jo, yajl_gen_status s)
{
	if (jo->status == yajl_gen_status_ok)
		jo->status = s;
}

static inline void jo_str(struct json_out *jo, const char *s)
{
	jo_check(jo, yajl_gen_string(jo->gen, (const unsigned char *)s,
				     strlen(s)));
}

static inline void jo_key(struct json_out *jo, const char *key)
{
	jo_str(jo, key);
}

static inline void jo_map_open(struct json_out *jo)
{
	jo_check(jo, yajl_gen_map_open(jo->gen));
}

static inline void jo_map_close(struct json_out *jo)
{
	jo_check(jo, yajl_gen_map_close(jo->gen));
}

static inline void jo_array_open(struct json_out *jo)
{
	jo_check(jo, yajl_gen_array_open(jo->gen));
}

static inline void jo_array_close(struct json_out *jo)
{
	jo_check(jo, yajl_gen_array_close(jo->gen));
}

static inline void jo_key_str(struct json_out *jo, const char *key,
			      const char *value)
{
	jo_key(jo, key);
	jo_str(jo, value);
}

static inline void jo_key_bool(struct json_out *jo, const char *key,
			       bool value)
{
	jo_key(jo, key);
	jo_check(jo, yajl_gen_bool(jo->gen, value));
}

static inline void jo_key_int(struct json_out *jo, const char *key,
			      long long value)
{
	jo_key(jo, key);
	jo_check(jo, yajl_gen_integer(jo->gen, value));
}

/* "key": [ "a", "b", ... ] from a NULL-terminated list. */
static inline void jo_key_strv(struct json_out *jo, const char *key,
			       const char *const *values)
{
	jo_key(jo, key);
	jo_array_open(jo);
	for (; values && *values; values++)
		jo_str(jo, *values);
	jo_array_close(jo);
}

/* "key": { "enabled": value } */
static inline void jo_key_enabled(struct json_out *jo, const char *key,
				  bool value)
{
	jo_key(jo, key);
	jo_map_open(jo);
	jo_key_bool(jo, "enabled", value);
	jo_map_close(jo);
}

/* A pretty-printing generator indenting with `indent`. */
static inline int jo_init(struct json_out *jo, const char *indent,
			  calyx_error **err)
{
	jo->status = yajl_gen_status_ok;
	jo->gen = yajl_gen_alloc(NULL);
	if (!jo->gen)
		return calyx_error_set(err, ENOMEM, "allocating JSON generator");
	yajl_gen_config(jo->gen, yajl_gen_beautify, 1);
	yajl_gen_config(jo->gen, yajl_gen_indent_string, indent);
	return 0;
}

/* Hand out the document as a heap string and free the generator. */
static inline int jo_finish(struct json_out *jo, char **out,
			    calyx_error **err)
{
	const unsigned char *buf;
	size_t len;
	char *copy = NULL;

	if (jo->status == yajl_gen_status_ok)
		jo_check(jo, yajl_gen_get_buf(jo->gen, &buf, &len));
	if (jo->status == yajl_gen_status_ok)
		copy = strndup((const char *)buf, len);
	yajl_gen_free(jo->gen);
	jo->gen = NULL;
	if (jo->status != yajl_gen_status_ok)
		return calyx_error_setx(err, EINVAL,
					"generating JSON: yajl status %d",
					(int)jo->status);
	if (!copy)
		return calyx_error_set(err, ENOMEM, "generating JSON");
	*out = copy;
	return 0;
}

#endif
