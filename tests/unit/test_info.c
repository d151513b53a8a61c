/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "calyx/calyx.h"
#include "unit.h"
#include "util/cleanup.h"

/* The string a node holds, "" for anything else. */
static const char *str_of(yajl_val v)
{
	return v && YAJL_IS_STRING(v) ? v->u.string : "";
}

/* Parse text as JSON; NULL (and a failed check) if it does not parse. */
static yajl_val parse_json(const char *text)
{
	char errbuf[256];
	yajl_val tree = yajl_tree_parse(text, errbuf, sizeof(errbuf));

	if (!tree)
		fprintf(stderr, "JSON parse error: %s\n", errbuf);
	CHECK(tree != NULL);
	return tree;
}

static yajl_val get(yajl_val tree, yajl_type type, ...)
{
	const char *path[8];
	va_list ap;
	size_t n = 0;

	va_start(ap, type);
	while (n < 7 && (path[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	path[n] = NULL;
	return yajl_tree_get(tree, path, type);
}

static bool array_has_string(yajl_val array, const char *s)
{
	if (!YAJL_IS_ARRAY(array))
		return false;
	for (size_t i = 0; i < array->u.array.len; i++) {
		yajl_val v = array->u.array.values[i];

		if (strcmp(str_of(v), s) == 0)
			return true;
	}
	return false;
}

/* The "type" of each element of linux.namespaces, comma-joined. */
static void namespace_list(yajl_val tree, char *out, size_t size)
{
	yajl_val ns = get(tree, yajl_t_array, "linux", "namespaces", NULL);

	out[0] = '\0';
	CHECK(ns != NULL);
	for (size_t i = 0; ns && i < ns->u.array.len; i++) {
		const char *path[] = { "type", NULL };
		yajl_val t = yajl_tree_get(ns->u.array.values[i], path,
					   yajl_t_string);

		if (i)
			strncat(out, ",", size - strlen(out) - 1);
		strncat(out, t ? str_of(t) : "?",
			size - strlen(out) - 1);
	}
}

TEST(spec_default_has_runc_content)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *json = NULL;
	yajl_val tree, v;
	char ns[128];

	CHECK(calyx_spec_generate_default(false, &json, &err) == 0);
	CHECK(err == NULL);
	if (!json)
		return;
	CHECK(strncmp(json, "{\n\t\"ociVersion\": ", 17) == 0);
	tree = parse_json(json);
	if (!tree)
		return;
	v = get(tree, yajl_t_string, "ociVersion", NULL);
	CHECK_STR(str_of(v), "1.3.0");
	v = get(tree, yajl_t_string, "root", "path", NULL);
	CHECK_STR(str_of(v), "rootfs");
	CHECK(YAJL_IS_TRUE(get(tree, yajl_t_true, "root", "readonly", NULL)));
	CHECK(YAJL_IS_TRUE(get(tree, yajl_t_true, "process", "terminal", NULL)));
	CHECK(YAJL_IS_TRUE(get(tree, yajl_t_true, "process", "noNewPrivileges",
			       NULL)));
	v = get(tree, yajl_t_string, "hostname", NULL);
	CHECK_STR(str_of(v), "calyx");
	v = get(tree, yajl_t_string, "process", "cwd", NULL);
	CHECK_STR(str_of(v), "/");
	CHECK(array_has_string(get(tree, yajl_t_array, "process", "args", NULL),
			       "sh"));
	CHECK(array_has_string(get(tree, yajl_t_array, "process", "env", NULL),
			       "TERM=xterm"));
	CHECK(array_has_string(get(tree, yajl_t_array, "process",
				   "capabilities", "bounding", NULL),
			       "CAP_KILL"));
	CHECK(get(tree, yajl_t_any, "process", "capabilities", "ambient",
		  NULL) == NULL);
	v = get(tree, yajl_t_array, "process", "rlimits", NULL);
	CHECK(v && v->u.array.len == 1);
	v = get(tree, yajl_t_array, "mounts", NULL);
	CHECK(v && v->u.array.len == 7);
	CHECK(array_has_string(get(tree, yajl_t_array, "linux", "maskedPaths",
				   NULL),
			       "/proc/kcore"));
	CHECK(array_has_string(get(tree, yajl_t_array, "linux",
				   "readonlyPaths", NULL),
			       "/proc/sys"));
	CHECK(get(tree, yajl_t_array, "linux", "resources", "devices", NULL));
	CHECK(get(tree, yajl_t_any, "linux", "uidMappings", NULL) == NULL);
	namespace_list(tree, ns, sizeof(ns));
	CHECK_STR(ns, "pid,network,ipc,uts,mount,cgroup");
	yajl_tree_free(tree);
}

TEST(spec_rootless_maps_caller)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *json = NULL;
	yajl_val tree, mappings, mounts, v;
	char ns[128];

	CHECK(calyx_spec_generate_default(true, &json, &err) == 0);
	if (!json)
		return;
	tree = parse_json(json);
	if (!tree)
		return;
	namespace_list(tree, ns, sizeof(ns));
	CHECK_STR(ns, "pid,ipc,uts,mount,cgroup,user");
	mappings = get(tree, yajl_t_array, "linux", "uidMappings", NULL);
	CHECK(mappings && mappings->u.array.len == 1);
	if (mappings && mappings->u.array.len == 1) {
		const char *host[] = { "hostID", NULL };

		v = yajl_tree_get(mappings->u.array.values[0], host,
				  yajl_t_number);
		CHECK(v && YAJL_GET_INTEGER(v) == (long long)geteuid());
	}
	CHECK(get(tree, yajl_t_array, "linux", "gidMappings", NULL));
	CHECK(get(tree, yajl_t_any, "linux", "resources", NULL) == NULL);
	mounts = get(tree, yajl_t_array, "mounts", NULL);
	CHECK(mounts && mounts->u.array.len == 7);
	for (size_t i = 0; mounts && i < mounts->u.array.len; i++) {
		const char *dst[] = { "destination", NULL };
		const char *opts[] = { "options", NULL };
		yajl_val m = mounts->u.array.values[i];
		yajl_val d = yajl_tree_get(m, dst, yajl_t_string);
		yajl_val o = yajl_tree_get(m, opts, yajl_t_array);

		CHECK(!array_has_string(o, "gid=5"));
		if (strcmp(str_of(d), "/sys") == 0)
			CHECK(array_has_string(o, "rbind"));
	}
	yajl_tree_free(tree);
}

TEST(features_lists_what_calyx_knows)
{
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *json = NULL;
	yajl_val tree, v;

	CHECK(calyx_features_json(&json, &err) == 0);
	if (!json)
		return;
	tree = parse_json(json);
	if (!tree)
		return;
	v = get(tree, yajl_t_string, "ociVersionMin", NULL);
	CHECK_STR(str_of(v), "1.0.0");
	v = get(tree, yajl_t_string, "ociVersionMax", NULL);
	CHECK_STR(str_of(v), "1.3.0");
	v = get(tree, yajl_t_array, "hooks", NULL);
	CHECK(v && v->u.array.len == 6);
	CHECK(array_has_string(v, "createContainer"));
	CHECK(array_has_string(get(tree, yajl_t_array, "mountOptions", NULL),
			       "rbind"));
	v = get(tree, yajl_t_array, "linux", "namespaces", NULL);
	CHECK(v && v->u.array.len == 8);
	CHECK(array_has_string(v, "time"));
	v = get(tree, yajl_t_array, "linux", "capabilities", NULL);
	CHECK(array_has_string(v, "CAP_CHOWN"));
	CHECK(array_has_string(v, "CAP_SYS_ADMIN"));
	CHECK(array_has_string(v, "CAP_CHECKPOINT_RESTORE"));
	CHECK(YAJL_IS_TRUE(get(tree, yajl_t_true, "linux", "cgroup", "v2",
			       NULL)));
	/* the systemd driver, with the system's and the user's manager */
	CHECK(YAJL_IS_TRUE(get(tree, yajl_t_true, "linux", "cgroup",
			       "systemd", NULL)));
	CHECK(YAJL_IS_TRUE(get(tree, yajl_t_true, "linux", "cgroup",
			       "systemdUser", NULL)));
	CHECK(array_has_string(get(tree, yajl_t_array, "potentiallyUnsafeConfigAnnotations",
				   NULL),
			       "org.systemd.property."));
	CHECK(YAJL_IS_TRUE(get(tree, yajl_t_true, "linux", "seccomp",
			       "enabled", NULL)));
	CHECK(array_has_string(get(tree, yajl_t_array, "linux", "seccomp",
				   "actions", NULL),
			       "SCMP_ACT_ALLOW"));
	CHECK(array_has_string(get(tree, yajl_t_array, "linux", "seccomp",
				   "operators", NULL),
			       "SCMP_CMP_EQ"));
	CHECK(array_has_string(get(tree, yajl_t_array, "linux", "seccomp",
				   "archs", NULL),
			       "SCMP_ARCH_X86_64"));
	CHECK(get(tree, yajl_t_array, "linux", "seccomp", "supportedFlags",
		  NULL));
	CHECK(YAJL_IS_FALSE(get(tree, yajl_t_false, "linux", "intelRdt",
				"enabled", NULL)));
	v = get(tree, yajl_t_string, "annotations", "io.github.calyx.version",
		NULL);
	CHECK_STR(str_of(v), "0.1.0");
	yajl_tree_free(tree);
}

int main(void)
{
	RUN(spec_default_has_runc_content);
	RUN(spec_rootless_maps_caller);
	RUN(features_lists_what_calyx_knows);
	return unit_summary("unit/info");
}
