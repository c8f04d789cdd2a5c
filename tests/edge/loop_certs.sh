#!/bin/sh
# Make the throwaway PKI of the firmware TLS loop (tests/firmware/tls_loop.c)
# with the openssl CLI: a P-256 CA and a server certificate for
# files.example signed by it, written as C string macros into
# DIR/loop_certs.h (LOOP_CA_PEM, LOOP_CRT_PEM, LOOP_KEY_PEM).
#   loop_certs.sh DIR
set -eu
dir=${1:?usage: loop_certs.sh DIR}
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key"
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 3650 -subj "/CN=giofetch loop CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -out "$tmp/ca.crt"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/srv.key"
openssl req -new -key "$tmp/srv.key" -subj "/CN=files.example" -out "$tmp/srv.csr"
printf 'subjectAltName=DNS:files.example\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    > "$tmp/ext"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
    -sha256 -days 3650 -extfile "$tmp/ext" -out "$tmp/srv.crt" 2>/dev/null

macro() {
    echo "#define $1 \\"
    sed 's/.*/    "&\\n" \\/' "$2"
    echo "    \"\""
}
{
    echo "/* Made by tests/edge/loop_certs.sh for the firmware TLS loop; throwaway. */"
    macro LOOP_CA_PEM "$tmp/ca.crt"
    macro LOOP_CRT_PEM "$tmp/srv.crt"
    macro LOOP_KEY_PEM "$tmp/srv.key"
} > "$dir/loop_certs.h.new"
mv "$dir/loop_certs.h.new" "$dir/loop_certs.h"
