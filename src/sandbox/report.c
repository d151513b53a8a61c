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

static void put_u64_or_null(FILE *f, const char *key, uint64_t v, bool known)
{
	if (known)
		fprintf(f, ",\"%s\":%llu", key, (unsigned long long)v);
	else
		fprintf(f, ",\"%s\":null", key);
}

int sandbox_report_write(const struct sandbox_options *o,
			 const struct calyx_run_report *rep, int exit_status,
			 double wall_seconds, calyx_error **err)
{
	_cleanup_close_ int fd = -1;
	FILE *f;
	const char *sig = NULL;
	int r = 0;

	fd = open(o->report, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return calyx_error_set(err, errno, "--report %s", o->report);
	f = fdopen(fd, "w");
	if (!f)
		return calyx_error_set(err, errno, "--report %s", o->report);
	fd = -1;	/* the FILE owns it */
	if (killed_by_signal(rep))
		sig = sigabbrev_np(rep->wait_status);
	fprintf(f, "{\"exitStatus\":%d", exit_status);
	if (killed_by_signal(rep)) {
		fprintf(f, ",\"exitCode\":null,\"signal\":\"SIG%s\"", sig ? sig : "UNKNOWN");
		fprintf(f, ",\"signalNumber\":%d", rep->wait_status);
	} else {
		fprintf(f, ",\"exitCode\":%d,\"signal\":null,\"signalNumber\":null",
			rep->wait_status);
	}
	fprintf(f, ",\"timedOut\":%s", rep->timed_out ? "true" : "false");
	fprintf(f, ",\"oomKilled\":%s", rep->oom_kills ? "true" : "false");
	fprintf(f, ",\"oomKills\":%llu", (unsigned long long)rep->oom_kills);
	fprintf(f, ",\"wallTimeSeconds\":%.3f", wall_seconds);
	fprintf(f, ",\"cpuUserSeconds\":%.3f", (double)rep->cpu_user_ns / 1e9);
	fprintf(f, ",\"cpuSystemSeconds\":%.3f", (double)rep->cpu_system_ns / 1e9);
	put_u64_or_null(f, "memoryPeakBytes", rep->memory_peak, rep->memory_peak != 0);
	put_u64_or_null(f, "memoryLimitBytes", (uint64_t)o->memory, o->has_memory);
	put_u64_or_null(f, "pidsPeak", rep->pids_peak, rep->pids_peak != 0);
	/* without a cgroup the memory peak is the largest single process's */
	fprintf(f, ",\"source\":\"%s\"}\n", rep->from_cgroup ? "cgroup" : "rusage");
	if (ferror(f))
		r = calyx_error_set(err, EIO, "--report %s: write", o->report);
	if (fclose(f) == EOF && r >= 0)
		r = calyx_error_set(err, errno, "--report %s: write", o->report);
	return r;
}
