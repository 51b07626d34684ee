#!/usr/bin/env bash
# End-to-end timing of profile handling on large generated files (issue 10):
# `profiles` and `env` on 2,000 profiles and on 1,000- and 5,000-deep inheritance chains.
#
#   benches/profiles.sh [BINARY [HYPERFINE ARGS...]]
#
# BINARY defaults to target/release/cargo-xbuild-go; extra arguments go to hyperfine
# (e.g. `--runs 1` for a slow old binary; the default is a warm-up and at least 3 runs).
#
# Needs hyperfine. Writes the generated files to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/cargo-xbuild-go}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
shift || true
if [ $# -eq 0 ]; then set -- --warmup 1 --min-runs 3; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# 2,000 independent profiles, each setting a few keys.
{
  echo '[build]'
  echo 'package = "."'
  for i in $(seq 0 1999); do
    printf '\n[profile.p%d]\ntargets = ["linux/arm64", "linux/amd64"]\ntags = ["t%d"]\nenv = { GOPROXY = "off" }\n[profile.p%d.verify]\nmax-size = "%dMiB"\n' "$i" "$i" "$i" "$((i + 1))"
  done
} >"$dir/many.toml"

# A chain: p0 <- p1 <- ... <- p(N-1), each adding one tag.
chain() {
  local n=$1
  printf '[profile.p0]\ntags = ["t0"]\n'
  for i in $(seq 1 $((n - 1))); do
    printf '\n[profile.p%d]\ninherits = "p%d"\ntags = ["t%d"]\n' "$i" "$((i - 1))" "$i"
  done
}
chain 1000 >"$dir/chain1000.toml"
chain 5000 >"$dir/chain5000.toml"

cd "$dir"
hyperfine "$@" --export-markdown "$dir/out.md" \
  -n 'profiles, 2,000 profiles' "$bin profiles --config many.toml" \
  -n 'profiles, 1,000-deep chain' "$bin profiles --config chain1000.toml" \
  -n 'profiles, 5,000-deep chain' "$bin profiles --config chain5000.toml" \
  -n 'env, 2,000 profiles' "$bin env --config many.toml --profile p1999" \
  -n 'env, 5,000-deep chain' "$bin env --config chain5000.toml --profile p4999"
cat "$dir/out.md"
