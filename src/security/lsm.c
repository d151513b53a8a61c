/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * no_new_privs and the LSM label the next execve() switches to.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "security/security.h"
#include "util/cleanup.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

int calyx_apply_no_new_privs(const struct calyx_process *process,
			     calyx_error **err)
{
	if (!process->no_new_privileges)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return calyx_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}

bool calyx_apparmor_enabled(void)
{
	_cleanup_close_ int fd = -1;
	char c = 0;

	fd = open("/sys/module/apparmor/parameters/enabled",
		  O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

bool calyx_selinux_enabled(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/selinux", &sfs) == 0 &&
	       (unsigned long)sfs.f_type == (unsigned long)SELINUX_MAGIC;
}

int calyx_lsm_check(const struct calyx_process *process, calyx_error **err)
{
	if (process->apparmor_profile && process->apparmor_profile[0] &&
	    !calyx_apparmor_enabled())
		return calyx_error_setx(err, EOPNOTSUPP,
					"process.apparmorProfile \"%s\": AppArmor "
					"is not enabled on this host",
					process->apparmor_profile);
	if (process->selinux_label && process->selinux_label[0] &&
	    !calyx_selinux_enabled())
		return calyx_error_setx(err, EOPNOTSUPP,
					"process.selinuxLabel \"%s\": SELinux is "
					"not enabled on this host",
					process->selinux_label);
	return 0;
}

/* Write an LSM attribute of this thread, checking the file is procfs so a
 * container cannot redirect the write by mounting over /proc. */
static int write_proc_attr(const char *path, const char *value,
			   calyx_error **err)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	size_t len = strlen(value);
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return calyx_error_set(err, errno, "open %s", path);
	if (fstatfs(fd, &sfs) < 0)
		return calyx_error_set(err, errno, "fstatfs %s", path);
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return calyx_error_setx(err, EXDEV, "%s is not on procfs", path);
	n = write(fd, value, len);
	if (n < 0)
		return calyx_error_set(err, errno, "write %s", path);
	if ((size_t)n != len)
		return calyx_error_setx(err, EIO, "short write to %s", path);
	return 0;
}

/*
 * The write itself is the authority: the kernel refuses it when the LSM is
 * off, and /sys may not be mounted in the container.  The enabled checks
 * only pick the error message.
 */
static int apply_apparmor(const char *profile, calyx_error **err)
{
	const char *path = "/proc/thread-self/attr/apparmor/exec";
	char value[4096];

	if ((size_t)snprintf(value, sizeof(value), "exec %s", profile) >=
	    sizeof(value))
		return calyx_error_setx(err, ENAMETOOLONG,
					"process.apparmorProfile: too long");
	/* attr/apparmor/ exists since 5.8 (and only with AppArmor built
	 * in); attr/exec is the older interface of the first LSM. */
	if (access(path, F_OK) < 0) {
		if (!calyx_apparmor_enabled())
			goto not_enabled;
		path = "/proc/thread-self/attr/exec";
	}
	if (write_proc_attr(path, value, err) < 0) {
		if (!calyx_apparmor_enabled()) {
			calyx_error_free(err);
			goto not_enabled;
		}
		return calyx_error_prefix(err, "process.apparmorProfile \"%s\"",
					  profile);
	}
	return 0;
not_enabled:
	return calyx_error_setx(err, EOPNOTSUPP,
				"process.apparmorProfile \"%s\": AppArmor is not "
				"enabled", profile);
}

static int apply_selinux(const char *label, calyx_error **err)
{
	if (write_proc_attr("/proc/thread-self/attr/exec", label, err) < 0) {
		if (!calyx_selinux_enabled()) {
			calyx_error_free(err);
			return calyx_error_setx(err, EOPNOTSUPP,
						"process.selinuxLabel \"%s\": "
						"SELinux is not enabled", label);
		}
		return calyx_error_prefix(err, "process.selinuxLabel \"%s\"",
					  label);
	}
	return 0;
}

int calyx_lsm_apply_exec_label(const struct calyx_process *process,
			       calyx_error **err)
{
	int r;

	if (process->apparmor_profile && process->apparmor_profile[0]) {
		r = apply_apparmor(process->apparmor_profile, err);
		if (r < 0)
			return r;
	}
	if (process->selinux_label && process->selinux_label[0]) {
		r = apply_selinux(process->selinux_label, err);
		if (r < 0)
			return r;
	}
	return 0;
}
