/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NULL-terminated arrays of malloc'd strings (the spec's args, env,
 * options, capability sets).  A NULL array is the empty list everywhere.
 * The growing calls leave *v a valid list when they fail.
 */
#ifndef CALYX_UTIL_STRV_H
#define CALYX_UTIL_STRV_H

#include <stdbool.h>
#include <stddef.h>

size_t calyx_strv_length(char *const *v);
void calyx_strv_free(char **v);
bool calyx_strv_contains(char *const *v, const char *s);
/* A deep copy; NULL when out of memory (or v is NULL). */
char **calyx_strv_dup(char *const *v);
/* Appends a copy of s: 0, or -ENOMEM. */
int calyx_strv_push(char ***v, const char *s);
/* Appends a copy of each string of extra: 0, or -ENOMEM. */
int calyx_strv_extend(char ***v, char *const *extra);
/* Removes (and frees) every entry equal to s, keeping the order. */
void calyx_strv_remove(char **v, const char *s);

#endif
