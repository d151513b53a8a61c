/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From a profile to a loadable program, as cheaply as possible:
 *  - the built-in default profile was compiled at build time;
 *  - any other profile is looked up in a cache of earlier compiles, keyed
 *    by its exact canonical text (not by a hash alone: an entry is used only
 *    when the stored text is byte for byte the same), so the engines' big
 *    default profiles pay libseccomp's milliseconds once per host;
 *  - a miss compiles and stores the result atomically.
 * What libseccomp emits depends on its version and on what the running
 * kernel supports; both are part of the canonical text.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define CACHE_DIR "seccomp"
#define CACHE_MAGIC "calyx-bpf-2\n"	/* 2: the ENOSYS stub */

struct text {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct text *t, const char *s)
{
	size_t n = strlen(s) + 1;	/* fields end in NUL: no ambiguity */

	if (t->oom)
		return;
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		char *grown;

		while (cap < t->len + n)
			cap *= 2;
		grown = realloc(t->buf, cap);
		if (!grown) {
			t->oom = true;
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void putu(struct text *t, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	put(t, num);
}

static void put_list(struct text *t, char *const *list)
{
	size_t n = 0;

	while (list && list[n])
		n++;
	putu(t, n);
	for (size_t i = 0; i < n; i++)
		put(t, list[i]);
}

/* Everything that decides the compiled program, in a fixed order. */
static int canonical_text(const struct calyx_seccomp *cfg, struct text *t)
{
	const struct scmp_version *v = seccomp_version();

	put(t, CACHE_MAGIC);
	putu(t, v ? v->major : 0);
	putu(t, v ? v->minor : 0);
	putu(t, v ? v->micro : 0);
	putu(t, seccomp_api_get());
	put(t, cfg->default_action ? cfg->default_action : "");
	putu(t, cfg->has_default_errno_ret ? (uint64_t)cfg->default_errno_ret + 1 : 0);
	put_list(t, cfg->architectures);
	put_list(t, cfg->flags);
	putu(t, cfg->n_syscalls);
	for (size_t i = 0; i < cfg->n_syscalls; i++) {
		const struct calyx_syscall_rule *r = &cfg->syscalls[i];

		put_list(t, r->names);
		put(t, r->action ? r->action : "");
		putu(t, r->has_errno_ret ? (uint64_t)r->errno_ret + 1 : 0);
		putu(t, r->n_args);
		for (size_t a = 0; a < r->n_args; a++) {
			putu(t, r->args[a].index);
			putu(t, r->args[a].value);
			putu(t, r->args[a].value_two);
			put(t, r->args[a].op ? r->args[a].op : "");
		}
	}
	return t->oom ? -ENOMEM : 0;
}

/* FNV-1a: only names the file; the full text decides a hit. */
static uint64_t fnv1a(const char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)buf[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The entry: canonical text, then flags (8 bytes), then the instructions. */
static int cache_lookup(int dirfd, const char *name, const struct text *key,
			struct calyx_seccomp_program **out)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len = 0, n;
	uint64_t flags;

	if (calyx_read_file_at(dirfd, name, &data, &len, &ignored) < 0)
		return -ENOENT;
	if (len < key->len + sizeof(flags) || memcmp(data, key->buf, key->len) != 0)
		return -ENOENT;
	memcpy(&flags, data + key->len, sizeof(flags));
	n = (len - key->len - sizeof(flags)) / sizeof(struct sock_filter);
	if ((len - key->len - sizeof(flags)) % sizeof(struct sock_filter))
		return -ENOENT;
	return calyx_seccomp_program_from_bpf(
		(const struct sock_filter *)(data + key->len + sizeof(flags)), n,
		(unsigned long)flags, out, &ignored);
}

static void cache_store(int dirfd, const char *name, const struct text *key,
			const struct calyx_seccomp_program *prog)
{
	_cleanup_error_ calyx_error *ignored = NULL;
	_cleanup_free_ char *data = NULL;
	const struct sock_filter *insns;
	unsigned long flags;
	uint64_t flags64;
	size_t n, len;

	calyx_seccomp_program_bpf(prog, &insns, &n, &flags);
	flags64 = flags;
	len = key->len + sizeof(flags64) + n * sizeof(*insns);
	data = malloc(len);
	if (!data)
		return;
	memcpy(data, key->buf, key->len);
	memcpy(data + key->len, &flags64, sizeof(flags64));
	memcpy(data + key->len + sizeof(flags64), insns, n * sizeof(*insns));
	/* a cache that cannot be written is only slower */
	calyx_write_file_atomic_at(dirfd, name, data, len, 0600, &ignored);
}

static bool uses_notify(const struct calyx_seccomp *cfg)
{
	if (cfg->default_action && !strcmp(cfg->default_action, "SCMP_ACT_NOTIFY"))
		return true;
	for (size_t i = 0; i < cfg->n_syscalls; i++)
		if (cfg->syscalls[i].action &&
		    !strcmp(cfg->syscalls[i].action, "SCMP_ACT_NOTIFY"))
			return true;
	return false;
}

int calyx_seccomp_prepare(const struct calyx_seccomp *cfg, int cache_rootfd,
			  const struct calyx_log *log,
			  struct calyx_seccomp_program **out, calyx_error **err)
{
	struct text key = { 0 };
	_cleanup_close_ int dirfd = -1;
	char name[32];
	int r;

	/* the built-in profile was compiled at build time, byte for byte what
	 * calyx_seccomp_compile() would produce here */
	if (cfg->builtin_default)
		return calyx_seccomp_default_program(out, err);
	/* a NOTIFY filter carries more than its instructions: not cached */
	if (cache_rootfd < 0 || uses_notify(cfg))
		return calyx_seccomp_compile(cfg, log, out, err);
	if (mkdirat(cache_rootfd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return calyx_seccomp_compile(cfg, log, out, err);
	dirfd = openat(cache_rootfd, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0 || canonical_text(cfg, &key) < 0) {
		free(key.buf);
		return calyx_seccomp_compile(cfg, log, out, err);
	}
	snprintf(name, sizeof(name), "%016" PRIx64, fnv1a(key.buf, key.len));
	if (cache_lookup(dirfd, name, &key, out) == 0) {
		calyx_debug(log, "seccomp: compiled filter %s from the cache", name);
		free(key.buf);
		return 0;
	}
	r = calyx_seccomp_compile(cfg, log, out, err);
	if (r == 0)
		cache_store(dirfd, name, &key, *out);
	free(key.buf);
	return r;
}
