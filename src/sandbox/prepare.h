/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to src/sandbox: what is made around a bundle-less container. */
#ifndef CALYX_SANDBOX_PREPARE_H
#define CALYX_SANDBOX_PREPARE_H

#include <net/if.h>
#include <stdbool.h>

#include "sandbox/sandbox.h"

struct sandbox_env {
	struct calyx_context *ctx;
	int rootfd;		/* the state root */
	char *name;		/* ".sandbox-<id>" */
	char *dir;		/* <root>/.sandbox-<id> */
	int lockfd;		/* flock'ed while we live */
	char *root_path;	/* the spec's root.path */
	char *upper_dir;	/* --overlay: where upper/ and work/ go */
	struct calyx_root_source root_source; /* valid if has_root_source */
	bool has_root_source;
	bool made_dir;
	bool veth_made;
	bool keep_recorded;	/* the --keep-changes DIR is named in our dir */
	char veth_host[IFNAMSIZ];
	char veth_peer[IFNAMSIZ];
};

/* Remove what killed runs left under the state root (best effort). */
void sandbox_sweep(struct calyx_context *ctx);

/* rootfs: absolute, resolved.  On failure, sandbox_cleanup() undoes it. */
int sandbox_prepare(struct calyx_context *ctx, const struct sandbox_options *o,
		    const char *rootfs, const char *id, struct sandbox_env *env,
		    calyx_error **err);
void sandbox_cleanup(struct sandbox_env *env);

/* keep_changes.c: DIR of --keep-changes, checked to be the caller's and
 * made 0700 (an fd on it); and, after the run, DIR/upper stripped of
 * setuid/setgid bits, file capabilities and device nodes. */
int sandbox_keep_dir_open(const char *dir, calyx_error **err);
int sandbox_keep_sanitize(const char *dir, calyx_error **err);

#endif
