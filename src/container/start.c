/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `start`: open the exec fifo's read end, which releases the container
 * process blocked on its write end, and wait for its byte -- or for its
 * death, watched through a pidfd, so a dead container can never hang us.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container/container.h"
#include "container/create.h"
#include "container/hooks.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* the container process reports at most this much through the fifo */
#define CALYX_START_MSG_MAX 4096

int container_saved_spec(int dirfd, struct calyx_spec **out, calyx_error **err)
{
	_cleanup_free_ char *raw = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	r = calyx_read_file_at(dirfd, CONFIG_COPY, &raw, &len, err);
	if (r == -ENOENT) {
		calyx_error_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = calyx_spec_parse(raw, len, out, err);
	return r < 0 ? calyx_error_prefix(err, "saved config.json") : 0;
}

/* poststart: runtime.md says a failure is a warning, not an error */
void container_run_poststart(struct calyx_context *ctx, const struct calyx_spec *spec,
			     const struct container_record *rec)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *state = NULL;

	if (!spec || !spec->hooks[CALYX_HOOK_POSTSTART].n)
		return;
	if (container_oci_state_json(rec->id, CALYX_STATUS_RUNNING, rec->pid,
				     rec->bundle, rec->annotations,
				     rec->n_annotations, &state, &err) < 0)
		calyx_warn(&ctx->log, "poststart hooks not run: %s", err->msg);
	else
		calyx_hooks_run(spec, CALYX_HOOK_POSTSTART, state, &ctx->log, &err);
}

/*
 * Open the fifo's read end (which releases the container process blocked on
 * its write end) and read until EOF: "0" then EOF means execve() happened
 * (the write end is close-on-exec); "1<why>" is the container's error.  A
 * pidfd guards against a process that dies without ever opening the fifo.
 */
static int release_process(int dirfd, const struct container_record *rec,
			   calyx_error **err)
{
	_cleanup_close_ int fifo = -1, pidfd = -1;
	struct pollfd pfd[2];
	char buf[CALYX_START_MSG_MAX];
	size_t len = 0;
	bool opened = false;
	int r;

	/* pin the process first: opening the fifo lets it run (and exit) */
	pidfd = (int)syscall(SYS_pidfd_open, rec->pid, 0);
	if (pidfd < 0 || !container_pid_alive(rec->pid, rec->pid_start))
		return calyx_error_setx(err, ESRCH, "cannot start a container that has stopped");
	fifo = openat(dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return calyx_error_set(err, errno, "open exec.fifo");
	pfd[0] = (struct pollfd){ .fd = fifo, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	for (;;) {
		r = poll(pfd, 2, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return calyx_error_set(err, errno, "poll");
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(fifo, buf + len, sizeof(buf) - 1 - len);

			if (n > 0) {
				len += (size_t)n;
				opened = true;
				if (len < sizeof(buf) - 1)
					continue;
			}
			if (n < 0 && errno == EAGAIN)
				continue;
			/* EOF (or our buffer is full): the writer is done */
			if (opened || n == 0)
				break;
		}
		if (pfd[1].revents && !opened)
			return calyx_error_setx(err, ESRCH,
						"the container process exited before it could start");
		if (pfd[1].revents)
			pfd[1].fd = -1;	/* it exited after writing: read what it said */
	}
	if (unlinkat(dirfd, EXEC_FIFO, 0) < 0)
		return calyx_error_set(err, errno, "remove exec.fifo");
	buf[len] = '\0';
	if (len == 0)
		return calyx_error_setx(err, EPIPE, "the container process closed the exec fifo");
	if (buf[0] != '0' || len > 1) {
		const char *why = buf[0] == '0' ? buf + 1 : buf;

		return calyx_error_setx(err, EIO, "%s", why[0] == '1' ? why + 1 : why);
	}
	return 0;
}

int calyx_container_start(struct calyx_context *ctx, const char *id,
			  calyx_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_record_ struct container_record *rec = NULL;
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	enum calyx_status status;
	int r;

	r = container_open_dir(ctx, id, &dirfd, err);
	if (r < 0)
		return r;
	r = container_lock(dirfd, err);
	if (r < 0)
		return r;
	r = container_record_read(dirfd, &rec, err);
	if (r < 0)
		return r;
	status = container_status(dirfd, rec);
	if (status == CALYX_STATUS_STOPPED)
		return calyx_error_setx(err, EINVAL, "cannot start a container that has stopped");
	if (status != CALYX_STATUS_CREATED)
		return calyx_error_setx(err, EINVAL,
					"cannot start an already running container");
	r = container_saved_spec(dirfd, &spec, err);
	if (r < 0)
		return r;
	r = release_process(dirfd, rec, err);
	if (r < 0)
		return r;
	container_run_poststart(ctx, spec, rec);
	return 0;
}
