#!/usr/bin/python3
# A small CRI client for tests/integration/engines-cri.bats (crictl is not
# in Debian 12). Run it with Debian's /usr/bin/python3 (python3-grpcio,
# python3-grpc-tools). The stubs are generated from tests/helpers/cri/
# api.proto at first use into $CRI_STUBS (never committed).
#
#   cri.py METHOD [JSON]        any RuntimeService or ImageService call: the
#                               request as proto3 JSON (field names as in the
#                               proto), the response printed the same way
#   cri.py run-container POD-ID CONFIG SANDBOX-CONFIG
#                               CreateContainer + StartContainer (JSON
#                               configs); prints the CreateContainer response
#   cri.py remove-pods          stops and removes every pod sandbox
#   cri.py exec-sync ID TIMEOUT CMD...
#                               ExecSync: the command's stdout and stderr
#                               relayed, its exit code as ours
#   cri.py bench-pods N IMAGE CGROUP-PARENT LOGDIR HANDLER...
#                               times N pod starts per handler (interleaved):
#                               RunPodSandbox (host network) + CreateContainer
#                               + StartContainer, one client connection;
#                               prints "HANDLER MEDIAN-MS" lines
#   cri.py stream URL [--stdin TEXT] [--until TEXT] [--timeout S]
#                               opens an Exec or Attach URL of the CRI's
#                               streaming server (websocket, protocol
#                               v4.channel.k8s.io), sends TEXT on stdin,
#                               relays stdout and stderr; exits with the
#                               remote exit code, or 0 once --until TEXT
#                               was seen on stdout (an attach never ends)
#
# Environment: CRI_SOCKET (the CRI's unix socket), CRI_STUBS (a dir for the
# generated stubs), CRI_TIMEOUT (seconds per call, default 60).
import base64
import json
import os
import socket
import struct
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def load_stubs():
    """Imports api_pb2 and api_pb2_grpc, generating them when missing."""
    stubs = os.environ.get("CRI_STUBS") or os.path.join(HERE, "..", ".work", "cri-stubs")
    os.makedirs(stubs, exist_ok=True)
    if not os.path.exists(os.path.join(stubs, "api_pb2_grpc.py")):
        # gogoproto options only matter to Go code generation
        with open(os.path.join(HERE, "cri", "api.proto")) as f:
            proto = [l for l in f
                     if not l.startswith('import "github.com/gogo')
                     and not l.startswith("option (gogoproto")]
        tmp = os.path.join(stubs, "tmp.%d" % os.getpid())
        os.makedirs(tmp)
        with open(os.path.join(tmp, "api.proto"), "w") as f:
            f.writelines(proto)
        from grpc_tools import protoc
        rc = protoc.main(["protoc", "-I" + tmp, "--python_out=" + tmp,
                          "--grpc_python_out=" + tmp,
                          os.path.join(tmp, "api.proto")])
        if rc != 0:
            sys.exit("cri.py: protoc failed (%d)" % rc)
        # renamed into place so concurrent first uses see whole files
        for name in ("api_pb2.py", "api_pb2_grpc.py"):
            os.rename(os.path.join(tmp, name), os.path.join(stubs, name))
        os.unlink(os.path.join(tmp, "api.proto"))
        os.rmdir(tmp)
    sys.path.insert(0, stubs)
    import api_pb2
    import api_pb2_grpc
    return api_pb2, api_pb2_grpc


def channel():
    import grpc
    sock = os.environ.get("CRI_SOCKET")
    if not sock:
        sys.exit("cri.py: CRI_SOCKET is not set")
    return grpc.insecure_channel("unix://" + sock)


def call(method, request_json):
    """One unary call; returns the response message."""
    from google.protobuf import json_format
    pb, pb_grpc = load_stubs()
    services = pb.DESCRIPTOR.services_by_name
    for svc_name in ("RuntimeService", "ImageService"):
        svc = services[svc_name]
        m = svc.methods_by_name.get(method)
        if m is None:
            continue
        req = getattr(pb, m.input_type.name)()
        json_format.Parse(request_json or "{}", req)
        stub = getattr(pb_grpc, svc_name + "Stub")(channel())
        timeout = float(os.environ.get("CRI_TIMEOUT", "60"))
        return getattr(stub, method)(req, timeout=timeout)
    sys.exit("cri.py: no CRI method %s" % method)


def cmd_call(method, request_json):
    from google.protobuf import json_format
    import grpc
    try:
        resp = call(method, request_json)
    except grpc.RpcError as e:
        print("cri.py: %s: %s: %s" % (method, e.code().name, e.details()),
              file=sys.stderr)
        return 1
    print(json_format.MessageToJson(resp, preserving_proto_field_name=True,
                                    indent=None))
    return 0


def cmd_run_container(pod, config, sandbox_config):
    """Two calls in one process: each start of this client costs more than
    a call on a loaded 2-core host."""
    import grpc
    req = '{"pod_sandbox_id": %s, "config": %s, "sandbox_config": %s}' % (
        json.dumps(pod), config, sandbox_config)
    try:
        cid = call("CreateContainer", req).container_id
        call("StartContainer", json.dumps({"container_id": cid}))
    except grpc.RpcError as e:
        print("cri.py: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
        return 1
    print(json.dumps({"container_id": cid}))
    return 0


def cmd_remove_pods():
    import grpc
    rc = 0
    try:
        pods = call("ListPodSandbox", "{}").items
    except grpc.RpcError as e:
        print("cri.py: ListPodSandbox: %s" % e.details(), file=sys.stderr)
        return 1
    for pod in pods:
        req = json.dumps({"pod_sandbox_id": pod.id})
        for method in ("StopPodSandbox", "RemovePodSandbox"):
            try:
                call(method, req)
            except grpc.RpcError as e:
                print("cri.py: %s %s: %s" % (method, pod.id, e.details()),
                      file=sys.stderr)
                rc = 1
    return rc


def cmd_exec_sync(cid, timeout, argv):
    import grpc
    req = json.dumps({"container_id": cid, "cmd": argv, "timeout": int(timeout)})
    try:
        resp = call("ExecSync", req)
    except grpc.RpcError as e:
        print("cri.py: ExecSync: %s: %s" % (e.code().name, e.details()),
              file=sys.stderr)
        return 125
    sys.stdout.buffer.write(resp.stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(resp.stderr)
    return resp.exit_code


# --- the streaming server's websocket protocol (RFC 6455, client side) ---

def ws_send(sock, opcode, payload):
    """Sends one masked frame (clients must mask)."""
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(head + mask + body)


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def ws_recv(sock):
    """Returns (opcode, payload) of the next whole message."""
    data = b""
    while True:
        b0, b1 = read_exact(sock, 2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", read_exact(sock, 2))[0]
        elif n == 127:
            n = struct.unpack("!Q", read_exact(sock, 8))[0]
        mask = read_exact(sock, 4) if b1 & 0x80 else None
        payload = read_exact(sock, n)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        opcode = b0 & 0x0F
        if opcode >= 8:     # control frames may come between fragments
            return opcode, payload
        data += payload
        if opcode:
            first = opcode
        if b0 & 0x80:
            return first, data


def ws_connect(url, timeout):
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http":
        sys.exit("cri.py: unsupported stream URL %s" % url)
    sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    path = u.path + ("?" + u.query if u.query else "")
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n"
                  "Origin: http://%s\r\n\r\n"
                  % (path, u.netloc, key, u.netloc)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += read_exact(sock, 1)
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if " 101 " not in status + " ":
        sys.exit("cri.py: %s: %s" % (url, head.decode(errors="replace").strip()))
    return sock


def exit_code_of(status_json):
    """The exit code in a v4 error-channel status (metav1.Status)."""
    try:
        st = json.loads(status_json)
    except ValueError:
        print("cri.py: stream error: %s" % status_json, file=sys.stderr)
        return 126
    if st.get("status") == "Success":
        return 0
    for cause in st.get("details", {}).get("causes", []):
        if cause.get("reason") == "ExitCode":
            return int(cause.get("message", "126"))
    print("cri.py: stream error: %s" % st.get("message", status_json),
          file=sys.stderr)
    return 126


def cmd_stream(url, stdin_text, until, timeout):
    sock = ws_connect(url, timeout)
    if stdin_text is not None:
        ws_send(sock, 2, b"\x00" + stdin_text.encode())
    seen = b""
    while True:
        try:
            opcode, payload = ws_recv(sock)
        except (EOFError, ConnectionResetError):
            print("cri.py: stream closed without a status", file=sys.stderr)
            return 125
        except socket.timeout:
            print("cri.py: stream timed out", file=sys.stderr)
            return 124
        if opcode == 8:
            print("cri.py: stream closed without a status", file=sys.stderr)
            return 125
        if opcode == 9:
            ws_send(sock, 10, payload)
            continue
        if opcode not in (1, 2) or not payload:
            continue
        chan, data = payload[0], payload[1:]
        if chan == 1:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            seen += data
            if until and until.encode() in seen:
                ws_send(sock, 8, struct.pack("!H", 1000))
                return 0
        elif chan == 2:
            sys.stderr.buffer.write(data)
        elif chan == 3:
            return exit_code_of(data.decode(errors="replace"))


def cmd_bench_pods(n, image, cg_parent, log_dir, handlers):
    import statistics
    import time
    from google.protobuf import json_format
    pb, pb_grpc = load_stubs()
    rt = pb_grpc.RuntimeServiceStub(channel())
    times = {h: [] for h in handlers}
    for i in range(n):
        for h in handlers:
            name = "bench-%s-%d" % (h, i)
            pod_cfg = json_format.ParseDict({
                "metadata": {"name": name, "uid": name, "namespace": "bench"},
                "log_directory": log_dir,
                "linux": {"cgroup_parent": "%s/%s" % (cg_parent, name),
                          "security_context": {"namespace_options": {
                              "network": "NODE", "pid": "CONTAINER"}}}},
                pb.PodSandboxConfig())
            ctr_cfg = json_format.ParseDict({
                "metadata": {"name": "c"}, "image": {"image": image},
                "command": ["true"], "log_path": name + ".log",
                "linux": {"security_context": {"namespace_options": {
                    "network": "NODE", "pid": "CONTAINER"}}}},
                pb.ContainerConfig())
            t0 = time.perf_counter()
            pod = rt.RunPodSandbox(pb.RunPodSandboxRequest(
                config=pod_cfg, runtime_handler=h)).pod_sandbox_id
            cid = rt.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=pod, config=ctr_cfg,
                sandbox_config=pod_cfg)).container_id
            rt.StartContainer(pb.StartContainerRequest(container_id=cid))
            times[h].append((time.perf_counter() - t0) * 1000)
            rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod))
            rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod))
    for h in handlers:
        print("%s %.1f" % (h, statistics.median(times[h])))
    return 0


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__ if __doc__ else "usage: cri.py METHOD [JSON]")
    what = argv[1]
    if what == "exec-sync":
        return cmd_exec_sync(argv[2], argv[3], argv[4:])
    if what == "run-container":
        return cmd_run_container(argv[2], argv[3], argv[4])
    if what == "remove-pods":
        return cmd_remove_pods()
    if what == "bench-pods":
        return cmd_bench_pods(int(argv[2]), argv[3], argv[4], argv[5], argv[6:])
    if what == "stream":
        url, stdin_text, until, timeout = argv[2], None, None, 30.0
        rest = argv[3:]
        while rest:
            opt, val, rest = rest[0], rest[1], rest[2:]
            if opt == "--stdin":
                stdin_text = val
            elif opt == "--until":
                until = val
            elif opt == "--timeout":
                timeout = float(val)
            else:
                sys.exit("cri.py: unknown option %s" % opt)
        return cmd_stream(url, stdin_text, until, timeout)
    return cmd_call(what, argv[2] if len(argv) > 2 else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
