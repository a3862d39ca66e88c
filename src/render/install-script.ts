/** Written by cloud-config's write_files and run first by its runcmd. */
export const INSTALL_SCRIPT_PATH = '/etc/muster/install-muster.sh';

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Downloads the single executable, refuses any bytes but the pinned ones, and moves it into
 * place in one rename (a half-downloaded file is never run). A rerun with the right executable
 * in place downloads nothing. MUSTER_INSTALL_ROOT installs into a directory instead of / (an
 * image being built, as DESTDIR does).
 */
export function installScript(download: { url: string; sha256: string; path: string }): string {
  return `#!/bin/sh
# Installs muster, pinned by muster render: downloaded, checked against its sha256, then renamed into place.
set -eu
url=${quote(download.url)}
sha256=${quote(download.sha256)}
dest="\${MUSTER_INSTALL_ROOT:-}"${quote(download.path)}
if [ -f "$dest" ] && echo "$sha256  $dest" | sha256sum -c --status - 2>/dev/null; then exit 0; fi
mkdir -p "$(dirname "$dest")"
tmp="$dest.download.$$"
trap 'rm -f "$tmp"' EXIT
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 10 --retry-delay 3 --retry-connrefused -o "$tmp" "$url"
else
  wget -q -t 10 -O "$tmp" "$url"
fi
if ! echo "$sha256  $tmp" | sha256sum -c --status -; then
  echo "muster: $url is not the pinned executable (sha256 $(sha256sum "$tmp" | cut -d' ' -f1), want $sha256): not installed" >&2
  exit 1
fi
chmod 0755 "$tmp"
mv -f "$tmp" "$dest"
`;
}
