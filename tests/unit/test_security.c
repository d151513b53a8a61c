/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "security/security.h"
#include "unit.h"
#include "util/cleanup.h"

#define BIT(n) (UINT64_C(1) << (n))
#define CAP_CHOWN_BIT BIT(0)
#define CAP_KILL_BIT BIT(5)
#define CAP_NET_BIND_BIT BIT(10)

TEST(caps_validate)
{
	_cleanup_error_ calyx_error *err = NULL;
	char *good[] = { "CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE",
			 NULL };
	char *bad[] = { "CAP_CHOWN", "CAP_KILL", "CAP_MKNOD", "CAP_FOO", NULL };
	char *lower[] = { "cap_chown", NULL };
	struct calyx_capabilities caps = { .bounding = good, .effective = good };

	CHECK(calyx_caps_validate(NULL, &err) == 0);
	CHECK(calyx_caps_validate(&caps, &err) == 0);
	caps.bounding = bad;
	CHECK(calyx_caps_validate(&caps, &err) == -EINVAL);
	CHECK_STR(err ? err->msg : NULL,
		  "process.capabilities.bounding[3]: unknown capability "
		  "\"CAP_FOO\"");
	calyx_error_free(&err);
	caps.bounding = good;
	caps.ambient = lower;
	CHECK(calyx_caps_validate(&caps, &err) == -EINVAL);
	CHECK_STR(err ? err->msg : NULL,
		  "process.capabilities.ambient[0]: unknown capability "
		  "\"cap_chown\"");
}

struct status {
	uint64_t inh, prm, eff, bnd, amb;
	char uid[256], gid[256], groups[256];
	int nnp;
};

static void read_status(struct status *st)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	memset(st, 0, sizeof(*st));
	st->nnp = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* the kernel ends Groups with a space */
		line[strcspn(line, "\n")] = '\0';
		for (size_t n = strlen(line); n && line[n - 1] == ' '; n--)
			line[n - 1] = '\0';
		sscanf(line, "CapInh: %" SCNx64, &st->inh);
		sscanf(line, "CapPrm: %" SCNx64, &st->prm);
		sscanf(line, "CapEff: %" SCNx64, &st->eff);
		sscanf(line, "CapBnd: %" SCNx64, &st->bnd);
		sscanf(line, "CapAmb: %" SCNx64, &st->amb);
		sscanf(line, "NoNewPrivs: %d", &st->nnp);
		if (strncmp(line, "Uid:\t", 5) == 0)
			snprintf(st->uid, sizeof(st->uid), "%s", line + 5);
		if (strncmp(line, "Gid:\t", 5) == 0)
			snprintf(st->gid, sizeof(st->gid), "%s", line + 5);
		if (strncmp(line, "Groups:\t", 8) == 0)
			snprintf(st->groups, sizeof(st->groups), "%s", line + 8);
	}
	fclose(f);
}

/* Runs fn in a child; fn returns a bit mask of failed checks. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define CHILD_CHECK(bit, cond)                                             \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                    \
			failed |= 1 << (bit);                              \
		}                                                          \
	} while (0)

static int identity_child(void)
{
	char *bounding[] = { "CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE",
			     NULL };
	char *permitted[] = { "CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE",
			      NULL };
	char *effective[] = { "CAP_CHOWN", "CAP_NET_BIND_SERVICE", NULL };
	char *inheritable[] = { "CAP_NET_BIND_SERVICE", NULL };
	char *ambient[] = { "CAP_NET_BIND_SERVICE", NULL };
	uint32_t gids[] = { 10, 20 };
	struct calyx_capabilities caps = {
		.bounding = bounding, .permitted = permitted,
		.effective = effective, .inheritable = inheritable,
		.ambient = ambient,
	};
	struct calyx_process process = {
		.user = { .uid = 1000, .gid = 1001, .has_umask = true,
			  .umask = 027, .additional_gids = gids,
			  .n_additional_gids = 2 },
		.capabilities = &caps,
		.no_new_privileges = true,
	};
	calyx_error *err = NULL;
	struct status st;
	int failed = 0;
	mode_t old;

	if (calyx_process_apply_identity(&process, NULL, &err) < 0) {
		fprintf(stderr, "apply: %s\n", err->msg);
		return 0x80;
	}
	CHILD_CHECK(0, calyx_apply_no_new_privs(&process, &err) == 0);
	read_status(&st);
	CHILD_CHECK(1, st.eff == (CAP_CHOWN_BIT | CAP_NET_BIND_BIT));
	CHILD_CHECK(1, st.prm == (CAP_CHOWN_BIT | CAP_KILL_BIT | CAP_NET_BIND_BIT));
	CHILD_CHECK(2, st.inh == CAP_NET_BIND_BIT);
	CHILD_CHECK(2, st.bnd == (CAP_CHOWN_BIT | CAP_KILL_BIT | CAP_NET_BIND_BIT));
	CHILD_CHECK(3, st.amb == CAP_NET_BIND_BIT);
	CHILD_CHECK(4, strcmp(st.uid, "1000\t1000\t1000\t1000") == 0);
	CHILD_CHECK(4, strcmp(st.gid, "1001\t1001\t1001\t1001") == 0);
	CHILD_CHECK(5, strcmp(st.groups, "10 20") == 0);
	CHILD_CHECK(6, st.nnp == 1);
	old = umask(0);
	CHILD_CHECK(6, old == 027);
	return failed;
}

TEST(apply_identity_as_uid_1000)
{
	if (geteuid() != 0) {
		SKIP("needs root");
	}
	CHECK(in_child(identity_child) == 0);
}

/* Inheritable not configured -> empty (CVE-2022-29162), even for root;
 * an ambient cap that cannot be raised is a warning, not a failure. */
static int no_inheritable_child(void)
{
	char *set[] = { "CAP_CHOWN", "CAP_KILL", NULL };
	char *ambient[] = { "CAP_KILL", NULL };
	struct calyx_capabilities caps = {
		.bounding = set, .permitted = set, .effective = set,
		.ambient = ambient,
	};
	struct calyx_process process = { .capabilities = &caps };
	calyx_error *err = NULL;
	struct status st;
	gid_t stale = 4242;
	int failed = 0;

	/* groups the runtime had must not leak into the container */
	if (setgroups(1, &stale) < 0)
		return 0x40;

	if (calyx_process_apply_identity(&process, NULL, &err) < 0) {
		fprintf(stderr, "apply: %s\n", err->msg);
		return 0x80;
	}
	read_status(&st);
	CHILD_CHECK(0, st.inh == 0);
	CHILD_CHECK(1, st.amb == 0);
	CHILD_CHECK(2, st.eff == (CAP_CHOWN_BIT | CAP_KILL_BIT));
	CHILD_CHECK(3, strcmp(st.uid, "0\t0\t0\t0") == 0);
	CHILD_CHECK(4, strcmp(st.groups, "") == 0);
	CHILD_CHECK(5, st.nnp == 0);
	CHILD_CHECK(6, umask(0) == 0022);
	return failed;
}

TEST(inheritable_empty_unless_configured)
{
	if (geteuid() != 0) {
		SKIP("needs root");
	}
	CHECK(in_child(no_inheritable_child) == 0);
}

/* process.capabilities absent: every set empty, the bounding set too. */
static int no_caps_child(void)
{
	struct calyx_process process = { .user = { .uid = 0, .gid = 0 } };
	calyx_error *err = NULL;
	struct status st;
	int failed = 0;

	if (calyx_process_apply_identity(&process, NULL, &err) < 0) {
		fprintf(stderr, "apply: %s\n", err->msg);
		return 0x80;
	}
	read_status(&st);
	CHILD_CHECK(0, st.eff == 0 && st.prm == 0 && st.inh == 0);
	CHILD_CHECK(1, st.bnd == 0 && st.amb == 0);
	return failed;
}

TEST(absent_capabilities_means_none)
{
	if (geteuid() != 0) {
		SKIP("needs root");
	}
	CHECK(in_child(no_caps_child) == 0);
}

static int lsm_child(void)
{
	struct calyx_process none = { 0 };
	struct calyx_process aa = { .apparmor_profile = "calyx-test" };
	struct calyx_process se = { .selinux_label = "system_u:system_r:container_t:s0" };
	calyx_error *err = NULL;
	int failed = 0;

	CHILD_CHECK(0, calyx_lsm_apply_exec_label(&none, &err) == 0);
	CHILD_CHECK(0, calyx_lsm_check(&none, &err) == 0);
	if (!calyx_apparmor_enabled()) {
		CHILD_CHECK(1, calyx_lsm_apply_exec_label(&aa, &err) == -EOPNOTSUPP);
		CHILD_CHECK(1, err && strstr(err->msg, "AppArmor is not enabled"));
		calyx_error_free(&err);
		CHILD_CHECK(2, calyx_lsm_check(&aa, &err) == -EOPNOTSUPP);
		calyx_error_free(&err);
	}
	if (!calyx_selinux_enabled()) {
		CHILD_CHECK(3, calyx_lsm_apply_exec_label(&se, &err) == -EOPNOTSUPP);
		CHILD_CHECK(3, err && strstr(err->msg, "SELinux is not enabled"));
		calyx_error_free(&err);
		CHILD_CHECK(4, calyx_lsm_check(&se, &err) == -EOPNOTSUPP);
		calyx_error_free(&err);
	}
	return failed;
}

TEST(lsm_labels)
{
	CHECK(in_child(lsm_child) == 0);
}

int main(void)
{
	RUN(caps_validate);
	RUN(apply_identity_as_uid_1000);
	RUN(inheritable_empty_unless_configured);
	RUN(absent_capabilities_means_none);
	RUN(lsm_labels);
	return unit_summary("unit/security");
}
