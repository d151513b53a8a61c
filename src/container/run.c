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
#include <sys/resource.h>
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

/*
 * After READY the container process goes on to exec without waiting for
 * us (container_init): EOF means the exec happened; a message is an error.
 */
static int wait_exec(struct create_job *job, calyx_error **err)
{
	struct calyx_sync_msg msg;
	int r;

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

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
}

/* What the process used, read before its cgroup goes; without one, our
 * reaped children's rusage since before the clone. */
static void fill_report(struct calyx_run_report *rep,
			const struct container_wait_result *res,
			struct calyx_cgroup *cgroup, const struct rusage *before)
{
	struct calyx_cgroup_stats st;
	struct rusage after;
	_cleanup_error_ calyx_error *ignored = NULL;

	*rep = (struct calyx_run_report){ .wait_code = res->code,
					  .wait_status = res->status,
					  .timed_out = res->timed_out };
	if (cgroup && calyx_cgroup_stats(cgroup, &st, &ignored) >= 0) {
		rep->from_cgroup = true;
		rep->cpu_user_ns = st.cpu_user;
		rep->cpu_system_ns = st.cpu_kernel;
		rep->memory_peak = st.memory.max;
		rep->oom_kills = st.oom_kill;
		rep->pids_peak = st.pids_peak;
		calyx_cgroup_stats_release(&st);
		return;
	}
	if (getrusage(RUSAGE_CHILDREN, &after) < 0)
		return;
	rep->cpu_user_ns = timeval_ns(&after.ru_utime) - timeval_ns(&before->ru_utime);
	rep->cpu_system_ns = timeval_ns(&after.ru_stime) - timeval_ns(&before->ru_stime);
	rep->memory_peak = (uint64_t)after.ru_maxrss * 1024u;
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
	struct rusage usage_before = { 0 };
	sigset_t sigs, old;
	int r, r2;

	*exit_status = 0;
	if (opts->report)
		getrusage(RUSAGE_CHILDREN, &usage_before);
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
	if (r >= 0 && !opts->detach) {
		struct container_wait_result res;

		r = container_wait_foreground_result(ctx, job->id, job->pidfd, job->cgroup,
						     job->tty_master, &sigs,
						     opts->timeout_sec, exit_status, &res, err);
		if (r >= 0 && opts->report)
			fill_report(opts->report, &res, job->cgroup, &usage_before);
	}
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
