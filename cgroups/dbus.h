/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small native D-Bus client: just what the systemd cgroup driver needs.
 *
 * Why not sd-bus: calyx is a static-pie binary (no shared library may be
 * mapped into a process a container could reach through
 * /proc/PID/map_files), and Debian ships libsystemd only as a shared
 * library.  The wire protocol is small: a unix socket, SASL EXTERNAL, and
 * little-endian messages of a few basic types.
 *
 * dbus_wire.c marshals and parses (pure, unit tested); dbus.c talks.
 */
#ifndef CALYX_CGROUPS_DBUS_H
#define CALYX_CGROUPS_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calyx/error.h"

/* Replies are small; anything bigger is refused, never allocated. */
#define DBUS_MAX_MESSAGE (1u << 20)

enum dbus_msg_type {
	DBUS_METHOD_CALL = 1,
	DBUS_METHOD_RETURN = 2,
	DBUS_ERROR = 3,
	DBUS_SIGNAL = 4,
};

/* --- marshalling (dbus_wire.c) ------------------------------------------ */

/* A growing little-endian buffer; oom sticks and is checked once at the end. */
struct dbus_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom;
};

void dbus_buf_release(struct dbus_buf *b);
void dbus_put_align(struct dbus_buf *b, size_t n);
void dbus_put_u8(struct dbus_buf *b, uint8_t v);
void dbus_put_bool(struct dbus_buf *b, bool v);
void dbus_put_u32(struct dbus_buf *b, uint32_t v);
void dbus_put_u64(struct dbus_buf *b, uint64_t v);
void dbus_put_str(struct dbus_buf *b, const char *s);	/* 's' and 'o' */
void dbus_put_sig(struct dbus_buf *b, const char *sig);	/* 'g' */
/* An array of elements aligned to elem_align: open, write the elements,
 * close (which fills in the length). */
struct dbus_array {
	size_t len_at, start;
};
struct dbus_array dbus_array_open(struct dbus_buf *b, size_t elem_align);
void dbus_array_close(struct dbus_buf *b, struct dbus_array a);
/* One (sv) of an a(sv) property list: the struct, name and variant
 * signature; the caller writes the value. */
void dbus_put_prop(struct dbus_buf *b, const char *name, const char *sig);

/* A whole method call: header (path, interface, member, destination,
 * signature) and the body already marshalled in body (may be NULL). */
int dbus_build_call(struct dbus_buf *out, uint32_t serial, const char *dest,
		    const char *path, const char *iface, const char *member,
		    const char *sig, const struct dbus_buf *body,
		    calyx_error **err);

/* --- parsing (dbus_wire.c) ---------------------------------------------- */

/* Bounds-checked reading of a body; every failure sets bad and reads 0. */
struct dbus_reader {
	const uint8_t *data;
	size_t len, pos;
	bool bad;
};

uint8_t dbus_get_u8(struct dbus_reader *r);
uint32_t dbus_get_u32(struct dbus_reader *r);
uint64_t dbus_get_u64(struct dbus_reader *r);
/* 's' / 'o': points into the message (NUL-terminated), NULL when bad */
const char *dbus_get_str(struct dbus_reader *r);
const char *dbus_get_sig(struct dbus_reader *r);
/* Skip one complete value of the single complete type at *sig, advancing
 * *sig past it. */
void dbus_skip(struct dbus_reader *r, const char **sig);

/* A received message: the header fields we use, and the body. */
struct dbus_msg {
	uint8_t type;
	uint32_t serial, reply_serial;
	const char *path, *iface, *member, *error_name, *signature;
	struct dbus_reader body;
};

/*
 * How long the message starting at data is (header + body) once its
 * first 16 bytes are in: 0 when more bytes are needed to know, -EBADMSG
 * for a malformed or oversized one.
 */
long dbus_message_length(const uint8_t *data, size_t have);
/* Parse a complete message (length from dbus_message_length). */
int dbus_parse_message(const uint8_t *data, size_t len, struct dbus_msg *m,
		       calyx_error **err);

/* Is sig one valid single complete type (or, with many, a list of them)? */
bool dbus_signature_valid(const char *sig, bool many);

/* --- the connection (dbus.c) -------------------------------------------- */

struct dbus_conn;

/*
 * Connect and authenticate (EXTERNAL, as our euid).  user: the user's bus
 * ($DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus); else the system
 * bus ($DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket).
 */
int dbus_open(bool user, struct dbus_conn **out, calyx_error **err);
void dbus_close(struct dbus_conn *c);
/* Is the bus there?  Connects and closes at once (no fd is kept). */
int dbus_check(bool user, calyx_error **err);

/* The parsed bus address, for the unit tests: a unix socket path, or
 * "@name" for an abstract one. */
int dbus_address_socket(const char *address, char **out, calyx_error **err);

/*
 * Call a method and wait for its reply (at most the connection's timeout).
 * An error reply becomes "NAME: MESSAGE" in *err (-EIO; -ENOENT for
 * NoSuchUnit).  On success *reply is the parsed reply, valid until the
 * next call on c.
 */
int dbus_call(struct dbus_conn *c, const char *dest, const char *path,
	      const char *iface, const char *member, const char *sig,
	      const struct dbus_buf *body, struct dbus_msg *reply,
	      calyx_error **err);

/*
 * systemd's JobRemoved for job (an object path): waits on the socket (no
 * polling) and fills *result ("done", "failed", ...; a static string or
 * one owned by c).  Signals read while waiting for a reply are kept, so a
 * job that ended before the caller started waiting is found too.
 */
int dbus_wait_job(struct dbus_conn *c, const char *job, char *result,
		  size_t result_size, calyx_error **err);

#endif
