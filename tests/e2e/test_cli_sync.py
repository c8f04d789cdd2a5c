"""giofetch sync and the DIR lock, end to end against the local export server (issue 7).

sync walks every period from --from to --to and every data type (a comma list, or all with the
all-types call): folders with a MANIFEST are skipped without an API call, FINISHED ones are
fetched, RUNNING and NOT_EXISTS ones are left for the next run (waiting / missing); the summary
goes to stderr and, with --json, as the last JSON line. Exit 0 unless a period failed (then the
highest code), stopping early on 6 and 10. The default range is the last 15 periods up to the
last complete one (06:00 Beijing rule). A sync killed at any moment and run again ends with the
files of an uninterrupted run. The lock DIR/.giofetch.lock keeps two runs apart. With -q a
successful sync prints nothing; every message line starts with "giofetch: ".
"""

import datetime
import hashlib
import json
import os
import signal
import subprocess
import time

import sampledata
from cliutil import md5_of, md5_tree
import procs

SERVERS = "module"
TIMEOUT = 90

AI = "sync-ai"
TOKEN = "sync-token-7c1"
ENV = {"GIO_TOKEN": TOKEN}
LOCK = ".giofetch.lock"
SUMMARY_KEYS = ("done", "waiting", "missing", "failed")


# The API's rate limit (2 calls/s per client) is checked and flagged by the server but not
# enforced with 429s here, so that each test sees its own subject; one test checks the pacing.
RATE_FLAGGED = {"calls": 2, "window_s": 1.0, "enforce": False}


def fixture(periods=None, **extra):
    fx = {"token": TOKEN, "project": AI, "default": {"status": "NOT_EXISTS"},
          "rate_limit": RATE_FLAGGED, "periods": periods or {}}
    fx.update(extra)
    return fx


def FIXTURE():
    return fixture()


# ---- helpers --------------------------------------------------------------------------------

def cli_args(ctx, cmd, out, *args):
    s = ctx.servers
    a = [cmd, "--project", AI, "--base-url", s.api_base, "--ca-file", s.ca_file,
         "--retries", "1", "--timeout", "5"]
    if out is not None:
        a += ["--out", out]
    return a + [str(x) for x in args]


def run(ctx, cmd, out, *args, env=None, timeout=60):
    e = dict(ENV)
    e.update(env or {})
    r = ctx.run_cli(*cli_args(ctx, cmd, out, *args), env=e, timeout=timeout)
    check_messages(r)
    return r


def start(ctx, cmd, out, *args):
    """The CLI in the background (for kills and the lock); stdout/stderr to files."""
    argv = ctx.cli + cli_args(ctx, cmd, out, *args)
    ctx.log("$ (background)", " ".join(argv))
    fo = open(os.path.join(ctx.tmp, "bg-%d.out" % time.monotonic_ns()), "w+")
    fe = open(os.path.join(ctx.tmp, "bg-%d.err" % time.monotonic_ns()), "w+")
    p = procs.popen(argv, env=ctx.cli_env(ENV), cwd=ctx.tmp, stdout=fo, stderr=fe,
                         universal_newlines=True)
    p.files = (fo, fe)
    return p


def finish(p, timeout=60):
    """Wait for a background CLI; returns (exit, stdout, stderr)."""
    try:
        rc = p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise AssertionError("background giofetch did not finish in %ss" % timeout)
    outs = []
    for f in p.files:
        f.seek(0)
        outs.append(f.read())
        f.close()
    return rc, outs[0], outs[1]


def kill(p):
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
    p.wait(10)
    for f in p.files:
        f.close()


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s" % what)


def check_messages(r, stderr=None):
    """Every message line (stderr) starts with 'giofetch: '."""
    text = r.stderr if stderr is None else stderr
    bad = [ln for ln in text.splitlines() if not ln.startswith("giofetch: ")]
    assert not bad, "stderr lines without the 'giofetch: ' prefix: %r" % bad[:5]


def expect_exit(r, code):
    assert r.returncode == code, "exit %d, want %d; stderr: %s" % (
        r.returncode, code, r.stderr.strip()[-1500:])


def json_lines(stdout):
    out = []
    for ln in stdout.splitlines():
        try:
            out.append(json.loads(ln))
        except ValueError:
            raise AssertionError("stdout line is not JSON: %r" % ln)
    return out


def summary_of(r):
    """(summary dict, exit) from the last JSON line; checks its shape."""
    lines = json_lines(r.stdout)
    assert lines, "no JSON on stdout"
    last = lines[-1]
    assert set(last) == {"summary", "exit"}, "last JSON line: %r" % last
    assert set(last["summary"]) == set(SUMMARY_KEYS), "summary keys: %r" % last["summary"]
    assert all("summary" not in o for o in lines[:-1]), "summary not last"
    return last["summary"], last["exit"]


def summary_text(done, waiting, missing, failed):
    return "giofetch: sync: %d done, %d waiting, %d missing, %d failed" % (
        done, waiting, missing, failed)


def assert_summary_line(r, counts):
    line = summary_text(*counts)
    assert line in r.stderr.splitlines(), "no line %r in stderr: %s" % (line, r.stderr[-1500:])


def folder(out, data, date, export="day"):
    return os.path.join(out, AI, data, export, date)


def part_names(data, date, parts, export="day"):
    return [sampledata.part_name(AI, data, export, date, i) for i in range(parts)]


def served_md5(s):
    """{file name: md5} of every file the file host serves."""
    return {p.rsplit("/", 1)[1]: m["md5"] for p, m in s.filehost.files.items()}


def check_complete(s, out, data, date, names, export="day"):
    """The folder holds exactly names + MANIFEST, each file as served, MANIFEST in md5sum
    format listing them."""
    d = folder(out, data, date, export)
    assert os.path.isdir(d), "no folder %s" % os.path.relpath(d, out)
    have = sorted(os.listdir(d))
    assert have == sorted(list(names) + ["MANIFEST"]), "%s holds %s, want %s + MANIFEST" % (
        os.path.relpath(d, out), have, sorted(names))
    served = served_md5(s)
    want_lines = []
    for n in names:
        got = md5_of(os.path.join(d, n))
        assert got == served.get(n), "%s/%s: md5 %s, served %s" % (d, n, got, served.get(n))
        want_lines.append("%s  %s" % (got, n))
    with open(os.path.join(d, "MANIFEST")) as f:
        lines = f.read().splitlines()
    assert sorted(lines) == sorted(want_lines), "MANIFEST of %s: %r" % (
        os.path.relpath(d, out), lines)


def check_layout(out):
    """The lock is the only file outside export folders (AI/TYPE/hour|day/DATE/NAME); no .part
    or temporary file is left anywhere."""
    for rel in md5_tree(out):
        parts = rel.split(os.sep)
        if parts == [LOCK]:
            continue
        assert len(parts) == 5 and parts[0] == AI and parts[1] in sampledata.DATA_TYPES and \
            parts[2] in ("hour", "day"), "file outside an export folder: %s" % rel
        assert not parts[4].endswith(".part") and not parts[4].endswith(".tmp"), \
            "left behind: %s" % rel


def export_calls(s):
    """[(data_type, export_date)] of the API's export calls, oldest first."""
    return [(r["data_type"], r["export_date"]) for r in s.api_requests("export")]


def days(first, n):
    d0 = datetime.datetime.strptime(first, "%Y%m%d")
    return [(d0 + datetime.timedelta(days=i)).strftime("%Y%m%d") for i in range(n)]


def write_manifest(out, data, date, content=b"hand-made\n"):
    """A folder an earlier run completed: one file and its MANIFEST."""
    d = folder(out, data, date)
    os.makedirs(d)
    with open(os.path.join(d, "earlier.csv.gz"), "wb") as f:
        f.write(content)
    with open(os.path.join(d, "MANIFEST"), "w") as f:
        f.write("%s  earlier.csv.gz\n" % hashlib.md5(content).hexdigest())


# ---- sync: the walk over periods and types ------------------------------------------------

def test_sync_range_types_statuses_and_second_run(ctx):
    s = ctx.servers
    d1, d2, d3, d4 = days("20261001", 4)
    s.set_fixture(fixture({
        "day/visit/" + d1: {"parts": 2},
        "day/visit/" + d2: {"status": "RUNNING"},
        # visit d3: NOT_EXISTS (default)
        "day/visit/" + d4: {"parts": 1},
        "day/page/" + d1: {"parts": 1},  # complete on disk already
        "day/page/" + d2: {"parts": 3},
        "day/page/" + d3: {"parts": 0},  # FINISHED, no links
        "day/page/" + d4: {"status": "RUNNING"},
    }))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    write_manifest(out, "page", d1)

    r = run(ctx, "sync", out, "--type", "day", "--data", "visit,page", "--from", d1,
            "--to", d4, "--json")
    expect_exit(r, 0)
    # Period by period, each type in turn; page d1 has a MANIFEST: no call.
    want_calls = [("visit", d1), ("visit", d2), ("page", d2), ("visit", d3), ("page", d3),
                  ("visit", d4), ("page", d4)]
    assert export_calls(s) == want_calls, "export calls %s" % export_calls(s)
    summ, code = summary_of(r)
    assert summ == {"done": 5, "waiting": 2, "missing": 1, "failed": 0} and code == 0, \
        "summary %r exit %r" % (summ, code)
    assert_summary_line(r, (5, 2, 1, 0))
    objs = {(o["data"], o["date"]): o for o in json_lines(r.stdout)[:-1]}
    assert len(objs) == 8, "want one JSON object per type and period: %r" % list(objs)
    for key, (status, code) in {("visit", d1): ("FINISHED", 0), ("visit", d2): ("RUNNING", 3),
                                ("visit", d3): ("NOT_EXISTS", 4), ("visit", d4): ("FINISHED", 0),
                                ("page", d1): ("FINISHED", 0), ("page", d2): ("FINISHED", 0),
                                ("page", d3): ("FINISHED", 0),
                                ("page", d4): ("RUNNING", 3)}.items():
        o = objs[key]
        assert (o["status"], o["exit"]) == (status, code), "%s: %r" % (key, o)
        assert o["project"] == AI and o["type"] == "day", o
        assert (o["error"] is None) == (code == 0), "%s: error %r" % (key, o["error"])
    assert sorted(f["name"] for f in objs[("page", d2)]["files"]) == \
        sorted(part_names("page", d2, 3)), objs[("page", d2)]
    assert [f["name"] for f in objs[("page", d1)]["files"]] == ["earlier.csv.gz"], \
        objs[("page", d1)]

    check_complete(s, out, "visit", d1, part_names("visit", d1, 2))
    check_complete(s, out, "visit", d4, part_names("visit", d4, 1))
    check_complete(s, out, "page", d2, part_names("page", d2, 3))
    check_complete(s, out, "page", d3, [])
    with open(os.path.join(folder(out, "page", d3), "MANIFEST"), "rb") as f:
        assert f.read() == b"", "FINISHED with no links: an empty MANIFEST"
    for data, date in (("visit", d2), ("visit", d3), ("page", d4)):
        d = folder(out, data, date)
        assert not os.path.exists(os.path.join(d, "MANIFEST")), "MANIFEST for %s %s" % (
            data, date)
    assert sorted(os.listdir(folder(out, "page", d1))) == ["MANIFEST", "earlier.csv.gz"], \
        "a complete folder was touched"
    check_layout(out)
    files1 = s.file_requests()
    assert len(files1) == 2 + 1 + 3, "file requests: %s" % [e["path"] for e in files1]
    before = md5_tree(out)

    # The second run: nothing downloaded, API calls only for what is not complete.
    s.reset()
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit,page", "--from", d1,
            "--to", d4)
    expect_exit(r, 0)
    assert r.stdout == "", "stdout without --json: %r" % r.stdout
    assert export_calls(s) == [("visit", d2), ("visit", d3), ("page", d4)], \
        "second run's calls: %s" % export_calls(s)
    assert s.file_requests() == [], "second run downloaded something"
    assert_summary_line(r, (5, 2, 1, 0))
    assert md5_tree(out) == before, "the second run changed files"


def test_sync_keeps_to_the_api_rate_limit(ctx):
    """2 calls/s per client as the API counts them: no 3 calls arrive within one second."""
    s = ctx.servers
    d1, d2, d3 = days("20261008", 3)
    s.set_fixture(fixture(rate_limit={"calls": 2, "window_s": 1.0, "enforce": True}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit,page", "--from", d1,
            "--to", d3, "--json")
    calls = s.api_requests("export")
    gaps = ["%.3f" % (calls[i + 2]["mono"] - calls[i]["mono"]) for i in range(len(calls) - 2)]
    assert not any(c["rate_violation"] for c in calls), \
        "the API saw more than 2 calls within 1 s (answered 429): statuses %s; seconds " \
        "between call i and i+2 as the server saw them: %s" % ([c["status"] for c in calls],
                                                               gaps)
    expect_exit(r, 0)
    assert len(calls) == 6, [c["path"] for c in calls]


def test_sync_all_types_uses_the_all_types_call(ctx):
    s = ctx.servers
    d1, d2, d3 = days("20261005", 3)
    fx = fixture({"day/all/" + d1: {"parts": 1, "types": {"visit": {"parts": 2}},
                                    "omit": ["vstr"]},
                  "day/all/" + d2: {"status": "RUNNING"}})
    s.set_fixture(fx)
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    r = run(ctx, "sync", out, "--type", "day", "--data", "all", "--from", d1, "--to", d3,
            "--json")
    expect_exit(r, 0)
    calls = s.api_requests("export")
    assert [(c["data_type"], c["export_date"]) for c in calls] == \
        [("all", d1), ("all", d2), ("all", d3)], "calls %s" % export_calls(s)
    assert all(c["path"] == "/v2/insights/day/%s/%s.json" % (AI, c["export_date"])
               for c in calls), [c["path"] for c in calls]
    summ, code = summary_of(r)
    # d1: 9 types done, vstr missing from the answer is not complete (waiting);
    # d2: RUNNING for all ten; d3: NOT_EXISTS for all ten.
    assert summ == {"done": 9, "waiting": 11, "missing": 10, "failed": 0} and code == 0, summ
    assert_summary_line(r, (9, 11, 10, 0))
    for t in sampledata.DATA_TYPES:
        if t == "vstr":
            assert not os.path.exists(os.path.join(folder(out, t, d1), "MANIFEST"))
        else:
            check_complete(s, out, t, d1, part_names(t, d1, 2 if t == "visit" else 1))
    check_layout(out)

    # vstr of d1 and all of d2 are ready now: the next run fetches only those.
    fx["periods"]["day/all/" + d1] = {"parts": 1, "types": {"visit": {"parts": 2}}}
    fx["periods"]["day/all/" + d2] = {"parts": 1}
    s.set_fixture(fx)
    s.reset()
    r = run(ctx, "sync", out, "--type", "day", "--data", "all", "--from", d1, "--to", d3,
            "--json")
    expect_exit(r, 0)
    assert export_calls(s) == [("all", d1), ("all", d2), ("all", d3)], export_calls(s)
    got = sorted(e["path"].rsplit("/", 1)[1] for e in s.file_requests())
    want = sorted(part_names("vstr", d1, 1) +
                  [n for t in sampledata.DATA_TYPES for n in part_names(t, d2, 1)])
    assert got == want, "downloads %s, want vstr of %s and every type of %s" % (got, d1, d2)
    summ, _ = summary_of(r)
    assert summ == {"done": 20, "waiting": 0, "missing": 10, "failed": 0}, summ
    check_complete(s, out, "vstr", d1, part_names("vstr", d1, 1))
    for t in sampledata.DATA_TYPES:
        check_complete(s, out, t, d2, part_names(t, d2, 1))

    # Complete periods are skipped without a call.
    s.reset()
    r = run(ctx, "sync", out, "--type", "day", "--data", "all", "--from", d1, "--to", d3)
    expect_exit(r, 0)
    assert export_calls(s) == [("all", d3)], export_calls(s)
    assert s.file_requests() == []
    check_layout(out)


def test_sync_exit_is_the_highest_failure_and_goes_on(ctx):
    s = ctx.servers
    d1, d2, d3, d4, d5 = days("20261010", 5)
    s.set_fixture(fixture({
        "day/visit/" + d1: {"status": "ERROR", "error_msg": "export broke"},
        "day/visit/" + d2: {"parts": 1, "md5": "wrong"},
        "day/visit/" + d3: {"parts": 1},
        "day/visit/" + d4: {"status": "RUNNING"},
    }))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d5,
            "--json")
    expect_exit(r, 9)  # 5 (API ERROR) and 9 (MD5 mismatch): the highest
    assert export_calls(s) == [("visit", d) for d in (d1, d2, d3, d4, d5)], \
        "sync stops only on 6 and 10: %s" % export_calls(s)
    summ, code = summary_of(r)
    assert summ == {"done": 1, "waiting": 1, "missing": 1, "failed": 2} and code == 9, summ
    assert_summary_line(r, (1, 1, 1, 2))
    objs = {o["date"]: o for o in json_lines(r.stdout)[:-1]}
    assert objs[d1]["exit"] == 5 and objs[d1]["status"] == "ERROR" and \
        "export broke" in (objs[d1]["error"] or ""), objs[d1]
    assert objs[d2]["exit"] == 9 and objs[d2]["error"], objs[d2]
    assert objs[d3]["exit"] == 0 and objs[d4]["exit"] == 3 and objs[d5]["exit"] == 4
    assert "export broke" in r.stderr, "the errorMsg is shown"
    check_complete(s, out, "visit", d3, part_names("visit", d3, 1))
    assert not os.path.exists(os.path.join(folder(out, "visit", d2), "MANIFEST"))
    assert not os.path.exists(os.path.join(folder(out, "visit", d2),
                                           part_names("visit", d2, 1)[0])), \
        "a file failing its MD5 got its final name"

    s.reset()
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d1)
    expect_exit(r, 5)
    assert_summary_line(r, (0, 0, 0, 1))


def test_sync_stops_early_on_auth_rejected(ctx):
    s = ctx.servers
    d1, d2, d3 = days("20261015", 3)
    s.set_fixture(fixture({"day/visit/" + d1: {"parts": 1}, "day/page/" + d1: {"parts": 1},
                           "day/visit/" + d2: {"http": 401},
                           "day/visit/" + d3: {"parts": 1}, "day/page/" + d3: {"parts": 1}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit,page", "--from", d1,
            "--to", d3, "--json")
    expect_exit(r, 6)
    assert export_calls(s) == [("visit", d1), ("page", d1), ("visit", d2)], \
        "sync goes on after an auth failure: %s" % export_calls(s)
    summ, code = summary_of(r)
    assert code == 6 and summ["failed"] == 1 and summ["done"] == 2, summ
    assert_summary_line(r, (summ["done"], summ["waiting"], summ["missing"], summ["failed"]))
    check_layout(out)


def test_sync_goes_on_past_a_folder_it_cannot_write(ctx):
    s = ctx.servers
    d1, d2, d3 = days("20261018", 3)
    s.set_fixture(fixture({"day/visit/" + d1: {"parts": 1}, "day/page/" + d1: {"parts": 1},
                           "day/visit/" + d2: {"parts": 1}, "day/page/" + d2: {"parts": 1},
                           "day/visit/" + d3: {"parts": 1}, "day/page/" + d3: {"parts": 1}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    # A regular file where visit d2's folder must go: that folder cannot be made. The
    # other folders can: one bad folder must not hold back every newer period.
    os.makedirs(os.path.dirname(folder(out, "visit", d2)))
    with open(folder(out, "visit", d2), "w") as f:
        f.write("in the way\n")
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit,page", "--from", d1,
            "--to", d3, "--json")
    expect_exit(r, 10)  # the end result still says a local error happened
    assert export_calls(s) == [(t, d) for d in (d1, d2, d3) for t in ("visit", "page")], \
        "sync stopped at a folder it cannot write: %s" % export_calls(s)
    summ, code = summary_of(r)
    assert code == 10 and summ == {"done": 5, "waiting": 0, "missing": 0, "failed": 1}, summ
    assert_summary_line(r, (5, 0, 0, 1))
    assert "visit %s: cannot create %s: Not a directory" % (d2, folder(out, "visit", d2)) \
        in r.stderr, r.stderr
    for t, d in (("visit", d1), ("page", d1), ("page", d2), ("visit", d3), ("page", d3)):
        check_complete(s, out, t, d, part_names(t, d, 1))


def test_sync_stops_early_on_a_full_disk(ctx):
    if os.geteuid() != 0:
        ctx.log("not root: no tmpfs to fill; skipped")
        return
    s = ctx.servers
    d1, d2, d3 = days("20261021", 3)
    s.set_fixture(fixture({"day/visit/" + d: {"size": 200000} for d in (d1, d2, d3)}))
    s.reset()
    out = os.path.join(ctx.tmp, "disk")
    os.makedirs(out)
    procs.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", out],
                   check=True)
    try:
        r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1,
                "--to", d3, "--json")
        expect_exit(r, 10)
        # d1 fits, d2 fills the disk: d3 would only fill it again
        assert export_calls(s) == [("visit", d1), ("visit", d2)], export_calls(s)
        assert "No space left" in r.stderr and ".part" in r.stderr, r.stderr
    finally:
        procs.run(["umount", "-l", out], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def _expected_default_days(now_utc):
    bj = now_utc + datetime.timedelta(hours=8)
    last = bj.date() - datetime.timedelta(days=1 if bj.hour >= 6 else 2)
    return [(last - datetime.timedelta(days=14 - i)).strftime("%Y%m%d") for i in range(15)]


def test_sync_default_range_is_the_last_15_days(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    before = _expected_default_days(datetime.datetime.utcnow())
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--json")
    after = _expected_default_days(datetime.datetime.utcnow())
    expect_exit(r, 0)
    dates = [d for t, d in export_calls(s)]
    assert dates in (before, after), "dates asked for %s, want %s (15 days up to the last " \
        "complete day, 06:00 Beijing rule)" % (dates, after)
    assert all(t == "visit" for t, _ in export_calls(s))
    summ, _ = summary_of(r)
    assert summ == {"done": 0, "waiting": 0, "missing": 15, "failed": 0}, summ


def test_sync_never_waits_for_running(ctx):
    s = ctx.servers
    d1, d2 = days("20261020", 2)
    s.set_fixture(fixture({"day/visit/" + d1: {"running_calls": 1, "parts": 1},
                           "day/visit/" + d2: {"parts": 1}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    # --wait would be a promise sync does not keep: refused before any call
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d2,
            "--wait", "30")
    expect_exit(r, 2)
    assert "--wait" in r.stderr and export_calls(s) == [], (r.stderr, export_calls(s))
    t0 = time.monotonic()
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d2,
            "--json")
    dt = time.monotonic() - t0
    expect_exit(r, 0)
    assert export_calls(s) == [("visit", d1), ("visit", d2)], \
        "a RUNNING period was asked again: %s" % export_calls(s)
    assert dt < 15, "sync took %.1fs: it waited for the RUNNING period" % dt
    summ, _ = summary_of(r)
    assert summ == {"done": 1, "waiting": 1, "missing": 0, "failed": 0}, summ
    assert not os.path.exists(os.path.join(folder(out, "visit", d1), "MANIFEST"))
    # The next run finds it finished (the server's call counts go on: no reset).
    n0 = len(export_calls(s))
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d2)
    expect_exit(r, 0)
    assert export_calls(s)[n0:] == [("visit", d1)], export_calls(s)
    check_complete(s, out, "visit", d1, part_names("visit", d1, 1))


def test_sync_hours_across_midnight(ctx):
    s = ctx.servers
    hours = ["2026102222", "2026102223", "2026102300", "2026102301"]
    s.set_fixture(fixture({"hour/visit/" + h: {"parts": 1, "rows": 5} for h in hours}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    r = run(ctx, "sync", out, "--type", "hour", "--data", "visit", "--from", hours[0],
            "--to", hours[-1], "--json")
    expect_exit(r, 0)
    calls = s.api_requests("export")
    assert [(c["export_type"], c["export_date"]) for c in calls] == \
        [("hour", h) for h in hours], "calls %s" % [c["path"] for c in calls]
    summ, _ = summary_of(r)
    assert summ == {"done": 4, "waiting": 0, "missing": 0, "failed": 0}, summ
    for h in hours:
        check_complete(s, out, "visit", h, part_names("visit", h, 1, "hour"), "hour")
    check_layout(out)
    s.reset()
    r = run(ctx, "sync", out, "--type", "hour", "--data", "visit", "--from", hours[0],
            "--to", hours[-1])
    expect_exit(r, 0)
    assert export_calls(s) == [] and s.file_requests() == [], "second run did work"


# ---- killed and run again -------------------------------------------------------------------

SLOW_SIZE = 300000
SLOW_RATE = 100000  # bytes/s: about 3 s for the slow file


def _kill_fixture(d1, d2, d3):
    return fixture({"day/visit/" + d1: {"parts": 2},
                    "day/visit/" + d2: {"parts": 1, "delay_s": 3},
                    "day/visit/" + d3: {"parts": 1, "size": SLOW_SIZE, "rate": SLOW_RATE}})


def test_sync_killed_and_run_again_ends_like_an_uninterrupted_run(ctx):
    s = ctx.servers
    d1, d2, d3 = days("20261025", 3)
    s.set_fixture(_kill_fixture(d1, d2, d3))
    s.reset()
    args = ("--type", "day", "--data", "visit", "--from", d1, "--to", d3)
    ref = os.path.join(ctx.tmp, "ref")
    r = run(ctx, "sync", ref, *args)
    expect_exit(r, 0)
    check_layout(ref)
    want = md5_tree(ref)
    assert len([p for p in want if p.endswith("MANIFEST")]) == 3, sorted(want)

    out = os.path.join(ctx.tmp, "out")
    slow_name = part_names("visit", d3, 1)[0]
    slow_part = os.path.join(folder(out, "visit", d3), slow_name + ".part")

    # 1: killed right away (connecting, first API call).
    p = start(ctx, "sync", out, *args)
    time.sleep(0.15)
    kill(p)

    # 2: killed while it waits for the API's answer about d2 (the server takes 3 s).
    p = start(ctx, "sync", out, *args)
    wait_for(lambda: os.path.exists(os.path.join(folder(out, "visit", d1), "MANIFEST")), 20,
             "d1 to complete")
    time.sleep(1.2)
    assert p.poll() is None, "sync ended early: %s" % (finish(p),)
    assert not os.path.exists(os.path.join(folder(out, "visit", d2), "MANIFEST"))
    kill(p)

    # 3: killed in the middle of the slow file.
    p = start(ctx, "sync", out, *args)
    wait_for(lambda: os.path.exists(slow_part) and os.path.getsize(slow_part) >= 60000, 20,
             "the slow file to be half-way")
    kill(p)
    held = os.path.getsize(slow_part)
    assert 0 < held < SLOW_SIZE, "the .part holds %d bytes" % held

    # 4: run to the end.
    s.reset()
    r = run(ctx, "sync", out, *args)
    expect_exit(r, 0)
    got = md5_tree(out)
    assert got == want, "after the kills: %s\nuninterrupted: %s" % (
        sorted(got.items()), sorted(want.items()))
    check_layout(out)
    # (nginx may log the killed run's request late, after the reset: look at the last one)
    slow = [e for e in s.file_requests() if e["path"].endswith(slow_name)]
    assert slow and slow[-1]["range"] == "bytes=%d-" % held and slow[-1]["status"] == 206, \
        "the slow file was not resumed from the %d bytes held: %r" % (
            held, [(e["range"], e["status"]) for e in slow])

    # And once more: nothing left to do, not even an API call.
    s.reset()
    r = run(ctx, "sync", out, *args)
    expect_exit(r, 0)
    assert export_calls(s) == [] and s.file_requests() == [], "a complete range did work"
    assert md5_tree(out) == want


# ---- the lock -------------------------------------------------------------------------------

def start_lock_holder(ctx, cmd, out, d1, *more):
    """`cmd` (fetch or sync) of day d1's visits, one slow file, in the background; returned
    once that file's .part exists, the run holding out's lock for a while yet."""
    period = ("--date", d1) if cmd == "fetch" else ("--from", d1, "--to", d1)
    slow_part = os.path.join(folder(out, "visit", d1), part_names("visit", d1, 1)[0] + ".part")
    holder = start(ctx, cmd, out, "--type", "day", "--data", "visit", *period, *more)
    try:
        wait_for(lambda: os.path.exists(slow_part), 15, "the %s to start its file" % cmd)
    except BaseException:
        kill(holder)
        raise
    return holder


def test_lock_second_run_waits_or_gives_up(ctx):
    s = ctx.servers
    d1, d2 = days("20261101", 2)
    s.set_fixture(fixture({"day/visit/" + d1: {"parts": 1, "size": SLOW_SIZE,
                                               "rate": SLOW_RATE},
                           "day/visit/" + d2: {"parts": 2}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    lock = os.path.join(out, LOCK)
    holder = start_lock_holder(ctx, "fetch", out, d1)
    waiter = None
    try:
        # --lock-wait 1: gives up with exit 10, naming the lock.
        t0 = time.monotonic()
        r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d2,
                "--lock-wait", "1")
        dt = time.monotonic() - t0
        expect_exit(r, 10)
        assert lock in r.stderr, "the message does not name the lock %s: %s" % (
            lock, r.stderr)
        assert 0.9 <= dt < 5, "gave up after %.1fs" % dt
        assert holder.poll() is None, "the first run was done before the test"
        assert [c for c in export_calls(s) if c[1] == d2] == [], \
            "a run without the lock called the API"

        # Default: waits for the lock, then does what is left.
        waiter = start(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1,
                       "--to", d2, "--json")
        rc1, _, err1 = finish(holder)
        rc2, out2, err2 = finish(waiter)
    finally:
        for p in (holder, waiter):
            if p is not None and p.poll() is None:
                kill(p)
    assert rc1 == 0, "first run: exit %d: %s" % (rc1, err1)
    assert rc2 == 0, "second run: exit %d: %s" % (rc2, err2)
    check_messages(None, err1)
    check_messages(None, err2)
    assert "waiting" in err2 and lock in err2, "the waiting run said nothing: %r" % err2
    calls = export_calls(s)
    assert calls.count(("visit", d1)) == 1, "d1 was asked again after the first run: %s" % calls
    assert calls.count(("visit", d2)) == 1, calls
    assert calls.index(("visit", d2)) > calls.index(("visit", d1))
    d2_call = [c for c in s.api_requests("export") if c["export_date"] == d2][0]
    d1_file = [e for e in s.file_requests() if d1 in e["path"]]
    assert d1_file and float(d2_call["time"]) >= float(d1_file[-1]["msec"]) - 0.05, \
        "the second run called the API before the first had finished"
    lines = json_lines(out2)
    assert lines[-1]["summary"] == {"done": 2, "waiting": 0, "missing": 0, "failed": 0}, lines
    check_complete(s, out, "visit", d1, part_names("visit", d1, 1))
    check_complete(s, out, "visit", d2, part_names("visit", d2, 2))
    check_layout(out)
    assert os.path.isfile(lock), "the lock file is DIR/.giofetch.lock"
    assert sorted(os.listdir(out)) == sorted([LOCK, AI]), os.listdir(out)


def test_lock_held_by_sync_blocks_fetch(ctx):
    s = ctx.servers
    d1 = "20261105"
    s.set_fixture(fixture({"day/visit/" + d1: {"parts": 1, "size": SLOW_SIZE,
                                               "rate": SLOW_RATE},
                           "day/page/" + d1: {"parts": 1}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    holder = start_lock_holder(ctx, "sync", out, d1)
    try:
        r = run(ctx, "fetch", out, "--type", "day", "--data", "page", "--date", d1,
                "--lock-wait", "1")
        expect_exit(r, 10)
        assert os.path.join(out, LOCK) in r.stderr, r.stderr
        assert not os.path.exists(folder(out, "page", d1)), "fetch worked without the lock"
        rc, _, err = finish(holder)
    finally:
        if holder.poll() is None:
            kill(holder)
    assert rc == 0, err
    r = run(ctx, "fetch", out, "--type", "day", "--data", "page", "--date", d1,
            "--lock-wait", "1")
    expect_exit(r, 0)
    check_complete(s, out, "page", d1, part_names("page", d1, 1))
    check_layout(out)


# ---- cron: -q and message lines -------------------------------------------------------------

def test_quiet_successful_sync_prints_nothing(ctx):
    s = ctx.servers
    d1, d2, d3 = days("20261110", 3)
    s.set_fixture(fixture({"day/visit/" + d1: {"parts": 2},
                           "day/visit/" + d2: {"status": "RUNNING"}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    for attempt in (1, 2):  # fetching, then nothing left to fetch
        r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1,
                "--to", d3, "-q")
        expect_exit(r, 0)
        assert r.stdout == "" and r.stderr == "", "run %d with -q printed: stdout %r stderr %r" \
            % (attempt, r.stdout, r.stderr)
    check_complete(s, out, "visit", d1, part_names("visit", d1, 2))

    # A failure still speaks, one prefixed line each.
    s.set_fixture(fixture({"day/visit/" + d2: {"status": "ERROR", "error_msg": "boom"}}))
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d3,
            "-q")
    expect_exit(r, 5)
    assert r.stdout == ""
    assert "boom" in r.stderr and summary_text(1, 0, 1, 1) in r.stderr.splitlines(), r.stderr


def test_quiet_sync_that_waited_for_the_lock_prints_nothing(ctx):
    s = ctx.servers
    d1, d2 = days("20261115", 2)
    s.set_fixture(fixture({"day/visit/" + d1: {"parts": 1, "size": 150000,
                                               "rate": SLOW_RATE},
                           "day/visit/" + d2: {"parts": 1}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    holder = start_lock_holder(ctx, "sync", out, d1, "-q")
    try:
        r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d2,
                "-q")
        rc, o1, e1 = finish(holder)
    finally:
        if holder.poll() is None:
            kill(holder)
    assert rc == 0 and o1 == "" and e1 == "", (rc, o1, e1)
    expect_exit(r, 0)
    check_complete(s, out, "visit", d2, part_names("visit", d2, 1))
    assert r.stdout == "" and r.stderr == "", \
        "a -q sync that waited for the lock and then succeeded printed: %r" % r.stderr


def test_every_message_line_is_prefixed(ctx):
    s = ctx.servers
    d1, d2 = days("20261120", 2)
    s.set_fixture(fixture({"day/visit/" + d1: {"parts": 1,
                                               "fail_first": {"http": 503, "calls": 1,
                                                              "retry_after": 1}},
                           "day/visit/" + d2: {"status": "ERROR",
                                               "error_msg": "line one\nline two"}}))
    s.reset()
    out = os.path.join(ctx.tmp, "out")
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d1, "--to", d2,
            "-v")  # run() checks every stderr line
    expect_exit(r, 5)
    assert "retrying" in r.stderr, "a retry is shown: %s" % r.stderr
    assert TOKEN not in r.stderr and TOKEN not in r.stdout, "the token was printed"
    r = run(ctx, "sync", out, "--type", "day", "--data", "nope", "--from", d1, "--to", d2)
    expect_exit(r, 2)
    r = run(ctx, "sync", out, "--type", "day", "--data", "visit", "--from", d2, "--to", d1)
    expect_exit(r, 2)
