"""giofetch through an HTTP proxy (tinyproxy on 127.0.0.1), end to end (issue 7).

--proxy http://HOST:PORT and https_proxy give a CONNECT tunnel to the API and to the file host,
with TLS verified against the real host (localhost), not the proxy. Credentials in the proxy URL
go to the proxy only (Proxy-Authorization), never to the API or the file host. A proxy refusing
CONNECT fails the API stage with exit 7 (a download through it: 9); no_proxy naming localhost
goes direct; https:// (or any other scheme) proxy URLs are refused with exit 2.
"""

import base64
import os
import re
import socket
import urllib.parse

from hostile import Hostile, close, response, send
from cliutil import md5_tree
from proxy import TinyProxy, available

SERVERS = "module"
TIMEOUT = 60

AI = "px-ai"
TOKEN = "proxy-token-41d"
DATE = "20261101"
DATE_WRONGNAME = "20261102"  # links on the file host's listener with a certificate for another name
ENV = {"GIO_TOKEN": TOKEN}
USER, PASSWORD = "gio-user", "s3cr.et_pw"


def FIXTURE():
    return {"token": TOKEN, "project": AI, "default": {"status": "NOT_EXISTS"},
            "rate_limit": {"calls": 2, "window_s": 1.0, "enforce": False},
            "periods": {"day/visit/" + DATE: {"parts": 2},
                        "day/visit/" + DATE_WRONGNAME: {"parts": 1,
                                                        "link_origin": "wrongname"}}}


# ---- helpers --------------------------------------------------------------------------------

class proxy_for:
    """A tinyproxy for one test: `with proxy_for(ctx, ports) as p:` (stopped by its pid)."""

    def __init__(self, ctx, ports, name="proxy", basic_auth=None):
        err = available()
        if err:
            raise AssertionError(err)
        self.p = TinyProxy(os.path.join(ctx.tmp, name), ports, basic_auth=basic_auth)

    def __enter__(self):
        return self.p

    def __exit__(self, *exc):
        self.p.stop()
        return False


def cli_args(ctx, cmd, out, *args, date=DATE):
    s = ctx.servers
    a = [cmd, "--project", AI, "--type", "day", "--data", "visit", "--date", date,
         "--base-url", s.api_base, "--ca-file", s.ca_file, "--retries", "1", "--timeout", "5"]
    if out is not None:
        a += ["--out", out]
    return a + list(args)


def run(ctx, cmd, out, *args, env=None, date=DATE, base_args=None):
    e = dict(ENV)
    e.update(env or {})
    argv = cli_args(ctx, cmd, out, *args, date=date) if base_args is None else base_args
    r = ctx.run_cli(*argv, env=e, timeout=60)
    bad = [ln for ln in r.stderr.splitlines() if not ln.startswith("giofetch: ")]
    assert not bad, "stderr lines without the 'giofetch: ' prefix: %r" % bad[:5]
    return r


def expect_exit(r, code):
    assert r.returncode == code, "exit %d, want %d; stderr: %s" % (
        r.returncode, code, r.stderr.strip()[-1500:])


def export_folder(out, date=DATE):
    return os.path.join(out, AI, "visit", "day", date)


def check_fetched(s, out, date=DATE):
    """The export's folder holds every served part, verified, and a MANIFEST."""
    files = md5_tree(export_folder(out, date))
    served = {p.rsplit("/", 1)[1]: m["md5"] for p, m in s.filehost.files.items()
              if "/%s/visit/day/%s/" % (AI, date) in p}
    assert "MANIFEST" in files, "no MANIFEST: %s" % sorted(files)
    got = {n: m for n, m in files.items() if n != "MANIFEST"}
    assert got == served, "files %s, served %s" % (got, served)


def port_of(base):
    return urllib.parse.urlsplit(base).port


def no_proxy_auth_anywhere(s):
    """Neither the API nor the file host ever saw a Proxy-Authorization header."""
    for rec in s.api_requests():
        names = [k.lower() for k in rec["headers"]]
        assert "proxy-authorization" not in names, "the API got Proxy-Authorization: %s" % (
            rec["path"],)
    for e in s.file_requests():
        assert e.get("proxy_authorization") in ("", "-", None), \
            "the file host got Proxy-Authorization: %r" % e.get("proxy_authorization")


def closed_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


# ---- the tunnel -----------------------------------------------------------------------------

def test_proxy_option_tunnels_api_and_files(ctx):
    s = ctx.servers
    direct = os.path.join(ctx.tmp, "direct")
    r = run(ctx, "fetch", direct)
    expect_exit(r, 0)
    s.reset()
    with proxy_for(ctx, [s.api_port, s.file_port]) as p:
        out = os.path.join(ctx.tmp, "proxied")
        r = run(ctx, "fetch", out, "--proxy", p.url, "-v")
        expect_exit(r, 0)
        connects = p.connects()
    api, files = "localhost:%d" % s.api_port, "localhost:%d" % s.file_port
    assert api in connects and files in connects, "tinyproxy saw CONNECT to %s" % connects
    assert set(connects) == {api, files}, connects
    assert "connecting to proxy 127.0.0.1:%d" % p.port in r.stderr, \
        "-v does not show the proxy connection: %s" % r.stderr
    assert md5_tree(out) == md5_tree(direct), "through the proxy: %s, direct: %s" % (
        md5_tree(out), md5_tree(direct))
    check_fetched(s, out)
    # TLS inside the tunnel is with the real host: SNI localhost on every API request.
    recs = s.api_requests("export")
    assert recs and all(rec["sni"] == "localhost" and rec["tls"] for rec in recs), \
        [(rec["sni"], rec["tls"]) for rec in recs]
    assert all(e["sni"] == "localhost" for e in s.file_requests()), s.file_requests()
    no_proxy_auth_anywhere(s)


def test_https_proxy_environment_variable(ctx):
    s = ctx.servers
    with proxy_for(ctx, [s.api_port, s.file_port]) as p:
        out = os.path.join(ctx.tmp, "out")
        r = run(ctx, "fetch", out, env={"https_proxy": p.url})
        expect_exit(r, 0)
        check_fetched(s, out)
        n = len(p.connects())
        assert "localhost:%d" % s.api_port in p.connects() and \
            "localhost:%d" % s.file_port in p.connects(), p.connects()
        # HTTPS_PROXY (upper case) too, and a trailing slash on the URL.
        r = run(ctx, "links", None, env={"HTTPS_PROXY": p.url + "/"})
        expect_exit(r, 0)
        assert len(r.stdout.splitlines()) == 2, r.stdout
        assert p.connects()[n:] == ["localhost:%d" % s.api_port], p.connects()


def test_proxy_tls_is_verified_against_the_real_host(ctx):
    s = ctx.servers
    wrong = port_of(s.variant_bases["wrongname"])
    with proxy_for(ctx, [s.api_port, s.file_port, wrong]) as p:
        # The API behind a certificate for another name: the tunnel opens, TLS fails: 7.
        r = run(ctx, "links", None,
                base_args=["links", "--project", AI, "--type", "day", "--data", "visit",
                           "--date", DATE, "--base-url", "https://localhost:%d" % wrong,
                           "--ca-file", s.ca_file, "--retries", "1", "--timeout", "5",
                           "--proxy", p.url])
        expect_exit(r, 7)
        assert r.stdout == "" and "certificate" in r.stderr.lower(), r.stderr
        # Links on that listener: the download fails its certificate check: 9.
        out = os.path.join(ctx.tmp, "out")
        r = run(ctx, "fetch", out, "--proxy", p.url, date=DATE_WRONGNAME)
        expect_exit(r, 9)
        assert "certificate" in r.stderr.lower(), r.stderr
        assert not os.path.exists(os.path.join(export_folder(out, DATE_WRONGNAME), "MANIFEST"))
        connects = p.connects()
    assert connects.count("localhost:%d" % wrong) >= 2, \
        "the TLS failures did not happen inside the tunnel: %s" % connects


# ---- proxy credentials ----------------------------------------------------------------------

def test_proxy_credentials_go_to_the_proxy_only(ctx):
    s = ctx.servers
    with proxy_for(ctx, [s.api_port, s.file_port], basic_auth=(USER, PASSWORD)) as p:
        # Without credentials, and with a wrong password: refused by the proxy, exit 7.
        for url in (p.url, p.url_with(USER, "nOtThePw7")):
            out = os.path.join(ctx.tmp, "refused")
            r = run(ctx, "fetch", out, "--proxy", url)
            expect_exit(r, 7)
            # 407 (tinyproxy: 401 for a wrong password): told apart from the proxy's access
            # rules (403) and from other refusals
            assert "proxy credentials" in r.stderr and not re.search(r"\b403\b", r.stderr), \
                "the message does not say the proxy wants credentials: %s" % r.stderr
            assert "nOtThePw7" not in r.stderr, "the proxy password was printed"
        assert s.api_requests() == [], "the API was reached past a refusing proxy"

        # With them (plain and percent-encoded): the tunnel works.
        out = os.path.join(ctx.tmp, "out")
        r = run(ctx, "fetch", out, "--proxy", p.url_with(USER, PASSWORD), "-v")
        expect_exit(r, 0)
        check_fetched(s, out)
        enc = "http://%s:%s@127.0.0.1:%d" % ("gio%2Duser", "s3cr%2eet%5Fpw", p.port)
        out2 = os.path.join(ctx.tmp, "out2")
        r2 = run(ctx, "fetch", out2, env={"https_proxy": enc}, date=DATE)
        expect_exit(r2, 0)
        check_fetched(s, out2)
        n_ok = len(p.connects())
    assert n_ok >= 4 + 2, p.connects()
    no_proxy_auth_anywhere(s)
    b64 = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    for rr in (r, r2):
        for text in (rr.stdout, rr.stderr):
            assert PASSWORD not in text and b64 not in text, "proxy credentials printed"
            assert TOKEN not in text, "the token was printed"


# ---- refusal, bypass, bad URLs --------------------------------------------------------------

def test_proxy_refusing_connect_fails_the_api_stage_with_7(ctx):
    s = ctx.servers
    with proxy_for(ctx, [], name="refusing") as p:  # CONNECT only to 443
        r = run(ctx, "links", None, "--proxy", p.url)
        expect_exit(r, 7)
        assert r.stdout == ""
        # tinyproxy answers a CONNECT its ConnectPort rules forbid with 403: its access rules
        assert "proxy" in r.stderr.lower() and "refused" in r.stderr.lower() and \
            "403" in r.stderr and "credentials" not in r.stderr, \
            "no clear message: %s" % r.stderr
        out = os.path.join(ctx.tmp, "out")
        r = run(ctx, "fetch", out, "--proxy", p.url, "--json")
        expect_exit(r, 7)
        assert '"exit":7' in r.stdout, r.stdout
        refused = p.refused()
    assert s.api_port in refused, "tinyproxy did not refuse anything: %s" % refused
    assert s.api_requests() == [], "the API was reached"
    assert not os.path.exists(export_folder(out)), "a refused run made the export folder"

    # A proxy that lets the API through but not the file host: the download fails, 9.
    with proxy_for(ctx, [s.api_port], name="api-only") as p:
        out = os.path.join(ctx.tmp, "out-api-only")
        r = run(ctx, "fetch", out, "--proxy", p.url)
        expect_exit(r, 9)
        assert s.file_port in p.refused(), p.log()
    assert not os.path.exists(os.path.join(export_folder(out), "MANIFEST"))


def test_no_proxy_listing_localhost_goes_direct(ctx):
    s = ctx.servers
    with proxy_for(ctx, [s.api_port, s.file_port]) as p:
        for i, extra in enumerate(({"no_proxy": "localhost"},
                                   {"no_proxy": "example.com, localhost"},
                                   {"NO_PROXY": "example.com,localhost"})):
            out = os.path.join(ctx.tmp, "out%d" % i)
            env = {"https_proxy": p.url}
            env.update(extra)
            r = run(ctx, "fetch", out, env=env)
            expect_exit(r, 0)
            check_fetched(s, out)
        assert p.requests() == [], "tinyproxy was used: %s" % p.requests()
        # A no_proxy naming other hosts only: the proxy is used.
        out = os.path.join(ctx.tmp, "out-other")
        r = run(ctx, "fetch", out, env={"https_proxy": p.url, "no_proxy": "example.com,local"})
        expect_exit(r, 0)
        assert "localhost:%d" % s.api_port in p.connects(), p.connects()


def test_https_or_other_proxy_schemes_are_refused(ctx):
    s = ctx.servers
    port = closed_port()
    for how in (["--proxy", "https://127.0.0.1:%d" % port],
                ["--proxy", "socks5://127.0.0.1:%d" % port]):
        r = run(ctx, "links", None, *how)
        expect_exit(r, 2)
        assert "proxy" in r.stderr.lower() and r.stdout == "", r.stderr
    r = run(ctx, "links", None, env={"https_proxy": "https://127.0.0.1:%d" % port})
    expect_exit(r, 2)
    assert s.api_requests() == [], "something was sent"


def test_unreachable_proxy_is_7(ctx):
    """A closed proxy port reads as the proxy being unreachable, not a plain "connection
    refused" that a user would take for the API's."""
    s = ctx.servers
    port = closed_port()
    r = run(ctx, "links", None, "--proxy", "http://127.0.0.1:%d" % port)
    expect_exit(r, 7)
    assert r.stdout == ""
    assert "cannot connect to the proxy" in r.stderr, r.stderr
    r = run(ctx, "links", None, "--proxy", "http://127.0.0.1:%d" % port, "-v")
    expect_exit(r, 7)
    assert "cannot connect to the proxy 127.0.0.1:%d: connection refused" % port in r.stderr, \
        "-v does not name the proxy and the cause: %s" % r.stderr
    assert s.api_requests() == []


def test_proxy_refusing_with_another_status_shows_it(ctx):
    """A proxy's refusal other than 403/407 (here a 502) is a proxy error whose status -v
    shows; nothing reaches the API."""
    s = ctx.servers
    with Hostile({"*": [send(response(502, body=b"upstream down")), close()]}) as h:
        r = run(ctx, "links", None, "--proxy", "http://127.0.0.1:%d" % h.port, "-v")
        expect_exit(r, 7)
        assert "proxy" in r.stderr.lower() and "< 502 proxy" in r.stderr, r.stderr
        # As statuses, not as digits: the proxy's port number may hold "403" or "407".
        assert "< 403" not in r.stderr and "< 407" not in r.stderr, r.stderr
        assert [q.method for q in h.requests] and \
            all(q.method == "CONNECT" for q in h.requests), [q.method for q in h.requests]
    assert s.api_requests() == []
