#!/usr/bin/env bash
# go-sqlite3 (fixtures/go/sqlite) built static-musl for linux/arm64 through zig:
#  1. the first build with empty Go and zig caches (HOME and the caches in a scratch
#     directory; the module is downloaded beforehand, so the network is not timed);
#  2. a first build with zig's cache warm but Go's empty (what CI sees after the first
#     run on a machine: zig keeps musl and the glibc stubs under ~/.cache/zig);
#  3. warm builds (hyperfine), both caches full.
# Needs zig (`pip install ziglang` in an environment on PATH, or XBUILD_GO_ZIG) and
# network access to the Go module proxy for the download.
# Usage: [RUNS=10] benches/cgo-sqlite.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
tool=$PWD/target/release/cargo-xbuild-go
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r fixtures/go/sqlite "$scratch/sqlite"
cat > "$scratch/sqlite/xbuild-go.toml" <<'EOF'
[profile.golden]
targets = ["linux/arm64"]
cgo = true
libc = "musl"
EOF
export GOMODCACHE=$scratch/gomod
(cd "$scratch/sqlite" && GOFLAGS= go mod download)
home=$scratch/home
mkdir -p "$home"
# The tool with HOME in the scratch directory: zig's and Go's caches live under it.
cmd="env -u GOCACHE -u XDG_CACHE_HOME HOME=$home XBUILD_GO_CACHE_DIR=$home/xbuild-go $tool -C $scratch/sqlite -q"
echo "# $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg), $(go version), zig $(python3 -m ziglang version 2>/dev/null || zig version)"
/usr/bin/time -f "first build, Go and zig caches empty: %e s (user %U s, sys %S s)" $cmd
qemu-aarch64-static "$scratch/sqlite/sqlite"
# zig's cache kept, Go's and the output cache emptied.
rm -rf "$home/.cache/go-build" "$home/xbuild-go"
/usr/bin/time -f "first build, zig cache warm, Go cache empty: %e s (user %U s, sys %S s)" $cmd
hyperfine --warmup 1 --runs "${RUNS:-10}" --command-name "warm build (both caches full)" "$cmd"
