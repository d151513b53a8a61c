/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* calyx spec [--bundle DIR] [--rootless]: write a starter config.json. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

enum {
	OPT_ROOTLESS = CLI_OPT_FIRST_FREE,
};

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* O_EXCL: never overwrite a config.json someone edited (runc refuses too). */
static int write_config(const char *dir, const char *json, calyx_error **err)
{
	CALYX_AUTO_CLOSE int dirfd = -1, fd = -1;
	int r;

	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return calyx_error_set(err, errno, "bundle %s", dir);
	fd = openat(dirfd, "config.json",
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return calyx_error_setx(err, EEXIST,
					"File config.json exists. Remove it first");
	if (fd < 0)
		return calyx_error_set(err, errno, "creating %s/config.json",
				       dir);
	r = write_all(fd, json, strlen(json));
	if (r == 0 && close(CALYX_TAKE_FD(fd)) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, "config.json", 0);
		return calyx_error_set(err, -r, "writing %s/config.json", dir);
	}
	return 0;
}

static int spec_main(struct calyx_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, OPT_ROOTLESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	CALYX_AUTO_ERROR calyx_error *err = NULL;
	CALYX_AUTO_FREE char *json = NULL;
	const char *bundle = ".";
	bool rootless = false;
	int c;

	while ((c = cli_getopt(ctx, &cli_cmd_spec, argc, argv, "b:h",
			       options)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg[0] ? optarg : ".";
			break;
		case OPT_ROOTLESS:
			rootless = true;
			break;
		case 'h':
			cli_print_help(&cli_cmd_spec);
			return 0;
		default:
			return CLI_EXIT_FAILURE;
		}
	}
	if (!cli_check_args(ctx, &cli_cmd_spec, argc - optind, 0, 0))
		return CLI_EXIT_FAILURE;
	if (calyx_spec_generate_default(rootless, &json, &err) < 0 ||
	    write_config(bundle, json, &err) < 0)
		return cli_fail(ctx, err);
	return 0;
}

const struct cli_command cli_cmd_spec = {
	.name = "spec",
	.summary = "create a new specification file",
	.help = "Usage: calyx spec [options]\n\n"
		"Writes a starter config.json into the bundle directory: runs \"sh\"\n"
		"on a terminal from ./rootfs (read-only) with the default\n"
		"capabilities, mounts and namespaces.  Edit it to taste; an\n"
		"existing config.json is never overwritten.\n\n"
		"Options:\n"
		"   --bundle DIR, -b DIR   write DIR/config.json (default: the\n"
		"                          current directory)\n"
		"   --rootless             generate a spec for a rootless container:\n"
		"                          a user namespace mapping the caller to\n"
		"                          root, no network namespace, /sys bound\n"
		"                          from the host\n",
	.run = spec_main,
};
