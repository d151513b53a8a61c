/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A rootless bundle-less run maps the caller to 0 and, when the user has
 * subordinate ids (/etc/subuid and /etc/subgid, as podman and newuidmap
 * read them) and the setuid helpers are installed, the first range of
 * each to 1..N: files of other users in a rootfs unpacked that way keep
 * their owners, and --user can pick them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/cleanup.h"
#include "util/host_user.h"

static bool parse_u32(const char *text, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*text || *text == '-')
		return false;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int sandbox_subid_range(const char *file, const char *user, uid_t id,
			uint32_t *start, uint32_t *count)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	_cleanup_free_ char *line = NULL;
	char idtext[16];
	size_t cap = 0;

	if (!f)
		return -errno;
	snprintf(idtext, sizeof(idtext), "%u", (unsigned int)id);
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL;
		char *who = strtok_r(line, ":\n", &save);
		char *first = strtok_r(NULL, ":\n", &save);
		char *n = strtok_r(NULL, ":\n", &save);

		if (!who || !first || !n || *who == '#')
			continue;
		if (strcmp(who, idtext) != 0 && (!user || strcmp(who, user) != 0))
			continue;
		if (parse_u32(first, start) && parse_u32(n, count) && *count > 0 &&
		    *start <= UINT32_MAX - *count)
			return 0;
	}
	return -ENOENT;
}

static bool helper_installed(const char *name)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/bin:/bin");
	char *save = NULL;

	if (!copy)
		return false;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char full[PATH_MAX];

		if (snprintf(full, sizeof(full), "%s/%s", dir, name) < (int)sizeof(full) &&
		    access(full, X_OK) == 0)
			return true;
	}
	return false;
}

static int append_range(struct calyx_id_mapping **maps, size_t *n, uint32_t start,
			uint32_t count, calyx_error **err)
{
	struct calyx_id_mapping *grown = realloc(*maps, (*n + 1) * sizeof(**maps));

	if (!grown)
		return calyx_error_set(err, ENOMEM, "id mappings");
	/* container ids 1.. : 0 is the caller, from the default spec */
	grown[*n] = (struct calyx_id_mapping){ .container_id = 1, .host_id = start,
					       .size = count };
	*maps = grown;
	(*n)++;
	return 0;
}

int sandbox_add_subids(struct calyx_linux *lx, calyx_error **err)
{
	char name[256];
	uint32_t ustart, ucount, gstart, gcount;
	uid_t uid = geteuid();
	bool found = calyx_host_user_name(uid, name, sizeof(name)) == 0;
	int r;

	if (sandbox_subid_range("/etc/subuid", found ? name : NULL, uid,
				&ustart, &ucount) < 0 ||
	    sandbox_subid_range("/etc/subgid", found ? name : NULL, uid,
				&gstart, &gcount) < 0 ||
	    !helper_installed("newuidmap") || !helper_installed("newgidmap"))
		return 0;	/* only the caller's own id, as before */
	r = append_range(&lx->uid_mappings, &lx->n_uid_mappings, ustart, ucount, err);
	if (r >= 0)
		r = append_range(&lx->gid_mappings, &lx->n_gid_mappings, gstart, gcount, err);
	return r;
}
