#!/usr/bin/env bash
# `npm run build:bin`: compiles rivulet into one executable for bin/rivulet to run (bench/build.md: a
# 10-object `rivulet build` starts in ~50 ms compiled with bytecode against ~250 ms from the sources).
# The executable goes to $RIVULET_CACHE/bin/HASH/bin/rivulet (default ~/.cache/rivulet), HASH being the
# inputs' sha256, with the files it reads at run time in HASH/share/rivulet/ where agent/runtime/assets.ts
# looks for them beside a compiled binary; an existing HASH is not compiled again. Then the launcher's
# stat key (scripts/bin-key.sh) is linked to it, unless a source changed while this ran.
#
# Usage: scripts/build-bin.sh [--print-path]   (prints the executable's path on stdout when done)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
log() { printf '[build:bin] %s\n' "$*" >&2; }
. scripts/bin-key.sh
bun="$root/node_modules/.bin/bun"
helm_build="wasm/helm-template/build"
if [ ! -f "$helm_build/helm-template.wasm" ]; then
  log "the Helm engine is not built ($helm_build); run npm run build:wasm first"
  exit 1
fi

key_before=$(rivulet_bin_stat_key "$root")
inputs() {
  { find agent -name '*.ts' ! -name '*.test.ts' ! -path '*/testdata/*'
    find wasm -path '*/build/*.ts'
    find deploy/tenant -type f
    echo package.json package-lock.json "$helm_build/helm-template.wasm" "$helm_build/wasm_exec.js" scripts/build-bin.sh | tr ' ' '\n'
  } | LC_ALL=C sort
}
hash=$(inputs | xargs sha256sum | sha256sum | cut -c1-16)
out="$rivulet_bin_cache/$hash"
exe="$out/bin/rivulet"
if [ -x "$exe" ]; then
  log "$exe is built already (inputs unchanged)"
else
  started=$(date +%s%N)
  # Built beside the final place and renamed into it, so a launcher never finds half an executable.
  tmp="$rivulet_bin_cache/.tmp-$hash-$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin" "$tmp/share/rivulet/$helm_build"
  log "compiling the agent (bun build --compile --bytecode)"
  "$bun" build --compile --minify --bytecode --format=esm --sourcemap=none agent/main.ts --outfile "$tmp/bin/rivulet" >&2
  cp "$helm_build/helm-template.wasm" "$helm_build/wasm_exec.js" "$tmp/share/rivulet/$helm_build/"
  mkdir -p "$tmp/share/rivulet/deploy"
  cp -r deploy/tenant "$tmp/share/rivulet/deploy/"
  rm -rf "$out"
  mv "$tmp" "$out"
  log "built $exe in $(( ($(date +%s%N) - started) / 1000000 )) ms"
fi

if [ "$(rivulet_bin_stat_key "$root")" != "$key_before" ]; then
  log "a source changed while compiling; bin/rivulet keeps using the sources (run build:bin again)"
else
  mkdir -p "$rivulet_bin_cache/by-key"
  ln -sfn "../$hash/bin/rivulet" "$rivulet_bin_cache/by-key/$key_before"
fi
if [ "${1:-}" = "--print-path" ]; then echo "$exe"; fi
