/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whole-document rules of config.md / config-linux.md that no single field
 * can check (plus runc's hostname rule), each reported with its JSON path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse_internal.h"
#include "util/json.h"

#define INVALID(err, ...) calyx_error_setx(err, EINVAL, __VA_ARGS__)

static bool has_dotdot_component(const char *p, const char *seps)
{
	while (*p) {
		size_t n = strcspn(p, seps);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/*
 * True when a path names "/" once "." and ".." are taken as the kernel
 * takes them inside the rootfs (".." stops at the root): "/", ".", "..",
 * "/a/../".  A mount there would cover the whole rootfs.
 */
static bool names_root(const char *p)
{
	size_t depth = 0;

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth = depth ? depth - 1 : 0;
		else if (n && !(n == 1 && p[0] == '.'))
			depth++;
		p += n;
		if (*p)
			p++;
	}
	return depth == 0;
}

static int validate_namespaces(const struct calyx_spec *s, calyx_error **err)
{
	const struct calyx_linux *l = s->linux_cfg;
	const struct calyx_namespace *user, *uts;
	bool seen[CALYX_NS_COUNT] = { false };

	for (size_t i = 0; l && i < l->n_namespaces; i++) {
		const struct calyx_namespace *ns = &l->namespaces[i];

		if (seen[ns->type])
			return INVALID(err, "linux.namespaces[%zu].type: "
				       "duplicate namespace type \"%s\"", i,
				       calyx_ns_type_name(ns->type));
		seen[ns->type] = true;
		if (ns->path && ns->path[0] != '/')
			return INVALID(err, "linux.namespaces[%zu].path: must "
				       "be an absolute path", i);
	}

	user = calyx_spec_namespace(s, CALYX_NS_USER);
	if (l && (l->n_uid_mappings || l->n_gid_mappings)) {
		const char *key = l->n_uid_mappings ? "uidMappings" :
						      "gidMappings";

		if (!user)
			return INVALID(err, "linux.%s: requires a user "
				       "namespace in linux.namespaces", key);
		/* with a path they describe the joined namespace (podman's
		 * pods pass them): nothing is written, they are accepted */
	}
	if (l && user && !user->path &&
	    (l->n_uid_mappings == 0) != (l->n_gid_mappings == 0))
		return INVALID(err, "linux.%s: must be set together with "
			       "linux.%s",
			       l->n_uid_mappings ? "uidMappings" : "gidMappings",
			       l->n_uid_mappings ? "gidMappings" : "uidMappings");
	if (l && l->n_time_offsets) {
		const struct calyx_namespace *t =
			calyx_spec_namespace(s, CALYX_NS_TIME);

		if (!t)
			return INVALID(err, "linux.timeOffsets: requires a "
				       "time namespace in linux.namespaces");
		if (t->path)
			return INVALID(err, "linux.timeOffsets: must not be "
				       "set when joining an existing time "
				       "namespace");
	}

	/* runc refuses these too: they would change the host's names. */
	uts = calyx_spec_namespace(s, CALYX_NS_UTS);
	if (s->hostname && s->hostname[0] && !uts)
		return INVALID(err, "hostname: requires a uts namespace in "
			       "linux.namespaces");
	/* the kernel's HOST_NAME_MAX; sethostname() would only say EINVAL */
	if (s->hostname && strlen(s->hostname) > 64)
		return INVALID(err, "hostname: longer than 64 characters");
	if (s->domainname && strlen(s->domainname) > 64)
		return INVALID(err, "domainname: longer than 64 characters");
	if (s->domainname && s->domainname[0] && !uts)
		return INVALID(err, "domainname: requires a uts namespace in "
			       "linux.namespaces");
	return 0;
}

static int validate_mounts(const struct calyx_spec *s, calyx_error **err)
{
	bool userns = calyx_spec_namespace(s, CALYX_NS_USER) != NULL;

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct calyx_mount *m = &s->mounts[i];

		if (m->destination[0] != '/')
			return INVALID(err, "mounts[%zu].destination: must be "
				       "an absolute path", i);
		if (names_root(m->destination))
			return INVALID(err, "mounts[%zu].destination: \"%s\" "
				       "is the container's root; a mount "
				       "there would cover the rootfs", i,
				       m->destination);
		if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
			return INVALID(err, "mounts[%zu].%s: must be set "
				       "together with %s", i,
				       m->n_uid_mappings ? "uidMappings" :
							   "gidMappings",
				       m->n_uid_mappings ? "gidMappings" :
							   "uidMappings");
		if ((calyx_strv_contains(m->options, "idmap") ||
		     calyx_strv_contains(m->options, "ridmap")) &&
		    !m->n_uid_mappings && !userns)
			return INVALID(err, "mounts[%zu].options: \"idmap\" "
				       "needs uidMappings/gidMappings or a "
				       "user namespace", i);
	}
	return 0;
}

static int validate_hooks(const struct calyx_spec *s, calyx_error **err)
{
	for (int k = 0; k < CALYX_HOOK_COUNT; k++) {
		for (size_t i = 0; i < s->hooks[k].n; i++) {
			const struct calyx_hook *h = &s->hooks[k].hooks[i];

			if (h->path[0] != '/')
				return INVALID(err, "hooks.%s[%zu].path: must "
					       "be an absolute path",
					       calyx_hook_kind_name(k), i);
			if (h->has_timeout && h->timeout <= 0)
				return INVALID(err, "hooks.%s[%zu].timeout: "
					       "must be greater than zero",
					       calyx_hook_kind_name(k), i);
		}
	}
	return 0;
}

#define DEV_MAJOR_MAX ((1 << 12) - 1)
#define DEV_MINOR_MAX ((1 << 20) - 1)

static int validate_devices(const struct calyx_linux *l, calyx_error **err)
{
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct calyx_device *d = &l->devices[i];

		if (d->path[0] != '/')
			return INVALID(err, "linux.devices[%zu].path: must be "
				       "an absolute path", i);
		if (has_dotdot_component(d->path, "/"))
			return INVALID(err, "linux.devices[%zu].path: must "
				       "not contain \"..\"", i);
		if (d->type == 'p')
			continue;	/* a FIFO has no device numbers */
		if (!d->has_major)
			return INVALID(err, "linux.devices[%zu].major: is "
				       "required for type \"%c\"", i, d->type);
		if (!d->has_minor)
			return INVALID(err, "linux.devices[%zu].minor: is "
				       "required for type \"%c\"", i, d->type);
		if (d->major < 0 || d->minor < 0)
			return INVALID(err, "linux.devices[%zu].%s: must not be "
				       "negative", i,
				       d->major < 0 ? "major" : "minor");
		/*
		 * The kernel's dev_t has a 12-bit major and a 20-bit minor;
		 * mknod would silently truncate a larger number into some
		 * other device (major 2^32+1 made 1:3).
		 */
		if (d->major > DEV_MAJOR_MAX)
			return INVALID(err, "linux.devices[%zu].major: must be "
				       "at most %d", i, DEV_MAJOR_MAX);
		if (d->minor > DEV_MINOR_MAX)
			return INVALID(err, "linux.devices[%zu].minor: must be "
				       "at most %d", i, DEV_MINOR_MAX);
	}
	return 0;
}

/* "net.ipv4.ip_forward" or "net/ipv4/ip_forward": names under /proc/sys. */
static bool valid_sysctl_key(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || strchr("./", k[0]) || strchr("./", k[n - 1]))
		return false;
	for (const char *p = k; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return !strstr(k, "..") && !strstr(k, "//") &&
	       !strstr(k, "./") && !strstr(k, "/.");
}

static int validate_paths(const char *key, char **paths, calyx_error **err)
{
	for (size_t i = 0; paths && paths[i]; i++)
		if (paths[i][0] != '/')
			return INVALID(err, "linux.%s[%zu]: must be an "
				       "absolute path", key, i);
	return 0;
}

/* Limits where -1 means "unlimited" and other negatives mean nothing. */
static int validate_limit(const char *field, bool has, int64_t v, calyx_error **err)
{
	if (has && v < -1)
		return calyx_error_setx(err, EINVAL,
					"linux.resources.%s: must be -1 (unlimited) or >= 0", field);
	return 0;
}

static int validate_resources(const struct calyx_resources *res, calyx_error **err)
{
	const struct calyx_memory *m = res->memory;
	int r = 0;

	if (m && ((r = validate_limit("memory.limit", m->has_limit, m->limit, err)) < 0 ||
		  (r = validate_limit("memory.reservation", m->has_reservation,
				      m->reservation, err)) < 0 ||
		  (r = validate_limit("memory.swap", m->has_swap, m->swap, err)) < 0))
		return r;
	if (res->cpu && (r = validate_limit("cpu.quota", res->cpu->has_quota,
					    res->cpu->quota, err)) < 0)
		return r;
	return validate_limit("pids.limit", res->has_pids_limit, res->pids_limit, err);
}

static int validate_linux(const struct calyx_linux *l, calyx_error **err)
{
	static const char *const propagations[] = {
		"private", "shared", "slave", "unbindable",
		/* runc accepts the recursive forms too */
		"rprivate", "rshared", "rslave", "runbindable",
	};
	int r;

	if ((r = validate_devices(l, err)) < 0)
		return r;
	if (l->resources && (r = validate_resources(l->resources, err)) < 0)
		return r;
	if (l->rootfs_propagation) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++)
			ok |= strcmp(l->rootfs_propagation,
				     propagations[i]) == 0;
		if (!ok)
			return INVALID(err, "linux.rootfsPropagation: must be "
				       "\"private\", \"shared\", \"slave\" or "
				       "\"unbindable\", not \"%s\"",
				       l->rootfs_propagation);
	}
	for (size_t i = 0; i < l->n_sysctl; i++)
		if (!valid_sysctl_key(l->sysctl[i].key))
			return INVALID(err, "linux.sysctl.%s: not a valid "
				       "sysctl name", l->sysctl[i].key);
	if (l->cgroups_path && has_dotdot_component(l->cgroups_path, "/:"))
		return INVALID(err, "linux.cgroupsPath: must not contain "
			       "\"..\" components");
	if ((r = validate_paths("maskedPaths", l->masked_paths, err)) < 0 ||
	    (r = validate_paths("readonlyPaths", l->readonly_paths, err)) < 0)
		return r;
	if (l->seccomp && l->seccomp->listener_metadata &&
	    !l->seccomp->listener_path)
		return INVALID(err, "linux.seccomp.listenerMetadata: needs "
			       "linux.seccomp.listenerPath");
	return 0;
}

int calyx_spec_validate(const struct calyx_spec *s, calyx_error **err)
{
	int r;

	if ((r = validate_namespaces(s, err)) < 0 ||
	    (r = validate_mounts(s, err)) < 0 ||
	    (r = validate_hooks(s, err)) < 0 ||
	    (s->linux_cfg && (r = validate_linux(s->linux_cfg, err)) < 0)) {
		/* messages quote the document's strings */
		calyx_json_error_printable(err);
		return r;
	}
	return 0;
}
