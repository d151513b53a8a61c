/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `run` = create + start in one process, without the exec fifo: the
 * container waits on the sync socket, whose close-on-exec end tells us the
 * exec happened (EOF) or carries the error.  In the foreground we wait on
 * a pidfd, a signalfd (signals are forwarded) and a timerfd (--timeout),
 * never polling.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/container.h"
#include "container/create.h"
#include "container/wait.h"
#include "linux/sync.h"
#include "util/cleanup.h"

/* After START: EOF means the exec happened; a message is an error. */
static int wait_exec(struct create_job *job, calyx_error **err)
{
	struct calyx_sync_msg msg;
	int r;

	r = calyx_sync_send(job->sync_parent, CALYX_SYNC_START, 0, NULL, err);
	if (r < 0)
		return r;
	r = calyx_sync_recv(job->sync_parent, &msg, "exec", err);
	if (r == -ECHILD) {
		/* EOF: the socket was closed by a successful execve() */
		calyx_error_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	return calyx_error_setx(err, EPROTO, "sync: unexpected message %u", msg.type);
}

/*
 * Lock the state again and check that it is still the one we made: a
 * `delete -f` while we waited removed everything already, and the ID may
 * since name a new container, whose state and cgroup are not ours to remove.
 */
static bool still_ours(struct calyx_context *ctx, struct create_job *job)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	_cleanup_close_ int now = -1;
	struct stat ours, there;

	if (container_lock(job->state_dirfd, &ignored) < 0 ||
	    fstat(job->state_dirfd, &ours) < 0)
		return false;
	if (container_open_dir(ctx, job->id, &now, &ignored) < 0 ||
	    fstat(now, &there) < 0)
		return false;
	return ours.st_ino == there.st_ino && ours.st_dev == there.st_dev;
}

int calyx_container_run(struct calyx_context *ctx, const char *id,
			const struct calyx_run_options *opts, int *exit_status,
			calyx_error **err)
{
	struct create_job *job = NULL;
	_cleanup_record_ struct container_record *rec = NULL;
	sigset_t sigs, old;
	int r, r2;

	*exit_status = 0;
	container_forwarded_signals(&sigs);
	/* blocked before the clone so no signal is lost; the child unblocks */
	if (!opts->detach)
		sigprocmask(SIG_BLOCK, &sigs, &old);
	r = container_create_job(ctx, id, &opts->create, true, !opts->detach, &job, err);
	if (r < 0)
		goto out;
	r = wait_exec(job, err);
	if (r >= 0 && job->spec->hooks[CALYX_HOOK_POSTSTART].n) {
		_cleanup_error_ calyx_error *rerr = NULL;

		if (container_record_read(job->state_dirfd, &rec, &rerr) >= 0)
			container_run_poststart(ctx, job->spec, rec);
	}
	/* nobody waits on us while the container runs: `delete -f` of it
	 * from elsewhere goes through at once (we check for it below) */
	if (r >= 0 && !opts->detach)
		flock(job->state_dirfd, LOCK_UN);
	if (r >= 0 && !opts->detach)
		r = container_wait_foreground(ctx, job->id, job->pidfd, job->cgroup,
					      job->tty_master, &sigs,
					      opts->timeout_sec, exit_status, err);
	if (r < 0) {
		container_kill_everything(job->pidfd, job->cgroup);
		while (waitid(P_PIDFD, (id_t)job->pidfd, NULL, WEXITED) < 0 && errno == EINTR)
			;
	}
	if ((r < 0 || (!opts->detach && !opts->keep)) && still_ours(ctx, job)) {
		_cleanup_error_ calyx_error *terr = NULL;

		r2 = container_teardown_known(ctx, id, job->spec, job->bundle,
					      job->cgroup, &terr);
		if (r2 < 0 && r >= 0) {
			*err = TAKE_PTR(terr);
			r = r2;
		}
	}
	create_job_free(job);
out:
	if (!opts->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
