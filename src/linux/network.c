/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink requests for network namespaces (see network.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "linux/nlmsg.h"
#include "linux/network.h"
#include "util/cleanup.h"

struct nl_conn {
	struct nl_sock sock;
	unsigned int seq;
	bool open;
};

static void nl_close(struct nl_conn *c)
{
	if (c->open)
		nl_sock_close(&c->sock);
	c->open = false;
}

static int nl_open(struct nl_conn *c, calyx_error **err)
{
	int r = nl_sock_open(&c->sock, NETLINK_ROUTE);

	if (r < 0)
		return calyx_error_set(err, -r, "netlink socket");
	c->open = true;
	c->seq = (unsigned int)time(NULL);
	return 0;
}

/*
 * Send one request and read replies until its ACK or DONE.  Returns 0 or
 * -errno (the kernel's error for the request); cb sees data messages.
 */
static int nl_request(struct nl_conn *c, struct nl_msg *m, nl_cb cb,
		      void *data)
{
	int r = nl_send(&c->sock, m, ++c->seq);

	return r < 0 ? r : nl_recv_replies(&c->sock, c->seq, cb, data);
}

static struct ifinfomsg *put_link_header(struct nl_msg *m, char *buf,
					 int type, int index)
{
	struct ifinfomsg *ifi;

	nl_msg_init(m, buf, NL_BUF_SIZE)->nlmsg_type = (uint16_t)type;
	ifi = nl_msg_put_extra(m, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return ifi;
}

static int link_index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = nl_msg_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ifi->ifi_index;
	return NL_CB_OK;
}

/* ifindex of the named link, or -errno (-ENODEV when there is none) */
static int link_index(struct nl_conn *c, const char *name)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_msg m;
	int index = 0, r;

	put_link_header(&m, buf, RTM_GETLINK, 0);
	nl_attr_put_strz(&m, IFLA_IFNAME, name);
	r = nl_request(c, &m, link_index_cb, &index);
	if (r < 0)
		return r;
	return index > 0 ? index : -ENODEV;
}

struct link_name {
	char name[IFNAMSIZ];
};

static int link_name_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return NL_CB_OK;
	nl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg)) {
		if (nl_attr_type(attr) == IFLA_IFNAME && nl_attr_str(attr))
			snprintf(((struct link_name *)data)->name, IFNAMSIZ, "%s",
				 nl_attr_str(attr));
	}
	return NL_CB_OK;
}

static int link_name(struct nl_conn *c, int index, struct link_name *out)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_msg m;

	out->name[0] = '\0';
	put_link_header(&m, buf, RTM_GETLINK, index);
	return nl_request(c, &m, link_name_cb, out);
}

static int link_set_up(struct nl_conn *c, int index, const char *name)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_msg m;
	struct ifinfomsg *ifi;

	ifi = put_link_header(&m, buf, RTM_NEWLINK, index);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	if (!index)
		nl_attr_put_strz(&m, IFLA_IFNAME, name);
	return nl_request(c, &m, NULL, NULL);
}

int net_loopback_up(calyx_error **err)
{
	struct nl_conn c = { 0 };
	int r;

	r = nl_open(&c, err);
	if (r < 0)
		return r;
	r = link_set_up(&c, 0, "lo");
	nl_close(&c);
	if (r < 0)
		return calyx_error_set(err, -r, "set lo up");
	return 0;
}

/* One address as RTM_GETADDR reported it, enough to add it again. */
struct net_addr {
	unsigned char family;
	unsigned char prefixlen;
	unsigned char scope;
	uint32_t flags;
	unsigned char local[16], address[16], broadcast[16];
	bool has_local, has_address, has_broadcast;
};

struct addr_list {
	int index;
	struct net_addr *addrs;
	size_t n;
	bool nomem;
};

static void copy_addr_attr(const struct nlattr *attr, unsigned char family,
			   unsigned char *dst, bool *has)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (nl_attr_len(attr) != len)
		return;
	memcpy(dst, nl_attr_data(attr), len);
	*has = true;
}

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = nl_msg_payload(nlh);
	struct addr_list *list = data;
	struct net_addr a = { 0 }, *grown;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != list->index ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return NL_CB_OK;
	a.family = ifa->ifa_family;
	a.prefixlen = ifa->ifa_prefixlen;
	a.scope = ifa->ifa_scope;
	a.flags = ifa->ifa_flags;
	nl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		switch (nl_attr_type(attr)) {
		case IFA_LOCAL:
			copy_addr_attr(attr, a.family, a.local, &a.has_local);
			break;
		case IFA_ADDRESS:
			copy_addr_attr(attr, a.family, a.address, &a.has_address);
			break;
		case IFA_BROADCAST:
			copy_addr_attr(attr, a.family, a.broadcast, &a.has_broadcast);
			break;
		case IFA_FLAGS:
			nl_attr_u32(attr, &a.flags);
			break;
		}
	}
	/* config-linux.md: the permanent addresses of global scope */
	if (!(a.flags & IFA_F_PERMANENT) || a.scope != RT_SCOPE_UNIVERSE)
		return NL_CB_OK;
	grown = realloc(list->addrs, (list->n + 1) * sizeof(*grown));
	if (!grown) {
		list->nomem = true;
		return NL_CB_ERROR;
	}
	list->addrs = grown;
	list->addrs[list->n++] = a;
	return NL_CB_OK;
}

static int addr_list_read(struct nl_conn *c, int index, struct addr_list *list)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_msg m;
	struct nlmsghdr *nlh = nl_msg_init(&m, buf, sizeof(buf));
	struct ifaddrmsg *ifa;
	int r;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = nl_msg_put_extra(&m, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	list->index = index;
	r = nl_request(c, &m, addr_dump_cb, list);
	return list->nomem ? -ENOMEM : r;
}

static int addr_add(struct nl_conn *c, int index, const struct net_addr *a)
{
	/* what may be asked for; the kernel sets PERMANENT itself */
	const uint32_t keep = IFA_F_NODAD | IFA_F_HOMEADDRESS |
			      IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE |
			      IFA_F_MCAUTOJOIN;
	size_t len = a->family == AF_INET ? 4 : 16;
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_msg m;
	struct nlmsghdr *nlh = nl_msg_init(&m, buf, sizeof(buf));
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = nl_msg_put_extra(&m, sizeof(*ifa));
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = (unsigned int)index;
	ifa->ifa_flags = (unsigned char)(a->flags & keep);
	if (a->has_local)
		nl_attr_put(&m, IFA_LOCAL, len, a->local);
	if (a->has_address)
		nl_attr_put(&m, IFA_ADDRESS, len, a->address);
	if (a->has_broadcast)
		nl_attr_put(&m, IFA_BROADCAST, len, a->broadcast);
	nl_attr_put_u32(&m, IFA_FLAGS, a->flags & keep);
	return nl_request(c, &m, NULL, NULL);
}

/* Move link `index` into netns `nsfd` under `name`. */
static int link_move(struct nl_conn *c, int index, int nsfd, const char *name)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_msg m;

	put_link_header(&m, buf, RTM_NEWLINK, index);
	nl_attr_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)nsfd);
	nl_attr_put_strz(&m, IFLA_IFNAME, name);
	return nl_request(c, &m, NULL, NULL);
}

/* The state of one device being moved. */
struct moved_dev {
	const char *host_name;
	int host_index;
	struct addr_list addrs;
	int ct_index;		/* > 0 once it is in the container */
};

/*
 * A netlink socket and an fd for the namespace of target_fd: the socket
 * stays bound to the namespace it was made in, so the runtime enters it
 * only for the time of a socket() call.
 */
static int open_target(int target_fd, struct nl_conn *ct, int *ct_nsfd,
		       int *host_nsfd, calyx_error **err)
{
	int r, r2;

	*host_nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*host_nsfd < 0)
		return calyx_error_set(err, errno, "open the runtime's network namespace");
	if (setns(target_fd, CLONE_NEWNET) < 0)
		return calyx_error_set(err, errno, "enter the container's network namespace");
	r = nl_open(ct, err);
	if (r >= 0) {
		*ct_nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (*ct_nsfd < 0)
			r = calyx_error_set(err, errno,
					    "open the container's network namespace");
	}
	if (setns(*host_nsfd, CLONE_NEWNET) < 0) {
		r2 = calyx_error_set(err, errno, "return to the runtime's network namespace");
		return r < 0 ? r : r2;
	}
	return r;
}

/* The moved device's index in the container: the kernel keeps the ifindex
 * unless it is taken there; otherwise look it up by its (final) name. */
static int find_moved(struct nl_conn *ct, const struct moved_dev *d,
		      const char *name)
{
	struct link_name found;

	if (link_name(ct, d->host_index, &found) >= 0 && found.name[0] &&
	    (strchr(name, '%') || strcmp(found.name, name) == 0))
		return d->host_index;
	if (strchr(name, '%'))
		return -ENODEV;
	return link_index(ct, name);
}

static int move_one(struct nl_conn *host, struct nl_conn *ct, int ct_nsfd,
		    const struct calyx_net_device *dev, struct moved_dev *d,
		    calyx_error **err)
{
	const char *name = dev->name ? dev->name : dev->host_name;
	int r;

	d->host_name = dev->host_name;
	/* runtime.md: an existing name is an error, a %d template is not */
	if (!strchr(name, '%') && link_index(ct, name) > 0)
		return calyx_error_setx(err, EEXIST,
					"%s: a device named %s already exists in the "
					"container's network namespace",
					dev->host_name, name);
	r = link_index(host, dev->host_name);
	if (r < 0)
		return calyx_error_set(err, -r, "%s: no such device on the host",
				       dev->host_name);
	d->host_index = r;
	r = addr_list_read(host, d->host_index, &d->addrs);
	if (r < 0)
		return calyx_error_set(err, -r, "%s: reading its addresses",
				       dev->host_name);
	r = link_move(host, d->host_index, ct_nsfd, name);
	if (r == -EEXIST)
		return calyx_error_setx(err, EEXIST,
					"%s: a device named %s already exists in the "
					"container's network namespace",
					dev->host_name, name);
	if (r < 0)
		return calyx_error_set(err, -r, "%s: moving it into the container as %s",
				       dev->host_name, name);
	r = find_moved(ct, d, name);
	if (r < 0)
		return calyx_error_set(err, -r, "%s: finding it in the container",
				       dev->host_name);
	d->ct_index = r;
	for (size_t i = 0; i < d->addrs.n; i++) {
		r = addr_add(ct, d->ct_index, &d->addrs.addrs[i]);
		if (r < 0 && r != -EEXIST)
			return calyx_error_set(err, -r, "%s: adding its address back",
					       dev->host_name);
	}
	r = link_set_up(ct, d->ct_index, NULL);
	if (r < 0)
		return calyx_error_set(err, -r, "%s: setting it up", dev->host_name);
	return 0;
}

/* Best effort: a failed create leaves the host as it was. */
static void move_back(struct nl_conn *host, struct nl_conn *ct, int host_nsfd,
		      struct moved_dev *d)
{
	int index;

	if (d->ct_index <= 0 ||
	    link_move(ct, d->ct_index, host_nsfd, d->host_name) < 0)
		return;
	index = link_index(host, d->host_name);
	for (size_t i = 0; index > 0 && i < d->addrs.n; i++)
		addr_add(host, index, &d->addrs.addrs[i]);
}

int net_devices_move(const struct calyx_net_device *devs, size_t n,
		     int target_fd, calyx_error **err)
{
	_cleanup_close_ int host_nsfd = -1, ct_nsfd = -1;
	struct nl_conn host = { 0 }, ct = { 0 };
	struct moved_dev *moved;
	size_t i;
	int r;

	if (!n)
		return 0;
	if (target_fd < 0)
		return calyx_error_setx(err, EINVAL,
					"linux.netDevices: the container needs a network "
					"namespace of its own");
	moved = calloc(n, sizeof(*moved));
	if (!moved)
		return calyx_error_set(err, ENOMEM, "linux.netDevices");
	r = nl_open(&host, err);
	if (r >= 0)
		r = open_target(target_fd, &ct, &ct_nsfd, &host_nsfd, err);
	for (i = 0; r >= 0 && i < n; i++)
		r = move_one(&host, &ct, ct_nsfd, &devs[i], &moved[i], err);
	if (r < 0) {
		calyx_error_prefix(err, "linux.netDevices");
		while (i-- > 0 && ct.open && host_nsfd >= 0)
			move_back(&host, &ct, host_nsfd, &moved[i]);
	}
	for (i = 0; i < n; i++)
		free(moved[i].addrs.addrs);
	free(moved);
	nl_close(&ct);
	nl_close(&host);
	return r;
}

/* One decimal octet: 0..255, no sign, no leading zero. */
static const char *parse_octet(const char *s, unsigned int *out)
{
	unsigned int v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4) {
		if (digits == 1 && v == 0)
			return NULL;
		v = v * 10 + (unsigned int)(*s++ - '0');
		digits++;
	}
	if (!digits || v > 255)
		return NULL;
	*out = v;
	return s;
}

int net_parse_veth_cidr(const char *text, struct in_addr *host,
			struct in_addr *peer, calyx_error **err)
{
	const char *s = text;
	uint32_t addr = 0, net;
	unsigned int octet;

	for (int i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			goto bad;
		s = parse_octet(s, &octet);
		if (!s)
			goto bad;
		addr = addr << 8 | octet;
	}
	if (strcmp(s, "/30") != 0)
		goto bad;
	net = addr & ~3u;
	if (addr - net > 1 || net == 0 || (net >> 24) == 127 || (net >> 28) >= 14)
		goto bad;
	host->s_addr = htonl(net + 1);
	peer->s_addr = htonl(net + 2);
	return 0;
bad:
	return calyx_error_setx(err, EINVAL,
				"invalid veth address \"%s\": want A.B.C.D/30, A.B.C.D "
				"the network or its first address (unicast, not "
				"loopback)", text);
}

static void put_veth_peer(struct nl_msg *m, const char *peer_name)
{
	struct nlattr *linkinfo, *info_data, *peer;
	struct ifinfomsg *pifi;

	linkinfo = nl_attr_nest_start(m, IFLA_LINKINFO);
	nl_attr_put_strz(m, IFLA_INFO_KIND, "veth");
	info_data = nl_attr_nest_start(m, IFLA_INFO_DATA);
	peer = nl_attr_nest_start(m, VETH_INFO_PEER);
	/* the peer's attributes follow an ifinfomsg of their own */
	pifi = nl_msg_put_extra(m, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	nl_attr_put_strz(m, IFLA_IFNAME, peer_name);
	nl_attr_nest_end(m, peer);
	nl_attr_nest_end(m, info_data);
	nl_attr_nest_end(m, linkinfo);
}

static struct net_addr ipv4_addr(struct in_addr a)
{
	struct net_addr na = {
		.family = AF_INET,
		.prefixlen = 30,
		.scope = RT_SCOPE_UNIVERSE,
		.has_local = true,
		.has_address = true,
	};

	memcpy(na.local, &a, 4);
	memcpy(na.address, &a, 4);
	return na;
}

static int veth_configure(struct nl_conn *c, const char *host_name,
			  const char *peer_name, struct in_addr host,
			  struct in_addr peer, calyx_error **err)
{
	struct net_addr host_addr = ipv4_addr(host), peer_addr = ipv4_addr(peer);
	int hi, pi, r;

	hi = link_index(c, host_name);
	if (hi < 0)
		return calyx_error_set(err, -hi, "veth %s", host_name);
	pi = link_index(c, peer_name);
	if (pi < 0)
		return calyx_error_set(err, -pi, "veth %s", peer_name);
	r = addr_add(c, hi, &host_addr);
	if (r >= 0)
		r = addr_add(c, pi, &peer_addr);
	if (r < 0)
		return calyx_error_set(err, -r, "veth: adding the /30 addresses");
	r = link_set_up(c, hi, NULL);
	if (r < 0)
		return calyx_error_set(err, -r, "veth: setting %s up", host_name);
	return 0;
}

/* RTM_DELLINK by name: 0 or the kernel's -errno. */
static int link_delete(struct nl_conn *c, const char *name)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_msg m;

	put_link_header(&m, buf, RTM_DELLINK, 0);
	nl_attr_put_strz(&m, IFLA_IFNAME, name);
	return nl_request(c, &m, NULL, NULL);
}

int net_veth_create(const char *host_name, const char *peer_name,
		    struct in_addr host, struct in_addr peer, calyx_error **err)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_conn c = { 0 };
	struct nl_msg m;
	int r;

	r = nl_open(&c, err);
	if (r < 0)
		return r;
	put_link_header(&m, buf, RTM_NEWLINK, 0);
	m.nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	nl_attr_put_strz(&m, IFLA_IFNAME, host_name);
	put_veth_peer(&m, peer_name);
	r = nl_request(&c, &m, NULL, NULL);
	if (r < 0)
		r = calyx_error_set(err, -r, "creating veth pair %s/%s", host_name,
				    peer_name);
	else if ((r = veth_configure(&c, host_name, peer_name, host, peer, err)) < 0)
		link_delete(&c, host_name);	/* the peer goes with it */
	nl_close(&c);
	return r;
}

int net_link_delete(const char *name, calyx_error **err)
{
	struct nl_conn c = { 0 };
	int r;

	r = nl_open(&c, err);
	if (r < 0)
		return r;
	r = link_delete(&c, name);
	nl_close(&c);
	if (r < 0 && r != -ENODEV)
		return calyx_error_set(err, -r, "deleting link %s", name);
	return 0;
}
