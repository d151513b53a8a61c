/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A pid namespace joined by path (see linux/namespaces.h, pid_join_late):
 * the container process is set up outside it and only its child, forked
 * after pivot_root and the identity change, lives in it.  The first one
 * hands the runtime that child's pidfd and exits; the runtime adopts the
 * child (CLONE_PARENT made it ours) as the container process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/create.h"
#include "linux/sync.h"
#include "util/cleanup.h"

int container_pid_join_enter(struct create_job *job, calyx_error **err)
{
	return ns_pid_join_late(&job->ns, err);
}

int container_pid_join_fork(struct create_job *job, pid_t *host_pid,
			    calyx_error **err)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	int order[2], pidfd = -1;
	pid_t child;
	long pid;

	if (!job->ns.pid_join_late)
		return 0;
	if (pipe2(order, O_CLOEXEC) < 0)
		return calyx_error_set(err, errno, "pipe");
	pid = ns_fork_sibling(&pidfd);
	if (pid < 0) {
		close(order[0]);
		close(order[1]);
		return calyx_error_set(err, (int)-pid,
				       "forking the container process into the joined pid namespace");
	}
	if (pid == 0) {
		ssize_t n;

		/* our parent is the runtime now (CLONE_PARENT); the fork
		 * cleared the parent-death signal */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(order[1]);
		/* not a word to the runtime before it knows us: our host pid
		 * once our pidfd is handed over, EOF if that failed */
		while ((n = read(order[0], &child, sizeof(child))) < 0 && errno == EINTR)
			;
		close(order[0]);
		if (n != (ssize_t)sizeof(child))
			_exit(127);
		*host_pid = child;	/* for the startContainer hooks' state */
		return 0;
	}
	close(order[0]);
	if (calyx_sync_send_fd(job->sync_child, CALYX_SYNC_FD_PIDFD, pidfd, &ignored) < 0)
		_exit(127);
	child = (pid_t)pid;
	while (write(order[1], &child, sizeof(child)) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* The pid a pidfd refers to, from its fdinfo. */
static pid_t pidfd_pid(int pidfd)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	long pid = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %ld", &pid) == 1)
			break;
	return pid > 0 ? (pid_t)pid : -1;
}

int container_pid_join_adopt(struct create_job *job, int pidfd, calyx_error **err)
{
	pid_t pid = pidfd_pid(pidfd);
	int status;

	if (!job->ns.pid_join_late || pid <= 0) {
		close(pidfd);
		return calyx_error_setx(err, EPROTO, "sync: unexpected pidfd");
	}
	/* the first process exits right after sending it */
	while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (job->pidfd >= 0)
		close(job->pidfd);
	job->pidfd = pidfd;
	job->pid = pid;
	return 0;
}
