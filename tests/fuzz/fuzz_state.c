/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state.json (<root>/<id>/state.json): read it as `state`, `list`, `kill`
 * and `delete` do, write the record back, read and write again: the two
 * written files must be equal.  The reader works on a state directory, so
 * the input goes through three scratch directories.
 */
#include <fcntl.h>
#include <unistd.h>

#include "container/container.h"
#include "fuzz.h"
#include "util/fs.h"

static int scratch[3] = { -1, -1, -1 };
static char scratch_path[3][64];

static void scratch_remove(void)
{
	for (int i = 0; i < 3; i++) {
		if (scratch[i] < 0)
			continue;
		unlinkat(scratch[i], STATE_FILE, 0);
		rmdir(scratch_path[i]);
	}
}

static void scratch_open(void)
{
	if (scratch[0] >= 0)
		return;
	for (int i = 0; i < 3; i++) {
		snprintf(scratch_path[i], sizeof(scratch_path[i]),
			 "/tmp/calyx-fuzz-state-XXXXXX");
		if (!mkdtemp(scratch_path[i]))
			fuzz_fail("mkdtemp", NULL, NULL);
		scratch[i] = open(scratch_path[i],
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (scratch[i] < 0)
			fuzz_fail("open scratch dir", scratch_path[i], NULL);
	}
	atexit(scratch_remove);
}

static char *slurp(int dirfd)
{
	calyx_error *err = NULL;
	char *text = NULL;

	if (calyx_read_file_at(dirfd, STATE_FILE, &text, NULL, &err) < 0)
		fuzz_fail(err ? err->msg : "read", NULL, NULL);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	calyx_error *err = NULL;
	struct container_record *rec = NULL, *again = NULL;
	char *first, *second;
	int fd;

	scratch_open();
	fd = openat(scratch[0], STATE_FILE, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size)
		fuzz_fail("write", NULL, NULL);
	close(fd);
	if (container_record_read(scratch[0], &rec, &err) < 0) {
		fuzz_check_error(err);
		return 0;
	}
	if (container_record_write(scratch[1], rec, &err) < 0)
		fuzz_fail(err ? err->msg : "write", NULL, NULL);
	if (container_record_read(scratch[1], &again, &err) < 0)
		fuzz_fail(err ? err->msg : "re-read", NULL, NULL);
	if (container_record_write(scratch[2], again, &err) < 0)
		fuzz_fail(err ? err->msg : "re-write", NULL, NULL);
	first = slurp(scratch[1]);
	second = slurp(scratch[2]);
	if (strcmp(first, second) != 0)
		fuzz_fail("state round trip changed the record", first, second);
	free(first);
	free(second);
	container_record_free(rec);
	container_record_free(again);
	return 0;
}
