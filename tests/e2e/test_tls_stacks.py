"""TLS with servers of other stacks (OpenSSL through stunnel and s_server, GnuTLS through
lighttpd, Go through caddy) and other key types (RSA-2048 with an intermediate, RSA-4096 with
SHA-384, P-384), fetching whole exports with the CLI.

The file host's links point at a TLS front of the stack under test (tests/server/tlsstacks.py)
that passes the requests on to nginx; the API stays the local export server. Each case checks
the files (byte for byte, MANIFEST), the exit code and, on a refusal, the message.

mbedTLS 3.6.0 to 3.6.6 refuse a TLS 1.2 ServerKeyExchange signed with RSA-PSS, which OpenSSL,
GnuTLS and Go send when the client offers RSA-PSS (it does, for TLS 1.3): giofetch then
connects once more offering TLS 1.2 without RSA-PSS, and remembers that for the host (tls.h).
On such a build the TLS 1.2-only RSA cases fail without that fallback.
"""

import os

import tlsstacks
from cliutil import DAY, VISIT, base_fixture, check_export_folder, gio, server_files
from gfget import MSG

SERVERS = "module"
FIXTURE = base_fixture({})
TIMEOUT = 120

FALLBACK = "connecting again, offering this server TLS 1.2 without RSA-PSS"
LOWERED = "(TLS 1.2 without RSA-PSS for this server)"

_build = {}


def build(ctx):
    """{"tls13": bool, "text": "giofetch 0.1.0 (mbedTLS 3.6.6, TLS 1.2 and 1.3)"}"""
    key = tuple(ctx.cli)
    if key not in _build:
        text = ctx.run_cli("--version").stdout.strip()
        tail = text.split("TLS", 1)[1] if "TLS" in text else ""
        _build[key] = {"tls13": "1.3" in tail, "text": text}
        ctx.log("the build: %s" % text)
    return _build[key]


def front(ctx, stack, chain, **kw):
    """A started tlsstacks.Front of `stack` with the PKI chain `chain` (e.g. "rsa-server"),
    passing requests on to the file host's plain HTTP port; stopped when the test ends."""
    why = tlsstacks.missing(stack)
    if why:
        raise AssertionError(why)
    s = ctx.servers
    crt, key = s.pki[chain + ".chain"] if chain + ".chain" in s.pki else s.pki[chain]
    f = tlsstacks.Front(stack, os.path.join(ctx.tmp, "%s-%d" % (stack, len(ctx._own_servers))),
                        crt, key, s.file_http_port, **kw)
    ctx._own_servers.append(f)  # stopped with the test's own servers, on every exit path
    return f.start()


def ca_bundle(ctx, root):
    """The API's CA and the root of the front's chain, in one --ca-file."""
    s = ctx.servers
    path = os.path.join(ctx.tmp, "ca-%s.pem" % root)
    with open(path, "w") as out:
        for p in (s.ca_file, s.pki[root][0]):
            with open(p) as f:
                out.write(f.read())
    return path


def fetch_through(ctx, f, root, data="visit", behaviour=VISIT, rc=0):
    """fetch -v of one day export whose links point at front f; checks the exit code and, on
    success, the files. Returns the CliRun."""
    s = ctx.servers
    s.set_fixture(base_fixture({"day/%s/%s" % (data, DAY): dict(behaviour, link_base=f.base)}))
    out = os.path.join(ctx.tmp, "out-%s-%d" % (f.stack, f.port))
    r = gio(ctx, "fetch", "--type", "day", "--data", data, "--date", DAY, "--out", out,
            "--ca-file", ca_bundle(ctx, root), "-v")
    r.expect(rc)
    if rc == 0:
        check_export_folder(out, data, server_files(s, data, behaviour=behaviour))
    return r


def tls_lines(r, f):
    """The -v lines on the TLS connections to front f (not those to the API)."""
    out, at = [], None
    for l in r.err.splitlines():
        if l.startswith("giofetch: connecting to "):
            at = l.split("connecting to ", 1)[1].strip()
        elif l.startswith("giofetch: TLS: ") and at == "localhost:%d" % f.port:
            out.append(l)
    return out


def check_fallback(ctx, r, f, connections):
    """A 3.6 build may fall back once for the host (TLS 1.2 server signing with RSA-PSS, the
    library unfixed); every connection after that says so. A 2.28 build never falls back."""
    notices = [l for l in r.err.splitlines() if FALLBACK in l]
    lines = tls_lines(r, f)
    assert len(lines) == connections, "%d TLS connections, want %d: %s" % (
        len(lines), connections, r.why())
    assert all("TLSv1.2" in l for l in lines), "not TLS 1.2: %s" % lines
    if not build(ctx)["tls13"]:
        assert not notices, "a TLS 1.2-only build fell back: %s" % r.why()
        return
    assert len(notices) <= 1, "fell back more than once for one host: %s" % r.why()
    assert all((LOWERED in l) == bool(notices) for l in lines), \
        "the connections after the fallback must keep it: %s" % lines
    ctx.log("%s: %s" % (f.stack, "fell back to TLS 1.2 without RSA-PSS" if notices
                        else "no fallback needed"))


# ---- TLS 1.2-only RSA servers: what mbedTLS 3.6.6 refuses without the fallback ---------------

def _tls12_rsa(ctx, stack, server_pref, keepalive=True, parts=3):
    f = front(ctx, stack, "rsa-server", tls="1.2", server_pref=server_pref, keepalive=keepalive)
    r = fetch_through(ctx, f, "rsa-root", behaviour=dict(VISIT, parts=parts))
    check_fallback(ctx, r, f, 1 if keepalive else parts)
    log = ctx.servers.file_requests()
    assert len([e for e in log if e["status"] == 200]) == parts, "nginx log %s" % log


def test_tls12_rsa_openssl_stunnel_defaults(ctx):
    _tls12_rsa(ctx, "stunnel", server_pref=False)


def test_tls12_rsa_openssl_stunnel_server_order(ctx):
    _tls12_rsa(ctx, "stunnel", server_pref=True)


def test_tls12_rsa_gnutls_lighttpd(ctx):
    _tls12_rsa(ctx, "lighttpd", server_pref=False)


def test_tls12_rsa_gnutls_lighttpd_server_order_one_request_per_connection(ctx):
    # three connections to one host: one fallback, remembered for the other two
    _tls12_rsa(ctx, "lighttpd", server_pref=True, keepalive=False)


def test_tls12_rsa_go_caddy(ctx):
    _tls12_rsa(ctx, "caddy", server_pref=False)


def test_tls12_rsa_with_two_jobs(ctx):
    # each job has a TLS context of its own, and each remembers the fallback for itself
    f = front(ctx, "lighttpd", "rsa-server", tls="1.2", server_pref=True, keepalive=False)
    s = ctx.servers
    b = dict(VISIT, parts=4)
    s.set_fixture(base_fixture({"day/visit/%s" % DAY: dict(b, link_base=f.base)}))
    out = os.path.join(ctx.tmp, "out-jobs")
    r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out,
            "--ca-file", ca_bundle(ctx, "rsa-root"), "--jobs", "2", "-v").expect(0)
    check_export_folder(out, "visit", server_files(s, "visit", behaviour=b))
    notices = [l for l in r.err.splitlines() if FALLBACK in l]
    assert len(notices) <= (2 if build(ctx)["tls13"] else 0), r.why()


def test_fallback_through_a_proxy_tunnel(ctx):
    # the second connection is made where the first was: through the proxy, a new tunnel
    from proxy import TinyProxy, available
    why = available()
    assert not why, why
    f = front(ctx, "stunnel", "rsa-server", tls="1.2", server_pref=True)
    s = ctx.servers
    with TinyProxy(os.path.join(ctx.tmp, "proxy"), [s.api_port, f.port]) as p:
        s.set_fixture(base_fixture({"day/visit/%s" % DAY: dict(VISIT, link_base=f.base)}))
        out = os.path.join(ctx.tmp, "out-proxy")
        r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out,
                "--ca-file", ca_bundle(ctx, "rsa-root"), "--proxy", p.url, "-v").expect(0)
        check_export_folder(out, "visit", server_files(s, "visit", behaviour=VISIT))
        tunnels = [c for c in p.connects() if c == "localhost:%d" % f.port]
        fell_back = FALLBACK in r.err
        assert not (fell_back and not build(ctx)["tls13"]), r.why()
        assert len(tunnels) == (2 if fell_back else 1), \
            "tunnels to the front %s, fallback %s: %s" % (tunnels, fell_back, r.why())


def test_no_fallback_on_other_failures(ctx):
    # the same TLS 1.2 RSA-PSS server, but a certificate the client does not trust: refused at
    # once, never retried with other settings
    f = front(ctx, "stunnel", "rsa-server", tls="1.2", server_pref=True)
    line = refused(ctx, f, "p384-root", "E_TLS_UNTRUSTED")
    assert "--ca-file" in line, line


def test_rsa_server_of_both_versions_is_never_lowered(ctx):
    # a server that speaks TLS 1.3 is met in TLS 1.3 where the build has it, never lowered
    for stack in ("stunnel", "lighttpd", "caddy"):
        f = front(ctx, stack, "rsa-server")
        r = fetch_through(ctx, f, "rsa-root")
        want = "TLSv1.3" if build(ctx)["tls13"] else "TLSv1.2"
        lines = tls_lines(r, f)
        assert lines and all(want in l and LOWERED not in l for l in lines), \
            "%s: %s, want %s: %s" % (stack, lines, want, r.why())
        assert FALLBACK not in r.err, "%s: fell back: %s" % (stack, r.why())


# ---- other key types ----------------------------------------------------------------------------

def test_rsa4096_sha384_and_p384_chains(ctx):
    for stack, chain, root in (("stunnel", "rsa4096-server", "rsa4096-root"),
                               ("lighttpd", "p384-server", "p384-root"),
                               ("caddy", "p384-server", "p384-root"),
                               ("caddy", "rsa4096-server", "rsa4096-root")):
        f = front(ctx, stack, chain)
        r = fetch_through(ctx, f, root)
        assert FALLBACK not in r.err, "%s %s: fell back: %s" % (stack, chain, r.why())


def test_p384_tls12_only(ctx):
    f = front(ctx, "stunnel", "p384-server", tls="1.2", server_pref=True)
    r = fetch_through(ctx, f, "p384-root")
    assert FALLBACK not in r.err and all("TLSv1.2" in l for l in tls_lines(r, f)), r.why()


# ---- refusals, each in giofetch's words -----------------------------------------------------

def refused(ctx, f, root, status, *words):
    """The fetch fails with exit 9 (a download), the message names the front's host and port,
    the status's gf_strerror text and the words; no file is left."""
    r = fetch_through(ctx, f, root, rc=9)
    lines = [l for l in r.err.splitlines() if MSG[status] in l]
    assert lines, "no '%s' message: %s" % (MSG[status], r.why())
    assert "localhost:%d" % f.port in lines[0], "the message names another host: %s" % lines[0]
    for w in words:
        assert w in lines[0], "%r not in %r" % (w, lines[0])
    assert "TLS failure" not in r.err and FALLBACK not in r.err, r.why()
    assert not [l for l in ctx.servers.file_requests() if l["status"] == 200], \
        "a file was served through a refused handshake"
    return lines[0]


def test_tls13_only_server(ctx):
    # works where the build speaks TLS 1.3; a TLS 1.2-only build says what the server needs
    f = front(ctx, "stunnel", "rsa-server", tls="1.3")
    if build(ctx)["tls13"]:
        r = fetch_through(ctx, f, "rsa-root")
        assert all("TLSv1.3" in l for l in tls_lines(r, f)), r.why()
    else:
        refused(ctx, f, "rsa-root", "E_TLS_VERSION", "needs TLS 1.3", "mbedTLS 3.6")


def test_no_cipher_suite_in_common(ctx):
    # a TLS 1.2 server with only AES-CBC and RSA key transport: nothing giofetch offers
    f = front(ctx, "s_server", "rsa-server", tls="1.2", ciphers="AES128-SHA")
    refused(ctx, f, "rsa-root", "E_TLS_NO_SHARED", "handshake_failure", "ChaCha20-Poly1305")


def test_no_group_in_common(ctx):
    # key exchange with X448 only: not in giofetch's groups (TLS 1.3 where the build has it,
    # else TLS 1.2's ECDHE)
    f = front(ctx, "s_server", "p384-server", groups="X448")
    refused(ctx, f, "p384-root", "E_TLS_NO_SHARED", "groups")


def test_tls12_server_signing_only_with_rsa_pss(ctx):
    # no build reaches it: 2.28 never offers RSA-PSS, a 3.6.6 build refuses it in TLS 1.2 and
    # its fallback leaves it out; the message says both
    f = front(ctx, "s_server", "rsa-server", tls="1.2", sigalgs="rsa_pss_rsae_sha256")
    s = ctx.servers
    s.set_fixture(base_fixture({"day/visit/%s" % DAY: dict(VISIT, link_base=f.base)}))
    out = os.path.join(ctx.tmp, "out-pss-only")
    r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out,
            "--ca-file", ca_bundle(ctx, "rsa-root"), "-v").expect(9)
    lines = [l for l in r.err.splitlines() if MSG["E_TLS_NO_SHARED"] in l]
    assert lines and "signatures" in lines[0], r.why()
    if FALLBACK in r.err:
        assert "offered TLS 1.2 without RSA-PSS" in lines[0], lines[0]
    assert not os.path.exists(os.path.join(out, "proj-e2e", "visit", "day", DAY, "MANIFEST"))


def test_certificate_message_over_16kb(ctx):
    # a chain over 16 KB: 2.28 cannot join a handshake message split over records, 3.6 joins
    # it only up to its input buffer; both name the option that sizes the buffer
    f = front(ctx, "stunnel", "big", tls="1.2")
    refused(ctx, f, "rsa-root", "E_TLS_RECORD_SIZE", "MBEDTLS_SSL_IN_CONTENT_LEN")
