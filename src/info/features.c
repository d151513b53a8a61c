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
#include <string.h>
#include <sys/capability.h>

#include "calyx/calyx.h"
#include "config.h"
#include "git_commit.h"
#include "seccomp/seccomp.h"
#include "util/json_writer.h"

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
/* "key": { "enabled": value } */
static void key_enabled(struct json_writer *w, const char *key, bool value)
{
	jw_key(w, key);
	jw_map_open(w);
	jw_key_bool(w, "enabled", value);
	jw_map_close(w);
}

static void gen_capabilities(struct json_writer *w)
{
	jw_key(w, "capabilities");
	jw_array_open(w);
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
		jw_str(w, upper);
	}
	jw_array_close(w);
}

static void gen_seccomp(struct json_writer *w)
{
	const char *const *flags = calyx_seccomp_supported_flags();
	unsigned int api_level = (unsigned int)seccomp_api_get();

	jw_key(w, "seccomp");
	jw_map_open(w);
	jw_key_bool(w, "enabled", true);
	jw_key_strv(w, "actions", calyx_seccomp_supported_actions());
	jw_key_strv(w, "operators", calyx_seccomp_supported_operators());
	jw_key_strv(w, "archs", calyx_seccomp_supported_archs());
	jw_key_strv(w, "knownFlags", flags);
	jw_key(w, "supportedFlags");
	jw_array_open(w);
	for (; flags && *flags; flags++)
		if (seccomp_flag_usable(*flags, api_level))
			jw_str(w, *flags);
	jw_array_close(w);
	jw_map_close(w);
}

static const char *const unsafe_annotations[] = { "org.systemd.property.", NULL };

static void gen_linux(struct json_writer *w)
{
	jw_key(w, "linux");
	jw_map_open(w);
	jw_key_strv(w, "namespaces", namespaces);
	gen_capabilities(w);
	jw_key(w, "cgroup");
	jw_map_open(w);
	jw_key_bool(w, "v1", true);
	jw_key_bool(w, "v2", true);
	jw_key_bool(w, "systemd", true);
	jw_key_bool(w, "systemdUser", true);
	jw_key_bool(w, "rdma", true);
	jw_map_close(w);
	gen_seccomp(w);
	key_enabled(w, "apparmor", true);
	key_enabled(w, "selinux", true);
	key_enabled(w, "intelRdt", false);
	jw_key(w, "mountExtensions");
	jw_map_open(w);
	/* bind mounts only: other filesystems are refused with a clear error */
	key_enabled(w, "idmap", true);
	jw_map_close(w);
	key_enabled(w, "netDevices", true);
	jw_map_close(w);
}

int calyx_features_json(char **json_out, calyx_error **err)
{
	const struct scmp_version *v = seccomp_version();
	char seccomp_ver[48];
	struct json_writer w;

	snprintf(seccomp_ver, sizeof(seccomp_ver), "%u.%u.%u", v->major,
		 v->minor, v->micro);
	jw_init(&w, "    ");
	jw_map_open(&w);
	jw_key_str(&w, "ociVersionMin", "1.0.0");
	jw_key_str(&w, "ociVersionMax", CALYX_OCI_VERSION);
	jw_key_strv(&w, "hooks", hooks);
	jw_key_strv(&w, "mountOptions", mount_options);
	gen_linux(&w);
	jw_key(&w, "annotations");
	jw_map_open(&w);
	jw_key_str(&w, "io.github.calyx.commit", CALYX_GIT_COMMIT);
	jw_key_str(&w, "io.github.calyx.version", CALYX_VERSION);
	jw_key_str(&w, "io.github.seccomp.libseccomp.version", seccomp_ver);
	/* runc's key, which engines look for: checkpoint/restore through
	 * CRIU (found in $PATH when used) */
	jw_key_str(&w, "org.opencontainers.runc.checkpoint.enabled", "true");
	jw_map_close(&w);
	/* features.md: they pass unit properties to systemd (checked strictly,
	 * but an engine that filters untrusted annotations should know) */
	jw_key_strv(&w, "potentiallyUnsafeConfigAnnotations", unsafe_annotations);
	jw_map_close(&w);
	return jw_finish(&w, true, json_out, err);
}
