#!/bin/sh
# A 32-bit glibc program built without _FILE_OFFSET_BITS=64 calls open,
# lseek, fstat, readdir... with a 32-bit off_t: files past 2 GiB fail with
# EOVERFLOW. Built with it, glibc renames them to open64, lseek64, ... This
# checks a binary's dynamic imports: no function whose 64-bit twin the C
# library exports may be imported under its 32-bit name.
#   check_lfs.sh CROSS_PREFIX LIBDIR BINARY...
# (e.g. mipsel-linux-gnu- /usr/mipsel-linux-gnu/lib build/mipsel-linux-gnu/giofetch)
# Before it looks at BINARY it builds two probes with CROSS_PREFIX's gcc, one
# without and one with _FILE_OFFSET_BITS=64, and requires that the first
# fails the check and the second passes: a check that cannot fail proves
# nothing.
set -eu

cross=${1?usage: check_lfs.sh CROSS_PREFIX LIBDIR BINARY...}
libdir=${2:?usage: check_lfs.sh CROSS_PREFIX LIBDIR BINARY...}
shift 2
[ $# -gt 0 ] || { echo "usage: check_lfs.sh CROSS_PREFIX LIBDIR BINARY..." >&2; exit 2; }
libc="$libdir/libc.so.6"
[ -f "$libc" ] || { echo "check_lfs: no $libc" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Functions the C library exports in both forms (name and name64).
"${cross}nm" -D --defined-only "$libc" | awk '{print $NF}' | sed 's/@.*//' | sort -u > "$tmp/defined"
sed -n 's/64$//p' "$tmp/defined" | sort -u | comm -12 - "$tmp/defined" > "$tmp/twins"

# The 32-bit-offset functions a binary imports.
narrow() {
    "${cross}nm" -D --undefined-only "$1" | awk '{print $NF}' | sed 's/@.*//' | sort -u |
        comm -12 - "$tmp/twins" | tr '\n' ' '
}

cat > "$tmp/probe.c" <<'PROBE'
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    struct stat sb;
    int fd = open(argv[0], O_RDONLY);
    DIR *d = opendir(".");
    (void)argc;
    if (d != NULL)
        (void)readdir(d);
    return fstat(fd, &sb) == 0 && lseek(fd, 0, SEEK_END) > 0 && pread(fd, &sb, 1, 0) == 1;
}
PROBE
"${cross}gcc" -o "$tmp/narrow" "$tmp/probe.c"
"${cross}gcc" -D_FILE_OFFSET_BITS=64 -o "$tmp/wide" "$tmp/probe.c"
if [ -z "$(narrow "$tmp/narrow")" ]; then
    echo "check_lfs: a probe built without _FILE_OFFSET_BITS=64 passes: this check cannot tell" >&2
    exit 1
fi
if [ -n "$(narrow "$tmp/wide")" ]; then
    echo "check_lfs: a probe built with _FILE_OFFSET_BITS=64 still imports $(narrow "$tmp/wide")" >&2
    exit 1
fi
echo "check_lfs: the check works (a probe without _FILE_OFFSET_BITS=64 imports $(narrow "$tmp/narrow"))"

rc=0
for bin in "$@"; do
    bad=$(narrow "$bin")
    if [ -n "$bad" ]; then
        echo "check_lfs: $bin imports 32-bit-offset functions: $bad" >&2
        rc=1
    else
        n=$("${cross}nm" -D --undefined-only "$bin" | sed 's/@.*//' | awk '{print $NF}' |
            grep -c '64$' || true)
        echo "check_lfs: $bin imports no 32-bit-offset function ($n imports end in 64)"
    fi
done
exit $rc
