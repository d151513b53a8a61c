/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SCMP_ACT_NOTIFY: hand the listener fd to the agent at
 * linux.seccomp.listenerPath with the container process state
 * (config-linux.md "The Container Process State").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "config.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"

/* The fd travels with the first bytes, as the spec requires. */
static int send_with_fd(int sock, const char *buf, size_t len, int fd,
			calyx_error **err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	size_t sent;
	ssize_t n;

	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "sendmsg");
	for (sent = (size_t)n; sent < len; sent += (size_t)n) {
		n = send(sock, buf + sent, len - sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0)
			return calyx_error_set(err, errno, "send");
	}
	return 0;
}

int calyx_seccomp_send_listener(const char *listener_path,
				const char *state_json, int notify_fd,
				calyx_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int sock = -1;
	struct stat st;
	int r;

	if (strlen(listener_path) >= sizeof(addr.sun_path))
		return calyx_error_setx(err, ENAMETOOLONG,
					"linux.seccomp.listenerPath %s: path "
					"too long for a unix socket",
					listener_path);
	if (stat(listener_path, &st) < 0)
		return calyx_error_set(err, errno, "linux.seccomp.listenerPath %s",
				       listener_path);
	if (!S_ISSOCK(st.st_mode))
		return calyx_error_setx(err, ENOTSOCK,
					"linux.seccomp.listenerPath %s: not a "
					"socket", listener_path);
	strcpy(addr.sun_path, listener_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return calyx_error_set(err, errno, "socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return calyx_error_set(err, errno, "connecting to seccomp "
				       "listener %s", listener_path);
	r = send_with_fd(sock, state_json, strlen(state_json), notify_fd, err);
	if (r < 0)
		return calyx_error_prefix(err, "sending the seccomp fd to %s",
					  listener_path);
	return 0;
}
