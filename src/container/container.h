/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to the lifecycle code (src/container). */
#ifndef CALYX_CONTAINER_INTERNAL_H
#define CALYX_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "calyx/calyx.h"

#define STATE_FILE "state.json"
#define EXEC_FIFO "exec.fifo"
#define CONFIG_COPY "config.json"

/* What the runtime persists in <root>/<id>/state.json. */
struct container_record {
	char *id;
	char *bundle;
	char *rootfs;
	char *created;
	char *owner;
	pid_t pid;
	unsigned long long pid_start;	/* /proc/<pid>/stat starttime: guards pid reuse */
	char *cgroup_path;
	struct calyx_kv *annotations;
	size_t n_annotations;
	/* written before anything is made and rewritten once the container
	 * is ready: still true, the creating runtime died half-way */
	bool creating;
};

void container_record_free(struct container_record *rec);
static inline void container_record_freep(struct container_record **r)
{
	if (*r)
		container_record_free(*r);
}
#define _cleanup_record_ __attribute__((cleanup(container_record_freep)))

int container_record_write(int state_dirfd, const struct container_record *rec,
			   calyx_error **err);
/* -ENOENT without a record, -EBADMSG (one-line message) when it is not a
 * record calyx wrote. */
int container_record_read(int state_dirfd, struct container_record **out,
			  calyx_error **err);

/* Open <root>/<id> (O_DIRECTORY). -ENOENT with "container X does not exist". */
int container_open_dir(struct calyx_context *ctx, const char *id, int *dirfd,
		       calyx_error **err);
/* flock the state dir exclusively (held until fd is closed). */
int container_lock(int dirfd, calyx_error **err);

/* Is the recorded init still the same process?  Zombies count as gone. */
bool container_pid_alive(pid_t pid, unsigned long long start_time);
/* starttime of /proc/<pid>/stat, 0 when gone. */
unsigned long long container_pid_start_time(pid_t pid, char *state_char);

enum calyx_status container_status(int state_dirfd,
				   const struct container_record *rec);

/* What deriving many statuses shares (`list`): the cgroup freezer, opened
 * when the first live container with a cgroup needs it.  Zero-initialize;
 * release with status_probe_release. */
struct calyx_cgroup_freezer;
struct status_probe {
	struct calyx_cgroup_freezer *freezer;
	bool freezer_failed;
};
void status_probe_release(struct status_probe *probe);
enum calyx_status container_status_probed(int state_dirfd,
					  const struct container_record *rec,
					  struct status_probe *probe);

/* The OCI state JSON (runtime.md "State") given to hooks and listeners ... */
int container_oci_state_json(const char *id, enum calyx_status status,
			     pid_t pid, const char *bundle,
			     const struct calyx_kv *annotations,
			     size_t n_annotations, char **out, calyx_error **err);
/* ... and the same object written into w, for a document that holds it. */
struct json_writer;
void container_gen_oci_state(struct json_writer *w, const char *id,
			     enum calyx_status status, pid_t pid, const char *bundle,
			     const struct calyx_kv *annotations, size_t n_annotations);

void container_run_poststart(struct calyx_context *ctx,
			     const struct calyx_spec *spec,
			     const struct container_record *rec);

/*
 * calyx's cache directory (compiled seccomp filters): /var/cache/calyx for
 * root, $XDG_CACHE_HOME/calyx or ~/.cache/calyx otherwise; created 0700.
 * -1 when there is none: callers then work without a cache.
 */
int container_open_cache_dir(void);

#endif
