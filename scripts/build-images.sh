#!/usr/bin/env bash
# Builds muster's container images, offline, on the Docker engine given (or DOCKER_HOST's):
#   muster:VERSION, muster:latest            contrib/docker/muster.Dockerfile
#   muster-etcd:VERSION, muster-etcd:latest  contrib/docker/muster-etcd.Dockerfile
# and prints one line per image: "NAME:VERSION IMAGE_ID SIZE_BYTES".
#
# Both are FROM scratch: no base image can be pulled here (no registry), a Debian base made with
# debootstrap would need a mirror and ~150 MB, and the executable needs only libc, libstdc++ and
# their kin. So this script stages the root file system itself, in a temporary build context:
# the single executable (built with scripts/build-sea.mjs when dist/ has none), the shared
# libraries `ldd` names, copied at the paths it names, the CA bundle, a root-only passwd and
# group, nsswitch.conf, /tmp and /run; for muster-etcd also Debian's etcd and etcdctl
# (apt-get install etcd-server etcd-client) and whatever library of theirs rootfs/ lacks.
# Deterministic: fixed modes, owners (COPY makes them root) and mtimes (SOURCE_DATE_EPOCH, else
# the last commit's time), so the same inputs give the same layers; the classic builder, no
# BuildKit, no network.
#
# Usage: scripts/build-images.sh [--docker-host unix:///path/docker.sock] [--executable PATH]
#   DOCKER=/usr/bin/docker (default) is the client: Debian's docker.io, as old as its engine.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
docker="${DOCKER:-/usr/bin/docker}"
executable="$repo/dist/muster-linux-x64"
host_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --docker-host) host_args=(-H "$2"); shift 2 ;;
    --docker-host=*) host_args=(-H "${1#*=}"); shift ;;
    --executable) executable="$2"; shift 2 ;;
    --executable=*) executable="${1#*=}"; shift ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-images: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done

for program in ldd "$docker"; do
  command -v "$program" >/dev/null || { echo "build-images: $program is missing (apt-get install docker.io)" >&2; exit 72; }
done
etcd_bin="$(command -v etcd || true)"
etcdctl_bin="$(command -v etcdctl || true)"
if [ -z "$etcd_bin" ] || [ -z "$etcdctl_bin" ]; then
  echo "build-images: muster-etcd needs etcd and etcdctl: apt-get install etcd-server etcd-client" >&2
  exit 72
fi
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca_bundle" ] || { echo "build-images: $ca_bundle is missing: apt-get install ca-certificates" >&2; exit 72; }

if [ ! -x "$executable" ]; then
  echo "build-images: $executable is missing; building it (node scripts/build-sea.mjs)" >&2
  (cd "$repo" && node scripts/build-sea.mjs) >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/muster-images.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
etcdfs="$work/etcd"
# A snapshot: dist/ may be rebuilt while the images build.
install -D -m 0755 "$executable" "$rootfs/usr/local/bin/muster"

# The libraries a dynamic executable loads, as ldd resolves them on this machine (vdso excluded):
# "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" and "/lib64/ld-linux-x86-64.so.2 (0x…)".
libraries() {
  { ldd "$1" 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }'
}

# Copies a binary's libraries into a tree at the paths ldd names (symlinks followed: the file
# itself, at the name the loader looks for), unless the tree in $3 already has them.
stage_libraries() {
  local binary="$1" tree="$2" have="${3:-}" lib
  while read -r lib; do
    [ -n "$lib" ] || continue
    if [ -n "$have" ] && [ -e "$have$lib" ]; then continue; fi
    mkdir -p "$tree$(dirname "$lib")"
    cp -L --preserve=mode "$lib" "$tree$lib"
  done < <(libraries "$binary")
}

stage_libraries "$rootfs/usr/local/bin/muster" "$rootfs"
if [ -z "$(libraries "$rootfs/usr/local/bin/muster")" ]; then
  echo "build-images: ldd names no library of $executable (static?): the image has none" >&2
fi

install -D -m 0644 "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rootfs/etc/group"
# glibc ≥ 2.34 has the files and dns services built in: no libnss_*.so to copy.
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n' >"$rootfs/etc/nsswitch.conf"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/nsswitch.conf"
mkdir -p "$rootfs/tmp" "$rootfs/run" "$rootfs/root" "$rootfs/etc/muster"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"

install -D -m 0755 "$etcd_bin" "$etcdfs/usr/bin/etcd"
install -D -m 0755 "$etcdctl_bin" "$etcdfs/usr/bin/etcdctl"
stage_libraries "$etcd_bin" "$etcdfs" "$rootfs"
stage_libraries "$etcdctl_bin" "$etcdfs" "$rootfs"
mkdir -p "$etcdfs/var/lib/etcd"
chmod 0700 "$etcdfs/var/lib/etcd"

# Directories 0755 unless set above; every mtime fixed.
find "$work" -type d ! -path "$rootfs/tmp" ! -path "$rootfs/root" ! -path "$etcdfs/var/lib/etcd" -exec chmod 0755 {} +
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}"
find "$work" -exec touch -h -d "@$epoch" {} +

version="$("$rootfs/usr/local/bin/muster" version --json 2>/dev/null | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')"
[ -n "$version" ] || version="$(node -p "require('$repo/package.json').version")"
tag="$(printf '%s' "$version" | tr -c 'A-Za-z0-9_.-' '-')"

for image in muster muster-etcd; do
  DOCKER_BUILDKIT=0 "$docker" "${host_args[@]}" build --quiet --network none \
    --build-arg "VERSION=$version" \
    -f "$repo/contrib/docker/$image.Dockerfile" -t "$image:$tag" -t "$image:latest" "$work" >/dev/null
  "$docker" "${host_args[@]}" image inspect --format "$image:$tag {{.Id}} {{.Size}}" "$image:$tag"
done
