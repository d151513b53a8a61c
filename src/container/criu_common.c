/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What checkpoint and restore tell CRIU alike: the flags both take, the
 * bind mounts it cannot find in the dumped tree, the namespaces joined by
 * path, the image and work directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/criu_rpc.h"
#include "util/cleanup.h"
#include "util/fs.h"

void criu_put_common_opts(struct pb_buf *o, const struct calyx_criu_options *c)
{
	/* 4: CRIU's debug level, the one runc uses, so its log explains */
	pb_put_int32(o, CRIU_OPT_LOG_LEVEL, 4);
	pb_put_bool(o, CRIU_OPT_NOTIFY_SCRIPTS, true);
	pb_put_bool(o, CRIU_OPT_MANAGE_CGROUPS, true);
	pb_put_bool(o, CRIU_OPT_ORPHAN_PTS_MASTER, true);
	if (c->tcp_established)
		pb_put_bool(o, CRIU_OPT_TCP_ESTABLISHED, true);
	if (c->ext_unix_sk)
		pb_put_bool(o, CRIU_OPT_EXT_UNIX_SK, true);
	if (c->shell_job)
		pb_put_bool(o, CRIU_OPT_SHELL_JOB, true);
	if (c->file_locks)
		pb_put_bool(o, CRIU_OPT_FILE_LOCKS, true);
	if (c->auto_dedup)
		pb_put_bool(o, CRIU_OPT_AUTO_DEDUP, true);
	if (c->lazy_pages)
		pb_put_bool(o, CRIU_OPT_LAZY_PAGES, true);
	if (c->manage_cgroups_mode >= 0)
		pb_put_uint(o, CRIU_OPT_MANAGE_CGROUPS_MODE,
			    (uint32_t)c->manage_cgroups_mode);
	if (c->empty_ns)
		pb_put_uint(o, CRIU_OPT_EMPTY_NS, c->empty_ns);
}

bool criu_mount_is_bind(const struct calyx_mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	for (size_t i = 0; m->options && m->options[i]; i++)
		if (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0)
			return true;
	return false;
}

int criu_open_dirs(const struct calyx_criu_options *c, bool create, int *imgfd,
		   int *workfd, calyx_error **err)
{
	const char *work = c->work_path ? c->work_path : c->image_path;

	*imgfd = *workfd = -1;
	if (create && calyx_mkdir_p(c->image_path, 0700, err) < 0)
		return calyx_error_prefix(err, "image path");
	*imgfd = open(c->image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*imgfd < 0)
		return calyx_error_set(err, errno, "image path %s", c->image_path);
	if (calyx_mkdir_p(work, 0700, err) < 0)
		return calyx_error_prefix(err, "work path");
	*workfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*workfd < 0)
		return calyx_error_set(err, errno, "work path %s", work);
	return 0;
}

int criu_ns_inode(const char *path, unsigned long *ino, calyx_error **err)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return calyx_error_set(err, errno, "namespace %s", path);
	*ino = (unsigned long)sb.st_ino;
	return 0;
}
