#!/usr/bin/env python3
"""Throwaway PKI for the local test servers, made with the openssl CLI.

make_pki(dirpath) creates, once (later calls reuse what is there):

    ca.crt / ca.key                    P-256 test CA (the one file given to the client)
    server.crt / server.key            localhost + 127.0.0.1, signed by the CA, valid now for 1 year
    wrongname.crt / .key               signed by the CA, SAN DNS:not-localhost.invalid only
    expired.crt / .key                 signed by the CA, valid 2020-01-01 .. 2020-02-01
    future.crt / .key                  signed by the CA, valid from 2040-01-01
    selfsigned.crt / .key              a self-signed leaf for localhost
    otherca.crt / .key                 a second CA, never given to the client
    unknownca-server.crt / .key        localhost, signed by that second CA

OpenSSL 3.0's `req -x509` cannot set dates in the past, so leaf certificates are issued with
`openssl ca` (which takes -startdate/-enddate) from a small generated ca config.

Usage: python3 pki.py DIR
"""

import datetime
import fcntl
import os
import subprocess
import sys

# The files a complete PKI folder holds; the marker is written last.
LEAVES = {
    # name: (subject CN, SAN, issuer ("ca" | "otherca" | None for self-signed), start, end)
    "server": ("localhost", "DNS:localhost,IP:127.0.0.1", "ca", None, None),
    "wrongname": ("not-localhost.invalid", "DNS:not-localhost.invalid", "ca", None, None),
    "expired": ("localhost", "DNS:localhost,IP:127.0.0.1", "ca", "20200101000000Z", "20200201000000Z"),
    "future": ("localhost", "DNS:localhost,IP:127.0.0.1", "ca", "20400101000000Z", "20410101000000Z"),
    "selfsigned": ("localhost", "DNS:localhost,IP:127.0.0.1", None, None, None),
    "unknownca-server": ("localhost", "DNS:localhost,IP:127.0.0.1", "otherca", None, None),
}
CAS = {"ca": "giofetch test CA", "otherca": "giofetch other (untrusted) CA"}
MARKER = ".complete"

_REQ_CONF = """\
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_self]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = {san}
"""

_CA_CONF = """\
[ca]
default_ca = ca_default
[ca_default]
dir = {dir}
database = $dir/{name}.db/index.txt
new_certs_dir = $dir/{name}.db/new
serial = $dir/{name}.db/serial
certificate = $dir/{name}.crt
private_key = $dir/{name}.key
default_md = sha256
default_days = 365
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy_any]
commonName = supplied
"""

_LEAF_EXT = """\
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = {san}
"""


def _run(args, cwd):
    proc = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed (%d): %s" % (args[0], proc.returncode,
                                                          proc.stderr.strip()))
    return proc.stdout


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _genkey(d, name):
    _run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-out", name + ".key"], d)
    os.chmod(os.path.join(d, name + ".key"), 0o600)


def _make_ca(d, name, cn):
    _genkey(d, name)
    conf = os.path.join(d, name + ".req.cnf")
    _write(conf, _REQ_CONF.format(san="DNS:unused"))
    _run(["req", "-config", conf, "-new", "-x509", "-key", name + ".key", "-sha256",
          "-days", "3650", "-subj", "/O=giofetch tests/CN=" + cn, "-extensions", "v3_ca",
          "-out", name + ".crt"], d)
    db = os.path.join(d, name + ".db")
    os.makedirs(os.path.join(db, "new"), exist_ok=True)
    _write(os.path.join(db, "index.txt"), "")
    _write(os.path.join(db, "serial"), "1000\n")
    # openssl runs with cwd=d, so the config stays relocatable.
    _write(os.path.join(d, name + ".ca.cnf"), _CA_CONF.format(dir=".", name=name))


def _make_leaf(d, name, cn, san, issuer, start, end):
    _genkey(d, name)
    if issuer is None:
        conf = os.path.join(d, name + ".req.cnf")
        _write(conf, _REQ_CONF.format(san=san))
        _run(["req", "-config", conf, "-new", "-x509", "-key", name + ".key", "-sha256",
              "-days", "365", "-subj", "/CN=" + cn, "-extensions", "v3_self",
              "-out", name + ".crt"], d)
        return
    req_conf = os.path.join(d, name + ".req.cnf")
    _write(req_conf, _REQ_CONF.format(san=san))
    _run(["req", "-config", req_conf, "-new", "-key", name + ".key", "-sha256",
          "-subj", "/CN=" + cn, "-out", name + ".csr"], d)
    ext = os.path.join(d, name + ".ext.cnf")
    _write(ext, _LEAF_EXT.format(san=san))
    args = ["ca", "-batch", "-notext", "-config", issuer + ".ca.cnf", "-in", name + ".csr",
            "-out", name + ".crt", "-extfile", ext, "-extensions", "leaf"]
    if not start:
        # Valid from a day ago (tolerates a slightly late client clock) for a year.
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        start = (now - datetime.timedelta(days=1)).strftime("%Y%m%d%H%M%SZ")
        end = (now + datetime.timedelta(days=365)).strftime("%Y%m%d%H%M%SZ")
    args += ["-startdate", start, "-enddate", end]
    _run(args, d)


def files(dirpath):
    """Paths of the PKI files by short name (ca, server, expired, ...): (crt, key)."""
    d = os.path.abspath(dirpath)
    out = {}
    for name in list(CAS) + list(LEAVES):
        out[name] = (os.path.join(d, name + ".crt"), os.path.join(d, name + ".key"))
    return out


def make_pki(dirpath, names=()):
    """Create the PKI in dirpath unless it is already complete; return files(dirpath).
    names: more DNS names for the server certificate (servers reached by name over a
    network of the test's own, e.g. "api.gio.test"); a folder is made for one set."""
    d = os.path.abspath(dirpath)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(d, MARKER)):
            for name, cn in CAS.items():
                _make_ca(d, name, cn)
            for name, (cn, san, issuer, start, end) in LEAVES.items():
                if name == "server" and names:
                    san += "".join(",DNS:" + n for n in names)
                _make_leaf(d, name, cn, san, issuer, start, end)
            _write(os.path.join(d, MARKER), "ok\n")
    return files(d)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: %s DIR\n" % argv[0])
        return 2
    made = make_pki(argv[1])
    for name, (crt, _key) in made.items():
        print("%-18s %s" % (name, crt))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
