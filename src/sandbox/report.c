/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The end of a bundle-less run, for a CI system: --report FILE (one JSON
 * object) and, when the job was OOM-killed or timed out, one line on
 * stderr that says so instead of a bare 137 or 124.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/cleanup.h"
#include "util/json_writer.h"

static bool killed_by_signal(const struct calyx_run_report *rep)
{
	return rep->wait_code == CLD_KILLED || rep->wait_code == CLD_DUMPED;
}

/* "512 MiB", "1.5 GiB", "4096 bytes" */
static void format_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, size, "%llu %s", (unsigned long long)v, units[u]);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

void sandbox_report_explain(struct calyx_context *ctx, const struct sandbox_options *o,
			    const struct calyx_run_report *rep)
{
	char limit[32] = "";

	if (rep->timed_out)
		return;	/* the wait already said so */
	if (!rep->oom_kills)
		return;
	if (o->has_memory) {
		strcpy(limit, " (limit ");
		format_size(limit + strlen(limit), sizeof(limit) - strlen(limit) - 1,
			    (uint64_t)o->memory);
		strcat(limit, ")");
	}
	if (killed_by_signal(rep) && rep->wait_status == SIGKILL)
		calyx_log(&ctx->log, CALYX_LOG_ERROR,
			  "the job was killed: out of memory%s", limit);
	else
		calyx_log(&ctx->log, CALYX_LOG_ERROR,
			  "%llu process%s of the job killed: out of memory%s",
			  (unsigned long long)rep->oom_kills,
			  rep->oom_kills == 1 ? " was" : "es were", limit);
}

static void put_u64_or_null(struct json_writer *w, const char *key, uint64_t v,
			    bool known)
{
	jw_key(w, key);
	if (known)
		jw_u64(w, v);
	else
		jw_null(w);
}

/* seconds with three decimals */
static void put_seconds(struct json_writer *w, const char *key, double v)
{
	char text[32];

	snprintf(text, sizeof(text), "%.3f", v);
	jw_key(w, key);
	jw_number(w, text);
}

int sandbox_report_write(const struct sandbox_options *o,
			 const struct calyx_run_report *rep, int exit_status,
			 double wall_seconds, calyx_error **err)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int fd = -1;
	struct json_writer w;
	FILE *f;
	int r;

	jw_init(&w, NULL);
	jw_map_open(&w);
	jw_key_int(&w, "exitStatus", exit_status);
	if (killed_by_signal(rep)) {
		const char *sig = sigabbrev_np(rep->wait_status);
		char name[32];

		snprintf(name, sizeof(name), "SIG%s", sig ? sig : "UNKNOWN");
		jw_key(&w, "exitCode");
		jw_null(&w);
		jw_key_str(&w, "signal", name);
		jw_key_int(&w, "signalNumber", rep->wait_status);
	} else {
		jw_key_int(&w, "exitCode", rep->wait_status);
		jw_key(&w, "signal");
		jw_null(&w);
		jw_key(&w, "signalNumber");
		jw_null(&w);
	}
	jw_key_bool(&w, "timedOut", rep->timed_out);
	jw_key_bool(&w, "oomKilled", rep->oom_kills != 0);
	jw_key_u64(&w, "oomKills", rep->oom_kills);
	put_seconds(&w, "wallTimeSeconds", wall_seconds);
	put_seconds(&w, "cpuUserSeconds", (double)rep->cpu_user_ns / 1e9);
	put_seconds(&w, "cpuSystemSeconds", (double)rep->cpu_system_ns / 1e9);
	put_u64_or_null(&w, "memoryPeakBytes", rep->memory_peak, rep->memory_peak != 0);
	put_u64_or_null(&w, "memoryLimitBytes", (uint64_t)o->memory, o->has_memory);
	put_u64_or_null(&w, "pidsPeak", rep->pids_peak, rep->pids_peak != 0);
	/* without a cgroup the memory peak is the largest single process's */
	jw_key_str(&w, "source", rep->from_cgroup ? "cgroup" : "rusage");
	jw_map_close(&w);
	r = jw_finish(&w, true, &json, err);
	if (r < 0)
		return calyx_error_prefix(err, "--report");
	fd = open(o->report, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return calyx_error_set(err, errno, "--report %s", o->report);
	f = fdopen(fd, "w");
	if (!f)
		return calyx_error_set(err, errno, "--report %s", o->report);
	fd = -1;	/* the FILE owns it */
	if (fputs(json, f) == EOF)
		r = calyx_error_set(err, errno, "--report %s: write", o->report);
	if (fclose(f) == EOF && r >= 0)
		r = calyx_error_set(err, errno, "--report %s: write", o->report);
	return r;
}
