/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <linux/mount.h>

#include "linux/terminal.h"
#include "util/cleanup.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int terminal_connect_console_socket(const char *path, int *fd, calyx_error **err)
{
	_cleanup_close_ int sock = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat sb;

	if (strlen(path) >= sizeof(addr.sun_path))
		return calyx_error_setx(err, ENAMETOOLONG, "--console-socket %s: path too long",
					path);
	if (stat(path, &sb) < 0)
		return calyx_error_set(err, errno, "--console-socket %s", path);
	if (!S_ISSOCK(sb.st_mode))
		return calyx_error_setx(err, ENOTSOCK, "--console-socket %s: not a socket", path);
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return calyx_error_set(err, errno, "--console-socket: socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return calyx_error_set(err, errno, "--console-socket %s: connect", path);
	*fd = TAKE_FD(sock);
	return 0;
}

/* /dev/console must be a plain file or device of ours, never a symlink
 * (CVE-2025-52565): open it without following, create it if missing. */
static int bind_console(int slave, calyx_error **err)
{
	_cleanup_close_ int devfd = -1, target = -1, tree = -1;
	struct stat sb;

	devfd = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (devfd < 0)
		return calyx_error_set(err, errno, "/dev/console: open /dev");
	target = openat(devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0 && errno == ENOENT) {
		int created = openat(devfd, "console",
				     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (created < 0)
			return calyx_error_set(err, errno, "/dev/console: create");
		close(created);
		target = openat(devfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (target < 0)
		return calyx_error_set(err, errno, "/dev/console: open");
	if (fstat(target, &sb) < 0)
		return calyx_error_set(err, errno, "/dev/console: stat");
	if (!S_ISREG(sb.st_mode) && !S_ISCHR(sb.st_mode))
		return calyx_error_setx(err, EPERM, "/dev/console: not a file or device");
	tree = (int)syscall(SYS_open_tree, slave, "",
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return calyx_error_set(err, errno, "/dev/console: open_tree of the pty");
	if (syscall(SYS_move_mount, tree, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return calyx_error_set(err, errno, "/dev/console: bind the pty");
	return 0;
}

int terminal_open(const struct calyx_process *p, bool console, int *master,
		  int *slave, calyx_error **err)
{
	_cleanup_close_ int m = -1, s = -1;
	int unlock = 0;

	m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return calyx_error_set(err, errno, "process.terminal: open /dev/pts/ptmx");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return calyx_error_set(err, errno, "process.terminal: unlock pty");
	/* the peer by fd: no path lookup that a container could redirect */
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return calyx_error_set(err, errno, "process.terminal: open the pty slave");
	if (p->has_console_size) {
		struct winsize ws = {
			.ws_row = (unsigned short)p->console_height,
			.ws_col = (unsigned short)p->console_width,
		};

		if (ioctl(s, TIOCSWINSZ, &ws) < 0)
			return calyx_error_set(err, errno, "process.consoleSize");
	}
	if (console) {
		int r = bind_console(s, err);

		if (r < 0)
			return r;
	}
	*master = TAKE_FD(m);
	*slave = TAKE_FD(s);
	return 0;
}

int terminal_make_controlling(int slave, calyx_error **err)
{
	/* usually a session leader already (proc_reset_signals_new_session) */
	if (getsid(0) != getpid() && setsid() < 0)
		return calyx_error_set(err, errno, "process.terminal: setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return calyx_error_set(err, errno, "process.terminal: TIOCSCTTY");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return calyx_error_set(err, errno, "process.terminal: dup2");
	return 0;
}

void terminal_relay_start(struct terminal_relay *tr, int master)
{
	memset(tr, 0, sizeof(*tr));
	tr->master = master;
	tr->stdin_open = true;
	tr->master_open = true;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tr->saved) == 0) {
		struct termios raw = tr->saved;

		/* all of it, output too (as runc): the pty already turned \n
		 * into \r\n, a second ONLCR here made it \r\r\n */
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			tr->raw = true;
	}
	terminal_relay_resize(tr);
}

static bool copy_once(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return true;	/* our output is gone: drop, keep draining */
		off += w;
	}
	return true;
}

void terminal_relay_stdin(struct terminal_relay *tr)
{
	if (tr->stdin_open && !copy_once(STDIN_FILENO, tr->master))
		tr->stdin_open = false;
}

void terminal_relay_master(struct terminal_relay *tr)
{
	if (tr->master_open && !copy_once(tr->master, STDOUT_FILENO))
		tr->master_open = false;
}

void terminal_relay_resize(struct terminal_relay *tr)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(tr->master, TIOCSWINSZ, &ws);
}

void terminal_relay_stop(struct terminal_relay *tr)
{
	struct pollfd pfd = { .fd = tr->master, .events = POLLIN };

	/* what the container wrote before it exited is still in the pty */
	while (tr->master_open && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN))
		terminal_relay_master(tr);
	if (tr->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tr->saved);
	tr->raw = false;
}
