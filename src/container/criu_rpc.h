/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRIU through its RPC interface: `criu swrk FD` on one end of a
 * SOCK_SEQPACKET socketpair, one protobuf message (rpc.proto, proto2) per
 * packet.  calyx is a static binary, so no libcriu and no protobuf-c: the
 * handful of fields it sends and reads are encoded and decoded here, every
 * decode bounds-checked (the peer is a privileged helper, but its answers
 * carry strings from the dumped tree).
 */
#ifndef CALYX_CONTAINER_CRIU_RPC_H
#define CALYX_CONTAINER_CRIU_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "calyx/error.h"

/* criu_req_type */
enum criu_req_type {
	CRIU_REQ_EMPTY = 0,
	CRIU_REQ_DUMP = 1,
	CRIU_REQ_RESTORE = 2,
	CRIU_REQ_CHECK = 3,
	CRIU_REQ_PRE_DUMP = 4,
	CRIU_REQ_NOTIFY = 6,
	CRIU_REQ_VERSION = 10,
};

/* criu_cg_mode */
enum criu_cg_mode {
	CRIU_CG_IGNORE = 0,
	CRIU_CG_SOFT = 3,
	CRIU_CG_FULL = 4,
	CRIU_CG_STRICT = 5,
};

/* criu_opts field numbers (rpc.proto) */
enum criu_opt_field {
	CRIU_OPT_IMAGES_DIR_FD = 1,
	CRIU_OPT_PID = 2,
	CRIU_OPT_LEAVE_RUNNING = 3,
	CRIU_OPT_EXT_UNIX_SK = 4,
	CRIU_OPT_TCP_ESTABLISHED = 5,
	CRIU_OPT_EVASIVE_DEVICES = 6,
	CRIU_OPT_SHELL_JOB = 7,
	CRIU_OPT_FILE_LOCKS = 8,
	CRIU_OPT_LOG_LEVEL = 9,
	CRIU_OPT_LOG_FILE = 10,
	CRIU_OPT_PS = 11,		/* criu_page_server_info */
	CRIU_OPT_NOTIFY_SCRIPTS = 12,
	CRIU_OPT_ROOT = 13,
	CRIU_OPT_PARENT_IMG = 14,
	CRIU_OPT_TRACK_MEM = 15,
	CRIU_OPT_AUTO_DEDUP = 16,
	CRIU_OPT_WORK_DIR_FD = 17,
	CRIU_OPT_LINK_REMAP = 18,
	CRIU_OPT_EXT_MNT = 23,		/* ext_mount_map: key 1, val 2 */
	CRIU_OPT_MANAGE_CGROUPS = 24,
	CRIU_OPT_CG_ROOT = 25,		/* cgroup_root: ctrl 1, path 2 */
	CRIU_OPT_RST_SIBLING = 26,
	CRIU_OPT_INHERIT_FD = 27,	/* inherit_fd: key 1, fd 2 */
	CRIU_OPT_MANAGE_CGROUPS_MODE = 34,
	CRIU_OPT_EXTERNAL = 37,
	CRIU_OPT_EMPTY_NS = 38,
	CRIU_OPT_FREEZE_CGROUP = 44,
	CRIU_OPT_TCP_SKIP_IN_FLIGHT = 46,
	CRIU_OPT_LAZY_PAGES = 48,
	CRIU_OPT_STATUS_FD = 49,
	CRIU_OPT_ORPHAN_PTS_MASTER = 50,
	CRIU_OPT_LSM_PROFILE = 53,
	CRIU_OPT_LSM_MOUNT_CONTEXT = 63,
};

/* A growing protobuf message; an allocation failure is remembered and
 * reported once by criu_call. */
struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom;
};

void pb_buf_release(struct pb_buf *b);
#define _cleanup_pb_buf_ __attribute__((cleanup(pb_buf_release)))

void pb_put_uint(struct pb_buf *b, uint32_t field, uint64_t v);
void pb_put_int32(struct pb_buf *b, uint32_t field, int32_t v);
void pb_put_bool(struct pb_buf *b, uint32_t field, bool v);
void pb_put_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
void pb_put_string(struct pb_buf *b, uint32_t field, const char *s);
void pb_put_message(struct pb_buf *b, uint32_t field, const struct pb_buf *sub);
/* A {string key = 1; string val = 2} pair (ext_mount_map). */
void pb_put_key_val(struct pb_buf *b, uint32_t field, const char *key,
		    const char *val);
/* inherit_fd {string key = 1; int32 fd = 2}. */
void pb_put_inherit_fd(struct pb_buf *b, const char *key, int fd);

/* The parts of criu_resp calyx looks at. */
struct criu_resp {
	uint32_t type;
	bool success;
	int32_t cr_errno;
	char cr_errmsg[512];
	int32_t restore_pid;		/* criu_restore_resp.pid */
	char notify_script[64];		/* criu_notify.script */
	int32_t notify_pid;		/* criu_notify.pid */
};

/* Decode one criu_resp; -EPROTO with a message on malformed input. */
int criu_resp_decode(const uint8_t *data, size_t len, struct criu_resp *resp,
		     calyx_error **err);

/* One running `criu swrk`. */
struct criu_swrk {
	pid_t pid;
	int sock;
};

/*
 * Start `criu swrk` (found in $PATH) with only stdio, its socket and the
 * fds in keep[] open (the fd numbers are CRIU's too).  Clear error when
 * criu is not installed.  It outlives us if we die: give it the fd that
 * holds the container's lock, so that a delete waits until it is done.
 */
int criu_swrk_start(const int *keep, size_t n_keep, struct criu_swrk *s,
		    calyx_error **err);
/* Close the socket and reap criu (it exits once the socket closes). */
void criu_swrk_stop(struct criu_swrk *s);

/*
 * Answer to one notification ("pre-dump", "post-restore", ...; pid as CRIU
 * sends it, fd a descriptor that came with it or -1, the callee's to
 * keep).  A failure makes CRIU abort the operation.
 */
typedef int (*criu_notify_fn)(void *data, const char *script, pid_t pid,
			      int fd, calyx_error **err);

/*
 * Send a request of `type` with `opts` (a criu_opts message) and serve
 * notifications (opts must set notify_scripts for any to come) until the
 * final answer, which is left in *resp.  A failed operation is an error
 * naming CRIU's log (log_hint: "<work dir>/dump.log").
 */
int criu_call(struct criu_swrk *s, enum criu_req_type type,
	      const struct pb_buf *opts, criu_notify_fn notify, void *data,
	      const char *log_hint, struct criu_resp *resp, calyx_error **err);


/* ---- shared by checkpoint.c and restore.c (criu_common.c) ---- */
#include "calyx/calyx.h"

/* The flags both commands pass the same way. */
void criu_put_common_opts(struct pb_buf *o, const struct calyx_criu_options *c);
/* A mount CRIU must be told about (--external mnt[]): a bind mount. */
bool criu_mount_is_bind(const struct calyx_mount *m);
/* Open (for a dump: make) the image dir, and make and open the work dir. */
int criu_open_dirs(const struct calyx_criu_options *c, bool create, int *imgfd,
		   int *workfd, calyx_error **err);
/* The inode that names a namespace file in CRIU's external[] keys. */
int criu_ns_inode(const char *path, unsigned long *ino, calyx_error **err);

/* Where the dump records what the container's stdio was (runc's name). */
#define CRIU_DESCRIPTORS "descriptors.json"
/* The keys a namespace joined by path goes by in the images (runc's). */
#define CRIU_EXT_NETNS "extRootNetNS"
#define CRIU_EXT_PIDNS "extRootPidNS"

#endif
