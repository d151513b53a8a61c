/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `update --resources FILE`: a bare linux.resources object, parsed by the
 * same code as config.json's so both accept and reject the same things;
 * errors name the field as "linux.resources.<field>".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "calyx/calyx.h"
#include "spec/parse_internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

int calyx_resources_parse(const char *json, size_t len,
			  struct calyx_resources **out, calyx_error **err)
{
	_cleanup_free_ char *text = strndup(json, len);
	struct spec_ctx c = { .err = err };
	yajl_val doc;
	int r;

	if (!text)
		return calyx_error_setx(err, ENOMEM, "out of memory");
	doc = calyx_json_parse(text, len, "linux.resources", err);
	if (!doc)
		return calyx_json_error_code(err);
	if (!YAJL_IS_OBJECT(doc)) {
		yajl_tree_free(doc);
		return calyx_error_setx(err, EINVAL,
					"linux.resources: must be an object");
	}
	path_push_key(&c, "linux");
	path_push_key(&c, "resources");
	r = parse_resources_object(&c, doc, out);
	yajl_tree_free(doc);
	if (r < 0)
		calyx_json_error_printable(err);
	return r;
}

int calyx_resources_parse_file(const char *path, struct calyx_resources **out,
			       calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	r = calyx_read_file_at(AT_FDCWD, path, &text, &len, err);
	if (r >= 0 && (r = calyx_resources_parse(text, len, out, err)) < 0)
		calyx_error_prefix(err, "%s", path);
	return r;
}

void calyx_resources_free(struct calyx_resources *res)
{
	resources_free(res);
}
