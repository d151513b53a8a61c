/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `update --resources FILE`: a bare linux.resources object, parsed by the
 * same code as config.json's so both accept and reject the same things;
 * errors name the field as "linux.resources.<field>".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calyx/calyx.h"
#include "spec/parse_internal.h"
#include "util/cleanup.h"

int calyx_resources_parse(const char *json, size_t len,
			  struct calyx_resources **out, calyx_error **err)
{
	_cleanup_free_ char *text = strndup(json, len);
	struct spec_ctx c = { .err = err };
	char errbuf[256] = "";
	yajl_val doc;
	int r;

	if (!text)
		return calyx_error_setx(err, ENOMEM, "out of memory");
	if (strlen(text) != len)
		return calyx_error_setx(err, EINVAL,
					"invalid JSON: contains a NUL byte");
	doc = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	if (!doc)
		return calyx_error_setx(err, EINVAL, "invalid JSON: %s",
					errbuf[0] ? errbuf : "parse error");
	if (!YAJL_IS_OBJECT(doc)) {
		yajl_tree_free(doc);
		return calyx_error_setx(err, EINVAL,
					"linux.resources: must be an object");
	}
	path_push_key(&c, "linux");
	path_push_key(&c, "resources");
	r = parse_resources_object(&c, doc, out);
	yajl_tree_free(doc);
	return r;
}

void calyx_resources_free(struct calyx_resources *res)
{
	resources_free(res);
}
