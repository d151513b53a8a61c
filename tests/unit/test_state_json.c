/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit/state_json: the state documents calyx writes -- state.json, the
 * state hooks and seccomp agents get, `state` and `list --format json` --
 * come out exactly as runc's, and a string none of them can hold (a
 * bundle path that is not UTF-8) is a clean error, never a broken file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calyx/calyx.h"
#include "container/container.h"
#include "container/create.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int temp_dir(char *path)
{
	strcpy(path, "/tmp/calyx-unit-state-XXXXXX");
	if (!mkdtemp(path))
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

TEST(record_round_trip)
{
	struct calyx_kv ann[] = { { .key = (char *)"k", .value = (char *)"v \"q\"" } };
	struct container_record rec = {
		.id = (char *)"c1", .bundle = (char *)"/b", .rootfs = (char *)"/b/r",
		.created = (char *)"2026-01-02T03:04:05.000000006Z", .owner = (char *)"",
		.pid = 42, .pid_start = 1234567, .cgroup_path = (char *)"/calyx/c1",
		.annotations = ann, .n_annotations = 1, .creating = true,
	};
	_cleanup_record_ struct container_record *back = NULL;
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_close_ int dirfd = -1;
	char dir[64];

	dirfd = temp_dir(dir);
	CHECK(dirfd >= 0);
	if (dirfd < 0)
		return;
	CHECK(container_record_write(dirfd, &rec, &err) == 0);
	CHECK(container_record_read(dirfd, &back, &err) == 0);
	if (back) {
		CHECK_STR(back->id, "c1");
		CHECK_STR(back->bundle, "/b");
		CHECK_STR(back->rootfs, "/b/r");
		CHECK_STR(back->created, rec.created);
		CHECK_STR(back->owner, "");
		CHECK_STR(back->cgroup_path, "/calyx/c1");
		CHECK(back->pid == 42 && back->pid_start == 1234567 && back->creating);
		CHECK(back->n_annotations == 1);
		if (back->n_annotations == 1) {
			CHECK_STR(back->annotations[0].key, "k");
			CHECK_STR(back->annotations[0].value, "v \"q\"");
		}
	}
	unlinkat(dirfd, STATE_FILE, 0);
	rmdir(dir);
}

/* A bundle path of other bytes than UTF-8: create stops with an error
 * naming the field, and no state.json is left to trip `list` later. */
TEST(record_refuses_a_string_it_cannot_write)
{
	struct container_record rec = {
		.id = (char *)"c1", .bundle = (char *)"/b\xff", .rootfs = (char *)"/r",
		.created = (char *)"t", .owner = (char *)"", .cgroup_path = (char *)"",
	};
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_close_ int dirfd = -1;
	char dir[64];

	dirfd = temp_dir(dir);
	CHECK(dirfd >= 0);
	if (dirfd < 0)
		return;
	CHECK(container_record_write(dirfd, &rec, &err) == -EINVAL);
	CHECK(err && strcmp(err->msg, "writing state: generating JSON: \"bundle\": a "
			    "string is not valid UTF-8 (or holds a NUL byte)") == 0);
	CHECK(faccessat(dirfd, STATE_FILE, F_OK, 0) < 0 && errno == ENOENT);
	rmdir(dir);
}

TEST(oci_state_for_hooks)
{
	struct calyx_kv ann[] = { { .key = (char *)"a", .value = (char *)"b" } };
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *json = NULL;
	char *none = NULL;

	CHECK(container_oci_state_json("c1", CALYX_STATUS_CREATED, 7, "/b", ann, 1,
				       &json, &err) == 0);
	CHECK_STR(json, "{\"ociVersion\":\"" CALYX_OCI_VERSION "\",\"id\":\"c1\","
		  "\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\","
		  "\"annotations\":{\"a\":\"b\"}}");
	ann[0].value = (char *)"\xc3";
	CHECK(container_oci_state_json("c1", CALYX_STATUS_STOPPED, 0, "/b", ann, 1,
				       &none, &err) == -EINVAL);
	CHECK(none == NULL);
	CHECK(err && strstr(err->msg, "the state of c1: generating JSON: \"a\": "));
}

/* What the seccomp agent gets: the container state inside the process's. */
TEST(seccomp_process_state)
{
	struct calyx_seccomp sc = { .listener_metadata = (char *)"a\"b" };
	struct calyx_linux lx = { .seccomp = &sc };
	struct calyx_spec spec = { .linux_cfg = &lx };
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *json = NULL;
	char *none = NULL;

	CHECK(container_seccomp_process_state(&spec, "c1", CALYX_STATUS_CREATING, 7, 42,
					      "/b", &json, &err) == 0);
	CHECK_STR(json, "{\"ociVersion\":\"" CALYX_OCI_VERSION "\",\"fds\":[\"seccompFd\"],"
		  "\"pid\":42,\"metadata\":\"a\\\"b\",\"state\":{\"ociVersion\":\""
		  CALYX_OCI_VERSION "\",\"id\":\"c1\",\"status\":\"creating\","
		  "\"pid\":7,\"bundle\":\"/b\"}}");
	sc.listener_metadata = NULL;
	free(json);
	json = NULL;
	CHECK(container_seccomp_process_state(&spec, "c1", CALYX_STATUS_RUNNING, 7, 7,
					      "/b", &json, &err) == 0);
	CHECK(json && !strstr(json, "metadata"));
	sc.listener_metadata = (char *)"\xff";
	CHECK(container_seccomp_process_state(&spec, "c1", CALYX_STATUS_RUNNING, 7, 7,
					      "/b", &none, &err) == -EINVAL && none == NULL);
	CHECK(err && strstr(err->msg, "\"metadata\": a string is not valid UTF-8"));
}

TEST(state_and_list_output)
{
	struct calyx_state st = {
		.oci_version = (char *)"1.3.0", .id = (char *)"c1",
		.status = CALYX_STATUS_RUNNING, .pid = 9, .bundle = (char *)"/b",
		.rootfs = (char *)"/b/r", .created = (char *)"t", .owner = (char *)"",
	};
	struct calyx_state *list[] = { &st, &st };
	_cleanup_error_ calyx_error *err = NULL;
	_cleanup_free_ char *pretty = NULL, *line = NULL;
	char *none = NULL;

	CHECK(calyx_state_to_json(&st, &pretty, &err) == 0);
	CHECK_STR(pretty, "{\n  \"ociVersion\": \"1.3.0\",\n  \"id\": \"c1\",\n"
		  "  \"pid\": 9,\n  \"status\": \"running\",\n  \"bundle\": \"/b\",\n"
		  "  \"rootfs\": \"/b/r\",\n  \"created\": \"t\",\n  \"owner\": \"\"\n}");
	CHECK(calyx_state_list_to_json(list, 2, &line, &err) == 0);
	CHECK_STR(line, "[{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"pid\":9,"
		  "\"status\":\"running\",\"bundle\":\"/b\",\"rootfs\":\"/b/r\","
		  "\"created\":\"t\",\"owner\":\"\"},{\"ociVersion\":\"1.3.0\","
		  "\"id\":\"c1\",\"pid\":9,\"status\":\"running\",\"bundle\":\"/b\","
		  "\"rootfs\":\"/b/r\",\"created\":\"t\",\"owner\":\"\"}]");
	free(line);
	line = NULL;
	CHECK(calyx_state_list_to_json(list, 0, &line, &err) == 0);
	CHECK_STR(line, "[]");

	st.rootfs = (char *)"/r\xfe";
	CHECK(calyx_state_to_json(&st, &none, &err) == -EINVAL && none == NULL);
	CHECK(err && strstr(err->msg, "\"rootfs\""));
	calyx_error_free(&err);
	CHECK(calyx_state_list_to_json(list, 2, &none, &err) == -EINVAL && none == NULL);
	CHECK(err && strstr(err->msg, "listing the containers: generating JSON: \"rootfs\""));
}

int main(void)
{
	RUN(record_round_trip);
	RUN(record_refuses_a_string_it_cannot_write);
	RUN(oci_state_for_hooks);
	RUN(seccomp_process_state);
	RUN(state_and_list_output);
	return unit_summary("unit/state_json");
}
