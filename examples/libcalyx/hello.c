/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run a container through libcalyx, as `calyx run` does:
 *
 *	cc hello.c $(pkg-config --cflags --libs calyx) -o hello
 *	./hello BUNDLE ID [STATE_ROOT]
 *
 * The container runs in the foreground with this program's stdio; its state
 * is created under STATE_ROOT (default /run/calyx) and deleted when it exits.
 */
#include <stdio.h>
#include <stdlib.h>

#include <calyx/calyx.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s BUNDLE ID [STATE_ROOT]\n", argv[0]);
		return 2;
	}

	char *bundle = realpath(argv[1], NULL);	/* the API wants it absolute */
	if (!bundle) {
		perror(argv[1]);
		return 1;
	}

	struct calyx_context ctx = {
		.state_root = argc > 3 ? argv[3] : CALYX_DEFAULT_ROOT,
		.log = { .fd = -1, .format = CALYX_LOG_TEXT,
			 .max_level = CALYX_LOG_WARNING },
	};
	struct calyx_run_options opts = {
		.create = { .bundle = bundle },	/* reads BUNDLE/config.json */
		.detach = false,	/* wait, forwarding signals, then delete */
	};
	calyx_error *err = NULL;
	int exit_status;

	if (calyx_id_validate(argv[2], &err) < 0 ||
	    calyx_container_run(&ctx, argv[2], &opts, &exit_status, &err) < 0) {
		fprintf(stderr, "hello: %s\n", err->msg);
		calyx_error_free(&err);
		free(bundle);
		return 1;
	}
	/* exit code, or 128+N when a signal N ended it */
	printf("container %s exited with status %d\n", argv[2], exit_status);
	free(bundle);
	return 0;
}
