// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pod sandbox's "pause" process for tests/integration/engines-cri.bats:
 * it holds the pod's namespaces open, and in a pod that shares its pid
 * namespace (NamespaceOption.pid = POD) it is pid 1, so it reaps the
 * orphans the other containers leave. SIGTERM or SIGINT end it with 0.
 *
 * Everything is waited for with sigwaitinfo(): no polling, no handlers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	sigset_t wanted;
	siginfo_t info;

	sigemptyset(&wanted);
	sigaddset(&wanted, SIGCHLD);
	sigaddset(&wanted, SIGTERM);
	sigaddset(&wanted, SIGINT);
	if (sigprocmask(SIG_BLOCK, &wanted, NULL) < 0) {
		perror("pause: sigprocmask");
		return 1;
	}
	for (;;) {
		if (sigwaitinfo(&wanted, &info) < 0) {
			if (errno == EINTR)
				continue;
			perror("pause: sigwaitinfo");
			return 1;
		}
		if (info.si_signo == SIGCHLD)
			reap_all();
		else
			return 0;
	}
}
