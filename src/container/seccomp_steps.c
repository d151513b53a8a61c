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
#include "util/json_writer.h"

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

int container_seccomp_process_state(const struct calyx_spec *spec, const char *id,
				    enum calyx_status status, pid_t init_pid,
				    pid_t process_pid, const char *bundle, char **out,
				    calyx_error **err)
{
	static const char *const fds[] = { "seccompFd", NULL };
	const char *metadata = spec->linux_cfg->seccomp->listener_metadata;
	struct json_writer w;
	int r;

	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_key_str(&w, "ociVersion", CALYX_OCI_VERSION);
	jw_key_strv(&w, "fds", fds);
	jw_key_int(&w, "pid", process_pid);
	if (metadata)
		jw_key_str(&w, "metadata", metadata);
	jw_key(&w, "state");
	container_gen_oci_state(&w, id, status, init_pid, bundle, spec->annotations,
				spec->n_annotations);
	jw_map_close(&w);
	r = jw_finish(&w, false, out, err);
	return r < 0 ? calyx_error_prefix(err, "the seccomp agent's state of %s", id) : 0;
}

int container_hand_seccomp_listener(const struct calyx_spec *spec, const char *id,
				    enum calyx_status status, pid_t init_pid,
				    pid_t process_pid, const char *bundle, int fd,
				    calyx_error **err)
{
	const char *listener = spec->linux_cfg->seccomp->listener_path;
	_cleanup_free_ char *msg = NULL;
	int r;

	if (!listener)
		return calyx_error_setx(err, EINVAL,
					"linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
	r = container_seccomp_process_state(spec, id, status, init_pid, process_pid,
					    bundle, &msg, err);
	if (r < 0)
		return r;
	return calyx_seccomp_send_listener(listener, msg, fd, err);
}
