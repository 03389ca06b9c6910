# Sourced by bin/rivulet and scripts/build-bin.sh: where the compiled rivulet lives and how the launcher
# knows it is fresh without reading the sources. A content hash of agent/ takes ~120 ms (more than the
# compiled binary's whole start-up), so the launcher keys on the inputs' paths, sizes and modification
# times instead (~5 ms); build-bin.sh links that key to the binary it built from the content hash. Any
# edit, checkout or rebuild of the WASM changes a size or a time, so a stale binary is never found: the
# launcher falls back to Bun and the sources.
#
# The inputs are those of the agent image (scripts/build-image.sh): the agent's sources without tests,
# the lockfiles, the generated WASM modules and the Helm engine's build, deploy/tenant/.
rivulet_bin_cache="${RIVULET_CACHE:-$HOME/.cache/rivulet}/bin"

# Prints the inputs' stat key for the checkout in $1 (an absolute path). One find and one cksum: the
# launcher pays this on every start.
rivulet_bin_stat_key() {
  set -- "$1" "$(find "$1/agent" "$1/wasm" "$1/deploy/tenant" "$1/package.json" "$1/package-lock.json" \
    \( -path "$1/agent/*.ts" ! -name '*.test.ts' ! -path '*/testdata/*' -o -path "$1/wasm/*/build/*.ts" \
    -o -path "$1/wasm/helm-template/build/helm-template.wasm" -o -path "$1/wasm/helm-template/build/wasm_exec.js" \
    -o -path "$1/deploy/tenant/*" -o -path "$1/package*.json" \) -printf '%p %s %T@\n' 2>/dev/null | cksum)"
  set -- $2
  echo "$1-$2"
}
