/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * D-Bus wire format: marshalling the calls the systemd driver makes and
 * bounds-checked parsing of what comes back.  Only little-endian messages
 * (what every bus on the hosts calyx runs on speaks); no fd passing.
 * Every read is checked against the message's end: the bus is another
 * process, and the parser is fuzzed with whatever bytes a test can make.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/dbus.h"

#define DBUS_MAX_DEPTH 32	/* arrays + structs + variants nested */

enum {
	FIELD_PATH = 1,
	FIELD_INTERFACE = 2,
	FIELD_MEMBER = 3,
	FIELD_ERROR_NAME = 4,
	FIELD_REPLY_SERIAL = 5,
	FIELD_DESTINATION = 6,
	FIELD_SENDER = 7,
	FIELD_SIGNATURE = 8,
};

/* --- marshalling --------------------------------------------------------- */

void dbus_buf_release(struct dbus_buf *b)
{
	free(b->data);
	*b = (struct dbus_buf){ 0 };
}

static uint8_t *reserve(struct dbus_buf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (n > DBUS_MAX_MESSAGE || b->len + n > DBUS_MAX_MESSAGE) {
		b->oom = true;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	b->len += n;
	return b->data + b->len - n;
}

static void put_bytes(struct dbus_buf *b, const void *p, size_t n)
{
	uint8_t *dst = reserve(b, n);

	if (dst && n)
		memcpy(dst, p, n);
}

void dbus_put_align(struct dbus_buf *b, size_t n)
{
	size_t pad = (n - b->len % n) % n;
	uint8_t *dst = reserve(b, pad);

	if (dst)
		memset(dst, 0, pad);
}

void dbus_put_u8(struct dbus_buf *b, uint8_t v)
{
	put_bytes(b, &v, 1);
}

void dbus_put_u32(struct dbus_buf *b, uint32_t v)
{
	uint8_t le[4] = { v, v >> 8, v >> 16, v >> 24 };

	dbus_put_align(b, 4);
	put_bytes(b, le, 4);
}

void dbus_put_bool(struct dbus_buf *b, bool v)
{
	dbus_put_u32(b, v ? 1 : 0);
}

void dbus_put_u64(struct dbus_buf *b, uint64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	dbus_put_align(b, 8);
	put_bytes(b, le, 8);
}

void dbus_put_str(struct dbus_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > DBUS_MAX_MESSAGE) {
		b->oom = true;
		return;
	}
	dbus_put_u32(b, (uint32_t)n);
	put_bytes(b, s, n + 1);
}

void dbus_put_sig(struct dbus_buf *b, const char *sig)
{
	size_t n = strlen(sig);

	if (n > 255) {
		b->oom = true;
		return;
	}
	dbus_put_u8(b, (uint8_t)n);
	put_bytes(b, sig, n + 1);
}

struct dbus_array dbus_array_open(struct dbus_buf *b, size_t elem_align)
{
	struct dbus_array a;

	dbus_put_u32(b, 0);
	a.len_at = b->len - 4;
	dbus_put_align(b, elem_align);
	a.start = b->len;
	return a;
}

void dbus_array_close(struct dbus_buf *b, struct dbus_array a)
{
	size_t n = b->len - a.start;

	if (b->oom || a.len_at + 4 > b->len)
		return;
	b->data[a.len_at] = (uint8_t)n;
	b->data[a.len_at + 1] = (uint8_t)(n >> 8);
	b->data[a.len_at + 2] = (uint8_t)(n >> 16);
	b->data[a.len_at + 3] = (uint8_t)(n >> 24);
}

void dbus_put_prop(struct dbus_buf *b, const char *name, const char *sig)
{
	dbus_put_align(b, 8);
	dbus_put_str(b, name);
	dbus_put_sig(b, sig);
}

static void put_field_str(struct dbus_buf *b, uint8_t code, const char *sig,
			  const char *v)
{
	dbus_put_align(b, 8);
	dbus_put_u8(b, code);
	dbus_put_sig(b, sig);
	if (sig[0] == 'g')
		dbus_put_sig(b, v);
	else
		dbus_put_str(b, v);
}

int dbus_build_call(struct dbus_buf *out, uint32_t serial, const char *dest,
		    const char *path, const char *iface, const char *member,
		    const char *sig, const struct dbus_buf *body,
		    calyx_error **err)
{
	size_t body_len = body ? body->len : 0;
	struct dbus_array fields;

	*out = (struct dbus_buf){ 0 };
	if (body && body->oom)
		return calyx_error_setx(err, ENOMEM, "D-Bus %s: message too large", member);
	dbus_put_u8(out, 'l');
	dbus_put_u8(out, DBUS_METHOD_CALL);
	dbus_put_u8(out, 0);	/* flags: we want the reply */
	dbus_put_u8(out, 1);	/* protocol version */
	dbus_put_u32(out, (uint32_t)body_len);
	dbus_put_u32(out, serial);
	fields = dbus_array_open(out, 8);
	put_field_str(out, FIELD_PATH, "o", path);
	if (iface)
		put_field_str(out, FIELD_INTERFACE, "s", iface);
	put_field_str(out, FIELD_MEMBER, "s", member);
	if (dest)
		put_field_str(out, FIELD_DESTINATION, "s", dest);
	if (sig && *sig)
		put_field_str(out, FIELD_SIGNATURE, "g", sig);
	dbus_array_close(out, fields);
	dbus_put_align(out, 8);
	if (body_len)
		put_bytes(out, body->data, body_len);
	if (out->oom) {
		dbus_buf_release(out);
		return calyx_error_setx(err, ENOMEM, "D-Bus %s: message too large", member);
	}
	return 0;
}

/* --- parsing ------------------------------------------------------------- */

static bool need(struct dbus_reader *r, size_t align, size_t n)
{
	size_t pos;

	if (r->bad)
		return false;
	pos = (r->pos + align - 1) / align * align;
	if (pos > r->len || n > r->len - pos) {
		r->bad = true;
		return false;
	}
	/* padding must be zero (the spec says so; a cheap sanity check) */
	for (size_t i = r->pos; i < pos; i++)
		if (r->data[i]) {
			r->bad = true;
			return false;
		}
	r->pos = pos;
	return true;
}

uint8_t dbus_get_u8(struct dbus_reader *r)
{
	if (!need(r, 1, 1))
		return 0;
	return r->data[r->pos++];
}

uint32_t dbus_get_u32(struct dbus_reader *r)
{
	const uint8_t *p;

	if (!need(r, 4, 4))
		return 0;
	p = r->data + r->pos;
	r->pos += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t dbus_get_u64(struct dbus_reader *r)
{
	uint64_t v = 0;

	if (!need(r, 8, 8))
		return 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | r->data[r->pos + (size_t)i];
	r->pos += 8;
	return v;
}

static const char *get_bytes_nul(struct dbus_reader *r, size_t n)
{
	const char *s;

	if (!need(r, 1, n) || n == SIZE_MAX || r->len - r->pos < n + 1) {
		r->bad = true;
		return NULL;
	}
	s = (const char *)r->data + r->pos;
	if (s[n] != '\0' || memchr(s, '\0', n)) {
		r->bad = true;
		return NULL;
	}
	r->pos += n + 1;
	return s;
}

const char *dbus_get_str(struct dbus_reader *r)
{
	uint32_t n = dbus_get_u32(r);

	return r->bad ? NULL : get_bytes_nul(r, n);
}

const char *dbus_get_sig(struct dbus_reader *r)
{
	uint8_t n = dbus_get_u8(r);

	return r->bad ? NULL : get_bytes_nul(r, n);
}

/* Length of the single complete type at sig, 0 when invalid. */
static size_t one_type(const char *sig, int depth)
{
	size_t n, k;

	if (depth > DBUS_MAX_DEPTH)
		return 0;
	switch (sig[0]) {
	case 'y': case 'b': case 'n': case 'q': case 'i': case 'u':
	case 'x': case 't': case 'd': case 's': case 'o': case 'g':
	case 'h': case 'v':
		return 1;
	case 'a':
		if (sig[1] == '{') {
			/* dict entry: a basic key and one value */
			if (!strchr("ybnqiuxtdsogh", sig[2]) || !sig[2])
				return 0;
			k = one_type(sig + 3, depth + 1);
			if (!k || sig[3 + k] != '}')
				return 0;
			return 4 + k;
		}
		k = one_type(sig + 1, depth + 1);
		return k ? 1 + k : 0;
	case '(':
		n = 1;
		if (sig[1] == ')')
			return 0;
		while (sig[n] && sig[n] != ')') {
			k = one_type(sig + n, depth + 1);
			if (!k)
				return 0;
			n += k;
		}
		return sig[n] == ')' ? n + 1 : 0;
	default:
		return 0;
	}
}

bool dbus_signature_valid(const char *sig, bool many)
{
	size_t n = 0, k;

	if (strlen(sig) > 255)
		return false;
	if (!many)
		return sig[0] && one_type(sig, 0) == strlen(sig);
	while (sig[n]) {
		k = one_type(sig + n, 0);
		if (!k)
			return false;
		n += k;
	}
	return true;
}

static size_t type_align(char t)
{
	switch (t) {
	case 'n': case 'q':
		return 2;
	case 'b': case 'i': case 'u': case 'h': case 's': case 'o': case 'a':
		return 4;
	case 'x': case 't': case 'd': case '(': case '{':
		return 8;
	default:
		return 1;
	}
}

static void skip_depth(struct dbus_reader *r, const char **sig, int depth)
{
	const char *s = *sig;
	size_t k = one_type(s, 0);

	if (!k || depth > DBUS_MAX_DEPTH) {
		r->bad = true;
		return;
	}
	*sig = s + k;
	switch (s[0]) {
	case 'y': case 'g':
		if (s[0] == 'g')
			dbus_get_sig(r);
		else
			dbus_get_u8(r);
		return;
	case 'n': case 'q':
		if (need(r, 2, 2))
			r->pos += 2;
		return;
	case 'b': case 'i': case 'u': case 'h':
		dbus_get_u32(r);
		return;
	case 'x': case 't': case 'd':
		dbus_get_u64(r);
		return;
	case 's': case 'o':
		dbus_get_str(r);
		return;
	case 'v': {
		const char *inner = dbus_get_sig(r);

		if (!inner || !dbus_signature_valid(inner, false)) {
			r->bad = true;
			return;
		}
		skip_depth(r, &inner, depth + 1);
		return;
	}
	case 'a': {
		uint32_t n = dbus_get_u32(r);
		size_t end;

		if (r->bad || !need(r, type_align(s[1]), 0) || n > r->len - r->pos) {
			r->bad = true;
			return;
		}
		end = r->pos + n;
		while (r->pos < end && !r->bad) {
			const char *elem = s + 1;

			if (s[1] == '{') {
				/* a dict entry is a struct of two */
				need(r, 8, 0);
				elem = s + 2;
				skip_depth(r, &elem, depth + 1);
				skip_depth(r, &elem, depth + 1);
			} else {
				skip_depth(r, &elem, depth + 1);
			}
		}
		if (r->pos != end)
			r->bad = true;
		return;
	}
	case '(': {
		const char *m = s + 1;

		need(r, 8, 0);
		while (*m != ')' && !r->bad)
			skip_depth(r, &m, depth + 1);
		return;
	}
	default:
		r->bad = true;
	}
}

void dbus_skip(struct dbus_reader *r, const char **sig)
{
	skip_depth(r, sig, 0);
}

long dbus_message_length(const uint8_t *data, size_t have)
{
	uint64_t fields, body, total;

	if (have < 16)
		return 0;
	if (data[0] != 'l' || data[3] != 1)
		return -EBADMSG;
	body = (uint64_t)data[4] | (uint64_t)data[5] << 8 |
	       (uint64_t)data[6] << 16 | (uint64_t)data[7] << 24;
	fields = (uint64_t)data[12] | (uint64_t)data[13] << 8 |
		 (uint64_t)data[14] << 16 | (uint64_t)data[15] << 24;
	total = (16 + fields + 7) / 8 * 8 + body;
	if (total > DBUS_MAX_MESSAGE)
		return -EBADMSG;
	return (long)total;
}

static int bad(calyx_error **err, const char *what)
{
	return calyx_error_setx(err, EBADMSG, "D-Bus: malformed message from the bus (%s)", what);
}

int dbus_parse_message(const uint8_t *data, size_t len, struct dbus_msg *m,
		       calyx_error **err)
{
	struct dbus_reader h = { .data = data, .len = len, .pos = 12 };
	long total = dbus_message_length(data, len);
	uint32_t fields_len;
	size_t fields_end, body_start;

	*m = (struct dbus_msg){ 0 };
	if (total <= 0 || (size_t)total != len)
		return bad(err, "length");
	m->type = data[1];
	m->serial = (uint32_t)data[8] | (uint32_t)data[9] << 8 |
		    (uint32_t)data[10] << 16 | (uint32_t)data[11] << 24;
	fields_len = dbus_get_u32(&h);
	fields_end = 16 + (size_t)fields_len;
	body_start = (fields_end + 7) / 8 * 8;
	if (body_start > len)
		return bad(err, "header");
	h.len = fields_end;
	while (h.pos < fields_end && !h.bad) {
		uint8_t code;
		const char *vsig, *v = NULL;

		need(&h, 8, 0);
		code = dbus_get_u8(&h);
		vsig = dbus_get_sig(&h);
		if (!vsig || !dbus_signature_valid(vsig, false))
			return bad(err, "header field");
		switch (code) {
		case FIELD_PATH: case FIELD_INTERFACE: case FIELD_MEMBER:
		case FIELD_ERROR_NAME: case FIELD_DESTINATION: case FIELD_SENDER:
			if (strcmp(vsig, code == FIELD_PATH ? "o" : "s"))
				return bad(err, "header field type");
			v = dbus_get_str(&h);
			break;
		case FIELD_SIGNATURE:
			if (strcmp(vsig, "g"))
				return bad(err, "header field type");
			v = dbus_get_sig(&h);
			break;
		case FIELD_REPLY_SERIAL:
			if (strcmp(vsig, "u"))
				return bad(err, "header field type");
			m->reply_serial = dbus_get_u32(&h);
			continue;
		default:
			dbus_skip(&h, &vsig);
			continue;
		}
		switch (code) {
		case FIELD_PATH: m->path = v; break;
		case FIELD_INTERFACE: m->iface = v; break;
		case FIELD_MEMBER: m->member = v; break;
		case FIELD_ERROR_NAME: m->error_name = v; break;
		case FIELD_SIGNATURE: m->signature = v; break;
		default: break;
		}
	}
	if (h.bad || h.pos != fields_end)
		return bad(err, "header fields");
	if (m->signature && !dbus_signature_valid(m->signature, true))
		return bad(err, "signature");
	m->body = (struct dbus_reader){ .data = data + body_start,
					.len = len - body_start };
	if (!m->signature && m->body.len)
		return bad(err, "body without a signature");
	return 0;
}
