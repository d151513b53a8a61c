/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct calyx_spec -> config.json (util/json_writer).  The field order follows
 * config.md; absent optional fields (NULL, has_* false, empty lists) are
 * left out so that the output parses back into the same structs.
 */
#include "spec/serialize.h"
#include "util/json_writer.h"

/* Absent (NULL) optional fields are left out. */
static void key_opt_str(struct json_writer *w, const char *k, const char *s)
{
	if (s)
		jw_key_str(w, k, s);
}

static void key_opt_strv(struct json_writer *w, const char *k, char *const *v)
{
	if (v)
		jw_key_strv(w, k, (const char *const *)v);
}

static void key_char(struct json_writer *w, const char *k, char c)
{
	char s[2] = { c, '\0' };

	jw_key(w, k);
	jw_str(w, s);
}

static void gen_kv_map(struct json_writer *w, const char *k, const struct calyx_kv *kv,
		       size_t n)
{
	if (!n)
		return;
	jw_key(w, k);
	jw_map_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_key(w, kv[i].key);
		jw_str(w, kv[i].value ? kv[i].value : "");
	}
	jw_map_close(w);
}

static void gen_id_mappings(struct json_writer *w, const char *k,
			    const struct calyx_id_mapping *m, size_t n)
{
	if (!n)
		return;
	jw_key(w, k);
	jw_array_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_map_open(w);
		jw_key_u64(w, "containerID", m[i].container_id);
		jw_key_u64(w, "hostID", m[i].host_id);
		jw_key_u64(w, "size", m[i].size);
		jw_map_close(w);
	}
	jw_array_close(w);
}

/* ---- process ----------------------------------------------------------- */

static void gen_user(struct json_writer *w, const struct calyx_user *u)
{
	jw_key(w, "user");
	jw_map_open(w);
	jw_key_u64(w, "uid", u->uid);
	jw_key_u64(w, "gid", u->gid);
	if (u->has_umask)
		jw_key_u64(w, "umask", u->umask);
	if (u->n_additional_gids) {
		jw_key(w, "additionalGids");
		jw_array_open(w);
		for (size_t i = 0; i < u->n_additional_gids; i++)
			jw_u64(w, u->additional_gids[i]);
		jw_array_close(w);
	}
	key_opt_str(w, "username", u->username);
	jw_map_close(w);
}

static void gen_capabilities(struct json_writer *w, const struct calyx_capabilities *c)
{
	if (!c)
		return;
	jw_key(w, "capabilities");
	jw_map_open(w);
	key_opt_strv(w, "bounding", c->bounding);
	key_opt_strv(w, "effective", c->effective);
	key_opt_strv(w, "inheritable", c->inheritable);
	key_opt_strv(w, "permitted", c->permitted);
	key_opt_strv(w, "ambient", c->ambient);
	jw_map_close(w);
}

static void gen_rlimits(struct json_writer *w, const struct calyx_rlimit *r, size_t n)
{
	if (!n)
		return;
	jw_key(w, "rlimits");
	jw_array_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_map_open(w);
		key_opt_str(w, "type", r[i].type);
		jw_key_u64(w, "soft", r[i].soft);
		jw_key_u64(w, "hard", r[i].hard);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static const char *ioprio_class_name(int class)
{
	static const char *const names[] = {
		[1] = "IOPRIO_CLASS_RT", [2] = "IOPRIO_CLASS_BE",
		[3] = "IOPRIO_CLASS_IDLE",
	};

	return class >= 1 && class <= 3 ? names[class] : "IOPRIO_CLASS_NONE";
}

static void gen_process_extras(struct json_writer *w, const struct calyx_process *p)
{
	if (p->io_priority) {
		jw_key(w, "ioPriority");
		jw_map_open(w);
		key_opt_str(w, "class", ioprio_class_name(p->io_priority->prio_class));
		jw_key_int(w, "priority", p->io_priority->priority);
		jw_map_close(w);
	}
	if (p->scheduler) {
		const struct calyx_scheduler *s = p->scheduler;

		jw_key(w, "scheduler");
		jw_map_open(w);
		key_opt_str(w, "policy", s->policy);
		jw_key_int(w, "nice", s->nice);
		jw_key_int(w, "priority", s->priority);
		key_opt_strv(w, "flags", s->flags);
		jw_key_u64(w, "runtime", s->runtime);
		jw_key_u64(w, "deadline", s->deadline);
		jw_key_u64(w, "period", s->period);
		jw_map_close(w);
	}
	if (p->exec_cpu_affinity_initial || p->exec_cpu_affinity_final) {
		jw_key(w, "execCPUAffinity");
		jw_map_open(w);
		key_opt_str(w, "initial", p->exec_cpu_affinity_initial);
		key_opt_str(w, "final", p->exec_cpu_affinity_final);
		jw_map_close(w);
	}
}

static void gen_process(struct json_writer *w, const struct calyx_process *p)
{
	if (!p)
		return;
	jw_key(w, "process");
	jw_map_open(w);
	jw_key_bool(w, "terminal", p->terminal);
	if (p->has_console_size) {
		jw_key(w, "consoleSize");
		jw_map_open(w);
		jw_key_u64(w, "height", p->console_height);
		jw_key_u64(w, "width", p->console_width);
		jw_map_close(w);
	}
	gen_user(w, &p->user);
	key_opt_strv(w, "args", p->args);
	key_opt_str(w, "commandLine", p->command_line);
	key_opt_strv(w, "env", p->env);
	key_opt_str(w, "cwd", p->cwd);
	gen_capabilities(w, p->capabilities);
	gen_rlimits(w, p->rlimits, p->n_rlimits);
	jw_key_bool(w, "noNewPrivileges", p->no_new_privileges);
	key_opt_str(w, "apparmorProfile", p->apparmor_profile);
	if (p->has_oom_score_adj)
		jw_key_int(w, "oomScoreAdj", p->oom_score_adj);
	key_opt_str(w, "selinuxLabel", p->selinux_label);
	gen_process_extras(w, p);
	jw_map_close(w);
}

/* ---- mounts, hooks ----------------------------------------------------- */

static void gen_mounts(struct json_writer *w, const struct calyx_mount *m, size_t n)
{
	if (!n)
		return;
	jw_key(w, "mounts");
	jw_array_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_map_open(w);
		key_opt_str(w, "destination", m[i].destination);
		key_opt_str(w, "type", m[i].type);
		key_opt_str(w, "source", m[i].source);
		key_opt_strv(w, "options", m[i].options);
		gen_id_mappings(w, "uidMappings", m[i].uid_mappings, m[i].n_uid_mappings);
		gen_id_mappings(w, "gidMappings", m[i].gid_mappings, m[i].n_gid_mappings);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static void gen_hooks(struct json_writer *w, const struct calyx_hook_list *hooks)
{
	bool any = false;

	for (int k = 0; k < CALYX_HOOK_COUNT; k++)
		any = any || hooks[k].n;
	if (!any)
		return;
	jw_key(w, "hooks");
	jw_map_open(w);
	for (int k = 0; k < CALYX_HOOK_COUNT; k++) {
		if (!hooks[k].n)
			continue;
		jw_key(w, calyx_hook_kind_name((enum calyx_hook_kind)k));
		jw_array_open(w);
		for (size_t i = 0; i < hooks[k].n; i++) {
			const struct calyx_hook *h = &hooks[k].hooks[i];

			jw_map_open(w);
			key_opt_str(w, "path", h->path);
			key_opt_strv(w, "args", h->args);
			key_opt_strv(w, "env", h->env);
			if (h->has_timeout)
				jw_key_int(w, "timeout", h->timeout);
			jw_map_close(w);
		}
		jw_array_close(w);
	}
	jw_map_close(w);
}

/* ---- linux.resources --------------------------------------------------- */

static void gen_device_rules(struct json_writer *w, const struct calyx_device_cgroup *d,
			     size_t n)
{
	if (!n)
		return;
	jw_key(w, "devices");
	jw_array_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_map_open(w);
		jw_key_bool(w, "allow", d[i].allow);
		if (d[i].type && d[i].type != 'a')
			key_char(w, "type", d[i].type);
		if (d[i].has_major)
			jw_key_int(w, "major", d[i].major);
		if (d[i].has_minor)
			jw_key_int(w, "minor", d[i].minor);
		key_opt_str(w, "access", d[i].access);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static void gen_memory(struct json_writer *w, const struct calyx_memory *m)
{
	if (!m)
		return;
	jw_key(w, "memory");
	jw_map_open(w);
	if (m->has_limit)
		jw_key_int(w, "limit", m->limit);
	if (m->has_reservation)
		jw_key_int(w, "reservation", m->reservation);
	if (m->has_swap)
		jw_key_int(w, "swap", m->swap);
	if (m->has_kernel)
		jw_key_int(w, "kernel", m->kernel);
	if (m->has_kernel_tcp)
		jw_key_int(w, "kernelTCP", m->kernel_tcp);
	if (m->has_swappiness)
		jw_key_u64(w, "swappiness", m->swappiness);
	if (m->has_disable_oom_killer)
		jw_key_bool(w, "disableOOMKiller", m->disable_oom_killer);
	if (m->has_use_hierarchy)
		jw_key_bool(w, "useHierarchy", m->use_hierarchy);
	if (m->has_check_before_update)
		jw_key_bool(w, "checkBeforeUpdate", m->check_before_update);
	jw_map_close(w);
}

static void gen_cpu(struct json_writer *w, const struct calyx_cpu *c)
{
	if (!c)
		return;
	jw_key(w, "cpu");
	jw_map_open(w);
	if (c->has_shares)
		jw_key_u64(w, "shares", c->shares);
	if (c->has_quota)
		jw_key_int(w, "quota", c->quota);
	if (c->has_burst)
		jw_key_u64(w, "burst", c->burst);
	if (c->has_period)
		jw_key_u64(w, "period", c->period);
	if (c->has_realtime_runtime)
		jw_key_int(w, "realtimeRuntime", c->realtime_runtime);
	if (c->has_realtime_period)
		jw_key_u64(w, "realtimePeriod", c->realtime_period);
	key_opt_str(w, "cpus", c->cpus);
	key_opt_str(w, "mems", c->mems);
	if (c->has_idle)
		jw_key_int(w, "idle", c->idle);
	jw_map_close(w);
}

static void gen_throttle(struct json_writer *w, const char *k,
			 const struct calyx_throttle_device *t, size_t n)
{
	if (!n)
		return;
	jw_key(w, k);
	jw_array_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_map_open(w);
		jw_key_int(w, "major", t[i].major);
		jw_key_int(w, "minor", t[i].minor);
		jw_key_u64(w, "rate", t[i].rate);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static void gen_block_io(struct json_writer *w, const struct calyx_block_io *b)
{
	if (!b)
		return;
	jw_key(w, "blockIO");
	jw_map_open(w);
	if (b->has_weight)
		jw_key_u64(w, "weight", b->weight);
	if (b->has_leaf_weight)
		jw_key_u64(w, "leafWeight", b->leaf_weight);
	if (b->n_weight_device) {
		jw_key(w, "weightDevice");
		jw_array_open(w);
		for (size_t i = 0; i < b->n_weight_device; i++) {
			const struct calyx_weight_device *wd = &b->weight_device[i];

			jw_map_open(w);
			jw_key_int(w, "major", wd->major);
			jw_key_int(w, "minor", wd->minor);
			if (wd->has_weight)
				jw_key_u64(w, "weight", wd->weight);
			if (wd->has_leaf_weight)
				jw_key_u64(w, "leafWeight", wd->leaf_weight);
			jw_map_close(w);
		}
		jw_array_close(w);
	}
	gen_throttle(w, "throttleReadBpsDevice", b->throttle_read_bps,
		     b->n_throttle_read_bps);
	gen_throttle(w, "throttleWriteBpsDevice", b->throttle_write_bps,
		     b->n_throttle_write_bps);
	gen_throttle(w, "throttleReadIOPSDevice", b->throttle_read_iops,
		     b->n_throttle_read_iops);
	gen_throttle(w, "throttleWriteIOPSDevice", b->throttle_write_iops,
		     b->n_throttle_write_iops);
	jw_map_close(w);
}

static void gen_resources_more(struct json_writer *w, const struct calyx_resources *r)
{
	if (r->n_hugepage_limits) {
		jw_key(w, "hugepageLimits");
		jw_array_open(w);
		for (size_t i = 0; i < r->n_hugepage_limits; i++) {
			jw_map_open(w);
			key_opt_str(w, "pageSize", r->hugepage_limits[i].page_size);
			jw_key_u64(w, "limit", r->hugepage_limits[i].limit);
			jw_map_close(w);
		}
		jw_array_close(w);
	}
	if (r->has_network) {
		jw_key(w, "network");
		jw_map_open(w);
		if (r->has_net_class_id)
			jw_key_u64(w, "classID", r->net_class_id);
		if (r->n_net_priorities) {
			jw_key(w, "priorities");
			jw_array_open(w);
			for (size_t i = 0; i < r->n_net_priorities; i++) {
				jw_map_open(w);
				key_opt_str(w, "name", r->net_priorities[i].name);
				jw_key_u64(w, "priority", r->net_priorities[i].priority);
				jw_map_close(w);
			}
			jw_array_close(w);
		}
		jw_map_close(w);
	}
	if (r->n_rdma) {
		jw_key(w, "rdma");
		jw_map_open(w);
		for (size_t i = 0; i < r->n_rdma; i++) {
			jw_key(w, r->rdma[i].device);
			jw_map_open(w);
			if (r->rdma[i].has_hca_handles)
				jw_key_u64(w, "hcaHandles", r->rdma[i].hca_handles);
			if (r->rdma[i].has_hca_objects)
				jw_key_u64(w, "hcaObjects", r->rdma[i].hca_objects);
			jw_map_close(w);
		}
		jw_map_close(w);
	}
	gen_kv_map(w, "unified", r->unified, r->n_unified);
}

static void gen_resources(struct json_writer *w, const struct calyx_resources *r)
{
	if (!r)
		return;
	jw_key(w, "resources");
	jw_map_open(w);
	gen_device_rules(w, r->devices, r->n_devices);
	gen_memory(w, r->memory);
	gen_cpu(w, r->cpu);
	if (r->has_pids_limit) {
		jw_key(w, "pids");
		jw_map_open(w);
		jw_key_int(w, "limit", r->pids_limit);
		jw_map_close(w);
	}
	gen_block_io(w, r->block_io);
	gen_resources_more(w, r);
	jw_map_close(w);
}

/* ---- linux ------------------------------------------------------------- */

static void gen_seccomp(struct json_writer *w, const struct calyx_seccomp *s)
{
	if (!s)
		return;
	jw_key(w, "seccomp");
	jw_map_open(w);
	key_opt_str(w, "defaultAction", s->default_action);
	if (s->has_default_errno_ret)
		jw_key_u64(w, "defaultErrnoRet", s->default_errno_ret);
	key_opt_strv(w, "architectures", s->architectures);
	key_opt_strv(w, "flags", s->flags);
	key_opt_str(w, "listenerPath", s->listener_path);
	key_opt_str(w, "listenerMetadata", s->listener_metadata);
	if (s->n_syscalls) {
		jw_key(w, "syscalls");
		jw_array_open(w);
		for (size_t i = 0; i < s->n_syscalls; i++) {
			const struct calyx_syscall_rule *rule = &s->syscalls[i];

			jw_map_open(w);
			key_opt_strv(w, "names", rule->names);
			key_opt_str(w, "action", rule->action);
			if (rule->has_errno_ret)
				jw_key_u64(w, "errnoRet", rule->errno_ret);
			if (rule->n_args) {
				jw_key(w, "args");
				jw_array_open(w);
				for (size_t j = 0; j < rule->n_args; j++) {
					jw_map_open(w);
					jw_key_u64(w, "index", rule->args[j].index);
					jw_key_u64(w, "value", rule->args[j].value);
					jw_key_u64(w, "valueTwo", rule->args[j].value_two);
					key_opt_str(w, "op", rule->args[j].op);
					jw_map_close(w);
				}
				jw_array_close(w);
			}
			jw_map_close(w);
		}
		jw_array_close(w);
	}
	jw_map_close(w);
}

static void gen_devices(struct json_writer *w, const struct calyx_device *d, size_t n)
{
	if (!n)
		return;
	jw_key(w, "devices");
	jw_array_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_map_open(w);
		key_opt_str(w, "path", d[i].path);
		key_char(w, "type", d[i].type);
		if (d[i].has_major)
			jw_key_int(w, "major", d[i].major);
		if (d[i].has_minor)
			jw_key_int(w, "minor", d[i].minor);
		if (d[i].has_file_mode)
			jw_key_u64(w, "fileMode", d[i].file_mode);
		if (d[i].has_uid)
			jw_key_u64(w, "uid", d[i].uid);
		if (d[i].has_gid)
			jw_key_u64(w, "gid", d[i].gid);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static void gen_namespaces(struct json_writer *w, const struct calyx_linux *l)
{
	if (!l->namespaces)
		return;
	jw_key(w, "namespaces");
	jw_array_open(w);
	for (size_t i = 0; i < l->n_namespaces; i++) {
		jw_map_open(w);
		key_opt_str(w, "type", calyx_ns_type_name(l->namespaces[i].type));
		key_opt_str(w, "path", l->namespaces[i].path);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static void gen_time_and_net(struct json_writer *w, const struct calyx_linux *l)
{
	if (l->n_time_offsets) {
		jw_key(w, "timeOffsets");
		jw_map_open(w);
		for (size_t i = 0; i < l->n_time_offsets; i++) {
			jw_key(w, l->time_offsets[i].clock);
			jw_map_open(w);
			jw_key_int(w, "secs", l->time_offsets[i].secs);
			jw_key_u64(w, "nanosecs", l->time_offsets[i].nanosecs);
			jw_map_close(w);
		}
		jw_map_close(w);
	}
	if (l->n_net_devices) {
		jw_key(w, "netDevices");
		jw_map_open(w);
		for (size_t i = 0; i < l->n_net_devices; i++) {
			jw_key(w, l->net_devices[i].host_name);
			jw_map_open(w);
			key_opt_str(w, "name", l->net_devices[i].name);
			jw_map_close(w);
		}
		jw_map_close(w);
	}
}

static void gen_linux_extras(struct json_writer *w, const struct calyx_linux *l)
{
	if (l->intel_rdt) {
		const struct calyx_intel_rdt *rdt = l->intel_rdt;

		jw_key(w, "intelRdt");
		jw_map_open(w);
		key_opt_str(w, "closID", rdt->clos_id);
		key_opt_str(w, "l3CacheSchema", rdt->l3_cache_schema);
		key_opt_str(w, "memBwSchema", rdt->mem_bw_schema);
		key_opt_strv(w, "schemata", rdt->schemata);
		if (rdt->enable_monitoring)
			jw_key_bool(w, "enableMonitoring", true);
		jw_map_close(w);
	}
	if (l->memory_policy) {
		jw_key(w, "memoryPolicy");
		jw_map_open(w);
		key_opt_str(w, "mode", l->memory_policy->mode);
		key_opt_str(w, "nodes", l->memory_policy->nodes);
		key_opt_strv(w, "flags", l->memory_policy->flags);
		jw_map_close(w);
	}
	if (l->personality) {
		jw_key(w, "personality");
		jw_map_open(w);
		key_opt_str(w, "domain", l->personality->domain);
		key_opt_strv(w, "flags", l->personality->flags);
		jw_map_close(w);
	}
}

static void gen_linux(struct json_writer *w, const struct calyx_linux *l)
{
	if (!l)
		return;
	jw_key(w, "linux");
	jw_map_open(w);
	gen_namespaces(w, l);
	gen_id_mappings(w, "uidMappings", l->uid_mappings, l->n_uid_mappings);
	gen_id_mappings(w, "gidMappings", l->gid_mappings, l->n_gid_mappings);
	gen_time_and_net(w, l);
	gen_devices(w, l->devices, l->n_devices);
	key_opt_str(w, "cgroupsPath", l->cgroups_path);
	gen_resources(w, l->resources);
	key_opt_str(w, "rootfsPropagation", l->rootfs_propagation);
	gen_seccomp(w, l->seccomp);
	gen_kv_map(w, "sysctl", l->sysctl, l->n_sysctl);
	key_opt_strv(w, "maskedPaths", l->masked_paths);
	key_opt_strv(w, "readonlyPaths", l->readonly_paths);
	key_opt_str(w, "mountLabel", l->mount_label);
	gen_linux_extras(w, l);
	jw_map_close(w);
}

int calyx_spec_serialize(const struct calyx_spec *spec, char **out,
			 calyx_error **err)
{
	struct json_writer w;
	int r;

	jw_init(&w, "\t");
	jw_map_open(&w);
	jw_key_str(&w, "ociVersion", spec->oci_version ? spec->oci_version : "1.3.0");
	gen_process(&w, spec->process);
	if (spec->root_path) {
		jw_key(&w, "root");
		jw_map_open(&w);
		jw_key_str(&w, "path", spec->root_path);
		if (spec->root_readonly)
			jw_key_bool(&w, "readonly", true);
		jw_map_close(&w);
	}
	key_opt_str(&w, "hostname", spec->hostname);
	key_opt_str(&w, "domainname", spec->domainname);
	gen_mounts(&w, spec->mounts, spec->n_mounts);
	gen_hooks(&w, spec->hooks);
	gen_kv_map(&w, "annotations", spec->annotations, spec->n_annotations);
	gen_linux(&w, spec->linux_cfg);
	jw_map_close(&w);
	r = jw_finish(&w, true, out, err);
	return r < 0 ? calyx_error_prefix(err, "serializing the spec") : 0;
}
