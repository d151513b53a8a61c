/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `calyx run --rootfs DIR -- CMD`: sweep, prepare, build, run, clean up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/prepare.h"
#include "sandbox/sandbox.h"
#include "spec/serialize.h"
#include "util/cleanup.h"
#include "util/strv.h"

static int make_id(char *buf, size_t size, calyx_error **err)
{
	unsigned char rnd[6];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return calyx_error_set(err, errno, "getrandom");
	snprintf(buf, size, "run-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5]);
	return 0;
}

static int resolve_rootfs(const char *rootfs, char **out, calyx_error **err)
{
	struct stat sb;

	*out = realpath(rootfs, NULL);
	if (!*out)
		return calyx_error_set(err, errno, "--rootfs %s", rootfs);
	if (stat(*out, &sb) < 0)
		return calyx_error_set(err, errno, "--rootfs %s", rootfs);
	if (!S_ISDIR(sb.st_mode))
		return calyx_error_setx(err, ENOTDIR, "--rootfs %s: not a directory",
					rootfs);
	return 0;
}

static int print_spec(const struct sandbox_options *o, char *const *cmd,
		      const char *rootfs, calyx_error **err)
{
	const struct sandbox_plan plan = { .root_path = rootfs, .veth_peer = "cxc0" };
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	_cleanup_free_ char *json = NULL;
	int r;

	r = sandbox_build_spec(o, cmd, &plan, &spec, err);
	if (r >= 0)
		r = calyx_spec_serialize(spec, &json, err);
	if (r < 0)
		return r;
	if (fputs(json, stdout) == EOF || fflush(stdout) == EOF)
		return calyx_error_set(err, errno, "writing the spec");
	return 0;
}

/*
 * A cgroup only when it has something to enforce: limits, or the device
 * policy once the process could make device nodes (CAP_MKNOD).  Without
 * one, nodev on the rootfs keeps its device nodes shut, which is what the
 * device cgroup's default list leaves open anyway: /dev is calyx's own.
 * This spares the cgroup setup that dominates a short run (ten
 * hierarchies on a v1 host); --cgroup asks for one regardless.
 */
static bool needs_cgroup(const struct sandbox_options *o, const struct calyx_spec *spec)
{
	const struct calyx_capabilities *c = spec->process->capabilities;

	/* a report reads its usage from the cgroup (root: rootless runs
	 * may have none to make, and fall back to rusage) */
	return o->cgroup || o->has_memory || o->has_cpus || o->has_pids ||
	       (o->report && geteuid() == 0) ||
	       (c && calyx_strv_contains(c->bounding, "CAP_MKNOD"));
}

int calyx_sandbox_run(struct calyx_context *ctx, const struct calyx_sandbox_options *opts,
		      char *const *cmd, const struct calyx_create_options *create,
		      int *exit_status, calyx_error **err)
{
	_cleanup_spec_ struct calyx_spec *spec = NULL;
	_cleanup_free_ char *rootfs = NULL;
	struct sandbox_options options, *o = &options;
	struct calyx_run_options run = { .create = *create };
	struct calyx_run_report report;
	struct timespec t0, t1;
	struct sandbox_env env = { .rootfd = -1, .lockfd = -1 };
	struct sandbox_plan plan;
	char idbuf[32];
	int r;

	*exit_status = 0;
	r = sandbox_options_parse(opts, o, err);
	if (r < 0)
		return r;
	run.timeout_sec = o->timeout_sec;
	r = resolve_rootfs(o->rootfs, &rootfs, err);
	if (r < 0)
		return r;
	if (o->print_spec)
		return print_spec(o, cmd, rootfs, err);
	if (o->tty && !isatty(STDIN_FILENO))
		/* calyx relays the terminal from its stdin */
		return calyx_error_setx(err, ENOTTY, "--tty: stdin is not a terminal");
	if (!o->id) {
		r = make_id(idbuf, sizeof(idbuf), err);
		if (r < 0)
			return r;
		o->id = idbuf;
	}
	r = calyx_id_validate(o->id, err);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sandbox_sweep(ctx);
	r = sandbox_prepare(ctx, o, rootfs, o->id, &env, err);
	if (r >= 0) {
		plan = (struct sandbox_plan){ .root_path = env.root_path,
					      .veth_peer = env.veth_peer };
		r = sandbox_build_spec(o, cmd, &plan, &spec, err);
	}
	if (r >= 0) {
		run.create.spec = spec;
		run.create.root_source = env.has_root_source ? &env.root_source : NULL;
		run.create.no_cgroup = !needs_cgroup(o, spec);
		run.create.rootfs_nodev = run.create.no_cgroup;
		/* the usage is read only when someone will hear of it */
		if (o->report || o->has_memory)
			run.report = &report;
		r = calyx_container_run(ctx, o->id, &run, exit_status, err);
	}
	if (r >= 0 && run.report) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sandbox_report_explain(ctx, o, &report);
		if (o->report)
			r = sandbox_report_write(o, &report, *exit_status,
						 (double)(t1.tv_sec - t0.tv_sec) +
						 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
						 err);
	}
	/* the container is gone: what it kept goes to the host clean (a
	 * rootless run's files can give no more than the user has) */
	if (env.keep_recorded && geteuid() == 0) {
		_cleanup_error_ calyx_error *later = NULL;

		if (r >= 0)
			r = sandbox_keep_sanitize(env.upper_dir, err);
		else if (sandbox_keep_sanitize(env.upper_dir, &later) < 0)
			calyx_warn(&ctx->log, "%s", later->msg);
	}
	sandbox_cleanup(&env);
	return r;
}
