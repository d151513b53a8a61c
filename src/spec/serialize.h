/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct calyx_spec -> config.json text, the inverse of calyx_spec_parse:
 * parsing the output gives back the same structs (every field of
 * calyx/spec.h).  Used by `run --rootfs --print-spec`.
 */
#ifndef CALYX_SPEC_SERIALIZE_H
#define CALYX_SPEC_SERIALIZE_H

#include "calyx/spec.h"

/* Pretty-printed (tab indent), ending in a newline; *out is malloc'd. */
int calyx_spec_serialize(const struct calyx_spec *spec, char **out,
			 calyx_error **err);

#endif
