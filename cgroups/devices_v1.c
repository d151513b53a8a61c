/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The v1 devices controller: deny everything, then the config's rules in
 * order, then the devices every container gets (as runc appends them).
 * One fd per list file; each write() is one rule to the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"

#define ANY -1
#define RULE(t, maj, min) { .allow = true, .type = (t), .has_major = (maj) != ANY, \
	.major = (maj), .has_minor = (min) != ANY, .minor = (min), .access = NULL }

const struct calyx_device_cgroup cg_default_device_rules[] = {
	/* mknod of anything; using it still needs an allow rule */
	{ .allow = true, .type = 'c', .access = (char *)"m" },
	{ .allow = true, .type = 'b', .access = (char *)"m" },
	RULE('c', 1, 3),	/* /dev/null */
	RULE('c', 1, 8),	/* /dev/random */
	RULE('c', 1, 7),	/* /dev/full */
	RULE('c', 5, 0),	/* /dev/tty */
	RULE('c', 5, 1),	/* /dev/console */
	RULE('c', 1, 5),	/* /dev/zero */
	RULE('c', 1, 9),	/* /dev/urandom */
	RULE('c', 5, 2),	/* /dev/ptmx */
	RULE('c', 136, ANY),	/* /dev/pts/N */
};
const size_t cg_n_default_device_rules = ARRAY_SIZE(cg_default_device_rules);

/*
 * The kernel lines for one rule: one, or two for a type-"a" rule that
 * names a number or an access.  The kernel reads any line starting with
 * "a" as the whole-list switch ("a *:* rwm"), so "a 1:3 r" written as
 * such would grant every device; it means "c 1:3 r" and "b 1:3 r".
 */
static int format_rules(const struct calyx_device_cgroup *d,
			char lines[2][96])
{
	const char *access = d->access && *d->access ? d->access : "rwm";
	char maj[24] = "*", min[24] = "*";
	char type = d->type ? d->type : 'a';
	bool any_number;

	if (type != 'a' && type != 'c' && type != 'b')
		return -EINVAL;
	if (!*access || strspn(access, "rwm") != strlen(access))
		return -EINVAL;
	if (d->has_major && d->major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, d->major);
	if (d->has_minor && d->minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, d->minor);
	any_number = !strcmp(maj, "*") && !strcmp(min, "*");
	if (type == 'a' && any_number && strchr(access, 'r') &&
	    strchr(access, 'w') && strchr(access, 'm')) {
		snprintf(lines[0], sizeof(lines[0]), "a");
		return 1;
	}
	if (type == 'a') {
		snprintf(lines[0], sizeof(lines[0]), "c %s:%s %s", maj, min, access);
		snprintf(lines[1], sizeof(lines[1]), "b %s:%s %s", maj, min, access);
		return 2;
	}
	snprintf(lines[0], sizeof(lines[0]), "%c %s:%s %s", type, maj, min, access);
	return 1;
}

static int write_rule(int fd, const char *rule, const char *file,
		      calyx_error **err)
{
	ssize_t n;

	do
		n = write(fd, rule, strlen(rule));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "writing \"%s\" to %s", rule,
				       file);
	return 0;
}

int cg_v1_devices(int dirfd, const struct calyx_device_cgroup *d, size_t n,
		  calyx_error **err)
{
	_cleanup_close_ int allow = -1, deny = -1;
	int r;

	allow = openat(dirfd, "devices.allow", O_WRONLY | O_CLOEXEC);
	if (allow < 0)
		return calyx_error_set(err, errno,
				       "linux.resources.devices: open devices.allow");
	deny = openat(dirfd, "devices.deny", O_WRONLY | O_CLOEXEC);
	if (deny < 0)
		return calyx_error_set(err, errno,
				       "linux.resources.devices: open devices.deny");
	r = write_rule(deny, "a", "devices.deny", err);
	if (r < 0)
		return calyx_error_prefix(err, "linux.resources.devices");
	for (size_t i = 0; i < n + cg_n_default_device_rules; i++) {
		const struct calyx_device_cgroup *rd =
			i < n ? &d[i] : &cg_default_device_rules[i - n];
		char lines[2][96];
		int n_lines = format_rules(rd, lines);

		if (n_lines < 0)
			return calyx_error_setx(err, EINVAL,
						"linux.resources.devices[%zu]: invalid type or access",
						i);
		for (int k = 0; k < n_lines; k++) {
			r = rd->allow ? write_rule(allow, lines[k], "devices.allow", err) :
					write_rule(deny, lines[k], "devices.deny", err);
			if (r < 0 && i >= n)
				return calyx_error_prefix(err, "default device rules");
			if (r < 0)
				return calyx_error_prefix(err, "linux.resources.devices[%zu]",
							  i);
		}
	}
	return 0;
}
