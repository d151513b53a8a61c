/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/json_writer.h"

void jw_init(struct json_writer *w, const char *indent)
{
	*w = (struct json_writer){ .status = yajl_gen_status_ok };
	w->gen = yajl_gen_alloc(NULL);
	if (!w->gen) {
		w->out_of_memory = true;
		w->status = yajl_gen_in_error_state;	/* no write reaches yajl */
	} else if (indent && (!yajl_gen_config(w->gen, yajl_gen_beautify, 1) ||
			      !yajl_gen_config(w->gen, yajl_gen_indent_string, indent))) {
		w->status = yajl_gen_in_error_state;
	}
}

/* Every write goes through here: nothing more once one failed, and the
 * first failure's status kept. */
#define WRITE(w, call)                                         \
	do {                                                   \
		if ((w)->status == yajl_gen_status_ok)         \
			(w)->status = (call);                  \
	} while (0)

void jw_map_open(struct json_writer *w)
{
	WRITE(w, yajl_gen_map_open(w->gen));
}

void jw_map_close(struct json_writer *w)
{
	WRITE(w, yajl_gen_map_close(w->gen));
}

void jw_array_open(struct json_writer *w)
{
	WRITE(w, yajl_gen_array_open(w->gen));
}

void jw_array_close(struct json_writer *w)
{
	WRITE(w, yajl_gen_array_close(w->gen));
}

/*
 * The rules calyx_json_parse() reads strings by, so that what calyx writes
 * it can read back: strict UTF-8 (yajl_gen_validate_utf8 lets overlong
 * forms and surrogates through) and no NUL (C would cut the string there).
 */
void jw_str_n(struct json_writer *w, const char *s, size_t len)
{
	if (w->status == yajl_gen_status_ok &&
	    (!calyx_utf8_valid(s, len) || memchr(s, '\0', len)))
		w->status = yajl_gen_invalid_string;
	WRITE(w, yajl_gen_string(w->gen, (const unsigned char *)s, len));
}

void jw_str(struct json_writer *w, const char *s)
{
	s = s ? s : "";
	jw_str_n(w, s, strlen(s));
}

void jw_key(struct json_writer *w, const char *key)
{
	if (w->status != yajl_gen_status_ok)
		return;
	snprintf(w->key, sizeof(w->key), "%s", key);
	jw_str(w, key);
}

void jw_int(struct json_writer *w, long long v)
{
	WRITE(w, yajl_gen_integer(w->gen, v));
}

void jw_number(struct json_writer *w, const char *text)
{
	WRITE(w, yajl_gen_number(w->gen, text, strlen(text)));
}

void jw_u64(struct json_writer *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	jw_number(w, buf);
}

void jw_bool(struct json_writer *w, bool v)
{
	WRITE(w, yajl_gen_bool(w->gen, v));
}

void jw_null(struct json_writer *w)
{
	WRITE(w, yajl_gen_null(w->gen));
}

void jw_key_str(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_key_int(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_key_u64(struct json_writer *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64(w, v);
}

void jw_key_bool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_key_strv(struct json_writer *w, const char *key, const char *const *v)
{
	jw_key(w, key);
	jw_array_open(w);
	for (; v && *v; v++)
		jw_str(w, *v);
	jw_array_close(w);
}

static const char *status_text(yajl_gen_status s)
{
	switch (s) {
	case yajl_gen_invalid_string:
		return "a string is not valid UTF-8 (or holds a NUL byte)";
	case yajl_gen_invalid_number:
		return "not a valid number";
	case yajl_max_depth_exceeded:
		return "nested too deeply";
	default:	/* keys_must_be_strings, in_error_state, ...: our bug */
		return "malformed document";
	}
}

void jw_release(struct json_writer *w)
{
	if (w->gen)
		yajl_gen_free(w->gen);
	w->gen = NULL;
}

int jw_finish(struct json_writer *w, bool newline, char **out, calyx_error **err)
{
	const unsigned char *buf = NULL;
	size_t len = 0;
	char *doc = NULL;

	*out = NULL;
	WRITE(w, yajl_gen_get_buf(w->gen, &buf, &len));
	if (w->status == yajl_gen_status_ok) {
		/* beautified output may end in a newline already: exactly one */
		while (len && buf[len - 1] == '\n')
			len--;
		doc = malloc(len + 2);
		if (doc) {
			memcpy(doc, buf, len);
			if (newline)
				doc[len++] = '\n';
			doc[len] = '\0';
		}
	}
	jw_release(w);
	if (w->out_of_memory)
		return calyx_error_set(err, ENOMEM, "generating JSON");
	if (w->status != yajl_gen_status_ok) {
		/* the key may be the bad string itself: printable in the message */
		for (char *c = w->key; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		if (w->key[0])
			return calyx_error_setx(err, EINVAL, "generating JSON: \"%s\": %s",
						w->key, status_text(w->status));
		return calyx_error_setx(err, EINVAL, "generating JSON: %s",
					status_text(w->status));
	}
	if (!doc)
		return calyx_error_set(err, ENOMEM, "generating JSON");
	*out = doc;
	return 0;
}
