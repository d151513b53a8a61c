/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading and writing cgroupfs files relative to a leaf fd. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

int cg_write(int dirfd, const char *file, const char *value,
	     calyx_error **err)
{
	/* O_TRUNC as runc: harmless on kernfs, and keeps the fake test tree
	 * showing exactly the last value written */
	_cleanup_close_ int fd = openat(dirfd, file,
					O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return calyx_error_set(err, errno, "writing %s", file);
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return calyx_error_set(err, errno, "writing %s", file);
	if ((size_t)n != len)
		return calyx_error_setx(err, EIO, "writing %s: short write",
					file);
	return 0;
}

int cg_writef(int dirfd, const char *file, calyx_error **err,
	      const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(buf))
		return calyx_error_setx(err, EINVAL, "writing %s: value too long",
					file);
	return cg_write(dirfd, file, buf, err);
}

int cg_read(int dirfd, const char *file, char **out, calyx_error **err)
{
	return calyx_read_file_at(dirfd, file, out, NULL, err);
}

bool cg_exists(int dirfd, const char *file)
{
	return faccessat(dirfd, file, F_OK, 0) == 0;
}
