/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Why the container process died during setup (see setup_death.h). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/wait.h>

#include "container/setup_death.h"

/* Killed by SIGKILL?  Peeks (WNOWAIT): the caller still reaps it. */
static bool killed_by_sigkill(pid_t pid)
{
	siginfo_t si = { 0 };

	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0) {
		if (errno != EINTR)
			return true;	/* not our child (userns helper): ask the cgroup */
	}
	return si.si_code == CLD_KILLED && si.si_status == SIGKILL;
}

int container_explain_setup_death(struct create_job *job, int r,
				  calyx_error **err)
{
	const struct calyx_resources *res =
		job->spec->linux_cfg ? job->spec->linux_cfg->resources : NULL;
	calyx_error *ignored = NULL;
	uint64_t ooms = 0;

	/* only when the container process is gone: the runtime saw it exit
	 * (ECHILD) or its end of the sync socket close (EPIPE, ECONNRESET),
	 * so the wait below does not block for long */
	if ((r != -ECHILD && r != -EPIPE && r != -ECONNRESET) || !job->cgroup ||
	    job->pid <= 0 || !killed_by_sigkill(job->pid))
		return r;
	if (calyx_cgroup_oom_kills(job->cgroup, &ooms, &ignored) < 0 || !ooms) {
		calyx_error_free(&ignored);
		return r;
	}
	calyx_error_free(err);
	if (res && res->memory && res->memory->has_limit)
		return calyx_error_setx(err, ENOMEM,
					"the container's setup was killed by the OOM killer: "
					"linux.resources.memory.limit (%" PRId64
					" bytes) is too small",
					res->memory->limit);
	return calyx_error_setx(err, ENOMEM,
				"the container's setup was killed by the OOM killer "
				"(its cgroup's memory limit is too small)");
}
