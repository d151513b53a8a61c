#!/usr/bin/env python3
# Regenerates the seed corpus tests/fuzz/corpus/<target>/ from the OCI
# spec's schema tests and examples (/work/shared/spec, or $SPEC), calyx's
# examples and its default seccomp profile.  Seeds are small JSON files,
# named by origin; kept inputs that once crashed live in crashes/<target>/.
import json, os, re, sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = os.environ.get("SPEC", "/work/shared/spec")
out = os.path.join(top, "tests", "fuzz", "corpus")
seeds = {t: {} for t in ("config", "process", "resources", "seccomp", "state")}


def add(target, name, text):
    seeds[target][re.sub(r"[^A-Za-z0-9_.-]", "_", name)] = text


def sub(target, name, doc, *path):
    for k in path:
        if not isinstance(doc, dict) or k not in doc:
            return
        doc = doc[k]
    add(target, name, json.dumps(doc, indent=1) + "\n")


def config_doc(name, text):
    add("config", name, text)
    try:
        doc = json.loads(text)
    except ValueError:
        return
    sub("process", name, doc, "process")
    sub("resources", name, doc, "linux", "resources")
    sub("seccomp", name, doc, "linux", "seccomp")


for kind in ("good", "bad"):
    d = os.path.join(spec, "schema", "test", "config", kind)
    for f in sorted(os.listdir(d)):
        config_doc("schema-%s-%s" % (kind, f), open(os.path.join(d, f)).read())
    d = os.path.join(spec, "schema", "test", "state", kind)
    for f in sorted(os.listdir(d)):
        add("state", "schema-%s-%s" % (kind, f), open(os.path.join(d, f)).read())

# ```json blocks of the spec's prose: whole configs and fragments
for md in sorted(os.listdir(spec)):
    if not md.endswith(".md"):
        continue
    text = open(os.path.join(spec, md)).read()
    for i, block in enumerate(re.findall(r"```json\n(.*?)```", text, re.S)):
        name = "%s-%d.json" % (md[:-3], i)
        try:
            doc = json.loads(block)
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        if "ociVersion" in doc and "root" in doc:
            config_doc(name, block)
        elif "seccomp" in doc:
            sub("seccomp", name, doc, "seccomp")
        elif "defaultAction" in doc:
            add("seccomp", name, block)
        elif "args" in doc or "user" in doc:
            add("process", name, block)
        elif doc.keys() & {"memory", "cpu", "pids", "devices", "blockIO",
                           "hugepageLimits", "network", "rdma", "unified"}:
            add("resources", name, block)

for root, _, files in os.walk(os.path.join(top, "examples")):
    for f in sorted(files):
        if f.endswith(".json"):
            rel = os.path.relpath(os.path.join(root, f), top)
            config_doc(rel, open(os.path.join(root, f)).read())
config_doc("unit-spec-example.json",
           open(os.path.join(top, "tests", "unit", "fixtures", "spec",
                             "spec-example.json")).read())
add("seccomp", "calyx-default.json",
    open(os.path.join(top, "seccomp", "default.json")).read())

# calyx's own state.json (container_record_write's shape)
add("state", "calyx-state.json", json.dumps({
    "id": "c1", "bundle": "/b", "rootfs": "/b/rootfs",
    "created": "2026-01-01T00:00:00.000000000Z", "owner": "root",
    "pid": 4242, "pidStartTime": 123456, "cgroupPath": "/calyx/c1",
    "annotations": {"a": "b", "org.opencontainers.x": ""}}) + "\n")
add("state", "calyx-state-minimal.json", '{"id":"c","pid":0}\n')

for target, files in seeds.items():
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    print("%s: %d seeds" % (target, len(files)))
