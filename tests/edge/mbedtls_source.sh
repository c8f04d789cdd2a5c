#!/bin/sh
# Unpack Debian's mbedTLS source package into DIR, for the Cortex-M4 build
# (mbedTLS for bare metal is not packaged; its source is).
#   mbedtls_source.sh DIR
# Nothing to do when DIR already holds an mbedTLS tree (any 2.28 source may
# be given as FW_MBEDTLS_SRC=...). `apt-get source` needs a deb-src entry:
# when there is none, add one for the release's main component (root only;
# otherwise print what to do and stop).
set -eu

dir=${1:?usage: mbedtls_source.sh DIR}
[ -f "$dir/include/mbedtls/ssl.h" ] && [ -d "$dir/library" ] && exit 0

has_source() {
    [ -n "$(apt-cache showsrc mbedtls 2>/dev/null | sed -n 1p)" ]
}

if ! command -v apt-get >/dev/null 2>&1; then
    echo "mbedtls_source: no apt-get here; unpack an mbedTLS 2.28 source tree into $dir" >&2
    exit 1
fi
if ! has_source; then
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    list=/etc/apt/sources.list.d/deb-src.list
    if [ "$(id -u)" != 0 ]; then
        echo "mbedtls_source: apt has no source index; as root run:" >&2
        echo "  echo 'deb-src http://deb.debian.org/debian $codename main' > $list && apt-get update" >&2
        exit 1
    fi
    echo "mbedtls_source: adding $list (deb-src, $codename main)"
    echo "deb-src http://deb.debian.org/debian $codename main" > "$list"
    # As in deps.sh: a stale foreign index makes update exit 100; the
    # download below is the step that must succeed.
    apt-get -o DPkg::Lock::Timeout=600 update -qq || true
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --download-only: the .dsc and tarballs, checked against the signed index;
# the upstream tarball is unpacked without dpkg-source (not on every
# machine); Debian's patches, if a revision has any, are not applied
# (2.28.3-1 has none).
(cd "$tmp" && apt-get source --download-only -qq mbedtls) 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
orig=$(ls "$tmp"/mbedtls_*.orig.tar.* 2>/dev/null | sed -n 1p)
[ -n "$orig" ] || { echo "mbedtls_source: apt-get source mbedtls downloaded nothing" >&2; exit 1; }
mkdir -p "$dir"
tar -xf "$orig" --strip-components=1 -C "$dir"
echo "mbedtls_source: $(basename "$orig") unpacked into $dir"
