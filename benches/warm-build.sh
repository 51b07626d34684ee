#!/usr/bin/env bash
# End-to-end timings with hyperfine (Debian package `hyperfine`):
#  1. a warm build through cargo-xbuild-go against the same `go build` by hand, in the
#     same scrubbed environment with the same flags;
#  2. the default build against the seed formula's `-a`, with the sha256 of both outputs.
# Usage: [RUNS=30] [RUNS_A=3] [SKIP_A=1] benches/warm-build.sh [MODULE_DIR]
#        (default module fixtures/go/hello)
set -euo pipefail
cd "$(dirname "$0")/.."
module=${1:-fixtures/go/hello}
cargo build --release -q
tool=$PWD/target/release/cargo-xbuild-go
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Exactly the environment the tool gives go for linux/arm64 with the golden profile.
scrub=(env -i "PATH=$PATH" "HOME=$HOME" GOENV=off GOFLAGS= GOTOOLCHAIN=local
       GOOS=linux GOARCH=arm64 GOARM64=v8.0 CGO_ENABLED=0)
[ -n "${GOCACHE:-}" ] && scrub+=("GOCACHE=$GOCACHE")
[ -n "${GOMODCACHE:-}" ] && scrub+=("GOMODCACHE=$GOMODCACHE")

echo "# $(date -u +%Y-%m-%d) on $(nproc) cores, $(go version), $(uname -m)"
# Warm the cache first.
(cd "$module" && "${scrub[@]}" go build -ldflags='-s -w' -o "$out/warm" .)

hyperfine --warmup 3 --runs "${RUNS:-30}" -N \
  --command-name "cargo xbuild-go (build + verify + deliver)" \
  "$tool -C $module --target linux/arm64 -o $out/tool -q" \
  --command-name "go build by hand, same env and flags" \
  "${scrub[*]} go -C $module build -ldflags=-s\ -w -o $out/hand ."

[ "${SKIP_A:-0}" = 1 ] && exit 0
hyperfine --runs "${RUNS_A:-3}" -N \
  --command-name "default (no -a)" \
  "${scrub[*]} go -C $module build -ldflags=-s\ -w -o $out/noa ." \
  --command-name "seed formula with -a" \
  "${scrub[*]} go -C $module build -a -ldflags=-s\ -w -o $out/a ."
sha256sum "$out/noa" "$out/a" "$out/tool" "$out/hand"
