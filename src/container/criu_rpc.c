/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRIU's swrk RPC: protobuf wire encoding of the few messages calyx uses,
 * the `criu swrk` process, and the request/notification loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "container/criu_rpc.h"
#include "util/cleanup.h"

/* criu_req fields */
#define REQ_TYPE 1
#define REQ_OPTS 2
#define REQ_NOTIFY_SUCCESS 3
/* criu_resp fields */
#define RESP_TYPE 1
#define RESP_SUCCESS 2
#define RESP_RESTORE 4
#define RESP_NOTIFY 5
#define RESP_CR_ERRNO 7
#define RESP_CR_ERRMSG 9

#define WIRE_VARINT 0
#define WIRE_FIXED64 1
#define WIRE_LEN 2
#define WIRE_FIXED32 5

/* Larger than any answer CRIU sends; a bigger packet is refused. */
#define CRIU_MSG_MAX 65536

/* ---- encoding ---- */

void pb_buf_release(struct pb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static void pb_put_raw(struct pb_buf *b, const void *data, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap < b->len + len)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void pb_put_varint(struct pb_buf *b, uint64_t v)
{
	uint8_t out[10];
	size_t n = 0;

	do {
		out[n] = v & 0x7f;
		v >>= 7;
		if (v)
			out[n] |= 0x80;
		n++;
	} while (v);
	pb_put_raw(b, out, n);
}

static void pb_put_tag(struct pb_buf *b, uint32_t field, unsigned int wire)
{
	pb_put_varint(b, ((uint64_t)field << 3) | wire);
}

void pb_put_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	pb_put_tag(b, field, WIRE_VARINT);
	pb_put_varint(b, v);
}

void pb_put_int32(struct pb_buf *b, uint32_t field, int32_t v)
{
	/* int32: negative values go sign-extended to ten bytes */
	pb_put_uint(b, field, (uint64_t)(int64_t)v);
}

void pb_put_bool(struct pb_buf *b, uint32_t field, bool v)
{
	pb_put_uint(b, field, v ? 1 : 0);
}

void pb_put_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len)
{
	pb_put_tag(b, field, WIRE_LEN);
	pb_put_varint(b, len);
	pb_put_raw(b, data, len);
}

void pb_put_string(struct pb_buf *b, uint32_t field, const char *s)
{
	pb_put_bytes(b, field, s, strlen(s));
}

void pb_put_message(struct pb_buf *b, uint32_t field, const struct pb_buf *sub)
{
	if (sub->oom)
		b->oom = true;
	pb_put_bytes(b, field, sub->data, sub->len);
}

void pb_put_key_val(struct pb_buf *b, uint32_t field, const char *key,
		    const char *val)
{
	_cleanup_pb_buf_ struct pb_buf sub = { 0 };

	pb_put_string(&sub, 1, key);
	pb_put_string(&sub, 2, val);
	pb_put_message(b, field, &sub);
}

void pb_put_inherit_fd(struct pb_buf *b, const char *key, int fd)
{
	_cleanup_pb_buf_ struct pb_buf sub = { 0 };

	pb_put_string(&sub, 1, key);
	pb_put_int32(&sub, 2, fd);
	pb_put_message(b, CRIU_OPT_INHERIT_FD, &sub);
}

/* ---- decoding ---- */

struct pb_reader {
	const uint8_t *p, *end;
};

struct pb_field {
	uint32_t number;
	unsigned int wire;
	uint64_t varint;
	const uint8_t *data;	/* WIRE_LEN */
	size_t len;
};

static int pb_get_varint(struct pb_reader *r, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end)
			return -EPROTO;
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -EPROTO;
}

/* 1 with the next field in *f, 0 at the end, -EPROTO when malformed. */
static int pb_next(struct pb_reader *r, struct pb_field *f)
{
	uint64_t tag, len;

	if (r->p == r->end)
		return 0;
	if (pb_get_varint(r, &tag) < 0 || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
		return -EPROTO;
	f->number = (uint32_t)(tag >> 3);
	f->wire = tag & 7;
	switch (f->wire) {
	case WIRE_VARINT:
		return pb_get_varint(r, &f->varint) < 0 ? -EPROTO : 1;
	case WIRE_LEN:
		if (pb_get_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->p))
			return -EPROTO;
		f->data = r->p;
		f->len = (size_t)len;
		r->p += len;
		return 1;
	case WIRE_FIXED64:
		len = 8;
		break;
	case WIRE_FIXED32:
		len = 4;
		break;
	default:
		return -EPROTO;
	}
	if (len > (uint64_t)(r->end - r->p))
		return -EPROTO;
	r->p += len;
	return 1;
}

/* A string field into a fixed buffer: NULs refused, over-long cut. */
static int pb_copy_string(const struct pb_field *f, char *out, size_t size)
{
	size_t n = f->len < size - 1 ? f->len : size - 1;

	if (f->wire != WIRE_LEN || memchr(f->data, '\0', f->len))
		return -EPROTO;
	memcpy(out, f->data, n);
	out[n] = '\0';
	return 0;
}

/* criu_restore_resp { required int32 pid = 1; } */
static int decode_restore(const struct pb_field *outer, struct criu_resp *resp)
{
	struct pb_reader r = { outer->data, outer->data + outer->len };
	struct pb_field f;
	int k;

	if (outer->wire != WIRE_LEN)
		return -EPROTO;
	while ((k = pb_next(&r, &f)) > 0)
		if (f.number == 1 && f.wire == WIRE_VARINT)
			resp->restore_pid = (int32_t)f.varint;
	return k;
}

/* criu_notify { optional string script = 1; optional int32 pid = 2; } */
static int decode_notify(const struct pb_field *outer, struct criu_resp *resp)
{
	struct pb_reader r = { outer->data, outer->data + outer->len };
	struct pb_field f;
	int k;

	if (outer->wire != WIRE_LEN)
		return -EPROTO;
	while ((k = pb_next(&r, &f)) > 0) {
		if (f.number == 1 &&
		    pb_copy_string(&f, resp->notify_script, sizeof(resp->notify_script)) < 0)
			return -EPROTO;
		if (f.number == 2 && f.wire == WIRE_VARINT)
			resp->notify_pid = (int32_t)f.varint;
	}
	return k;
}

int criu_resp_decode(const uint8_t *data, size_t len, struct criu_resp *resp,
		     calyx_error **err)
{
	struct pb_reader r = { data, data + len };
	struct pb_field f;
	bool has_type = false, has_success = false;
	int k;

	memset(resp, 0, sizeof(*resp));
	while ((k = pb_next(&r, &f)) > 0) {
		switch (f.number) {
		case RESP_TYPE:
			has_type = f.wire == WIRE_VARINT;
			resp->type = (uint32_t)f.varint;
			break;
		case RESP_SUCCESS:
			has_success = f.wire == WIRE_VARINT;
			resp->success = f.varint != 0;
			break;
		case RESP_RESTORE:
			k = decode_restore(&f, resp);
			break;
		case RESP_NOTIFY:
			k = decode_notify(&f, resp);
			break;
		case RESP_CR_ERRNO:
			resp->cr_errno = (int32_t)f.varint;
			break;
		case RESP_CR_ERRMSG:
			k = pb_copy_string(&f, resp->cr_errmsg, sizeof(resp->cr_errmsg));
			break;
		}
		if (k < 0)
			break;
	}
	if (k < 0 || !has_type || !has_success)
		return calyx_error_setx(err, EPROTO, "criu: malformed answer (%zu bytes)", len);
	return 0;
}

/* ---- the swrk process ---- */

/* criu from $PATH (runc's default `--criu criu`); NULL when absent. */
static char *find_criu(void)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL;

	if (!copy)
		return NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *file;
		struct stat sb;

		if (dir[0] != '/' || asprintf(&file, "%s/criu", dir) < 0)
			continue;
		if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) && access(file, X_OK) == 0)
			return file;
		free(file);
	}
	return NULL;
}

int criu_swrk_start(const int *keep, size_t n_keep, struct criu_swrk *s,
		    calyx_error **err)
{
	_cleanup_free_ char *criu = find_criu();
	char fdarg[16];
	sigset_t all;
	int sv[2];
	pid_t pid;

	s->pid = -1;
	s->sock = -1;
	if (!criu)
		return calyx_error_setx(err, ENOENT,
					"criu not found in $PATH: checkpoint and restore need CRIU (Debian: apt-get install criu)");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return calyx_error_set(err, errno, "criu: socketpair");
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return calyx_error_set(err, e, "criu: fork");
	}
	if (pid == 0) {
		char *argv[] = { "criu", "swrk", fdarg, NULL };

		/* no parent-death signal: should we die, criu learns it at its
		 * next message to us and undoes its part (unfreezes a dump,
		 * kills a restored tree, removes its mounts and its dirs in
		 * /tmp), which a SIGKILL would leave half done; the callers
		 * hand it the container's lock, so nothing touches the
		 * container until it is gone */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		/* nothing of ours but what it is given */
		if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
			_exit(127);
		if (fcntl(sv[1], F_SETFD, 0) < 0)
			_exit(127);
		for (size_t i = 0; i < n_keep; i++)
			if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) < 0)
				_exit(127);
		execv(criu, argv);
		_exit(127);
	}
	close(sv[1]);
	s->pid = pid;
	s->sock = sv[0];
	return 0;
}

void criu_swrk_stop(struct criu_swrk *s)
{
	int status;

	if (s->sock >= 0) {
		close(s->sock);
		s->sock = -1;
	}
	if (s->pid > 0) {
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->pid = -1;
	}
}

static int send_msg(int sock, const struct pb_buf *b, calyx_error **err)
{
	if (b->oom)
		return calyx_error_set(err, ENOMEM, "criu: request");
	if (send(sock, b->data, b->len, MSG_NOSIGNAL) != (ssize_t)b->len)
		return calyx_error_set(err, errno ? errno : EPIPE, "criu: sending the request");
	return 0;
}

/* One packet and the first fd that came with it (*fd, else -1). */
static ssize_t recv_msg(int sock, uint8_t *buf, size_t size, int *fd,
			calyx_error **err)
{
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.space,
		.msg_controllen = sizeof(ctl.space),
	};
	ssize_t n;

	*fd = -1;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "criu: reading the answer");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t nfds;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return calyx_error_setx(err, EPROTO, "criu: answer too large");
	}
	if (n == 0)
		return calyx_error_setx(err, EPIPE, "criu: exited without answering");
	return n;
}

/* One line for the user: control characters (CRIU ends its messages with
 * a newline) become spaces, trailing ones go. */
static void one_line(char *s)
{
	size_t n;

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
}

/* The last "Error" line of CRIU's log, to say why in one line. */
static void log_last_error(const char *path, char *out, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	static const size_t tail = 16384;
	_cleanup_free_ char *buf = malloc(tail + 1);
	struct stat sb;
	ssize_t n;
	char *line, *found = NULL, *save = NULL;

	out[0] = '\0';
	if (fd < 0 || !buf || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return;
	n = pread(fd, buf, tail, sb.st_size > (off_t)tail ? sb.st_size - (off_t)tail : 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "Error (") || strstr(line, "Error:"))
			found = line;
	if (!found)
		return;
	/* "(00.123456) Error (...)": the time since CRIU started says nothing */
	if (found[0] == '(' && strchr(found, ')'))
		found = strchr(found, ')') + 1;
	while (*found == ' ')
		found++;
	snprintf(out, size, "%s", found);
	one_line(out);
}

static int operation_failed(struct criu_resp *resp, const char *log_hint,
			    calyx_error **err)
{
	char last[512];

	log_last_error(log_hint, last, sizeof(last));
	one_line(resp->cr_errmsg);
	if (resp->cr_errmsg[0])
		return calyx_error_setx(err, resp->cr_errno ? resp->cr_errno : EIO,
					"criu failed: %s (log: %s)", resp->cr_errmsg, log_hint);
	if (last[0])
		return calyx_error_setx(err, resp->cr_errno ? resp->cr_errno : EIO,
					"criu failed: %s (log: %s)", last, log_hint);
	return calyx_error_setx(err, resp->cr_errno ? resp->cr_errno : EIO,
				"criu failed (errno %d); see %s", resp->cr_errno, log_hint);
}

int criu_call(struct criu_swrk *s, enum criu_req_type type,
	      const struct pb_buf *opts, criu_notify_fn notify, void *data,
	      const char *log_hint, struct criu_resp *resp, calyx_error **err)
{
	_cleanup_pb_buf_ struct pb_buf req = { 0 };
	_cleanup_free_ uint8_t *buf = malloc(CRIU_MSG_MAX);
	int r;

	if (!buf)
		return calyx_error_set(err, ENOMEM, "criu");
	pb_put_uint(&req, REQ_TYPE, type);
	pb_put_message(&req, REQ_OPTS, opts);
	r = send_msg(s->sock, &req, err);
	if (r < 0)
		return r;
	for (;;) {
		_cleanup_pb_buf_ struct pb_buf ack = { 0 };
		_cleanup_error_ calyx_error *nerr = NULL;
		int fd;
		ssize_t n = recv_msg(s->sock, buf, CRIU_MSG_MAX, &fd, err);
		bool ok;

		if (n < 0) {
			char last[512];

			/* criu died: its log says why */
			log_last_error(log_hint, last, sizeof(last));
			if (last[0])
				return calyx_error_prefix(err, "%s (log: %s)", last, log_hint);
			return calyx_error_prefix(err, "see %s", log_hint);
		}
		r = criu_resp_decode(buf, (size_t)n, resp, err);
		if (r < 0) {
			if (fd >= 0)
				close(fd);
			return r;
		}
		if (resp->type != CRIU_REQ_NOTIFY) {
			if (fd >= 0)
				close(fd);
			if (resp->type != (uint32_t)type)
				return calyx_error_setx(err, EPROTO,
							"criu: answer of type %u to a request of type %d",
							resp->type, type);
			return resp->success ? 0 : operation_failed(resp, log_hint, err);
		}
		ok = !notify || notify(data, resp->notify_script, resp->notify_pid, fd,
				       &nerr) >= 0;
		pb_put_uint(&ack, REQ_TYPE, CRIU_REQ_NOTIFY);
		pb_put_bool(&ack, REQ_NOTIFY_SUCCESS, ok);
		r = send_msg(s->sock, &ack, err);
		if (!ok) {
			/* CRIU aborts and answers; our reason is the one to show */
			calyx_error_free(err);
			*err = TAKE_PTR(nerr);
			return -EIO;
		}
		if (r < 0)
			return r;
	}
}
