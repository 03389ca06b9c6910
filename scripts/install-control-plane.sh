#!/usr/bin/env bash
# Builds a real kube-apiserver + kube-controller-manager from Debian's `kubernetes` source package and
# installs etcd, once per machine. Binaries are cached under $RIVULET_CACHE (default ~/.cache/rivulet),
# keyed by version, and reused afterwards. Needs root (apt) on a Debian bookworm machine.
#
# Usage: scripts/install-control-plane.sh        # idempotent; prints the bin dir on its last line
set -euo pipefail

K8S_SRC_VERSION="1.20.5+really1.20.2"
# Bump BUILD_ID whenever the build recipe changes, so machines with older cached binaries rebuild.
# p1: vendored modern-go/reflect2 replaced by Debian's 1.0.2 (1.0.1 crashes under Go >= 1.18 with
# "fatal error: fault" in mapiterinit, e.g. on requests authenticated by ServiceAccount tokens).
BUILD_ID="$K8S_SRC_VERSION-p1"
cache="${RIVULET_CACHE:-$HOME/.cache/rivulet}"
bindir="$cache/kubernetes-$BUILD_ID/bin"
log() { printf '[control-plane] %s\n' "$*" >&2; }

need_pkgs=()
command -v etcd >/dev/null 2>&1 || need_pkgs+=(etcd-server)
if [ ! -x "$bindir/kube-apiserver" ] || [ ! -x "$bindir/kube-controller-manager" ]; then
  command -v go >/dev/null 2>&1 || need_pkgs+=(golang-go)
  command -v rsync >/dev/null 2>&1 || need_pkgs+=(rsync)
  command -v dpkg-source >/dev/null 2>&1 || need_pkgs+=(dpkg-dev)
  [ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ] || need_pkgs+=(golang-github-modern-go-reflect2-dev)
fi

apt_updated=0
if [ ${#need_pkgs[@]} -gt 0 ] || { [ ! -x "$bindir/kube-apiserver" ] && ! grep -rqs 'deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list; }; then
  if ! grep -rqs 'Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    log "adding a deb-src entry for bookworm main"
    cat > /etc/apt/sources.list.d/rivulet-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  log "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  apt_updated=1
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

if [ -x "$bindir/kube-apiserver" ] && [ -x "$bindir/kube-controller-manager" ]; then
  log "using cached binaries in $bindir"
  echo "$bindir"
  exit 0
fi

work="$cache/src"
mkdir -p "$work"
cd "$work"
srcdir="$work/kubernetes-$K8S_SRC_VERSION"
if [ ! -d "$srcdir" ]; then
  [ "$apt_updated" = 1 ] || DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  log "fetching Debian source package kubernetes ($K8S_SRC_VERSION, ~34 MB)"
  apt-get source -qq "kubernetes=$K8S_SRC_VERSION" >&2 || apt-get source -qq kubernetes >&2
fi
cd "$srcdir"
mkdir -p .go/src/k8s.io
[ -e .go/src/k8s.io/kubernetes ] || ln -s ../../.. .go/src/k8s.io/kubernetes

log "patching vendor/github.com/modern-go/reflect2 with Debian's 1.0.2 (Go 1.18+ compatibility)"
rm -rf vendor/github.com/modern-go/reflect2
mkdir -p vendor/github.com/modern-go/reflect2
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2/. vendor/github.com/modern-go/reflect2/
rm -f vendor/github.com/modern-go/reflect2/go.mod vendor/github.com/modern-go/reflect2/*_test.go
sed -i 's|modern-go/reflect2 v1.0.1|modern-go/reflect2 v1.0.2|g' vendor/modules.txt go.mod 2>/dev/null || true

log "building kube-apiserver and kube-controller-manager (about 7 minutes on 2 cores)"
start=$(date +%s)
( GOPATH="$PWD/.go" CGO_ENABLED=0 HOME="$(mktemp -d)" GOFLAGS=-mod=vendor \
    make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" 2>&1 \
  | while IFS= read -r line; do printf '[control-plane] [%4ss] %s\n' "$(( $(date +%s) - start ))" "$line" >&2; done ) &
build=$!
# Progress while the Go compiler is silent for minutes at a time.
while kill -0 "$build" 2>/dev/null; do
  sleep 30
  kill -0 "$build" 2>/dev/null && log "still building... $(( $(date +%s) - start ))s"
done
wait "$build"

mkdir -p "$bindir.tmp"
cp _output/bin/kube-apiserver _output/bin/kube-controller-manager "$bindir.tmp/"
rm -rf "$bindir" && mv "$bindir.tmp" "$bindir"
log "built in $(( $(date +%s) - start ))s; binaries in $bindir"
echo "$bindir"
