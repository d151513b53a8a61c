/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct calyx_spec -> config.json (yajl_gen).  The field order follows
 * config.md; absent optional fields (NULL, has_* false, empty lists) are
 * left out so that the output parses back into the same structs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "spec/serialize.h"
#include "util/cleanup.h"

typedef yajl_gen G;

static void key(G g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void str(G g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void key_str(G g, const char *k, const char *s)
{
	if (!s)
		return;
	key(g, k);
	str(g, s);
}

static void key_strv(G g, const char *k, char *const *v)
{
	if (!v)
		return;
	key(g, k);
	yajl_gen_array_open(g);
	for (; *v; v++)
		str(g, *v);
	yajl_gen_array_close(g);
}

/* yajl_gen_integer is signed: larger values go out as number text. */
static void u64(G g, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

	yajl_gen_number(g, buf, (size_t)n);
}

static void key_u64(G g, const char *k, uint64_t v)
{
	key(g, k);
	u64(g, v);
}

static void key_i64(G g, const char *k, int64_t v)
{
	key(g, k);
	yajl_gen_integer(g, v);
}

static void key_bool(G g, const char *k, bool v)
{
	key(g, k);
	yajl_gen_bool(g, v);
}

static void key_char(G g, const char *k, char c)
{
	char s[2] = { c, '\0' };

	key(g, k);
	str(g, s);
}

static void gen_kv_map(G g, const char *k, const struct calyx_kv *kv, size_t n)
{
	if (!n)
		return;
	key(g, k);
	yajl_gen_map_open(g);
	for (size_t i = 0; i < n; i++) {
		key(g, kv[i].key);
		str(g, kv[i].value ? kv[i].value : "");
	}
	yajl_gen_map_close(g);
}

static void gen_id_mappings(G g, const char *k, const struct calyx_id_mapping *m,
			    size_t n)
{
	if (!n)
		return;
	key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		key_u64(g, "containerID", m[i].container_id);
		key_u64(g, "hostID", m[i].host_id);
		key_u64(g, "size", m[i].size);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

/* ---- process ----------------------------------------------------------- */

static void gen_user(G g, const struct calyx_user *u)
{
	key(g, "user");
	yajl_gen_map_open(g);
	key_u64(g, "uid", u->uid);
	key_u64(g, "gid", u->gid);
	if (u->has_umask)
		key_u64(g, "umask", u->umask);
	if (u->n_additional_gids) {
		key(g, "additionalGids");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < u->n_additional_gids; i++)
			u64(g, u->additional_gids[i]);
		yajl_gen_array_close(g);
	}
	key_str(g, "username", u->username);
	yajl_gen_map_close(g);
}

static void gen_capabilities(G g, const struct calyx_capabilities *c)
{
	if (!c)
		return;
	key(g, "capabilities");
	yajl_gen_map_open(g);
	key_strv(g, "bounding", c->bounding);
	key_strv(g, "effective", c->effective);
	key_strv(g, "inheritable", c->inheritable);
	key_strv(g, "permitted", c->permitted);
	key_strv(g, "ambient", c->ambient);
	yajl_gen_map_close(g);
}

static void gen_rlimits(G g, const struct calyx_rlimit *r, size_t n)
{
	if (!n)
		return;
	key(g, "rlimits");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		key_str(g, "type", r[i].type);
		key_u64(g, "soft", r[i].soft);
		key_u64(g, "hard", r[i].hard);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static const char *ioprio_class_name(int class)
{
	static const char *const names[] = {
		[1] = "IOPRIO_CLASS_RT", [2] = "IOPRIO_CLASS_BE",
		[3] = "IOPRIO_CLASS_IDLE",
	};

	return class >= 1 && class <= 3 ? names[class] : "IOPRIO_CLASS_NONE";
}

static void gen_process_extras(G g, const struct calyx_process *p)
{
	if (p->io_priority) {
		key(g, "ioPriority");
		yajl_gen_map_open(g);
		key_str(g, "class", ioprio_class_name(p->io_priority->prio_class));
		key_i64(g, "priority", p->io_priority->priority);
		yajl_gen_map_close(g);
	}
	if (p->scheduler) {
		const struct calyx_scheduler *s = p->scheduler;

		key(g, "scheduler");
		yajl_gen_map_open(g);
		key_str(g, "policy", s->policy);
		key_i64(g, "nice", s->nice);
		key_i64(g, "priority", s->priority);
		key_strv(g, "flags", s->flags);
		key_u64(g, "runtime", s->runtime);
		key_u64(g, "deadline", s->deadline);
		key_u64(g, "period", s->period);
		yajl_gen_map_close(g);
	}
	if (p->exec_cpu_affinity_initial || p->exec_cpu_affinity_final) {
		key(g, "execCPUAffinity");
		yajl_gen_map_open(g);
		key_str(g, "initial", p->exec_cpu_affinity_initial);
		key_str(g, "final", p->exec_cpu_affinity_final);
		yajl_gen_map_close(g);
	}
}

static void gen_process(G g, const struct calyx_process *p)
{
	if (!p)
		return;
	key(g, "process");
	yajl_gen_map_open(g);
	key_bool(g, "terminal", p->terminal);
	if (p->has_console_size) {
		key(g, "consoleSize");
		yajl_gen_map_open(g);
		key_u64(g, "height", p->console_height);
		key_u64(g, "width", p->console_width);
		yajl_gen_map_close(g);
	}
	gen_user(g, &p->user);
	key_strv(g, "args", p->args);
	key_str(g, "commandLine", p->command_line);
	key_strv(g, "env", p->env);
	key_str(g, "cwd", p->cwd);
	gen_capabilities(g, p->capabilities);
	gen_rlimits(g, p->rlimits, p->n_rlimits);
	key_bool(g, "noNewPrivileges", p->no_new_privileges);
	key_str(g, "apparmorProfile", p->apparmor_profile);
	if (p->has_oom_score_adj)
		key_i64(g, "oomScoreAdj", p->oom_score_adj);
	key_str(g, "selinuxLabel", p->selinux_label);
	gen_process_extras(g, p);
	yajl_gen_map_close(g);
}

/* ---- mounts, hooks ----------------------------------------------------- */

static void gen_mounts(G g, const struct calyx_mount *m, size_t n)
{
	if (!n)
		return;
	key(g, "mounts");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		key_str(g, "destination", m[i].destination);
		key_str(g, "type", m[i].type);
		key_str(g, "source", m[i].source);
		key_strv(g, "options", m[i].options);
		gen_id_mappings(g, "uidMappings", m[i].uid_mappings, m[i].n_uid_mappings);
		gen_id_mappings(g, "gidMappings", m[i].gid_mappings, m[i].n_gid_mappings);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_hooks(G g, const struct calyx_hook_list *hooks)
{
	bool any = false;

	for (int k = 0; k < CALYX_HOOK_COUNT; k++)
		any = any || hooks[k].n;
	if (!any)
		return;
	key(g, "hooks");
	yajl_gen_map_open(g);
	for (int k = 0; k < CALYX_HOOK_COUNT; k++) {
		if (!hooks[k].n)
			continue;
		key(g, calyx_hook_kind_name((enum calyx_hook_kind)k));
		yajl_gen_array_open(g);
		for (size_t i = 0; i < hooks[k].n; i++) {
			const struct calyx_hook *h = &hooks[k].hooks[i];

			yajl_gen_map_open(g);
			key_str(g, "path", h->path);
			key_strv(g, "args", h->args);
			key_strv(g, "env", h->env);
			if (h->has_timeout)
				key_i64(g, "timeout", h->timeout);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
}

/* ---- linux.resources --------------------------------------------------- */

static void gen_device_rules(G g, const struct calyx_device_cgroup *d, size_t n)
{
	if (!n)
		return;
	key(g, "devices");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		key_bool(g, "allow", d[i].allow);
		if (d[i].type && d[i].type != 'a')
			key_char(g, "type", d[i].type);
		if (d[i].has_major)
			key_i64(g, "major", d[i].major);
		if (d[i].has_minor)
			key_i64(g, "minor", d[i].minor);
		key_str(g, "access", d[i].access);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_memory(G g, const struct calyx_memory *m)
{
	if (!m)
		return;
	key(g, "memory");
	yajl_gen_map_open(g);
	if (m->has_limit)
		key_i64(g, "limit", m->limit);
	if (m->has_reservation)
		key_i64(g, "reservation", m->reservation);
	if (m->has_swap)
		key_i64(g, "swap", m->swap);
	if (m->has_kernel)
		key_i64(g, "kernel", m->kernel);
	if (m->has_kernel_tcp)
		key_i64(g, "kernelTCP", m->kernel_tcp);
	if (m->has_swappiness)
		key_u64(g, "swappiness", m->swappiness);
	if (m->has_disable_oom_killer)
		key_bool(g, "disableOOMKiller", m->disable_oom_killer);
	if (m->has_use_hierarchy)
		key_bool(g, "useHierarchy", m->use_hierarchy);
	if (m->has_check_before_update)
		key_bool(g, "checkBeforeUpdate", m->check_before_update);
	yajl_gen_map_close(g);
}

static void gen_cpu(G g, const struct calyx_cpu *c)
{
	if (!c)
		return;
	key(g, "cpu");
	yajl_gen_map_open(g);
	if (c->has_shares)
		key_u64(g, "shares", c->shares);
	if (c->has_quota)
		key_i64(g, "quota", c->quota);
	if (c->has_burst)
		key_u64(g, "burst", c->burst);
	if (c->has_period)
		key_u64(g, "period", c->period);
	if (c->has_realtime_runtime)
		key_i64(g, "realtimeRuntime", c->realtime_runtime);
	if (c->has_realtime_period)
		key_u64(g, "realtimePeriod", c->realtime_period);
	key_str(g, "cpus", c->cpus);
	key_str(g, "mems", c->mems);
	if (c->has_idle)
		key_i64(g, "idle", c->idle);
	yajl_gen_map_close(g);
}

static void gen_throttle(G g, const char *k, const struct calyx_throttle_device *t,
			 size_t n)
{
	if (!n)
		return;
	key(g, k);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		key_i64(g, "major", t[i].major);
		key_i64(g, "minor", t[i].minor);
		key_u64(g, "rate", t[i].rate);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_block_io(G g, const struct calyx_block_io *b)
{
	if (!b)
		return;
	key(g, "blockIO");
	yajl_gen_map_open(g);
	if (b->has_weight)
		key_u64(g, "weight", b->weight);
	if (b->has_leaf_weight)
		key_u64(g, "leafWeight", b->leaf_weight);
	if (b->n_weight_device) {
		key(g, "weightDevice");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < b->n_weight_device; i++) {
			const struct calyx_weight_device *w = &b->weight_device[i];

			yajl_gen_map_open(g);
			key_i64(g, "major", w->major);
			key_i64(g, "minor", w->minor);
			if (w->has_weight)
				key_u64(g, "weight", w->weight);
			if (w->has_leaf_weight)
				key_u64(g, "leafWeight", w->leaf_weight);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	gen_throttle(g, "throttleReadBpsDevice", b->throttle_read_bps,
		     b->n_throttle_read_bps);
	gen_throttle(g, "throttleWriteBpsDevice", b->throttle_write_bps,
		     b->n_throttle_write_bps);
	gen_throttle(g, "throttleReadIOPSDevice", b->throttle_read_iops,
		     b->n_throttle_read_iops);
	gen_throttle(g, "throttleWriteIOPSDevice", b->throttle_write_iops,
		     b->n_throttle_write_iops);
	yajl_gen_map_close(g);
}

static void gen_resources_more(G g, const struct calyx_resources *r)
{
	if (r->n_hugepage_limits) {
		key(g, "hugepageLimits");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < r->n_hugepage_limits; i++) {
			yajl_gen_map_open(g);
			key_str(g, "pageSize", r->hugepage_limits[i].page_size);
			key_u64(g, "limit", r->hugepage_limits[i].limit);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	if (r->has_network) {
		key(g, "network");
		yajl_gen_map_open(g);
		if (r->has_net_class_id)
			key_u64(g, "classID", r->net_class_id);
		if (r->n_net_priorities) {
			key(g, "priorities");
			yajl_gen_array_open(g);
			for (size_t i = 0; i < r->n_net_priorities; i++) {
				yajl_gen_map_open(g);
				key_str(g, "name", r->net_priorities[i].name);
				key_u64(g, "priority", r->net_priorities[i].priority);
				yajl_gen_map_close(g);
			}
			yajl_gen_array_close(g);
		}
		yajl_gen_map_close(g);
	}
	if (r->n_rdma) {
		key(g, "rdma");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < r->n_rdma; i++) {
			key(g, r->rdma[i].device);
			yajl_gen_map_open(g);
			if (r->rdma[i].has_hca_handles)
				key_u64(g, "hcaHandles", r->rdma[i].hca_handles);
			if (r->rdma[i].has_hca_objects)
				key_u64(g, "hcaObjects", r->rdma[i].hca_objects);
			yajl_gen_map_close(g);
		}
		yajl_gen_map_close(g);
	}
	gen_kv_map(g, "unified", r->unified, r->n_unified);
}

static void gen_resources(G g, const struct calyx_resources *r)
{
	if (!r)
		return;
	key(g, "resources");
	yajl_gen_map_open(g);
	gen_device_rules(g, r->devices, r->n_devices);
	gen_memory(g, r->memory);
	gen_cpu(g, r->cpu);
	if (r->has_pids_limit) {
		key(g, "pids");
		yajl_gen_map_open(g);
		key_i64(g, "limit", r->pids_limit);
		yajl_gen_map_close(g);
	}
	gen_block_io(g, r->block_io);
	gen_resources_more(g, r);
	yajl_gen_map_close(g);
}

/* ---- linux ------------------------------------------------------------- */

static void gen_seccomp(G g, const struct calyx_seccomp *s)
{
	if (!s)
		return;
	key(g, "seccomp");
	yajl_gen_map_open(g);
	key_str(g, "defaultAction", s->default_action);
	if (s->has_default_errno_ret)
		key_u64(g, "defaultErrnoRet", s->default_errno_ret);
	key_strv(g, "architectures", s->architectures);
	key_strv(g, "flags", s->flags);
	key_str(g, "listenerPath", s->listener_path);
	key_str(g, "listenerMetadata", s->listener_metadata);
	if (s->n_syscalls) {
		key(g, "syscalls");
		yajl_gen_array_open(g);
		for (size_t i = 0; i < s->n_syscalls; i++) {
			const struct calyx_syscall_rule *rule = &s->syscalls[i];

			yajl_gen_map_open(g);
			key_strv(g, "names", rule->names);
			key_str(g, "action", rule->action);
			if (rule->has_errno_ret)
				key_u64(g, "errnoRet", rule->errno_ret);
			if (rule->n_args) {
				key(g, "args");
				yajl_gen_array_open(g);
				for (size_t j = 0; j < rule->n_args; j++) {
					yajl_gen_map_open(g);
					key_u64(g, "index", rule->args[j].index);
					key_u64(g, "value", rule->args[j].value);
					key_u64(g, "valueTwo", rule->args[j].value_two);
					key_str(g, "op", rule->args[j].op);
					yajl_gen_map_close(g);
				}
				yajl_gen_array_close(g);
			}
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
}

static void gen_devices(G g, const struct calyx_device *d, size_t n)
{
	if (!n)
		return;
	key(g, "devices");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_map_open(g);
		key_str(g, "path", d[i].path);
		key_char(g, "type", d[i].type);
		if (d[i].has_major)
			key_i64(g, "major", d[i].major);
		if (d[i].has_minor)
			key_i64(g, "minor", d[i].minor);
		if (d[i].has_file_mode)
			key_u64(g, "fileMode", d[i].file_mode);
		if (d[i].has_uid)
			key_u64(g, "uid", d[i].uid);
		if (d[i].has_gid)
			key_u64(g, "gid", d[i].gid);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_namespaces(G g, const struct calyx_linux *l)
{
	if (!l->namespaces)
		return;
	key(g, "namespaces");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < l->n_namespaces; i++) {
		yajl_gen_map_open(g);
		key_str(g, "type", calyx_ns_type_name(l->namespaces[i].type));
		key_str(g, "path", l->namespaces[i].path);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void gen_time_and_net(G g, const struct calyx_linux *l)
{
	if (l->n_time_offsets) {
		key(g, "timeOffsets");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < l->n_time_offsets; i++) {
			key(g, l->time_offsets[i].clock);
			yajl_gen_map_open(g);
			key_i64(g, "secs", l->time_offsets[i].secs);
			key_u64(g, "nanosecs", l->time_offsets[i].nanosecs);
			yajl_gen_map_close(g);
		}
		yajl_gen_map_close(g);
	}
	if (l->n_net_devices) {
		key(g, "netDevices");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < l->n_net_devices; i++) {
			key(g, l->net_devices[i].host_name);
			yajl_gen_map_open(g);
			key_str(g, "name", l->net_devices[i].name);
			yajl_gen_map_close(g);
		}
		yajl_gen_map_close(g);
	}
}

static void gen_linux_extras(G g, const struct calyx_linux *l)
{
	if (l->intel_rdt) {
		const struct calyx_intel_rdt *rdt = l->intel_rdt;

		key(g, "intelRdt");
		yajl_gen_map_open(g);
		key_str(g, "closID", rdt->clos_id);
		key_str(g, "l3CacheSchema", rdt->l3_cache_schema);
		key_str(g, "memBwSchema", rdt->mem_bw_schema);
		key_strv(g, "schemata", rdt->schemata);
		if (rdt->enable_monitoring)
			key_bool(g, "enableMonitoring", true);
		yajl_gen_map_close(g);
	}
	if (l->memory_policy) {
		key(g, "memoryPolicy");
		yajl_gen_map_open(g);
		key_str(g, "mode", l->memory_policy->mode);
		key_str(g, "nodes", l->memory_policy->nodes);
		key_strv(g, "flags", l->memory_policy->flags);
		yajl_gen_map_close(g);
	}
	if (l->personality) {
		key(g, "personality");
		yajl_gen_map_open(g);
		key_str(g, "domain", l->personality->domain);
		key_strv(g, "flags", l->personality->flags);
		yajl_gen_map_close(g);
	}
}

static void gen_linux(G g, const struct calyx_linux *l)
{
	if (!l)
		return;
	key(g, "linux");
	yajl_gen_map_open(g);
	gen_namespaces(g, l);
	gen_id_mappings(g, "uidMappings", l->uid_mappings, l->n_uid_mappings);
	gen_id_mappings(g, "gidMappings", l->gid_mappings, l->n_gid_mappings);
	gen_time_and_net(g, l);
	gen_devices(g, l->devices, l->n_devices);
	key_str(g, "cgroupsPath", l->cgroups_path);
	gen_resources(g, l->resources);
	key_str(g, "rootfsPropagation", l->rootfs_propagation);
	gen_seccomp(g, l->seccomp);
	gen_kv_map(g, "sysctl", l->sysctl, l->n_sysctl);
	key_strv(g, "maskedPaths", l->masked_paths);
	key_strv(g, "readonlyPaths", l->readonly_paths);
	key_str(g, "mountLabel", l->mount_label);
	gen_linux_extras(g, l);
	yajl_gen_map_close(g);
}

int calyx_spec_serialize(const struct calyx_spec *spec, char **out,
			 calyx_error **err)
{
	const unsigned char *buf;
	size_t len;
	G g = yajl_gen_alloc(NULL);

	if (!g)
		return calyx_error_set(err, ENOMEM, "serializing the spec");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "\t");
	yajl_gen_map_open(g);
	key_str(g, "ociVersion", spec->oci_version ? spec->oci_version : "1.3.0");
	gen_process(g, spec->process);
	if (spec->root_path) {
		key(g, "root");
		yajl_gen_map_open(g);
		key_str(g, "path", spec->root_path);
		if (spec->root_readonly)
			key_bool(g, "readonly", true);
		yajl_gen_map_close(g);
	}
	key_str(g, "hostname", spec->hostname);
	key_str(g, "domainname", spec->domainname);
	gen_mounts(g, spec->mounts, spec->n_mounts);
	gen_hooks(g, spec->hooks);
	gen_kv_map(g, "annotations", spec->annotations, spec->n_annotations);
	gen_linux(g, spec->linux_cfg);
	yajl_gen_map_close(g);
	/* a generator error (bad UTF-8 in a string) shows up here */
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return calyx_error_setx(err, EINVAL, "serializing the spec: invalid string");
	}
	*out = malloc(len + 2);
	if (*out) {
		memcpy(*out, buf, len);
		(*out)[len] = '\n';
		(*out)[len + 1] = '\0';
		/* beautify already ends with a newline in some yajl versions */
		if (len && buf[len - 1] == '\n')
			(*out)[len] = '\0';
	}
	yajl_gen_free(g);
	return *out ? 0 : calyx_error_set(err, ENOMEM, "serializing the spec");
}
