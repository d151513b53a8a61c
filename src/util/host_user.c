/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host user names from /etc/passwd (see host_user.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/host_user.h"

/* "name:pw:uid:..." -> does the uid field equal uid? */
static bool entry_has_uid(char *line, uid_t uid, char **name)
{
	char *save = NULL, *f_name, *f_uid, *end;
	unsigned long v;

	f_name = strtok_r(line, ":\n", &save);
	if (!f_name || !strtok_r(NULL, ":\n", &save))
		return false;
	f_uid = strtok_r(NULL, ":\n", &save);
	if (!f_uid || *f_uid < '0' || *f_uid > '9')
		return false;
	errno = 0;
	v = strtoul(f_uid, &end, 10);
	if (errno || *end || v != (unsigned long)uid)
		return false;
	*name = f_name;
	return true;
}

int calyx_host_user_name(uid_t uid, char *buf, size_t size)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/etc/passwd", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *name;

		if (!entry_has_uid(line, uid, &name))
			continue;
		if (strlen(name) < size) {
			strcpy(buf, name);
			r = 0;
		}
		break;
	}
	fclose(f);
	return r;
}
