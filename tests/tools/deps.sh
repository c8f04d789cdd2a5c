#!/bin/sh
# Install the Debian packages giofetch needs, skipping those already there.
#   deps.sh [TARGET...]   TARGET: mipsel armhf arm64 cortex-m (cross toolchains),
#                         musl (musl for the host and for each ARCH named),
#                         mbedtls-source (what building mbedTLS from Debian's
#                         source package needs: port/build/mbedtls_source.sh),
#                         cmake (the CMake build: CMakeLists.txt, sources.cmake),
#                         lwip (make lwip-test: lwIP's Debian source, ip for
#                         the namespace and its TAP)
# Extra packages can be named in DEPS_EXTRA. When something is missing and
# this is not a Debian machine or not root, print what to install and stop.
set -eu

# stunnel4 (OpenSSL), lighttpd with mod_gnutls (GnuTLS) and caddy (Go): TLS servers of other
# stacks for the end-to-end suite (tests/server/tlsstacks.py).
pkgs="libmbedtls-dev libjsmn-dev nginx-light tinyproxy pkgconf stunnel4 lighttpd lighttpd-mod-gnutls caddy ${DEPS_EXTRA:-}"
arches=""
musl=""
for a in "$@"; do
    case "$a" in
    mipsel) pkgs="$pkgs gcc-mipsel-linux-gnu libc6-dev-mipsel-cross libmbedtls-dev:mipsel qemu-user"; arches="$arches mipsel" ;;
    armhf) pkgs="$pkgs gcc-arm-linux-gnueabihf libc6-dev-armhf-cross libmbedtls-dev:armhf qemu-user"; arches="$arches armhf" ;;
    arm64) pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross libmbedtls-dev:arm64 qemu-user"; arches="$arches arm64" ;;
    cortex-m) pkgs="$pkgs gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm" ;;
    musl) musl=1; pkgs="$pkgs musl-tools" ;;
    mbedtls-source) pkgs="$pkgs bzip2 debian-archive-keyring" ;;
    cmake) pkgs="$pkgs cmake" ;;
    lwip) pkgs="$pkgs iproute2 xz-utils debian-archive-keyring" ;;
    host | "") ;;
    *) echo "deps.sh: unknown target '$a' (mipsel, armhf, arm64, cortex-m, musl, mbedtls-source, cmake, lwip)" >&2; exit 2 ;;
    esac
done
if [ -n "$musl" ]; then
    for a in $arches; do
        pkgs="$pkgs musl-dev:$a"
    done
fi

# node and npm run the tests' S3 peer (s3rver); Debian's packages when there is no npm at all
# (a node from elsewhere brings its own npm).
command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"

# Test-only peers from npm, once, into build/npm (not part of any build): s3rver, an S3
# implementation, and the minio client that presigns its links. A failure is reported, not
# fatal here: the tests that need them then fail and say why.
npm_peers() {
    dir="$(cd "$(dirname "$0")/../.." && pwd)/build/npm"
    [ -d "$dir/node_modules/s3rver" ] && [ -d "$dir/node_modules/minio" ] && return 0
    if ! command -v npm >/dev/null 2>&1; then
        echo "deps: npm is not installed: the s3rver tests cannot run" >&2
        return 0
    fi
    mkdir -p "$dir"
    echo "deps: npm install s3rver@3.7.1 minio@8.0.7 (into build/npm)"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
        s3rver@3.7.1 minio@8.0.7 >&2 ||
        echo "deps: npm install failed: the s3rver tests cannot run" >&2
}

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
    for p in $pkgs; do
        installed "$p" || missing="$missing $p"
    done
else
    missing="$pkgs"
fi
[ -z "$missing" ] && { echo "deps: all packages present"; npm_peers; exit 0; }

if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "deps: please install these Debian packages (as root):" >&2
    echo "  apt-get install --no-install-recommends$missing" >&2
    exit 1
fi

for a in $arches; do
    dpkg --print-foreign-architectures | grep -qx "$a" || dpkg --add-architecture "$a"
done
echo "deps: installing$missing"
# A stale index of a foreign architecture makes update exit 100 while the
# other indexes are fine; the install below is the step that must succeed.
apt-get -o DPkg::Lock::Timeout=600 update -qq || true
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends $missing
npm_peers
