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
#include "info/json_gen.h"

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

static void gen_process(struct json_out *jo)
{
	jo_key(jo, "process");
	jo_map_open(jo);
	jo_key_bool(jo, "terminal", true);
	jo_key(jo, "user");
	jo_map_open(jo);
	jo_key_int(jo, "uid", 0);
	jo_key_int(jo, "gid", 0);
	jo_map_close(jo);
	jo_key_strv(jo, "args", (const char *const[]){ "sh", NULL });
	jo_key_strv(jo, "env", default_env);
	jo_key_str(jo, "cwd", "/");
	jo_key(jo, "capabilities");
	jo_map_open(jo);
	jo_key_strv(jo, "bounding", default_caps);
	jo_key_strv(jo, "effective", default_caps);
	jo_key_strv(jo, "permitted", default_caps);
	jo_map_close(jo);
	jo_key(jo, "rlimits");
	jo_array_open(jo);
	jo_map_open(jo);
	jo_key_str(jo, "type", "RLIMIT_NOFILE");
	jo_key_int(jo, "hard", 1024);
	jo_key_int(jo, "soft", 1024);
	jo_map_close(jo);
	jo_array_close(jo);
	jo_key_bool(jo, "noNewPrivileges", true);
	jo_map_close(jo);
}

static void gen_mounts(struct json_out *jo, bool rootless)
{
	const struct default_mount *list = rootless ? mounts_rootless : mounts;

	jo_key(jo, "mounts");
	jo_array_open(jo);
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		jo_map_open(jo);
		jo_key_str(jo, "destination", list[i].destination);
		jo_key_str(jo, "type", list[i].type);
		jo_key_str(jo, "source", list[i].source);
		if (list[i].options)
			jo_key_strv(jo, "options", list[i].options);
		jo_map_close(jo);
	}
	jo_array_close(jo);
}

static void gen_id_mapping(struct json_out *jo, const char *key,
			   unsigned int host_id)
{
	jo_key(jo, key);
	jo_array_open(jo);
	jo_map_open(jo);
	jo_key_int(jo, "containerID", 0);
	jo_key_int(jo, "hostID", host_id);
	jo_key_int(jo, "size", 1);
	jo_map_close(jo);
	jo_array_close(jo);
}

static void gen_linux(struct json_out *jo, bool rootless)
{
	const char *const *ns = rootless ? namespaces_rootless : namespaces;

	jo_key(jo, "linux");
	jo_map_open(jo);
	if (rootless) {
		gen_id_mapping(jo, "uidMappings", geteuid());
		gen_id_mapping(jo, "gidMappings", getegid());
	} else {
		/* Deny every device; the runtime adds the default ones. */
		jo_key(jo, "resources");
		jo_map_open(jo);
		jo_key(jo, "devices");
		jo_array_open(jo);
		jo_map_open(jo);
		jo_key_bool(jo, "allow", false);
		jo_key_str(jo, "access", "rwm");
		jo_map_close(jo);
		jo_array_close(jo);
		jo_map_close(jo);
	}
	jo_key(jo, "namespaces");
	jo_array_open(jo);
	for (; *ns; ns++) {
		jo_map_open(jo);
		jo_key_str(jo, "type", *ns);
		jo_map_close(jo);
	}
	jo_array_close(jo);
	jo_key_strv(jo, "maskedPaths", masked_paths);
	jo_key_strv(jo, "readonlyPaths", readonly_paths);
	jo_map_close(jo);
}

int calyx_spec_generate_default(bool rootless, char **json_out,
				calyx_error **err)
{
	struct json_out jo;
	int r;

	r = jo_init(&jo, "\t", err);
	if (r < 0)
		return r;
	jo_map_open(&jo);
	jo_key_str(&jo, "ociVersion", CALYX_OCI_VERSION);
	gen_process(&jo);
	jo_key(&jo, "root");
	jo_map_open(&jo);
	jo_key_str(&jo, "path", "rootfs");
	jo_key_bool(&jo, "readonly", true);
	jo_map_close(&jo);
	jo_key_str(&jo, "hostname", "calyx");
	gen_mounts(&jo, rootless);
	gen_linux(&jo, rootless);
	jo_map_close(&jo);
	return jo_finish(&jo, json_out, err);
}
