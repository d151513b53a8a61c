/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process object: config.json's "process" and `exec --process`. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse_internal.h"
#include "util/cleanup.h"

static int parse_user(struct spec_ctx *c, yajl_val p, struct calyx_user *u)
{
	yajl_val user = NULL, gids = NULL;
	size_t old;
	int r;

	r = get_object(c, p, "user", &user);
	if (r <= 0)
		return r;
	old = path_push_key(c, "user");
	/* uid/gid are REQUIRED by config.md but runc defaults them to 0. */
	if ((r = get_id(c, user, "uid", &u->uid, NULL)) < 0 ||
	    (r = get_id(c, user, "gid", &u->gid, NULL)) < 0 ||
	    (r = get_u32(c, user, "umask", &u->umask, &u->has_umask)) < 0 ||
	    (r = get_string(c, user, "username", &u->username)) < 0 ||
	    (r = get_array(c, user, "additionalGids", &gids)) < 0)
		goto out;
	if (gids) {
		size_t len = gids->u.array.len, at;

		u->additional_gids = calloc(len ? len : 1,
					    sizeof(*u->additional_gids));
		if (!u->additional_gids) {
			r = calyx_error_setx(c->err, ENOMEM, "out of memory");
			goto out;
		}
		u->n_additional_gids = len;
		at = path_push_key(c, "additionalGids");
		for (size_t i = 0; i < len && r >= 0; i++) {
			size_t ai = path_push_index(c, i);
			uint64_t g;

			r = value_uint(c, gids->u.array.values[i],
				       CALYX_ID_MAX, &g);
			u->additional_gids[i] = (uint32_t)g;
			path_pop(c, ai);
		}
		path_pop(c, at);
	}
out:
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_capabilities(struct spec_ctx *c, yajl_val p,
			      struct calyx_capabilities **out)
{
	yajl_val caps = NULL;
	struct calyx_capabilities *k;
	size_t old;
	int r;

	r = get_object(c, p, "capabilities", &caps);
	if (r <= 0)
		return r;
	k = calloc(1, sizeof(*k));
	if (!k)
		return calyx_error_setx(c->err, ENOMEM, "out of memory");
	*out = k;
	/* Names are checked by the security component, which knows libcap. */
	old = path_push_key(c, "capabilities");
	if ((r = get_strv(c, caps, "bounding", &k->bounding, NULL)) >= 0 &&
	    (r = get_strv(c, caps, "effective", &k->effective, NULL)) >= 0 &&
	    (r = get_strv(c, caps, "inheritable", &k->inheritable, NULL)) >= 0 &&
	    (r = get_strv(c, caps, "permitted", &k->permitted, NULL)) >= 0)
		r = get_strv(c, caps, "ambient", &k->ambient, NULL);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_rlimit(struct spec_ctx *c, yajl_val e, struct calyx_rlimit *l)
{
	int r;

	if (!YAJL_IS_OBJECT(e))
		return path_error(c, "must be an object");
	r = get_string(c, e, "type", &l->type);
	if (r == 0)
		return key_error(c, "type", "is required");
	if (r < 0)
		return r;
	l->resource = rlimit_from_name(l->type);
	if (l->resource < 0)
		return key_error(c, "type", "unknown rlimit type \"%s\"",
				 l->type);
	r = get_u64(c, e, "soft", &l->soft, NULL);
	if (r == 0)
		return key_error(c, "soft", "is required");
	if (r < 0)
		return r;
	r = get_u64(c, e, "hard", &l->hard, NULL);
	if (r == 0)
		return key_error(c, "hard", "is required");
	return r < 0 ? r : 0;
}

static int parse_rlimits(struct spec_ctx *c, yajl_val p,
			 struct calyx_process *proc)
{
	yajl_val arr = NULL;
	size_t old, len;
	int r;

	r = get_array(c, p, "rlimits", &arr);
	if (r <= 0)
		return r;
	len = arr->u.array.len;
	proc->rlimits = calloc(len ? len : 1, sizeof(*proc->rlimits));
	if (!proc->rlimits)
		return calyx_error_setx(c->err, ENOMEM, "out of memory");
	proc->n_rlimits = len;
	old = path_push_key(c, "rlimits");
	for (size_t i = 0; i < len && r >= 0; i++) {
		size_t at = path_push_index(c, i);

		r = parse_rlimit(c, arr->u.array.values[i], &proc->rlimits[i]);
		/* config.md: duplicated types MUST be an error. */
		for (size_t j = 0; r >= 0 && j < i; j++)
			if (proc->rlimits[j].resource ==
			    proc->rlimits[i].resource)
				r = key_error(c, "type",
					      "duplicate rlimit type \"%s\"",
					      proc->rlimits[i].type);
		path_pop(c, at);
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_io_priority(struct spec_ctx *c, yajl_val p,
			     struct calyx_io_priority **out)
{
	_cleanup_free_ char *class = NULL;
	yajl_val v = NULL;
	struct calyx_io_priority *io;
	size_t old;
	int r;

	r = get_object(c, p, "ioPriority", &v);
	if (r <= 0)
		return r;
	io = calloc(1, sizeof(*io));
	if (!io)
		return calyx_error_setx(c->err, ENOMEM, "out of memory");
	*out = io;
	old = path_push_key(c, "ioPriority");
	r = get_string(c, v, "class", &class);
	if (r == 0)
		r = key_error(c, "class", "is required");
	if (r > 0) {
		io->prio_class = ioprio_class_from_name(class);
		if (io->prio_class < 0)
			r = key_error(c, "class",
				      "unknown I/O priority class \"%s\"",
				      class);
	}
	/* The kernel takes 0 (highest) .. 7 (lowest) within a class. */
	if (r > 0) {
		int64_t prio = 0;

		r = get_int(c, v, "priority", 0, 7, &prio);
		if (r == 0)
			r = key_error(c, "priority", "is required");
		io->priority = (int32_t)prio;
	}
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_scheduler(struct spec_ctx *c, yajl_val p,
			   struct calyx_scheduler **out)
{
	yajl_val v = NULL;
	struct calyx_scheduler *s;
	size_t old;
	int r;

	r = get_object(c, p, "scheduler", &v);
	if (r <= 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return calyx_error_setx(c->err, ENOMEM, "out of memory");
	*out = s;
	old = path_push_key(c, "scheduler");
	r = get_string(c, v, "policy", &s->policy);
	if (r == 0)
		r = key_error(c, "policy", "is required");
	if (r > 0) {
		s->policy_value = sched_policy_from_name(s->policy);
		if (s->policy_value < 0)
			r = key_error(c, "policy",
				      "unknown scheduler policy \"%s\"",
				      s->policy);
	}
	if (r >= 0 && (r = get_i32(c, v, "nice", &s->nice, NULL)) >= 0 &&
	    (r = get_i32(c, v, "priority", &s->priority, NULL)) >= 0 &&
	    (r = get_strv(c, v, "flags", &s->flags, NULL)) >= 0 &&
	    (r = get_u64(c, v, "runtime", &s->runtime, NULL)) >= 0 &&
	    (r = get_u64(c, v, "deadline", &s->deadline, NULL)) >= 0)
		r = get_u64(c, v, "period", &s->period, NULL);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int check_cpu_list(struct spec_ctx *c, const char *key, const char *s)
{
	/* schema: ^[0-9, -]*$ ; the real syntax check is the kernel's. */
	if (s && strspn(s, "0123456789, -") != strlen(s))
		return key_error(c, key, "must be a CPU list like \"0-3,7\"");
	return 0;
}

static int parse_cpu_affinity(struct spec_ctx *c, yajl_val p,
			      struct calyx_process *proc)
{
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, p, "execCPUAffinity", &v);
	if (r <= 0)
		return r;
	old = path_push_key(c, "execCPUAffinity");
	if ((r = get_string(c, v, "initial",
			    &proc->exec_cpu_affinity_initial)) >= 0 &&
	    (r = get_string(c, v, "final",
			    &proc->exec_cpu_affinity_final)) >= 0 &&
	    (r = check_cpu_list(c, "initial",
				proc->exec_cpu_affinity_initial)) >= 0)
		r = check_cpu_list(c, "final", proc->exec_cpu_affinity_final);
	path_pop(c, old);
	return r < 0 ? r : 0;
}

static int parse_console_size(struct spec_ctx *c, yajl_val p,
			      struct calyx_process *proc)
{
	yajl_val v = NULL;
	size_t old;
	int r;

	r = get_object(c, p, "consoleSize", &v);
	if (r <= 0)
		return r;
	old = path_push_key(c, "consoleSize");
	r = get_u64(c, v, "height", &proc->console_height, NULL);
	if (r == 0)
		r = key_error(c, "height", "is required");
	if (r > 0) {
		r = get_u64(c, v, "width", &proc->console_width, NULL);
		if (r == 0)
			r = key_error(c, "width", "is required");
	}
	path_pop(c, old);
	if (r < 0)
		return r;
	proc->has_console_size = true;
	return 0;
}

static int parse_process_fields(struct spec_ctx *c, yajl_val p,
				struct calyx_process *proc)
{
	int64_t oom;
	int r;

	if ((r = get_bool(c, p, "terminal", &proc->terminal)) < 0 ||
	    (r = parse_console_size(c, p, proc)) < 0 ||
	    (r = parse_user(c, p, &proc->user)) < 0)
		return r;

	/* config.md: at least one entry is REQUIRED (non-Windows). */
	{
		yajl_val a = obj_get(p, "args");

		if (a && !YAJL_IS_ARRAY(a))
			return key_error(c, "args", "must be a non-empty "
					 "array of strings");
	}
	r = get_strv(c, p, "args", &proc->args, &proc->n_args);
	if (r < 0)
		return r;
	if (proc->n_args == 0)
		return key_error(c, "args",
				 "must be a non-empty array of strings");

	if ((r = get_string(c, p, "commandLine", &proc->command_line)) < 0 ||
	    (r = get_strv(c, p, "env", &proc->env, NULL)) < 0)
		return r;

	r = get_string(c, p, "cwd", &proc->cwd);
	if (r == 0)
		return key_error(c, "cwd", "is required");
	if (r < 0)
		return r;
	if (proc->cwd[0] != '/')
		return key_error(c, "cwd", "must be an absolute path");

	if ((r = parse_capabilities(c, p, &proc->capabilities)) < 0 ||
	    (r = parse_rlimits(c, p, proc)) < 0 ||
	    (r = get_bool(c, p, "noNewPrivileges",
			  &proc->no_new_privileges)) < 0 ||
	    (r = get_string(c, p, "apparmorProfile",
			    &proc->apparmor_profile)) < 0 ||
	    (r = get_string(c, p, "selinuxLabel", &proc->selinux_label)) < 0)
		return r;

	/* The kernel's range for oom_score_adj. */
	r = get_int(c, p, "oomScoreAdj", -1000, 1000, &oom);
	if (r < 0)
		return r;
	if (r > 0) {
		proc->has_oom_score_adj = true;
		proc->oom_score_adj = (int)oom;
	}

	if ((r = parse_io_priority(c, p, &proc->io_priority)) < 0 ||
	    (r = parse_scheduler(c, p, &proc->scheduler)) < 0 ||
	    (r = parse_cpu_affinity(c, p, proc)) < 0)
		return r;
	return 0;
}

int parse_process_object(struct spec_ctx *c, yajl_val p,
			 struct calyx_process **out)
{
	struct calyx_process *proc = calloc(1, sizeof(*proc));
	int r;

	if (!proc)
		return calyx_error_setx(c->err, ENOMEM, "out of memory");
	r = parse_process_fields(c, p, proc);
	if (r < 0) {
		calyx_process_free(proc);
		return r;
	}
	*out = proc;
	return 0;
}
