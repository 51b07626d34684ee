#!/usr/bin/env bash
# The image of fixtures/go/hello for linux/amd64 + linux/arm64, pushed to a local
# registry, by `cargo xbuild-go image --push` and by ko (v0.19.1, `go install
# github.com/google/ko@v0.19.1`; KO=path to use another), on the same base served by the
# same registry: wall time of a cold run (empty go build cache, empty tool cache, a
# fresh repository) and of warm runs, the digest of each run (the same twice?), and
# the size of the layer each adds.
#
# Needs: docker-registry (Debian's, distribution 2.8), umoci, skopeo, python3, go, ko.
# Usage: [WARM=5] [KO=/root/go/bin/ko] benches/image_vs_ko.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$PWD
KO=${KO:-$(command -v ko || echo /root/go/bin/ko)}
WARM=${WARM:-5}
cargo build --release -q
tool=$repo_root/target/release/cargo-xbuild-go
. benches/lib.sh
bench_scratch

# The registry, on a free loopback port.
port=$(free_port)
reg=127.0.0.1:$port
cat > "$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: $reg
EOF
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
for _ in $(seq 100); do
  curl -fsS "http://$reg/v2/" > /dev/null 2>&1 && break
  sleep 0.1
done

# A small distroless-like base, two platforms: /etc/passwd (root, nonroot 65532),
# /etc/group, /tmp, /usr/local/bin; one umoci layout per platform gathered under one
# index, pushed as $reg/base:1.
for arch in amd64 arm64; do
  l=$work/base-$arch
  umoci init --layout "$l"
  umoci new --image "$l:t"
  umoci config --image "$l:t" --architecture="$arch" --os=linux --config.user=65532:65532
  umoci unpack --rootless --image "$l:t" "$work/bundle-$arch" > /dev/null
  root=$work/bundle-$arch/rootfs
  mkdir -p "$root/etc" "$root/tmp" "$root/usr/local/bin" "$root/home/nonroot"
  printf 'root:x:0:0::/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
  chmod 1777 "$root/tmp"
  umoci repack --image "$l:t" "$work/bundle-$arch"
done
python3 - "$work" <<'EOF'
import hashlib, json, os, shutil, sys
work = sys.argv[1]
dest = os.path.join(work, "base")
os.makedirs(os.path.join(dest, "blobs", "sha256"))
manifests = []
for arch in ["amd64", "arm64"]:
    src = os.path.join(work, "base-" + arch)
    for name in os.listdir(os.path.join(src, "blobs", "sha256")):
        shutil.copy(os.path.join(src, "blobs", "sha256", name), os.path.join(dest, "blobs", "sha256", name))
    top = json.load(open(os.path.join(src, "index.json")))["manifests"][0]
    manifests.append({"mediaType": top["mediaType"], "digest": top["digest"], "size": top["size"],
                      "platform": {"os": "linux", "architecture": arch}})
index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": manifests}).encode()
h = hashlib.sha256(index).hexdigest()
open(os.path.join(dest, "blobs", "sha256", h), "wb").write(index)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
           "digest": "sha256:" + h, "size": len(index),
           "annotations": {"org.opencontainers.image.ref.name": "1"}}]},
          open(os.path.join(dest, "index.json"), "w"))
open(os.path.join(dest, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
skopeo copy -q --all --preserve-digests --dest-tls-verify=false "oci:$work/base:1" "docker://$reg/base:1"

# The same module for both, with a profile for the tool and a .ko.yaml giving ko the
# tool's default linker flags (-s -w; both build with -trimpath), so both images hold
# the same kind of binary.
mod=$work/hello
cp -r fixtures/go/hello "$mod"
cat > "$mod/.ko.yaml" <<'EOF'
builds:
- id: hello
  main: .
  ldflags:
  - -s -w
EOF
write_profile() { # REPOSITORY
  cat > "$mod/xbuild-go.toml" <<EOF
[profile.bench]
targets = ["linux/amd64", "linux/arm64"]
flags = ["-trimpath"]
output = "dist/{name}-{arch}"

[profile.bench.image]
base = "$reg/base:1"
repository = "$1"
tags = ["bench"]
EOF
}

export SOURCE_DATE_EPOCH=1700000000 GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
now() { date +%s.%N; }
ms() { python3 -c "print(round(($2 - $1) * 1000))"; }

run_tool() { # LABEL REPOSITORY
  write_profile "$reg/$2"
  local t0 t1 out
  t0=$(now)
  out=$(cd "$mod" && "$tool" image --profile bench --push --message-format json 2> "$work/tool.err") \
    || { cat "$work/tool.err" >&2; exit 1; }
  t1=$(now)
  local digest
  digest=$(printf '%s\n' "$out" | python3 -c 'import json,sys
for l in sys.stdin:
    v=json.loads(l)
    if v.get("reason")=="image": print(v["index_digest"])')
  echo "tool $1: $(ms "$t0" "$t1") ms $digest"
}

run_ko() { # LABEL REPOSITORY
  local t0 t1 out
  t0=$(now)
  out=$(cd "$mod" && KO_DOCKER_REPO=$reg/$2 KO_DEFAULTBASEIMAGE=$reg/base:1 \
    "$KO" build --bare --platform=linux/amd64,linux/arm64 --push . 2> "$work/ko.err") \
    || { cat "$work/ko.err" >&2; exit 1; }
  t1=$(now)
  echo "ko $1: $(ms "$t0" "$t1") ms ${out##*@}"
}

layer_sizes() { # REPOSITORY:TAG-or-@digest
  local raw
  raw=$(skopeo inspect --raw --tls-verify=false "docker://$reg/$1")
  for d in $(printf '%s' "$raw" | python3 -c 'import json,sys; [print(m["digest"]) for m in json.load(sys.stdin)["manifests"] if "platform" in m]'); do
    skopeo inspect --raw --tls-verify=false "docker://$reg/${1%%[:@]*}@$d" | python3 -c '
import json,sys; m=json.load(sys.stdin); l=m["layers"][-1]
print("  added layer", l["size"], "bytes,", len(m["layers"]), "layers in all")'
  done
}

echo "# $(date -u +%Y-%m-%d) on $(nproc) cores, $(go version), $("$KO" version 2>/dev/null | head -1 | sed 's/^/ko /'), registry $reg"

# Cold: an empty go build cache, an empty tool cache, a repository never pushed to.
export GOCACHE=$work/gocache-tool XBUILD_GO_CACHE_DIR=$work/toolcache
run_tool cold tool-app
export GOCACHE=$work/gocache-ko KOCACHE=$work/kocache
run_ko cold ko-app

# Warm: the same again, WARM times each, alternating.
for i in $(seq "$WARM"); do
  GOCACHE=$work/gocache-tool run_tool "warm $i" tool-app
  GOCACHE=$work/gocache-ko run_ko "warm $i" ko-app
done

echo "tool image layers:"; layer_sizes tool-app:bench
echo "ko image layers:"; layer_sizes ko-app:latest
