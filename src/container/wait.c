/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting for a foreground process (run, exec): a pidfd for its exit, a
 * signalfd for the signals we forward to it, a timerfd for --timeout.
 * One poll, no sleeps.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/wait.h"
#include "linux/terminal.h"
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

/* What a user or a supervisor (timeout(1), systemd) sends to stop us. */
static bool is_stop_request(uint32_t signo)
{
	return signo == SIGTERM || signo == SIGINT;
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
			      int tty_master, const sigset_t *sigs,
			      unsigned int timeout_sec, int *exit_status,
			      calyx_error **err)
{
	return container_wait_foreground_result(ctx, id, pidfd, cgroup, tty_master, sigs,
						timeout_sec, exit_status, NULL, err);
}

int container_wait_foreground_result(struct calyx_context *ctx, const char *id,
				     int pidfd, struct calyx_cgroup *cgroup,
				     int tty_master, const sigset_t *sigs,
				     unsigned int timeout_sec, int *exit_status,
				     struct container_wait_result *result,
				     calyx_error **err)
{
	enum { P_PROC, P_SIG, P_TIMER, P_MASTER, P_STDIN, P_COUNT };
	_cleanup_close_ int sigfd = signalfd(-1, sigs, SFD_CLOEXEC);
	_cleanup_close_ int timerfd = -1;
	struct pollfd pfd[P_COUNT];
	struct terminal_relay tr;
	bool timed_out = false, exited = false;
	unsigned int stop_requests = 0;
	siginfo_t si;

	if (sigfd < 0)
		return calyx_error_set(err, errno, "signalfd");
	if (timeout_sec) {
		timerfd = arm_timeout(timeout_sec, err);
		if (timerfd < 0)
			return timerfd;
	}
	if (tty_master >= 0)
		terminal_relay_start(&tr, tty_master);
	pfd[P_PROC] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	pfd[P_SIG] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	pfd[P_TIMER] = (struct pollfd){ .fd = timerfd, .events = POLLIN };
	pfd[P_MASTER] = (struct pollfd){ .fd = tty_master, .events = POLLIN };
	pfd[P_STDIN] = (struct pollfd){ .fd = tty_master >= 0 ? STDIN_FILENO : -1,
					.events = POLLIN };
	while (!exited) {
		if (poll(pfd, P_COUNT, -1) < 0) {
			if (errno == EINTR)
				continue;
			return calyx_error_set(err, errno, "poll");
		}
		if (pfd[P_SIG].revents & POLLIN) {
			struct signalfd_siginfo ssi;

			if (read(sigfd, &ssi, sizeof(ssi)) != sizeof(ssi) ||
			    ssi.ssi_signo == SIGCHLD)
				;
			else if (ssi.ssi_signo == SIGWINCH && tty_master >= 0)
				terminal_relay_resize(&tr);
			else if (is_stop_request(ssi.ssi_signo) && ++stop_requests >= 2)
				/* asked twice: the process ignores it (a shell
				 * as pid 1 does); the user still gets control */
				container_kill_everything(pidfd, cgroup);
			else
				syscall(SYS_pidfd_send_signal, pidfd,
					(int)ssi.ssi_signo, NULL, 0);
		}
		if (pfd[P_TIMER].revents & POLLIN) {
			timed_out = true;
			container_kill_everything(pidfd, cgroup);
			pfd[P_TIMER].fd = -1;
		}
		if (pfd[P_STDIN].revents) {
			terminal_relay_stdin(&tr);
			if (!tr.stdin_open)
				pfd[P_STDIN].fd = -1;
		}
		if (pfd[P_MASTER].revents) {
			terminal_relay_master(&tr);
			if (!tr.master_open)
				pfd[P_MASTER].fd = -1;
		}
		if (pfd[P_PROC].revents & POLLIN)
			exited = true;
	}
	if (tty_master >= 0)
		terminal_relay_stop(&tr);
	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
		if (errno != EINTR)
			return calyx_error_set(err, errno, "waitid");
	}
	*exit_status = timed_out ? TIMEOUT_EXIT : exit_code_of(&si);
	if (result)
		*result = (struct container_wait_result){ .code = si.si_code,
							  .status = si.si_status,
							  .timed_out = timed_out };
	if (timed_out)
		calyx_log(&ctx->log, CALYX_LOG_ERROR,
			  "container %s timed out after %us and was killed", id,
			  timeout_sec);
	return 0;
}
