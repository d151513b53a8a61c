/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>

#include "linux/process.h"
#include "util/cleanup.h"

#define KEYCTL_JOIN_SESSION_KEYRING 1

int proc_set_names(const struct calyx_spec *spec, calyx_error **err)
{
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return calyx_error_set(err, errno, "hostname: sethostname %s", spec->hostname);
	if (spec->domainname &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return calyx_error_set(err, errno, "domainname: setdomainname %s",
				       spec->domainname);
	return 0;
}

int proc_apply_rlimits(const struct calyx_process *p, calyx_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {
			.rlim_cur = p->rlimits[i].soft,
			.rlim_max = p->rlimits[i].hard,
		};

		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return calyx_error_set(err, errno, "process.rlimits[%zu] (%s)",
					       i, p->rlimits[i].type);
	}
	return 0;
}

int proc_set_oom_score_adj(const struct calyx_process *p, calyx_error **err)
{
	_cleanup_close_ int fd = -1;
	char buf[16];
	int len;

	if (!p->has_oom_score_adj)
		return 0;
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return calyx_error_set(err, errno, "process.oomScoreAdj: open");
	len = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	if (write(fd, buf, (size_t)len) != len)
		return calyx_error_set(err, errno, "process.oomScoreAdj: write %d",
				       p->oom_score_adj);
	return 0;
}

int proc_apply_scheduling(const struct calyx_process *p, calyx_error **err)
{
	if (p->io_priority) {
		/* ioprio_set(IOPRIO_WHO_PROCESS, self, class << 13 | prio) */
		int prio = (p->io_priority->prio_class << 13) | p->io_priority->priority;

		if (syscall(SYS_ioprio_set, 1, 0, prio) < 0)
			return calyx_error_set(err, errno, "process.ioPriority");
	}
	if (p->scheduler) {
		const struct calyx_scheduler *s = p->scheduler;
		struct {
			uint32_t size;
			uint32_t sched_policy;
			uint64_t sched_flags;
			int32_t sched_nice;
			uint32_t sched_priority;
			uint64_t sched_runtime;
			uint64_t sched_deadline;
			uint64_t sched_period;
		} attr = {
			.size = sizeof(attr),
			.sched_policy = (uint32_t)s->policy_value,
			.sched_nice = s->nice,
			.sched_priority = (uint32_t)s->priority,
			.sched_runtime = s->runtime,
			.sched_deadline = s->deadline,
			.sched_period = s->period,
		};
		static const struct {
			const char *name;
			uint64_t bit;
		} flags[] = {
			{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },
			{ "SCHED_FLAG_RECLAIM", 0x02 },
			{ "SCHED_FLAG_DL_OVERRUN", 0x04 },
			{ "SCHED_FLAG_KEEP_POLICY", 0x08 },
			{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },
			{ "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
			{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
		};

		for (char **f = s->flags; f && *f; f++) {
			size_t k;

			for (k = 0; k < ARRAY_SIZE(flags); k++) {
				if (!strcmp(*f, flags[k].name)) {
					attr.sched_flags |= flags[k].bit;
					break;
				}
			}
			if (k == ARRAY_SIZE(flags))
				return calyx_error_setx(err, EINVAL,
							"process.scheduler.flags: unknown flag \"%s\"", *f);
		}
		if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
			return calyx_error_set(err, errno, "process.scheduler");
	}
	return 0;
}

int proc_apply_personality(const struct calyx_spec *spec, calyx_error **err)
{
	const struct calyx_personality *pers = spec->linux_cfg ? spec->linux_cfg->personality : NULL;
	unsigned long domain;

	if (!pers)
		return 0;
	if (!pers->domain || !strcmp(pers->domain, "LINUX"))
		domain = PER_LINUX;
	else if (!strcmp(pers->domain, "LINUX32"))
		domain = PER_LINUX32;
	else
		return calyx_error_setx(err, EINVAL,
					"linux.personality.domain: unknown domain \"%s\"",
					pers->domain);
	if (pers->flags && pers->flags[0])
		return calyx_error_setx(err, EINVAL,
					"linux.personality.flags: no flags are supported");
	if (personality(domain) < 0)
		return calyx_error_set(err, errno, "linux.personality");
	return 0;
}

int proc_join_new_session_keyring(calyx_error **err)
{
	/* a fresh anonymous session keyring: never share the host's */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS && errno != EPERM && errno != EACCES)
		return calyx_error_set(err, errno, "joining a new session keyring");
	return 0;
}

static bool has_ns(const struct calyx_spec *spec, enum calyx_ns_type t)
{
	return calyx_spec_namespace(spec, t) != NULL;
}

int proc_validate_sysctl(const struct calyx_spec *spec, calyx_error **err)
{
	static const char *const ipc_keys[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni",
		"kernel.shm_rmid_forced",
	};

	if (!spec->linux_cfg)
		return 0;
	for (size_t i = 0; i < spec->linux_cfg->n_sysctl; i++) {
		const char *key = spec->linux_cfg->sysctl[i].key;
		bool ok = false;

		if (strstr(key, "..") || strchr(key, '/') == key)
			return calyx_error_setx(err, EINVAL, "linux.sysctl.%s: invalid key", key);
		for (size_t k = 0; k < ARRAY_SIZE(ipc_keys); k++)
			if (!strcmp(key, ipc_keys[k]))
				ok = true;
		if (ok || !strncmp(key, "fs.mqueue.", 10)) {
			if (!has_ns(spec, CALYX_NS_IPC))
				return calyx_error_setx(err, EINVAL,
							"linux.sysctl.%s: requires a new ipc namespace", key);
			continue;
		}
		if (!strncmp(key, "net.", 4)) {
			const struct calyx_namespace *ns =
				calyx_spec_namespace(spec, CALYX_NS_NETWORK);

			if (!ns)
				return calyx_error_setx(err, EINVAL,
							"linux.sysctl.%s: requires a new network namespace (the host's is shared)",
							key);
			continue;
		}
		if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname")) {
			if (!has_ns(spec, CALYX_NS_UTS))
				return calyx_error_setx(err, EINVAL,
							"linux.sysctl.%s: requires a new uts namespace", key);
			continue;
		}
		return calyx_error_setx(err, EINVAL,
					"linux.sysctl.%s: not namespaced: it would change the host", key);
	}
	return 0;
}

int proc_apply_sysctl(const struct calyx_spec *spec, calyx_error **err)
{
	_cleanup_close_ int sysfd = -1;
	struct statfs sfs;

	if (!spec->linux_cfg || !spec->linux_cfg->n_sysctl)
		return 0;
	sysfd = open("/proc/sys", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sysfd < 0)
		return calyx_error_set(err, errno, "linux.sysctl: open /proc/sys");
	if (fstatfs(sysfd, &sfs) < 0)
		return calyx_error_set(err, errno, "linux.sysctl: statfs /proc/sys");
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return calyx_error_setx(err, EPERM, "linux.sysctl: /proc/sys is not procfs");
	for (size_t i = 0; i < spec->linux_cfg->n_sysctl; i++) {
		const struct calyx_kv *kv = &spec->linux_cfg->sysctl[i];
		_cleanup_free_ char *rel = strdup(kv->key);
		_cleanup_close_ int fd = -1;
		size_t len = strlen(kv->value);

		if (!rel)
			return calyx_error_set(err, ENOMEM, "linux.sysctl");
		for (char *c = rel; *c; c++)
			if (*c == '.')
				*c = '/';
		/* the key's components may not climb out of /proc/sys */
		fd = openat(sysfd, rel, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return calyx_error_set(err, errno, "linux.sysctl.%s", kv->key);
		/* CVE-2025-52881: a mount over the file itself would take the write */
		if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
			return calyx_error_setx(err, EPERM, "linux.sysctl.%s: not a procfs file",
						kv->key);
		if (write(fd, kv->value, len) != (ssize_t)len)
			return calyx_error_set(err, errno, "linux.sysctl.%s: write %s",
					       kv->key, kv->value);
	}
	return 0;
}

int proc_enter_cwd(const struct calyx_process *p, calyx_error **err)
{
	char buf[4096];

	if (chdir(p->cwd) < 0)
		return calyx_error_set(err, errno, "process.cwd: chdir %s", p->cwd);
	/* getcwd() fails with ENOENT or prefixes "(unreachable)" when the
	 * directory is outside our root: refuse to start there. */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return calyx_error_setx(err, EPERM,
					"process.cwd: %s is outside the container root", p->cwd);
	return 0;
}

int proc_reset_signals_new_session(calyx_error **err)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	/* ignored signals survive execve: the container starts from the
	 * defaults whatever calyx's caller ignored (nohup, a shell's trap) */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);	/* glibc's own: EINVAL */
	/* its own session (runc): a signal from the terminal calyx runs in
	 * reaches calyx, which forwards it, not both of them */
	if (setsid() < 0)
		return calyx_error_set(err, errno, "setsid");
	return 0;
}
