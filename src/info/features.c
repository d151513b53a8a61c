/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `calyx features` (features.md, features-linux.md).  Everything listed is
 * what this build recognizes, independent of the host, except
 * seccomp.supportedFlags, which by definition also depends on the kernel
 * and libseccomp in use.
 */
#include <ctype.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/capability.h>

#include "calyx/calyx.h"
#include "config.h"
#include "git_commit.h"
#include "info/json_gen.h"
#include "seccomp/seccomp.h"

static const char *const hooks[] = {
	"prestart",	  "createRuntime", "createContainer",
	"startContainer", "poststart",	   "poststop",
	NULL,
};

/* The options table of config.md that the mount code applies (idmap and
 * ridmap on bind mounts, made by the runtime: src/rootfs/idmap.c). */
static const char *const mount_options[] = {
	"async",	  "atime",	 "bind",	 "defaults",
	"dev",		  "diratime",	 "dirsync",	 "exec",
	"idmap",	  "iversion",	 "lazytime",	 "loud",
	"mand",		  "noatime",	 "nodev",	 "nodiratime",
	"noexec",	  "noiversion",	 "nolazytime",	 "nomand",
	"norelatime",	  "nostrictatime", "nosuid",	 "nosymfollow",
	"private",	  "ratime",	 "rbind",	 "rdev",
	"rdiratime",	  "relatime",	 "remount",	 "rexec",
	"ridmap",	  "rnoatime",	 "rnodev",	 "rnodiratime",
	"rnoexec",	  "rnorelatime", "rnostrictatime", "rnosuid",
	"rnosymfollow",	  "ro",		 "rprivate",	 "rrelatime",
	"rro",		  "rrw",	 "rshared",	 "rslave",
	"rstrictatime",	  "rsuid",	 "rsymfollow",	 "runbindable",
	"rw",		  "shared",	 "silent",	 "slave",
	"strictatime",	  "suid",	 "symfollow",	 "sync",
	"tmpcopyup",	  "unbindable",	 NULL,
};

static const char *const namespaces[] = {
	"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL,
};

/* The seccomp API level (seccomp_api_get) each filter flag needs. */
struct seccomp_flag_level {
	const char *name;
	unsigned int api_level;
};

static const struct seccomp_flag_level seccomp_flag_levels[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", 2 },
	{ "SECCOMP_FILTER_FLAG_LOG", 3 },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4 },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 7 },
};

static bool seccomp_flag_usable(const char *name, unsigned int api_level)
{
	for (size_t i = 0; i < sizeof(seccomp_flag_levels) /
				       sizeof(seccomp_flag_levels[0]);
	     i++)
		if (strcmp(seccomp_flag_levels[i].name, name) == 0)
			return api_level >= seccomp_flag_levels[i].api_level;
	return false;
}

/* Every capability libcap can name, upper-cased as config.json spells it.
 * cap_to_name() falls back to a bare number past the library's table. */
static void gen_capabilities(struct json_out *jo)
{
	jo_key(jo, "capabilities");
	jo_array_open(jo);
	for (cap_value_t cap = 0; cap < 64; cap++) {
		char *name = cap_to_name(cap);
		char upper[64];
		size_t i;

		if (!name)
			break;
		if (isdigit((unsigned char)name[0])) {
			cap_free(name);
			break;
		}
		for (i = 0; name[i] && i < sizeof(upper) - 1; i++)
			upper[i] = (char)toupper((unsigned char)name[i]);
		upper[i] = '\0';
		cap_free(name);
		jo_str(jo, upper);
	}
	jo_array_close(jo);
}

static void gen_seccomp(struct json_out *jo)
{
	const char *const *flags = calyx_seccomp_supported_flags();
	unsigned int api_level = (unsigned int)seccomp_api_get();

	jo_key(jo, "seccomp");
	jo_map_open(jo);
	jo_key_bool(jo, "enabled", true);
	jo_key_strv(jo, "actions", calyx_seccomp_supported_actions());
	jo_key_strv(jo, "operators", calyx_seccomp_supported_operators());
	jo_key_strv(jo, "archs", calyx_seccomp_supported_archs());
	jo_key_strv(jo, "knownFlags", flags);
	jo_key(jo, "supportedFlags");
	jo_array_open(jo);
	for (; flags && *flags; flags++)
		if (seccomp_flag_usable(*flags, api_level))
			jo_str(jo, *flags);
	jo_array_close(jo);
	jo_map_close(jo);
}

static const char *const unsafe_annotations[] = { "org.systemd.property.", NULL };

static void gen_linux(struct json_out *jo)
{
	jo_key(jo, "linux");
	jo_map_open(jo);
	jo_key_strv(jo, "namespaces", namespaces);
	gen_capabilities(jo);
	jo_key(jo, "cgroup");
	jo_map_open(jo);
	jo_key_bool(jo, "v1", true);
	jo_key_bool(jo, "v2", true);
	jo_key_bool(jo, "systemd", true);
	jo_key_bool(jo, "systemdUser", false);
	jo_key_bool(jo, "rdma", true);
	jo_map_close(jo);
	gen_seccomp(jo);
	jo_key_enabled(jo, "apparmor", true);
	jo_key_enabled(jo, "selinux", true);
	jo_key_enabled(jo, "intelRdt", false);
	jo_key(jo, "mountExtensions");
	jo_map_open(jo);
	/* bind mounts only: other filesystems are refused with a clear error */
	jo_key_enabled(jo, "idmap", true);
	jo_map_close(jo);
	jo_key_enabled(jo, "netDevices", true);
	jo_map_close(jo);
}

int calyx_features_json(char **json_out, calyx_error **err)
{
	const struct scmp_version *v = seccomp_version();
	char seccomp_ver[48];
	struct json_out jo;
	int r;

	snprintf(seccomp_ver, sizeof(seccomp_ver), "%u.%u.%u", v->major,
		 v->minor, v->micro);
	r = jo_init(&jo, "    ", err);
	if (r < 0)
		return r;
	jo_map_open(&jo);
	jo_key_str(&jo, "ociVersionMin", "1.0.0");
	jo_key_str(&jo, "ociVersionMax", CALYX_OCI_VERSION);
	jo_key_strv(&jo, "hooks", hooks);
	jo_key_strv(&jo, "mountOptions", mount_options);
	gen_linux(&jo);
	jo_key(&jo, "annotations");
	jo_map_open(&jo);
	jo_key_str(&jo, "io.github.calyx.commit", CALYX_GIT_COMMIT);
	jo_key_str(&jo, "io.github.calyx.version", CALYX_VERSION);
	jo_key_str(&jo, "io.github.seccomp.libseccomp.version", seccomp_ver);
	/* runc's key, which engines look for: checkpoint/restore through
	 * CRIU (found in $PATH when used) */
	jo_key_str(&jo, "org.opencontainers.runc.checkpoint.enabled", "true");
	jo_map_close(&jo);
	/* features.md: they pass unit properties to systemd (checked strictly,
	 * but an engine that filters untrusted annotations should know) */
	jo_key_strv(&jo, "potentiallyUnsafeConfigAnnotations", unsafe_annotations);
	jo_map_close(&jo);
	return jo_finish(&jo, json_out, err);
}
