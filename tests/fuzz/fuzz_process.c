/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `exec --process` process.json: parse, round trip inside a spec. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	calyx_error *err = NULL;
	struct calyx_process *p = NULL;
	struct calyx_spec spec = { .oci_version = "1.3.0", .root_path = "r" };

	if (calyx_process_parse((const char *)data, size, &p, &err) < 0) {
		fuzz_check_error(err);
		return 0;
	}
	spec.process = p;
	fuzz_round_trip(&spec);
	calyx_process_free(p);
	return 0;
}
