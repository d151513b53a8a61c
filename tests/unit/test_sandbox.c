/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit/sandbox: the spec serializer (parse -> serialize -> parse is the
 * identity), the bundle-less run's flag parsers and spec building, and the
 * veth CIDR parser.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calyx/spec.h"
#include "linux/network.h"
#include "sandbox/sandbox.h"
#include "spec/serialize.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include "fixtures/spec/spec_example.inc"

/* The upstream example predates 1.0.0: bumped to a version we take. */
static char *example(void)
{
	char *json = strdup(spec_example_json);
	char *v = json ? strstr(json, "0.5.0-dev") : NULL;

	if (v)
		memcpy(v, "1.3.0-dev", 9);
	return json;
}

static char *roundtrip(const char *json)
{
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	_cleanup_error_ calyx_error *err = NULL;
	char *out = NULL;

	if (calyx_spec_parse(json, strlen(json), &spec, &err) < 0) {
		fprintf(stderr, "parse: %s\n", err->msg);
		return NULL;
	}
	if (calyx_spec_serialize(spec, &out, &err) < 0) {
		fprintf(stderr, "serialize: %s\n", err->msg);
		return NULL;
	}
	return out;
}

TEST(serialize_is_a_fixpoint_of_parse)
{
	_cleanup_free_ char *ex = example();
	_cleanup_free_ char *once = roundtrip(ex);
	_cleanup_free_ char *twice = once ? roundtrip(once) : NULL;

	CHECK(once != NULL);
	CHECK(twice != NULL);
	if (once && twice)
		CHECK_STR(once, twice);
}

TEST(serialize_keeps_the_fields)
{
	_cleanup_free_ char *ex = example();
	_cleanup_free_ char *json = roundtrip(ex);
	_cleanup_spec_ struct calyx_spec *a = NULL, *b = NULL;
	_cleanup_error_ calyx_error *err = NULL;

	CHECK(json != NULL);
	if (!json)
		return;
	CHECK(calyx_spec_parse(ex, strlen(ex), &a, &err) == 0);
	CHECK(calyx_spec_parse(json, strlen(json), &b, &err) == 0);
	if (!a || !b)
		return;
	CHECK_STR(a->process->args[0], b->process->args[0]);
	CHECK(a->n_mounts == b->n_mounts);
	CHECK(a->process->n_rlimits == b->process->n_rlimits);
	CHECK(a->process->rlimits[0].hard == b->process->rlimits[0].hard);
	CHECK(a->linux_cfg->n_namespaces == b->linux_cfg->n_namespaces);
	CHECK(a->linux_cfg->n_uid_mappings == b->linux_cfg->n_uid_mappings);
	CHECK(a->linux_cfg->resources->memory->limit == b->linux_cfg->resources->memory->limit);
	CHECK(a->linux_cfg->resources->n_devices == b->linux_cfg->resources->n_devices);
	CHECK(a->linux_cfg->seccomp->n_syscalls == b->linux_cfg->seccomp->n_syscalls);
	CHECK(a->hooks[CALYX_HOOK_PRESTART].n == b->hooks[CALYX_HOOK_PRESTART].n);
	CHECK(a->n_annotations == b->n_annotations);
	CHECK_CONTAINS(json, "\"ociVersion\"");
}

TEST(serialize_large_unsigned_values)
{
	const char *in = "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},"
			 "\"process\":{\"args\":[\"x\"],\"cwd\":\"/\",\"rlimits\":"
			 "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":18446744073709551615,"
			 "\"hard\":18446744073709551615}]},"
			 "\"linux\":{\"netDevices\":{\"eth1\":{\"name\":\"ct1\"}},"
			 "\"timeOffsets\":{\"monotonic\":{\"secs\":-5,\"nanosecs\":7}}}}";
	_cleanup_free_ char *out = roundtrip(in);

	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_CONTAINS(out, "18446744073709551615");
	CHECK_CONTAINS(out, "\"ct1\"");
	CHECK_CONTAINS(out, "-5");
}

TEST(size_parser)
{
	_cleanup_error_ calyx_error *err = NULL;
	int64_t v = 0;

	CHECK(sandbox_parse_size("512m", &v, &err) == 0 && v == 512LL << 20);
	CHECK(sandbox_parse_size("2G", &v, &err) == 0 && v == 2LL << 30);
	CHECK(sandbox_parse_size("1024", &v, &err) == 0 && v == 1024);
	CHECK(sandbox_parse_size("64MiB", &v, &err) < 0);
	calyx_error_free(&err);
	CHECK(sandbox_parse_size("64mb", &v, &err) == 0 && v == 64LL << 20);
	CHECK(sandbox_parse_size("-1", &v, &err) < 0);
	calyx_error_free(&err);
	CHECK(sandbox_parse_size("0", &v, &err) < 0);
	calyx_error_free(&err);
	/* shared by --memory and --tmpfs: the caller names the flag */
	CHECK(sandbox_parse_size("12q", &v, &err) < 0);
	CHECK_CONTAINS(err->msg, "invalid size \"12q\"");
	calyx_error_free(&err);
	{
		const struct calyx_sandbox_options in = { .rootfs = "/", .memory = "12q" };
		struct sandbox_options o;

		CHECK(sandbox_options_parse(&in, &o, &err) < 0);
		CHECK_CONTAINS(err ? err->msg : NULL, "--memory: invalid size");
		calyx_error_free(&err);
	}
	CHECK(sandbox_parse_size("99999999999t", &v, &err) < 0);
}

TEST(cpus_parser)
{
	_cleanup_error_ calyx_error *err = NULL;
	int64_t q = 0;

	CHECK(sandbox_parse_cpus("1.5", &q, &err) == 0 && q == 150000);
	CHECK(sandbox_parse_cpus("2", &q, &err) == 0 && q == 200000);
	CHECK(sandbox_parse_cpus("0.01", &q, &err) == 0 && q == 1000);
	CHECK(sandbox_parse_cpus("0.001", &q, &err) < 0);
	calyx_error_free(&err);
	CHECK(sandbox_parse_cpus("1.", &q, &err) == 0 && q == 100000);
	CHECK(sandbox_parse_cpus("", &q, &err) < 0);
	calyx_error_free(&err);
	CHECK(sandbox_parse_cpus("1,5", &q, &err) < 0);
}

TEST(veth_cidr_parser)
{
	_cleanup_error_ calyx_error *err = NULL;
	struct in_addr h, p;
	char buf[INET_ADDRSTRLEN];
	static const char *const bad[] = {
		"10.0.0.1/24", "10.0.0.2/30", "10.0.0.3/30", "010.0.0.1/30",
		"10.0.0.256/30", "10.0.0/30", "10.0.0.1", "10.0.0.1/30x",
		"127.0.0.1/30", "0.0.0.1/30", "224.0.0.1/30", " 10.0.0.1/30",
		"10.0.0.1/030",
	};

	CHECK(net_parse_veth_cidr("10.200.0.1/30", &h, &p, &err) == 0);
	CHECK_STR(inet_ntop(AF_INET, &h, buf, sizeof(buf)), "10.200.0.1");
	CHECK_STR(inet_ntop(AF_INET, &p, buf, sizeof(buf)), "10.200.0.2");
	CHECK(net_parse_veth_cidr("192.168.7.8/30", &h, &p, &err) == 0);
	CHECK_STR(inet_ntop(AF_INET, &h, buf, sizeof(buf)), "192.168.7.9");
	CHECK_STR(inet_ntop(AF_INET, &p, buf, sizeof(buf)), "192.168.7.10");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(net_parse_veth_cidr(bad[i], &h, &p, &err) < 0);
		calyx_error_free(&err);
	}
}

/* The values of calyx/sandbox.h's options are checked, naming the flag. */
TEST(options_checked)
{
	static const struct {
		struct calyx_sandbox_options in;
		const char *want;
	} bad[] = {
		{ { .rootfs = "" }, "--rootfs: empty path" },
		{ { .rootfs = "/", .net = "veth:1.2.3.4/24" }, "--net: invalid veth address" },
		{ { .rootfs = "/", .net = "wifi" }, "--net: unknown mode" },
		{ { .rootfs = "/", .cpus = "0.001" }, "--cpus: invalid value" },
		{ { .rootfs = "/", .pids = "-1" }, "--pids: invalid number" },
		{ { .rootfs = "/", .timeout = "1x" }, "--timeout: invalid number" },
		{ { .rootfs = "/", .overlay_size = "big" }, "--overlay-size: invalid size" },
		{ { .rootfs = "/", .caps = "all" }, "--caps: unknown profile" },
		{ { .rootfs = "/", .workdir = "rel" }, "--workdir: rel is not an absolute path" },
		{ { .rootfs = "/", .report = "" }, "--report: empty path" },
	};
	char *binds[] = { "/a:/b", "/c:/d", NULL };
	const struct calyx_sandbox_options good = {
		.rootfs = "/", .keep_changes = "/k", .timeout = "60", .binds = binds,
	};
	_cleanup_error_ calyx_error *err = NULL;
	struct sandbox_options o;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(sandbox_options_parse(&bad[i].in, &o, &err) == -EINVAL);
		CHECK_CONTAINS(err ? err->msg : NULL, bad[i].want);
		calyx_error_free(&err);
	}
	CHECK(sandbox_options_parse(&good, &o, &err) == 0);
	CHECK(o.overlay && o.timeout_sec == 60 && o.net == SANDBOX_NET_LOOPBACK);
	CHECK(o.n_binds == 2 && o.binds == binds && !o.has_memory);
}

TEST(build_spec_from_flags)
{
	char *env[] = { "A=1", NULL }, *drop[] = { "kill", NULL };
	const struct calyx_sandbox_options in = {
		.rootfs = "/", .env = env, .user = "7:8", .net = "veth", .pids = "10",
		.cap_drop = drop, .seccomp = "unconfined",
	};
	struct sandbox_options o;
	const struct sandbox_plan plan = { .root_path = "/", .veth_peer = "cxc1" };
	char *cmd[] = { "make", "test", NULL };
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	_cleanup_error_ calyx_error *err = NULL;

	CHECK(sandbox_options_parse(&in, &o, &err) == 0);
	CHECK(sandbox_build_spec(&o, cmd, &plan, &spec, &err) == 0);
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	if (spec) {
		CHECK_STR(spec->process->args[1], "test");
		CHECK(spec->process->user.uid == 7 && spec->process->user.gid == 8);
		/* `/` without an overlay is never writable */
		CHECK(spec->root_readonly);
		CHECK(spec->linux_cfg->resources->has_pids_limit &&
		      spec->linux_cfg->resources->pids_limit == 10);
		CHECK(spec->linux_cfg->n_net_devices == 1);
		CHECK_STR(spec->linux_cfg->net_devices[0].host_name, "cxc1");
		CHECK_STR(spec->linux_cfg->net_devices[0].name, "eth0");
		CHECK(spec->linux_cfg->seccomp == NULL);
		for (char **c = spec->process->capabilities->bounding; *c; c++)
			CHECK(strcmp(*c, "CAP_KILL") != 0);
	}
}

TEST(subid_file_lookup)
{
	char path[] = "/tmp/calyx-subid-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "# comment\n"
			    "other:100000:65536\n"
			    "bad:x:10\n"
			    "zero:200000:0\n"
			    "1234:300000:1000\n"
			    "alice:400000:65536\n"
			    "alice:500000:10\n"
			    "huge:4294967290:100\n";
	uint32_t start = 0, count = 0;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
	close(fd);
	/* by name: the first range of the user */
	CHECK(sandbox_subid_range(path, "alice", 999, &start, &count) == 0);
	CHECK(start == 400000 && count == 65536);
	/* by number when the name has no entry */
	CHECK(sandbox_subid_range(path, "bob", 1234, &start, &count) == 0);
	CHECK(start == 300000 && count == 1000);
	/* malformed, empty and overflowing ranges are no ranges */
	CHECK(sandbox_subid_range(path, "bad", 1, &start, &count) == -ENOENT);
	CHECK(sandbox_subid_range(path, "zero", 1, &start, &count) == -ENOENT);
	CHECK(sandbox_subid_range(path, "huge", 1, &start, &count) == -ENOENT);
	CHECK(sandbox_subid_range(path, NULL, 1, &start, &count) == -ENOENT);
	unlink(path);
	CHECK(sandbox_subid_range(path, "alice", 1, &start, &count) == -ENOENT);
}

/* A root with etc/passwd and etc/group as given (NULL: none). */
static int make_root(char *dir, const char *passwd, const char *group)
{
	char path[256];
	_cleanup_close_ int etcfd = -1;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/etc", dir);
	if (mkdir(path, 0755) < 0)
		return -1;
	etcfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (etcfd < 0 ||
	    (passwd && calyx_write_file_atomic_at(etcfd, "passwd", passwd, strlen(passwd),
						  0644, NULL) < 0) ||
	    (group && calyx_write_file_atomic_at(etcfd, "group", group, strlen(group),
						 0644, NULL) < 0))
		return -1;
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int resolve(int rootfd, const char *spec, struct calyx_user *u)
{
	_cleanup_error_ calyx_error *err = NULL;

	free(u->additional_gids);
	*u = (struct calyx_user){ 0 };
	return sandbox_resolve_user(rootfd, spec, u, &err);
}

TEST(user_lookup_in_the_root)
{
	char dir[] = "/tmp/calyx-user-XXXXXX", cmd[64];
	struct calyx_user u = { 0 };
	int rootfd = make_root(dir,
			       "root:x:0:0:root:/root:/bin/sh\n"
			       "broken line\n"
			       "neg:x:-1:5::/:/bin/sh\n"
			       "big:x:4294967295:5::/:/bin/sh\n"
			       "app:x:1000:1000::/home/app:/bin/sh\n"
			       "app:x:2000:2000::/dup:/bin/sh\n",
			       "app:x:1000:\n"
			       "wheel:x:10:root,app\n"
			       "audio:x:29:app\n"
			       "video:x:44:root\n"
			       "bad:x:abc:app\n");

	CHECK(rootfd >= 0);
	if (rootfd < 0)
		return;
	/* a name: its passwd entry (the first), group and member groups */
	CHECK(resolve(rootfd, "app", &u) == 0);
	CHECK(u.uid == 1000 && u.gid == 1000);
	CHECK(u.n_additional_gids == 2 && u.additional_gids[0] == 10 &&
	      u.additional_gids[1] == 29);
	/* a group given: no member groups (as runc) */
	CHECK(resolve(rootfd, "app:wheel", &u) == 0);
	CHECK(u.uid == 1000 && u.gid == 10 && u.n_additional_gids == 0);
	/* numbers need no lookup; a number alone is its own group */
	CHECK(resolve(rootfd, "42", &u) == 0);
	CHECK(u.uid == 42 && u.gid == 42);
	CHECK(resolve(rootfd, "42:audio", &u) == 0);
	CHECK(u.uid == 42 && u.gid == 29);
	/* malformed entries and ids out of range are no entries */
	CHECK(resolve(rootfd, "neg", &u) == -ENOENT);
	CHECK(resolve(rootfd, "big", &u) == -ENOENT);
	CHECK(resolve(rootfd, "broken line", &u) == -ENOENT);
	CHECK(resolve(rootfd, "app:bad", &u) == -ENOENT);
	CHECK(resolve(rootfd, "nobody", &u) == -ENOENT);
	CHECK(resolve(rootfd, "", &u) == -EINVAL);
	CHECK(resolve(rootfd, "app:", &u) == -EINVAL);
	CHECK(resolve(rootfd, "4294967295", &u) == -ENOENT);
	free(u.additional_gids);
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	RUN(serialize_is_a_fixpoint_of_parse);
	RUN(serialize_keeps_the_fields);
	RUN(serialize_large_unsigned_values);
	RUN(size_parser);
	RUN(cpus_parser);
	RUN(veth_cidr_parser);
	RUN(options_checked);
	RUN(build_spec_from_flags);
	RUN(subid_file_lookup);
	RUN(user_lookup_in_the_root);
	return unit_summary("unit/sandbox");
}
