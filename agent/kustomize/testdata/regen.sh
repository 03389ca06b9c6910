#!/usr/bin/env bash
# Regenerates every case's expected.yaml with the oracle, `kubectl kustomize` (kustomize v5.5.0).
# Run from anywhere; review the diff before committing.
set -uo pipefail
cd "$(dirname "$0")"
for d in */; do
  d=${d%/}
  kubectl kustomize "$d" > "$d/expected.yaml" || echo "kubectl failed on $d" >&2
done
