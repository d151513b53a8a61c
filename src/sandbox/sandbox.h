/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bundle-less `calyx run --rootfs DIR -- CMD...` (calyx/sandbox.h):
 * its options become a struct calyx_spec (build_spec.c) that goes through
 * the same create/run path as a bundle's config.json.  What a spec cannot
 * say is done around the run by prepare.c: a private mount namespace for
 * calyx holding the overlay (or the plain bind of `/`), the veth pair, and
 * a sweep of what a killed calyx left behind.
 */
#ifndef CALYX_SANDBOX_INTERNAL_H
#define CALYX_SANDBOX_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "calyx/calyx.h"
#include "calyx/sandbox.h"

enum sandbox_net {
	SANDBOX_NET_LOOPBACK,	/* new netns, only lo (up) */
	SANDBOX_NET_NONE,	/* the same: new netns, nothing but lo */
	SANDBOX_NET_HOST,	/* the host's namespace */
	SANDBOX_NET_VETH,	/* new netns + veth pair with a /30 */
};

/* The options of calyx/sandbox.h, checked and typed (options.c); strings
 * and lists point into the caller's. */
struct sandbox_options {
	const char *rootfs;
	const char *id;
	const char *workdir;
	const char *user;
	const char *hostname;
	const char *seccomp;	/* "default", "unconfined" or a file */
	const char *keep_changes;
	const char *report;	/* --report FILE */
	const char *caps_profile; /* --caps NAME */
	char *const *binds, *const *tmpfs, *const *env, *const *env_files;
	char *const *cap_add, *const *cap_drop;	/* NULL-terminated */
	size_t n_binds, n_tmpfs, n_env, n_env_files, n_cap_add, n_cap_drop;
	enum sandbox_net net;
	struct in_addr veth_host, veth_peer;
	bool has_memory, has_cpus, has_pids;
	int64_t memory;		/* bytes */
	int64_t cpu_quota;	/* per 100 ms period */
	int64_t pids;
	int64_t overlay_size;	/* bytes; 0: the tmpfs default */
	unsigned int timeout_sec;
	bool overlay, read_only, tty, print_spec;
	bool cgroup;		/* --cgroup: one even without limits */
};

/* Check every value of in and fill *out; errors name the flag. */
int sandbox_options_parse(const struct calyx_sandbox_options *in,
			  struct sandbox_options *out, calyx_error **err);

/* Parsers behind the flags (exposed for the unit tests). */
int sandbox_parse_size(const char *text, int64_t *bytes, calyx_error **err);
int sandbox_parse_cpus(const char *text, int64_t *quota, calyx_error **err);

/* The first subordinate range of user (or id) in file (/etc/subuid
 * format): 0, or -ENOENT / -errno.  Exposed for the unit tests. */
int sandbox_subid_range(const char *file, const char *user, uid_t id,
			uint32_t *start, uint32_t *count);
/* Rootless: the user's subordinate ranges mapped to 1..N when it has them
 * and newuidmap/newgidmap are installed; nothing otherwise. */
int sandbox_add_subids(struct calyx_linux *lx, calyx_error **err);

/* user_lookup.c: --user NAME[:GROUP] (or ids) into *u, names looked up
 * in the root's /etc/passwd and /etc/group, opened safely in rootfd. */
struct calyx_user;
int sandbox_resolve_user(int rootfd, const char *spec, struct calyx_user *u,
			 calyx_error **err);

/* report.c: the --report FILE, and the line on stderr when the job was
 * OOM-killed (the timeout has its own). */
int sandbox_report_write(const struct sandbox_options *o,
			 const struct calyx_run_report *rep, int exit_status,
			 double wall_seconds, calyx_error **err);
void sandbox_report_explain(struct calyx_context *ctx, const struct sandbox_options *o,
			    const struct calyx_run_report *rep);

/* Where the container's root really is (filled by prepare.c, or the
 * rootfs itself for --print-spec). */
struct sandbox_plan {
	const char *root_path;
	const char *veth_peer;	/* the netDevice to move in as eth0 */
};

/* The spec for these options; errors name the flag. */
int sandbox_build_spec(const struct sandbox_options *o, char *const *cmd,
		       const struct sandbox_plan *plan, struct calyx_spec **out,
		       calyx_error **err);

#endif
