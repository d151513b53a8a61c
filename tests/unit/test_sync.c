/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runtime <-> container sync channel must reject anything but one
 * exactly-sized message, keep the text NUL-terminated, and never keep an
 * fd it did not ask for (a compromised container process is the peer).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux/sync.h"
#include "unit.h"

static int sv[2];

static void pair(void)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		sv[0] = sv[1] = -1;
}

static void unpair(void)
{
	close(sv[0]);
	close(sv[1]);
}

/* How many fds this process has open (leak check). */
static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

TEST(round_trip)
{
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;

	pair();
	CHECK(calyx_sync_send(sv[0], CALYX_SYNC_GO, 42, "hello", &err) == 0);
	CHECK(calyx_sync_recv(sv[1], &msg, "test", &err) == 0);
	CHECK(msg.type == CALYX_SYNC_GO);
	CHECK(msg.value == 42);
	CHECK_STR(msg.text, "hello");
	unpair();
}

TEST(truncated_message_rejected)
{
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;
	uint32_t half[2] = { CALYX_SYNC_READY, 0 };

	pair();
	CHECK(send(sv[0], half, sizeof(half), 0) == sizeof(half));
	CHECK(calyx_sync_recv(sv[1], &msg, "test", &err) == -EPROTO);
	CHECK(err && strstr(err->msg, "malformed"));
	calyx_error_free(&err);
	unpair();
}

TEST(oversized_message_rejected)
{
	static char big[sizeof(struct calyx_sync_msg) + 64];
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;

	memset(big, 'A', sizeof(big));
	pair();
	CHECK(send(sv[0], big, sizeof(big), 0) == sizeof(big));
	CHECK(calyx_sync_recv(sv[1], &msg, "test", &err) == -EPROTO);
	calyx_error_free(&err);
	unpair();
}

TEST(unterminated_text_is_terminated)
{
	struct calyx_sync_msg raw, msg;
	calyx_error *err = NULL;

	memset(&raw, 'B', sizeof(raw));
	raw.type = CALYX_SYNC_ERROR;
	raw.value = EACCES;
	pair();
	CHECK(send(sv[0], &raw, sizeof(raw), 0) == sizeof(raw));
	CHECK(calyx_sync_recv(sv[1], &msg, "test", &err) == -EACCES);
	CHECK(err && strlen(err->msg) < CALYX_SYNC_TEXT_MAX);
	calyx_error_free(&err);
	unpair();
}

TEST(eof_names_what_was_awaited)
{
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;

	pair();
	close(sv[0]);
	CHECK(calyx_sync_recv(sv[1], &msg, "the exec process", &err) == -ECHILD);
	CHECK_CONTAINS(err ? err->msg : "", "the exec process");
	calyx_error_free(&err);
	close(sv[1]);
}

TEST(fd_passing)
{
	calyx_error *err = NULL;
	int32_t kind = 0;
	int passed = -1, p[2];

	CHECK(pipe(p) == 0);
	pair();
	CHECK(calyx_sync_send_fd(sv[0], CALYX_SYNC_FD_PIDFD, p[0], &err) == 0);
	CHECK(calyx_sync_recv_fd(sv[1], &kind, &passed, "test", &err) == 0);
	CHECK(kind == CALYX_SYNC_FD_PIDFD);
	CHECK(passed >= 0 && (fcntl(passed, F_GETFD) & FD_CLOEXEC));
	close(passed);
	close(p[0]);
	close(p[1]);
	unpair();
}

TEST(unrequested_fd_is_closed)
{
	struct calyx_sync_msg msg;
	calyx_error *err = NULL;
	int before, p[2];

	CHECK(pipe(p) == 0);
	pair();
	before = open_fds();
	CHECK(calyx_sync_send_fd(sv[0], CALYX_SYNC_FD_CONSOLE, p[0], &err) == 0);
	/* a plain recv does not want fds: the one that came along is closed
	 * and the message is refused */
	CHECK(calyx_sync_recv(sv[1], &msg, "test", &err) == -EPROTO);
	CHECK(open_fds() == before);
	calyx_error_free(&err);
	close(p[0]);
	close(p[1]);
	unpair();
}

TEST(fd_with_a_bad_message_is_closed)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	char shortmsg[8] = { 0 };
	struct iovec iov = { .iov_base = shortmsg, .iov_len = sizeof(shortmsg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cm;
	calyx_error *err = NULL;
	int32_t kind;
	int before, passed = -1, p[2];

	CHECK(pipe(p) == 0);
	pair();
	memset(&control, 0, sizeof(control));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	before = open_fds();
	CHECK(sendmsg(sv[0], &mh, 0) == sizeof(shortmsg));
	CHECK(calyx_sync_recv_fd(sv[1], &kind, &passed, "test", &err) == -EPROTO);
	CHECK(passed == -1);
	CHECK(open_fds() == before);
	calyx_error_free(&err);
	close(p[0]);
	close(p[1]);
	unpair();
}

TEST(wrong_type_for_fd_is_an_error)
{
	calyx_error *err = NULL;
	int32_t kind;
	int passed = -1;

	pair();
	CHECK(calyx_sync_send(sv[0], CALYX_SYNC_READY, 0, NULL, &err) == 0);
	CHECK(calyx_sync_recv_fd(sv[1], &kind, &passed, "test", &err) == -EPROTO);
	CHECK(passed == -1);
	calyx_error_free(&err);
	unpair();
}

int main(void)
{
	RUN(round_trip);
	RUN(truncated_message_rejected);
	RUN(oversized_message_rejected);
	RUN(unterminated_text_is_terminated);
	RUN(eof_names_what_was_awaited);
	RUN(fd_passing);
	RUN(unrequested_fd_is_closed);
	RUN(fd_with_a_bad_message_is_closed);
	RUN(wrong_type_for_fd_is_an_error);
	return unit_summary("unit/sync");
}
