#!/usr/bin/env python3
"""make lwip-test: the giofetch CLI on lwIP's sockets (port/lwip, NO_SYS=0) against the
local export API and nginx file host, over a TAP inside a network namespace made here.

    python3 tests/lwip/run.py --cli build/giofetch-lwip --posix-cli build/giofetch [-v]

The outer process makes the namespace (tests/server/netns.py: 192.0.2.1/24 on a TAP, only
there) and runs itself again inside it (--inner); the namespace, the TAP and everything
started in it go away on every exit path. Inside, dnsd answers `localhost` with 192.0.2.1
(the PKI's certificates name localhost), the servers listen on 0.0.0.0 of that namespace
(its lo and its TAP: nothing else exists there), and each case runs the lwIP CLI (lwIP at
192.0.2.2 on the TAP, its resolver asking dnsd) and the POSIX CLI (the kernel's stack, over
the namespace's lo) with the same arguments: same exit code, same files, and every file as
the server holds it. The last line is "N passed, N failed".
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402
import netns  # noqa: E402
from cliutil import AI, DAY, TOKEN, export_dir, gio, server_files  # noqa: E402

TAP = "gftap0"
HOST_ADDR = "192.0.2.1"
LWIP_ADDR = "192.0.2.2"
BIG = 64 << 20

FIXTURE = {
    "token": TOKEN, "project": AI, "rate_limit": None,
    "default": {"status": "NOT_EXISTS"},
    "periods": {
        # a whole fetch: three parts with md5 headers, several connections' worth of files
        "day/visit/20261127": {"parts": 3, "rows": 2000},
        # keep-alive: four small files over one connection
        "day/page/20261127": {"parts": 4, "rows": 50},
        # resume: each link's first request is cut after 20000 bytes
        "day/action/20261127": {"parts": 1, "size": 300000,
                                "flaky": {"calls": 1, "cut_after": 20000}},
        # links expiring mid-fetch: part 0 takes ~3 s, part 1's link lives 2 s
        "day/custom_event/20261127": {"parts": 2, "size": [60000, 2000], "rate": 20000,
                                      "link_ttl_s": 2},
        # a server that stalls: the API never answers
        "day/vstr/20261127": {"action": "hang", "hang_s": 20},
        # 64 MiB in one file
        "day/ads_track_click/20261127": {"parts": 1, "size": BIG},
    },
}


class Ctx:
    """What cliutil.gio needs: servers and run_cli, for one of the two CLIs."""

    def __init__(self, servers, cli, env, tmp, verbose):
        self.servers = servers
        self.cli = cli
        self.env = env
        self.tmp = tmp
        self.verbose = verbose
        self.elapsed = 0.0

    def run_cli(self, *args, env=None, timeout=60):
        e = {k: v for k, v in os.environ.items() if not k.startswith("GIO_")
             and "proxy" not in k.lower()}
        e.update(self.env)
        e.update(env or {})
        t0 = time.monotonic()
        p = subprocess.run(self.cli + [str(a) for a in args], env=e, cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
        self.elapsed = time.monotonic() - t0
        if self.verbose:
            print("    $ %s -> %d (%.2f s)" % (" ".join(self.cli + list(args[:1])),
                                               p.returncode, self.elapsed))
            for line in p.stderr.splitlines()[:20]:
                print("      " + line)
        return p


def tree(out):
    """{relative path: md5} of every file under out (MANIFEST aside: it holds times; and
    the CLI's own dot files such as its lock)."""
    got = {}
    for d, _, files in os.walk(out):
        for f in files:
            if f == "MANIFEST" or f.startswith("."):
                continue
            h = hashlib.md5()
            with open(os.path.join(d, f), "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            got[os.path.relpath(os.path.join(d, f), out)] = h.hexdigest()
    return got


def fetch_both(lw, px, data, *more, timeout=120):
    """Fetch one day export with each CLI into its own folder: (lwIP run, POSIX run, trees)."""
    runs, trees = [], []
    for c in (lw, px):
        out = tempfile.mkdtemp(prefix="out-", dir=c.tmp)
        offset = c.servers.filehost.log_offset()
        r = gio(c, "fetch", "--type", "day", "--data", data, "--date", DAY, "--out", out,
                *more, timeout=timeout)
        r.files = c.servers.filehost.requests(offset)
        r.elapsed = c.elapsed
        runs.append(r)
        trees.append(tree(out))
    a, b = runs
    assert a.rc == b.rc, "lwIP exit %d, POSIX exit %d\nlwIP: %s\nPOSIX: %s" % (
        a.rc, b.rc, a.why(), b.why())
    assert trees[0] == trees[1], "lwIP files %s\nPOSIX files %s" % (trees[0], trees[1])
    return a, b, trees[0]


def expect_served(s, data, got, behaviour):
    exp = server_files(s, data, behaviour=behaviour)
    want = {os.path.relpath(os.path.join(export_dir("", data), e[0]), ""): e[2] for e in exp}
    assert got == want, "files %s, the server holds %s" % (got, want)
    return exp


def case_links(lw, px, opts):
    a = gio(lw, "links", "--type", "day", "--data", "visit", "--date", DAY)
    b = gio(px, "links", "--type", "day", "--data", "visit", "--date", DAY)
    assert a.rc == b.rc == 0, "%s\n%s" % (a.why(), b.why())
    strip = [[line.split("?", 1)[0] for line in r.lines] for r in (a, b)]
    exp = server_files(lw.servers, "visit", behaviour=FIXTURE["periods"]["day/visit/20261127"])
    want = [lw.servers.file_base + e[3] for e in exp]
    assert strip[0] == strip[1] == want, "links %s / %s, want %s" % (strip[0], strip[1], want)


def case_fetch_md5(lw, px, opts):
    a, _, got = fetch_both(lw, px, "visit")
    assert a.rc == 0, a.why()
    expect_served(lw.servers, "visit", got, FIXTURE["periods"]["day/visit/20261127"])
    want = "TLSv1.3" if opts.tls == "1.3" else "TLSv1.2"
    protos = {f["ssl_protocol"] for f in a.files}
    assert protos == {want}, "lwIP's file requests used %s, want %s" % (protos, want)


def case_keepalive(lw, px, opts):
    a, _, got = fetch_both(lw, px, "page")
    assert a.rc == 0, a.why()
    expect_served(lw.servers, "page", got, FIXTURE["periods"]["day/page/20261127"])
    conns = {f["connection"] for f in a.files if f["status"] == 200}
    assert len(a.files) == 4 and len(conns) == 1, \
        "want 4 files over one connection: %s" % [(f["path"], f["connection"]) for f in a.files]


def case_resume(lw, px, opts):
    before = len(lw.servers.api_requests("file"))
    a, _, got = fetch_both(lw, px, "action")
    assert a.rc == 0, a.why()
    expect_served(lw.servers, "action", got, FIXTURE["periods"]["day/action/20261127"])
    reqs = lw.servers.api_requests("file")[before:]
    ranged = [r for r in reqs if (r.get("headers") or {}).get("Range") or r.get("range")]
    assert ranged, "no Range request after the cut: %s" % reqs


def case_expired(lw, px, opts):
    a, b, got = fetch_both(lw, px, "custom_event", timeout=60)
    assert a.rc == 0, a.why()
    expect_served(lw.servers, "custom_event", got,
                  FIXTURE["periods"]["day/custom_event/20261127"])
    for r in (a, b):
        assert len(r.exports) >= 2 and any(f["status"] == 403 for f in r.files), \
            "no expired link re-asked: %d export calls, log %s" % (
                len(r.exports), [(f["path"], f["status"]) for f in r.files])


def case_refused(lw, px, opts):
    a, b = (gio(c, "links", "--type", "day", "--data", "visit", "--date", DAY,
                "--base-url", "https://localhost:1") for c in (lw, px))
    assert a.rc == b.rc == 7, "%s\n%s" % (a.why(), b.why())
    assert "refused" in a.err.lower(), a.why()


def case_unresolvable(lw, px, opts):
    base = "https://no-such-host.invalid:%d" % lw.servers.api_port
    a, b = (gio(c, "links", "--type", "day", "--data", "visit", "--date", DAY,
                "--base-url", base) for c in (lw, px))
    assert a.rc == b.rc == 7, "%s\n%s" % (a.why(), b.why())
    assert "resolve" in a.err.lower() or "dns" in a.err.lower(), a.why()


def case_stall(lw, px, opts):
    a, b = (gio(c, "links", "--type", "day", "--data", "vstr", "--date", DAY,
                "--timeout", "2", "--retries", "0", timeout=60) for c in (lw, px))
    assert a.rc == b.rc and a.rc != 0, "%s\n%s" % (a.why(), b.why())
    assert "time" in a.err.lower(), a.why()
    assert lw.elapsed < 15, "the lwIP CLI took %.1f s for a 2 s timeout" % lw.elapsed


def case_big(lw, px, opts):
    a, b, got = fetch_both(lw, px, "ads_track_click", timeout=300)
    assert a.rc == 0, a.why()
    expect_served(lw.servers, "ads_track_click", got,
                  FIXTURE["periods"]["day/ads_track_click/20261127"])
    mib = BIG / float(1 << 20)
    print("    64 MiB: lwIP over the TAP %.1f MiB/s (%.1f s), POSIX over lo %.1f MiB/s (%.1f s)"
          % (mib / a.elapsed, a.elapsed, mib / b.elapsed, b.elapsed))


CASES = [case_links, case_fetch_md5, case_keepalive, case_resume, case_expired, case_refused,
         case_unresolvable, case_stall, case_big]


def inner(opts):
    work = tempfile.mkdtemp(prefix="gf-lwip-")
    passed = failed = 0
    dns = None
    try:
        dns = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/server/dnsd.py"),
                                "--listen", HOST_ADDR, "--map", "localhost=" + HOST_ADDR],
                               stdout=subprocess.PIPE, text=True)
        if dns.stdout.readline().strip() != "ready":
            raise RuntimeError("dnsd did not start")
        with harness.Servers(os.path.join(work, "servers"), FIXTURE, listen="0.0.0.0",
                             variants=()) as s:
            lw_env = {"PRECONFIGURED_TAPIF": TAP, "GF_LWIP_ADDR": LWIP_ADDR,
                      "GF_LWIP_GW": HOST_ADDR, "GF_LWIP_DNS": HOST_ADDR}
            for case in [c for c in CASES if (not opts.only or opts.only in c.__name__)
                         and not (opts.skip and opts.skip in c.__name__)]:
                tmp = tempfile.mkdtemp(prefix=case.__name__ + "-", dir=work)
                lw = Ctx(s, [os.path.abspath(opts.cli)], lw_env, tmp, opts.verbose)
                px = Ctx(s, [os.path.abspath(opts.posix_cli)], {}, tmp, opts.verbose)
                name = case.__name__[5:]
                try:
                    case(lw, px, opts)
                    passed += 1
                    print("  ok    %s" % name)
                except Exception:
                    failed += 1
                    print("  FAIL  %s\n%s" % (name, traceback.format_exc()))
                sys.stdout.flush()
    finally:
        if dns is not None:
            dns.kill()
            dns.wait()
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def outer(opts, argv):
    why = None
    if os.geteuid() != 0:
        why = "needs root (network namespaces, a TAP device)"
    elif not os.path.exists("/dev/net/tun"):
        why = "/dev/net/tun is missing"
    elif shutil.which("ip") is None:
        why = "the ip command is missing (iproute2)"
    if why:
        print("lwip-test: %s\n0 passed, 1 failed" % why)
        return 1
    name = "gf-lwip-%d" % os.getpid()
    with netns.Namespace(name, tap=TAP, addr=HOST_ADDR + "/24") as ns:
        try:
            r = ns.run([sys.executable, os.path.abspath(__file__), "--inner"] + argv,
                       timeout=opts.budget)
        except subprocess.TimeoutExpired:
            print("lwip-test: over %d s, stopped\n0 passed, 1 failed" % opts.budget)
            return 1
    return r.returncode


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True, help="the giofetch CLI built on lwIP")
    ap.add_argument("--posix-cli", required=True, help="the same CLI on the POSIX port")
    ap.add_argument("--tls", default="1.2", help="TLS version the build negotiates")
    ap.add_argument("--budget", type=int, default=900, help="seconds for the whole run")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--only", help="run only the cases whose name contains this")
    ap.add_argument("--skip", help="leave out the cases whose name contains this (CI runs the "
                    "64 MiB case once, on one TLS line)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args(argv)
    if opts.inner:
        return inner(opts)
    return outer(opts, [a for a in argv if a != "--inner"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
