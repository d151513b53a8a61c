/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources: the cgroup settings, typed and range-checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"
#include "util/cleanup.h"

#define OOM(c) calyx_error_setx((c)->err, ENOMEM, "out of memory")

static int required_i64(struct spec_ctx *c, yajl_val e, const char *key,
			int64_t *out)
{
	int r = get_i64(c, e, key, out, NULL);

	if (r == 0)
		return key_error(c, key, "is required");
	return r;
}

static int parse_device_rule(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_device_cgroup *d = item;
	_cleanup_free_ char *type = NULL;
	int r;

	r = get_bool(c, e, "allow", &d->allow);
	if (r == 0)
		return key_error(c, "allow", "is required");
	if (r < 0 || (r = get_string(c, e, "type", &type)) < 0)
		return r;
	d->type = 'a';
	if (type) {
		if (strlen(type) != 1 || !strchr("acb", type[0]))
			return key_error(c, "type", "must be \"a\", \"c\" or "
					 "\"b\", not \"%s\"", type);
		d->type = type[0];
	}
	/*
	 * -1 (or absent) is the wildcard, as in runc; any other negative
	 * number was once read as a wildcard too, and a number past 32 bits
	 * matches no device the kernel can name.
	 */
	if ((r = get_int(c, e, "major", -1, UINT32_MAX, &d->major)) < 0)
		return r;
	d->has_major = r > 0;
	if ((r = get_int(c, e, "minor", -1, UINT32_MAX, &d->minor)) < 0)
		return r;
	d->has_minor = r > 0;
	if ((r = get_string(c, e, "access", &d->access)) < 0)
		return r;
	if (d->access && strspn(d->access, "rwm") != strlen(d->access))
		return key_error(c, "access", "must be a combination of "
				 "\"r\", \"w\" and \"m\", not \"%s\"",
				 d->access);
	return 0;
}

static int parse_memory(struct spec_ctx *c, yajl_val res,
			struct calyx_resources *out)
{
	struct calyx_memory *m;
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, res, "memory", &v);
	if (r <= 0)
		return r;
	m = out->memory = calloc(1, sizeof(*m));
	if (!m)
		return OOM(c);
	old = path_push_key(c, "memory");
	if ((r = get_i64(c, v, "limit", &m->limit, &m->has_limit)) >= 0 &&
	    (r = get_i64(c, v, "reservation", &m->reservation,
			 &m->has_reservation)) >= 0 &&
	    (r = get_i64(c, v, "swap", &m->swap, &m->has_swap)) >= 0 &&
	    (r = get_i64(c, v, "kernel", &m->kernel, &m->has_kernel)) >= 0 &&
	    (r = get_i64(c, v, "kernelTCP", &m->kernel_tcp,
			 &m->has_kernel_tcp)) >= 0 &&
	    /* the kernel's (and runc's) range for swappiness */
	    (r = get_uint(c, v, "swappiness", 100, &m->swappiness)) >= 0) {
		m->has_swappiness = r > 0;
		if ((r = get_bool(c, v, "disableOOMKiller",
				  &m->disable_oom_killer)) >= 0) {
			m->has_disable_oom_killer = r > 0;
			r = get_bool(c, v, "useHierarchy", &m->use_hierarchy);
		}
		if (r >= 0) {
			m->has_use_hierarchy = r > 0;
			r = get_bool(c, v, "checkBeforeUpdate",
				     &m->check_before_update);
			m->has_check_before_update = r > 0;
		}
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_cpu(struct spec_ctx *c, yajl_val res,
		     struct calyx_resources *out)
{
	struct calyx_cpu *cpu;
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, res, "cpu", &v);
	if (r <= 0)
		return r;
	cpu = out->cpu = calloc(1, sizeof(*cpu));
	if (!cpu)
		return OOM(c);
	old = path_push_key(c, "cpu");
	if ((r = get_u64(c, v, "shares", &cpu->shares, &cpu->has_shares)) >= 0 &&
	    (r = get_i64(c, v, "quota", &cpu->quota, &cpu->has_quota)) >= 0 &&
	    (r = get_u64(c, v, "burst", &cpu->burst, &cpu->has_burst)) >= 0 &&
	    (r = get_u64(c, v, "period", &cpu->period, &cpu->has_period)) >= 0 &&
	    (r = get_i64(c, v, "realtimeRuntime", &cpu->realtime_runtime,
			 &cpu->has_realtime_runtime)) >= 0 &&
	    (r = get_u64(c, v, "realtimePeriod", &cpu->realtime_period,
			 &cpu->has_realtime_period)) >= 0 &&
	    (r = get_string(c, v, "cpus", &cpu->cpus)) >= 0 &&
	    (r = get_string(c, v, "mems", &cpu->mems)) >= 0)
		r = get_i64(c, v, "idle", &cpu->idle, &cpu->has_idle);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_pids(struct spec_ctx *c, yajl_val res,
		      struct calyx_resources *out)
{
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, res, "pids", &v);
	if (r <= 0)
		return r;
	old = path_push_key(c, "pids");
	r = required_i64(c, v, "limit", &out->pids_limit);
	path_pop(c, old);
	if (r < 0)
		return r;
	out->has_pids_limit = true;
	return 0;
}

static int parse_weight_device(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_weight_device *w = item;
	int r;

	if ((r = required_i64(c, e, "major", &w->major)) < 0 ||
	    (r = required_i64(c, e, "minor", &w->minor)) < 0 ||
	    (r = get_u16(c, e, "weight", &w->weight, &w->has_weight)) < 0 ||
	    (r = get_u16(c, e, "leafWeight", &w->leaf_weight,
			 &w->has_leaf_weight)) < 0)
		return r;
	/* config-linux.md: at least one of weight or leafWeight. */
	if (!w->has_weight && !w->has_leaf_weight)
		return path_error(c, "must set \"weight\" or \"leafWeight\"");
	return 0;
}

static int parse_throttle_device(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_throttle_device *t = item;
	int r;

	if ((r = required_i64(c, e, "major", &t->major)) < 0 ||
	    (r = required_i64(c, e, "minor", &t->minor)) < 0)
		return r;
	r = get_u64(c, e, "rate", &t->rate, NULL);
	return r < 0 ? r : 0;
}

static int parse_block_io(struct spec_ctx *c, yajl_val res,
			  struct calyx_resources *out)
{
	struct calyx_block_io *b;
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, res, "blockIO", &v);
	if (r <= 0)
		return r;
	b = out->block_io = calloc(1, sizeof(*b));
	if (!b)
		return OOM(c);
	old = path_push_key(c, "blockIO");
	if ((r = get_u16(c, v, "weight", &b->weight, &b->has_weight)) >= 0 &&
	    (r = get_u16(c, v, "leafWeight", &b->leaf_weight,
			 &b->has_leaf_weight)) >= 0 &&
	    (r = parse_object_array(c, v, "weightDevice", sizeof(*b->weight_device),
			      (void **)&b->weight_device, &b->n_weight_device,
			      parse_weight_device)) >= 0 &&
	    (r = parse_object_array(c, v, "throttleReadBpsDevice",
			      sizeof(*b->throttle_read_bps),
			      (void **)&b->throttle_read_bps,
			      &b->n_throttle_read_bps,
			      parse_throttle_device)) >= 0 &&
	    (r = parse_object_array(c, v, "throttleWriteBpsDevice",
			      sizeof(*b->throttle_write_bps),
			      (void **)&b->throttle_write_bps,
			      &b->n_throttle_write_bps,
			      parse_throttle_device)) >= 0 &&
	    (r = parse_object_array(c, v, "throttleReadIOPSDevice",
			      sizeof(*b->throttle_read_iops),
			      (void **)&b->throttle_read_iops,
			      &b->n_throttle_read_iops,
			      parse_throttle_device)) >= 0)
		r = parse_object_array(c, v, "throttleWriteIOPSDevice",
				 sizeof(*b->throttle_write_iops),
				 (void **)&b->throttle_write_iops,
				 &b->n_throttle_write_iops,
				 parse_throttle_device);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

/* schema: ^[1-9][0-9]*[KMG]B$ */
static bool valid_page_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	return digits > 0 && s[0] != '0' && s[digits] &&
	       strchr("KMG", s[digits]) && s[digits + 1] == 'B' &&
	       s[digits + 2] == '\0';
}

static int parse_hugepage_limit(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_hugepage_limit *h = item;
	int r;

	r = get_string(c, e, "pageSize", &h->page_size);
	if (r == 0)
		return key_error(c, "pageSize", "is required");
	if (r < 0)
		return r;
	if (!valid_page_size(h->page_size))
		return key_error(c, "pageSize", "must look like \"2MB\" "
				 "(<size><K|M|G>B), not \"%s\"", h->page_size);
	r = get_u64(c, e, "limit", &h->limit, NULL);
	if (r == 0)
		return key_error(c, "limit", "is required");
	return r < 0 ? r : 0;
}

static int parse_net_priority(struct spec_ctx *c, yajl_val e, void *item)
{
	struct calyx_net_priority *p = item;
	int r;

	r = get_string(c, e, "name", &p->name);
	if (r == 0)
		return key_error(c, "name", "is required");
	if (r < 0)
		return r;
	r = get_u32(c, e, "priority", &p->priority, NULL);
	if (r == 0)
		return key_error(c, "priority", "is required");
	return r < 0 ? r : 0;
}

static int parse_network(struct spec_ctx *c, yajl_val res,
			 struct calyx_resources *out)
{
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, res, "network", &v);
	if (r <= 0)
		return r;
	out->has_network = true;
	old = path_push_key(c, "network");
	if ((r = get_u32(c, v, "classID", &out->net_class_id,
			 &out->has_net_class_id)) >= 0)
		r = parse_object_array(c, v, "priorities",
				 sizeof(*out->net_priorities),
				 (void **)&out->net_priorities,
				 &out->n_net_priorities, parse_net_priority);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_rdma(struct spec_ctx *c, yajl_val res,
		      struct calyx_resources *out)
{
	yajl_val v = NULL;
	size_t old, len;
	int r;

	r = get_object(c, res, "rdma", &v);
	if (r <= 0)
		return r;
	len = v->u.object.len;
	out->rdma = calloc(len ? len : 1, sizeof(*out->rdma));
	if (!out->rdma)
		return OOM(c);
	out->n_rdma = len;
	old = path_push_key(c, "rdma");
	r = 0;
	for (size_t i = 0; i < len && r >= 0; i++) {
		struct calyx_rdma_limit *l = &out->rdma[i];
		size_t at = path_push_key(c, v->u.object.keys[i]);
		yajl_val e = v->u.object.values[i];

		l->device = strdup(v->u.object.keys[i]);
		if (!l->device)
			r = OOM(c);
		else if (!YAJL_IS_OBJECT(e))
			r = path_error(c, "must be an object");
		else if ((r = get_u32(c, e, "hcaHandles", &l->hca_handles,
				      &l->has_hca_handles)) >= 0 &&
			 (r = get_u32(c, e, "hcaObjects", &l->hca_objects,
				      &l->has_hca_objects)) >= 0 &&
			 !l->has_hca_handles && !l->has_hca_objects)
			r = path_error(c, "must set \"hcaHandles\" or "
				       "\"hcaObjects\"");
		path_pop(c, at);
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_resources_fields(struct spec_ctx *c, yajl_val v,
				  struct calyx_resources *res)
{
	int r;

	if ((r = parse_object_array(c, v, "devices", sizeof(*res->devices),
			      (void **)&res->devices, &res->n_devices,
			      parse_device_rule)) < 0 ||
	    (r = parse_memory(c, v, res)) < 0 ||
	    (r = parse_cpu(c, v, res)) < 0 ||
	    (r = parse_pids(c, v, res)) < 0 ||
	    (r = parse_block_io(c, v, res)) < 0 ||
	    (r = parse_object_array(c, v, "hugepageLimits",
			      sizeof(*res->hugepage_limits),
			      (void **)&res->hugepage_limits,
			      &res->n_hugepage_limits,
			      parse_hugepage_limit)) < 0 ||
	    (r = parse_network(c, v, res)) < 0 ||
	    (r = parse_rdma(c, v, res)) < 0 ||
	    (r = get_string_map(c, v, "unified", &res->unified,
				&res->n_unified)) < 0)
		return r;
	return 0;
}

int parse_resources_object(struct spec_ctx *c, yajl_val v,
			   struct calyx_resources **out)
{
	struct calyx_resources *res = calloc(1, sizeof(*res));
	int r;

	if (!res)
		return OOM(c);
	r = parse_resources_fields(c, v, res);
	if (r < 0) {
		resources_free(res);
		return r;
	}
	*out = res;
	return 0;
}
