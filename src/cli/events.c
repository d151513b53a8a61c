/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calyx events [--stats] [--interval DURATION] <container-id>
 *
 * runc's JSON lines: {"type":"stats","id":...,"data":{...}} every interval
 * (default 5s) and {"type":"oom","id":...} for each process the kernel
 * OOM-kills in the container, until its init exits; --stats prints one
 * stats line and exits.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* A Go duration ("5s", "500ms", "1m30s", "1.5s") in milliseconds. */
static int parse_duration(const char *text, unsigned long long *ms,
			  calyx_error **err)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
		{ "s", 1e3 },	{ "m", 6e4 },	{ "h", 3.6e6 },
	};
	const char *p = text;
	double total = 0;

	if (!strcmp(text, "0")) {
		*ms = 0;
		return 0;
	}
	while (*p) {
		size_t best = 0, best_len = 0;
		char *end;
		double v;

		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
		v = strtod(p, &end);
		if (end == p)
			goto bad;
		p = end;
		for (size_t i = 0; i < CLI_ARRAY_SIZE(units); i++) {
			size_t len = strlen(units[i].unit);

			if (!strncmp(p, units[i].unit, len) && len > best_len) {
				best = i;
				best_len = len;
			}
		}
		if (!best_len)
			goto bad;
		total += v * units[best].ms;
		p += best_len;
	}
	if (total > 1e12)
		goto bad;
	/* a positive interval below 1ms still ticks */
	*ms = total > 0 && total < 1 ? 1 : (unsigned long long)total;
	return 0;
bad:
	return calyx_error_setx(err, EINVAL,
				"invalid value \"%s\" for flag --interval: want a duration such as 5s or 500ms",
				text);
}

static int events_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	unsigned long long interval_ms = 5000;
	bool stats = false;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_events, argc, argv, "h",
			       options)) != -1) {
		switch (c) {
		case 's':
			stats = true;
			break;
		case 'i':
			if (parse_duration(optarg, &interval_ms, &err) < 0)
				return cli_fail(ctx, err);
			break;
		case 'h':
			cli_print_help(&cli_cmd_events);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (!cli_check_args(ctx, &cli_cmd_events, argc - optind, 1, 1))
		return CLI_EXIT_FAILURE;
	if (interval_ms > 0xffffffffULL)
		interval_ms = 0xffffffffULL;
	if (calyx_id_validate(argv[optind], &err) < 0 ||
	    calyx_container_events(ctx, argv[optind], stats,
				   (unsigned int)interval_ms, stdout, &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_events = {
	.name = "events",
	.summary = "display container events such as OOM notifications and usage statistics",
	.help = "Usage: calyx events [options] <container-id>\n\n"
		"Prints JSON lines as runc: a \"stats\" event (cpu, memory, pids,\n"
		"blkio, hugetlb) every interval and one \"oom\" event for each\n"
		"process the kernel OOM-kills in the container, until it stops.\n"
		"memory.raw also carries the \"oom\" and \"oom_kill\" counters.\n\n"
		"Options:\n"
		"   --interval DURATION   time between stats (default: 5s)\n"
		"   --stats               print the stats once and exit\n",
	.run = events_main,
	.needs_cgroups = true,
};
