#!/usr/bin/env python3
"""A console-socket receiver like runc's recvtty, for the terminal tests.

recvtty.py SOCKET OUTPUT [INPUT]
Listens on SOCKET, accepts one connection, receives the pty master (SCM_RIGHTS),
writes INPUT (if given) to it, and copies everything the container writes to
OUTPUT until the pty hangs up.  Prints "ready" on stdout once listening.
"""
import array
import os
import socket
import sys


def main():
    path, out_path = sys.argv[1], sys.argv[2]
    data_in = sys.argv[3].encode() if len(sys.argv) > 3 else b""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("ready", flush=True)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    if not fds:
        sys.exit("no fd received")
    master = fds[0]
    with open(out_path + ".name", "w") as f:
        f.write(msg.rstrip(b"\0").decode())
    if data_in:
        os.write(master, data_in)
    with open(out_path, "wb") as out:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out.write(chunk)
            out.flush()


if __name__ == "__main__":
    main()
