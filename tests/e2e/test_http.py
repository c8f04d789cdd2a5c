"""The HTTP engine against real servers on 127.0.0.1, driven by gf_get (tests/tools/gf_get.c).

nginx (plain HTTP listener of the file host) for the well-behaved cases; tests/server/hostile.py
for exact, scripted misbehaviour: broken framing, floods, slow and silent peers, resets,
redirects, connection reuse. Results are matched by gf_strerror() message (gfget.MSG).
"""

import os
import socket
import time

import gfget
from cliutil import sha256_file
from hostile import (Hostile, chunked, close, drip, flood, head, reset, response, send,
                     sleep)

NEEDS_CLI = False     # only gf_get is used; each test fails by itself when it is missing
SERVERS = "module"    # nginx starts on the first test that asks for it
TIMEOUT = 60

# The limits a test probes come from the build (gfget.limits), never repeated here.


def read(path):
    with open(path, "rb") as f:
        return f.read()


def served(s, name, **kw):
    """Add a file to nginx and return (plain-HTTP link, url path, docroot file)."""
    link = s.add_file(name, origin="http", **kw)
    path = "/gio-export/extra/" + name
    return link, path, s.filehost.file_path(path)


# ---- nginx, plain HTTP ----------------------------------------------------------------------

def test_nginx_download_is_byte_identical(ctx):
    s = ctx.servers
    link, _, src = served(s, "http-identical.bin", size=3 * 1024 * 1024 + 17)
    out = os.path.join(ctx.tmp, "out.bin")
    r = gfget.run(ctx, "-o", out, link).expect("OK", connects=1, handshakes=0)
    r.check(r[0].status == 200 and r[0].bytes == os.path.getsize(src), "status or size")
    r.check(sha256_file(out) == sha256_file(src), "sha256 of the download differs")


def test_nginx_keepalive_one_connection_across_files(ctx):
    s = ctx.servers
    a, _, _ = served(s, "ka-a.bin", data=b"alpha\n")
    b, _, srcb = served(s, "ka-b.bin", size=200000)
    c, _, _ = served(s, "ka-c.txt", data=b"")
    missing = s.sign_url("/gio-export/extra/ka-missing.bin", origin="http")
    s.reset()
    r = gfget.run(ctx, a, b, missing, c, a).expect("OK", "OK", "OK", "OK", "OK", connects=1)
    r.check([f.status for f in r] == [200, 200, 404, 200, 200], "statuses")
    r.check([r[0].bytes, r[1].bytes, r[3].bytes, r[4].bytes] == [6, 200000, 0, 6], "sizes")
    log = s.file_requests()
    r.check(len(log) == 5, "nginx logged %d requests" % len(log))
    r.check(len({e["connection"] for e in log}) == 1,
            "nginx saw several connections: %s" % [e["connection"] for e in log])
    r.check([e["connection_requests"] for e in log] == [1, 2, 3, 4, 5],
            "connection_requests: %s" % [e["connection_requests"] for e in log])
    r.check([e["status"] for e in log] == [200, 200, 404, 200, 200], "nginx statuses")


def test_nginx_404_and_403_are_statuses_not_errors(ctx):
    s = ctx.servers
    missing = s.sign_url("/gio-export/extra/nothing-here.bin", origin="http")
    good, _, _ = served(s, "signed.bin", data=b"signed\n")
    tampered = good.replace("X-Amz-Signature=", "X-Amz-Signature=AAAA")
    r = gfget.run(ctx, missing, tampered).expect("OK", "OK", connects=1)
    r.check(r[0].status == 404 and r[1].status == 403, "statuses")
    r.check(r[0].bytes > 0 and r[1].bytes > 0, "an error answer's body is still delivered")


def test_nginx_head_requests_reuse_the_connection(ctx):
    s = ctx.servers
    a, _, _ = served(s, "head-a.bin", size=5000)
    b, _, _ = served(s, "head-b.bin", size=7000)
    s.reset()
    # HEAD answers carry Content-Length but no body: waiting for one would hit the timeout.
    r = gfget.run(ctx, "--head", "--timeout", "3000", a, b).expect("OK", "OK", connects=1)
    r.check(r[0].bytes == 0 and r[1].bytes == 0, "a HEAD answer has no body")
    r.check(r.elapsed < 2.5, "HEAD waited for a body")
    log = s.file_requests()
    r.check([e["method"] for e in log] == ["HEAD", "HEAD"], "methods %s" % log)


# ---- framing errors (hostile server) ----------------------------------------------------------

def test_truncated_bodies_and_heads(ctx):
    script = {
        "/length": [send(head(200, length=1000) + b"a" * 500), close()],
        "/chunk": [send(head(200, ["Transfer-Encoding: chunked"]) + b"100\r\n" + b"b" * 40),
                   close()],
        "/head": [send(b"HTTP/1.1 200 OK\r\nContent-Len"), close()],
        "/status": [send(b"HTTP/1.1 2"), close()],
    }
    with Hostile(script) as h:
        r = gfget.run(ctx, *[h.url(p) for p in ("/length", "/chunk", "/head", "/status")])
        r.expect("E_HTTP_TRUNCATED", "E_HTTP_TRUNCATED", "E_HTTP_TRUNCATED",
                 "E_HTTP_TRUNCATED", connects=4)
        r.check(r[0].bytes == 500 and r[1].bytes == 40, "bytes delivered before the cut")


def test_bad_chunk_sizes(ctx):
    te = ["Transfer-Encoding: chunked"]
    bad = {
        "/overflow": b"1" + b"0" * 16 + b"\r\n",        # 2^64: one hex digit too many
        "/overflow-f": b"F" * 17 + b"\r\n",
        "/nonhex": b"zz\r\nhello\r\n0\r\n\r\n",
        "/prefix": b"0x5\r\nhello\r\n0\r\n\r\n",
        "/negative": b"-5\r\nhello\r\n0\r\n\r\n",
        "/empty": b"\r\nhello\r\n0\r\n\r\n",
        "/no-crlf-after-data": b"5\r\nhelloXX\r\n0\r\n\r\n",
        "/space-inside": b"1 0\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n",
    }
    script = {p: [send(head(200, te) + body), sleep(2)] for p, body in bad.items()}
    with Hostile(script) as h:
        r = gfget.run(ctx, "--timeout", "5000", *[h.url(p) for p in bad])
        r.expect(*["E_HTTP_CHUNK"] * len(bad), connects=len(bad))
        r.check(r.elapsed < 3, "a bad chunk size was not refused at once")


def test_bad_content_length(ctx):
    bad = {
        "/conflict": "Content-Length: 5, 6",
        "/negative": "Content-Length: -1",
        "/hex": "Content-Length: 0x10",
        "/huge": "Content-Length: 99999999999999999999999",
    }
    script = {p: [send(head(200, [hdr]) + b"hello"), sleep(2)] for p, hdr in bad.items()}
    script["/twice-same"] = [send(head(200, ["Content-Length: 5", "Content-Length: 5"])
                                  + b"hello")]
    with Hostile(script) as h:
        r = gfget.run(ctx, "--timeout", "5000", *[h.url(p) for p in list(bad) + ["/twice-same"]])
        r.expect(*(["E_HTTP_CONTENT_LENGTH"] * len(bad) + ["OK"]))
        r.check(r[-1].bytes == 5, "identical Content-Length values count as one")


def test_header_flood(ctx):
    headers_max = gfget.limits(ctx)["GF_HTTP_HEADERS_MAX"]

    def headers(n):
        return ["X-Flood-%d: v" % i for i in range(n - 1)]  # + Content-Length = n
    script = {
        "/at-limit": [send(head(200, headers(headers_max), length=2) + b"ok")],
        "/over-limit": [send(head(200, headers(headers_max + 1), length=2) + b"ok")],
        # an endless header stream: refused at the limit, not after reading it all
        "/endless": [send(b"HTTP/1.1 200 OK\r\n"), flood(b"X-Flood: v\r\n", 50 * 1024 * 1024)],
        # interim responses count toward the limit too
        "/interim": [send(b"HTTP/1.1 100 Continue\r\n\r\n" * (headers_max + 2)
                          + response(200, b"ok"))],
    }
    with Hostile(script) as h:
        r = gfget.run(ctx, *[h.url(p) for p in script])
        r.expect("OK", "E_HTTP_TOO_MANY_HEADERS", "E_HTTP_TOO_MANY_HEADERS",
                 "E_HTTP_TOO_MANY_HEADERS")
        r.check(r[0].bytes == 2, "the answer at the limit is whole")
        r.check(r.elapsed < 5, "the endless header stream was read too long")


def test_long_header_lines(ctx):
    line_max = gfget.limits(ctx)["GF_HTTP_LINE_MAX"]

    def line(n):  # one header line of n bytes, CR LF not counted
        return "X-Long: " + "a" * (n - len("X-Long: "))
    script = {
        "/at-limit": [send(head(200, [line(line_max)], length=2) + b"ok")],
        "/over-limit": [send(head(200, [line(line_max + 1)], length=2) + b"ok"), sleep(2)],
        "/ten-mb": [send(b"HTTP/1.1 200 OK\r\nX-Long: "), flood(b"a", 10 * 1024 * 1024),
                    send(b"\r\nContent-Length: 0\r\n\r\n")],
        "/ten-mb-status": [send(b"HTTP/1.1 200 "), flood(b"O", 10 * 1024 * 1024),
                           send(b"\r\n\r\n")],
    }
    with Hostile(script) as h:
        r = gfget.run(ctx, "--timeout", "5000", *[h.url(p) for p in script])
        r.expect("OK", "E_HTTP_LINE_TOO_LONG", "E_HTTP_LINE_TOO_LONG", "E_HTTP_LINE_TOO_LONG")
        r.check(r.elapsed < 5, "a 10 MB line was read to its end")


def test_malformed_responses(ctx):
    cases = {  # path: (raw answer, expected)
        "/http2": (b"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n", "E_HTTP_SYNTAX"),
        "/status-099": (b"HTTP/1.1 099 X\r\nContent-Length: 0\r\n\r\n", "E_HTTP_SYNTAX"),
        "/status-101": (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "E_HTTP_SYNTAX"),
        "/space-before-colon": (b"HTTP/1.1 200 OK\r\nX-A : b\r\nContent-Length: 2\r\n\r\nok",
                                "E_HTTP_SYNTAX"),
        "/nul": (b"HTTP/1.1 200 OK\r\nX-A: b\x00c\r\nContent-Length: 2\r\n\r\nok",
                 "E_HTTP_SYNTAX"),
        "/gzip-chunked": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                          "E_HTTP_SYNTAX"),
        # obs-fold is replaced by SP (RFC 9112 section 5.2), empty list elements are ignored
        # (RFC 9110 section 5.6.1), 600..999 reach the caller, which takes them as 5xx
        # (RFC 9110 section 15)
        "/obs-fold": (b"HTTP/1.1 200 OK\r\nX-A: b\r\n  folded\r\nContent-Length:\r\n\t2\r\n"
                      b"\r\nok", "OK"),
        "/te-empty-element": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked,\r\n\r\n"
                              b"2\r\nok\r\n0\r\n\r\n", "OK"),
        "/status-600": (b"HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok", "OK"),
        # tolerated (RFC 9112): no reason phrase, bare LF line ends, a CRLF before the status
        "/no-reason": (b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", "OK"),
        "/bare-lf": (b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "OK"),
        "/leading-crlf": (b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "OK"),
        # no body, whatever Content-Length says
        "/204": (b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", "OK"),
        "/304": (b"HTTP/1.1 304 Not Modified\r\n\r\n", "OK"),
    }
    # refused answers keep their connection open: the refusal is not an end of stream
    script = {p: [send(raw)] + ([sleep(2)] if k != "OK" else [])
              for p, (raw, k) in cases.items()}
    with Hostile(script) as h:
        r = gfget.run(ctx, "--timeout", "3000", *[h.url(p) for p in cases])
        r.expect(*[k for _, k in cases.values()])
        r.check(r.elapsed < 2, "waited for a body that is not there")
        r.check([f.bytes for f in r][-5:] == [2, 2, 2, 0, 0], "bodies")


def test_header_injection_sends_nothing(ctx):
    with Hostile({"*": [send(response(200, b"ok"))]}) as h:
        for bad in ("X-Bad: a\r\nInjected: 1", "X-Bad: a\nInjected: 1"):
            r = gfget.run(ctx, "-H", bad, h.url("/x")).expect("E_HEADER_INJECTION",
                                                                connects=0)
        r = gfget.run(ctx, "-C", "Authorization: a\rb", h.url("/x"))
        r.expect("E_HEADER_INJECTION", connects=0)
        r.check(h.connections == 0, "something reached the server")


# ---- time: deadline and idle timeout ----------------------------------------------------------

def test_slow_drip_ends_at_the_deadline(ctx):
    # One byte every 100 ms: never idle for the 2 s timeout, but past the 1.5 s deadline.
    script = {"/drip": [send(head(200, length=100)), drip(b"x" * 100, 0.1)]}
    with Hostile(script) as h:
        r = gfget.run(ctx, "--timeout", "2000", "--deadline", "1500", h.url("/drip"))
        r.expect("E_DEADLINE", connects=1)
        r.check(1.4 <= r.elapsed <= 3.0, "ended after %.2fs, deadline 1.5s" % r.elapsed)
        r.check(5 <= r[0].bytes < 100, "bytes before the deadline: %d" % r[0].bytes)


def test_slow_drip_within_the_deadline_completes(ctx):
    script = {"/drip": [send(head(200, length=10)), drip(b"0123456789", 0.05)]}
    with Hostile(script) as h:
        r = gfget.run(ctx, "--timeout", "1000", "--deadline", "5000", h.url("/drip"))
        r.expect("OK", connects=1)
        r.check(r[0].bytes == 10, "size")


def test_silence_ends_at_the_idle_timeout(ctx):
    script = {
        "/before-head": [sleep(10)],
        "/mid-body": [send(head(200, length=100) + b"abc"), sleep(10)],
    }
    with Hostile(script) as h:
        for path in script:
            r = gfget.run(ctx, "--timeout", "800", h.url(path))
            r.expect("E_IDLE_TIMEOUT", connects=1)
            r.check(0.7 <= r.elapsed <= 2.5, "%s: ended after %.2fs, timeout 0.8s"
                    % (path, r.elapsed))


def test_reset_mid_body(ctx):
    script = {"/reset": [send(head(200, length=100000) + b"y" * 5000), sleep(0.3), reset()]}
    with Hostile(script) as h:
        r = gfget.run(ctx, h.url("/reset")).expect("E_RESET", connects=1)
        r.check(r[0].bytes <= 5000, "bytes")


# ---- redirects --------------------------------------------------------------------------------

def test_relative_redirects(ctx):
    script = {
        "/dir/start": [send(response(302, headers=["Location: ../other/next?x=1"]))],
        "/other/next": [send(response(301, headers=["Location: /abs/then#fragment"]))],
        "/abs/then": [send(response(307, headers=["Location: final"]))],
        "/abs/final": lambda req: [send(response(200, b"arrived") if req.query else
                                        response(308, headers=["Location: ?q=2"]))],
        "/": [send(response(200, b"arrived"))],
    }
    with Hostile(script) as h:
        h.script["/noport"] = [send(response(303, b"see", ["Location: http://localhost:%d"
                                                          % h.port]))]
        r = gfget.run(ctx, h.url("/dir/start"), h.url("/noport")).expect("OK", "OK", connects=1)
        r.check(r[0].status == 200 and r[0].bytes == 7, "final answer")
        got = [q.target for q in h.requests]
        r.check(got == ["/dir/start", "/other/next?x=1", "/abs/then", "/abs/final",
                        "/abs/final?q=2", "/noport", "/"], "request targets %s" % got)


def test_redirect_to_another_origin_drops_credentials(ctx):
    with Hostile() as b, Hostile() as a:
        b.script.update({
            "/land": [send(response(200, b"landed"))],
            "/bounce": [send(response(302, headers=["Location: %s" % a.url("/back")]))],
        })
        a.script.update({
            "/go": [send(response(302, headers=["Location: %s" % b.url("/land")]))],
            "/go-and-back": [send(response(302, headers=["Location: %s" % b.url("/bounce")]))],
            "/back": [send(response(200, b"back"))],
            "/same": [send(response(302, headers=["Location: %s" % a.url("/same-final")]))],
            "/same-final": [send(response(200, b"same"))],
            "/netpath": [send(response(302, headers=["Location: //localhost:%d/land" % b.port]))],
        })
        args = ["-C", "Authorization: Bearer s3cret", "-C", "X-Client-Id: pub-1",
                "-H", "X-Trace: t-1"]
        r = gfget.run(ctx, *args, a.url("/go"), a.url("/go-and-back"), a.url("/same"),
                      a.url("/netpath"))
        r.expect("OK", "OK", "OK", "OK")
        r.check([f.bytes for f in r] == [6, 4, 4, 6], "bodies")
        r.check(len(b.requests_for("/land")) == 2, "both redirects to the other port arrived")

        def creds(q):
            return (q.header("Authorization"), q.header("X-Client-Id"), q.header("X-Trace"))
        first = a.requests_for("/go")[0]
        r.check(creds(first) == ("Bearer s3cret", "pub-1", "t-1"),
                "the first origin gets every header: %s" % (creds(first),))
        for q in b.requests:
            r.check(creds(q) == (None, None, "t-1"),
                    "credential crossed to the other port: %s %s" % (q, creds(q)))
        back = a.requests_for("/back")[0]
        r.check(creds(back) == (None, None, "t-1"),
                "credential came back after leaving the origin: %s" % (creds(back),))
        same = a.requests_for("/same-final")[0]
        r.check(creds(same) == ("Bearer s3cret", "pub-1", "t-1"),
                "a same-origin redirect keeps the credentials: %s" % (creds(same),))


def test_redirect_loops_are_bounded(ctx):
    redirects_max = gfget.limits(ctx)["GF_REDIRECTS_MAX"]
    script = {
        "/loop": [send(response(302, headers=["Location: /loop"]))],
        "/ping": [send(response(302, headers=["Location: /pong"]))],
        "/pong": [send(response(302, headers=["Location: /ping"]))],
    }
    with Hostile(script) as h:
        r = gfget.run(ctx, h.url("/loop"), h.url("/ping"))
        r.expect("E_REDIRECT_LIMIT", "E_REDIRECT_LIMIT")
        r.check(len(h.requests_for("/loop")) == redirects_max + 1,
                "requests for /loop: %d" % len(h.requests_for("/loop")))
        pp = len(h.requests_for("/ping")) + len(h.requests_for("/pong"))
        r.check(pp == redirects_max + 1, "requests for /ping and /pong: %d" % pp)


def test_redirect_without_location(ctx):
    script = {
        "/none": [send(response(302, b"moved"))],
        "/empty": [send(response(301, headers=["Location: "]))],
        "/too-long": [send(response(302, headers=["Location: /" + "a" * 3000]))],  # > URL max
        "/not-http": [send(response(302, headers=["Location: ftp://localhost/x"]))],
    }
    with Hostile(script) as h:
        r = gfget.run(ctx, *[h.url(p) for p in script])
        r.expect(*["E_REDIRECT_LOCATION"] * 4)
        r.check(len(h.requests) == 4, "a bad Location was followed: %s" % h.requests)
        # not following: the redirect is the answer
        r = gfget.run(ctx, "--no-redirect", h.url("/none")).expect("OK")
        r.check(r[0].status == 302 and r[0].bytes == 5, "the 302 itself")


# ---- connection handling ---------------------------------------------------------------------

def test_connection_close_and_http10(ctx):
    script = {
        "/close": [send(response(200, b"bye", ["Connection: close"])), sleep(1)],
        "/eof-delimited": [send(head(200, ["Connection: close"]) + b"until the end"), close()],
        "/http10": [send(response(200, b"old", version="HTTP/1.0")), sleep(1)],
        "/ok": [send(response(200, b"ok"))],
    }
    with Hostile(script) as h:
        urls = [h.url(p) for p in ("/close", "/ok", "/eof-delimited", "/ok", "/http10", "/ok")]
        r = gfget.run(ctx, "--timeout", "5000", *urls).expect(*["OK"] * 6, connects=4)
        r.check([f.bytes for f in r] == [3, 2, 13, 2, 3, 2], "bodies")
        r.check(r.elapsed < 1, "waited on a connection the server ends")
        # /ok keeps its connection for the next URL; the other three end theirs
        conns = [q.conn for q in h.requests]
        r.check(conns == [1, 2, 2, 3, 3, 4], "connection of each request: %s" % conns)


def test_chunked_with_extensions_and_trailers(ctx):
    body = chunked(b"hello", b", ", b"world", trailers=["X-Checksum: abc", "X-More: 1"],
                   ext=";name=value")
    script = {
        "/chunked": [send(head(200, ["Transfer-Encoding: chunked"]) + body)],
        "/ok": [send(response(200, b"next"))],
    }
    with Hostile(script) as h:
        out = os.path.join(ctx.tmp, "out")
        r = gfget.run(ctx, "-o", out, h.url("/chunked")).expect("OK", connects=1)
        r.check(read(out) == b"hello, world", "body %r" % read(out))
        # the trailers were consumed: the connection goes on
        r = gfget.run(ctx, h.url("/chunked"), h.url("/ok")).expect("OK", "OK", connects=1)
        r.check(r[1].bytes == 4, "the next answer")


def test_interim_responses_before_the_final_one(ctx):
    final = response(200, b"final")
    script = {
        "/interim": [send(b"HTTP/1.1 100 Continue\r\n\r\n"
                          b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                          + final)],
        "/interim-split": [send(b"HTTP/1.1 100 Continue\r\n\r\n"), sleep(0.2), send(final)],
        "/ok": [send(response(200, b"ok"))],
    }
    with Hostile(script) as h:
        r = gfget.run(ctx, *[h.url(p) for p in script]).expect("OK", "OK", "OK", connects=1)
        r.check([(f.status, f.bytes) for f in r] == [(200, 5), (200, 5), (200, 2)], "answers")


def test_content_length_and_chunked_together(ctx):
    # RFC 9112 6.3: chunked wins, and the connection must not be reused.
    script = {
        "/both": [send(head(200, ["Content-Length: 3", "Transfer-Encoding: chunked"])
                       + chunked(b"hello", b" world"))],
        "/ok": [send(response(200, b"ok"))],
    }
    with Hostile(script) as h:
        out = os.path.join(ctx.tmp, "out")
        r = gfget.run(ctx, "-o", out, h.url("/both"), h.url("/ok"))
        r.expect("OK", "OK", connects=2)
        r.check(r[0].bytes == 11, "the chunked body")
        r.check(h.connections == 2, "the suspect connection was reused")


def test_bytes_after_the_response_end_reuse(ctx):
    script = {
        "/extra": [send(response(200, b"one") + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                        b"smugg")],
        "/ok": [send(response(200, b"ok"))],
    }
    with Hostile(script) as h:
        r = gfget.run(ctx, h.url("/extra"), h.url("/ok")).expect("OK", "OK", connects=2)
        r.check([f.bytes for f in r] == [3, 2], "bodies")


def test_closed_kept_alive_connection_is_retried_once(ctx):
    script = {
        # answers as if keep-alive, then ends the connection while the client is idle
        "/then-close": [send(response(200, b"first")), sleep(0.1), close()],
        "/then-reset": [send(response(200, b"first")), sleep(0.1), reset()],
        "/then-quiet-close": [send(response(200, b"first")), close()],
        "/second": [send(response(200, b"second"))],
        "/keep": [send(response(200, b"keep"))],
        "/dead": [close()],  # reads the request, answers nothing
    }
    with Hostile(script) as h:
        for first in ("/then-close", "/then-reset", "/then-quiet-close"):
            r = gfget.run(ctx, h.url(first), h.url("/second")).expect("OK", "OK", connects=2)
            r.check([f.bytes for f in r] == [5, 6], "%s: bodies" % first)

        # A reused connection that dies before the answer is retried once, not more.
        r = gfget.run(ctx, h.url("/keep"), h.url("/dead"))
        r.expect("OK", "E_HTTP_TRUNCATED", connects=2)
        r.check(len(h.requests_for("/dead")) == 2,
                "/dead asked %d times, want 2 (one retry)" % len(h.requests_for("/dead")))
        # A fresh connection is not retried.
        r = gfget.run(ctx, h.url("/dead")).expect("E_HTTP_TRUNCATED", connects=1)
        r.check(len(h.requests_for("/dead")) == 3, "a fresh connection was retried")


def test_connect_timeout_and_deadline(ctx):
    # A listener that never accepts, its accept queue full: Linux drops further SYNs.
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fill = []
    try:
        ls.bind(("127.0.0.1", 0))
        ls.listen(0)
        port = ls.getsockname()[1]
        for _ in range(4):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
            fill.append(c)
        time.sleep(0.2)
        url = "http://localhost:%d/x" % port
        r = gfget.run(ctx, "--timeout", "800", url).expect("E_CONNECT_TIMEOUT")
        r.check(0.7 <= r.elapsed <= 2.5, "connect timeout after %.2fs" % r.elapsed)
        r = gfget.run(ctx, "--timeout", "5000", "--deadline", "600", url).expect("E_DEADLINE")
        r.check(0.5 <= r.elapsed <= 2.0, "deadline during connect after %.2fs" % r.elapsed)
    finally:
        for c in fill:
            c.close()
        ls.close()


def test_connection_refused(ctx):
    with Hostile() as h:
        url = h.url("/x")
    r = gfget.run(ctx, "--timeout", "2000", url)
    # qemu-user 7.2 hands a MIPS guest the host's SO_ERROR value untranslated (111, where
    # MIPS's ECONNREFUSED is 146), so under qemu-mips* a refusal reads as "network failure".
    qemu_mips = os.path.basename(ctx.tool("gf_get")[0]).startswith("qemu-mips")
    if qemu_mips and r.fetches and r[0].is_("E_NETWORK"):
        r.expect("E_NETWORK", connects=1)
    else:
        r.expect("E_CONNECT_REFUSED", connects=1)
    r.check(r.elapsed < 2, "refusal took %.2fs" % r.elapsed)
