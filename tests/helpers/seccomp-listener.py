#!/usr/bin/env python3
"""A one-shot linux.seccomp.listenerPath agent for tests.

Usage: seccomp-listener.py SOCKET OUT

Accepts one connection, receives the container process state with the
seccomp notify fd (SCM_RIGHTS), and writes key=value facts to OUT:
fds, ociVersion, pid, metadata, id, status, fd_fields.
"""
import array
import json
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(20)
    conn, _ = srv.accept()
    fds = array.array("i")
    data = b""
    while True:
        msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % 4])
        if not msg:
            break
        data += msg
    state = json.loads(data)
    with open(out + ".tmp", "w") as f:
        f.write("fds=%d\n" % len(fds))
        f.write("ociVersion=%s\n" % state.get("ociVersion"))
        f.write("fd_fields=%s\n" % ",".join(state.get("fds", [])))
        f.write("pid=%s\n" % state.get("pid"))
        f.write("metadata=%s\n" % state.get("metadata"))
        f.write("id=%s\n" % state["state"].get("id"))
        f.write("status=%s\n" % state["state"].get("status"))
    os.rename(out + ".tmp", out)
    for fd in fds:
        os.close(fd)


if __name__ == "__main__":
    main()
