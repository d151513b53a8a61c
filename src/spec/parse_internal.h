/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the config.json parser files: a JSON-path tracker so every
 * error names the field at fault, and typed getters over yajl_tree values.
 *
 * Getters return 0 when the key is absent (or null: Go-based tools write
 * null for "unset", and runc accepts it), 1 when a value was stored, and a
 * negative errno with *ctx->err set to "<json path>: <why>" otherwise.
 */
#ifndef CALYX_SPEC_PARSE_INTERNAL_H
#define CALYX_SPEC_PARSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "calyx/error.h"
#include "calyx/spec.h"
#include "util/strv.h"

struct spec_ctx {
	char path[1024];	/* "linux.namespaces[2].type" */
	size_t len;
	calyx_error **err;
};

/* Append ".key" / "[i]" to the path; return the previous length to pop. */
size_t path_push_key(struct spec_ctx *c, const char *key);
size_t path_push_index(struct spec_ctx *c, size_t i);
static inline void path_pop(struct spec_ctx *c, size_t len)
{
	c->len = len;
	c->path[len] = '\0';
}

/* Error at the current path. */
int path_error(struct spec_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Error at the current path plus ".key". */
int key_error(struct spec_ctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value under key, NULL when absent or JSON null. */
yajl_val obj_get(yajl_val obj, const char *key);

int get_object(struct spec_ctx *c, yajl_val obj, const char *key,
	       yajl_val *out);
int get_array(struct spec_ctx *c, yajl_val obj, const char *key,
	      yajl_val *out);
int get_string(struct spec_ctx *c, yajl_val obj, const char *key, char **out);
int get_bool(struct spec_ctx *c, yajl_val obj, const char *key, bool *out);
int get_int(struct spec_ctx *c, yajl_val obj, const char *key, int64_t min,
	    int64_t max, int64_t *out);
int get_uint(struct spec_ctx *c, yajl_val obj, const char *key, uint64_t max,
	     uint64_t *out);
/* NULL-terminated string list; *n (if given) gets the count. */
int get_strv(struct spec_ctx *c, yajl_val obj, const char *key, char ***out,
	     size_t *n);
/* A {"k":"v"} object into a kv array. */
int get_string_map(struct spec_ctx *c, yajl_val obj, const char *key,
		   struct calyx_kv **out, size_t *n);

/* Value-level checks (path already pushed). */
int value_int(struct spec_ctx *c, yajl_val v, int64_t min, int64_t max,
	      int64_t *out);
int value_uint(struct spec_ctx *c, yajl_val v, uint64_t max, uint64_t *out);

/* Shorthands for the common widths; same return convention. */
int get_u32(struct spec_ctx *c, yajl_val obj, const char *key, uint32_t *out,
	    bool *has);
int get_i64(struct spec_ctx *c, yajl_val obj, const char *key, int64_t *out,
	    bool *has);
int get_u64(struct spec_ctx *c, yajl_val obj, const char *key, uint64_t *out,
	    bool *has);
int get_i32(struct spec_ctx *c, yajl_val obj, const char *key, int32_t *out,
	    bool *has);
int get_u16(struct spec_ctx *c, yajl_val obj, const char *key, uint16_t *out,
	    bool *has);

/*
 * A uid or gid: 0 .. 4294967294.  (uid_t)-1 is no id: setresuid, chown and
 * friends read it as "leave unchanged", so a process meant to run as it
 * would keep the runtime's root.
 */
#define CALYX_ID_MAX 4294967294U
int get_id(struct spec_ctx *c, yajl_val obj, const char *key, uint32_t *out,
	   bool *has);

int parse_id_mappings(struct spec_ctx *c, yajl_val obj, const char *key,
		      struct calyx_id_mapping **out, size_t *n);

/* Sections (objects already type-checked; path points at them). */
int parse_process_object(struct spec_ctx *c, yajl_val v,
			 struct calyx_process **out);
int parse_linux_object(struct spec_ctx *c, yajl_val v,
		       struct calyx_linux **out);
int parse_resources_object(struct spec_ctx *c, yajl_val v,
			   struct calyx_resources **out);

/* Frees for sub-objects (free.c); string lists: util/strv.h. */
void kv_free(struct calyx_kv *kv, size_t n);
void linux_free(struct calyx_linux *l);
void resources_free(struct calyx_resources *r);

/* names.c: tables resolved at parse time; -1 when unknown. */
int rlimit_from_name(const char *name);
int sched_policy_from_name(const char *name);
int ioprio_class_from_name(const char *name);

/* Parses obj[key], an array of objects, into a calloc'd array of
 * item_size-byte items with `one` (paths include the index). */
typedef int (*item_parser)(struct spec_ctx *c, yajl_val e, void *item);
int parse_object_array(struct spec_ctx *c, yajl_val obj, const char *key,
		       size_t item_size, void **items, size_t *n, item_parser one);

#endif
