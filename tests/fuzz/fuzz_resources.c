/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `update -r` resources.json: parse, round trip inside a spec. */
#include "calyx/calyx.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	calyx_error *err = NULL;
	struct calyx_resources *res = NULL;
	struct calyx_linux lin = { 0 };
	struct calyx_spec spec = { .oci_version = "1.3.0", .root_path = "r",
				   .linux_cfg = &lin };

	if (calyx_resources_parse((const char *)data, size, &res, &err) < 0) {
		fuzz_check_error(err);
		return 0;
	}
	lin.resources = res;
	fuzz_round_trip(&spec);
	calyx_resources_free(res);
	return 0;
}
