/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string lists: one implementation for the whole tree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

size_t calyx_strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void calyx_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

bool calyx_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

char **calyx_strv_dup(char *const *v)
{
	char **copy = NULL;

	if (!v)
		return NULL;
	copy = calloc(1, sizeof(*copy));
	if (copy && calyx_strv_extend(&copy, v) < 0) {
		calyx_strv_free(copy);
		copy = NULL;
	}
	return copy;
}

int calyx_strv_extend(char ***v, char *const *extra)
{
	size_t n = calyx_strv_length(*v), m = calyx_strv_length(extra);
	char **grown;

	if (!m)
		return 0;
	grown = realloc(*v, (n + m + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*v = grown;
	/* terminated after each copy: a failure leaves a valid, shorter list */
	for (size_t i = 0; i < m; i++) {
		grown[n + i] = strdup(extra[i]);
		if (!grown[n + i])
			return -ENOMEM;
		grown[n + i + 1] = NULL;
	}
	return 0;
}

int calyx_strv_push(char ***v, const char *s)
{
	char *const one[] = { (char *)s, NULL };

	return calyx_strv_extend(v, one);
}

void calyx_strv_remove(char **v, const char *s)
{
	size_t k = 0;

	for (size_t i = 0; v && v[i]; i++) {
		if (strcmp(v[i], s) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	if (v)
		v[k] = NULL;
}
