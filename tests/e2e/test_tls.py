"""TLS (mbedTLS transport) against nginx with the throwaway CA, driven by gf_get.

Verification is never skipped: a good chain passes with --ca; an unknown CA, a self-signed leaf,
a wrong name, an expired and a not-yet-valid certificate each fail with their own status and
deliver no body, over TLS 1.2 and (where the build speaks it) TLS 1.3; no CA at all fails too.
Keep-alive, a 64 MB download, session resumption (nginx's $ssl_session_reused) over each TLS
version, alerts, a plain-HTTP peer, SNI (never for an IP literal) and truncation are covered too.

Which TLS versions the client speaks is asked from the build (`gf_get --version`, the same
gf_tls_library() text `giofetch --version` shows): mbedTLS 2.28 speaks TLS 1.2 only, 3.6 also
TLS 1.3.
"""

import os
import socket
import ssl
import threading
import urllib.parse

import gfget
from cliutil import sha256_file
from gfget import TLS_MESSAGES
from hostile import (Hostile, close, close_notify, drip, drip_records, head, recv, reset,
                     response, send, sleep)
import procs

NEEDS_CLI = False
SERVERS = "module"
TIMEOUT = 60

# More file host listeners (same files, server certificate), each with its own nginx rules.
SERVER_OPTIONS = {"custom_servers": {
    # one request per connection: every download needs a new TLS connection
    "oneshot": {"directives": "keepalive_requests 1;"},                 # session tickets
    "oneshot-ids": {"directives": "keepalive_requests 1; ssl_session_tickets off; "
                                  "ssl_session_cache shared:gf_ids:1m;"},  # session IDs
    "oneshot-noresume": {"directives": "keepalive_requests 1; ssl_session_tickets off; "
                                       "ssl_session_cache off;"},
    # a build without TLS 1.3 (mbedTLS 2.28) gets a protocol_version alert from this one
    "tls13only": {"directives": "ssl_protocols TLSv1.3;"},
    "tls12only": {"directives": "ssl_protocols TLSv1.2;"},
    "oneshot-tls12": {"directives": "keepalive_requests 1; ssl_protocols TLSv1.2;"},
}}

BIG = 64 * 1024 * 1024

BAD_CERTS = [  # variant listener, expected status
    ("unknownca-server", "E_TLS_UNTRUSTED"),
    ("selfsigned", "E_TLS_UNTRUSTED"),
    ("wrongname", "E_TLS_NAME"),
    ("expired", "E_TLS_EXPIRED"),
    ("future", "E_TLS_NOT_YET_VALID"),
]
# The same certificates behind listeners pinned to one TLS version each.
for _cert, _ in BAD_CERTS:
    for _v in ("1.2", "1.3"):
        SERVER_OPTIONS["custom_servers"]["tls%s-%s" % (_v.replace(".", ""), _cert)] = {
            "cert": _cert, "directives": "ssl_protocols TLSv%s;" % _v}

_versions = {}


def tls_versions(ctx):
    """The TLS versions the build speaks, from gf_get --version ("mbedTLS 3.6.6, TLS 1.2 and
    1.3"): a set such as {"1.2", "1.3"}."""
    gfget.need(ctx)
    key = tuple(ctx.tool("gf_get"))
    if key not in _versions:
        import subprocess
        text = procs.run(ctx.tool("gf_get") + ["--version"], stdout=subprocess.PIPE,
                              universal_newlines=True, timeout=60, env=ctx.cli_env()).stdout
        tail = text.split("TLS", 1)[1] if "TLS" in text else ""
        _versions[key] = {v for v in ("1.2", "1.3") if v in tail}
        ctx.log("the build: %s" % text.strip())
    if "1.2" not in _versions[key]:
        raise AssertionError("gf_get --version names no TLS version")
    return _versions[key]


def newest_tls(ctx):
    """nginx's name ($ssl_protocol) of the newest version both sides speak."""
    return "TLSv1.3" if "1.3" in tls_versions(ctx) else "TLSv1.2"


def small_file(s):
    """A small served file; returns its url path (the same files are on every listener)."""
    path = "/gio-export/extra/tls-small.txt"
    if not s.filehost.has(path):
        s.add_file(path, data=b"hello over TLS\n")
    return path


def test_good_chain_passes(ctx):
    s = ctx.servers
    link = s.sign_url(small_file(s))
    out = os.path.join(ctx.tmp, "out")
    s.reset()
    r = gfget.run(ctx, "--ca", s.ca_file, "-o", out, link).expect("OK", connects=1,
                                                                 handshakes=1)
    with open(out, "rb") as f:
        r.check(f.read() == b"hello over TLS\n", "body")
    log = s.file_requests()
    r.check(len(log) == 1 and log[0]["scheme"] == "https" and
            log[0]["ssl_protocol"].startswith("TLSv1."), "nginx log %s" % log)


def test_bad_certificates_fail_with_their_own_status(ctx):
    # The variant listeners speak TLS 1.2 and 1.3 (a 3.6 build does them in TLS 1.3); the
    # pinned ones each speak one version: TLS 1.3 sends the certificate encrypted and mbedTLS
    # checks it in another state machine, so every failure is checked in each.
    s = ctx.servers
    path = small_file(s)
    versions = tls_versions(ctx)
    s.reset()
    for prefix in ("", "tls12-") + (("tls13-",) if "1.3" in versions else ()):
        for variant, key in BAD_CERTS:
            origin = prefix + variant
            out = os.path.join(ctx.tmp, origin + ".out")
            r = gfget.run(ctx, "--ca", s.ca_file, "-o", out, s.sign_url(path, origin=origin))
            r.expect(key, connects=1, handshakes=0)
            r.check(r[0].bytes == 0 and r[0].status == 0, "%s: delivered a body" % origin)
            r.check(os.path.getsize(out) == 0, "%s: the -o file has content" % origin)
    log = s.file_requests()
    if log:
        raise AssertionError("an HTTP request reached a server whose certificate was refused: "
                             "%s" % [(e["server_port"], e["path"]) for e in log])


def test_no_ca_never_skips_verification(ctx):
    s = ctx.servers
    path = small_file(s)
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    for origin in ("https", "selfsigned"):
        r = gfget.run(ctx, "-o", out, s.sign_url(path, origin=origin))
        r.check(len(r.fetches) == 1 and r[0].message in TLS_MESSAGES,
                "%s without --ca: expected a TLS failure" % origin)
        r.check(r.returncode == 1 and r[0].bytes == 0 and os.path.getsize(out) == 0,
                "%s without --ca: delivered a body" % origin)
    # a CA file holding only another CA does not help either
    other_ca = s.pki["otherca"][0]
    r = gfget.run(ctx, "--ca", other_ca, s.sign_url(path)).expect("E_TLS_UNTRUSTED")
    r.check(not s.file_requests(), "a request was sent without a verified server")


def test_keepalive_over_tls(ctx):
    s = ctx.servers
    a = s.add_file("tls-ka-a.bin", size=100000)
    b = s.add_file("tls-ka-b.bin", size=3)
    s.reset()
    r = gfget.run(ctx, "--ca", s.ca_file, a, b, a, b).expect(*["OK"] * 4, connects=1,
                                                            handshakes=1)
    r.check([f.bytes for f in r] == [100000, 3, 100000, 3], "sizes")
    log = s.file_requests()
    r.check(len({e["connection"] for e in log}) == 1, "nginx saw several connections")
    r.check([e["connection_requests"] for e in log] == [1, 2, 3, 4], "connection_requests")


def test_64mb_over_tls_is_byte_identical(ctx):
    s = ctx.servers
    link = s.add_file("tls-64m.bin", size=BIG)
    src = s.filehost.file_path("/gio-export/extra/tls-64m.bin")
    out = os.path.join(ctx.tmp, "big.out")
    try:
        r = gfget.run(ctx, "--ca", s.ca_file, "-o", out, link, timeout=45)
        r.expect("OK", connects=1, handshakes=1)
        r.check(r[0].bytes == BIG and os.path.getsize(out) == BIG, "size")
        r.check(sha256_file(out) == sha256_file(src), "sha256 of the download differs")
        ctx.log("64 MB over TLS in %.2fs" % r.elapsed)
    finally:
        for p in (out, src):
            try:
                os.unlink(p)
            except OSError:
                pass


def _three_downloads(ctx, s, origin):
    """Three downloads in one run from a listener that closes after each answer; returns
    nginx's $ssl_session_reused per connection ("r" resumed, "." full handshake) and the
    protocol of each."""
    link = s.sign_url(small_file(s), origin=origin)
    s.reset()
    r = gfget.run(ctx, "--ca", s.ca_file, link, link, link)
    r.expect("OK", "OK", "OK", connects=3, handshakes=3)
    log = s.file_requests()
    r.check(len(log) == 3 and len({e["connection"] for e in log}) == 3,
            "%s: each download needs its own connection: %s" % (origin, log))
    ctx.log("%s: %s" % (origin, [(e["ssl_protocol"], e["ssl_session_reused"]) for e in log]))
    return r, [e["ssl_session_reused"] for e in log], {e["ssl_protocol"] for e in log}


def test_session_resumption(ctx):
    # TLS 1.3 (where the build speaks it): tickets arrive after the handshake; session IDs
    # and TLS 1.2 tickets are resumed on every build
    s = ctx.servers
    newest = newest_tls(ctx)
    for origin, proto in (("oneshot", newest), ("oneshot-ids", newest),
                          ("oneshot-tls12", "TLSv1.2")):
        r, reused, protos = _three_downloads(ctx, s, origin)
        r.check(protos == {proto}, "%s: protocol %s, want %s" % (origin, protos, proto))
        r.check(reused == [".", "r", "r"],
                "%s: $ssl_session_reused %s, want . r r (one full handshake)" % (origin, reused))
    # the comparison: a server that resumes nothing makes three full handshakes
    r, reused, _ = _three_downloads(ctx, s, "oneshot-noresume")
    r.check(reused == [".", ".", "."], "oneshot-noresume: %s" % reused)


def test_sessions_of_two_hosts_are_kept_apart(ctx):
    s = ctx.servers
    path = small_file(s)
    a, b = s.sign_url(path, origin="oneshot"), s.sign_url(path, origin="oneshot-ids")
    s.reset()
    gfget.run(ctx, "--ca", s.ca_file, a, b, a, b).expect(*["OK"] * 4, connects=4, handshakes=4)
    log = s.file_requests()
    got = [(e["server_port"], e["ssl_session_reused"]) for e in log]
    pa, pb = urllib.parse.urlsplit(a).port, urllib.parse.urlsplit(b).port
    if got != [(pa, "."), (pb, "."), (pa, "r"), (pb, "r")]:
        raise AssertionError("interleaved hosts (port, reused): %s" % got)


def test_tls13_only_server(ctx):
    # works where the build speaks TLS 1.3; elsewhere nginx's protocol_version alert ends the
    # handshake at once, before any request
    s = ctx.servers
    link = s.sign_url(small_file(s), origin="tls13only")
    s.reset()
    r = gfget.run(ctx, "--ca", s.ca_file, "--timeout", "5000", link)
    if "1.3" in tls_versions(ctx):
        r.expect("OK", connects=1, handshakes=1)
        log = s.file_requests()
        r.check([e["ssl_protocol"] for e in log] == ["TLSv1.3"], "nginx log %s" % log)
        r.check(log[0]["ssl_cipher"] == "TLS_CHACHA20_POLY1305_SHA256",
                "ChaCha20-Poly1305 is offered first and nginx follows the client: %s"
                % log[0]["ssl_cipher"])
    else:
        # the server's protocol_version alert, said as what the server needs
        r.expect("E_TLS_VERSION", connects=1, handshakes=0)
        r.check("needs TLS 1.3" in r[0].detail and "mbedTLS 3.6" in r[0].detail,
                "the reason must say what the server needs and which build has it: %r" % r[0])
        r.check(r.elapsed < 3, "slow failure")
        r.check(not s.file_requests(), "a request went out without a handshake")


def test_tls12_only_server(ctx):
    s = ctx.servers
    link = s.sign_url(small_file(s), origin="tls12only")
    s.reset()
    gfget.run(ctx, "--ca", s.ca_file, link, link).expect("OK", "OK", connects=1, handshakes=1)
    log = s.file_requests()
    if [(e["ssl_protocol"], e["ssl_cipher"]) for e in log] != \
            [("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305")] * 2:
        raise AssertionError("nginx log %s" % log)


def test_alert_mid_handshake_fails_cleanly(ctx):
    s = ctx.servers
    # a scripted peer: reads the ClientHello, answers a fatal alert. handshake_failure in reply
    # to the ClientHello means nothing in common; any other alert is named as it is
    for desc, key, words in ((0x28, "E_TLS_NO_SHARED", "handshake_failure"),
                             (0x50, "E_TLS_ALERT", "internal_error (80)"),
                             (0x70, "E_TLS_ALERT", "unrecognized_name")):
        alert = b"\x15\x03\x03\x00\x02\x02" + bytes([desc])
        with Hostile(on_connect=[recv(), send(alert), sleep(2), close()]) as h:
            url = "https://localhost:%d/x" % h.port
            r = gfget.run(ctx, "--ca", s.ca_file, "--timeout", "5000", url)
            r.expect(key, connects=1, handshakes=0)
            r.check(words in r[0].detail, "alert %d: %r" % (desc, r[0]))
            r.check(r.elapsed < 1.5, "waited after the alert")


def test_non_tls_peers_fail_cleanly(ctx):
    s = ctx.servers
    # nginx's plain HTTP listener answers the ClientHello with an HTTP 400
    url = s.sign_url(small_file(s), origin="http").replace("http://", "https://", 1)
    r = gfget.run(ctx, "--ca", s.ca_file, "--timeout", "5000", url)
    r.check(len(r.fetches) == 1 and r[0].message in TLS_MESSAGES and r[0].bytes == 0,
            "a plain HTTP server must fail the handshake with a TLS status")
    r.check(r.elapsed < 3, "slow failure")
    with Hostile({"*": [send(response(200, b"plain"))]},
                 on_connect=[send(b"HTTP/1.1 400 Bad Request\r\n\r\n"), close()]) as h:
        r = gfget.run(ctx, "--ca", s.ca_file, "https://localhost:%d/x" % h.port)
        r.check(len(r.fetches) == 1 and r[0].message in TLS_MESSAGES, "banner peer")
    # a peer that never answers the ClientHello: the idle timeout ends the handshake
    with Hostile(on_connect=[recv(), sleep(10)]) as h:
        r = gfget.run(ctx, "--ca", s.ca_file, "--timeout", "800",
                      "https://localhost:%d/x" % h.port)
        r.expect("E_IDLE_TIMEOUT", connects=1, handshakes=0)
        r.check(0.7 <= r.elapsed <= 2.5, "handshake timeout after %.2fs" % r.elapsed)


def test_sni_names_the_host(ctx):
    s = ctx.servers
    link = s.sign_url(small_file(s))
    s.reset()
    gfget.run(ctx, "--ca", s.ca_file, link).expect("OK")
    log = s.file_requests()
    if [e["sni"] for e in log] != ["localhost"]:
        raise AssertionError("nginx saw SNI %s" % [e["sni"] for e in log])


class SniServer:
    """A one-connection-at-a-time TLS server on an address of the loopback that records the
    server_name of each ClientHello (None: no SNI) and answers one small HTTP response."""

    def __init__(self, pki, cert, family=socket.AF_INET, addr="127.0.0.1"):
        self.names = []
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(*pki[cert])
        self.ctx.sni_callback = lambda sock, name, c: self.names.append(name)
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((addr, 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(5)
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as t:
                    t.recv(4096)
                    t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                              b"Connection: close\r\n\r\nip")
            except (OSError, ssl.SSLError):
                conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


def test_ip_literal_sends_no_sni_and_is_checked_against_the_ip_san(ctx):
    # RFC 6066 section 3: no IP literal in server_name. The certificate must still name the
    # address: mbedTLS 3.6 matches its iPAddress subjectAltName (the server certificate has
    # IP:127.0.0.1); 2.28 cannot, and fails such a host as a name mismatch.
    s = ctx.servers
    ip_ok = "1.3" in tls_versions(ctx)  # the 3.x builds; 2.28 is the TLS 1.2-only one
    for cert, want in (("server", "OK" if ip_ok else "E_TLS_NAME"),
                       ("wrongname", "E_TLS_NAME"),
                       ("unknownca-server", "E_TLS_UNTRUSTED")):
        with SniServer(s.pki, cert) as srv:
            r = gfget.run(ctx, "--ca", s.ca_file, "https://127.0.0.1:%d/x" % srv.port)
            r.expect(want, connects=1)
            r.check(srv.names == [None], "%s: server_name %s for an IP literal"
                    % (cert, srv.names))
            if want == "OK":
                r.check(r[0].bytes == 2, "body")
    # nginx, by address: same outcome, and its log shows no server name
    link = s.sign_url(small_file(s)).replace("//localhost:", "//127.0.0.1:", 1)
    s.reset()
    r = gfget.run(ctx, "--ca", s.ca_file, link).expect("OK" if ip_ok else "E_TLS_NAME")
    log = s.file_requests()
    r.check([e["sni"] for e in log] == ([""] if ip_ok else []), "nginx log %s" % log)


def test_ipv6_literal_sends_no_sni(ctx):
    # The test certificates name 127.0.0.1, not ::1: refused as a name mismatch on every
    # build, and no server_name went out.
    s = ctx.servers
    with SniServer(s.pki, "server", socket.AF_INET6, "::1") as srv:
        r = gfget.run(ctx, "--ca", s.ca_file, "https://[::1]:%d/x" % srv.port)
        r.expect("E_TLS_NAME", connects=1, handshakes=0)
        r.check(srv.names == [None], "server_name %s for [::1]" % srv.names)


def test_truncation_without_close_notify(ctx):
    s = ctx.servers
    crt, key = s.pki["server"]
    script = {
        # the TCP connection ends (no close_notify) inside a Content-Length body
        "/cut": [send(head(200, length=1000) + b"z" * 10), close()],
        # a complete answer, then the same abrupt end: the framing says it is whole
        "/whole": [send(response(200, b"whole")), close()],
        # a body delimited by the end of the connection has no framing to check
        "/eof": [send(head(200, ["Connection: close"]) + b"until eof"), close()],
    }
    with Hostile(script, tls=(crt, key)) as h:
        r = gfget.run(ctx, "--ca", s.ca_file, h.url("/cut"), h.url("/whole"), h.url("/eof"))
        r.expect("E_HTTP_TRUNCATED", "OK", "OK", connects=3, handshakes=3)
        r.check([f.bytes for f in r] == [10, 5, 9], "bytes")


def test_redirects_over_tls(ctx):
    s = ctx.servers
    crt, key = s.pki["server"]
    with Hostile() as plain, Hostile(tls=(crt, key)) as other, \
            Hostile(tls=(crt, key)) as h:
        plain.script["/x"] = [send(response(200, b"plain"))]
        other.script["/land"] = [send(response(200, b"landed"))]
        h.script.update({
            "/downgrade": [send(response(302, headers=["Location: %s" % plain.url("/x")]))],
            "/cross": [send(response(302, headers=["Location: %s" % other.url("/land")]))],
        })
        r = gfget.run(ctx, "--ca", s.ca_file, "-C", "Authorization: tok", "-H", "X-T: 1",
                      h.url("/downgrade"), h.url("/cross"))
        r.expect("E_REDIRECT_INSECURE", "OK")
        r.check(not plain.requests, "a request went to http after an https redirect")
        land = other.requests_for("/land")
        r.check(len(land) == 1 and land[0].header("Authorization") is None and
                land[0].header("X-T") == "1", "credential crossed origins over TLS")
        r.check(h.requests_for("/cross")[0].header("Authorization") == "tok",
                "the first origin gets the credential")


# ---- time over TLS: the same rules as over plain TCP (see test_http) --------------------------

def test_idle_timeout_over_tls(ctx):
    s = ctx.servers
    script = {
        "/mid-body": [send(head(200, length=100) + b"abc"), sleep(10)],
        # half a record, then silence: mbedTLS waits inside the record
        "/mid-record": [drip_records(head(200, length=5) + b"hello", 0, 1000, upto=30),
                        sleep(10)],
    }
    with Hostile(script, tls=s.pki["server"]) as h:
        for path in script:
            r = gfget.run(ctx, "--ca", s.ca_file, "--timeout", "800", h.url(path))
            r.expect("E_IDLE_TIMEOUT", connects=1, handshakes=1)
            r.check(0.7 <= r.elapsed <= 2.5, "%s: ended after %.2fs, timeout 0.8s"
                    % (path, r.elapsed))
    with Hostile(on_connect=[recv(), sleep(10)]) as h:  # says nothing after the ClientHello
        r = gfget.run(ctx, "--ca", s.ca_file, "--timeout", "800",
                      "https://localhost:%d/x" % h.port)
        r.expect("E_IDLE_TIMEOUT", connects=1, handshakes=0)
        r.check(0.7 <= r.elapsed <= 2.5, "handshake silence: %.2fs" % r.elapsed)


def fetch_past_the_deadline(ctx, h, path, what):
    """gf_get of h's path over TLS with a 2 s idle timeout and a 1.5 s deadline: what the
    server does (`what`) is never idle for 2 s but must end at the deadline."""
    r = gfget.run(ctx, "--ca", ctx.servers.ca_file, "--timeout", "2000", "--deadline", "1500",
                  h.url(path), timeout=40)
    r.check(len(r.fetches) == 1, "no result line")
    r.check(r[0].is_("E_DEADLINE") and 1.4 <= r.elapsed <= 3.0,
            "%s must end at the 1.5 s deadline; got %r after %.2fs" % (what, r[0], r.elapsed))
    return r


def test_slow_drip_in_small_records_ends_at_the_deadline(ctx):
    # one byte per TLS record every 100 ms: mbedTLS returns each record, the engine sees time
    s = ctx.servers
    script = {"/drip": [send(head(200, length=100)), drip(b"x" * 100, 0.1)]}
    with Hostile(script, tls=s.pki["server"]) as h:
        r = fetch_past_the_deadline(ctx, h, "/drip", "one-byte records every 100 ms")
        r.expect("E_DEADLINE", connects=1)


def test_deadline_holds_inside_a_slow_record(ctx):
    # One TLS record (the head and a 100-byte body, ~170 bytes on the wire) dripped a byte
    # every 40 ms (~7 s): never idle for 2 s, but past the 1.5 s deadline. Over plain TCP the
    # same drip ends at the deadline (test_http.test_slow_drip_ends_at_the_deadline).
    s = ctx.servers
    script = {"/record": [drip_records(head(200, length=100) + b"r" * 100, 0.04), sleep(5)]}
    with Hostile(script, tls=s.pki["server"]) as h:
        fetch_past_the_deadline(ctx, h, "/record", "a TLS record dripped slowly")


def test_deadline_holds_inside_a_slow_handshake(ctx):
    # The server's handshake flights (~900 bytes) 2 bytes every 10 ms (~5 s).
    s = ctx.servers
    with Hostile({"*": [send(response(200, b"late"))]}, tls=s.pki["server"],
                 handshake_drip=(0.01, 2)) as h:
        fetch_past_the_deadline(ctx, h, "/x", "a handshake dripped slowly")


def test_closed_kept_alive_tls_connection_is_retried_once(ctx):
    s = ctx.servers
    script = {
        "/then-notify": [send(response(200, b"first")), sleep(0.1), close_notify()],
        "/then-close": [send(response(200, b"first")), sleep(0.1), close()],
        "/then-reset": [send(response(200, b"first")), sleep(0.1), reset()],
        "/second": [send(response(200, b"second"))],
    }
    with Hostile(script, tls=s.pki["server"]) as h:
        for first in ("/then-notify", "/then-close", "/then-reset"):
            r = gfget.run(ctx, "--ca", s.ca_file, h.url(first), h.url("/second"))
            r.expect("OK", "OK", connects=2, handshakes=2)
            r.check([f.bytes for f in r] == [5, 6], "%s: bodies" % first)


def test_resumption_falls_back_to_a_full_verified_handshake(ctx):
    s = ctx.servers

    def context(cert):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        c.load_cert_chain(*s.pki[cert])
        return c

    def forget(h, cert):  # the next connection meets new session keys (and maybe a new cert)
        def actions(req):
            h.tls = context(cert)
            return [send(response(200, b"one", ["Connection: close"]))]
        return actions

    bye = [send(response(200, b"two", ["Connection: close"]))]
    with Hostile({"/one": bye, "/two": bye}, tls=context("server")) as h:
        gfget.run(ctx, "--ca", s.ca_file, h.url("/one"), h.url("/two"), h.url("/two"))\
            .expect("OK", "OK", "OK", connects=3, handshakes=3)
        got = [e["resumed"] for e in h.tls_log]
        if got != [False, True, True]:
            raise AssertionError("resumed per connection %s, want False True True" % got)

        h.tls_log[:] = []
        h.script["/one"] = forget(h, "server")
        gfget.run(ctx, "--ca", s.ca_file, h.url("/one"), h.url("/two"), h.url("/two"))\
            .expect("OK", "OK", "OK", connects=3, handshakes=3)
        got = [e["resumed"] for e in h.tls_log]
        if got != [False, False, True]:
            raise AssertionError("after the server forgot: %s, want False False True" % got)

        # the server forgets and now shows an expired certificate: it is verified again
        h.tls = context("server")
        h.script["/one"] = forget(h, "expired")
        r = gfget.run(ctx, "--ca", s.ca_file, h.url("/one"), h.url("/two"))
        r.expect("OK", "E_TLS_EXPIRED", connects=2, handshakes=1)
