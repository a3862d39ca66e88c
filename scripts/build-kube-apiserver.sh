#!/usr/bin/env bash
# Builds the test Kubernetes API server (kube-apiserver 1.20.2) from Debian's `kubernetes` source
# package with Debian's Go, into a cache outside the checkout, once, and prints the binary's path.
# No Debian package ships kube-apiserver and nothing can be downloaded but Debian's archive and
# npm, so: a private deb-src list, `apt-get source --download-only kubernetes`, then the
# upstream Makefile (`make generated_files`, `make WHAT=cmd/kube-apiserver`), ~5 min on 2 cores.
# One fix is applied first: the vendored modern-go/reflect2 1.0.1 crashes on Go >= 1.18
# (`fatal error: fault ... mapiternext` on the first merge PATCH of a labeled object), so its
# sources are replaced by Debian's golang-github-modern-go-reflect2-dev (1.0.2, same API).
# Usage: scripts/build-kube-apiserver.sh   (MUSTER_CACHE_DIR overrides /var/cache/muster-test,
#        falling back to ~/.cache/muster when that is not writable)
set -euo pipefail
VERSION=1.20.2
default_cache=/var/cache/muster-test
if ! mkdir -p "$default_cache" 2>/dev/null || [ ! -w "$default_cache" ]; then default_cache="$HOME/.cache/muster"; fi
dir="${MUSTER_CACHE_DIR:-$default_cache}/kube-apiserver-$VERSION"
bin="$dir/kube-apiserver"
mkdir -p "$dir"

# Two test processes may ask at once: one builds, the other waits and finds it built.
exec 9>"$dir/.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
need=()
command -v go >/dev/null || need+=(golang-go)
command -v rsync >/dev/null || need+=(rsync)
[ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ] || need+=(golang-github-modern-go-reflect2-dev)
if [ "${#need[@]}" -gt 0 ]; then
  echo "build-kube-apiserver: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The deb-src list is private to this build: the machine's own apt configuration is not touched.
uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
uri="${uri:-http://deb.debian.org/debian}"
mkdir -p "$work/lists/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm main" >"$work/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$work/lists")
echo "build-kube-apiserver: downloading Debian's kubernetes $VERSION source" >&2
apt-get "${apt_private[@]}" update >&2
(cd "$work" && apt-get "${apt_private[@]}" source --download-only kubernetes >&2)
tarball="$(ls "$work"/kubernetes_*.orig.tar.* | head -n1)"
mkdir -p "$work/src"
tar -xf "$tarball" -C "$work/src"
tree="$(find "$work/src" -maxdepth 1 -mindepth 1 -type d | head -n1)"

reflect2="$tree/vendor/github.com/modern-go/reflect2"
find "$reflect2" -maxdepth 1 \( -name '*.go' -o -name '*.s' \) -delete
find /usr/share/gocode/src/github.com/modern-go/reflect2 -maxdepth 1 \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' -exec cp {} "$reflect2/" \;

echo "build-kube-apiserver: building (about 5 minutes on 2 cores)" >&2
export KUBE_GIT_VERSION="v$VERSION" KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20 \
  KUBE_GIT_COMMIT=0000000000000000000000000000000000000000 GOCACHE="$dir/go-build" GOFLAGS=
(cd "$tree" && make generated_files >&2 && make WHAT=cmd/kube-apiserver GOFLAGS=-tags=providerless >&2)
mv -f "$tree/_output/bin/kube-apiserver" "$bin.tmp"
mv -f "$bin.tmp" "$bin"
rm -rf "$dir/go-build"
echo "$bin"
