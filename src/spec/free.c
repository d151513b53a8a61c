/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Releasing a parsed spec: every pointer in spec.h is owned by its struct. */
#include <stdlib.h>

#include "parse_internal.h"

void kv_free(struct calyx_kv *kv, size_t n)
{
	if (!kv)
		return;
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void calyx_process_free(struct calyx_process *p)
{
	if (!p)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	calyx_strv_free(p->args);
	free(p->command_line);
	calyx_strv_free(p->env);
	free(p->cwd);
	if (p->capabilities) {
		calyx_strv_free(p->capabilities->bounding);
		calyx_strv_free(p->capabilities->effective);
		calyx_strv_free(p->capabilities->inheritable);
		calyx_strv_free(p->capabilities->permitted);
		calyx_strv_free(p->capabilities->ambient);
		free(p->capabilities);
	}
	for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->io_priority);
	if (p->scheduler) {
		free(p->scheduler->policy);
		calyx_strv_free(p->scheduler->flags);
		free(p->scheduler);
	}
	free(p->exec_cpu_affinity_initial);
	free(p->exec_cpu_affinity_final);
	free(p);
}

void resources_free(struct calyx_resources *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->devices && i < r->n_devices; i++)
		free(r->devices[i].access);
	free(r->devices);
	free(r->memory);
	if (r->cpu) {
		free(r->cpu->cpus);
		free(r->cpu->mems);
		free(r->cpu);
	}
	if (r->block_io) {
		free(r->block_io->weight_device);
		free(r->block_io->throttle_read_bps);
		free(r->block_io->throttle_write_bps);
		free(r->block_io->throttle_read_iops);
		free(r->block_io->throttle_write_iops);
		free(r->block_io);
	}
	for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; r->net_priorities && i < r->n_net_priorities; i++)
		free(r->net_priorities[i].name);
	free(r->net_priorities);
	for (size_t i = 0; r->rdma && i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	kv_free(r->unified, r->n_unified);
	free(r);
}

void calyx_spec_seccomp_free(struct calyx_seccomp *s)
{
	if (!s)
		return;
	free(s->default_action);
	calyx_strv_free(s->architectures);
	calyx_strv_free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
		struct calyx_syscall_rule *rule = &s->syscalls[i];

		calyx_strv_free(rule->names);
		free(rule->action);
		for (size_t a = 0; rule->args && a < rule->n_args; a++)
			free(rule->args[a].op);
		free(rule->args);
	}
	free(s->syscalls);
	free(s);
}

void linux_free(struct calyx_linux *l)
{
	if (!l)
		return;
	for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; l->time_offsets && i < l->n_time_offsets; i++)
		free(l->time_offsets[i].clock);
	free(l->time_offsets);
	for (size_t i = 0; l->devices && i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	for (size_t i = 0; l->net_devices && i < l->n_net_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
	free(l->cgroups_path);
	resources_free(l->resources);
	free(l->rootfs_propagation);
	calyx_spec_seccomp_free(l->seccomp);
	kv_free(l->sysctl, l->n_sysctl);
	calyx_strv_free(l->masked_paths);
	calyx_strv_free(l->readonly_paths);
	free(l->mount_label);
	if (l->intel_rdt) {
		free(l->intel_rdt->clos_id);
		free(l->intel_rdt->l3_cache_schema);
		free(l->intel_rdt->mem_bw_schema);
		calyx_strv_free(l->intel_rdt->schemata);
		free(l->intel_rdt);
	}
	if (l->memory_policy) {
		free(l->memory_policy->mode);
		free(l->memory_policy->nodes);
		calyx_strv_free(l->memory_policy->flags);
		free(l->memory_policy);
	}
	if (l->personality) {
		free(l->personality->domain);
		calyx_strv_free(l->personality->flags);
		free(l->personality);
	}
	free(l);
}

void calyx_spec_free(struct calyx_spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->root_path);
	for (size_t i = 0; s->mounts && i < s->n_mounts; i++) {
		struct calyx_mount *m = &s->mounts[i];

		free(m->destination);
		free(m->type);
		free(m->source);
		calyx_strv_free(m->options);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(s->mounts);
	calyx_process_free(s->process);
	free(s->hostname);
	free(s->domainname);
	for (int k = 0; k < CALYX_HOOK_COUNT; k++) {
		struct calyx_hook_list *list = &s->hooks[k];

		for (size_t i = 0; list->hooks && i < list->n; i++) {
			free(list->hooks[i].path);
			calyx_strv_free(list->hooks[i].args);
			calyx_strv_free(list->hooks[i].env);
		}
		free(list->hooks);
	}
	kv_free(s->annotations, s->n_annotations);
	linux_free(s->linux_cfg);
	free(s);
}
