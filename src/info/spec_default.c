/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The starter config.json `calyx spec` writes: the same content as
 * `runc spec` (so tutorials written for runc work), with hostname "calyx"
 * and the cgroup namespace always on.  --rootless applies runc's rootless
 * conversion: a user namespace mapping the caller to root, no network
 * namespace, /sys bind-mounted instead of a new sysfs, no devpts gid=,
 * no device cgroup rules.
 */
#include <unistd.h>

#include "calyx/calyx.h"
#include "util/json_writer.h"

static const char *const default_caps[] = {
	"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL,
};

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"TERM=xterm",
	NULL,
};

static const char *const masked_paths[] = {
	"/proc/acpi",		"/proc/asound",	    "/proc/kcore",
	"/proc/keys",		"/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats",	"/proc/sched_debug", "/sys/firmware",
	"/proc/scsi",		"/sys/devices/virtual/tpm", NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	NULL,
};

struct default_mount {
	const char *destination;
	const char *type;
	const char *source;
	const char *const *options;
};

static const char *const dev_opts[] = {
	"nosuid", "strictatime", "mode=755", "size=65536k", NULL,
};
static const char *const devpts_opts[] = {
	"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
	"gid=5", NULL,
};
/* A user namespace has no gid 5 mapped: mounting with gid=5 would fail. */
static const char *const devpts_rootless_opts[] = {
	"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL,
};
static const char *const shm_opts[] = {
	"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL,
};
static const char *const mqueue_opts[] = {
	"nosuid", "noexec", "nodev", NULL,
};
static const char *const sysfs_opts[] = {
	"nosuid", "noexec", "nodev", "ro", NULL,
};
/* Without a new network namespace the kernel refuses a fresh sysfs. */
static const char *const sysfs_rootless_opts[] = {
	"rbind", "nosuid", "noexec", "nodev", "ro", NULL,
};
static const char *const cgroup_opts[] = {
	"nosuid", "noexec", "nodev", "relatime", "ro", NULL,
};

static const struct default_mount mounts[] = {
	{ "/proc", "proc", "proc", NULL },
	{ "/dev", "tmpfs", "tmpfs", dev_opts },
	{ "/dev/pts", "devpts", "devpts", devpts_opts },
	{ "/dev/shm", "tmpfs", "shm", shm_opts },
	{ "/dev/mqueue", "mqueue", "mqueue", mqueue_opts },
	{ "/sys", "sysfs", "sysfs", sysfs_opts },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", cgroup_opts },
};

static const struct default_mount mounts_rootless[] = {
	{ "/proc", "proc", "proc", NULL },
	{ "/dev", "tmpfs", "tmpfs", dev_opts },
	{ "/dev/pts", "devpts", "devpts", devpts_rootless_opts },
	{ "/dev/shm", "tmpfs", "shm", shm_opts },
	{ "/dev/mqueue", "mqueue", "mqueue", mqueue_opts },
	{ "/sys", "none", "/sys", sysfs_rootless_opts },
	{ "/sys/fs/cgroup", "cgroup", "cgroup", cgroup_opts },
};

static const char *const namespaces[] = {
	"pid", "network", "ipc", "uts", "mount", "cgroup", NULL,
};
static const char *const namespaces_rootless[] = {
	"pid", "ipc", "uts", "mount", "cgroup", "user", NULL,
};

static void gen_process(struct json_writer *w)
{
	jw_key(w, "process");
	jw_map_open(w);
	jw_key_bool(w, "terminal", true);
	jw_key(w, "user");
	jw_map_open(w);
	jw_key_int(w, "uid", 0);
	jw_key_int(w, "gid", 0);
	jw_map_close(w);
	jw_key_strv(w, "args", (const char *const[]){ "sh", NULL });
	jw_key_strv(w, "env", default_env);
	jw_key_str(w, "cwd", "/");
	jw_key(w, "capabilities");
	jw_map_open(w);
	jw_key_strv(w, "bounding", default_caps);
	jw_key_strv(w, "effective", default_caps);
	jw_key_strv(w, "permitted", default_caps);
	jw_map_close(w);
	jw_key(w, "rlimits");
	jw_array_open(w);
	jw_map_open(w);
	jw_key_str(w, "type", "RLIMIT_NOFILE");
	jw_key_int(w, "hard", 1024);
	jw_key_int(w, "soft", 1024);
	jw_map_close(w);
	jw_array_close(w);
	jw_key_bool(w, "noNewPrivileges", true);
	jw_map_close(w);
}

static void gen_mounts(struct json_writer *w, bool rootless)
{
	const struct default_mount *list = rootless ? mounts_rootless : mounts;

	jw_key(w, "mounts");
	jw_array_open(w);
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		jw_map_open(w);
		jw_key_str(w, "destination", list[i].destination);
		jw_key_str(w, "type", list[i].type);
		jw_key_str(w, "source", list[i].source);
		if (list[i].options)
			jw_key_strv(w, "options", list[i].options);
		jw_map_close(w);
	}
	jw_array_close(w);
}

static void gen_id_mapping(struct json_writer *w, const char *key,
			   unsigned int host_id)
{
	jw_key(w, key);
	jw_array_open(w);
	jw_map_open(w);
	jw_key_int(w, "containerID", 0);
	jw_key_int(w, "hostID", host_id);
	jw_key_int(w, "size", 1);
	jw_map_close(w);
	jw_array_close(w);
}

static void gen_linux(struct json_writer *w, bool rootless)
{
	const char *const *ns = rootless ? namespaces_rootless : namespaces;

	jw_key(w, "linux");
	jw_map_open(w);
	if (rootless) {
		gen_id_mapping(w, "uidMappings", geteuid());
		gen_id_mapping(w, "gidMappings", getegid());
	} else {
		/* Deny every device; the runtime adds the default ones. */
		jw_key(w, "resources");
		jw_map_open(w);
		jw_key(w, "devices");
		jw_array_open(w);
		jw_map_open(w);
		jw_key_bool(w, "allow", false);
		jw_key_str(w, "access", "rwm");
		jw_map_close(w);
		jw_array_close(w);
		jw_map_close(w);
	}
	jw_key(w, "namespaces");
	jw_array_open(w);
	for (; *ns; ns++) {
		jw_map_open(w);
		jw_key_str(w, "type", *ns);
		jw_map_close(w);
	}
	jw_array_close(w);
	jw_key_strv(w, "maskedPaths", masked_paths);
	jw_key_strv(w, "readonlyPaths", readonly_paths);
	jw_map_close(w);
}

int calyx_spec_generate_default(bool rootless, char **json_out,
				calyx_error **err)
{
	struct json_writer w;

	jw_init(&w, "\t");
	jw_map_open(&w);
	jw_key_str(&w, "ociVersion", CALYX_OCI_VERSION);
	gen_process(&w);
	jw_key(&w, "root");
	jw_map_open(&w);
	jw_key_str(&w, "path", "rootfs");
	jw_key_bool(&w, "readonly", true);
	jw_map_close(&w);
	jw_key_str(&w, "hostname", "calyx");
	gen_mounts(&w, rootless);
	gen_linux(&w, rootless);
	jw_map_close(&w);
	return jw_finish(&w, true, json_out, err);
}
