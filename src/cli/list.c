/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx list [--format table|json] [--quiet]: the containers under --root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum list_format {
	LIST_TABLE,
	LIST_JSON,
};

#define N_COLUMNS 6

/* runc aligns with Go's tabwriter (minwidth 12, padding 3): each column is
 * as wide as its widest cell plus 3, at least 12; the last is not padded. */
static void print_table(struct calyx_state **states, size_t n)
{
	static const char *const header[N_COLUMNS] = {
		"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER",
	};
	size_t width[N_COLUMNS];
	char pid[24];

	for (size_t col = 0; col < N_COLUMNS; col++)
		width[col] = strlen(header[col]);
	for (size_t i = 0; i < n; i++) {
		const char *cells[N_COLUMNS] = {
			states[i]->id, pid, calyx_status_name(states[i]->status),
			states[i]->bundle, states[i]->created, states[i]->owner,
		};

		snprintf(pid, sizeof(pid), "%d", (int)states[i]->pid);
		for (size_t col = 0; col < N_COLUMNS; col++) {
			size_t len = cells[col] ? strlen(cells[col]) : 0;

			if (len > width[col])
				width[col] = len;
		}
	}
	for (size_t col = 0; col < N_COLUMNS; col++)
		width[col] = width[col] + 3 < 12 ? 12 : width[col] + 3;

	for (size_t i = 0; i <= n; i++) {
		const char *cells[N_COLUMNS];

		if (i == 0) {
			memcpy(cells, header, sizeof(cells));
		} else {
			struct calyx_state *s = states[i - 1];

			snprintf(pid, sizeof(pid), "%d", (int)s->pid);
			cells[0] = s->id;
			cells[1] = pid;
			cells[2] = calyx_status_name(s->status);
			cells[3] = s->bundle;
			cells[4] = s->created;
			cells[5] = s->owner;
		}
		for (size_t col = 0; col < N_COLUMNS - 1; col++)
			printf("%-*s", (int)width[col],
			       cells[col] ? cells[col] : "");
		printf("%s\n", cells[N_COLUMNS - 1] ? cells[N_COLUMNS - 1] : "");
	}
}

/* One line, like runc's json.Encoder: an array of its list objects. */
static int print_json(struct calyx_state **states, size_t n, calyx_error **err)
{
	CALYX_AUTO_FREE char *json = NULL;
	int r;

	r = calyx_state_list_to_json(states, n, &json, err);
	if (r < 0)
		return r;
	puts(json);
	return 0;
}

static int list_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	enum list_format format = LIST_TABLE;
	struct calyx_state **states = NULL;
	bool quiet = false;
	size_t n = 0;
	int c, r = 0;

	while ((c = cli_getopt(ctx, &cli_cmd_list, argc, argv, "f:qh",
			       options)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "table") == 0)
				format = LIST_TABLE;
			else if (strcmp(optarg, "json") == 0)
				format = LIST_JSON;
			else
				return cli_failf(ctx, "invalid format option: %s",
						 optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_print_help(&cli_cmd_list);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (!cli_check_args(ctx, &cli_cmd_list, argc - optind, 0, 0))
		return CLI_EXIT_FAILURE;
	if (quiet) {
		CALYX_AUTO_STRV char **ids = NULL;

		/* the IDs are the directory names: no record is read */
		if (calyx_container_list_ids(ctx, &ids, &err) < 0)
			return cli_fail(ctx, err);
		for (char **id = ids; *id; id++)
			printf("%s\n", *id);
		return fflush(stdout) == 0 ? 0 : CLI_EXIT_FAILURE;
	}
	if (calyx_container_list(ctx, &states, &n, &err) < 0)
		return cli_fail(ctx, err);

	if (format == LIST_JSON) {
		if (print_json(states, n, &err) < 0)
			r = cli_fail(ctx, err);
	} else {
		print_table(states, n);
	}
	for (size_t i = 0; i < n; i++)
		calyx_state_free(states[i]);
	free(states);
	if (fflush(stdout) != 0 && r == 0)
		r = CLI_EXIT_FAILURE;
	return r;
}

const struct cli_command cli_cmd_list = {
	.name = "list",
	.summary = "list the containers under --root",
	.help = "Usage: calyx list [options]\n\n"
		"Lists the containers whose state is under the global --root.\n\n"
		"Options:\n"
		"   --format FMT, -f FMT   'table' (default: ID, PID, STATUS,\n"
		"                          BUNDLE, CREATED, OWNER) or 'json'\n"
		"   --quiet, -q            print only the container IDs\n",
	.run = list_main,
};
