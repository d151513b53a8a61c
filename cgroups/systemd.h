/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
 * transient scope (or slice) that systemd creates with Delegate=yes; the
 * resources go in as unit properties where systemd has one, and to the
 * cgroup files as the cgroupfs driver writes them (runc does both too:
 * systemd may rewrite its files on a reload, the files give exact values).
 * Private to cgroups/.
 */
#ifndef CALYX_CGROUPS_SYSTEMD_H
#define CALYX_CGROUPS_SYSTEMD_H

#include <stdbool.h>

#include "cgroups/dbus.h"
#include "cgroups/internal.h"

/* cgroup paths saved in the state say which driver made them */
#define CG_SYSTEMD_PREFIX "systemd:"

struct cg_systemd {
	char *unit;		/* "docker-ID.scope" or "x.slice" */
	char *slice;		/* the parent slice ("system.slice") */
	bool user;		/* the user's manager (rootless) */
	bool started;		/* the unit exists (create) / existed (open) */
	char *saved;		/* CG_SYSTEMD_PREFIX + the cgroup path */
	struct dbus_conn *bus;	/* opened when first needed */
	/* create: the unit's properties from config.json (resources and
	 * org.systemd.property.* annotations), checked before the clone */
	struct dbus_buf props;
	const struct calyx_resources *resources;	/* create: the config's */
};

/* --- systemd_props.c (pure: unit tested) --- */

/*
 * linux.cgroupsPath in runc's "slice:prefix:name" form; "" = the default
 * ("system.slice", or "user.slice" rootless, with the unit "calyx-ID.scope").
 * Fills sd->unit and sd->slice.
 */
int cg_systemd_parse_path(const char *cgroups_path, const char *id,
			  bool rootless, struct cg_systemd *sd,
			  calyx_error **err);
/* "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "" (the root) */
int cg_systemd_expand_slice(const char *slice, char **out, calyx_error **err);
/* Append the a(sv) entries for r; *n counts them. */
int cg_systemd_resource_props(struct dbus_buf *b, const struct calyx_resources *r,
			      size_t *n, calyx_error **err);
/* Append org.systemd.property.NAME annotations, checked strictly: known
 * names, values of the property's type; errors name the annotation. */
int cg_systemd_annotation_props(struct dbus_buf *b, const struct calyx_kv *ann,
				size_t n_ann, size_t *n, calyx_error **err);

/* --- systemd.c --- */
int cg_systemd_create(const struct calyx_cgroup_config *cfg,
		      struct calyx_cgroup **out, calyx_error **err);
/* Reopen from a saved path that starts with CG_SYSTEMD_PREFIX. */
int cg_systemd_open(const char *saved, const struct calyx_log *log,
		    struct calyx_cgroup **out, calyx_error **err);
/* Start the unit with pid in it (the first enter), then apply resources. */
int cg_systemd_start(struct calyx_cgroup *cg, pid_t pid, calyx_error **err);
/*
 * Have the unit's manager move pid into the unit's cgroup (sub: a cgroup
 * below it, relative; NULL or "" for the unit's own): where we may not
 * move it ourselves -- rootless, from a cgroup whose common ancestor with
 * the unit's is not the user's; the user's systemd then asks the system's.
 */
int cg_systemd_attach(struct calyx_cgroup *cg, const char *sub, pid_t pid,
		      calyx_error **err);
int cg_systemd_update(struct calyx_cgroup *cg, const struct calyx_resources *r,
		      calyx_error **err);
/* Stop the unit and forget a failed state; the processes are gone. */
int cg_systemd_stop(struct calyx_cgroup *cg, calyx_error **err);
void cg_systemd_free(struct cg_systemd *sd);

#endif
