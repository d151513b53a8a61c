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
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "container/container.h"
#include "container/create.h"
#include "linux/sync.h"
#include "util/cleanup.h"

#define TIMEOUT_EXIT 124

/* The signals a foreground run passes on instead of acting on. */
static void forwarded_signals(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
	/* synchronous faults must stay deliverable to us */
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGSYS);
}

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

static int exit_code_of(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return si->si_status;
	return 128 + si->si_status;
}

static void kill_everything(struct create_job *job)
{
	_cleanup_error_ calyx_error *ignored = NULL;

	if (job->cgroup)
		calyx_cgroup_kill_all(job->cgroup, SIGKILL, &ignored);
	syscall(SYS_pidfd_send_signal, job->pidfd, SIGKILL, NULL, 0);
}

static int arm_timeout(unsigned int seconds, calyx_error **err)
{
	struct itimerspec its = { .it_value = { .tv_sec = seconds } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return calyx_error_set(err, errno, "timerfd_create");
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int e = errno;

		close(fd);
		return calyx_error_set(err, e, "timerfd_settime");
	}
	return fd;
}

static int wait_foreground(struct create_job *job, const sigset_t *sigs,
			   unsigned int timeout_sec, int *exit_status,
			   calyx_error **err)
{
	_cleanup_close_ int sigfd = signalfd(-1, sigs, SFD_CLOEXEC);
	_cleanup_close_ int timerfd = -1;
	struct pollfd pfd[3];
	bool timed_out = false;
	siginfo_t si;
	int n = 2;

	if (sigfd < 0)
		return calyx_error_set(err, errno, "signalfd");
	if (timeout_sec) {
		timerfd = arm_timeout(timeout_sec, err);
		if (timerfd < 0)
			return timerfd;
		n = 3;
	}
	pfd[0] = (struct pollfd){ .fd = job->pidfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = timerfd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return calyx_error_set(err, errno, "poll");
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo ssi;

			if (read(sigfd, &ssi, sizeof(ssi)) == sizeof(ssi) &&
			    ssi.ssi_signo != SIGCHLD)
				syscall(SYS_pidfd_send_signal, job->pidfd,
					(int)ssi.ssi_signo, NULL, 0);
		}
		if (n == 3 && (pfd[2].revents & POLLIN)) {
			timed_out = true;
			kill_everything(job);
			n = 2;
		}
		if (pfd[0].revents & POLLIN)
			break;
	}
	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)job->pidfd, &si, WEXITED) < 0) {
		if (errno != EINTR)
			return calyx_error_set(err, errno, "waitid");
	}
	*exit_status = timed_out ? TIMEOUT_EXIT : exit_code_of(&si);
	if (timed_out)
		calyx_log(&job->ctx->log, CALYX_LOG_ERROR,
			  "container %s timed out after %us and was killed", job->id,
			  timeout_sec);
	return 0;
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
	forwarded_signals(&sigs);
	/* blocked before the clone so no signal is lost; the child unblocks */
	if (!opts->detach)
		sigprocmask(SIG_BLOCK, &sigs, &old);
	r = container_create_job(ctx, id, &opts->create, true, &job, err);
	if (r < 0)
		goto out;
	r = wait_exec(job, err);
	if (r >= 0 && container_record_read(job->state_dirfd, &rec, err) >= 0)
		container_run_poststart(ctx, job->owns_spec ? job->spec : NULL, rec);
	calyx_error_free(err);
	if (r >= 0 && !opts->detach)
		r = wait_foreground(job, &sigs, opts->timeout_sec, exit_status, err);
	if (r < 0) {
		kill_everything(job);
		while (waitid(P_PIDFD, (id_t)job->pidfd, NULL, WEXITED) < 0 && errno == EINTR)
			;
	}
	if (r < 0 || (!opts->detach && !opts->keep)) {
		_cleanup_error_ calyx_error *terr = NULL;

		r2 = container_teardown(ctx, id, job->state_dirfd, &terr);
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
