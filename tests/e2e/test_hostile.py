"""Hostile servers against the real CLI, end to end (tests/server/hostile.py).

test_http.py and test_tls.py aim the same kinds of misbehaviour at the engine through gf_get;
this module runs `giofetch fetch` itself, with a scripted server playing the API (--base-url,
https with the test CA, or plain http where the case is about HTTP framing) or the file host
(the API fixture points a link at the scripted server). For every run it asserts:

- the documented exit code (giofetch(1): 7 API unreachable or failing, incl. network, TLS,
  timeout, refused redirect; 8 API answer malformed or over the limits, incl. too many
  redirects; 9 a download failed for any reason);
- no crash: no signal, no sanitizer report (when the CLI is an ASan/UBSan build);
- no hang: the wall time stays within what --timeout allows (an API call has an overall
  deadline of 2 x --timeout; every run here uses --timeout 2 and --retries 0 or 1);
- the file rules: under --out only the lock and the export folder; in it, a file under a
  final name only when it is complete and byte-identical, .part files allowed, a MANIFEST only
  for a complete folder; nothing in the working directory or beside --out;
- bounded memory: the CLI runs under `/usr/bin/time -f %M` (Debian package `time`:
  `DEPS_EXTRA=time tests/tools/deps.sh`) and its max RSS stays below RSS_LIMIT_MB, the same
  for the 100 000-link answer and the 10 MB header line. A command prefix (qemu) or a
  sanitizer build has a larger floor: the limit grows by the max RSS of `giofetch --version`
  beyond 4 MB. Without /usr/bin/time the figure comes from os.wait4, which also counts the
  pages the child had before exec (this Python process's): the baseline, measured the same
  way, then raises the limit by as much, so only gross growth is caught.

The figures of each run (exit, wall time, max RSS) are shown with run.py -v.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import threading
import time

import gfget
from cliutil import AI, TOKEN, base_fixture, check_output, export_dir, tree
from hostile import (Hostile, chunked, close, close_notify, drip, drip_records, flood, head,
                     raw_send, reset, response, send, sleep)
import procs

SERVERS = "module"
TIMEOUT = 90

DAY = "20261127"
T = 2                      # --timeout of every run: idle and connect timeout, in seconds
DEADLINE = 2 * T           # an API call's overall deadline
RSS_LIMIT_MB = 40
TIME_BIN = "/usr/bin/time"
EXITS = (0, 2, 3, 4, 5, 6, 7, 8, 9, 10)
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "MemorySanitizer", "ThreadSanitizer")
# a TLS 1.2 fatal alert record (handshake_failure), written in the clear under the record layer
ALERT = b"\x15\x03\x03\x00\x02\x02\x28"

_runs = {"n": 0, "baseline_kb": None}


# ---- running the CLI, measured ---------------------------------------------------------------

class Run:
    def __init__(self, argv, rc, out, err, wall, rss_kb, sig, hung):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.wall = wall
        self.rss_kb = rss_kb
        self.signal = sig
        self.hung = hung

    def why(self):
        return "giofetch %s: exit %s after %.2fs, max RSS %s KB\nstdout: %r\nstderr: %r" % (
            " ".join(self.argv), self.rc, self.wall, self.rss_kb, self.out[-1200:],
            self.err[-1500:])

    def expect(self, rc):
        assert self.rc == rc, "want exit %d; %s" % (rc, self.why())
        return self


def _spawn(ctx, argv, env, cwd, hard_timeout, time_file):
    """(rc, out, err, wall, rss_kb, signal, hung) of ctx.cli + argv. The CLI gets its own
    process group, so that a hung run is ended with everything it started."""
    use_time = os.access(TIME_BIN, os.X_OK)
    cmd = ([TIME_BIN, "-f", "%M", "-o", time_file] if use_time else []) + ctx.cli + argv
    t0 = time.monotonic()
    p = procs.popen(cmd, cwd=cwd, env=ctx.cli_env(env), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    hung = False
    if use_time:
        try:
            out, err = p.communicate(timeout=hard_timeout)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
        wall = time.monotonic() - t0
        try:
            with open(time_file) as f:
                lines = [ln.strip() for ln in f.read().splitlines() if ln.strip()]
        except OSError:
            lines = []
        sig = None
        for ln in lines:
            m = re.match(r"Command terminated by signal (\d+)", ln)
            if m:
                sig = int(m.group(1))
        rss = int(lines[-1]) if lines and lines[-1].isdigit() else None
        rc = p.returncode if sig is None else -sig
    else:
        bufs = {}

        def drain(name, stream):
            bufs[name] = stream.read()

        readers = [threading.Thread(target=drain, args=(n, s))
                   for n, s in (("out", p.stdout), ("err", p.stderr))]
        for t in readers:
            t.start()

        def kill():
            nonlocal hung
            hung = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
        timer = threading.Timer(hard_timeout, kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        timer.cancel()
        wall = time.monotonic() - t0
        for t in readers:
            t.join()
        p.returncode = os.waitstatus_to_exitcode(status)
        out, err = bufs.get("out", b""), bufs.get("err", b"")
        rc = p.returncode
        sig = -rc if rc < 0 else None
        rss = ru.ru_maxrss
    return (rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), wall, rss, sig,
            hung)


def rss_limit_kb(ctx):
    if _runs["baseline_kb"] is None:
        rc, out, err, _, rss, _, _ = _spawn(ctx, ["--version"], {}, ctx.tmp, 60,
                                            os.path.join(ctx.tmp, "baseline.time"))
        assert rc == 0 and rss, "giofetch --version: exit %s, RSS %s: %r" % (rc, rss, err)
        _runs["baseline_kb"] = rss
        ctx.log("baseline (giofetch --version) max RSS %d KB" % rss)
    return RSS_LIMIT_MB * 1024 + max(0, _runs["baseline_kb"] - 4 * 1024)


def slack(ctx):
    """Seconds allowed beyond a timeout: process start, TLS handshakes, writing files."""
    return 2.5 if len(ctx.cli) == 1 else 6.0


def run_cli(ctx, argv, env=None, cwd=None, max_s=None, label=""):
    """Run the CLI measured; assert no crash, no sanitizer report, no hang, no secret in
    the output, one `giofetch: ` line per message, and the RSS bound."""
    limit = rss_limit_kb(ctx)
    _runs["n"] += 1
    argv = [str(a) for a in argv]
    hard = (max_s or 30) + 30
    rc, out, err, wall, rss, sig, hung = _spawn(
        ctx, argv, env or {}, cwd or ctx.tmp, hard,
        os.path.join(ctx.tmp, "run-%d.time" % _runs["n"]))
    r = Run(argv, rc, out, err, wall, rss, sig, hung)
    ctx.log("%s: exit %s, %.2fs, max RSS %s KB" % (label or argv[0], rc, wall, rss))
    assert not hung, "the CLI hung (killed after %ds); %s" % (hard, r.why())
    for mark in SANITIZER_MARKS:
        assert mark not in err, "sanitizer report (%s); %s" % (mark, r.why())
    assert sig is None and rc in EXITS, "the CLI crashed or exited with an undocumented " \
                                        "code (signal %s); %s" % (sig, r.why())
    check_output(r, secrets=(TOKEN,))
    assert rss is not None, "no max RSS measured; %s" % r.why()
    assert rss < limit, "max RSS %d KB over the limit of %d KB; %s" % (rss, limit, r.why())
    if max_s is not None:
        assert wall <= max_s, "took %.2fs, more than %.1fs; %s" % (wall, max_s, r.why())
    return r


class Case:
    """One CLI run's folders: work/out (--out) and work/cwd (its working directory); the CLI
    must write nothing else in work."""

    def __init__(self, ctx, tag):
        self.ctx = ctx
        self.work = os.path.join(ctx.tmp, tag)
        self.out = os.path.join(self.work, "out")
        self.cwd = os.path.join(self.work, "cwd")
        os.makedirs(self.cwd)
        self.cid = "hostile-%d-%s" % (os.getpid(), tag)

    def fetch(self, base=None, date=DAY, retries=0, timeout=T, max_s=None, more=()):
        s = self.ctx.servers
        argv = ["fetch", "--base-url", base or s.api_base, "--ca-file", s.ca_file,
                "--project", AI, "--retries", retries, "--timeout", timeout, "--type", "day",
                "--data", "visit", "--date", date, "--out", self.out] + list(more)
        env = {"GIO_TOKEN": TOKEN, "GIO_CLIENT_ID": self.cid}
        self.run = run_cli(self.ctx, argv, env=env, cwd=self.cwd, max_s=max_s,
                           label=os.path.basename(self.work))
        return self.run

    def folder(self, date=DAY):
        return export_dir(self.out, "visit", "day", date)

    def check(self, date=DAY, final=(), manifest=False):
        """final: [(name, bytes)] the files allowed under a final name, in link order; with
        manifest, exactly those and a MANIFEST listing them; else no MANIFEST."""
        why = self.run.why() if getattr(self, "run", None) else ""
        assert sorted(os.listdir(self.work)) == (["cwd", "out"] if os.path.isdir(self.out)
                                                 else ["cwd"]), \
            "written beside --out: %s; %s" % (sorted(os.listdir(self.work)), why)
        assert os.listdir(self.cwd) == [], "written in the working directory: %s; %s" % (
            os.listdir(self.cwd), why)
        folder = self.folder(date)
        want = dict(final)
        if not os.path.isdir(self.out):
            assert not want and not manifest, "no --out folder; %s" % why
            return
        seen = set()
        for rel, data in tree(self.out).items():
            p = os.path.join(self.out, rel)
            if rel == ".giofetch.lock":
                continue
            assert os.path.dirname(p) == folder, "file outside the export folder: %r; %s" % (
                rel, why)
            name = os.path.basename(p)
            if name.endswith(".part"):
                assert not manifest, "%s left in a complete folder; %s" % (name, why)
                continue
            if name == "MANIFEST":
                assert manifest, "MANIFEST in an incomplete folder: %r; %s" % (data, why)
                want_m = "".join("%s  %s\n" % (hashlib.md5(b).hexdigest(), n)
                                 for n, b in final)
                assert data.decode("utf-8", "replace") == want_m, \
                    "MANIFEST %r, want %r; %s" % (data, want_m, why)
                seen.add(name)
                continue
            assert name in want, "a file under a final name that is not a complete, " \
                                 "verified file: %r (%d bytes); %s" % (name, len(data), why)
            assert data == want[name], "%s differs from what the server sent (%d bytes, " \
                                       "want %d); %s" % (name, len(data), len(want[name]), why)
            seen.add(name)
        if manifest:
            missing = (set(want) | {"MANIFEST"}) - seen
            assert not missing, "missing in the complete folder: %s; %s" % (sorted(missing),
                                                                            why)


def no_credentials(h, what="the file host"):
    for q in h.requests:
        assert q.header("Authorization") is None and q.header("X-Client-Id") is None, \
            "credentials sent to %s: %r %r" % (what, q, q.headers)


def within_api_deadline(ctx):
    return DEADLINE + slack(ctx)


# ---- answers ---------------------------------------------------------------------------------

API_PATH = re.compile(r"^/v2/insights/(hour|day)/([a-z_]+)/([A-Za-z0-9_-]+)/([0-9]+)\.json$")


def date_of(req):
    m = API_PATH.match(req.path)
    return m.group(4) if m else None


def answer_json(req, links=(), status="FINISHED"):
    m = API_PATH.match(req.path)
    export, data, _, date = m.groups() if m else ("day", "visit", AI, DAY)
    return json.dumps({"status": status, "downloadLinks": list(links), "exportType": export,
                       "dataType": data, "exportDate": date, "exportVersion": "v2",
                       "requestTime": "2026-11-28 15:02", "errorMsg": ""},
                      separators=(",", ":")).encode()


def api_head(body, more=()):
    return head(200, ["Content-Type: application/json;charset=UTF-8"] + list(more),
                length=len(body))


def blob(n, seed):
    """n deterministic pseudo-random bytes."""
    out = bytearray()
    k = 0
    seed = seed.encode() if isinstance(seed, str) else seed
    while len(out) < n:
        out += hashlib.sha256(seed + b"|%d" % k).digest()
        k += 1
    return bytes(out[:n])


def md5_header(data):
    return "x-amz-meta-md5-hash: %s" % hashlib.md5(data).hexdigest()


def file_answer(req, data, md5=True, ignore_range=False):
    """A proper answer for data: 206 from a Range request's offset (unless ignore_range),
    else 200, with x-amz-meta-md5-hash of the whole file."""
    hdrs = ["Content-Type: application/gzip", "Accept-Ranges: bytes"]
    if md5:
        hdrs.append(md5_header(data))
    m = re.match(r"^bytes=(\d+)-$", req.header("Range") or "")
    if m and not ignore_range:
        start = int(m.group(1))
        if start >= len(data):
            return response(416, b"", ["Content-Range: bytes */%d" % len(data)])
        return response(206, data[start:], hdrs + ["Content-Range: bytes %d-%d/%d" % (
            start, len(data) - 1, len(data))])
    return response(200, data, hdrs)


def link_fixture(ctx, date, links):
    """The API (gioserver) answers FINISHED with these links for day/visit/date."""
    ctx.servers.set_fixture(base_fixture({"day/visit/%s" % date: {"links": list(links)}}))


def tls_hostile(ctx, script=None, **kw):
    return Hostile(script, tls=ctx.servers.pki["server"], **kw)


def plain_base(h):
    return "http://localhost:%d" % h.port


def each_date_refused(ctx, h, dates, name, extra_s=1):
    """One fetch of each date from the API at h (plain HTTP), each refused as a bad answer (8)
    within slack + extra_s, nothing written (Case.check); returns the runs."""
    runs = []
    for d in dates:
        c = Case(ctx, "%s-%s" % (name, d))
        runs.append(c.fetch(base=plain_base(h), date=d, max_s=slack(ctx) + extra_s).expect(8))
        c.check(date=d)
    return runs


# ---- the API: framing ------------------------------------------------------------------------

def test_api_truncated_heads(ctx):
    """The API's header block ends (FIN) at many offsets: 7, nothing written."""
    offsets = [0, 1, 5, 9, 12, 15, 16, 17, 30, 50, -4, -3, -2, -1]  # -k: k bytes short
    dates = ["202611%02d" % (i + 1) for i in range(len(offsets))]
    at = dict(zip(dates, offsets))

    def cut(req):
        body = answer_json(req)
        hd = api_head(body, ["Cache-Control: no-cache"])
        off = at[date_of(req)]
        return [send(hd[:off if off >= 0 else len(hd) + off]), close()]

    with Hostile({"*": cut}) as h:
        for d, off in at.items():
            c = Case(ctx, "head-%s" % d)
            r = c.fetch(base=plain_base(h), date=d, max_s=within_api_deadline(ctx))
            assert r.rc == 7, "head cut at %d: %s" % (off, r.why())
            c.check(date=d)
        got = sorted(date_of(q) for q in h.requests)
        assert got == sorted(dates), "one call per run (--retries 0): %s" % got


def test_api_truncated_bodies(ctx):
    """The API's body ends early: Content-Length and chunked framing cut at many offsets (7);
    a body that ends with the connection cannot be told from a whole one, so the JSON is
    what fails (8)."""
    def cl_cut(k):
        def act(req):
            body = answer_json(req)
            n = k if k >= 0 else len(body) + k
            return [send(api_head(body) + body[:n]), close()]
        return act

    def chunk_cut(which):
        def act(req):
            body = answer_json(req)
            te = head(200, ["Content-Type: application/json", "Transfer-Encoding: chunked"])
            size = b"%x\r\n" % len(body)
            whole = chunked(body)
            parts = {
                "in-size": te + size[:1],
                "after-size": te + size,
                "in-data": te + size + body[:10],
                "before-crlf": te + size + body,
                "no-last-chunk": te + size + body + b"\r\n",
                "last-chunk-no-crlf": te + whole[:-2],
            }
            return [send(parts[which]), close()]
        return act

    def eof_cut(req):
        body = answer_json(req)
        return [send(head(200, ["Content-Type: application/json", "Connection: close"])
                     + body[:len(body) // 2]), close()]

    cases = [(cl_cut(0), 7), (cl_cut(1), 7), (cl_cut(40), 7), (cl_cut(-1), 7)] + \
        [(chunk_cut(w), 7) for w in ("in-size", "after-size", "in-data", "before-crlf",
                                     "no-last-chunk", "last-chunk-no-crlf")] + [(eof_cut, 8)]
    dates = ["202611%02d" % (i + 1) for i in range(len(cases))]
    by_date = dict(zip(dates, cases))
    with Hostile({"*": lambda req: by_date[date_of(req)][0](req)}) as h:
        fails = []
        for i, d in enumerate(dates):
            c = Case(ctx, "body-%s" % d)
            r = c.fetch(base=plain_base(h), date=d, max_s=within_api_deadline(ctx))
            if r.rc != by_date[d][1]:
                fails.append("case %d: want %d; %s" % (i, by_date[d][1], r.why()))
                continue
            c.check(date=d)
        assert not fails, "\n".join(fails)


def test_api_chunk_sizes_overflow_or_lie(ctx):
    """Chunk sizes past 2^64 (8), a size smaller than the data that follows (8), a size
    larger than the data sent, then silence (7 at the idle timeout) or a close (7)."""
    te = ["Content-Type: application/json", "Transfer-Encoding: chunked"]

    def case(kind):
        def act(req):
            body = answer_json(req)
            hd = head(200, te)
            if kind == "overflow":
                return [send(hd + b"1" + b"0" * 16 + b"\r\n" + body + b"\r\n0\r\n\r\n"),
                        sleep(5)]
            if kind == "overflow-f":
                return [send(hd + b"f" * 17 + b"\r\n" + body + b"\r\n0\r\n\r\n"), sleep(5)]
            if kind == "overflow-wrap":  # 2^64 + len(body): wraps to a plausible size
                return [send(hd + b"%x\r\n" % ((1 << 64) + len(body)) + body +
                             b"\r\n0\r\n\r\n"), sleep(5)]
            if kind == "less":  # says 10, sends the whole body
                return [send(hd + b"a\r\n" + body + b"\r\n0\r\n\r\n"), sleep(5)]
            if kind == "more-silent":
                return [send(hd + b"%x\r\n" % (len(body) + 100) + body + b"\r\n0\r\n\r\n"),
                        sleep(10)]
            return [send(hd + b"%x\r\n" % (len(body) + 100) + body + b"\r\n0\r\n\r\n"),
                    close()]  # more-close
        return act

    kinds = [("overflow", 8), ("overflow-f", 8), ("overflow-wrap", 8), ("less", 8),
             ("more-silent", 7), ("more-close", 7)]
    dates = ["202611%02d" % (i + 1) for i in range(len(kinds))]
    by_date = {d: k for d, k in zip(dates, kinds)}
    with Hostile({"*": lambda req: case(by_date[date_of(req)][0])(req)}) as h:
        fails = []
        for d in dates:
            kind, want = by_date[d]
            c = Case(ctx, "chunk-%s" % kind)
            # refusals must not wait for the server: only "more-silent" waits the idle timeout
            limit = (T + slack(ctx)) if kind == "more-silent" else slack(ctx)
            r = c.fetch(base=plain_base(h), date=d, max_s=limit + 1)
            if r.rc != want:
                fails.append("%s: want %d; %s" % (kind, want, r.why()))
                continue
            c.check(date=d)
        assert not fails, "\n".join(fails)


def test_api_header_flood(ctx):
    """An endless stream of header lines, and a flood of interim 100 answers: refused at the
    header limit (8) at once, not after reading 20 MB."""
    script = {
        "20261101": [send(b"HTTP/1.1 200 OK\r\n"), flood(b"X-Flood: v\r\n", 20 << 20),
                     send(b"\r\n")],
        "20261102": [flood(b"HTTP/1.1 100 Continue\r\n\r\n", 20 << 20)],
    }
    with Hostile({"*": lambda req: script[date_of(req)]}) as h:
        each_date_refused(ctx, h, script, "flood")


def test_api_10mb_header_line(ctx):
    """A 10 MB header line and a 10 MB status line: refused (8), memory stays bounded."""
    script = {
        "20261101": [send(b"HTTP/1.1 200 OK\r\nX-Long: "), flood(b"a", 10 << 20),
                     send(b"\r\nContent-Length: 2\r\n\r\n{}")],
        "20261102": [send(b"HTTP/1.1 200 "), flood(b"O", 10 << 20), send(b"\r\n\r\n")],
    }
    with Hostile({"*": lambda req: script[date_of(req)]}) as h:
        each_date_refused(ctx, h, script, "line")


# ---- the API: time ---------------------------------------------------------------------------

def test_api_slow_drip_ends_at_the_deadline(ctx):
    """A byte every 0.5 s never trips the 2 s idle timeout, but the API call's overall
    deadline (2 x --timeout) ends it: 7 at ~4 s, over plain HTTP and inside one TLS record."""
    def dripping(req):
        body = answer_json(req)
        return [drip(api_head(body) + body, 0.5)]

    def dripping_records(req):
        body = answer_json(req)
        return [drip_records(api_head(body) + body, 0.5)]

    with Hostile({"*": dripping}) as plain, tls_hostile(ctx, {"*": dripping_records}) as tls:
        for name, base in (("plain", plain_base(plain)), ("tls", tls.base)):
            c = Case(ctx, "drip-" + name)
            r = c.fetch(base=base, max_s=within_api_deadline(ctx)).expect(7)
            assert r.wall >= DEADLINE - 0.5, "%s: ended before the deadline; %s" % (name,
                                                                                 r.why())
            assert "deadline" in r.err, "%s: the message does not name the deadline; %s" % (
                name, r.why())
            c.check()


# ---- the API: TLS ----------------------------------------------------------------------------

def test_api_tls_alert_and_truncation_mid_stream(ctx):
    """Under TLS, inside the API's body: a fatal alert in the clear, a close_notify, a TCP
    close without close_notify. Each is 7, and quick."""
    def mid(how):
        def act(req):
            body = answer_json(req)
            start = [send(api_head(body) + body[:20]), sleep(0.1)]
            return start + {"alert": [raw_send(ALERT), sleep(5)],
                            "close_notify": [close_notify()],
                            "fin": [close()],
                            "rst": [reset()]}[how]
        return act

    hows = ["alert", "close_notify", "fin", "rst"]
    dates = ["202611%02d" % (i + 1) for i in range(len(hows))]
    by_date = dict(zip(dates, hows))
    with tls_hostile(ctx, {"*": lambda req: mid(by_date[date_of(req)])(req)}) as h:
        fails = []
        for d, how in by_date.items():
            c = Case(ctx, "tls-" + how)
            r = c.fetch(base=h.base, date=d, max_s=slack(ctx) + 1)
            if r.rc != 7:
                fails.append("%s: want 7; %s" % (how, r.why()))
                continue
            c.check(date=d)
        assert not fails, "\n".join(fails)


# ---- the API: limits -------------------------------------------------------------------------

def test_api_100000_links_over_limits(ctx):
    """100 000 links (7 MB, with Content-Length and chunked), and 300 short ones that fit the
    answer buffer but not the link table: 8 at once, nothing fetched, memory bounded."""
    def many(n, host):
        return ["https://%s/gio-export/%s/visit/day/%s/part-%05d-0b1c.csv.gz?X-Amz-Signature=%s"
                % (host, AI, DAY, i, "f" * 16) for i in range(n)]

    big = many(100000, "localhost:1")
    small = ["https://localhost:1/p%d" % i for i in range(300)]

    def act(req):
        d = date_of(req)
        if d == "20261101":
            body = answer_json(req, big)
            return [send(api_head(body) + body)]
        if d == "20261102":
            body = answer_json(req, big)
            pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
            return [send(head(200, ["Content-Type: application/json",
                                    "Transfer-Encoding: chunked"]) + chunked(*pieces))]
        body = answer_json(req, small)
        assert len(body) < 64 * 1024
        return [send(api_head(body) + body)]

    with Hostile({"*": act}) as h:
        for r in each_date_refused(ctx, h, ("20261101", "20261102", "20261103"), "links",
                                   extra_s=2):
            assert "limit" in r.err, "the message does not say why; %s" % r.why()


def test_api_deeply_nested_json(ctx):
    """JSON nested 50 000 deep (balanced, in an unknown field and in downloadLinks),
    never closed, and 20 000 objects deep: 8, no crash (no recursion to the bottom)."""
    def bodies(req):
        good = answer_json(req).decode()
        head_, tail = good[:-1], "}"
        return {
            "20261101": (head_ + ',"x":' + "[" * 50000 + "]" * 50000 + tail).encode(),
            "20261102": good.replace('"downloadLinks":[]',
                                     '"downloadLinks":' + "[" * 50000 + "]" * 50000).encode(),
            "20261103": (head_ + ',"x":' + "[" * 120000).encode(),
            "20261104": (head_ + ',"x":' + '{"a":' * 20000 + "1" + "}" * 20000 + tail).encode(),
        }

    def act(req):
        body = bodies(req)[date_of(req)]
        return [send(api_head(body) + body)]

    with Hostile({"*": act}) as h:
        each_date_refused(ctx, h, ("20261101", "20261102", "20261103", "20261104"), "nested")


# ---- the API: redirects ----------------------------------------------------------------------

def test_api_redirect_loop(ctx):
    """The API redirects forever (to itself, a new query each time): 8, too many redirects."""
    def loop(req):
        return [send(response(302, b"", ["Location: %s?expire=5&hop=%d"
                                         % (req.path, req.count)]))]

    with tls_hostile(ctx, {"*": loop}) as h:
        c = Case(ctx, "api-loop")
        r = c.fetch(base=h.base, max_s=within_api_deadline(ctx)).expect(8)
        assert "too many redirects" in r.err, r.why()
        n, redirects_max = len(h.requests), gfget.limits(ctx)["GF_REDIRECTS_MAX"]
        assert 2 <= n <= redirects_max + 1, "%d requests for a redirect loop" % n
        c.check()


def test_api_redirect_to_http_refused(ctx):
    """An https API that redirects to http://: refused (7); the http server sees nothing."""
    with Hostile({"*": lambda req: [send(response(200, answer_json(req)))]}) as target, \
            tls_hostile(ctx) as api:
        api.script["*"] = lambda req: [send(response(
            302, b"", ["Location: http://localhost:%d%s" % (target.port, req.target)]))]
        c = Case(ctx, "api-to-http")
        r = c.fetch(base=api.base, max_s=within_api_deadline(ctx)).expect(7)
        assert "redirect" in r.err, r.why()
        assert target.connections == 0, "the http:// target was contacted: %s" % (
            target.requests,)
        c.check()


def test_api_redirect_to_another_origin_drops_credentials(ctx):
    """The API redirects to another origin (another port): followed, without Authorization
    or X-Client-Id there; the export completes."""
    s = ctx.servers
    data = blob(5000, "cross-origin")
    link = s.add_file("hostile-cross-origin.csv.gz", data=data)
    name = link.split("?")[0].rsplit("/", 1)[1]
    with tls_hostile(ctx, {"*": lambda req: [send(response(200, answer_json(req, [link])))]}) \
            as other, tls_hostile(ctx) as api:
        api.script["*"] = lambda req: [send(response(
            307, b"", ["Location: %s%s" % (other.base, req.target)]))]
        c = Case(ctx, "api-cross")
        c.fetch(base=api.base, max_s=within_api_deadline(ctx) + 2).expect(0)
        assert [q.header("Authorization") for q in api.requests] == [TOKEN], \
            "the API's own origin did not get the token once: %s" % api.requests
        assert api.requests[0].header("X-Client-Id") == c.cid
        assert other.requests, "the redirect was not followed"
        no_credentials(other, "the other origin")
        c.check(final=[(name, data)], manifest=True)


# ---- the file host ---------------------------------------------------------------------------

def test_file_truncated_at_many_offsets(ctx):
    """Each link's answer ends early (head or body, Content-Length or chunked, TLS without
    close_notify); one good link last. 9; only the good file under its final name, no
    MANIFEST."""
    data = blob(20000, "file-cut")
    full = response(200, data, [md5_header(data)])
    hlen = full.index(b"\r\n\r\n") + 4
    te = head(200, ["Transfer-Encoding: chunked", md5_header(data)])
    cuts = {
        "h0": full[:0], "h1": full[:1], "h10": full[:10], "h20": full[:20],
        "hend-2": full[:hlen - 2], "hend-1": full[:hlen - 1],
        "b0": full[:hlen], "b1": full[:hlen + 1], "bhalf": full[:hlen + len(data) // 2],
        "bend-1": full[:-1],
        "c-size": te + b"4e", "c-data": te + b"4e20\r\n" + data[:100],
        "c-crlf": te + b"4e20\r\n" + data, "c-last": te + chunked(data)[:-2],
        # a body delimited by the close, cut: only the MD5 can tell
        "eof": head(200, ["Connection: close", md5_header(data)]) + data[:-10],
    }
    good = blob(3000, "file-cut-good")
    with Hostile() as plain, tls_hostile(ctx) as tls:
        def act(req):
            key = req.path.rsplit("/", 1)[1].split(".")[0]
            if key == "good":
                return [send(file_answer(req, good))]
            return [send(cuts[key]), close()]
        plain.script["*"] = act
        tls.script["*"] = act
        links = [plain.url("/f/%s.csv.gz?X-Amz-Signature=1" % k) for k in cuts] + \
            [tls.url("/f/%s.csv.gz?X-Amz-Signature=1" % k) for k in ("hend-1", "bhalf")] + \
            [plain.url("/f/good.csv.gz?X-Amz-Signature=1")]
        link_fixture(ctx, DAY, links)
        c = Case(ctx, "file-cuts")
        c.fetch(max_s=len(links) * 1.0 + slack(ctx) + T).expect(9)
        c.check(final=[("good.csv.gz", good)])
        got = [q.path.rsplit("/", 1)[1] for q in plain.requests + tls.requests]
        for k in cuts:
            assert got.count("%s.csv.gz" % k) >= 1, "link %s not tried: %s" % (k, got)
        no_credentials(plain)
        no_credentials(tls)


def test_file_chunk_sizes_overflow_or_lie(ctx):
    """A file's chunk sizes: past 2^64, wrapping, smaller than the data, larger than the
    data then a close: 9, no final file."""
    data = blob(3000, "file-chunks")
    hd = head(200, ["Transfer-Encoding: chunked", md5_header(data)])
    answers = {
        "overflow": hd + b"1" + b"0" * 16 + b"\r\n" + data + b"\r\n0\r\n\r\n",
        "wrap": hd + b"%x\r\n" % ((1 << 64) + len(data)) + data + b"\r\n0\r\n\r\n",
        "less": hd + b"10\r\n" + data + b"\r\n0\r\n\r\n",
        "more": hd + b"%x\r\n" % (len(data) + 50) + data + b"\r\n0\r\n\r\n",
    }
    with Hostile() as h:
        h.script["*"] = lambda req: [send(answers[req.path.rsplit("/", 1)[1]]), sleep(0.2),
                                     close()]
        link_fixture(ctx, DAY, [h.url("/c/%s" % k) for k in answers])
        c = Case(ctx, "file-chunks")
        c.fetch(max_s=slack(ctx) + 3).expect(9)
        c.check()
        assert len(h.requests) == len(answers), h.requests
        no_credentials(h)


def test_file_header_flood_and_10mb_line(ctx):
    """A file host that floods headers or sends a 10 MB header line: 9, memory bounded."""
    answers = {
        "flood": [send(b"HTTP/1.1 200 OK\r\n"), flood(b"X-Flood: v\r\n", 20 << 20),
                  send(b"\r\n")],
        "line": [send(b"HTTP/1.1 200 OK\r\nX-Amz-Meta-Long: "), flood(b"a", 10 << 20),
                 send(b"\r\nContent-Length: 2\r\n\r\nok")],
    }
    with tls_hostile(ctx) as h:
        h.script["*"] = lambda req: answers[req.path.rsplit("/", 1)[1]]
        link_fixture(ctx, DAY, [h.url("/x/%s" % k) for k in answers])
        c = Case(ctx, "file-flood")
        c.fetch(max_s=slack(ctx) + 3).expect(9)
        c.check()


def test_file_slow_drip_is_not_cut_short(ctx):
    """A download has no deadline beyond the idle timeout ("no byte for S seconds"): a file
    dripped over ~5 s (past 2 x --timeout, never 2 s without a byte) completes, whether each
    byte comes in a TLS record of its own or the whole answer is one record dripped."""
    data = blob(25, "drip")
    answer = head(200, [md5_header(data)], length=len(data)) + data
    with tls_hostile(ctx) as h:
        h.script["/records/dripped.csv.gz"] = [send(answer[:-len(data)]), drip(data, 0.2)]
        h.script["/one-record/dripped.csv.gz"] = [drip_records(answer, 0.05)]
        fails = []
        for i, how in enumerate(("records", "one-record")):
            d = "2026110%d" % (i + 1)
            link_fixture(ctx, d, [h.url("/%s/dripped.csv.gz" % how)])
            c = Case(ctx, "file-drip-" + how)
            r = c.fetch(date=d, max_s=7 + slack(ctx) + 2)
            if r.rc != 0:
                fails.append("%s: want 0; %s" % (how, r.why()))
                continue
            assert r.wall >= 4.5, "the drip ended early? %s" % r.why()
            c.check(date=d, final=[("dripped.csv.gz", data)], manifest=True)
        assert not fails, "\n".join(fails)


def test_file_reset_mid_file_without_retries(ctx):
    """An RST halfway through a file with --retries 0: 9, no final file, no MANIFEST."""
    data = blob(200000, "reset-0")
    with tls_hostile(ctx) as h:
        h.script["*"] = lambda req: [send(head(200, [md5_header(data)], length=len(data))
                                          + data[:100000]), sleep(0.2), reset()]
        link_fixture(ctx, DAY, [h.url("/r/part-00000-reset.csv.gz")])
        c = Case(ctx, "file-reset-0")
        c.fetch(retries=0, max_s=slack(ctx) + 2).expect(9)
        assert len(h.requests) == 1, h.requests
        c.check()


def test_file_reset_mid_file_then_resumed(ctx):
    """An RST halfway, then (--retries 1) a Range request answered 206: resumed, complete,
    byte-identical, MANIFEST written."""
    data = blob(200000, "reset-1")

    def act(req):
        if req.count == 1:
            return [send(head(200, [md5_header(data)], length=len(data)) + data[:100000]),
                    sleep(0.2), reset()]
        return [send(file_answer(req, data))]

    with tls_hostile(ctx, {"*": act}) as h:
        link_fixture(ctx, DAY, [h.url("/r/part-00000-resume.csv.gz")])
        c = Case(ctx, "file-reset-1")
        c.fetch(retries=1, max_s=slack(ctx) + 4).expect(0)
        ranges = [q.header("Range") for q in h.requests]
        assert len(ranges) == 2 and ranges[0] is None, ranges
        m = re.match(r"^bytes=(\d+)-$", ranges[1] or "")
        assert m and 0 < int(m.group(1)) <= 100000, "not resumed: Range %r" % ranges[1]
        c.check(final=[("part-00000-resume.csv.gz", data)], manifest=True)


def test_file_tls_alert_and_truncation_mid_stream(ctx):
    """Inside a file's body under TLS: a fatal alert in the clear, a close_notify, a close
    without close_notify. 9 (each link tried once), no final file."""
    data = blob(50000, "tls-mid")
    start = head(200, [md5_header(data)], length=len(data)) + data[:20000]
    ends = {"alert": [raw_send(ALERT), sleep(5)], "close_notify": [close_notify()],
            "fin": [close()]}
    with tls_hostile(ctx) as h:
        h.script["*"] = lambda req: [send(start), sleep(0.1)] + ends[req.path.rsplit("/", 1)[1]]
        link_fixture(ctx, DAY, [h.url("/t/%s" % k) for k in ends])
        c = Case(ctx, "file-tls-mid")
        c.fetch(max_s=slack(ctx) + 3).expect(9)
        assert sorted(q.path for q in h.requests) == sorted("/t/%s" % k for k in ends), \
            h.requests
        c.check()


def test_file_redirect_loop(ctx):
    """A link that redirects forever: 9, no final file."""
    with tls_hostile(ctx) as h:
        h.script["*"] = lambda req: [send(response(302, b"", ["Location: /loop/%d/x.csv.gz"
                                                              % req.count]))]
        link_fixture(ctx, DAY, [h.url("/loop/0/x.csv.gz")])
        c = Case(ctx, "file-loop")
        r = c.fetch(retries=0, max_s=slack(ctx) + 2).expect(9)
        assert "redirect" in r.err, r.why()
        assert 2 <= len(h.requests) <= gfget.limits(ctx)["GF_REDIRECTS_MAX"] + 1, h.requests
        c.check()


def test_file_redirect_to_http_refused(ctx):
    """An https link that redirects to http://: 9; the http server sees nothing."""
    data = blob(1000, "to-http")
    with Hostile({"*": lambda req: [send(file_answer(req, data))]}) as target, \
            tls_hostile(ctx) as h:
        h.script["*"] = lambda req: [send(response(302, b"", [
            "Location: http://localhost:%d/plain/x.csv.gz" % target.port]))]
        link_fixture(ctx, DAY, [h.url("/s/x.csv.gz")])
        c = Case(ctx, "file-to-http")
        r = c.fetch(max_s=slack(ctx) + 2).expect(9)
        assert "redirect" in r.err, r.why()
        assert target.connections == 0, "the http:// target was contacted"
        c.check()


def test_file_200_to_a_range_request_restarts_cleanly(ctx):
    """A server that answers 200 (the whole file) to a Range request: the download starts
    over and ends byte-identical, whether the .part came from an earlier run (with other
    bytes in it) or from an RST earlier in this run."""
    data = blob(150000, "ignore-range")
    name = "part-00000-ignore.csv.gz"

    def act(req):
        if req.path.startswith("/cut/") and req.count == 1:
            return [send(head(200, [md5_header(data)], length=len(data)) + data[:60000]),
                    sleep(0.2), reset()]
        return [send(file_answer(req, data, ignore_range=True))]

    with tls_hostile(ctx, {"*": act}) as h:
        # a .part from an earlier run, holding bytes that are not the file's
        link_fixture(ctx, "20261101", [h.url("/seeded/%s" % name)])
        c = Case(ctx, "range-seeded")
        os.makedirs(c.folder("20261101"))
        with open(os.path.join(c.folder("20261101"), name + ".part"), "wb") as f:
            f.write(b"\xff" * 7000)
        c.fetch(date="20261101", max_s=slack(ctx) + 2).expect(0)
        assert [q.header("Range") for q in h.requests] == ["bytes=7000-"], \
            "the .part was not resumed: %s" % [q.header("Range") for q in h.requests]
        c.check(date="20261101", final=[(name, data)], manifest=True)

        # within one run: an RST, then the retry's Range answered 200
        link_fixture(ctx, "20261102", [h.url("/cut/%s" % name)])
        c = Case(ctx, "range-in-run")
        c.fetch(date="20261102", retries=1, max_s=slack(ctx) + 4).expect(0)
        cut = [q for q in h.requests if q.path.startswith("/cut/")]
        assert len(cut) == 2 and cut[1].header("Range"), \
            "no Range on the retry: %s" % [q.header("Range") for q in cut]
        c.check(date="20261102", final=[(name, data)], manifest=True)


def test_file_content_length_too_short(ctx):
    """Content-Length smaller than what the server sends (the rest is a smuggled answer):
    the file holds exactly Content-Length bytes, and the next link on that host gets its own
    answer, not the smuggled one."""
    data = blob(1000, "short-cl")
    nxt = blob(2000, "after-short")
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!" + b"x" * 500

    def act(req):
        if req.path.endswith("/short.csv.gz"):
            return [send(response(200, data, [md5_header(data)]) + smuggled)]
        return [send(file_answer(req, nxt))]

    with tls_hostile(ctx, {"*": act}) as h:
        link_fixture(ctx, DAY, [h.url("/l/short.csv.gz"), h.url("/l/next.csv.gz")])
        c = Case(ctx, "cl-short")
        c.fetch(max_s=slack(ctx) + 2).expect(0)
        c.check(final=[("short.csv.gz", data), ("next.csv.gz", nxt)], manifest=True)
        no_credentials(h)


def test_file_content_length_too_long(ctx):
    """Content-Length larger than what the server sends before it closes, every time: 9
    after the retry, no final file."""
    data = blob(1000, "long-cl")
    with tls_hostile(ctx) as h:
        h.script["*"] = lambda req: [send(head(200, [md5_header(data + b"?" * 1000)],
                                               length=2000) + data), close()]
        link_fixture(ctx, DAY, [h.url("/l/long.csv.gz")])
        c = Case(ctx, "cl-long")
        c.fetch(retries=1, max_s=slack(ctx) + 4).expect(9)
        assert len(h.requests) == 2, "want one try and one retry: %s" % h.requests
        c.check()


# ---- link names ------------------------------------------------------------------------------

def test_link_names_sanitized(ctx):
    """Link names with '..', '/', '%2f', a percent-encoded NUL, '\\'-lookalikes, 1900
    characters, MANIFEST, .part, a leading dot, a name taken ignoring case: each file gets a
    safe name in the export folder (src/ARCHITECTURE.md, "Files"); nothing is written elsewhere."""
    long_seg = "L" * 1900 + ".csv.gz"
    cases = [  # (url path, expected local name)
        ("/n/..", "part-0.csv.gz"),
        ("/n/dir/", "part-1.csv.gz"),
        ("/n/..%2f..%2f..%2fescape.csv.gz", "part-2.csv.gz"),
        ("/n/%2e%2e", "part-3.csv.gz"),
        ("/n/a/../../../../../../../tmp/x.csv.gz", "x.csv.gz"),
        ("/n/" + long_seg, "part-5.csv.gz"),
        ("/n/MANIFEST", "part-6.csv.gz"),
        ("/n/evil.csv.gz.part", "part-7.csv.gz"),
        ("/n/.hidden", "part-8.csv.gz"),
        ("/n/ok-1.csv.gz", "ok-1.csv.gz"),
        ("/n/OK-1.CSV.GZ", "part-10.csv.gz"),
        ("/n/%00.csv.gz", "part-11.csv.gz"),
        ("/n/..%5c..%5cwin.csv.gz", "part-12.csv.gz"),
        ("/n/.", "part-13.csv.gz"),
        ("/n/%2F", "part-14.csv.gz"),
    ]
    contents = [blob(100 + i, "name-%d" % i) for i in range(len(cases))]
    with tls_hostile(ctx) as h:
        def act(req):
            i = int(re.search(r"i=(\d+)", req.query).group(1))
            return [send(file_answer(req, contents[i]))]
        h.script["*"] = act
        link_fixture(ctx, DAY, ["%s%s?i=%d&X-Amz-Signature=ab" % (h.base, p, i)
                                for i, (p, _) in enumerate(cases)])
        c = Case(ctx, "names")
        c.fetch(max_s=slack(ctx) + 5).expect(0)
        c.check(final=[(n, contents[i]) for i, (_, n) in enumerate(cases)], manifest=True)
        assert len(h.requests) == len(cases), "%d requests" % len(h.requests)
        no_credentials(h)


def test_link_names_refused_or_sanitized(ctx):
    """Links that cannot be used as they are: a NUL (\\u0000 in the JSON), 4 KB names (ASCII,
    '..%2f' repeated, and UTF-8), a backslash. Either the answer is refused (8, nothing
    written, nothing fetched) or the file lands under part-0.csv.gz; never anywhere else."""
    data = blob(500, "refused")
    cases = {
        "20261101": "/n/evil\u0000.csv.gz",
        "20261102": "/n/" + "a" * 4096,
        "20261103": "/n/" + "..%2f" * 820,
        "20261104": "/n/" + "\u00e9" * 2048,
        "20261105": "/n/..\\..\\win.csv.gz",
        "20261106": "/n/../\u0000/../x",
    }
    with tls_hostile(ctx, {"*": lambda req: [send(file_answer(req, data))]}) as h:
        fails = []
        for d, path in cases.items():
            link_fixture(ctx, d, [h.base + path])
            before = len(h.requests)
            c = Case(ctx, "refused-%s" % d)
            r = c.fetch(date=d, max_s=slack(ctx) + 2)
            if r.rc == 8:
                c.check(date=d)
                if len(h.requests) != before:
                    fails.append("%r: refused, yet fetched" % path)
            elif r.rc == 0:
                c.check(date=d, final=[("part-0.csv.gz", data)], manifest=True)
            else:
                fails.append("%r: want 8 (refused) or 0 (sanitized); %s" % (path, r.why()))
        assert not fails, "\n".join(fails)

