/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container IDs name a directory under the state root, so they must never
 * be able to step out of it: a strict character set, no "..", bounded.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "calyx/calyx.h"

#define CALYX_ID_MAX 1024

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

int calyx_id_validate(const char *id, calyx_error **err)
{
	size_t len;

	if (!id || !*id)
		return calyx_error_setx(err, EINVAL,
					"invalid container ID: empty");
	len = strnlen(id, CALYX_ID_MAX + 1);
	if (len > CALYX_ID_MAX)
		return calyx_error_setx(err, EINVAL,
					"invalid container ID: longer than %d characters",
					CALYX_ID_MAX);
	if (!is_alnum(id[0]))
		return calyx_error_setx(err, EINVAL,
					"invalid container ID '%s': must start with a letter or digit",
					id);
	for (size_t i = 1; i < len; i++) {
		char c = id[i];

		if (!is_alnum(c) && c != '_' && c != '.' && c != '+' &&
		    c != '-')
			return calyx_error_setx(err, EINVAL,
						"invalid container ID '%s': character '%c' not allowed (use [A-Za-z0-9_.+-])",
						id, c);
	}
	if (strstr(id, ".."))
		return calyx_error_setx(err, EINVAL,
					"invalid container ID '%s': must not contain \"..\"",
					id);
	return 0;
}
