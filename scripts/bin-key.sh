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

# Prints the inputs' stat key for the checkout in $1 (run from anywhere).
rivulet_bin_stat_key() {
  (cd "$1" && {
    pwd
    find agent -name '*.ts' ! -name '*.test.ts' ! -path '*/testdata/*' -printf '%p %s %T@\n'
    find wasm -path '*/build/*.ts' -printf '%p %s %T@\n'
    find deploy/tenant package.json package-lock.json wasm/helm-template/build/helm-template.wasm \
      wasm/helm-template/build/wasm_exec.js -printf '%p %s %T@\n' 2>/dev/null
  } | cksum | tr ' ' '-')
}
