/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network namespaces over rtnetlink (raw sockets, nlmsg.c; no `ip` binary):
 *  - the container process brings `lo` up in a namespace it created;
 *  - the runtime moves linux.netDevices into the container's namespace
 *    (config-linux.md), keeping their permanent global addresses;
 *  - the bundle-less `run --net veth` makes a veth pair.
 * Devices are never moved back: when the namespace goes away the kernel
 * returns physical devices to the initial namespace and destroys virtual
 * ones, which is what the spec asks for.
 */
#ifndef CALYX_LINUX_NETWORK_H
#define CALYX_LINUX_NETWORK_H

#include <netinet/in.h>

#include "calyx/error.h"
#include "calyx/spec.h"

/* Set `lo` up in the caller's network namespace. */
int net_loopback_up(calyx_error **err);

/*
 * Runtime side, after the clone and before the container runs anything:
 * move each linux.netDevices entry from the runtime's namespace into the
 * one of `target_fd` (a namespace fd or the container's pidfd), renamed,
 * with its addresses re-added and set up.  On failure the devices already
 * moved are brought back under their host names.
 */
int net_devices_move(const struct calyx_net_device *devs, size_t n,
		     int target_fd, calyx_error **err);

/*
 * "A.B.C.D/30" (strict dotted quad, prefix exactly 30, A.B.C.D the
 * network or its first address): the host end gets the first address of
 * the /30, the container end the second.
 */
int net_parse_veth_cidr(const char *text, struct in_addr *host,
			struct in_addr *peer, calyx_error **err);

/* A veth pair in the caller's namespace: host end up with host/30, peer
 * end (down) with peer/30, ready to be moved as a netDevice. */
int net_veth_create(const char *host_name, const char *peer_name,
		    struct in_addr host, struct in_addr peer, calyx_error **err);

/* Delete a link by name; a missing one is not an error. */
int net_link_delete(const char *name, calyx_error **err);

#endif
