#!/bin/sh
# Max RSS (KB) of a giofetch CLI over the demo's fetch (tests/tools/demo.sh:
# one day of all ten data types from the local export server, then a second
# fetch that finds everything complete). Prints one number: the largest of
# the runs.
#   rss.sh CLI
set -eu
cli=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/cli" <<WRAP
#!/bin/sh
exec /usr/bin/time -a -o "$tmp/rss" -f %M "$cli" "\$@"
WRAP
chmod +x "$tmp/cli"
if ! "$top/tests/tools/demo.sh" "$tmp/cli" "$tmp/out" > "$tmp/log" 2>&1; then
    echo "rss: the demo fetch failed with $1:" >&2
    tail -5 "$tmp/log" >&2
    exit 1
fi
sort -n "$tmp/rss" | tail -n 1
