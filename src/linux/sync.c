/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

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

int calyx_sync_recv(int fd, struct calyx_sync_msg *msg, const char *waiting_for,
		    calyx_error **err)
{
	ssize_t n;

	do
		n = recv(fd, msg, sizeof(*msg), MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "sync: waiting for %s", waiting_for);
	if (n == 0)
		return calyx_error_setx(err, ECHILD,
					"the container process exited while the runtime waited for %s",
					waiting_for);
	if ((size_t)n != sizeof(*msg))
		return calyx_error_setx(err, EPROTO, "sync: malformed message (%zd bytes)", n);
	msg->text[sizeof(msg->text) - 1] = '\0';
	if (msg->type == CALYX_SYNC_ERROR)
		return calyx_error_setx(err, msg->value > 0 ? msg->value : EINVAL, "%s",
					msg->text);
	return 0;
}
