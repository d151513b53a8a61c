/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How libcalyx marks its API.  The library is built with
 * -fvisibility=hidden: only declarations marked CALYX_PUBLIC leave the
 * shared library, so the internals are free to change.
 */
#ifndef CALYX_API_H
#define CALYX_API_H

#define CALYX_PUBLIC __attribute__((visibility("default")))

#ifdef __cplusplus
#define CALYX_BEGIN_DECLS extern "C" {
#define CALYX_END_DECLS }
#else
#define CALYX_BEGIN_DECLS
#define CALYX_END_DECLS
#endif

#endif
