#!/bin/sh
# Unpack Debian's mbedTLS source package of one release line into DIR.
#   mbedtls_source.sh VERSION DIR      VERSION: 2.28 (Debian 12) or 3.6 (Debian 13)
# Nothing to do when DIR already holds an mbedTLS tree.
set -eu

version=${1:?usage: mbedtls_source.sh 2.28|3.6 DIR}
dir=${2:?usage: mbedtls_source.sh 2.28|3.6 DIR}
[ -f "$dir/include/mbedtls/ssl.h" ] && [ -d "$dir/library" ] && exit 0

case "$version" in
2.28) suite=bookworm ;;
3.6) suite=trixie ;;
*) echo "mbedtls_source: unknown mbedTLS line '$version' (2.28 or 3.6)" >&2; exit 2 ;;
esac
exec "$(dirname "$0")/debian_source.sh" mbedtls "$suite" "$version." "$dir"
