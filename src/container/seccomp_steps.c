/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp steps `create` and `exec` share: loading the filter early
 * in the new process when it must be, and handing a SCMP_ACT_NOTIFY
 * listener to the agent at linux.seccomp.listenerPath (config-linux.md).
 */
#include <errno.h>
#include <unistd.h>

#include "container/container.h"
#include "container/create.h"
#include "linux/sync.h"
#include "security/security.h"
#include "util/cleanup.h"

int container_seccomp_early(const struct calyx_process *p,
			    const struct calyx_seccomp_program *prog, int sync_fd,
			    calyx_error **err)
{
	int notify_fd = -1, r;

	if (!prog)
		return 0;
	if (calyx_seccomp_program_uses_notify(prog)) {
		/* the listener fd must reach the runtime before "ready", so
		 * the filter goes in now (after no_new_privs if asked) */
		r = p->no_new_privileges ? calyx_apply_no_new_privs(p, err) : 0;
		if (r >= 0)
			r = calyx_seccomp_load(prog, &notify_fd, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.seccomp");
		r = calyx_sync_send_fd(sync_fd, CALYX_SYNC_FD_SECCOMP_NOTIFY, notify_fd, err);
		close(notify_fd);
		return r;
	}
	if (!p->no_new_privileges) {
		/* without no_new_privs, the filter needs CAP_SYS_ADMIN: load it
		 * while we still have it (runc does the same) */
		r = calyx_seccomp_load(prog, NULL, err);
		if (r < 0)
			return calyx_error_prefix(err, "linux.seccomp");
	}
	return 0;
}

bool container_seccomp_late(const struct calyx_process *p,
			    const struct calyx_seccomp_program *prog)
{
	return prog && p->no_new_privileges && !calyx_seccomp_program_uses_notify(prog);
}

int container_hand_seccomp_listener(const struct calyx_spec *spec, const char *id,
				    enum calyx_status status, pid_t init_pid,
				    pid_t process_pid, const char *bundle, int fd,
				    calyx_error **err)
{
	const struct calyx_seccomp *sc = spec->linux_cfg->seccomp;
	_cleanup_free_ char *state = NULL, *msg = NULL;

	if (!sc->listener_path)
		return calyx_error_setx(err, EINVAL,
					"linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
	state = container_oci_state_json(id, status, init_pid, bundle, spec->annotations,
					 spec->n_annotations);
	if (!state)
		return calyx_error_set(err, ENOMEM, "seccomp state");
	if (calyx_seccomp_process_state_json(state, process_pid, sc->listener_metadata,
					     &msg, err) < 0)
		return -ENOMEM;
	return calyx_seccomp_send_listener(sc->listener_path, msg, fd, err);
}
