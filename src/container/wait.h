/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CALYX_CONTAINER_WAIT_H
#define CALYX_CONTAINER_WAIT_H

#include <signal.h>

#include "calyx/calyx.h"
#include "cgroups/cgroup.h"

/* The signals a foreground run/exec passes on instead of acting on. */
void container_forwarded_signals(sigset_t *set);

/* SIGKILL the process and everything in the cgroup (if any). */
void container_kill_everything(int pidfd, struct calyx_cgroup *cgroup);

/*
 * Forward `sigs` (already blocked by the caller) to the process until it
 * exits, relaying tty_master (-1: none) to our stdio; *exit_status is its
 * code, 128+N for signal N, 124 when timeout_sec (0 = none) expired and
 * everything was killed.  A second SIGTERM or SIGINT is not forwarded: it
 * kills the process and all of cgroup (NULL: the process alone).
 */
int container_wait_foreground(struct calyx_context *ctx, const char *id,
			      int pidfd, struct calyx_cgroup *cgroup,
			      int tty_master, const sigset_t *sigs, unsigned int timeout_sec,
			      int *exit_status, calyx_error **err);

/* The same, and how it ended: the waitid() code and status, and whether
 * the timeout killed it (result may be NULL). */
struct container_wait_result {
	int code, status;
	bool timed_out;
};
int container_wait_foreground_result(struct calyx_context *ctx, const char *id,
				     int pidfd, struct calyx_cgroup *cgroup,
				     int tty_master, const sigset_t *sigs,
				     unsigned int timeout_sec, int *exit_status,
				     struct container_wait_result *result,
				     calyx_error **err);

#endif
