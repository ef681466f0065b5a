#!/bin/bash
# k8s_manifests.sh - the manifests in etc/kubernetes/, checked without a
# cluster:
#  - against the Kubernetes API schema, twice: kubernetes-models (npm; the
#    OpenAPI types compiled to JSON-schema validators: types, enums,
#    required fields) and kubernetes-types with the TypeScript compiler
#    (unknown fields, which the schema lets through); each validator is
#    first shown a broken manifest, to prove it rejects one;
#  - for what doc/containers.md promises: mount propagation (Bidirectional
#    for zramfs, HostToContainer for workloads), privileges and
#    capabilities, the native sidecar and its probes, memory limits, the
#    DaemonSet's preStop and readiness probe, and that every environment
#    variable and program they name exists in the image.
# The npm packages are installed once, pinned, in $K8S_NODE_DIR.
. "$(dirname "$0")/../lib.sh"
K8S_NODE_DIR=${K8S_NODE_DIR:-/var/cache/zramfs-test/k8s-validate}
NPM_PKGS="kubernetes-models@5.1.0 kubernetes-types@1.30.0 typescript@5.9.3"
PY=/usr/bin/python3
MANIFESTS=$(ls "$ROOT"/etc/kubernetes/*.yaml)

ok "python3-yaml" $PY -c 'import yaml'
eq "three manifests" 3 "$(wc -w <<< "$MANIFESTS")"

# -- YAML to JSON and TypeScript --------------------------------------------
# $T/NAME.json: the documents; $T/NAME.ts: each as a typed constant
cat > "$T/convert.py" <<'PY'
import json, sys, yaml
src, out, types = sys.argv[1], sys.argv[2], sys.argv[3]
docs = [d for d in yaml.safe_load_all(open(src)) if d is not None]
json.dump(docs, open(out + ".json", "w"))
kinds = {("v1", "Pod"): "core/v1", ("apps/v1", "DaemonSet"): "apps/v1"}
with open(out + ".ts", "w") as f:
    for i, d in enumerate(docs):
        mod = kinds[(d["apiVersion"], d["kind"])]
        f.write('import type { %s as T%d } from "%s/%s";\n'
                % (d["kind"], i, types, mod))
        f.write("export const doc%d: T%d = %s;\n" % (i, i, json.dumps(d)))
PY
TYPES=$K8S_NODE_DIR/node_modules/kubernetes-types
for m in $MANIFESTS; do
	n=$(basename "$m" .yaml)
	ok "$n: YAML parses" $PY "$T/convert.py" "$m" "$T/$n" "$TYPES"
done

# -- the schema validators ---------------------------------------------------
stamp=$K8S_NODE_DIR/.installed
if [ "$(cat "$stamp" 2>/dev/null)" != "$NPM_PKGS" ]; then
	if ! command -v npm >/dev/null; then
		fail "npm is needed to install the validators ($NPM_PKGS)"
		finish
	fi
	mkdir -p "$K8S_NODE_DIR"
	# a package.json of its own, so npm installs here and not in a parent
	echo '{"private": true}' > "$K8S_NODE_DIR/package.json"
	if (cd "$K8S_NODE_DIR" && timeout 300 npm install --no-save \
		--no-package-lock --no-audit --no-fund --loglevel=error \
		$NPM_PKGS) > "$T/npm.log" 2>&1; then
		echo "$NPM_PKGS" > "$stamp"
	else
		fail "npm install $NPM_PKGS: $(tail -3 "$T/npm.log")"
		finish
	fi
fi
pass "validators installed: $NPM_PKGS"

cat > "$T/validate.mjs" <<'JS'
// validate.mjs DIR FILE.json: each document against kubernetes-models
import { readFileSync } from "node:fs";
const [dir, file] = process.argv.slice(2);
let bad = 0;
for (const doc of JSON.parse(readFileSync(file, "utf8"))) {
  const group = doc.apiVersion === "v1" ? "v1" : doc.apiVersion;
  const mod = await import(`${dir}/node_modules/kubernetes-models/${group}/${doc.kind}.js`);
  try {
    new mod[doc.kind](doc).validate();
    console.log(`${doc.kind}/${doc.metadata.name}: valid`);
  } catch (e) {
    console.log(`${doc.kind}/${doc.metadata.name}: ${e.message}`);
    bad++;
  }
}
process.exit(bad ? 1 : 0);
JS
schema() { node "$T/validate.mjs" "$K8S_NODE_DIR" "$1"; }
tsc() {
	"$K8S_NODE_DIR/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck \
		--lib es2020 --moduleResolution node "$@"
}

# the validators reject what is wrong: an unknown enum value, a misspelt field
$PY - "$T/sidecar-direct.json" "$T/broken" "$TYPES" <<'PY'
import json, sys
docs = json.load(open(sys.argv[1]))
m = docs[0]["spec"]["initContainers"][0]["volumeMounts"][0]
m["mountPropagation"] = "bidirectional"
json.dump(docs, open(sys.argv[2] + "-enum.json", "w"))
m["mountPropagation"] = "Bidirectional"
m["mountPropogation"] = m.pop("mountPropagation")
with open(sys.argv[2] + "-field.ts", "w") as f:
    f.write('import type { Pod } from "%s/core/v1";\n' % sys.argv[3])
    f.write("export const d: Pod = %s;\n" % json.dumps(docs[0]))
PY
notok "control: kubernetes-models rejects mountPropagation: bidirectional" \
	schema "$T/broken-enum.json"
notok "control: tsc rejects a misspelt field (mountPropogation)" \
	tsc "$T/broken-field.ts"

for m in $MANIFESTS; do
	n=$(basename "$m" .yaml)
	ok "$n: valid against the API schema (kubernetes-models)" schema "$T/$n.json"
	ok "$n: no unknown fields, types right (kubernetes-types, tsc)" tsc "$T/$n.ts"
done

# -- what the documentation promises -----------------------------------------
# the environment variables the entrypoint and scripts read; the programs
# the image installs
envs=$(grep -ho 'ZRAMFS_[A-Z_]*' "$ROOT"/etc/container/entrypoint.sh \
	"$ROOT"/etc/container/zramfs-swap | sort -u | xargs)
progs=$(grep -o 'usr/local/bin/[a-z-]*' "$ROOT/etc/container/install.sh" |
	sed 's|.*/||' | sort -u | xargs)
cat > "$T/promises.py" <<'PY'
import json, sys
tdir, envs, progs = sys.argv[1], set(sys.argv[2].split()), set(sys.argv[3].split())
base = {"sh", "cat", "grep", "test"}
failed = 0
def check(desc, cond):
    global failed
    print(("PASS " if cond else "FAIL ") + desc)
    failed |= not cond

def load(name):
    return json.load(open(f"{tdir}/{name}.json"))

def mounts(c):
    return {m["mountPath"]: m for m in c.get("volumeMounts", [])}

def zramfs_container(name, c, spec):
    sc = c.get("securityContext", {})
    check(f"{name}: zramfs runs the zramfs image", c["image"].startswith("zramfs:"))
    check(f"{name}: zramfs is privileged (Bidirectional needs it)", sc.get("privileged") is True)
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    mnt = env.get("ZRAMFS_MNT", "/run/zramfs")
    m = mounts(c).get(mnt)
    check(f"{name}: zramfs mounts {mnt} with Bidirectional propagation",
          m is not None and m.get("mountPropagation") == "Bidirectional")
    check(f"{name}: every env variable is one the image reads",
          set(env) <= envs)
    res = c.get("resources", {})
    lim = res.get("limits", {}).get("memory")
    check(f"{name}: zramfs has a memory limit (mem_cap follows it)", lim is not None)
    check(f"{name}: zramfs memory request = limit",
          res.get("requests", {}).get("memory") == lim)
    check(f"{name}: no liveness probe on zramfs (a restart loses the data)",
          "livenessProbe" not in c)
    vols = {v["name"]: v for v in spec["volumes"]}
    check(f"{name}: the volume exists", m is not None and m["name"] in vols)
    return env, mnt, m["name"] if m else None

def programs(name, c):
    cmds = []
    for p in ("startupProbe", "readinessProbe", "livenessProbe"):
        if p in c:
            cmds.append(c[p]["exec"]["command"])
    for h in ("preStop", "postStart"):
        e = c.get("lifecycle", {}).get(h)
        if e:
            cmds.append(e["exec"]["command"])
    for cmd in cmds:
        check(f"{name}: {c['name']} runs {cmd[0]}, which the image has",
              cmd[0] in progs | base)

def reads_initstate(p, mnt):
    return p is not None and f"{mnt}/block/zram0/initstate" in p["exec"]["command"]

def pod(name, kind):
    (doc,) = load(name)
    spec = doc["spec"]
    check(f"{name}: a Pod", doc["kind"] == "Pod")
    sidecars = [c for c in spec.get("initContainers", []) if c["name"] == "zramfs"]
    check(f"{name}: zramfs is a native sidecar (init container, restartPolicy Always)",
          len(sidecars) == 1 and sidecars[0].get("restartPolicy") == "Always")
    c = sidecars[0]
    env, mnt, vol = zramfs_container(name, c, spec)
    check(f"{name}: the startup probe waits for zram0 (initstate)",
          reads_initstate(c.get("startupProbe"), mnt) and "grep" in c["startupProbe"]["exec"]["command"])
    check(f"{name}: the readiness probe cats initstate",
          reads_initstate(c.get("readinessProbe"), mnt))
    check(f"{name}: zram0 initialised by the entrypoint",
          "ZRAMFS_DISKSIZE" in env)
    programs(name, c)
    (w,) = spec["containers"]
    wm = mounts(w).get(mnt)
    check(f"{name}: the workload mounts the volume at {mnt} with HostToContainer",
          wm is not None and wm["name"] == vol and wm.get("mountPropagation") == "HostToContainer")
    wsc = w.get("securityContext", {})
    script = " ".join(w.get("command", []) + w.get("args", []))
    if kind == "direct":
        check(f"{name}: the workload drops every capability",
              wsc.get("capabilities", {}).get("drop") == ["ALL"])
        check(f"{name}: the workload is not privileged, cannot escalate",
              not wsc.get("privileged") and wsc.get("allowPrivilegeEscalation") is False
              and "add" not in wsc.get("capabilities", {}))
        check(f"{name}: the workload runs as uid 0 (the image is root's, 0600)",
              wsc.get("runAsUser") == 0)
        check(f"{name}: the workload opens {mnt}/dev/zram0 directly, no loop device",
              f"{mnt}/dev/zram0" in script and "losetup" not in script and "zramfs-attach" not in script)
        check(f"{name}: zramfs mounts with allow_other (non-root stats)",
              "allow_other" in " ".join(c.get("args", [])))
    else:
        check(f"{name}: the loop workload is privileged (loop devices, mount)",
              wsc.get("privileged") is True)
        check(f"{name}: the workload attaches with zramfs-attach, detaches on SIGTERM",
              "zramfs-attach" in script and "losetup -d" in script and "trap stop TERM" in script)
        check(f"{name}: the workload image has zramfs-attach", w["image"].startswith("zramfs:"))

def daemonset(name):
    (doc,) = load(name)
    check(f"{name}: a DaemonSet", doc["kind"] == "DaemonSet")
    spec = doc["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    env, mnt, vol = zramfs_container(name, c, spec)
    v = {x["name"]: x for x in spec["volumes"]}.get(vol, {})
    check(f"{name}: the volume is the node's {mnt} (hostPath)",
          v.get("hostPath", {}).get("path") == mnt)
    check(f"{name}: swap set up by the entrypoint (ZRAMFS_SETUP=zramfs-swap start)",
          env.get("ZRAMFS_SETUP") == "zramfs-swap start" and "ZRAMFS_DISKSIZE" in env)
    check(f"{name}: preStop runs zramfs-swap stop (swapoff, losetup -d)",
          c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
          == ["zramfs-swap", "stop"])
    check(f"{name}: readiness probe: zramfs-swap status (initstate and swap on)",
          c.get("readinessProbe", {}).get("exec", {}).get("command") == ["zramfs-swap", "status"])
    check(f"{name}: grace period long enough for swapoff (>= 120 s)",
          spec.get("terminationGracePeriodSeconds", 30) >= 120)
    check(f"{name}: system-node-critical", spec.get("priorityClassName") == "system-node-critical")
    check(f"{name}: runs on every node (tolerates every taint)",
          {"operator": "Exists"} in spec.get("tolerations", []))
    res = c["resources"]
    check(f"{name}: Guaranteed QoS (requests = limits)", res["requests"] == res["limits"])
    programs(name, c)

pod("sidecar-direct", "direct")
pod("sidecar-loop", "loop")
daemonset("daemonset")
sys.exit(failed)
PY
$PY "$T/promises.py" "$T" "$envs" "$progs" || _failed=1
# every container's "sh -c" script parses (dash, the image's /bin/sh)
$PY - "$T" $MANIFESTS <<'PY'
import sys, yaml
out = sys.argv[1]
for path in sys.argv[2:]:
    name = path.rsplit("/", 1)[1][:-5]
    for d in yaml.safe_load_all(open(path)):
        spec = d["spec"]["template"]["spec"] if d["kind"] == "DaemonSet" else d["spec"]
        for c in spec.get("initContainers", []) + spec["containers"]:
            if c.get("command") == ["sh", "-c"]:
                open(f"{out}/{name}.{c['name']}.sh", "w").write(c["args"][0])
PY
for s in "$T"/*.sh; do
	[ -e "$s" ] || continue
	ok "$(basename "$s" .sh): the container's script parses (dash -n)" dash -n "$s"
done
ok "zramfs-swap status reads initstate" grep -q 'block/zram0/initstate' \
	"$ROOT/etc/container/zramfs-swap"
finish
