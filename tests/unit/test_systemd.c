/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd driver's pure parts: D-Bus marshalling round trips, the
 * reply parser against truncated and corrupted input, bus addresses,
 * cgroupsPath and slice names, properties and annotations. */
#include <stdlib.h>
#include <string.h>

#include "cgroups/dbus.h"
#include "cgroups/systemd.h"
#include "unit.h"
#include "util/cleanup.h"

/* A StartTransientUnit call as the driver builds one. */
static void build_start(struct dbus_buf *msg)
{
	struct dbus_buf body = { 0 };
	struct dbus_array props, pids, mask, aux;
	calyx_error *err = NULL;

	dbus_put_str(&body, "calyx-x.scope");
	dbus_put_str(&body, "fail");
	props = dbus_array_open(&body, 8);
	dbus_put_prop(&body, "Delegate", "b");
	dbus_put_bool(&body, true);
	dbus_put_prop(&body, "PIDs", "au");
	pids = dbus_array_open(&body, 4);
	dbus_put_u32(&body, 4242);
	dbus_array_close(&body, pids);
	dbus_put_prop(&body, "MemoryMax", "t");
	dbus_put_u64(&body, 1ULL << 40);
	dbus_put_prop(&body, "AllowedCPUs", "ay");
	mask = dbus_array_open(&body, 1);
	dbus_put_u8(&body, 5);
	dbus_array_close(&body, mask);
	dbus_array_close(&body, props);
	aux = dbus_array_open(&body, 8);
	dbus_array_close(&body, aux);
	CHECK(dbus_build_call(msg, 7, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			      "org.freedesktop.systemd1.Manager", "StartTransientUnit",
			      "ssa(sv)a(sa(sv))", &body, &err) == 0);
	dbus_buf_release(&body);
	calyx_error_free(&err);
}

TEST(dbus_round_trip)
{
	struct dbus_buf msg;
	struct dbus_msg m;
	calyx_error *err = NULL;
	struct dbus_reader b, arr;
	const char *sig, *s;
	uint32_t n;

	build_start(&msg);
	CHECK(dbus_message_length(msg.data, 15) == 0);
	CHECK(dbus_message_length(msg.data, msg.len) == (long)msg.len);
	CHECK(dbus_parse_message(msg.data, msg.len, &m, &err) == 0);
	CHECK(m.type == DBUS_METHOD_CALL && m.serial == 7);
	CHECK(m.member && !strcmp(m.member, "StartTransientUnit"));
	CHECK(m.path && !strcmp(m.path, "/org/freedesktop/systemd1"));
	CHECK(m.signature && !strcmp(m.signature, "ssa(sv)a(sa(sv))"));
	b = m.body;
	s = dbus_get_str(&b);
	CHECK(s && !strcmp(s, "calyx-x.scope"));
	s = dbus_get_str(&b);
	CHECK(s && !strcmp(s, "fail"));
	/* walk the properties by hand: names, variant types, values */
	n = dbus_get_u32(&b);
	arr = b;
	arr.pos = (arr.pos + 7) / 8 * 8;
	arr.len = arr.pos + n;
	s = dbus_get_str(&(struct dbus_reader){ 0 });	/* bad reader: NULL */
	CHECK(s == NULL);
	{
		const char *names[4] = { 0 };
		int i = 0;

		while (arr.pos < arr.len && !arr.bad && i < 4) {
			arr.pos = (arr.pos + 7) / 8 * 8;
			names[i++] = dbus_get_str(&arr);
			sig = dbus_get_sig(&arr);
			CHECK(sig != NULL);
			if (!sig)
				break;
			if (!strcmp(sig, "t"))
				CHECK(dbus_get_u64(&arr) == 1ULL << 40);
			else
				dbus_skip(&arr, &sig);
		}
		CHECK(!arr.bad && arr.pos == arr.len && i == 4);
		CHECK(names[1] && !strcmp(names[1], "PIDs"));
		CHECK(names[3] && !strcmp(names[3], "AllowedCPUs"));
	}
	/* the whole body skips cleanly by its signature */
	b = m.body;
	sig = m.signature;
	while (*sig && !b.bad)
		dbus_skip(&b, &sig);
	CHECK(!b.bad && b.pos == b.len);
	dbus_buf_release(&msg);
	calyx_error_free(&err);
}

/* Every truncation and every single-byte corruption of a valid message:
 * parsed or refused, never read out of bounds (ASan/UBSan builds check). */
TEST(dbus_parser_hostile_input)
{
	struct dbus_buf msg;
	uint8_t *copy;
	int refused = 0;

	build_start(&msg);
	copy = malloc(msg.len);
	for (size_t cut = 0; cut < msg.len; cut++) {
		struct dbus_msg m;
		calyx_error *err = NULL;
		uint8_t *p = malloc(cut ? cut : 1);

		memcpy(p, msg.data, cut);
		if (dbus_parse_message(p, cut, &m, &err) < 0)
			refused++;
		calyx_error_free(&err);
		free(p);
	}
	CHECK(refused == (int)msg.len);
	for (size_t i = 0; i < msg.len; i++) {
		static const uint8_t flips[] = { 0x00, 0xff, 0x80, 0x01, 'a', '(' };

		for (size_t f = 0; f < sizeof(flips); f++) {
			struct dbus_msg m;
			calyx_error *err = NULL;
			long len;

			memcpy(copy, msg.data, msg.len);
			copy[i] = flips[f];
			len = dbus_message_length(copy, msg.len);
			if (len > 0 && (size_t)len <= msg.len &&
			    dbus_parse_message(copy, (size_t)len, &m, &err) == 0 && m.signature) {
				const char *sig = m.signature;

				while (*sig && !m.body.bad)
					dbus_skip(&m.body, &sig);
			}
			calyx_error_free(&err);
		}
	}
	/* and a fixed-seed storm of multi-byte corruptions */
	srand(1);
	for (int iter = 0; iter < 20000; iter++) {
		struct dbus_msg m;
		calyx_error *err = NULL;
		long len;

		memcpy(copy, msg.data, msg.len);
		for (int k = 1 + rand() % 4; k > 0; k--)
			copy[(size_t)rand() % msg.len] = (uint8_t)rand();
		len = dbus_message_length(copy, msg.len);
		if (len > 0 && (size_t)len <= msg.len &&
		    dbus_parse_message(copy, (size_t)len, &m, &err) == 0 && m.signature) {
			const char *sig = m.signature;

			while (*sig && !m.body.bad)
				dbus_skip(&m.body, &sig);
		}
		calyx_error_free(&err);
	}
	free(copy);
	dbus_buf_release(&msg);
}

TEST(dbus_signatures)
{
	CHECK(dbus_signature_valid("a(sv)", false));
	CHECK(dbus_signature_valid("ssa(sv)a(sa(sv))", true));
	CHECK(!dbus_signature_valid("ssa(sv)", false));
	CHECK(dbus_signature_valid("a{sv}", false));
	CHECK(!dbus_signature_valid("a{vs}", false));
	CHECK(!dbus_signature_valid("()", false));
	CHECK(!dbus_signature_valid("(s", false));
	CHECK(!dbus_signature_valid("a", false));
	CHECK(!dbus_signature_valid("z", true));
	{
		char deep[80];

		memset(deep, 'a', 70);
		deep[70] = 's';
		deep[71] = '\0';
		CHECK(!dbus_signature_valid(deep, false));
	}
}

TEST(dbus_addresses)
{
	char *s = NULL;
	calyx_error *err = NULL;

	CHECK(dbus_address_socket("unix:path=/run/dbus/system_bus_socket", &s, &err) == 0);
	CHECK(s && !strcmp(s, "/run/dbus/system_bus_socket"));
	free(s);
	s = NULL;
	CHECK(dbus_address_socket("tcp:host=x;unix:guid=1,path=/a%2cb,x=y", &s, &err) == 0);
	CHECK(s && !strcmp(s, "/a,b"));
	free(s);
	s = NULL;
	CHECK(dbus_address_socket("unix:abstract=/tmp/dbus-X", &s, &err) == 0);
	CHECK(s && !strcmp(s, "@/tmp/dbus-X"));
	free(s);
	s = NULL;
	CHECK(dbus_address_socket("tcp:host=localhost,port=1", &s, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "no unix:path=");
	calyx_error_free(&err);
}

static void unit_free(struct cg_systemd *sd)
{
	free(sd->unit);
	free(sd->slice);
	*sd = (struct cg_systemd){ 0 };
}

TEST(cgroups_path_forms)
{
	struct cg_systemd sd = { 0 };
	calyx_error *err = NULL;
	char *p = NULL;

	CHECK(cg_systemd_parse_path("system.slice:docker:abc", "x", false, &sd, &err) == 0);
	CHECK(sd.unit && !strcmp(sd.unit, "docker-abc.scope"));
	CHECK(sd.slice && !strcmp(sd.slice, "system.slice"));
	unit_free(&sd);
	CHECK(cg_systemd_parse_path("", "id1", false, &sd, &err) == 0);
	CHECK(sd.unit && !strcmp(sd.unit, "calyx-id1.scope"));
	CHECK(sd.slice && !strcmp(sd.slice, "system.slice"));
	unit_free(&sd);
	CHECK(cg_systemd_parse_path(NULL, "id1", true, &sd, &err) == 0);
	CHECK(sd.slice && !strcmp(sd.slice, "user.slice"));
	unit_free(&sd);
	CHECK(cg_systemd_parse_path(":pfx:n", "x", false, &sd, &err) == 0);
	CHECK(sd.unit && !strcmp(sd.unit, "pfx-n.scope"));
	CHECK(sd.slice && !strcmp(sd.slice, "system.slice"));
	unit_free(&sd);
	CHECK(cg_systemd_parse_path("machine.slice::n", "x", false, &sd, &err) == 0);
	CHECK(sd.unit && !strcmp(sd.unit, "n.scope"));
	unit_free(&sd);
	CHECK(cg_systemd_parse_path("system.slice:x:kube-pod.slice", "x", false, &sd, &err) == 0);
	CHECK(sd.unit && !strcmp(sd.unit, "kube-pod.slice"));
	unit_free(&sd);
	static const char *const bad[] = {
		"/calyx/x", "a:b", "a:b:c:d", "system.slice:x:", "system:x:y",
		"a--b.slice:x:y", "-a.slice:x:y", "a-.slice:x:y", "a/b.slice:x:y",
		"system.slice:x y:z", "system.slice:x:a/b", "system.slice:x:y=z",
		"system.slice:x:y\nz", "a\n.slice:x:y",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(cg_systemd_parse_path(bad[i], "x", false, &sd, &err) < 0);
		CHECK_CONTAINS(err ? err->msg : NULL, "linux.cgroupsPath");
		CHECK(err && !strchr(err->msg, '\n'));
		calyx_error_free(&err);
		unit_free(&sd);
	}
	CHECK(cg_systemd_expand_slice("a-b-c.slice", &p, &err) == 0);
	CHECK(p && !strcmp(p, "/a.slice/a-b.slice/a-b-c.slice"));
	free(p);
	CHECK(cg_systemd_expand_slice("-.slice", &p, &err) == 0);
	CHECK(p && !strcmp(p, ""));
	free(p);
	CHECK(cg_systemd_expand_slice("system.slice", &p, &err) == 0);
	CHECK(p && !strcmp(p, "/system.slice"));
	free(p);
	calyx_error_free(&err);
}

/* The properties in b: "Name=sig" joined by spaces. */
static void prop_names(const struct dbus_buf *b, char *out, size_t size)
{
	struct dbus_reader r = { .data = b->data, .len = b->len };

	out[0] = '\0';
	while (r.pos < r.len && !r.bad) {
		const char *name, *sig;

		r.pos = (r.pos + 7) / 8 * 8;
		name = dbus_get_str(&r);
		sig = dbus_get_sig(&r);
		if (!name || !sig)
			break;
		snprintf(out + strlen(out), size - strlen(out), "%s%s=%s", out[0] ? " " : "",
			 name, sig);
		dbus_skip(&r, &sig);
	}
	if (r.bad)
		snprintf(out, size, "(bad)");
}

/* The uint64 value of property name in b. */
static uint64_t prop_u64(const struct dbus_buf *b, const char *want)
{
	struct dbus_reader r = { .data = b->data, .len = b->len };

	while (r.pos < r.len && !r.bad) {
		const char *name, *sig;

		r.pos = (r.pos + 7) / 8 * 8;
		name = dbus_get_str(&r);
		sig = dbus_get_sig(&r);
		if (!name || !sig)
			break;
		if (!strcmp(name, want) && !strcmp(sig, "t"))
			return dbus_get_u64(&r);
		dbus_skip(&r, &sig);
	}
	return 0;
}

TEST(resource_properties)
{
	struct calyx_memory mem = { .has_limit = true, .limit = 1 << 20,
				    .has_swap = true, .swap = 3 << 20 };
	struct calyx_cpu cpu = { .has_shares = true, .shares = 1024, .has_quota = true,
				 .quota = 33333, .has_period = true, .period = 100000,
				 .cpus = "0-2,9" };
	struct calyx_resources r = { .memory = &mem, .cpu = &cpu, .has_pids_limit = true,
				     .pids_limit = -1 };
	struct dbus_buf b = { 0 };
	calyx_error *err = NULL;
	char names[512];
	size_t n = 0;

	CHECK(cg_systemd_resource_props(&b, &r, &n, &err) == 0);
	prop_names(&b, names, sizeof(names));
	CHECK_CONTAINS(names, "MemoryMax=t MemorySwapMax=t CPUWeight=t CPUQuotaPeriodUSec=t CPUQuotaPerSecUSec=t AllowedCPUs=ay TasksMax=t");
	CHECK(n == 7);
	CHECK(prop_u64(&b, "MemorySwapMax") == 2 << 20);
	/* 333330 us per second, rounded up to systemd's 1% steps */
	CHECK(prop_u64(&b, "CPUQuotaPerSecUSec") == 340000);
	CHECK(prop_u64(&b, "CPUWeight") == 39);
	CHECK(prop_u64(&b, "TasksMax") == UINT64_MAX);
	dbus_buf_release(&b);
	cpu.cpus = "0-";
	CHECK(cg_systemd_resource_props(&b, &r, &n, &err) < 0);
	CHECK_CONTAINS(err ? err->msg : NULL, "linux.resources.cpu.cpus");
	dbus_buf_release(&b);
	calyx_error_free(&err);
}

TEST(annotations_strict)
{
	static const struct {
		const char *key, *value, *expect;	/* expect: props or an error */
	} cases[] = {
		{ "org.systemd.property.TimeoutStopSec", "1min 30s", "TimeoutStopUSec=t" },
		{ "org.systemd.property.CollectMode", "'inactive-or-failed'", "CollectMode=s" },
		{ "org.systemd.property.MemoryHigh", "infinity", "MemoryHigh=t" },
		{ "org.systemd.property.CPUWeight", "uint64 100", "CPUWeight=t" },
		{ "org.systemd.property.IOAccounting", "true", "IOAccounting=b" },
		{ "io.kubernetes.other", "ExecStart=/bin/sh", "" },
		{ "org.systemd.property.ExecStopPost", "['/bin/sh']", "ExecStopPost is not a unit property" },
		{ "org.systemd.property.Delegate", "false", "Delegate is not a unit property" },
		{ "org.systemd.property.", "x", "(empty) is not a unit property" },
		{ "org.systemd.property.TasksMax", "5\nExecStart=/x", "not a valid unsigned number" },
		{ "org.systemd.property.CPUWeight", "infinity", "not a valid unsigned number" },
		{ "org.systemd.property.CPUWeight", "-1", "not a valid" },
		{ "org.systemd.property.CollectMode", "'inactive'; x", "not a valid CollectMode" },
		{ "org.systemd.property.TimeoutStopSec", "5 parsecs", "not a valid time span" },
		{ "org.systemd.property.IOAccounting", "yes", "not a valid boolean" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct calyx_kv kv = { (char *)cases[i].key, (char *)cases[i].value };
		struct dbus_buf b = { 0 };
		calyx_error *err = NULL;
		char names[256];
		size_t n = 0;
		int r = cg_systemd_annotation_props(&b, &kv, 1, &n, &err);

		if (strchr(cases[i].expect, '=') || !cases[i].expect[0]) {
			CHECK(r == 0);
			prop_names(&b, names, sizeof(names));
			CHECK(!strcmp(names, cases[i].expect));
			if (strcmp(names, cases[i].expect))
				printf("# %s: got \"%s\"\n", cases[i].key, names);
		} else {
			CHECK(r < 0);
			CHECK_CONTAINS(err ? err->msg : NULL, cases[i].key);
			CHECK_CONTAINS(err ? err->msg : NULL, cases[i].expect);
			/* one line, whatever the value holds */
			CHECK(err && !strchr(err->msg, '\n'));
		}
		calyx_error_free(&err);
		dbus_buf_release(&b);
	}
	{
		struct calyx_kv kv = { "org.systemd.property.TimeoutStopSec", "1min 30.5s" };
		struct dbus_buf b = { 0 };
		calyx_error *err = NULL;
		size_t n = 0;

		CHECK(cg_systemd_annotation_props(&b, &kv, 1, &n, &err) == 0);
		CHECK(prop_u64(&b, "TimeoutStopUSec") == 90500000);
		dbus_buf_release(&b);
	}
}

/* The user's manager: what its delegated controllers cannot hold. */
TEST(user_manager_controllers)
{
	unsigned int user = CG_BIT(CG_MEMORY) | CG_BIT(CG_PIDS) | CG_BIT(CG_CPU);
	struct calyx_memory mem = { .has_limit = true, .limit = 1 << 26 };
	struct calyx_cpu cpu = { .has_shares = true, .shares = 512 };
	struct calyx_block_io bio = { 0 };
	struct calyx_kv io_max = { "io.max", "8:0 rbps=1" };
	struct calyx_kv mem_high = { "memory.high", "1000000" };
	struct calyx_resources r = { .memory = &mem, .has_pids_limit = true, .pids_limit = 9 };
	enum cg_controller c = CG__COUNT;

	CHECK(cg_resources_missing(NULL, 0, &c) == NULL);
	CHECK(cg_resources_missing(&r, user, &c) == NULL);
	r.cpu = &cpu;
	CHECK(cg_resources_missing(&r, user, &c) == NULL);
	/* the field as linux.resources names it, the controller as v2 does */
	CHECK(cg_resources_missing(&r, CG_BIT(CG_MEMORY) | CG_BIT(CG_PIDS), &c) != NULL);
	CHECK(c == CG_CPU);
	r.block_io = &bio;
	CHECK(strcmp(cg_resources_missing(&r, user, &c), "blockIO") == 0);
	CHECK(c == CG_BLKIO && strcmp(cg_controller_name(c, true), "io") == 0);
	r.block_io = NULL;
	r.unified = &mem_high;
	r.n_unified = 1;
	CHECK(cg_resources_missing(&r, user, &c) == NULL);
	r.unified = &io_max;
	CHECK(strcmp(cg_resources_missing(&r, user, &c), "unified") == 0);
	CHECK(c == CG_BLKIO);
	/* device rules need no controller */
	CHECK(cg_resources_missing(&(struct calyx_resources){ .n_devices = 1 }, 0, &c) == NULL);
}

int main(void)
{
	RUN(dbus_round_trip);
	RUN(dbus_parser_hostile_input);
	RUN(dbus_signatures);
	RUN(dbus_addresses);
	RUN(cgroups_path_forms);
	RUN(resource_properties);
	RUN(annotations_strict);
	RUN(user_manager_controllers);
	return unit_summary("unit/systemd");
}
