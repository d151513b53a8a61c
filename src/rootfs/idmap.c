/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bind mounts the runtime helps with: idmapped ones (config.md "idmap",
 * "ridmap", mounts[].uidMappings), and the sources of every bind of a
 * container with a user namespace.
 *
 * MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over the user namespace the source
 * filesystem was mounted in -- the host's, for a disk -- which the container
 * process no longer has once it is in its own user namespace.  So the
 * runtime makes the detached, idmapped tree (here) and passes its fd over
 * the sync socket; the container process attaches it like any other bind.
 *
 * A plain bind of a container with a user namespace: its root may not be
 * able to reach the source at all (a directory only host root can search),
 * so the runtime opens the source (O_PATH) from inside the container's
 * mount namespace and the container clones the mount from that fd.  Not a
 * clone made by the runtime: mounts the container's namespace copied from
 * the host carry locked flags (a host "ro" stays read-only for good); a
 * tree cloned on the host side would not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "rootfs/internal.h"
#include "util/cleanup.h"
#include "util/strv.h"

bool calyx_rootfs_mount_wants_idmap(const struct calyx_mount *m)
{
	return calyx_strv_contains(m->options, "idmap") ||
	       calyx_strv_contains(m->options, "ridmap") ||
	       m->n_uid_mappings || m->n_gid_mappings;
}

static bool has_option(const struct calyx_mount *m, const char *name)
{
	return calyx_strv_contains(m->options, name);
}

bool calyx_rootfs_mount_is_bind(const struct calyx_mount *m)
{
	return (m->type && strcmp(m->type, "bind") == 0) ||
	       has_option(m, "bind") || has_option(m, "rbind");
}

/* The host path of a bind's source: relative ones are under bundle. */
static int bind_source_path(const struct calyx_mount *m, size_t index,
			    const char *bundle, char **out, calyx_error **err)
{
	*out = NULL;
	if (!calyx_rootfs_mount_is_bind(m))
		return calyx_error_setx(err, EINVAL,
					"mounts[%zu].options: idmap is supported on bind mounts only",
					index);
	if (!m->source)
		return calyx_error_setx(err, EINVAL,
					"mounts[%zu].source: required for a bind mount", index);
	if (m->source[0] == '/' || !bundle)
		*out = strdup(m->source);
	else if (asprintf(out, "%s/%s", bundle, m->source) < 0)
		*out = NULL;
	if (!*out)
		return calyx_error_set(err, ENOMEM, "mounts[%zu]", index);
	return 0;
}

int calyx_rootfs_bind_source(const struct calyx_mount *m, size_t index,
			     const char *bundle, int *out, calyx_error **err)
{
	_cleanup_free_ char *source = NULL;
	int r = bind_source_path(m, index, bundle, &source, err);

	*out = -1;
	if (r < 0)
		return r;
	*out = open(source, O_PATH | O_CLOEXEC);
	if (*out < 0)
		return calyx_error_set(err, errno, "mounts[%zu] (%s): bind %s", index,
				       m->destination, source);
	return 0;
}

int calyx_rootfs_idmapped_tree(const struct calyx_mount *m, size_t index,
			       const char *bundle, int userns_fd, int *out,
			       calyx_error **err)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP,
		.userns_fd = (uint64_t)userns_fd,
	};
	bool rbind = (m->type && strcmp(m->type, "bind") == 0 && !has_option(m, "bind")) ||
		     has_option(m, "rbind");
	_cleanup_free_ char *source = NULL;
	_cleanup_close_ int tree = -1;
	int r;

	*out = -1;
	r = bind_source_path(m, index, bundle, &source, err);
	if (r < 0)
		return r;
	tree = open_tree(AT_FDCWD, source,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
	if (tree < 0)
		return calyx_error_set(err, errno, "mounts[%zu] (%s): bind %s", index,
				       m->destination, source);
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (has_option(m, "ridmap") ? AT_RECURSIVE : 0),
			  &attr, sizeof(attr)) < 0) {
		if (errno == EPERM)
			return calyx_error_set(err, errno,
					       "mounts[%zu] (%s): idmapped mount of %s needs "
					       "CAP_SYS_ADMIN over its filesystem (root)",
					       index, m->destination, source);
		return calyx_error_set(err, errno,
				       "mounts[%zu] (%s): idmapped mount of %s (does its "
				       "filesystem support idmapping?)",
				       index, m->destination, source);
	}
	*out = TAKE_FD(tree);
	return 0;
}
