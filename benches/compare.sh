#!/usr/bin/env bash
# End-to-end comparisons with hyperfine (Debian package `hyperfine`), for BENCHMARKS.md:
#  1. verify of a large Go binary vs file + readelf -hlSdnVA + go version -m (and peak RSS);
#  2. a 4-target matrix with -j 2 vs -j 1 vs four separate invocations (warm cache);
#  3. the same 4 targets with `goreleaser build --snapshot`, when goreleaser is on PATH
#     (go install github.com/goreleaser/goreleaser/v2@v2.12.0).
# The warm build vs go build by hand and -a comparisons are in benches/warm-build.sh.
# Usage: [RUNS=20] benches/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-20}
cargo build --release -q
tool=$PWD/target/release/cargo-xbuild-go
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# $(date -u +%Y-%m-%d) on $(nproc) cores, $(go version), $(uname -m)"

# 1. verify vs the standard tools, on cmd/compile built for linux/arm64.
big=target/bench-fixtures/compile-linux-arm64
if [ ! -f "$big" ]; then
  mkdir -p target/bench-fixtures
  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 GOFLAGS= go build -o "$big" cmd/compile
fi
echo "## verify $(du -h "$big" | cut -f1) $big"
# The target: verify (all checks) at most 1.5x readelf -hlSdnVA alone. Both take about a
# millisecond, so many runs; read the medians (hyperfine --export-json) on a busy machine.
hyperfine -N -i --warmup 20 --runs "$((runs * 10))" \
  --command-name "cargo xbuild-go verify (all checks)" "$tool verify $big --target linux/arm64 -q" \
  --command-name "readelf -hlSdnVA" "readelf -hlSdnVA -W $big"
hyperfine -N -i --warmup 3 --runs "$runs" \
  --command-name "cargo xbuild-go verify (all checks)" "$tool verify $big --target linux/arm64 -q" \
  --command-name "file + readelf -hlSdnVA + go version -m" "sh -c 'file $big >/dev/null; readelf -hlSdnVA -W $big >/dev/null; go version -m $big >/dev/null'"
# JSON output adds the sha256: it should cost what openssl's does.
hyperfine -N -i --warmup 3 --runs "$runs" \
  --command-name "cargo xbuild-go verify --message-format json" "$tool verify $big --target linux/arm64 -q --message-format json" \
  --command-name "openssl dgst -sha256" "openssl dgst -sha256 $big"
for cmd in "$tool verify $big --target linux/arm64 -q" "readelf -hlSdnVA -W $big" "file $big" "go version -m $big"; do
  /usr/bin/time -f %M -o "$work/rss" $cmd >/dev/null 2>&1 || true
  rss=$(tail -1 "$work/rss")
  echo "peak RSS ${rss} KiB: $cmd"
done

# 2. A 4-target matrix, warm cache.
cp -r fixtures/go/hello "$work/m"
targets=linux/amd64,linux/arm64,linux/arm/v7,linux/riscv64
"$tool" -C "$work/m" --target $targets -o "$work/warm/{name}-{os}-{arch}{variant}" -q
echo "## 4-target matrix ($targets), warm cache"
hyperfine -N --warmup 2 --runs "$runs" \
  --command-name "jobs=2" "$tool -C $work/m --target $targets -o $work/j2/{name}-{os}-{arch}{variant} -j 2 -q" \
  --command-name "jobs=1" "$tool -C $work/m --target $targets -o $work/j1/{name}-{os}-{arch}{variant} -j 1 -q" \
  --command-name "four invocations" "sh -c 'for t in linux/amd64 linux/arm64 linux/arm/v7 linux/riscv64; do $tool -C $work/m --target \$t -o $work/seq/\$(echo \$t | tr / -) -q; done'"

# 3. goreleaser on the same module and targets.
if command -v goreleaser >/dev/null; then
  cp -r fixtures/go/hello "$work/g"
  cat > "$work/g/.goreleaser.yaml" <<'YAML'
version: 2
project_name: hello
builds:
  - env: [CGO_ENABLED=0]
    ldflags: ["-s -w"]
    goos: [linux]
    goarch: [amd64, arm64, arm, riscv64]
    goarm: ["7"]
YAML
  (cd "$work/g" && git init -q && git add -A && git -c user.email=b@x -c user.name=b commit -qm x)
  (cd "$work/g" && goreleaser build --snapshot --clean >/dev/null 2>&1)
  echo "## vs goreleaser $(goreleaser --version 2>/dev/null | grep -m1 GitVersion | tr -s ' ')"
  # Both start from an empty output directory (goreleaser's --clean removes dist/).
  hyperfine -N --warmup 1 --runs "${RUNS_GR:-10}" --prepare "rm -rf $work/gx" \
    --command-name "cargo xbuild-go, jobs=2 (build + verify)" "$tool -C $work/g --target $targets -o $work/gx/{name}-{os}-{arch}{variant} -j 2 -q" \
    --command-name "goreleaser build --snapshot --clean" "sh -c 'cd $work/g && goreleaser build --snapshot --clean >/dev/null 2>&1'"
else
  echo "## goreleaser not on PATH: skipped"
fi
