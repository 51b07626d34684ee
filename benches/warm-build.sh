#!/usr/bin/env bash
# End-to-end timings with hyperfine (Debian package `hyperfine`):
#  1. a warm build through cargo-xbuild-go against the same `go build` by hand, in the
#     same scrubbed environment with the same flags (and, with OLD_TOOL=PATH, another
#     build of the tool in the same run, for before/after figures);
#  2. the default build against the seed formula's `-a`, with the sha256 of both outputs.
# Usage: [RUNS=30] [RUNS_A=3] [SKIP_A=1] [OLD_TOOL=path] benches/warm-build.sh [MODULE_DIR [PACKAGE]]
#        (default module fixtures/go/hello, package .)
# cmd/go:  benches/warm-build.sh "$(go env GOROOT)/src/cmd" ./go
# caddy:   a module whose main.go calls caddycmd.Main() with modules/standard imported.
set -euo pipefail
cd "$(dirname "$0")/.."
module=${1:-fixtures/go/hello}
package=${2:-.}
cargo build --release -q
tool=$PWD/target/release/cargo-xbuild-go
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Exactly the environment the tool gives go for linux/arm64 with the golden profile.
scrub=(env -i "PATH=$PATH" "HOME=$HOME" GOENV=off GOFLAGS= GOTOOLCHAIN=local
       GOOS=linux GOARCH=arm64 GOARM64=v8.0 CGO_ENABLED=0)
[ -n "${GOCACHE:-}" ] && scrub+=("GOCACHE=$GOCACHE")
[ -n "${GOMODCACHE:-}" ] && scrub+=("GOMODCACHE=$GOMODCACHE")
[ -n "${GOPROXY:-}" ] && scrub+=("GOPROXY=$GOPROXY")

echo "# $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(go version), $module $package"
# Warm go's cache and the tool's output cache first.
(cd "$module" && "${scrub[@]}" go build -ldflags='-s -w' -o "$out/warm" "$package")
"$tool" -C "$module" --package "$package" --target linux/arm64 -o "$out/tool" -q

cmds=(--command-name "cargo xbuild-go (build + verify + deliver)"
      "$tool -C $module --package $package --target linux/arm64 -o $out/tool -q")
if [ -n "${OLD_TOOL:-}" ]; then
  "$OLD_TOOL" -C "$module" --package "$package" --target linux/arm64 -o "$out/old" -q
  cmds+=(--command-name "previous cargo xbuild-go ($OLD_TOOL)"
         "$OLD_TOOL -C $module --package $package --target linux/arm64 -o $out/old -q")
fi
cmds+=(--command-name "go build by hand, same env and flags"
       "${scrub[*]} go -C $module build -ldflags=-s\ -w -o $out/hand $package")
hyperfine --warmup 3 --runs "${RUNS:-30}" -N "${cmds[@]}" \
  ${EXPORT:+--export-markdown "$EXPORT"}
sha256sum "$out/tool" "$out/hand"

[ "${SKIP_A:-0}" = 1 ] && exit 0
hyperfine --runs "${RUNS_A:-3}" -N \
  --command-name "default (no -a)" \
  "${scrub[*]} go -C $module build -ldflags=-s\ -w -o $out/noa $package" \
  --command-name "seed formula with -a" \
  "${scrub[*]} go -C $module build -a -ldflags=-s\ -w -o $out/a $package"
sha256sum "$out/noa" "$out/a" "$out/tool" "$out/hand"
