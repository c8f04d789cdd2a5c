#!/bin/sh
# make demo: start the bundled export server (throwaway CA, sample gzip CSV
# parts behind nginx), fetch one day of every data type with the real CLI,
# verify the files, stop the servers. The files stay in $OUT.
#   demo.sh CLI OUT
set -eu
cli=$1
out=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== starting the local export server (HTTPS API + nginx file host, throwaway CA)"
python3 "$top/tests/server/run_servers.py" --workdir "$work/servers" --ready-file "$work/ready" \
    > "$work/servers.log" 2>&1 &
server_pid=$!
i=0
while [ ! -f "$work/ready" ]; do
    i=$((i + 1))
    if [ $i -gt 120 ] || ! kill -0 "$server_pid" 2>/dev/null; then
        echo "the demo servers did not start:" >&2
        cat "$work/servers.log" >&2
        exit 1
    fi
    sleep 0.25
done
value() { sed -n "s/^$1=//p" "$work/servers.log" | head -n 1; }
base=$(value api_base)
ca=$(value ca_file)
token=$(value token_file)
project=$(value project)
date=$(value date)
echo "   API $base, files $(value file_base), project $project, day $date"

rm -rf "$out"
echo "== giofetch fetch --type day --data all --date $date --out $out"
"$cli" fetch --base-url "$base" --ca-file "$ca" --token-file "$token" \
    --project "$project" --type day --data all --date "$date" --out "$out"

echo "== the files"
(cd "$out" && find . -type f ! -name .giofetch.lock | sort | sed 's|^\./|   |')
echo "== verified against each folder's MANIFEST (md5sum -c)"
for m in "$out"/*/*/day/"$date"/MANIFEST; do
    (cd "$(dirname "$m")" && md5sum -c --quiet MANIFEST) || { echo "   FAILED: $m" >&2; exit 1; }
    echo "   ok  ${m#"$out"/}"
done
first=$(ls "$out/$project/visit/day/$date"/*.csv.gz | head -n 1)
echo "== the first rows of $(basename "$first")"
gzip -dc "$first" | head -n 3 | cut -c1-150 | sed 's/^/   /'
echo "== a second fetch finds everything complete and downloads nothing"
"$cli" fetch --base-url "$base" --ca-file "$ca" --token-file "$token" \
    --project "$project" --type day --data all --date "$date" --out "$out" -q
echo "   ok"
echo "demo done: the files are in $out"
