#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian machine (as root), skipping what is there:
# Debian packages for the real servers the tests use (git http-backend, docker-registry, age, gpg,
# htpasswd), then the control plane (scripts/install-control-plane.sh: etcd + a kube-apiserver and
# kube-controller-manager built from Debian's source once, then cached).
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
  if [ ${#want[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      log "missing Debian packages: ${want[*]} (run as root, or install them: apt-get install ${want[*]})"
      exit 1
    fi
    log "installing Debian packages: ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >&2
  fi
fi
bash "$here/install-control-plane.sh" >/dev/null
