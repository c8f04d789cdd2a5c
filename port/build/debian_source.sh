#!/bin/sh
# Unpack one of Debian's source packages into DIR, without touching the
# system's apt configuration.
#   debian_source.sh PACKAGE SUITE VERSION DIR
#     PACKAGE  the source package (mbedtls, lwip)
#     SUITE    the Debian release that ships it (bookworm, trixie)
#     VERSION  the upstream version the tarball must start with (2.28, 3.6, 2.2)
#     DIR      where the tree goes; nothing is done when DIR already exists
#              and holds a file (DIR/.unpacked marks a complete unpack)
#
# The source comes through a private apt configuration under
# $GF_APT_DIR (default build/deps/apt): its own sources file (deb-src only),
# its own index and cache. The downloaded tarball stays there, so a second
# tree (or a rebuilt one) does not download it again. Debian's patches are
# not applied: the trees are built as their upstream released them.
set -eu

usage="usage: debian_source.sh PACKAGE SUITE VERSION DIR"
pkg=${1:?$usage}
suite=${2:?$usage}
version=${3:?$usage}
dir=${4:?$usage}
[ -f "$dir/.unpacked" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "debian_source: no apt-get here; unpack a $pkg $version source tree into $dir" >&2
    exit 1
fi

apt_dir=${GF_APT_DIR:-${MBEDTLS_APT_DIR:-build/deps/apt}}
mkdir -p "$apt_dir"
apt_dir=$(cd "$apt_dir" && pwd)
dl="$apt_dir/$suite"

# The Debian mirror this machine already uses (the first one serving
# .../debian), else Debian's own.
mirror=${GF_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
                 2>/dev/null |
             sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/*$/\1/p' \
                    -e 's/^deb\(-src\)\{0,1\}[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\/debian\)\/*[[:space:]].*/\3/p' |
             sed -n 1p)
    mirror=${mirror:-http://deb.debian.org/debian}
fi

find_orig() {
    ls "$dl"/"$pkg"_"$version"*.orig.tar.* 2>/dev/null | sed -n 1p || true
}

orig=$(find_orig)
if [ -z "$orig" ]; then
    mkdir -p "$dl/lists/partial" "$dl/cache/archives/partial" "$dl/src"
    cat > "$dl/debian.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    set -- -o Dir::Etc::sourcelist="$dl/debian.sources" -o Dir::Etc::sourceparts=/nonexistent \
        -o Dir::State::Lists="$dl/lists" -o Dir::Cache="$dl/cache" -o APT::Sandbox::User=root
    if [ ! -f "$dl/lists/.fetched" ]; then
        echo "debian_source: fetching the $suite source index from $mirror (private apt folder $dl)"
        apt-get "$@" update -qq
        touch "$dl/lists/.fetched"
    fi
    # --download-only: the .dsc and tarballs, checked against the signed
    # index; unpacked without dpkg-source (not on every machine).
    (cd "$dl/src" && apt-get "$@" source --download-only -qq "$pkg")
    for f in "$dl"/src/"$pkg"_*.orig.tar.*; do
        [ -f "$f" ] && mv "$f" "$dl/"
    done
    orig=$(find_orig)
    [ -n "$orig" ] || {
        echo "debian_source: $suite's $pkg source is not $pkg $version:" $(ls "$dl/src") >&2
        exit 1
    }
fi
tmp="$dir.unpack"
rm -rf "$tmp"
mkdir -p "$tmp"
tar -xf "$orig" --strip-components=1 -C "$tmp"
touch "$tmp/.unpacked"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "debian_source: $(basename "$orig") unpacked into $dir"
