/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Raw rtnetlink messages (see nlmsg.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux/nlmsg.h"

int nl_sock_open(struct nl_sock *s, int protocol)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (s->fd < 0)
		return -errno;
	/* nl_pid 0: the kernel picks a unique port id, read back below */
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &len) < 0) {
		int e = errno;

		nl_sock_close(s);
		return -e;
	}
	s->portid = sa.nl_pid;
	return 0;
}

void nl_sock_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

struct nlmsghdr *nl_msg_init(struct nl_msg *m, void *buf, size_t cap)
{
	m->nlh = buf;
	m->cap = cap;
	m->overflow = false;
	memset(buf, 0, NLMSG_HDRLEN);
	m->nlh->nlmsg_len = NLMSG_HDRLEN;
	return m->nlh;
}

/* room for len bytes (aligned) at the end of the message, zeroed */
static void *msg_reserve(struct nl_msg *m, size_t len)
{
	size_t at = m->nlh->nlmsg_len, need = NLMSG_ALIGN(len);
	char *p;

	if (m->overflow || need > m->cap - at) {
		m->overflow = true;
		return NULL;
	}
	p = (char *)m->nlh + at;
	memset(p, 0, need);
	m->nlh->nlmsg_len = (uint32_t)(at + need);
	return p;
}

void *nl_msg_put_extra(struct nl_msg *m, size_t len)
{
	void *p = len <= sizeof(m->sink) ? msg_reserve(m, len) : NULL;

	if (!p) {
		m->overflow = true;
		memset(&m->sink, 0, sizeof(m->sink));
		return &m->sink;
	}
	return p;
}

void *nl_msg_payload(const struct nlmsghdr *nlh)
{
	return (char *)nlh + NLMSG_HDRLEN;
}

void nl_attr_put(struct nl_msg *m, uint16_t type, size_t len, const void *data)
{
	struct nlattr *a;

	if (len > UINT16_MAX - NLA_HDRLEN) {
		m->overflow = true;
		return;
	}
	a = msg_reserve(m, NLA_HDRLEN + len);
	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
}

void nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_attr_put(m, type, sizeof(v), &v);
}

void nl_attr_put_strz(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_attr_put(m, type, strlen(s) + 1, s);
}

struct nlattr *nl_attr_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *a = msg_reserve(m, NLA_HDRLEN);

	if (!a) {
		memset(&m->sink, 0, sizeof(m->sink));
		return &m->sink.attr;
	}
	a->nla_type = NLA_F_NESTED | type;
	return a;
}

void nl_attr_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	size_t len = (size_t)((char *)m->nlh + m->nlh->nlmsg_len - (char *)nest);

	if (m->overflow || len > UINT16_MAX) {
		m->overflow = true;
		return;
	}
	nest->nla_len = (uint16_t)len;
}

/* a whole attribute starting at a, inside the message? */
static const struct nlattr *attr_checked(const struct nlmsghdr *nlh,
					 const struct nlattr *a)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	size_t left = (size_t)(end - (const char *)a);

	if ((const char *)a >= end || left < NLA_HDRLEN ||
	    a->nla_len < NLA_HDRLEN || a->nla_len > left)
		return NULL;
	return a;
}

const struct nlattr *nl_attr_first(const struct nlmsghdr *nlh, size_t offset)
{
	size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(offset);

	if (at >= nlh->nlmsg_len)
		return NULL;
	return attr_checked(nlh, (const struct nlattr *)((const char *)nlh + at));
}

const struct nlattr *nl_attr_next(const struct nlmsghdr *nlh,
				  const struct nlattr *a)
{
	return attr_checked(nlh, (const struct nlattr *)((const char *)a +
							 NLA_ALIGN(a->nla_len)));
}

uint16_t nl_attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

size_t nl_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

const void *nl_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

const char *nl_attr_str(const struct nlattr *a)
{
	size_t len = nl_attr_len(a);
	const char *s = nl_attr_data(a);

	return len > 0 && s[len - 1] == '\0' ? s : NULL;
}

bool nl_attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (nl_attr_len(a) != sizeof(*v))
		return false;
	memcpy(v, nl_attr_data(a), sizeof(*v));
	return true;
}

int nl_send(struct nl_sock *s, struct nl_msg *m, unsigned int seq)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (m->overflow)
		return -EMSGSIZE;
	m->nlh->nlmsg_seq = seq;
	m->nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	do
		n = sendto(s->fd, m->nlh, m->nlh->nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)m->nlh->nlmsg_len ? 0 : -EIO;
}

/* One batch: 1 to read on, 0 when the request is answered, or -errno. */
static int run_batch(const char *buf, size_t len, unsigned int seq,
		     unsigned int portid, nl_cb cb, void *data)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int r;

	for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
		/* not ours (a stale reply to an earlier request): skip */
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
			continue;
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 0;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			return e->error;	/* 0 is the ACK */
		}
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !cb)
			continue;
		r = cb(nlh, data);
		if (r == NL_CB_ERROR)
			return -EIO;
		if (r == NL_CB_STOP)
			return 0;
	}
	return 1;
}

int nl_recv_replies(struct nl_sock *s, unsigned int seq, nl_cb cb, void *data)
{
	/* aligned for struct nlmsghdr */
	union {
		char bytes[32768];
		struct nlmsghdr align;
	} buf;
	struct sockaddr_nl from;
	int r;

	do {
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(s->fd, buf.bytes, sizeof(buf.bytes), 0,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0 && errno == EINTR) {
			r = 1;
			continue;
		}
		if (n < 0)
			return -errno;
		/* only the kernel (port 0) answers requests */
		if (fromlen != sizeof(from) || from.nl_pid != 0) {
			r = 1;
			continue;
		}
		r = run_batch(buf.bytes, (size_t)n, seq, s->portid, cb, data);
	} while (r > 0);
	return r;
}
