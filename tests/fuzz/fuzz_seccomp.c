/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A seccomp profile (`run --seccomp FILE`, linux.seccomp): parse, round
 * trip inside a spec. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	calyx_error *err = NULL;
	struct calyx_seccomp *sc = NULL;
	struct calyx_linux lin = { 0 };
	struct calyx_spec spec = { .oci_version = "1.3.0", .root_path = "r",
				   .linux_cfg = &lin };

	if (calyx_seccomp_parse((const char *)data, size, &sc, &err) < 0) {
		fuzz_check_error(err);
		return 0;
	}
	lin.seccomp = sc;
	fuzz_round_trip(&spec);
	calyx_spec_seccomp_free(sc);
	return 0;
}
