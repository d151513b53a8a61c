/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * process.terminal: the pty is allocated INSIDE the container (its own
 * devpts instance), the slave becomes the process's stdio and controlling
 * terminal (and /dev/console for the init), and the master goes to the
 * engine's --console-socket exactly as runc sends it, or to calyx itself
 * when it relays a foreground run.
 */
#ifndef CALYX_LINUX_TERMINAL_H
#define CALYX_LINUX_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

#include "calyx/error.h"
#include "calyx/spec.h"

/* Runtime side: connect to --console-socket before the clone. */
int terminal_connect_console_socket(const char *path, int *fd, calyx_error **err);

/*
 * Container side, after pivot_root: open a pty pair from /dev/pts/ptmx,
 * apply process.consoleSize, and (bind_console) bind the slave over
 * /dev/console.  *master and *slave are O_CLOEXEC.
 */
int terminal_open(const struct calyx_process *p, bool bind_console,
		  int *master, int *slave, calyx_error **err);

/* Container side: new session, slave as controlling tty and fds 0-2. */
int terminal_make_controlling(int slave, calyx_error **err);

/* Foreground relay state (calyx run/exec with a terminal and no socket). */
struct terminal_relay {
	int master;
	bool stdin_open;
	bool master_open;
	bool raw;		/* our stdin was put in raw mode */
	struct termios saved;
};

void terminal_relay_start(struct terminal_relay *tr, int master);
/* Copy whatever is ready in `revents` direction; false when master is done. */
void terminal_relay_stdin(struct terminal_relay *tr);
void terminal_relay_master(struct terminal_relay *tr);
/* Copy our terminal's window size to the pty (SIGWINCH). */
void terminal_relay_resize(struct terminal_relay *tr);
/* Drain what is left and restore our terminal. */
void terminal_relay_stop(struct terminal_relay *tr);

#endif
