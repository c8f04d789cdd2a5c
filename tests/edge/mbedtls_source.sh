#!/bin/sh
# Unpack Debian's mbedTLS source package of one release line into DIR.
#   mbedtls_source.sh VERSION DIR      VERSION: 2.28 (Debian 12) or 3.6 (Debian 13)
#
# Nothing to do when DIR already holds an mbedTLS tree. The source comes
# through a private apt configuration under $MBEDTLS_APT_DIR (default
# build/deps/apt): its own sources file (deb-src only, the release that
# ships VERSION), its own index and cache. The system's apt configuration,
# its index and its installed packages are never touched. The downloaded
# tarball stays in that folder, so a second tree (or a rebuilt one) does not
# download it again.
set -eu

version=${1:?usage: mbedtls_source.sh 2.28|3.6 DIR}
dir=${2:?usage: mbedtls_source.sh 2.28|3.6 DIR}
[ -f "$dir/include/mbedtls/ssl.h" ] && [ -d "$dir/library" ] && exit 0

case "$version" in
2.28) suite=bookworm ;;
3.6) suite=trixie ;;
*) echo "mbedtls_source: unknown mbedTLS line '$version' (2.28 or 3.6)" >&2; exit 2 ;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
    echo "mbedtls_source: no apt-get here; unpack an mbedTLS $version source tree into $dir" >&2
    exit 1
fi

apt_dir=${MBEDTLS_APT_DIR:-build/deps/apt}
mkdir -p "$apt_dir"
apt_dir=$(cd "$apt_dir" && pwd)
dl="$apt_dir/$suite"

# The Debian mirror this machine already uses (the first one serving
# .../debian), else Debian's own.
mirror=${MBEDTLS_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
                 2>/dev/null |
             sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/*$/\1/p' \
                    -e 's/^deb\(-src\)\{0,1\}[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\/debian\)\/*[[:space:]].*/\3/p' |
             sed -n 1p)
    mirror=${mirror:-http://deb.debian.org/debian}
fi

orig=$(ls "$dl"/mbedtls_"$version".*.orig.tar.* 2>/dev/null | sed -n 1p || true)
if [ -z "$orig" ]; then
    mkdir -p "$dl/lists/partial" "$dl/cache/archives/partial" "$dl/src"
    cat > "$dl/mbedtls.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    set -- -o Dir::Etc::sourcelist="$dl/mbedtls.sources" -o Dir::Etc::sourceparts=/nonexistent \
        -o Dir::State::Lists="$dl/lists" -o Dir::Cache="$dl/cache" -o APT::Sandbox::User=root
    echo "mbedtls_source: fetching the $suite source index from $mirror (private apt folder $dl)"
    apt-get "$@" update -qq
    # --download-only: the .dsc and tarballs, checked against the signed
    # index; unpacked without dpkg-source (not on every machine). Debian's
    # patches are not applied (2.28.3-1 and 3.6.x carry none that change
    # the library's code).
    (cd "$dl/src" && apt-get "$@" source --download-only -qq mbedtls)
    for f in "$dl"/src/mbedtls_*.orig.tar.*; do
        [ -f "$f" ] && mv "$f" "$dl/"
    done
    orig=$(ls "$dl"/mbedtls_"$version".*.orig.tar.* 2>/dev/null | sed -n 1p || true)
    [ -n "$orig" ] || {
        echo "mbedtls_source: $suite's mbedtls source is not mbedTLS $version:" $(ls "$dl/src") >&2
        exit 1
    }
fi
tmp="$dir.unpack"
rm -rf "$tmp"
mkdir -p "$tmp"
tar -xf "$orig" --strip-components=1 -C "$tmp"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "mbedtls_source: $(basename "$orig") unpacked into $dir"
