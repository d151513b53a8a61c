/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's user name for a uid, from the host's /etc/passwd alone.
 * calyx is a static binary: glibc's getpwuid() would dlopen an NSS module
 * (libnss_systemd & co.) into the runtime and map a host library after
 * all, which is what linking statically keeps out of reach of containers.
 */
#ifndef CALYX_UTIL_HOST_USER_H
#define CALYX_UTIL_HOST_USER_H

#include <stddef.h>
#include <sys/types.h>

/* 0 and the name in buf; -ENOENT when there is no entry (or it does not
 * fit in size bytes); -errno when the file cannot be read. */
int calyx_host_user_name(uid_t uid, char *buf, size_t size);

#endif
