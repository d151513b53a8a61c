/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting for a foreground process (run, exec): a pidfd for its exit, a
 * signalfd for the signals we forward to it, a timerfd for --timeout.
 * One poll, no sleeps.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/wait.h"
#include "util/cleanup.h"

#define TIMEOUT_EXIT 124

/* The signals a foreground run passes on instead of acting on. */
void container_forwarded_signals(sigset_t *set)
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

static int exit_code_of(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return si->si_status;
	return 128 + si->si_status;
}

void container_kill_everything(int pidfd, struct calyx_cgroup *cgroup)
{
	_cleanup_error_ calyx_error *ignored = NULL;

	if (cgroup)
		calyx_cgroup_kill_all(cgroup, SIGKILL, &ignored);
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
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

int container_wait_foreground(struct calyx_context *ctx, const char *id,
			      int pidfd, struct calyx_cgroup *cgroup,
			      const sigset_t *sigs, unsigned int timeout_sec,
			      int *exit_status, calyx_error **err)
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
	pfd[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
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
				syscall(SYS_pidfd_send_signal, pidfd,
					(int)ssi.ssi_signo, NULL, 0);
		}
		if (n == 3 && (pfd[2].revents & POLLIN)) {
			timed_out = true;
			container_kill_everything(pidfd, cgroup);
			n = 2;
		}
		if (pfd[0].revents & POLLIN)
			break;
	}
	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
		if (errno != EINTR)
			return calyx_error_set(err, errno, "waitid");
	}
	*exit_status = timed_out ? TIMEOUT_EXIT : exit_code_of(&si);
	if (timed_out)
		calyx_log(&ctx->log, CALYX_LOG_ERROR,
			  "container %s timed out after %us and was killed", id,
			  timeout_sec);
	return 0;
}

