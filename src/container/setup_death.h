/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CALYX_CONTAINER_SETUP_DEATH_H
#define CALYX_CONTAINER_SETUP_DEATH_H

#include "container/create.h"

/*
 * The container process died while the runtime drove its setup (r is the
 * error that said so).  When the cgroup's OOM killer did it, replace the
 * bare "exited while the runtime waited" with what happened and the limit
 * that was too small.  Returns r.
 */
int container_explain_setup_death(struct create_job *job, int r,
				  calyx_error **err);

#endif
