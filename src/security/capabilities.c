/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * process.user and process.capabilities, applied in the container process
 * with raw syscalls (capset, prctl): no allocation, no library state.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/security.h"
#include "util/cleanup.h"

/* capabilities(7), indexed by number. */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

enum cap_set {
	SET_BOUNDING,
	SET_EFFECTIVE,
	SET_INHERITABLE,
	SET_PERMITTED,
	SET_AMBIENT,
	SET__COUNT,
};

static const char *const set_names[] = {
	"bounding", "effective", "inheritable", "permitted", "ambient",
};

int calyx_cap_number(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcmp(name, cap_names[i]) == 0)
			return (int)i;
	return -1;
}

static char **cap_set_list(const struct calyx_capabilities *caps, int set)
{
	switch (set) {
	case SET_BOUNDING:
		return caps->bounding;
	case SET_EFFECTIVE:
		return caps->effective;
	case SET_INHERITABLE:
		return caps->inheritable;
	case SET_PERMITTED:
		return caps->permitted;
	default:
		return caps->ambient;
	}
}

int calyx_caps_validate(const struct calyx_capabilities *caps, calyx_error **err)
{
	if (!caps)
		return 0;
	for (int set = 0; set < SET__COUNT; set++) {
		char **list = cap_set_list(caps, set);

		for (size_t i = 0; list && list[i]; i++)
			if (calyx_cap_number(list[i]) < 0)
				return calyx_error_setx(err, EINVAL,
							"process.capabilities.%s[%zu]: "
							"unknown capability \"%s\"",
							set_names[set], i, list[i]);
	}
	return 0;
}

/* The highest capability the running kernel knows: PR_CAPBSET_READ answers
 * EINVAL above it.  Usually two calls, and no /proc needed. */
static int kernel_last_cap(void)
{
	int cap = CAP_LAST_CAP;

	if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
		while (cap > 0 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			cap--;
		return cap;
	}
	while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
		cap++;
	return cap;
}

static uint64_t cap_mask(const struct calyx_capabilities *caps, int set,
			 int last_cap, const struct calyx_log *log)
{
	char **list = caps ? cap_set_list(caps, set) : NULL;
	uint64_t mask = 0;

	for (size_t i = 0; list && list[i]; i++) {
		int cap = calyx_cap_number(list[i]);

		/* The spec: what cannot be granted is a warning, not a
		 * failure. */
		if (cap < 0 || cap > last_cap) {
			calyx_warn(log, "process.capabilities.%s: %s is not "
				   "supported by the running kernel, ignored",
				   set_names[set], list[i]);
			continue;
		}
		mask |= UINT64_C(1) << cap;
	}
	return mask;
}

static int drop_bounding(uint64_t keep, int last_cap, calyx_error **err)
{
	for (int cap = 0; cap <= last_cap; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return calyx_error_set(err, errno, "dropping %s from the "
					       "bounding set", cap_names[cap]);
	}
	return 0;
}

static int set_groups(const struct calyx_user *user, calyx_error **err)
{
	char buf[16] = { 0 };
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (setgroups(user->n_additional_gids, user->additional_gids) == 0)
		return 0;
	if (errno != EPERM)
		return calyx_error_set(err, errno, "setgroups");
	/* In a user namespace whose setgroups is "deny" (an unprivileged
	 * mapping) the groups cannot change: fine unless some were asked
	 * for. */
	fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (n = read(fd, buf, sizeof(buf) - 1)) > 0 &&
	    strncmp(buf, "deny", 4) == 0) {
		if (user->n_additional_gids == 0)
			return 0;
		return calyx_error_setx(err, EPERM, "process.user.additionalGids: "
					"cannot set supplementary groups: "
					"setgroups is denied in this user "
					"namespace");
	}
	return calyx_error_set(err, EPERM, "setgroups");
}

static int set_ids(const struct calyx_user *user, calyx_error **err)
{
	int r;

	/* Keep the permitted set across the switch away from uid 0; the
	 * capset below then trims it to exactly what was asked. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return calyx_error_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	r = set_groups(user, err);
	if (r < 0)
		return r;
	if (setresgid(user->gid, user->gid, user->gid) < 0)
		return calyx_error_set(err, errno, "setresgid(%u)", user->gid);
	if (setresuid(user->uid, user->uid, user->uid) < 0)
		return calyx_error_set(err, errno, "setresuid(%u)", user->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return calyx_error_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

static int set_caps(uint64_t effective, uint64_t permitted,
		    uint64_t inheritable, calyx_error **err)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(effective >> (32 * i));
		data[i].permitted = (uint32_t)(permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &header, data) < 0)
		return calyx_error_set(err, errno, "capset");
	return 0;
}

static void set_ambient(uint64_t ambient, int last_cap,
			const struct calyx_log *log)
{
	for (int cap = 0; cap <= last_cap; cap++) {
		if (!(ambient & (UINT64_C(1) << cap)))
			continue;
		/* Needs the cap in permitted and inheritable: the spec wants
		 * a warning, not a failure, when it cannot be granted. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			calyx_warn(log, "cannot raise ambient capability %s: %s",
				   cap_names[cap], strerror(errno));
	}
}

int calyx_process_apply_identity(const struct calyx_process *process,
				 const struct calyx_log *log, calyx_error **err)
{
	const struct calyx_capabilities *caps = process->capabilities;
	uint64_t mask[SET__COUNT];
	int last_cap = kernel_last_cap();
	int r;

	/* An absent capabilities object means no capabilities at all. */
	for (int set = 0; set < SET__COUNT; set++)
		mask[set] = cap_mask(caps, set, last_cap, log);

	r = drop_bounding(mask[SET_BOUNDING], last_cap, err);
	if (r < 0)
		return r;
	r = set_ids(&process->user, err);
	if (r < 0)
		return r;
	/* Inheritable only as configured (CVE-2022-29162). */
	r = set_caps(mask[SET_EFFECTIVE], mask[SET_PERMITTED],
		     mask[SET_INHERITABLE], err);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return calyx_error_set(err, errno, "clearing the ambient set");
	set_ambient(mask[SET_AMBIENT], last_cap, log);
	/* Unset umask: 0022, as runc leaves it. */
	umask(process->user.has_umask ? (mode_t)(process->user.umask & 0777) :
					 0022);
	/* Changing credentials re-derives "dumpable" from fs.suid_dumpable:
	 * stay non-dumpable until execve (CVE-2016-9962 class). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return calyx_error_set(err, errno, "prctl(PR_SET_DUMPABLE)");
	return 0;
}
