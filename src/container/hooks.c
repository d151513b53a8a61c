/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/container.h"
#include "container/hooks.h"
#include "util/cleanup.h"

static char *const empty_env[] = { NULL };

/* Feed the state to the hook; a hook that does not read it is fine. */
static void write_state(int fd, const char *json)
{
	size_t len = strlen(json);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	sigaction(SIGPIPE, &ign, &old);
	while (len > 0) {
		ssize_t n = write(fd, json, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		json += n;
		len -= (size_t)n;
	}
	sigaction(SIGPIPE, &old, NULL);
}

static int wait_hook(pid_t pid, int timeout_sec, int *status, bool *timed_out)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd;
	int r;

	*timed_out = false;
	if (pidfd >= 0 && timeout_sec > 0) {
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		do
			r = poll(&pfd, 1, timeout_sec * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			*timed_out = true;
			kill(pid, SIGKILL);
		}
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int run_one(const struct calyx_hook *hook, const char *state_json,
		   calyx_error **err)
{
	int pipefd[2], status = 0, r;
	bool timed_out;
	char *argv0[] = { hook->path, NULL };
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return calyx_error_set(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		r = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return calyx_error_set(err, r, "fork");
	}
	if (pid == 0) {
		/* the runtime's signal mask and dispositions must not leak */
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(pipefd[0], STDIN_FILENO) < 0)
			_exit(127);
		execve(hook->path, hook->args && hook->args[0] ? hook->args : argv0,
		       hook->env ? hook->env : empty_env);
		_exit(127);
	}
	close(pipefd[0]);
	write_state(pipefd[1], state_json);
	close(pipefd[1]);
	r = wait_hook(pid, hook->has_timeout ? hook->timeout : 0, &status, &timed_out);
	if (r < 0)
		return calyx_error_set(err, -r, "waiting for the hook");
	if (timed_out)
		return calyx_error_setx(err, ETIMEDOUT, "timed out after %ds",
					hook->timeout);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return calyx_error_setx(err, EIO, "exit status %d", WEXITSTATUS(status));
	return calyx_error_setx(err, EIO, "killed by signal %d", WTERMSIG(status));
}

int calyx_hooks_run(const struct calyx_spec *spec, enum calyx_hook_kind kind,
		    const char *state_json, const struct calyx_log *log,
		    calyx_error **err)
{
	const struct calyx_hook_list *list = &spec->hooks[kind];

	/* runtime.md: a failing poststart/poststop hook is a warning and the
	 * remaining hooks still run; any other failure stops the operation */
	bool warn_only = kind == CALYX_HOOK_POSTSTART || kind == CALYX_HOOK_POSTSTOP;

	for (size_t i = 0; i < list->n; i++) {
		calyx_error *failure = NULL;

		calyx_debug(log, "running %s hook #%zu: %s",
			    calyx_hook_kind_name(kind), i, list->hooks[i].path);
		if (run_one(&list->hooks[i], state_json, &failure) == 0)
			continue;
		calyx_error_prefix(&failure, "%s hook #%zu (%s)",
				   calyx_hook_kind_name(kind), i, list->hooks[i].path);
		if (!warn_only) {
			int r = calyx_error_code(failure);

			if (err && !*err)
				*err = failure;
			else
				calyx_error_free(&failure);
			return r;
		}
		calyx_warn(log, "%s", failure->msg);
		calyx_error_free(&failure);
	}
	return 0;
}

int container_run_creation_hooks(const struct calyx_spec *spec, const char *id,
				 pid_t pid, const char *bundle,
				 const struct calyx_log *log, calyx_error **err)
{
	_cleanup_free_ char *state = NULL;
	int r;

	if (!spec->hooks[CALYX_HOOK_PRESTART].n && !spec->hooks[CALYX_HOOK_CREATE_RUNTIME].n)
		return 0;
	r = container_oci_state_json(id, CALYX_STATUS_CREATING, pid, bundle,
				     spec->annotations, spec->n_annotations, &state, err);
	if (r >= 0)
		r = calyx_hooks_run(spec, CALYX_HOOK_PRESTART, state, log, err);
	if (r >= 0)
		r = calyx_hooks_run(spec, CALYX_HOOK_CREATE_RUNTIME, state, log, err);
	return r < 0 ? r : 0;
}
