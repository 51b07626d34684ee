#!/usr/bin/env bash
# Issue 22: a second CI runner with the remote Go build cache (go-cacher + its HTTP
# server) against the same runner with an empty local cache, and with a warm local one.
# gojq v0.12.17 (./cmd/gojq), fetched through the module proxy, for linux/arm64 and
# linux/amd64 in one run of the tool (-j 2), -trimpath so every copy builds the same
# bytes. Each scenario starts from its own copy of the module, its own HOME, GOCACHE,
# GOMODCACHE (filled from a local file:// proxy, so the network is not timed), go-cacher
# disk directory and output cache; the sha256 of every artifact is printed and must
# be the same in every scenario.
#
# Usage: [RUNS=3] [TOOL=path/to/cargo-xbuild-go] [XBUILD_GO_CACHER_DIR=dir] benches/remote-cache.sh
#   TOOL defaults to a --release build; XBUILD_GO_CACHER_DIR to target/go-cacher-tests/bin,
#   where go-cacher and go-cacher-server are installed with `go install` at the pinned
#   version when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
runs=${RUNS:-3}
if [ -z "${TOOL:-}" ]; then
  cargo build --release -q
  TOOL=$repo/target/release/cargo-xbuild-go
fi
tool=$(realpath "$TOOL")
bin=${XBUILD_GO_CACHER_DIR:-$repo/target/go-cacher-tests/bin}
version=v0.0.0-20260722201841-0bb331e19f64
if [ ! -x "$bin/go-cacher" ] || [ ! -x "$bin/go-cacher-server" ]; then
  mkdir -p "$bin"
  GOBIN=$bin GOFLAGS= GOTOOLCHAIN=local go install \
    "github.com/bradfitz/go-tool-cache/cmd/go-cacher@$version" \
    "github.com/bradfitz/go-tool-cache/cmd/go-cacher-server@$version"
fi
. benches/lib.sh
bench_scratch

# The module and its dependencies, once, through the module proxy.
seed=$work/seed-modcache
dir=$(GOMODCACHE=$seed GOFLAGS=-mod=mod go mod download -json github.com/itchyny/gojq@v0.12.17 |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
mkdir -p "$work/module" && cp -r "$dir/." "$work/module" && chmod -R u+w "$work/module"
(cd "$work/module" && GOMODCACHE=$seed GOFLAGS=-mod=mod go mod download)
printf '[profile.golden]\nflags = ["-trimpath"]\npackage = "./cmd/gojq"\noutput = "dist/{name}-{os}-{arch}"\n' \
  > "$work/module/xbuild-go.toml"

port=$(free_port)
mkdir -p "$work/server"
"$bin/go-cacher-server" -listen "127.0.0.1:$port" -cache-dir "$work/server" >/dev/null 2>&1 &
server_pid=$!
wait_port "$port"

n=0
# runner NAME [keep GOCACHE of runner] -- tool args...: one timed build in a fresh runner.
runner() {
  local name=$1 reuse=$2; shift 2
  n=$((n + 1))
  local r=$work/runs/$n-$name
  mkdir -p "$r/home" "$r/gomodcache" "$r/cacher" "$r/outcache"
  cp -r "$work/module" "$r/src"
  local gocache=$r/gocache
  [ -n "$reuse" ] && gocache=$reuse
  mkdir -p "$gocache"
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$r/src" && env -i "PATH=$PATH" "HOME=$r/home" "GOCACHE=$gocache" "GOMODCACHE=$r/gomodcache" \
     "GOPROXY=file://$seed/cache/download" GONOSUMDB=* GOSUMDB=off \
     "XBUILD_GO_CACHE_DIR=$r/outcache" \
     "$tool" -q -j 2 --target linux/arm64,linux/amd64 "$@" 2>"$r/stderr") ||
    { cat "$r/stderr" >&2; exit 1; }
  t1=$(date +%s.%N)
  last_gocache=$gocache
  last_secs=$(echo "$t1 - $t0" | bc)
  sha256sum "$r/src/dist/"* | sed "s|$r/src/||" >> "$work/sums-$name"
}
remote=(--cache-program "$bin/go-cacher --cache-dir=../cacher --cache-server=http://127.0.0.1:$port")

echo "# $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3), gojq v0.12.17 ./cmd/gojq, linux/arm64 + linux/amd64 (-j 2), $runs runs"
declare -A times
for i in $(seq "$runs"); do
  # A fresh server directory per round, so runner A fills it cold each time.
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  rm -rf "$work/server"; mkdir -p "$work/server"
  "$bin/go-cacher-server" -listen "127.0.0.1:$port" -cache-dir "$work/server" >/dev/null 2>&1 &
  server_pid=$!
  wait_port "$port"
  runner runner-A-fills-remote "" "${remote[@]}"; times[A]+="$last_secs "
  runner runner-B-remote "" "${remote[@]}"; times[remote]+="$last_secs "
  runner runner-B-cold "" --no-cache-program; times[cold]+="$last_secs "
  runner runner-B-warm-local "$last_gocache" --no-cache-program; times[warm]+="$last_secs "
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| scenario | wall time per run (s) | median (s) |\n|---|---|---|\n'
for k in A remote cold warm; do
  printf '| %s | %s | %s |\n' "$k" "${times[$k]}" "$(echo "${times[$k]}" | median)"
done
r=$(echo "${times[remote]}" | median); c=$(echo "${times[cold]}" | median); w=$(echo "${times[warm]}" | median)
echo "remote / warm local = $(echo "scale=2; $r / $w" | bc)x; cold / remote = $(echo "scale=2; $c / $r" | bc)x"
echo "# distinct artifact sha256 across all scenarios (must be 2, one per target):"
cat "$work"/sums-* | awk '{print $1, $2}' | sort -u
