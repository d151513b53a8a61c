/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux/sync.h"

int calyx_sync_send(int fd, enum calyx_sync_type type, int32_t value,
		    const char *text, calyx_error **err)
{
	struct calyx_sync_msg msg = { .type = type, .value = value };
	ssize_t n;

	if (text) {
		strncpy(msg.text, text, sizeof(msg.text) - 1);
		msg.text[sizeof(msg.text) - 1] = '\0';
	}
	do
		n = send(fd, &msg, sizeof(msg), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "sync: send");
	if ((size_t)n != sizeof(msg))
		return calyx_error_setx(err, EPROTO, "sync: short send");
	return 0;
}

static int send_with_fd(int sock, const void *data, size_t len, int passfd,
			calyx_error **err)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "sending an fd");
	return 0;
}

int calyx_sync_send_fd(int fd, int32_t kind, int passfd, calyx_error **err)
{
	struct calyx_sync_msg msg = { .type = CALYX_SYNC_FD, .value = kind };

	return send_with_fd(fd, &msg, sizeof(msg), passfd, err);
}

int calyx_send_fd_named(int sock, const char *name, int passfd,
			calyx_error **err)
{
	return send_with_fd(sock, name, strlen(name) + 1, passfd, err);
}

int calyx_sync_recv_msg(int fd, struct calyx_sync_msg *msg, int *passed,
			const char *waiting_for, calyx_error **err)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm;
	int received = -1;
	ssize_t n;

	if (passed)
		*passed = -1;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "sync: waiting for %s", waiting_for);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&received, CMSG_DATA(cm), sizeof(int));
	}
	/* an fd nobody asked for, or with a bad message, is not kept */
	if (received >= 0 && (!passed || (size_t)n != sizeof(*msg) ||
			      msg->type != CALYX_SYNC_FD)) {
		close(received);
		received = -1;
	}
	if (n == 0)
		return calyx_error_setx(err, ECHILD,
					"the container process exited while the runtime waited for %s",
					waiting_for);
	if ((size_t)n != sizeof(*msg) || (mh.msg_flags & MSG_CTRUNC)) {
		if (received >= 0)
			close(received);
		return calyx_error_setx(err, EPROTO, "sync: malformed message (%zd bytes)", n);
	}
	msg->text[sizeof(msg->text) - 1] = '\0';
	if (msg->type == CALYX_SYNC_ERROR)
		return calyx_error_setx(err, msg->value > 0 ? msg->value : EINVAL, "%s",
					msg->text);
	if (msg->type == CALYX_SYNC_FD && received < 0)
		return calyx_error_setx(err, EPROTO, "sync: fd message without an fd");
	if (passed)
		*passed = received;
	return 0;
}

int calyx_sync_recv(int fd, struct calyx_sync_msg *msg, const char *waiting_for,
		    calyx_error **err)
{
	return calyx_sync_recv_msg(fd, msg, NULL, waiting_for, err);
}

int calyx_sync_recv_fd(int fd, int32_t *kind, int *passed,
		       const char *waiting_for, calyx_error **err)
{
	struct calyx_sync_msg msg;
	int r = calyx_sync_recv_msg(fd, &msg, passed, waiting_for, err);

	if (r < 0)
		return r;
	if (msg.type != CALYX_SYNC_FD)
		return calyx_error_setx(err, EPROTO, "sync: expected an fd while waiting for %s",
					waiting_for);
	*kind = msg.value;
	return 0;
}
