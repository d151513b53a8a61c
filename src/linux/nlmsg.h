/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The little of rtnetlink message building and parsing that network.c
 * needs, on a raw socket.  calyx links fully static so that no shared
 * library of the host is mapped into a process a container can reach
 * (/proc/<pid>/map_files opens mapped files for writing), and libmnl has
 * no static archive on Debian.
 *
 * Builders write into a caller's buffer of NL_BUF_SIZE bytes; every put
 * is bounded by it (a put that does not fit marks the message as
 * overflowed and nl_send() refuses it).
 */
#ifndef CALYX_LINUX_NLMSG_H
#define CALYX_LINUX_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/* one request, or one batch of replies */
#define NL_BUF_SIZE 8192

/* callback results, as in libmnl: stop the loop, go on, or fail */
enum { NL_CB_ERROR = -1, NL_CB_STOP = 0, NL_CB_OK = 1 };

typedef int (*nl_cb)(const struct nlmsghdr *nlh, void *data);

struct nl_msg {
	struct nlmsghdr *nlh;
	size_t cap;
	bool overflow;
	/* what a put that does not fit hands out instead, so callers may
	 * fill in a header without a check: nl_send() refuses the message */
	union {
		char bytes[64];
		struct nlattr attr;
	} sink;
};

struct nl_sock {
	int fd;
	unsigned int portid;
};

int nl_sock_open(struct nl_sock *s, int protocol);
void nl_sock_close(struct nl_sock *s);

/* zeroed header at the start of buf (cap bytes); returns the header */
struct nlmsghdr *nl_msg_init(struct nl_msg *m, void *buf, size_t cap);
/* a zeroed fixed-size family header (or a nested one) at the end */
void *nl_msg_put_extra(struct nl_msg *m, size_t len);
void *nl_msg_payload(const struct nlmsghdr *nlh);

void nl_attr_put(struct nl_msg *m, uint16_t type, size_t len, const void *data);
void nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
void nl_attr_put_strz(struct nl_msg *m, uint16_t type, const char *s);
struct nlattr *nl_attr_nest_start(struct nl_msg *m, uint16_t type);
void nl_attr_nest_end(struct nl_msg *m, struct nlattr *nest);

/* walk the attributes after a family header of `offset` bytes */
const struct nlattr *nl_attr_first(const struct nlmsghdr *nlh, size_t offset);
const struct nlattr *nl_attr_next(const struct nlmsghdr *nlh,
				  const struct nlattr *a);
#define nl_attr_for_each(a, nlh, offset)                                 \
	for ((a) = nl_attr_first((nlh), (offset)); (a);                   \
	     (a) = nl_attr_next((nlh), (a)))

uint16_t nl_attr_type(const struct nlattr *a);
size_t nl_attr_len(const struct nlattr *a);
const void *nl_attr_data(const struct nlattr *a);
/* NULL unless the payload is a NUL-terminated string */
const char *nl_attr_str(const struct nlattr *a);
/* false unless the payload is exactly 4 bytes */
bool nl_attr_u32(const struct nlattr *a, uint32_t *v);

/* sequence-stamp and send m (as a request that wants an ACK) */
int nl_send(struct nl_sock *s, struct nl_msg *m, unsigned int seq);
/*
 * Read replies to `seq` and hand data messages to cb (may be NULL) until
 * the ACK or DONE.  Returns 0, or -errno: the kernel's error for the
 * request, or -EIO for a callback that failed without setting errno.
 */
int nl_recv_replies(struct nl_sock *s, unsigned int seq, nl_cb cb, void *data);

#endif
