/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "seccomp/seccomp.h"

int calyx_seccomp_prepare(const struct calyx_seccomp *cfg,
			  const struct calyx_log *log,
			  struct calyx_seccomp_program **out, calyx_error **err)
{
	/* the built-in profile was compiled at build time, byte for byte what
	 * calyx_seccomp_compile() would produce here */
	if (cfg->builtin_default)
		return calyx_seccomp_default_program(out, err);
	return calyx_seccomp_compile(cfg, log, out, err);
}
