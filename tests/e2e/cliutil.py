"""Shared helpers for the giofetch CLI end-to-end modules (tests/e2e/test_cli_*.py).

    r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out)
    r.rc, r.out, r.err, r.api (this run's API requests), r.lines (stdout lines)

gio() adds --base-url, --ca-file, --project (unless given), --retries 1 and --timeout 10
(unless given), gives the token through GIO_TOKEN (unless token=None) and a fresh
GIO_CLIENT_ID per run, so that the server's per-client rate windows see each CLI process on
its own. After every run it checks what must hold for any run: no secret in stdout or stderr,
every stderr line is one `giofetch: ` message, no '\\r' (stderr is not a TTY here), no
Authorization or X-Client-Id in any request for a link (file host log, /_flaky/ links), and
none of this run's API calls tripped the server's rate-limit flag.

server_files() is the oracle: the files the fixture serves for one export, as the file host
holds them (name, bytes, md5), in link order.
"""

import hashlib
import itertools
import os
import pty
import select
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import harness
import procs

TOKEN = "tok-SECRET-e2e-5b1e9f0c"
AI = "proj-e2e"
DAY = "20261127"
HOUR = "2026112712"
DATA_TYPES = harness.DATA_TYPES

_ids = itertools.count(1)


class CliRun:
    def __init__(self, argv, proc, cid, api):
        self.argv = argv
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.cid = cid
        self.api = api

    @property
    def lines(self):
        return self.out.splitlines()

    @property
    def exports(self):
        return [r for r in self.api if r["kind"] == "export"]

    def why(self):
        return "argv %s: exit %s\nstdout: %r\nstderr: %r" % (
            " ".join(self.argv), self.rc, self.out[-1500:], self.err[-1500:])

    def expect(self, rc):
        assert self.rc == rc, "want exit %d; %s" % (rc, self.why())
        return self


def gio(ctx, cmd, *args, token=TOKEN, env=None, client_id="auto", base_url=None,
        ca=True, secrets=(), check_stderr=True, check_rate=True, defaults=True, timeout=60):
    """Run `giofetch cmd args...` against ctx.servers; returns a CliRun (see module doc)."""
    s = ctx.servers
    args = [str(a) for a in args]
    argv = [cmd]
    if defaults:
        if "--base-url" not in args:
            argv += ["--base-url", base_url or s.api_base]
        if ca and "--ca-file" not in args:
            argv += ["--ca-file", s.ca_file]
        if "--project" not in args:
            argv += ["--project", AI]
        if "--retries" not in args:
            argv += ["--retries", "1"]
        if "--timeout" not in args:
            argv += ["--timeout", "10"]
    argv += args
    e = {}
    if token is not None:
        e["GIO_TOKEN"] = token
    cid = None
    if client_id == "auto":
        cid = "e2e-cli-%d-%d" % (os.getpid(), next(_ids))
    elif client_id is not None:
        cid = client_id
    if cid is not None:
        e["GIO_CLIENT_ID"] = cid
    e.update(env or {})
    proc = ctx.run_cli(*argv, env=e, timeout=timeout)
    api = [r for r in s.api_requests() if cid is None or r.get("client_id") == cid]
    run = CliRun(argv, proc, cid, api)
    check_output(run, secrets=tuple(secrets) + ((token,) if token else ()),
                 check_stderr=check_stderr)
    # no credential ever reaches a link: the file host, or links on the API's own origin
    for f in s.file_requests(settle=0):
        assert (f.get("authorization"), f.get("x_client_id")) == ("", ""), \
            "credential sent to the file host: %s %s" % (f.get("path"), run.why())
    for f in s.api_requests("file"):
        assert f.get("authorization") is None and f.get("client_id") is None, \
            "credential sent to a link: %s %s" % (f.get("path"), run.why())
    if check_rate and cid is not None:
        bad = [r for r in api if r.get("rate_violation")]
        t0 = api[0]["mono"] if api else 0
        assert not bad, ("the API saw more than 2 calls/s from one CLI run (%d flagged): "
                         "calls at %s s, statuses %s, path %s" % (
                             len(bad), ["%.3f" % (r["mono"] - t0) for r in api],
                             [r["status"] for r in api], api[0]["path"]))
    return run


def check_output(run, secrets=(), check_stderr=True):
    for sec in secrets:
        if sec:
            assert sec not in run.out, "secret on stdout; %s" % run.why()
            assert sec not in run.err, "secret on stderr; %s" % run.why()
    if check_stderr:
        assert "\r" not in run.err, "'\\r' (progress?) on a non-TTY stderr; %s" % run.why()
        for line in run.err.splitlines():
            assert line.startswith("giofetch: "), "stderr line without the prefix: %r; %s" % (
                line, run.why())


def run_on_pty(ctx, out, *more, data="vstr", date=DAY):
    """Run fetch of one day export (by default the slow vstr file of the fetch tests) with
    stderr on a pseudo-terminal: (exit, stderr text)."""
    s = ctx.servers
    argv = ctx.cli + ["fetch", "--base-url", s.api_base, "--ca-file", s.ca_file, "--project",
                      AI, "--retries", "1", "--type", "day", "--data", data, "--date", date,
                      "--out", out] + list(more)
    master, slave = pty.openpty()
    try:
        p = procs.popen(argv, env=ctx.cli_env({"GIO_TOKEN": TOKEN}), cwd=ctx.tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        slave = None
        got = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                got += chunk
            elif p.poll() is not None:
                break
        p.stdout.read()
        rc = p.wait(timeout=10)
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    return rc, got.decode("utf-8", "replace")


# ---- the server's side ----------------------------------------------------------------------

def server_files(s, data_type, export_type="day", date=DAY, behaviour=None, ai=AI):
    """[(name, bytes, md5, url_path)] the fixture serves for one export type, in link order.
    behaviour: the period's (merged, for one type of an all-types answer) behaviour."""
    b = dict(behaviour or {})
    for k in ("types", "omit", "fail_first", "running_calls", "sequence", "flaky"):
        b.pop(k, None)
    paths = s.api.api.files.ensure(ai, data_type, export_type, date, b)
    out = []
    for p in paths:
        with open(s.filehost.file_path(p), "rb") as f:
            data = f.read()
        out.append((p.rsplit("/", 1)[1], data, hashlib.md5(data).hexdigest(), p))
    return out


def export_dir(out, data_type, export_type="day", date=DAY, ai=AI):
    return os.path.join(out, ai, data_type, export_type, date)


def file_digest(path, algorithm):
    """Hex digest of a file, read in 1 MiB blocks (files may be hundreds of MiB)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def md5_of(path):
    return file_digest(path, "md5")


def sha256_file(path):
    return file_digest(path, "sha256")


def md5_tree(root):
    """{relative path: md5} of every file under root (hidden ones too)."""
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = md5_of(p)
    return out


def tree(root):
    """{relative path: bytes} of every regular file under root."""
    out = {}
    for d, _, files in os.walk(root):
        for n in files:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def check_export_folder(out, data_type, expected, export_type="day", date=DAY, ai=AI,
                        names=None):
    """The folder holds exactly the expected files (byte-identical) and a MANIFEST in md5sum
    format that `md5sum -c` accepts, written after them; no .part anywhere.
    expected: server_files() rows; names: the local names (default: the server's)."""
    d = export_dir(out, data_type, export_type, date, ai)
    names = names or [e[0] for e in expected]
    assert os.path.isdir(d), "no folder %s (have %s)" % (d, sorted(tree(out)))
    have = sorted(os.listdir(d))
    assert have == sorted(names + ["MANIFEST"]), "folder %s holds %s, want %s" % (
        d, have, sorted(names + ["MANIFEST"]))
    for name, e in zip(names, expected):
        with open(os.path.join(d, name), "rb") as f:
            got = f.read()
        assert got == e[1], "%s differs from the server's %s (%d vs %d bytes)" % (
            name, e[3], len(got), len(e[1]))
    with open(os.path.join(d, "MANIFEST"), "rb") as f:
        manifest = f.read().decode("utf-8")
    want = "".join("%s  %s\n" % (e[2], n) for n, e in zip(names, expected))
    assert manifest == want, "MANIFEST %r, want %r" % (manifest, want)
    p = procs.run(["md5sum", "-c", "--strict", "MANIFEST"], cwd=d, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    assert p.returncode == 0, "md5sum -c MANIFEST in %s: %s" % (d, p.stdout)
    mtime = os.stat(os.path.join(d, "MANIFEST")).st_mtime_ns
    for n in names:
        assert os.stat(os.path.join(d, n)).st_mtime_ns <= mtime, \
            "%s is newer than the MANIFEST" % n
    no_part_files(out)
    return d


def no_part_files(root):
    parts = [p for p in tree(root) if p.endswith(".part")]
    assert not parts, ".part files left: %s" % parts


def only_export_files(out, allowed_dirs):
    """Every file under out is the lock or inside one of allowed_dirs (absolute)."""
    for rel in tree(out):
        p = os.path.join(out, rel)
        if rel == ".giofetch.lock":
            continue
        assert any(os.path.dirname(p) == d for d in allowed_dirs), \
            "file outside the export folders: %s" % rel


def fetch_url(s, url, timeout=10):
    """(status, body) of a link fetched with urllib, trusting only the test CA."""
    try:
        with urllib.request.urlopen(url, context=s.ssl_context(), timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def link_path(link):
    return urllib.parse.unquote(urllib.parse.urlsplit(link).path)


def base_fixture(periods, **over):
    fx = {"token": TOKEN, "project": AI, "periods": periods,
          "default": {"status": "NOT_EXISTS"}}
    fx.update(over)
    return fx


def type_behaviour(all_b, t):
    """The behaviour of data type t inside an all-types period all_b (what server_files takes)."""
    b = {k: v for k, v in all_b.items() if k not in ("types", "omit")}
    b.update(all_b.get("types", {}).get(t) or {})
    return b


# The exports both fetch and links are tested on (test_cli_fetch.py, test_cli_links.py): a day
# of visits in three parts, an hour of pages, the day's all-types answer and an empty export.
VISIT = {"parts": 3, "rows": 30}
PAGE_HOUR = {"parts": 2, "rows": 10}
ALL = {"rows": 10, "types": {"visit": dict(VISIT), "page": {"parts": 2}}}


def listing_fixture(more):
    """base_fixture of the exports above plus the module's own periods (more)."""
    periods = {
        "day/visit/%s" % DAY: dict(VISIT),
        "hour/page/%s" % HOUR: dict(PAGE_HOUR),
        "day/all/%s" % DAY: dict(ALL),
        "day/pvar/%s" % DAY: {"parts": 0},
    }
    periods.update(more)
    return base_fixture(periods)
