/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CRIU flags `checkpoint` and `restore` share (runc's names). */
#ifndef CALYX_CLI_CRIU_FLAGS_H
#define CALYX_CLI_CRIU_FLAGS_H

#include "cli/cli.h"

enum {
	CLI_CRIU_IMAGE_PATH = 0x200,
	CLI_CRIU_WORK_PATH,
	CLI_CRIU_TCP_ESTABLISHED,
	CLI_CRIU_EXT_UNIX_SK,
	CLI_CRIU_SHELL_JOB,
	CLI_CRIU_FILE_LOCKS,
	CLI_CRIU_MANAGE_CGROUPS_MODE,
	CLI_CRIU_EMPTY_NS,
	CLI_CRIU_AUTO_DEDUP,
	CLI_CRIU_LAZY_PAGES,
	CLI_CRIU_FIRST_FREE,
};

#define CLI_CRIU_LONG_OPTIONS                                                        \
	{ "image-path", required_argument, NULL, CLI_CRIU_IMAGE_PATH },              \
	{ "work-path", required_argument, NULL, CLI_CRIU_WORK_PATH },                \
	{ "tcp-established", no_argument, NULL, CLI_CRIU_TCP_ESTABLISHED },          \
	{ "ext-unix-sk", no_argument, NULL, CLI_CRIU_EXT_UNIX_SK },                  \
	{ "shell-job", no_argument, NULL, CLI_CRIU_SHELL_JOB },                      \
	{ "file-locks", no_argument, NULL, CLI_CRIU_FILE_LOCKS },                    \
	{ "manage-cgroups-mode", required_argument, NULL, CLI_CRIU_MANAGE_CGROUPS_MODE }, \
	{ "empty-ns", required_argument, NULL, CLI_CRIU_EMPTY_NS },                  \
	{ "auto-dedup", no_argument, NULL, CLI_CRIU_AUTO_DEDUP },                    \
	{ "lazy-pages", no_argument, NULL, CLI_CRIU_LAZY_PAGES },                    \
	{ "help", no_argument, NULL, 'h' }

#define CLI_CRIU_HELP                                                                \
	"   --image-path DIR         where the images are (default: ./checkpoint)\n"  \
	"   --work-path DIR          where CRIU writes its log (default: image path)\n" \
	"   --tcp-established        established TCP connections too\n"              \
	"   --ext-unix-sk            unix sockets connected outside the container\n" \
	"   --shell-job              the process was started from a shell (its tty)\n" \
	"   --file-locks             file locks too\n"                               \
	"   --manage-cgroups-mode M  soft, full, strict or ignore (CRIU's)\n"        \
	"   --empty-ns NS            'network': made empty, not from the images\n"  \
	"   --auto-dedup             free image pages already restored/dumped\n"   \
	"   --lazy-pages             pages on demand (userfaultfd)\n"

/* Record option c if it is a shared CRIU flag: 1 taken, 0 not ours, <0
 * invalid value (err set). */
int cli_criu_flag(struct calyx_criu_options *o, int c, const char *arg,
		  calyx_error **err);
/* Fill in the defaults: image path ./checkpoint, paths made absolute
 * (*image and *work own them). */
int cli_criu_finish(struct calyx_criu_options *o, char **image, char **work,
		    calyx_error **err);

#endif
