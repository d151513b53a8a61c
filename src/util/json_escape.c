/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "util/json_escape.h"

void calyx_json_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		char tmp[8];
		const char *rep = NULL;
		size_t len;

		switch (c) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (c < 0x20) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				rep = tmp;
			}
		}
		if (rep) {
			len = 0;
			while (rep[len])
				len++;
			if (o + len >= size)
				break;
			for (size_t i = 0; i < len; i++)
				out[o++] = rep[i];
		} else {
			if (o + 1 >= size)
				break;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}
