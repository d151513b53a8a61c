/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signal names as `kill(1)` and runc accept them: "KILL", "SIGKILL",
 * "kill", "9", "RTMIN+3", "SIGRTMAX-1", and "0" (no signal: a probe).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calyx/calyx.h"

struct signal_name {
	const char *name;
	int number;
};

static const struct signal_name signal_names[] = {
	{ "HUP", SIGHUP },	{ "INT", SIGINT },	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },	{ "TRAP", SIGTRAP },	{ "ABRT", SIGABRT },
	{ "IOT", SIGIOT },	{ "BUS", SIGBUS },	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },	{ "USR1", SIGUSR1 },	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	{ "PIPE", SIGPIPE },	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD },	{ "CONT", SIGCONT },	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	{ "TTIN", SIGTTIN },	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },	{ "XCPU", SIGXCPU },	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },	{ "POLL", SIGPOLL },	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* The kernel's range, not glibc's SIGRTMIN (which reserves two for NPTL):
 * the container's processes are not ours, so every number is fair game. */
#define KERNEL_SIGRTMIN 32
#define KERNEL_SIGRTMAX 64

/* A whole decimal number in [min, max], or -1. */
static int parse_number(const char *s, int min, int max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	return (int)v;
}

/* RTMIN, RTMIN+n, RTMAX, RTMAX-n. */
static int parse_realtime(const char *name)
{
	int off;

	if (strncasecmp(name, "RTMIN", 5) == 0) {
		if (!name[5])
			return KERNEL_SIGRTMIN;
		if (name[5] != '+')
			return -1;
		off = parse_number(name + 6, 0,
				   KERNEL_SIGRTMAX - KERNEL_SIGRTMIN);
		return off < 0 ? -1 : KERNEL_SIGRTMIN + off;
	}
	if (strncasecmp(name, "RTMAX", 5) == 0) {
		if (!name[5])
			return KERNEL_SIGRTMAX;
		if (name[5] != '-')
			return -1;
		off = parse_number(name + 6, 0,
				   KERNEL_SIGRTMAX - KERNEL_SIGRTMIN);
		return off < 0 ? -1 : KERNEL_SIGRTMAX - off;
	}
	return -1;
}

int calyx_signal_parse(const char *text, int *sig, calyx_error **err)
{
	const char *name;
	int n;

	if (!text || !*text)
		return calyx_error_setx(err, EINVAL, "invalid signal: empty");

	/* 0 sends nothing but checks the process exists, as kill(2): the
	 * liveness probe engines run with `kill ID 0` */
	n = parse_number(text, 0, KERNEL_SIGRTMAX);
	if (n >= 0) {
		*sig = n;
		return 0;
	}

	name = strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]);
	     i++) {
		if (strcasecmp(name, signal_names[i].name) == 0) {
			*sig = signal_names[i].number;
			return 0;
		}
	}
	n = parse_realtime(name);
	if (n > 0) {
		*sig = n;
		return 0;
	}
	return calyx_error_setx(err, EINVAL, "unknown signal \"%s\"", text);
}
