// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * probe: a tiny static program copied into test rootfses. It reports facts
 * from inside a container as stable "key=value" lines, so integration tests
 * compare strings instead of parsing the output of busybox tools whose format
 * changes between versions.
 *
 * Usage: probe COMMAND [ARGS...]; exit 0 on success, 2 on usage errors and
 * 1 when a fact cannot be read.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

static const char *errno_name(int err)
{
	switch (err) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case ELOOP: return "ELOOP";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENXIO: return "ENXIO";
	case EFAULT: return "EFAULT";
	case ENOMEM: return "ENOMEM";
	case ENOSYS: return "ENOSYS";
	case EMFILE: return "EMFILE";
	default: return "EOTHER";
	}
}

static int print_file_lines(const char *path, const char *prefix)
{
	char line[4096];
	FILE *f = fopen(path, "re");

	if (!f) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!prefix || strncmp(line, prefix, strlen(prefix)) == 0)
			fputs(line, stdout);
	}
	fclose(f);
	return 0;
}

static int cmd_ids(void)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);

	printf("uid=%u\ngid=%u\neuid=%u\negid=%u\ngroups=",
	       getuid(), getgid(), geteuid(), getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	printf("\n");
	return n < 0;
}

/* Prints the /proc/self/status lines named by keys as "key=value". */
static int print_status_keys(const char *const *keys)
{
	char line[1024];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		char *val;

		if (!colon)
			continue;
		*colon = '\0';
		for (const char *const *k = keys; *k; k++) {
			if (strcmp(line, *k) != 0)
				continue;
			val = colon + 1;
			while (isspace((unsigned char)*val))
				val++;
			val[strcspn(val, "\n")] = '\0';
			printf("%s=%s\n", line, val);
		}
	}
	fclose(f);
	return 0;
}

static int cmd_caps(void)
{
	static const char *const keys[] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL
	};
	return print_status_keys(keys);
}

static int cmd_nnp(void)
{
	static const char *const keys[] = { "NoNewPrivs", NULL };
	return print_status_keys(keys);
}

static int cmd_seccomp(void)
{
	static const char *const keys[] = { "Seccomp", "Seccomp_filters", NULL };
	return print_status_keys(keys);
}

static int cmd_cwd(void)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof(buf))) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	printf("cwd=%s\n", buf);
	return 0;
}

static int cmd_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self;

	if (!d) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	self = dirfd(d);
	while ((de = readdir(d))) {
		char link[64], target[PATH_MAX];
		ssize_t len;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd <= 2 || fd == self)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			len = 0;
		target[len] = '\0';
		printf("fd%d=%s\n", fd, target);
	}
	closedir(d);
	return 0;
}

/* mountinfo: "id parent maj:min root dest opts [opt fields] - fstype src superopts" */
static int cmd_mounts(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *fields[8] = { 0 }, *save = NULL, *tok, *sep;
		char *fstype, *src, *super;
		int n = 0;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && n < 8;
		     tok = strtok_r(NULL, " ", &save))
			fields[n++] = tok;
		if (n < 6)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " \n", &save);
		src = strtok_r(NULL, " \n", &save);
		super = strtok_r(NULL, " \n", &save);
		/* propagation is in the optional fields (index 6 on) */
		printf("%s %s %s %s", fields[4], fstype ? fstype : "?",
		       fields[5], super ? super : "");
		for (int i = 6; i < n; i++)
			printf(" %s", fields[i]);
		(void)src;
		printf("\n");
	}
	fclose(f);
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static void print_limit(const char *key, rlim_t v)
{
	if (v == RLIM_INFINITY)
		printf("%s=unlimited\n", key);
	else
		printf("%s=%llu\n", key, (unsigned long long)v);
}

static int cmd_rlimit(const char *name)
{
	char full[64];
	struct rlimit rl;

	if (strncmp(name, "RLIMIT_", 7) != 0) {
		snprintf(full, sizeof(full), "RLIMIT_%s", name);
		name = full;
	}
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
		if (strcasecmp(rlimits[i].name, name) != 0)
			continue;
		if (getrlimit(rlimits[i].resource, &rl) < 0) {
			printf("error=%s\n", errno_name(errno));
			return 1;
		}
		print_limit("soft", rl.rlim_cur);
		print_limit("hard", rl.rlim_max);
		return 0;
	}
	fprintf(stderr, "probe: unknown rlimit %s\n", name);
	return 2;
}

static int cmd_hostname(void)
{
	char host[256] = "", domain[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0 ||
	    getdomainname(domain, sizeof(domain) - 1) < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	printf("hostname=%s\ndomainname=%s\n", host, domain);
	return 0;
}

static int cmd_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	printf("umask=%04o\n", (unsigned)m);
	return 0;
}

static int cmd_env(const char *name)
{
	const char *v = getenv(name);

	if (!v) {
		printf("%s unset\n", name);
		return 1;
	}
	printf("%s=%s\n", name, v);
	return 0;
}

static const char *file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "char";
	case S_IFBLK: return "block";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

static int cmd_stat(const char *path)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t len;

	if (lstat(path, &st) < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	printf("type=%s\nmode=%04o\n", file_type(st.st_mode),
	       (unsigned)(st.st_mode & 07777));
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		printf("dev=%u:%u\n", major(st.st_rdev), minor(st.st_rdev));
	printf("uid=%u\ngid=%u\n", st.st_uid, st.st_gid);
	if (S_ISLNK(st.st_mode)) {
		len = readlink(path, target, sizeof(target) - 1);
		if (len >= 0) {
			target[len] = '\0';
			printf("target=%s\n", target);
		}
	}
	return 0;
}

static int cmd_write(const char *path)
{
	static const char data[] = "probe\n";
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = 0;

	if (fd < 0) {
		err = errno;
	} else {
		if (write(fd, data, sizeof(data) - 1) < 0)
			err = errno;
		if (close(fd) < 0 && !err)
			err = errno;
	}
	printf("write=%s\n", errno_name(err));
	return err != 0;
}

static int cmd_read(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0) {
		printf("read=%s\n", errno_name(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	printf("read=%s\nbytes=%zd\n", n < 0 ? errno_name(errno) : "OK", total);
	close(fd);
	return n < 0;
}

static int cmd_mknod(const char *path, const char *type, const char *maj,
		     const char *min)
{
	mode_t kind = strcmp(type, "b") == 0 ? S_IFBLK : S_IFCHR;
	int err = 0;

	if (mknod(path, kind | 0600, makedev(atoi(maj), atoi(min))) < 0)
		err = errno;
	printf("mknod=%s\n", errno_name(err));
	return err != 0;
}

/* syscall(nr) with no arguments: its errno (the seccomp filter's answer). */
static int cmd_syscall(const char *nr)
{
	long r = syscall(strtol(nr, NULL, 0), 0, 0, 0, 0, 0, 0);

	printf("syscall=%s\n", r < 0 ? errno_name(errno) : "0");
	return 0;
}

static int cmd_sleep(const char *secs)
{
	unsigned left = (unsigned)atoi(secs);

	while (left)
		left = sleep(left);
	return 0;
}

static int cmd_oom_score_adj(void)
{
	char buf[32] = "";
	FILE *f = fopen("/proc/self/oom_score_adj", "re");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		printf("error=%s\n", errno_name(errno));
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	printf("oom_score_adj=%s\n", buf);
	return 0;
}

static int cmd_sysctl(const char *key)
{
	char path[PATH_MAX], buf[4096] = "";
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 2;
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		printf("error=%s\n", errno_name(errno));
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	printf("%s=%s\n", key, buf);
	return 0;
}

static int cmd_ns(void)
{
	static const char *const names[] = {
		"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
		"time", "time_for_children", "user", "uts", NULL
	};

	for (const char *const *n = names; *n; n++) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", *n);
		if (stat(path, &st) < 0)
			printf("%s=none\n", *n);
		else
			printf("%s=%lu\n", *n, (unsigned long)st.st_ino);
	}
	return 0;
}

/*
 * "probe -e key=value ... COMMAND": runs COMMAND with its output captured,
 * prints it, and fails (exit 3) unless every expected "key=value" line is
 * in it, so a test can assert inside the container with one call.
 */
static int check_expectations(char *out, size_t len, char **expect,
			      int nexpect)
{
	int rc = 0;

	for (int i = 0; i < nexpect; i++) {
		size_t elen = strlen(expect[i]);
		const char *p = out;
		int found = 0;

		while (p && p < out + len) {
			const char *nl = memchr(p, '\n', out + len - p);
			size_t llen = nl ? (size_t)(nl - p) : (size_t)(out + len - p);

			if (llen == elen && memcmp(p, expect[i], elen) == 0) {
				found = 1;
				break;
			}
			p = nl ? nl + 1 : NULL;
		}
		if (!found) {
			fprintf(stderr, "probe: expected \"%s\"\n", expect[i]);
			rc = 3;
		}
	}
	return rc;
}

static int usage(void)
{
	fputs("usage: probe ids|caps|cwd|fds|mounts|hostname|pid|umask|nnp|"
	      "seccomp|oom_score_adj|ns\n"
	      "       probe rlimit NAME | env NAME | stat PATH | write PATH |"
	      " read PATH\n"
	      "       probe mknod PATH c|b MAJ MIN | sleep SECONDS | exit N |"
	      " sysctl KEY | cat PATH\n"
	      "       probe syscall NR: the errno of syscall NR()\n"
	      "       probe -e KEY=VALUE [-e ...] COMMAND ...: also assert output"
	      " lines\n", stderr);
	return 2;
}

static int run_command(int argc, char **argv);

int main(int argc, char **argv)
{
	char *expect[32], *out = NULL;
	int nexpect = 0, rc, rc2;
	size_t len = 0;
	FILE *real;

	while (argc > 2 && strcmp(argv[1], "-e") == 0 && nexpect < 32) {
		expect[nexpect++] = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (!nexpect) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		return run_command(argc, argv);
	}
	real = stdout;
	stdout = open_memstream(&out, &len);
	if (!stdout) {
		stdout = real;
		return 1;
	}
	rc = run_command(argc, argv);
	fclose(stdout);
	stdout = real;
	fwrite(out, 1, len, stdout);
	fflush(stdout);
	rc2 = check_expectations(out, len, expect, nexpect);
	free(out);
	return rc ? rc : rc2;
}

static int run_command(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc;

	if (!strcmp(cmd, "ids"))
		rc = cmd_ids();
	else if (!strcmp(cmd, "caps"))
		rc = cmd_caps();
	else if (!strcmp(cmd, "cwd"))
		rc = cmd_cwd();
	else if (!strcmp(cmd, "fds"))
		rc = cmd_fds();
	else if (!strcmp(cmd, "mounts"))
		rc = cmd_mounts();
	else if (!strcmp(cmd, "hostname"))
		rc = cmd_hostname();
	else if (!strcmp(cmd, "pid"))
		rc = printf("pid=%d\nppid=%d\n", getpid(), getppid()) < 0;
	else if (!strcmp(cmd, "umask"))
		rc = cmd_umask();
	else if (!strcmp(cmd, "nnp"))
		rc = cmd_nnp();
	else if (!strcmp(cmd, "seccomp"))
		rc = cmd_seccomp();
	else if (!strcmp(cmd, "oom_score_adj"))
		rc = cmd_oom_score_adj();
	else if (!strcmp(cmd, "ns"))
		rc = cmd_ns();
	else if (!strcmp(cmd, "rlimit") && argc == 3)
		rc = cmd_rlimit(argv[2]);
	else if (!strcmp(cmd, "env") && argc == 3)
		rc = cmd_env(argv[2]);
	else if (!strcmp(cmd, "stat") && argc == 3)
		rc = cmd_stat(argv[2]);
	else if (!strcmp(cmd, "write") && argc == 3)
		rc = cmd_write(argv[2]);
	else if (!strcmp(cmd, "read") && argc == 3)
		rc = cmd_read(argv[2]);
	else if (!strcmp(cmd, "cat") && argc == 3)
		rc = print_file_lines(argv[2], NULL);
	else if (!strcmp(cmd, "mknod") && argc == 6)
		rc = cmd_mknod(argv[2], argv[3], argv[4], argv[5]);
	else if (!strcmp(cmd, "syscall") && argc == 3)
		rc = cmd_syscall(argv[2]);
	else if (!strcmp(cmd, "sleep") && argc == 3)
		rc = cmd_sleep(argv[2]);
	else if (!strcmp(cmd, "exit") && argc == 3)
		rc = atoi(argv[2]);
	else if (!strcmp(cmd, "sysctl") && argc == 3)
		rc = cmd_sysctl(argv[2]);
	else
		rc = usage();
	fflush(stdout);
	return rc;
}
