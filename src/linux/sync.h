/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one channel between the runtime and the container process: a
 * SOCK_SEQPACKET socketpair carrying small fixed-size messages.  Every
 * message is exactly sizeof(struct calyx_sync_msg); anything else is
 * rejected, and the text is always NUL-terminated by the receiver, so a
 * compromised peer cannot overflow either side (CVE-2021-43784 class).
 */
#ifndef CALYX_LINUX_SYNC_H
#define CALYX_LINUX_SYNC_H

#include <stdint.h>

#include "calyx/error.h"

enum calyx_sync_type {
	/* parent -> child */
	CALYX_SYNC_GO = 1,		/* maps written, cgroup joined; value = host pid */
	CALYX_SYNC_HOOKS_DONE,		/* prestart/createRuntime hooks ran */
	/* child -> parent */
	CALYX_SYNC_RUN_HOOKS,		/* run prestart + createRuntime now */
	CALYX_SYNC_READY,		/* set up (`run`: about to exec) */
	CALYX_SYNC_ERROR,		/* value = errno, text = message */
	CALYX_SYNC_FD,			/* carries one fd (SCM_RIGHTS); value = what */
	/* `create`: parent -> child, the container is recorded, the child
	 * may now outlive us; child -> parent, it no longer dies with us */
	CALYX_SYNC_RECORDED,
	CALYX_SYNC_DETACHED,
};

/* What a CALYX_SYNC_FD message carries. */
enum calyx_sync_fd_kind {
	CALYX_SYNC_FD_CONSOLE = 1,	/* pty master of process.terminal */
	CALYX_SYNC_FD_SECCOMP_NOTIFY,	/* seccomp user-notification listener */
	CALYX_SYNC_FD_PIDFD,		/* exec: the process that execs (pid in the READY before) */
	/* an idmapped bind: kind = CALYX_SYNC_FD_MOUNT + index in mounts[] */
	CALYX_SYNC_FD_MOUNT = 0x10000,
};

#define CALYX_SYNC_TEXT_MAX 1024

struct calyx_sync_msg {
	uint32_t type;
	int32_t value;
	char text[CALYX_SYNC_TEXT_MAX];
};

int calyx_sync_send(int fd, enum calyx_sync_type type, int32_t value,
		    const char *text, calyx_error **err);

/*
 * Receive one message.  EOF (peer died) is an error naming `waiting_for`.
 * The caller checks msg->type; an ERROR message is turned into *err here
 * (returns its -errno) so callers only handle the expected types.
 */
int calyx_sync_recv(int fd, struct calyx_sync_msg *msg, const char *waiting_for,
		    calyx_error **err);

/* Like calyx_sync_recv, but a CALYX_SYNC_FD message's fd lands in *passed
 * (-1 otherwise); without `passed` such fds are closed. */
int calyx_sync_recv_msg(int fd, struct calyx_sync_msg *msg, int *passed,
			const char *waiting_for, calyx_error **err);

/* Send one fd with a CALYX_SYNC_FD message (value = kind). */
int calyx_sync_send_fd(int fd, int32_t kind, int passfd, calyx_error **err);

/*
 * Receive a CALYX_SYNC_FD message: *passed is the fd (O_CLOEXEC), *kind
 * its value.  Any other message type is an error.
 */
int calyx_sync_recv_fd(int fd, int32_t *kind, int *passed,
		       const char *waiting_for, calyx_error **err);

/* SCM_RIGHTS on any unix socket (the console socket protocol of runc: the
 * data is a name, the fd rides along). */
int calyx_send_fd_named(int sock, const char *name, int passfd,
			calyx_error **err);

#endif
