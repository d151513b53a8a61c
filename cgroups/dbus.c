/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus connection: connect, authenticate with EXTERNAL (the kernel
 * vouches for our uid through SO_PEERCRED), Hello, then method calls and
 * waiting for systemd's JobRemoved signal.  Every wait is a poll() on the
 * socket with one deadline for the whole connection; nothing sleeps.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/dbus.h"
#include "util/cleanup.h"

#define DBUS_TIMEOUT_MS 60000	/* systemd under load in a slow VM */
#define DBUS_KEPT_JOBS 16

struct dbus_conn {
	int fd;
	uint32_t serial;
	uint8_t *in;		/* bytes read, not yet a message */
	size_t in_len;
	uint8_t *cur;		/* the message last handed out */
	struct timespec deadline;
	/* JobRemoved signals seen while waiting for something else */
	struct {
		char job[128];
		char result[16];
	} done[DBUS_KEPT_JOBS];
	size_t n_done;
};

void dbus_close(struct dbus_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->cur);
	free(c);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a D-Bus address value (%XX escapes) of n bytes. */
static char *unescape(const char *v, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '%' && i + 2 < n && hexval(v[i + 1]) >= 0 &&
		    hexval(v[i + 2]) >= 0) {
			*o++ = (char)(hexval(v[i + 1]) << 4 | hexval(v[i + 2]));
			i += 2;
		} else {
			*o++ = v[i];
		}
	}
	*o = '\0';
	return out;
}

int dbus_address_socket(const char *address, char **out, calyx_error **err)
{
	const char *a = address;

	/* several addresses are separated by ';': the first unix one */
	while (a && *a) {
		const char *end = strchr(a, ';'), *kv;

		if (!end)
			end = a + strlen(a);
		if (!strncmp(a, "unix:", 5)) {
			for (kv = a + 5; kv < end;) {
				const char *comma = memchr(kv, ',', (size_t)(end - kv));
				const char *vend = comma ? comma : end;
				bool path = !strncmp(kv, "path=", 5);
				bool abstract = !strncmp(kv, "abstract=", 9);

				if (path || abstract) {
					const char *v = kv + (path ? 5 : 9);
					_cleanup_free_ char *dec = unescape(v, (size_t)(vend - v));

					if (!dec)
						return calyx_error_set(err, ENOMEM, "D-Bus address");
					if (!*dec)
						break;
					if (abstract) {
						if (asprintf(out, "@%s", dec) < 0)
							return calyx_error_set(err, ENOMEM, "D-Bus address");
					} else {
						*out = TAKE_PTR(dec);
					}
					return 0;
				}
				kv = comma ? comma + 1 : end;
			}
		}
		a = *end ? end + 1 : end;
	}
	return calyx_error_setx(err, EINVAL,
				"D-Bus address \"%s\": no unix:path= or unix:abstract= socket in it",
				address);
}

static int bus_socket_path(bool user, char **out, calyx_error **err)
{
	const char *env = getenv(user ? "DBUS_SESSION_BUS_ADDRESS" : "DBUS_SYSTEM_BUS_ADDRESS");
	const char *xdg;

	if (env && *env)
		return dbus_address_socket(env, out, err);
	if (!user) {
		*out = strdup("/run/dbus/system_bus_socket");
		return *out ? 0 : calyx_error_set(err, ENOMEM, "D-Bus address");
	}
	xdg = getenv("XDG_RUNTIME_DIR");
	if (!xdg || !*xdg)
		return calyx_error_setx(err, ENOENT,
					"no user D-Bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set");
	if (asprintf(out, "%s/bus", xdg) < 0)
		return calyx_error_set(err, ENOMEM, "D-Bus address");
	return 0;
}

static int remaining_ms(const struct dbus_conn *c)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
	     (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > DBUS_TIMEOUT_MS ? DBUS_TIMEOUT_MS : (int)ms;
}

static void arm_deadline(struct dbus_conn *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += DBUS_TIMEOUT_MS / 1000;
}

/* Read whatever the bus has (at least one byte), waiting on the socket. */
static int fill(struct dbus_conn *c, calyx_error **err)
{
	size_t room = DBUS_MAX_MESSAGE + 4096;
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	uint8_t *in;
	ssize_t n;
	int r;

	if (c->in_len >= room)
		return calyx_error_setx(err, EMSGSIZE, "D-Bus: message too large");
	if (!c->in) {
		c->in = malloc(room);
		if (!c->in)
			return calyx_error_set(err, ENOMEM, "D-Bus");
	}
	in = c->in;
	do
		r = poll(&p, 1, remaining_ms(c));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return calyx_error_set(err, errno, "D-Bus: poll");
	if (r == 0)
		return calyx_error_setx(err, ETIMEDOUT, "D-Bus: no answer from the bus within %d s",
					DBUS_TIMEOUT_MS / 1000);
	do
		n = recv(c->fd, in + c->in_len, room - c->in_len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return calyx_error_set(err, errno, "D-Bus: reading from the bus");
	if (n == 0)
		return calyx_error_setx(err, ECONNRESET, "D-Bus: the bus closed the connection");
	c->in_len += (size_t)n;
	return 0;
}

static int send_all(struct dbus_conn *c, const void *p, size_t n, calyx_error **err)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return calyx_error_set(err, errno, "D-Bus: writing to the bus");
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The next whole message, parsed; valid until the next call. */
static int next_message(struct dbus_conn *c, struct dbus_msg *m, calyx_error **err)
{
	long len;
	int r;

	for (;;) {
		len = dbus_message_length(c->in, c->in_len);
		if (len < 0)
			return calyx_error_setx(err, EBADMSG,
						"D-Bus: malformed or oversized message from the bus");
		if (len > 0 && c->in_len >= (size_t)len)
			break;
		r = fill(c, err);
		if (r < 0)
			return r;
	}
	free(c->cur);
	c->cur = malloc((size_t)len);
	if (!c->cur)
		return calyx_error_set(err, ENOMEM, "D-Bus");
	memcpy(c->cur, c->in, (size_t)len);
	memmove(c->in, c->in + len, c->in_len - (size_t)len);
	c->in_len -= (size_t)len;
	return dbus_parse_message(c->cur, (size_t)len, m, err);
}

/* systemd's JobRemoved(u id, o job, s unit, s result)?  Then keep it. */
static bool note_job_removed(struct dbus_conn *c, const struct dbus_msg *m,
			     const char **job, const char **result)
{
	struct dbus_reader b = m->body;

	if (m->type != DBUS_SIGNAL || !m->member || !m->iface ||
	    strcmp(m->member, "JobRemoved") ||
	    strcmp(m->iface, "org.freedesktop.systemd1.Manager") ||
	    !m->signature || strcmp(m->signature, "uoss"))
		return false;
	dbus_get_u32(&b);
	*job = dbus_get_str(&b);
	dbus_get_str(&b);
	*result = dbus_get_str(&b);
	if (b.bad || strlen(*job) >= sizeof(c->done[0].job))
		return false;
	if (c->n_done == DBUS_KEPT_JOBS) {
		memmove(&c->done[0], &c->done[1], sizeof(c->done[0]) * (DBUS_KEPT_JOBS - 1));
		c->n_done--;
	}
	snprintf(c->done[c->n_done].job, sizeof(c->done[0].job), "%s", *job);
	snprintf(c->done[c->n_done].result, sizeof(c->done[0].result), "%s", *result);
	c->n_done++;
	return true;
}

int dbus_call(struct dbus_conn *c, const char *dest, const char *path,
	      const char *iface, const char *member, const char *sig,
	      const struct dbus_buf *body, struct dbus_msg *reply,
	      calyx_error **err)
{
	struct dbus_buf msg;
	uint32_t serial = ++c->serial;
	int r;

	r = dbus_build_call(&msg, serial, dest, path, iface, member, sig, body, err);
	if (r < 0)
		return r;
	arm_deadline(c);
	r = send_all(c, msg.data, msg.len, err);
	dbus_buf_release(&msg);
	if (r < 0)
		return calyx_error_prefix(err, "%s", member);
	for (;;) {
		const char *job, *result;

		r = next_message(c, reply, err);
		if (r < 0)
			return calyx_error_prefix(err, "%s", member);
		if (note_job_removed(c, reply, &job, &result))
			continue;
		if ((reply->type != DBUS_METHOD_RETURN && reply->type != DBUS_ERROR) ||
		    reply->reply_serial != serial)
			continue;	/* NameAcquired and the like */
		break;
	}
	if (reply->type == DBUS_ERROR) {
		struct dbus_reader b = reply->body;
		const char *name = reply->error_name ? reply->error_name : "(unnamed error)";
		const char *text = reply->signature && reply->signature[0] == 's' ?
					   dbus_get_str(&b) : NULL;
		int code = EIO;

		if (!strcmp(name, "org.freedesktop.systemd1.NoSuchUnit"))
			code = ENOENT;
		else if (!strcmp(name, "org.freedesktop.DBus.Error.AccessDenied"))
			code = EACCES;
		return calyx_error_setx(err, code, "%s: %s%s%s", member, name,
					text ? ": " : "", text ? text : "");
	}
	return 0;
}

int dbus_wait_job(struct dbus_conn *c, const char *job, char *result,
		  size_t result_size, calyx_error **err)
{
	arm_deadline(c);
	for (;;) {
		struct dbus_msg m;
		const char *j, *res;
		int r;

		for (size_t i = 0; i < c->n_done; i++)
			if (!strcmp(c->done[i].job, job)) {
				snprintf(result, result_size, "%s", c->done[i].result);
				return 0;
			}
		r = next_message(c, &m, err);
		if (r < 0)
			return calyx_error_prefix(err, "waiting for systemd job %s", job);
		note_job_removed(c, &m, &j, &res);
	}
}

/* SASL EXTERNAL: our uid in hex of its decimal digits, then BEGIN. */
static int authenticate(struct dbus_conn *c, calyx_error **err)
{
	char uid[16], line[80], hex[40] = "";
	size_t n = 0;
	int r;

	snprintf(uid, sizeof(uid), "%u", (unsigned int)geteuid());
	for (size_t i = 0; uid[i]; i++)
		snprintf(hex + 2 * i, sizeof(hex) - 2 * i, "%02x", (unsigned char)uid[i]);
	n = (size_t)snprintf(line, sizeof(line), "%cAUTH EXTERNAL %s\r\n", 0, hex);
	r = send_all(c, line, n, err);
	if (r < 0)
		return r;
	/* the server says nothing more until BEGIN: read exactly its line */
	for (;;) {
		char *crlf;

		if (fill(c, err) < 0)
			return calyx_error_prefix(err, "D-Bus authentication");
		crlf = memmem(c->in, c->in_len, "\r\n", 2);
		if (crlf) {
			*crlf = '\0';
			break;
		}
		if (c->in_len > 512)
			return calyx_error_setx(err, EPROTO, "D-Bus authentication: overlong reply");
	}
	if (strncmp((char *)c->in, "OK ", 3))
		return calyx_error_setx(err, EACCES, "D-Bus authentication refused: %.80s",
					(char *)c->in);
	c->in_len = 0;
	return send_all(c, "BEGIN\r\n", 7, err);
}

/* The bus's socket address from the environment or the default. */
static int bus_sockaddr(bool user, struct sockaddr_un *sa, socklen_t *salen,
			char **path, calyx_error **err)
{
	int r = bus_socket_path(user, path, err);

	if (r < 0)
		return r;
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(*path) >= sizeof(sa->sun_path))
		return calyx_error_setx(err, ENAMETOOLONG, "D-Bus socket path too long: %s", *path);
	memcpy(sa->sun_path, *path, strlen(*path));
	if ((*path)[0] == '@')
		sa->sun_path[0] = '\0';
	*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(*path) +
			     ((*path)[0] == '@' ? 0 : 1));
	return 0;
}

static const char *bus_name(bool user)
{
	return user ? "the user's D-Bus" : "the system D-Bus";
}

int dbus_check(bool user, calyx_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;
	socklen_t salen;
	int r;

	r = bus_sockaddr(user, &sa, &salen, &path, err);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return calyx_error_set(err, errno, "D-Bus socket");
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0)
		return calyx_error_set(err, errno, "connecting to %s at %s", bus_name(user), path);
	return 0;
}

int dbus_open(bool user, struct dbus_conn **out, calyx_error **err)
{
	_cleanup_free_ char *path = NULL;
	struct sockaddr_un sa;
	socklen_t salen;
	struct dbus_conn *c;
	struct dbus_msg reply;
	const char *bus = bus_name(user);
	int r;

	r = bus_sockaddr(user, &sa, &salen, &path, err);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return calyx_error_set(err, ENOMEM, "D-Bus");
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		dbus_close(c);
		return calyx_error_set(err, errno, "D-Bus socket");
	}
	arm_deadline(c);
	if (connect(c->fd, (struct sockaddr *)&sa, salen) < 0) {
		r = calyx_error_set(err, errno, "connecting to %s at %s", bus, path);
		dbus_close(c);
		return r;
	}
	r = authenticate(c, err);
	if (r >= 0)
		r = dbus_call(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			      "org.freedesktop.DBus", "Hello", NULL, NULL, &reply, err);
	if (r < 0) {
		dbus_close(c);
		return calyx_error_prefix(err, "%s at %s", bus, path);
	}
	*out = c;
	return 0;
}
