#!/usr/bin/env bash
# Runs one benchmark program on an earlier commit and on the working tree, alternating, so both see the
# same machine load (these 2-core machines are noisy: compare within one run, never across runs).
#
#   bash bench/against.sh REV ROUNDS -- bun bench/flux-benchmark.ts 1000
#
# REV is checked out once into a temporary worktree that shares this tree's node_modules; each round runs
# the command there ("before") and here ("after"), and prints each one's output under a header. The
# command must not depend on files the two trees do not share (it runs with the tree as its cwd).
set -euo pipefail
cd "$(dirname "$0")/.."
rev="$1"; rounds="$2"; shift 2
[ "${1:-}" = "--" ] && shift
here="$PWD"
base="$(mktemp -d "${TMPDIR:-/tmp}/rivulet-before-XXXXXX")"
trap 'git worktree remove --force "$base" >/dev/null 2>&1 || rm -rf "$base"' EXIT
git worktree add --detach -q "$base" "$rev"
ln -s "$here/node_modules" "$base/node_modules"
for i in $(seq 1 "$rounds"); do
  for side in before after; do
    dir="$here"; [ "$side" = before ] && dir="$base"
    echo "=== round $i: $side ($( [ "$side" = before ] && git rev-parse --short "$rev" || echo "working tree"))"
    (cd "$dir" && "$@")
  done
done
