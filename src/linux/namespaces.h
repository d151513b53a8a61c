/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From linux.namespaces to the syscalls that realise it:
 *  - new namespaces are created by the one clone3() of the container init,
 *    except the cgroup namespace (unshared by the child once it is in its
 *    cgroup) and a time namespace with offsets (set up in the runtime before
 *    the clone, since offsets can only be written before any process is in it);
 *  - `path` entries are opened (and type-checked) by the runtime up front;
 *    the child setns()es them, the user namespace first.  pid and time
 *    namespaces are joined by the runtime itself around the clone, because
 *    they only apply to children;
 *  - except a pid namespace joined by path without a user namespace: the
 *    processes already in it (another container, possibly holding
 *    CAP_SYS_PTRACE) must not see ours while it still has the host's root,
 *    cwd and fds.  The container process is then set up outside it, with
 *    its procfs mounted for it (fsconfig "pidns", Linux 6.17+), enters it
 *    after pivot_root (setns affects only children) and forks the process
 *    that stays, as `calyx exec` does (pid_join_late).
 */
#ifndef CALYX_LINUX_NAMESPACES_H
#define CALYX_LINUX_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "calyx/error.h"
#include "calyx/spec.h"

struct ns_plan {
	unsigned long long clone_flags;	/* CLONE_NEW* given to clone3 */
	int unshare_flags;		/* CLONE_NEW* the child unshares itself */
	int join_fd[CALYX_NS_COUNT];	/* -1, or an fd the child setns()es */
	bool new_user;
	bool new_net;
	bool new_mount;
	bool new_uts;
	bool time_offsets;		/* runtime-side unshare + offsets */
	/* new user and mount namespaces and a root runtime: the runtime
	 * opens every bind source for the container (idmap_mounts.c) */
	bool runtime_binds;
	bool pid_via_helper;		/* new pid ns in a joined user ns */
	bool pid_join_late;		/* joined pid ns entered after setup */
	int saved_pid_fd;		/* runtime's own ns, restored after clone */
	int saved_time_fd;
};

void ns_plan_init(struct ns_plan *plan);
void ns_plan_release(struct ns_plan *plan);

/* Build the plan; opens path namespaces and checks their type. */
int ns_plan_build(const struct calyx_spec *spec, struct ns_plan *plan,
		  calyx_error **err);

/* Runtime side, right before / after clone3. */
int ns_plan_enter_for_clone(const struct calyx_spec *spec, struct ns_plan *plan,
			    calyx_error **err);
int ns_plan_leave_after_clone(struct ns_plan *plan, calyx_error **err);

/* Child side: setns() the joined ones (user first), then unshare the rest. */
int ns_plan_join(const struct ns_plan *plan, calyx_error **err);

/* Child side, pid_join_late, after pivot_root and while still privileged:
 * setns() the joined pid namespace (for the children to come). */
int ns_pid_join_late(struct ns_plan *plan, calyx_error **err);

/*
 * Fork a child that the caller's parent adopts (CLONE_PARENT), born in the
 * caller's pid namespace for children.  clone3 first, then clone (seccomp
 * profiles answer clone3 with ENOSYS).  Returns the pid (0 in the child)
 * and a pidfd in *pidfd, or -errno.
 */
long ns_fork_sibling(int *pidfd);

/* Runtime side: write uid_map / gid_map of the new user namespace. */
/* A user namespace with just these maps (idmapped mounts): its fd. */
int ns_userns_with_maps(const struct calyx_id_mapping *uid, size_t n_uid,
			const struct calyx_id_mapping *gid, size_t n_gid,
			int *out, calyx_error **err);
int ns_write_id_maps(const struct calyx_spec *spec, pid_t pid,
		     calyx_error **err);

#endif
