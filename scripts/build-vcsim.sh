#!/usr/bin/env bash
# Builds muster's test vCenter (test/support/vcsim/main.go, on Debian's govmomi simulator:
# apt-get install golang-go golang-github-vmware-govmomi-dev) into a cache outside the checkout,
# again only when main.go's sha256 changed, and prints the binary's path. There is no module
# proxy: GOPATH mode, with the Debian sources in /usr/share/gocode.
# Usage: scripts/build-vcsim.sh     (MUSTER_CACHE_DIR overrides ~/.cache/muster)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)/test/support/vcsim/main.go"
dir="${MUSTER_CACHE_DIR:-$HOME/.cache/muster}/vcsim"
bin="$dir/vcsim"
mkdir -p "$dir"
sum="$(sha256sum "$src" | cut -d' ' -f1)"

# Two test processes may ask at once: one builds, the other waits and finds it built.
exec 9>"$dir/.lock"
flock 9
if [ -x "$bin" ] && [ "$(cat "$bin.sha256" 2>/dev/null)" = "$sum" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ]; then
  echo "build-vcsim: needs Go and govmomi's sources: apt-get install golang-go golang-github-vmware-govmomi-dev" >&2
  exit 72
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/muster-vcsim"
cp "$src" "$work/src/muster-vcsim/main.go"
# Go's build cache lives next to the binary, so a rebuild after an edit takes seconds.
(cd "$work/src/muster-vcsim" &&
  GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$dir/go-build" GOFLAGS= CGO_ENABLED=0 \
    go build -o "$work/vcsim" .) >&2
mv -f "$work/vcsim" "$bin"
echo "$sum" >"$bin.sha256"
echo "$bin"
