/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Flags -> struct calyx_spec.  The base is the spec `calyx spec` writes
 * (parsed, so defaults live in one place); each flag then changes the
 * field the spec has for it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "sandbox/sandbox.h"
#include "security/security.h"
#include "seccomp/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define SANDBOX_ANNOTATION "org.calyx.sandbox"

static int append(char ***v, const char *s, calyx_error **err)
{
	return calyx_strv_push(v, s) < 0 ? calyx_error_set(err, ENOMEM, "spec") : 0;
}

static int set_str(char **field, const char *value, calyx_error **err)
{
	char *copy = strdup(value);

	if (!copy)
		return calyx_error_set(err, ENOMEM, "spec");
	free(*field);
	*field = copy;
	return 0;
}

/* The destination must be absolute; no ".." (it is resolved in the root
 * by the mount plan anyway, but a clear error beats a surprise). */
static int check_destination(const char *flag, const char *dst, calyx_error **err)
{
	if (dst[0] != '/' || strstr(dst, "/../") ||
	    (strlen(dst) >= 3 && strcmp(dst + strlen(dst) - 3, "/..") == 0))
		return calyx_error_setx(err, EINVAL,
					"%s: destination %s must be an absolute path "
					"without \"..\"", flag, dst);
	return 0;
}

/* Without an overlay a bind destination missing from a `/` rootfs would
 * be created on the host's own root: refuse instead. */
static int check_host_destination(const struct sandbox_options *o,
				  const char *flag, const char *dst,
				  calyx_error **err)
{
	struct stat sb;

	if (o->overlay || strcmp(o->rootfs, "/") != 0 || lstat(dst, &sb) == 0)
		return 0;
	return calyx_error_setx(err, ENOENT,
				"%s: %s does not exist on the host root; create it or "
				"use --overlay", flag, dst);
}

/*
 * A missing --workdir is made in the container's root, which is only the
 * container's own to write when it is writable: an overlay, or a rootfs
 * that is neither read-only nor the host's `/`.  Otherwise it must exist
 * (looked up inside the rootfs, as the container will see it).
 */
static int check_workdir(const struct sandbox_options *o, calyx_error **err)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int rootfd = -1, fd = -1;
	bool host_root = strcmp(o->rootfs, "/") == 0;

	if (!o->workdir || o->overlay || (!o->read_only && !host_root))
		return 0;
	rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return calyx_error_set(err, errno, "--rootfs %s", o->rootfs);
	fd = (int)syscall(SYS_openat2, rootfd, o->workdir, &how, sizeof(how));
	if (fd >= 0)
		return 0;
	if (errno != ENOENT)
		return calyx_error_set(err, errno, "--workdir %s", o->workdir);
	return calyx_error_setx(err, ENOENT,
				"--workdir: %s does not exist in the %s root; create it "
				"or use --overlay", o->workdir,
				host_root ? "host's" : "read-only");
}

static int add_mount(struct calyx_spec *spec, const char *dst, const char *type,
		     const char *src, const char *const *opts, calyx_error **err)
{
	struct calyx_mount *grown, *m;
	int r;

	grown = realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*grown));
	if (!grown)
		return calyx_error_set(err, ENOMEM, "spec");
	spec->mounts = grown;
	m = &grown[spec->n_mounts];
	memset(m, 0, sizeof(*m));
	spec->n_mounts++;
	r = set_str(&m->destination, dst, err);
	if (r >= 0)
		r = set_str(&m->type, type, err);
	if (r >= 0)
		r = set_str(&m->source, src, err);
	for (; r >= 0 && *opts; opts++)
		r = append(&m->options, *opts, err);
	return r < 0 ? r : 0;
}

/* SRC:DST[:ro|:rw]; SRC must exist (made absolute, symlinks resolved). */
static int add_bind(struct calyx_spec *spec, const struct sandbox_options *o,
		    const char *arg, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(arg), *src = NULL;
	char *dst, *mode;
	bool ro = false;
	int r;

	if (!copy)
		return calyx_error_set(err, ENOMEM, "--bind");
	dst = strchr(copy, ':');
	if (!dst || dst == copy || !dst[1])
		return calyx_error_setx(err, EINVAL, "--bind: want SRC:DST[:ro], got \"%s\"",
					arg);
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") == 0)
			ro = true;
		else if (strcmp(mode, "rw") != 0)
			return calyx_error_setx(err, EINVAL,
						"--bind: unknown mode \"%s\" (ro or rw)", mode);
	}
	src = realpath(copy, NULL);
	if (!src)
		return calyx_error_set(err, errno, "--bind: source %s", copy);
	r = check_destination("--bind", dst, err);
	if (r >= 0)
		r = check_host_destination(o, "--bind", dst, err);
	if (r < 0)
		return r;
	return add_mount(spec, dst, "bind", src,
			 (const char *const[]){ "rbind", ro ? "ro" : "rw", "nosuid",
						"nodev", NULL }, err);
}

/* DST[:SIZE]; SIZE as --memory takes it. */
static int add_tmpfs(struct calyx_spec *spec, const struct sandbox_options *o,
		     const char *arg, calyx_error **err)
{
	_cleanup_free_ char *copy = strdup(arg);
	char size_opt[64] = "size=65536k";
	char *size;
	int64_t bytes;
	int r;

	if (!copy)
		return calyx_error_set(err, ENOMEM, "--tmpfs");
	size = strchr(copy, ':');
	if (size) {
		*size++ = '\0';
		if (sandbox_parse_size(size, &bytes, err) < 0)
			return calyx_error_prefix(err, "--tmpfs %s", arg);
		snprintf(size_opt, sizeof(size_opt), "size=%lld", (long long)bytes);
	}
	r = check_destination("--tmpfs", copy, err);
	if (r >= 0)
		r = check_host_destination(o, "--tmpfs", copy, err);
	if (r < 0)
		return r;
	return add_mount(spec, copy, "tmpfs", "tmpfs",
			 (const char *const[]){ "nosuid", "nodev", "mode=1777",
						size_opt, NULL }, err);
}

/* K=V replaces K; a bare K takes the host's value (skipped when unset). */
static int set_env(struct calyx_process *p, const char *arg, calyx_error **err)
{
	_cleanup_free_ char *entry = NULL;
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);

	if (!klen)
		return calyx_error_setx(err, EINVAL, "--env: want K=V, got \"%s\"", arg);
	if (!eq) {
		const char *v = getenv(arg);

		if (!v)
			return 0;
		if (asprintf(&entry, "%s=%s", arg, v) < 0)
			return calyx_error_set(err, ENOMEM, "--env");
		arg = entry;
	}
	for (size_t i = 0; p->env && p->env[i]; i++) {
		if (strncmp(p->env[i], arg, klen) == 0 && p->env[i][klen] == '=')
			return set_str(&p->env[i], arg, err);
	}
	return append(&p->env, arg, err);
}

/* "net_admin" / "CAP_NET_ADMIN" -> "CAP_NET_ADMIN" */
static int cap_name(const char *arg, char *out, size_t size, calyx_error **err)
{
	bool prefixed = strncasecmp(arg, "CAP_", 4) == 0;
	size_t i, off = prefixed ? 0 : 4;

	if (!arg[0] || strlen(arg) + off >= size)
		return calyx_error_setx(err, EINVAL, "invalid capability \"%s\"", arg);
	memcpy(out, "CAP_", 4);
	for (i = 0; arg[i]; i++)
		out[off + i] = (char)toupper((unsigned char)arg[i]);
	out[off + i] = '\0';
	if (calyx_cap_number(out) < 0)
		return calyx_error_setx(err, EINVAL, "unknown capability \"%s\"", arg);
	return 0;
}

/*
 * --caps build: what apt, dnf or apk need to install packages as root in
 * the container: chown/chmod files they do not own, and switch to their
 * unprivileged sandbox user (apt's _apt) and back.
 */
static const char *const build_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETUID", "CAP_SETGID",
};

static int add_cap(struct calyx_capabilities *c, const char *name, calyx_error **err)
{
	char ***sets[] = { &c->bounding, &c->effective, &c->permitted };
	int r;

	for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
		calyx_strv_remove(*sets[s], name);
		r = append(sets[s], name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int change_caps(struct calyx_process *p, const struct sandbox_options *o,
		       calyx_error **err)
{
	struct calyx_capabilities *c = p->capabilities;
	char name[64];
	int r;

	if (!c) {
		c = p->capabilities = calloc(1, sizeof(*c));
		if (!c)
			return calyx_error_set(err, ENOMEM, "spec");
	}
	for (size_t i = 0; i < o->n_cap_drop; i++) {
		if (cap_name(o->cap_drop[i], name, sizeof(name), err) < 0)
			return calyx_error_prefix(err, "--cap-drop");
		calyx_strv_remove(c->bounding, name);
		calyx_strv_remove(c->effective, name);
		calyx_strv_remove(c->permitted, name);
		calyx_strv_remove(c->inheritable, name);
		calyx_strv_remove(c->ambient, name);
	}
	for (size_t i = 0; o->caps_profile && i < ARRAY_SIZE(build_caps); i++) {
		r = add_cap(c, build_caps[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < o->n_cap_add; i++) {
		if (cap_name(o->cap_add[i], name, sizeof(name), err) < 0)
			return calyx_error_prefix(err, "--cap-add");
		r = add_cap(c, name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Docker's format: K=V per line, K alone takes the host's value; blank
 * lines and lines starting with # are skipped; values are taken as they
 * are (no quotes, no expansion). */
static int add_env_file(struct calyx_process *p, const char *path, calyx_error **err)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	size_t len = 0, lineno = 0;
	int r;

	r = calyx_read_file_at(AT_FDCWD, path, &text, &len, err);
	if (r < 0)
		return calyx_error_prefix(err, "--env-file");
	if (strlen(text) != len)
		return calyx_error_setx(err, EINVAL, "--env-file %s: a NUL byte", path);
	for (line = text; line; line = save) {
		char *start = line;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		if (line[0] && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		while (*start == ' ' || *start == '\t')
			start++;
		if (!*start || *start == '#')
			continue;
		if (*start == '=')
			return calyx_error_setx(err, EINVAL, "--env-file %s:%zu: no name "
						"before \"=\"", path, lineno);
		r = set_env(p, start, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_user(struct calyx_process *p, const struct sandbox_options *o,
		    calyx_error **err)
{
	_cleanup_close_ int rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return calyx_error_set(err, errno, "--rootfs %s", o->rootfs);
	free(p->user.additional_gids);
	p->user.additional_gids = NULL;
	p->user.n_additional_gids = 0;
	return sandbox_resolve_user(rootfd, o->user, &p->user, err);
}

static int set_process(struct calyx_spec *spec, const struct sandbox_options *o,
		       char *const *cmd, calyx_error **err)
{
	struct calyx_process *p = spec->process;
	int r;

	if (!cmd || !cmd[0])
		return calyx_error_setx(err, EINVAL,
					"run --rootfs: no command (give it after --)");
	p->terminal = o->tty;
	calyx_strv_free(p->args);
	p->args = calyx_strv_dup(cmd);
	if (!p->args)
		return calyx_error_set(err, ENOMEM, "spec");
	p->n_args = calyx_strv_length(p->args);
	if (o->workdir) {
		r = set_str(&p->cwd, o->workdir, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < o->n_env_files; i++) {
		r = add_env_file(p, o->env_files[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < o->n_env; i++) {
		r = set_env(p, o->env[i], err);
		if (r < 0)
			return r;
	}
	if (o->user) {
		r = set_user(p, o, err);
		if (r < 0)
			return r;
	}
	return change_caps(p, o, err);
}

static int set_namespaces(struct calyx_spec *spec, const struct sandbox_options *o,
			  const struct sandbox_plan *plan, calyx_error **err)
{
	struct calyx_linux *l = spec->linux_cfg;
	bool has_net = calyx_spec_namespace(spec, CALYX_NS_NETWORK) != NULL;
	size_t j = 0;
	int r;

	if (o->net == SANDBOX_NET_HOST) {
		for (size_t i = 0; i < l->n_namespaces; i++) {
			if (l->namespaces[i].type == CALYX_NS_NETWORK)
				free(l->namespaces[i].path);
			else
				l->namespaces[j++] = l->namespaces[i];
		}
		l->n_namespaces = j;
	} else if (!has_net) {
		struct calyx_namespace *grown = realloc(l->namespaces,
			(l->n_namespaces + 1) * sizeof(*grown));

		if (!grown)
			return calyx_error_set(err, ENOMEM, "spec");
		l->namespaces = grown;
		grown[l->n_namespaces++] = (struct calyx_namespace){
			.type = CALYX_NS_NETWORK,
		};
	}
	if (o->net == SANDBOX_NET_VETH) {
		l->net_devices = calloc(1, sizeof(*l->net_devices));
		if (!l->net_devices)
			return calyx_error_set(err, ENOMEM, "spec");
		l->n_net_devices = 1;
		r = set_str(&l->net_devices[0].host_name,
			    plan->veth_peer ? plan->veth_peer : "cxc0", err);
		if (r >= 0)
			r = set_str(&l->net_devices[0].name, "eth0", err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_resources(struct calyx_spec *spec, const struct sandbox_options *o,
			 calyx_error **err)
{
	struct calyx_resources *res = spec->linux_cfg->resources;

	if (!o->has_memory && !o->has_cpus && !o->has_pids)
		return 0;
	if (!res) {
		res = spec->linux_cfg->resources = calloc(1, sizeof(*res));
		if (!res)
			return calyx_error_set(err, ENOMEM, "spec");
	}
	if (o->has_memory) {
		if (!res->memory && !(res->memory = calloc(1, sizeof(*res->memory))))
			return calyx_error_set(err, ENOMEM, "spec");
		res->memory->has_limit = true;
		res->memory->limit = o->memory;
		/* no swap on top: the limit is the limit */
		res->memory->has_swap = true;
		res->memory->swap = o->memory;
	}
	if (o->has_cpus) {
		if (!res->cpu && !(res->cpu = calloc(1, sizeof(*res->cpu))))
			return calyx_error_set(err, ENOMEM, "spec");
		res->cpu->has_quota = res->cpu->has_period = true;
		res->cpu->quota = o->cpu_quota;
		res->cpu->period = 100000;
	}
	if (o->has_pids) {
		res->has_pids_limit = true;
		res->pids_limit = o->pids;
	}
	return 0;
}

/*
 * A seccomp object from a file, parsed as its own document: a file holding
 * null must not mean "no filter", nor may a crafted file reach any other
 * field of the spec.
 */
static int seccomp_from_file(const char *path, struct calyx_seccomp **out,
			     calyx_error **err)
{
	_cleanup_free_ char *raw = NULL;
	size_t len = 0;
	int r;

	r = calyx_read_file_at(AT_FDCWD, path, &raw, &len, err);
	if (r < 0)
		return calyx_error_prefix(err, "--seccomp");
	r = calyx_seccomp_parse(raw, len, out, err);
	if (r < 0)
		return calyx_error_prefix(err, "--seccomp %s", path);
	return 0;
}

static int set_seccomp(struct calyx_spec *spec, const struct sandbox_options *o,
		       calyx_error **err)
{
	const char *profile = o->seccomp ? o->seccomp : "default";

	if (strcmp(profile, "unconfined") == 0)
		return 0;
	if (strcmp(profile, "default") == 0)
		return calyx_seccomp_default_profile(&spec->linux_cfg->seccomp, err);
	return seccomp_from_file(profile, &spec->linux_cfg->seccomp, err);
}

static int add_annotation(struct calyx_spec *spec, calyx_error **err)
{
	struct calyx_kv *grown = realloc(spec->annotations,
					 (spec->n_annotations + 1) * sizeof(*grown));

	if (!grown)
		return calyx_error_set(err, ENOMEM, "spec");
	spec->annotations = grown;
	grown[spec->n_annotations] = (struct calyx_kv){
		.key = strdup(SANDBOX_ANNOTATION), .value = strdup("true"),
	};
	spec->n_annotations++;
	if (!grown[spec->n_annotations - 1].key || !grown[spec->n_annotations - 1].value)
		return calyx_error_set(err, ENOMEM, "spec");
	return 0;
}

static int check_combinations(const struct sandbox_options *o, calyx_error **err)
{
	const char *overlay = o->keep_changes ? "--keep-changes" : "--overlay";

	if (o->overlay && o->read_only)
		/* the overlay would sit unused under a read-only root */
		return calyx_error_setx(err, EINVAL,
					"%s and --read-only together: a read-only root "
					"cannot be written, so the overlay would be "
					"unused; give one of them", overlay);
	if (o->overlay_size && !o->overlay)
		return calyx_error_setx(err, EINVAL, "--overlay-size needs --overlay");
	if (o->overlay_size && o->keep_changes)
		return calyx_error_setx(err, EINVAL,
					"--overlay-size: the upper layer of --keep-changes "
					"is DIR on the host, which a size cannot bound");
	return 0;
}

static int base_spec(struct calyx_spec **out, calyx_error **err)
{
	_cleanup_free_ char *json = NULL;
	int r;

	r = calyx_spec_generate_default(geteuid() != 0, &json, err);
	if (r < 0)
		return r;
	return calyx_spec_parse(json, strlen(json), out, err);
}

int sandbox_build_spec(const struct sandbox_options *o, char *const *cmd,
		       const struct sandbox_plan *plan, struct calyx_spec **out,
		       calyx_error **err)
{
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	int r;

	r = check_combinations(o, err);
	if (r >= 0)
		r = base_spec(&spec, err);
	if (r >= 0 && geteuid() != 0)
		r = sandbox_add_subids(spec->linux_cfg, err);
	if (r < 0)
		return r;
	r = set_str(&spec->root_path, plan->root_path, err);
	if (r < 0)
		return r;
	/* the host's own root is never written to without an overlay */
	spec->root_readonly = o->read_only ||
			      (!o->overlay && strcmp(o->rootfs, "/") == 0);
	if (o->hostname && strlen(o->hostname) > 64)
		return calyx_error_setx(err, EINVAL, "--hostname: longer than 64 characters");
	if (o->hostname)
		r = set_str(&spec->hostname, o->hostname, err);
	if (r >= 0)
		r = set_process(spec, o, cmd, err);
	if (r >= 0)
		r = check_workdir(o, err);
	for (size_t i = 0; r >= 0 && i < o->n_binds; i++)
		r = add_bind(spec, o, o->binds[i], err);
	for (size_t i = 0; r >= 0 && i < o->n_tmpfs; i++)
		r = add_tmpfs(spec, o, o->tmpfs[i], err);
	if (r >= 0)
		r = set_namespaces(spec, o, plan, err);
	if (r >= 0)
		r = set_resources(spec, o, err);
	if (r >= 0)
		r = set_seccomp(spec, o, err);
	if (r >= 0)
		r = add_annotation(spec, err);
	if (r >= 0)
		r = calyx_spec_validate(spec, err);
	if (r < 0)
		return r;
	*out = TAKE_PTR(spec);
	return 0;
}
