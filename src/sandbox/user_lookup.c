/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --user NAME[:GROUP]: names looked up in the rootfs's /etc/passwd and
 * /etc/group by the runtime, before anything runs in the container.  The
 * image is hostile: each file is opened inside the root (openat2
 * RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS, O_NOFOLLOW so a symlinked file is
 * refused, O_NONBLOCK so a FIFO cannot hang us), must be a regular file
 * and is read up to a size bound; a longer file is an error, not a
 * truncated answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "sandbox/sandbox.h"
#include "util/cleanup.h"

#define ACCOUNT_FILE_MAX (4u << 20)
#define MAX_GROUPS 64

/* The whole of /etc/<name> in the root: 0, -ENOENT (no such file: only an
 * error when a name must be looked up in it), or another error. */
static int read_account_file(int rootfd, const char *path, char **out,
			     calyx_error **err)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat sb;
	size_t len = 0;
	ssize_t n;

	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return calyx_error_set(err, errno, "--user: %s in the rootfs", path);
	if (fstat(fd, &sb) < 0)
		return calyx_error_set(err, errno, "--user: %s in the rootfs", path);
	if (!S_ISREG(sb.st_mode))
		return calyx_error_setx(err, EINVAL,
					"--user: %s in the rootfs is not a regular file", path);
	buf = malloc(ACCOUNT_FILE_MAX + 1);
	if (!buf)
		return calyx_error_set(err, ENOMEM, "--user");
	/* read to EOF or one byte past the bound, whatever st_size said */
	while (len <= ACCOUNT_FILE_MAX) {
		n = read(fd, buf + len, ACCOUNT_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return calyx_error_set(err, errno, "--user: reading %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > ACCOUNT_FILE_MAX)
		return calyx_error_setx(err, EFBIG, "--user: %s in the rootfs is larger "
					"than %u bytes", path, ACCOUNT_FILE_MAX);
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	return 0;
}

/* A decimal id below 2^32 - 1 (the kernel's "no id"). */
static bool parse_id(const char *s, size_t len, uint32_t *id)
{
	uint64_t v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

/* Splits line (NUL-terminated, no newline) at ':' into up to n fields. */
static size_t split_fields(char *line, char **field, size_t n)
{
	size_t k = 0;

	field[k++] = line;
	for (char *p = line; *p && k < n; p++) {
		if (*p == ':') {
			*p = '\0';
			field[k++] = p + 1;
		}
	}
	return k;
}

/*
 * Walks the "name:x:id:..." lines of text (cut up in place) for name;
 * fills *id and, for passwd, *gid.  Returns 1 found, 0 not.
 */
static int find_entry(char *text, const char *name, bool passwd, uint32_t *id,
		      uint32_t *gid)
{
	char *line, *save = NULL, *f[7];

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = split_fields(line, f, passwd ? 7 : 4);

		if (n < (passwd ? 4u : 3u) || strcmp(f[0], name) != 0)
			continue;
		if (!parse_id(f[2], strlen(f[2]), id))
			continue;
		if (passwd && !parse_id(f[3], strlen(f[3]), gid))
			continue;
		return 1;
	}
	return 0;
}

/* The groups of /etc/group listing user as a member (besides primary). */
static int member_groups(char *text, const char *user, uint32_t primary,
			 struct calyx_user *u, calyx_error **err)
{
	char *line, *save = NULL, *f[4];

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *m, *msave = NULL;
		uint32_t gid;

		if (split_fields(line, f, 4) < 4 || !parse_id(f[2], strlen(f[2]), &gid) ||
		    gid == primary)
			continue;
		for (m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave)) {
			uint32_t *grown;

			if (strcmp(m, user) != 0)
				continue;
			if (u->n_additional_gids >= MAX_GROUPS)
				return 0;
			grown = realloc(u->additional_gids,
					(u->n_additional_gids + 1) * sizeof(*grown));
			if (!grown)
				return calyx_error_set(err, ENOMEM, "--user");
			u->additional_gids = grown;
			grown[u->n_additional_gids++] = gid;
			break;
		}
	}
	return 0;
}

int sandbox_resolve_user(int rootfd, const char *spec, struct calyx_user *u,
			 calyx_error **err)
{
	_cleanup_free_ char *user = strdup(spec), *passwd = NULL, *group = NULL;
	char *grp;
	bool user_numeric, group_named;
	uint32_t pw_gid = 0;
	int r;

	if (!user)
		return calyx_error_set(err, ENOMEM, "--user");
	grp = strchr(user, ':');
	if (grp)
		*grp++ = '\0';
	if (!user[0] || (grp && !grp[0]))
		return calyx_error_setx(err, EINVAL, "--user: want NAME|UID[:GROUP|GID], got \"%s\"",
					spec);
	user_numeric = parse_id(user, strlen(user), &u->uid);
	group_named = grp && !parse_id(grp, strlen(grp), &u->gid);
	/* a numeric user with no group runs with gid = uid (as before); a
	 * named one gets its passwd group and its member groups */
	if (user_numeric && !grp)
		u->gid = u->uid;
	if (!user_numeric) {
		r = read_account_file(rootfd, "/etc/passwd", &passwd, err);
		if (r == -ENOENT)
			return calyx_error_setx(err, ENOENT, "--user: user %s: the rootfs has no "
						"/etc/passwd", user);
		if (r < 0)
			return r;
		if (!find_entry(passwd, user, true, &u->uid, &pw_gid))
			return calyx_error_setx(err, ENOENT, "--user: no user %s in the rootfs's "
						"/etc/passwd", user);
		if (!grp)
			u->gid = pw_gid;
	}
	if (!group_named && (user_numeric || grp))
		return 0;
	r = read_account_file(rootfd, "/etc/group", &group, err);
	if (r == -ENOENT && !group_named)
		return 0;
	if (r == -ENOENT)
		return calyx_error_setx(err, ENOENT, "--user: group %s: the rootfs has no "
					"/etc/group", grp);
	if (r < 0)
		return r;
	if (group_named) {
		_cleanup_free_ char *copy = strdup(group);

		if (!copy)
			return calyx_error_set(err, ENOMEM, "--user");
		if (!find_entry(copy, grp, false, &u->gid, NULL))
			return calyx_error_setx(err, ENOENT, "--user: no group %s in the rootfs's "
						"/etc/group", grp);
		return 0;
	}
	return member_groups(group, user, u->gid, u, err);
}
