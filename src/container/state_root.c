/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where container state lives when --root is not given.  A non-root user
 * cannot write /run/calyx; $XDG_RUNTIME_DIR is private to them; the /tmp
 * fallback has a predictable name, so it is only used when it is a real
 * directory owned by the caller and closed to everyone else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calyx/calyx.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int private_tmp_dir(uid_t uid, char **out, calyx_error **err)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;

	if (asprintf(&path, "/tmp/calyx-%u", (unsigned int)uid) < 0)
		return calyx_error_set(err, ENOMEM, "formatting state root");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return calyx_error_set(err, errno, "mkdir %s", path);
	if (lstat(path, &st) < 0)
		return calyx_error_set(err, errno, "stat %s", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)))
		return calyx_error_setx(err, EPERM,
					"state root %s is not a private directory owned by uid %u; pass --root",
					path, (unsigned int)uid);
	*out = TAKE_PTR(path);
	return 0;
}

/* When /tmp/calyx-<uid> is taken by someone else (a name anyone can
 * claim first): a directory under the user's own home. */
static int private_home_dir(uid_t uid, char **out, calyx_error **err)
{
	const char *home = getenv("HOME");
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r;

	if (!home || home[0] != '/' || stat(home, &st) < 0 || st.st_uid != uid)
		return calyx_error_setx(err, EPERM, "no usable home directory");
	if (asprintf(&path, "%s/.cache/calyx/run", home) < 0)
		return calyx_error_set(err, ENOMEM, "formatting state root");
	r = calyx_mkdir_p(path, 0700, err);
	if (r < 0)
		return r;
	if (lstat(path, &st) < 0)
		return calyx_error_set(err, errno, "stat %s", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & (S_IRWXG | S_IRWXO)))
		return calyx_error_setx(err, EPERM, "%s is not private to uid %u", path,
					(unsigned int)uid);
	*out = TAKE_PTR(path);
	return 0;
}

int calyx_default_state_root(char **out, calyx_error **err)
{
	uid_t uid = geteuid();
	const char *xdg;
	int r;

	if (uid == 0) {
		*out = strdup(CALYX_DEFAULT_ROOT);
		return *out ? 0 : calyx_error_set(err, ENOMEM, "state root");
	}
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0] == '/') {
		if (asprintf(out, "%s/calyx", xdg) < 0) {
			*out = NULL;
			return calyx_error_set(err, ENOMEM, "state root");
		}
		return 0;
	}
	r = private_tmp_dir(uid, out, err);
	if (r == 0)
		return 0;
	{
		_cleanup_error_ calyx_error *home_err = NULL;

		if (private_home_dir(uid, out, &home_err) == 0) {
			calyx_error_free(err);
			return 0;
		}
	}
	/* the /tmp error says what to do (pass --root) */
	return r;
}
