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

and, for servers of other TLS stacks and key types (each chain file is what a server sends: the
leaf, then its intermediate if any; the root stays with the client):

    rsa-root.crt                       RSA-2048 root CA (SHA-256)
    rsa-int.crt                        RSA-2048 intermediate CA, signed by rsa-root
    rsa-server.crt / .key / .chain.crt RSA-2048 leaf for localhost, signed by rsa-int
    rsa4096-root.crt                   RSA-4096 root CA, SHA-384 signatures
    rsa4096-server.crt / .key / .chain.crt   RSA-4096 leaf, SHA-384, signed by rsa4096-root
    p384-root.crt                      P-384 root CA, SHA-384 signatures
    p384-server.crt / .key / .chain.crt      P-384 leaf, SHA-384, signed by p384-root
    big.chain.crt                      rsa-server's chain padded with other CA certificates to
                                       over 16 KB: a Certificate message no 16 KB record holds

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
# More CAs: name -> (CN, key type, digest, issuer or None for a root).
MORE_CAS = {
    "rsa-root": ("giofetch RSA-2048 root", "rsa2048", "sha256", None),
    "rsa-int": ("giofetch RSA-2048 intermediate", "rsa2048", "sha256", "rsa-root"),
    "rsa4096-root": ("giofetch RSA-4096 root", "rsa4096", "sha384", None),
    "p384-root": ("giofetch P-384 root", "p384", "sha384", None),
}
# More leaves for localhost: name -> (key type, digest, issuer, intermediates sent with it).
MORE_LEAVES = {
    "rsa-server": ("rsa2048", "sha256", "rsa-int", ["rsa-int"]),
    "rsa4096-server": ("rsa4096", "sha384", "rsa4096-root", []),
    "p384-server": ("p384", "sha384", "p384-root", []),
}
_KEYS = {"p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
         "p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
         "rsa2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
         "rsa4096": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"]}
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
[v3_int]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
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
default_md = {md}
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


def _genkey(d, name, kind="p256"):
    _run(["genpkey"] + _KEYS[kind] + ["-out", name + ".key"], d)
    os.chmod(os.path.join(d, name + ".key"), 0o600)


def _make_ca(d, name, cn, kind="p256", md="sha256", issuer=None):
    _genkey(d, name, kind)
    conf = os.path.join(d, name + ".req.cnf")
    _write(conf, _REQ_CONF.format(san="DNS:unused"))
    if issuer is None:
        _run(["req", "-config", conf, "-new", "-x509", "-key", name + ".key", "-" + md,
              "-days", "3650", "-subj", "/O=giofetch tests/CN=" + cn, "-extensions", "v3_ca",
              "-out", name + ".crt"], d)
    else:  # an intermediate: a request signed by its issuer
        _run(["req", "-config", conf, "-new", "-key", name + ".key", "-" + md,
              "-subj", "/O=giofetch tests/CN=" + cn, "-out", name + ".csr"], d)
        _run(["ca", "-batch", "-notext", "-config", issuer + ".ca.cnf", "-in", name + ".csr",
              "-out", name + ".crt", "-extfile", conf, "-extensions", "v3_int",
              "-days", "3650"], d)
    db = os.path.join(d, name + ".db")
    os.makedirs(os.path.join(db, "new"), exist_ok=True)
    _write(os.path.join(db, "index.txt"), "")
    _write(os.path.join(db, "serial"), "1000\n")
    # openssl runs with cwd=d, so the config stays relocatable.
    _write(os.path.join(d, name + ".ca.cnf"), _CA_CONF.format(dir=".", name=name, md=md))


def _make_leaf(d, name, cn, san, issuer, start, end, kind="p256", md="sha256"):
    _genkey(d, name, kind)
    if issuer is None:
        conf = os.path.join(d, name + ".req.cnf")
        _write(conf, _REQ_CONF.format(san=san))
        _run(["req", "-config", conf, "-new", "-x509", "-key", name + ".key", "-" + md,
              "-days", "365", "-subj", "/CN=" + cn, "-extensions", "v3_self",
              "-out", name + ".crt"], d)
        return
    req_conf = os.path.join(d, name + ".req.cnf")
    _write(req_conf, _REQ_CONF.format(san=san))
    _run(["req", "-config", req_conf, "-new", "-key", name + ".key", "-" + md,
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


def _make_more(d):
    """The RSA and P-384 chains, and the over-16 KB chain."""
    for name, (cn, kind, md, issuer) in MORE_CAS.items():
        _make_ca(d, name, cn, kind, md, issuer)
    for name, (kind, md, issuer, chain) in MORE_LEAVES.items():
        _make_leaf(d, name, "localhost", "DNS:localhost,IP:127.0.0.1", issuer, None, None,
                   kind, md)
        parts = [name] + chain
        _write(os.path.join(d, name + ".chain.crt"),
               "".join(open(os.path.join(d, p + ".crt")).read() for p in parts))
    # the rsa-server chain, then CA certificates a server might wrongly send too, until the
    # Certificate message is over 16 KB (TLS records carry at most 16 KB: RFC 8446 5.1)
    text = open(os.path.join(d, "rsa-server.chain.crt")).read()
    pad = [open(os.path.join(d, p + ".crt")).read() for p in ("rsa4096-root", "rsa-root")]
    i = 0
    while len(text) < 30000:  # PEM: about 4/3 of the DER size the message carries
        text += pad[i % len(pad)]
        i += 1
    _write(os.path.join(d, "big.chain.crt"), text)


def files(dirpath):
    """Paths of the PKI files by short name (ca, server, expired, rsa-root, rsa-server, ...):
    (crt, key); a leaf of MORE_LEAVES also as NAME + ".chain": (chain file, key)."""
    d = os.path.abspath(dirpath)
    out = {}
    for name in list(CAS) + list(LEAVES) + list(MORE_CAS) + list(MORE_LEAVES):
        out[name] = (os.path.join(d, name + ".crt"), os.path.join(d, name + ".key"))
    for name in MORE_LEAVES:
        out[name + ".chain"] = (os.path.join(d, name + ".chain.crt"),
                                os.path.join(d, name + ".key"))
    out["big.chain"] = (os.path.join(d, "big.chain.crt"), os.path.join(d, "rsa-server.key"))
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
            _make_more(d)
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
