/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bundle-less run (`calyx run --rootfs DIR -- CMD...`) as a call: a
 * root filesystem and a command, with the options below, become a spec in
 * memory that runs through the same path as a bundle's config.json, in the
 * foreground, and is removed when it ends.  Around the run the library
 * makes what a spec cannot say (an overlay over the rootfs, a veth pair)
 * and sweeps what a killed run left behind.
 *
 * The options are the CLI's flags as text (see calyx-run(8)): the library
 * checks each value and names the flag in its errors ("--memory: invalid
 * size ...").  Lists are NULL-terminated arrays (NULL: none).  Strings are
 * only read, during the call.
 */
#ifndef CALYX_SANDBOX_H
#define CALYX_SANDBOX_H

#include <stdbool.h>

#include "calyx/api.h"
#include "calyx/calyx.h"

CALYX_BEGIN_DECLS

struct calyx_sandbox_options {
	const char *rootfs;	/* required; "/": the host's, read-only unless overlay */
	const char *id;		/* NULL: run-<random hex> */
	const char *workdir;	/* absolute; NULL: / */
	const char *user;	/* USER[:GROUP], names of the rootfs's /etc/passwd, or ids */
	const char *hostname;	/* NULL: calyx */
	const char *net;	/* none, loopback (NULL), host, veth[:A.B.C.D/30] */
	const char *memory;	/* a size: 67108864, 512m, 2g; NULL: no limit */
	const char *cpus;	/* e.g. 1.5; NULL: no limit */
	const char *pids;	/* NULL: no limit */
	const char *timeout;	/* seconds; expiry kills everything, exit 124 */
	const char *seccomp;	/* default (NULL), unconfined, or a profile file */
	const char *caps;	/* a capability profile: build; NULL: the default set */
	const char *overlay_size;	/* a size: at most this much written */
	const char *keep_changes;	/* keep the overlay's upper layer here (implies overlay) */
	const char *report;	/* write a JSON report of the run here */
	char *const *binds;	/* SRC:DST[:ro] */
	char *const *tmpfs;	/* DST[:SIZE] */
	char *const *env;	/* K=V, or K for the caller's value */
	char *const *env_files;	/* K=V lines, # comments; env wins */
	char *const *cap_add;	/* names, with or without CAP_ */
	char *const *cap_drop;
	bool overlay;		/* a writable overlay over the rootfs, discarded at exit */
	bool read_only;		/* a read-only root (not with overlay) */
	bool tty;		/* a terminal (stdin must be one) */
	bool cgroup;		/* a cgroup even without limits */
	bool print_spec;	/* print the spec's config.json to stdout instead of running */
};

/*
 * Run cmd (NULL-terminated, cmd[0] required) as the options say; create
 * carries the flags bundles take too (pid file, console socket, ...; its
 * bundle and spec are ignored).  *exit_status is the command's (128+N for
 * signal N, 124 on timeout).  What calyx.h says the calls do to the calling
 * process applies (run in the foreground).
 */
CALYX_PUBLIC
int calyx_sandbox_run(struct calyx_context *ctx, const struct calyx_sandbox_options *opts,
		      char *const *cmd, const struct calyx_create_options *create,
		      int *exit_status, calyx_error **err);

CALYX_END_DECLS

#endif
