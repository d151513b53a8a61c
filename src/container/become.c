/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container process's last steps before exec: see become.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/become.h"
#include "container/create.h"
#include "linux/process.h"
#include "security/exe_guard.h"
#include "security/security.h"
#include "util/cleanup.h"

char **become_env_with_home(const struct calyx_process *p, const char *home)
{
	static char *const empty[] = { NULL };
	char *const *env = p->env ? p->env : empty;
	size_t n = 0;
	char **out;

	for (; env[n]; n++)
		if (strncmp(env[n], "HOME=", 5) == 0)
			return (char **)env;
	out = calloc(n + 2, sizeof(*out));
	if (!out)
		return (char **)env;
	memcpy(out, env, n * sizeof(*out));
	if (asprintf(&out[n], "HOME=%s", home ? home : "/") < 0) {
		free(out);
		return (char **)env;
	}
	return out;
}

static bool env_has_home(const struct calyx_process *p)
{
	for (char **e = p->env; e && *e; e++)
		if (!strncmp(*e, "HOME=", 5))
			return true;
	return false;
}

/* The pty is the user's, as runc leaves it: owner uid, the group devpts
 * gave it (gid=5, tty, in the usual config) kept. */
static int give_terminal_to_user(const struct calyx_process *p, calyx_error **err)
{
	struct stat sb;

	if (!p->terminal || !p->user.uid)
		return 0;
	if (fstat(STDIN_FILENO, &sb) < 0)
		return calyx_error_set(err, errno, "process.terminal: stat the pty");
	if (sb.st_uid != p->user.uid && fchown(STDIN_FILENO, p->user.uid, (gid_t)-1) < 0)
		return calyx_error_set(err, errno, "process.terminal: chown the pty to %u",
				       p->user.uid);
	return 0;
}

/* Where the user could not go but root can (/root for uid 1000), runc
 * enters first and tries again as the user only when root was refused. */
static int enter_cwd_as_root(int rootfd, const struct calyx_process *p, bool *again,
			     calyx_error **err)
{
	int r = in_root_enter_dir(rootfd, p->cwd);

	*again = r == -EACCES;
	if (r == -ELOOP)
		return calyx_error_setx(err, ELOOP,
					"process.cwd: %s: a symlink loop or a magic link (/proc/self/fd/...)",
					p->cwd);
	if (r < 0 && !*again)
		return calyx_error_set(err, -r, "process.cwd: chdir %s", p->cwd);
	return 0;
}

int become_prepare(struct become *b, calyx_error **err)
{
	const struct calyx_process *p = b->process;
	_cleanup_close_ int rootfd = -1;
	_cleanup_free_ char *home = NULL;
	struct calyx_log quiet = { .fd = -1, .max_level = CALYX_LOG_ERROR };
	bool cwd_again;
	int r;

	b->exe.dirfd = -1;
	/* before anything of the config is resolved: hold nothing of the
	 * host (state dir, cgroup dirs, --log file), only what we need */
	r = calyx_close_fds_except(b->first_fd, b->keep, b->n_keep, err);
	if (r < 0)
		return r;
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return calyx_error_set(err, errno, "open the container's root");
	if (!env_has_home(p) && !b->home_known)
		home = in_root_user_home(rootfd, p->user.uid);
	b->env = become_env_with_home(p, b->home_known ? b->home : home);
	r = give_terminal_to_user(p, err);
	if (r < 0)
		return r;
	r = enter_cwd_as_root(rootfd, p, &cwd_again, err);
	if (r < 0)
		return r;
	r = in_root_find_executable(rootfd, p->args[0], b->env, p->cwd, &b->exe, err);
	if (r < 0)
		return calyx_error_prefix(err, "process.args[0]");
	r = container_seccomp_early(p, b->seccomp, b->sync_fd, err);
	if (r < 0)
		return r;
	r = calyx_process_apply_identity(p, &quiet, err);
	if (r < 0)
		return r;
	return cwd_again ? proc_enter_cwd(p, err) : 0;
}

int become_finish(struct become *b, calyx_error **err)
{
	const struct calyx_process *p = b->process;
	int r;

	if (p->no_new_privileges) {
		r = calyx_apply_no_new_privs(p, err);
		if (r < 0)
			return r;
	}
	if (container_seccomp_late(p, b->seccomp)) {
		r = calyx_seccomp_load(b->seccomp, NULL, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.seccomp");
	}
	return calyx_lsm_apply_exec_label(p, err);
}

int become_exec(struct become *b, calyx_error **err)
{
	const struct calyx_seccomp *sc =
		b->spec && b->spec->linux_cfg ? b->spec->linux_cfg->seccomp : NULL;

	return in_root_exec(&b->exe, calyx_seccomp_surely_allows(sc, "execveat"),
			    b->process->args, b->env, err);
}
