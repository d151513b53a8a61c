#!/usr/bin/env bats
# Networking: lo up in a new network namespace, linux.netDevices (moved in
# with their addresses, renamed, errors) and the bundle-less --net modes.
# Everything runs in network namespaces this file creates (`ip netns add`)
# and removes in teardown, so the host's interfaces are never touched.

bats_require_minimum_version 1.5.0
load helpers

setup()
{
	common_setup
	NETNS=calyx-net-$BATS_TEST_NUMBER-$$
	ip netns add "$NETNS"
	ROOTFS=$BUNDLE/rootfs
}

teardown()
{
	common_teardown
	ip netns del "$NETNS" 2>/dev/null || true
}

# calyx inside the test's netns; nsenter keeps this mount namespace (and
# its /sys/fs/cgroup), unlike `ip netns exec`.
calyx_in_ns()
{
	nsenter --net="/run/netns/$NETNS" "$CALYX" --root "$STATE_ROOT" "$@"
}

@test "network: a new network namespace has lo up" {
	run_probe /bin/cat /proc/net/if_inet6
	expect_status 0
	contains " lo"
	set_args /bin/cat /proc/net/fib_trie
	run calyx run -b "$BUNDLE" "$ID"
	contains "127.0.0.1"
}

@test "network: netDevices moves a device in, renamed, with its addresses, up" {
	calyx_only
	ip -n "$NETNS" link add cxt0 type veth peer name cxt1
	ip -n "$NETNS" addr add 10.77.0.1/24 dev cxt0
	ip -n "$NETNS" addr add fd77::1/64 dev cxt0 nodad
	cfg '.linux.netDevices = {"cxt0": {"name": "eth7"}}'
	set_args /bin/sh -c 'cat /proc/net/dev /proc/net/if_inet6 /proc/net/fib_trie; cat /sys/class/net/eth7/operstate'
	run calyx_in_ns run -b "$BUNDLE" "$ID"
	expect_status 0
	contains "eth7:"
	contains "10.77.0.1"
	contains "fd770000000000000000000000000001"
	# the device left the host namespace while the container ran; a veth
	# is destroyed with the container's namespace (config-linux.md)
	run ip -n "$NETNS" link show cxt0
	[ "$status" -ne 0 ]
}

@test "network: netDevices without a name keeps the host name" {
	calyx_only
	ip -n "$NETNS" link add cxk0 type veth peer name cxk1
	cfg '.linux.netDevices = {"cxk0": {}}'
	set_args /bin/cat /proc/net/dev
	run calyx_in_ns run -b "$BUNDLE" "$ID"
	expect_status 0
	contains "cxk0:"
}

@test "network: a netDevice missing on the host is an error and nothing is left" {
	calyx_only
	cfg '.linux.netDevices = {"nosuchdev0": {"name": "eth0"}}'
	run --separate-stderr calyx_in_ns run -b "$BUNDLE" "$ID"
	expect_error 'linux.netDevices: nosuchdev0: no such device on the host'
	assert_nothing_left "$ID"
}

@test "network: a netDevice name taken in the container is an error, device kept" {
	calyx_only
	ip -n "$NETNS" link add cxd0 type veth peer name cxd1
	cfg '.linux.netDevices = {"cxd0": {"name": "lo"}}'
	run --separate-stderr calyx_in_ns run -b "$BUNDLE" "$ID"
	expect_error 'already exists'
	ip -n "$NETNS" link show cxd0 >/dev/null
	assert_nothing_left "$ID"
}

@test "network: netDevices without a network namespace is an error" {
	calyx_only
	ip -n "$NETNS" link add cxn0 type veth peer name cxn1
	cfg '.linux.netDevices = {"cxn0": {}} | .linux.namespaces |= map(select(.type != "network"))'
	run --separate-stderr calyx_in_ns run -b "$BUNDLE" "$ID"
	expect_error 'network namespace of its own'
	ip -n "$NETNS" link show cxn0 >/dev/null
	assert_nothing_left "$ID"
}

@test "network: bundle-less --net veth gives eth0 the second address of the /30" {
	calyx_only
	run calyx_in_ns run --rootfs "$ROOTFS" --net veth:10.201.0.0/30 --cap-add NET_RAW -- \
		sh -c 'cat /proc/net/fib_trie; cat /sys/class/net/eth0/operstate; ping -c1 -W2 10.201.0.1 >/dev/null && echo ping-ok'
	expect_status 0
	contains "10.201.0.2"
	has_line up
	has_line ping-ok
	# the host end is gone once the run is over
	[ -z "$(ip -n "$NETNS" -o link show | grep ' cx[hc]')" ] ||
		fail "veth left: $(ip -n "$NETNS" -o link show)"
}

@test "network: bundle-less --net none/loopback isolate, --net host shares" {
	calyx_only
	ip -n "$NETNS" link add cxh0 type veth peer name cxh1
	run calyx_in_ns run --rootfs "$ROOTFS" --net none -- cat /proc/net/dev
	expect_status 0
	[[ $output != *cxh0* ]] || fail "host device visible: $output"
	run calyx_in_ns run --rootfs "$ROOTFS" --net host -- cat /proc/net/dev
	expect_status 0
	contains "cxh0"
}

@test "network: a killed veth run leaves no device behind" {
	calyx_only
	local pid i
	nsenter --net="/run/netns/$NETNS" "$CALYX" --root "$STATE_ROOT" run \
		--rootfs "$ROOTFS" --net veth --name "sbxnet-$$" -- /bin/probe sleep 60 \
		>/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ $(state_field "sbxnet-$$" status 2>/dev/null) == running ]] && break
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" || true
	# the next run sweeps state; the veth died with the container's netns
	run calyx_in_ns run --rootfs "$ROOTFS" -- true
	expect_status 0
	for ((i = 0; i < 100; i++)); do
		[ -z "$(ip -n "$NETNS" -o link show | grep ' cx[hc]')" ] && break
		sleep 0.05
	done
	[ -z "$(ip -n "$NETNS" -o link show | grep ' cx[hc]')" ] ||
		fail "veth left: $(ip -n "$NETNS" -o link show)"
	[ ! -e "$STATE_ROOT/sbxnet-$$" ]
}
