/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit/netlink: the raw rtnetlink layer (src/linux/nlmsg.c) that replaced
 * libmnl: message building within the buffer, attribute walking that never
 * leaves the message, and one real request (the index of "lo").
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "linux/nlmsg.h"
#include "unit.h"

union buf {
	char bytes[NL_BUF_SIZE];
	struct nlmsghdr align;
};

TEST(build_and_walk)
{
	union buf b;
	struct nl_msg m;
	struct nlmsghdr *nlh = nl_msg_init(&m, b.bytes, sizeof(b.bytes));
	struct ifinfomsg *ifi = nl_msg_put_extra(&m, sizeof(*ifi));
	struct nlattr *nest;
	const struct nlattr *a;
	uint32_t v = 0;
	int seen = 0;

	ifi->ifi_index = 7;
	nl_attr_put_strz(&m, IFLA_IFNAME, "eth7");
	nl_attr_put_u32(&m, IFLA_MTU, 1500);
	nl_attr_put(&m, IFLA_QDISC, 3, "abc");
	nest = nl_attr_nest_start(&m, IFLA_LINKINFO);
	nl_attr_put_strz(&m, IFLA_INFO_KIND, "veth");
	nl_attr_nest_end(&m, nest);
	CHECK(!m.overflow);
	CHECK(nlh->nlmsg_len % 4 == 0);
	CHECK(((struct ifinfomsg *)nl_msg_payload(nlh))->ifi_index == 7);
	CHECK(nest->nla_len == NLA_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 5));
	nl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (nl_attr_type(a)) {
		case IFLA_IFNAME:
			CHECK_STR(nl_attr_str(a), "eth7");
			seen |= 1;
			break;
		case IFLA_MTU:
			CHECK(nl_attr_u32(a, &v) && v == 1500);
			seen |= 2;
			break;
		case IFLA_QDISC:
			CHECK(nl_attr_str(a) == NULL);	/* no NUL at its end */
			seen |= 8;
			break;
		case IFLA_LINKINFO:
			CHECK(nl_attr_len(a) == NLA_ALIGN(NLA_HDRLEN + 5));
			CHECK(!nl_attr_u32(a, &v));
			seen |= 4;
			break;
		}
	}
	CHECK(seen == 15);
}

TEST(overflow_is_refused)
{
	union buf b;
	struct nl_msg m;
	struct nl_sock s = { .fd = -1 };
	char big[200];

	nl_msg_init(&m, b.bytes, 64);
	CHECK(nl_msg_put_extra(&m, sizeof(struct ifinfomsg)) != NULL);
	CHECK(!m.overflow);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nl_attr_put_strz(&m, IFLA_IFNAME, big);
	CHECK(m.overflow);
	/* what is put after an overflow goes nowhere, but never crashes */
	CHECK(nl_msg_put_extra(&m, 16) != NULL);
	nl_attr_nest_end(&m, nl_attr_nest_start(&m, IFLA_LINKINFO));
	CHECK(m.nlh->nlmsg_len <= 64);
	CHECK(nl_send(&s, &m, 1) == -EMSGSIZE);
}

TEST(malformed_attributes_end_the_walk)
{
	union buf b;
	struct nl_msg m;
	struct nlmsghdr *nlh = nl_msg_init(&m, b.bytes, sizeof(b.bytes));
	struct nlattr *a0;
	const struct nlattr *a;
	int n = 0;

	nl_msg_put_extra(&m, sizeof(struct ifinfomsg));
	nl_attr_put_u32(&m, IFLA_MTU, 1);
	nl_attr_put_u32(&m, IFLA_MTU, 2);
	a0 = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN +
			       NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	/* a length past the message's end */
	a0->nla_len = 200;
	nl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		n++;
	CHECK(n == 0);
	/* a length shorter than the attribute header */
	a0->nla_len = 2;
	nl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		n++;
	CHECK(n == 0);
	/* a family header longer than the message: nothing to walk */
	a0->nla_len = 8;
	nl_attr_for_each(a, nlh, 4096)
		n++;
	CHECK(n == 0);
}

static int lo_index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = nl_msg_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ifi->ifi_index;
	return NL_CB_OK;
}

TEST(real_request)
{
	union buf b;
	struct nl_msg m;
	struct nl_sock s;
	struct ifinfomsg *ifi;
	int index = 0;

	if (nl_sock_open(&s, NETLINK_ROUTE) < 0) {
		printf("# skipped: no rtnetlink socket\n");
		return;
	}
	nl_msg_init(&m, b.bytes, sizeof(b.bytes))->nlmsg_type = RTM_GETLINK;
	ifi = nl_msg_put_extra(&m, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nl_attr_put_strz(&m, IFLA_IFNAME, "lo");
	CHECK(nl_send(&s, &m, 42) == 0);
	CHECK(nl_recv_replies(&s, 42, lo_index_cb, &index) == 0);
	CHECK(index == (int)if_nametoindex("lo"));
	/* the kernel's error for a request comes back as -errno */
	nl_msg_init(&m, b.bytes, sizeof(b.bytes))->nlmsg_type = RTM_GETLINK;
	ifi = nl_msg_put_extra(&m, sizeof(*ifi));
	nl_attr_put_strz(&m, IFLA_IFNAME, "calyx-nodev0");
	CHECK(nl_send(&s, &m, 43) == 0);
	CHECK(nl_recv_replies(&s, 43, lo_index_cb, &index) == -ENODEV);
	nl_sock_close(&s);
}

int main(void)
{
	RUN(build_and_walk);
	RUN(overflow_is_refused);
	RUN(malformed_attributes_end_the_walk);
	RUN(real_request);
	return unit_summary("unit/netlink");
}
