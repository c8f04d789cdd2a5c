"""giofetch fetch/sync --jobs N: up to N files at once, each on its own connection, with
everything the one-at-a-time path guarantees: .part then verified rename, the MANIFEST last and
only when every file is in, resume after kill -9 with several files partly written, exit codes,
--json, progress on a TTY, -q; the API calls one at a time under the rate limit, and one re-ask
per answer when links expire, however many jobs found theirs expired."""

import json
import os
import signal
import subprocess
import time

from cliutil import (AI, TOKEN, base_fixture, check_export_folder, export_dir, gio, md5_of,
                     no_part_files, run_on_pty, server_files)
import procs

SERVERS = "module"
TIMEOUT = 90

D = "20261112"
FOUR = {"parts": 4, "size": [120000, 120000, 120000, 120000], "rate": 200000}
KILL = {"parts": 3, "size": [400000, 400000, 400000], "rate": 100000}
MD5 = {"parts": 2, "size": [150000, 150000], "rate": 300000, "md5": ["wrong", "hex"]}
# parts 0 and 1 take ~3 s each at the file host's rate, longer than parts 2 and 3's links live;
# the re-ask is answered after 2 s, so both jobs find their next link expired before it comes
TTL = {"parts": 4, "size": [750000, 750000, 20000, 20000], "rate": 250000, "link_ttl_s": 1,
       "sequence": [{}, {"delay_s": 2}]}
ONE = {"parts": 1, "rows": 10}
FLAKY = {"parts": 2, "rows": 2000, "flaky": {"calls": 1, "status": 403}}
ALL = {"rows": 10, "types": {"visit": {"parts": 3}, "page": {"parts": 2}}}
# the file host's certificate names another host (pki.py's "wrongname" variant)
WRONGNAME = {"parts": 2, "rows": 5, "link_origin": "wrongname"}
# each link answers 500 to its first request: both jobs retry their own file
RETRY = {"parts": 2, "rows": 2000, "flaky": {"calls": 1, "status": 500}}
SYNC_DAYS = ["2026110%d" % d for d in range(1, 7)]


def FIXTURE():
    periods = {
        "day/visit/%s" % D: dict(FOUR),
        "day/page/%s" % D: dict(KILL),
        "day/action/%s" % D: dict(MD5),
        "day/evar/%s" % D: dict(TTL),
        "day/pvar/%s" % D: dict(ONE),
        "day/custom_event/%s" % D: dict(FLAKY),
        "day/all/%s" % D: dict(ALL),
        "day/ads_track_click/%s" % D: dict(WRONGNAME),
        "day/action_tag/%s" % D: dict(RETRY),
    }
    for day in SYNC_DAYS:
        periods["day/vstr/%s" % day] = {"parts": 2, "rows": 5, "seed": int(day[-1])}
    return base_fixture(periods)


def fetch(ctx, out, data, *more, **kw):
    return gio(ctx, "fetch", "--type", "day", "--data", data, "--date", D, "--out", out,
               *more, **kw)


def fetch_whole(ctx, data, behaviour, *more):
    """Fetch day D of `data` into tmp/out expecting exit 0 and every file as the server holds
    it (behaviour: the fixture's period); (out, the server's files, the run)."""
    out = os.path.join(ctx.tmp, "out")
    exp = server_files(ctx.servers, data, date=D, behaviour=behaviour)
    r = fetch(ctx, out, data, *more).expect(0)
    check_export_folder(out, data, exp, date=D)
    return out, exp, r


def intervals(log):
    """[(start, end, connection, name)] of the file host's answers (nginx times, seconds)."""
    out = []
    for f in log:
        end = float(f["msec"])
        out.append((end - float(f["request_time"]), end, f["connection"],
                    f["path"].rsplit("/", 1)[1]))
    return out


def most_at_once(spans, slack=0.03):
    """The largest number of spans that overlap at one instant (slack: clock resolution)."""
    best = 0
    for s0, _, _, _ in spans:
        best = max(best, sum(1 for a, b, _, _ in spans if a <= s0 + slack and b > s0 + slack))
    return best


# ---- parallel, capped, byte-identical ----------------------------------------------------

def test_jobs_download_at_once_on_their_own_connections(ctx):
    s = ctx.servers
    out, exp, r = fetch_whole(ctx, "visit", FOUR, "--jobs", "2", "--json")
    spans = intervals(s.file_requests())
    assert sorted(n for _, _, _, n in spans) == sorted(e[0] for e in exp), spans
    assert most_at_once(spans) == 2, "want two files at once, never more: %s" % spans
    assert len({c for _, _, c, _ in spans}) >= 2, "one connection for two jobs: %s" % spans
    assert len(r.exports) == 1, "one API call for one export: %d" % len(r.exports)
    o = json.loads(r.out)
    assert (o["status"], o["exit"], o["error"]) == ("FINISHED", 0, None), o
    assert [(f["name"], f["bytes"], f["md5"]) for f in o["files"]] == \
        [(e[0], len(e[1]), e[2]) for e in exp], o["files"]
    # complete: a second run with jobs asks nothing and downloads nothing
    s.reset()
    fetch(ctx, out, "visit", "--jobs", "4").expect(0)
    assert s.api_requests("export") == [] and s.file_requests() == []


def test_jobs_more_than_files(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    fetch(ctx, out, "pvar", "--jobs", "8").expect(0)
    check_export_folder(out, "pvar", server_files(s, "pvar", date=D, behaviour=ONE), date=D)
    r = fetch(ctx, out, "all", "--jobs", "8", "--json").expect(0)
    assert len(r.exports) == 1, r.why()
    for t, parts in (("visit", 3), ("page", 2)):
        b = {"rows": 10, "parts": parts}
        check_export_folder(out, t, server_files(s, t, date=D, behaviour=b), date=D)
    lines = [json.loads(x) for x in r.lines]
    assert all(o["exit"] == 0 for o in lines), lines


def test_jobs_0_and_9_refused(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    for bad in ("0", "9", "-1", "two", ""):
        s.reset()
        r = fetch(ctx, out, "visit", "--jobs", bad).expect(2)
        assert "--jobs" in r.err, r.why()
        assert s.api_requests() == [], "asked the API despite --jobs %r" % bad
    r = gio(ctx, "sync", "--type", "day", "--data", "visit", "--from", D, "--to", D,
            "--out", out, "--jobs", "9").expect(2)
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", D, "--jobs", "2")
    r.expect(2)
    assert not os.path.exists(out) or os.listdir(out) == [], os.listdir(out)
    assert "--jobs" in gio(ctx, "fetch", "--help", defaults=False).out


# ---- failures ------------------------------------------------------------------------------

def test_jobs_one_file_failing_md5_while_the_other_succeeds(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    exp = server_files(s, "action", date=D, behaviour=MD5)
    r = fetch(ctx, out, "action", "--jobs", "2", "--json").expect(9)
    d = export_dir(out, "action", date=D)
    names = sorted(os.listdir(d))
    assert exp[1][0] in names, "the good file was not committed: %s" % names
    with open(os.path.join(d, exp[1][0]), "rb") as f:
        assert f.read() == exp[1][1]
    assert exp[0][0] not in names, "a file failing its MD5 under its final name: %s" % names
    assert "MANIFEST" not in names, names
    spans = intervals(s.file_requests())
    assert most_at_once(spans) == 2, "the two files did not run at once: %s" % spans
    o = json.loads(r.out)
    assert o["exit"] == 9 and o["error"], o
    assert [f["name"] for f in o["files"]] == [exp[1][0]], o["files"]
    assert any(exp[0][0] in line and "MD5" in line for line in r.err.splitlines()), r.why()


def test_jobs_links_expiring_while_two_jobs_run_asked_for_once(ctx):
    s = ctx.servers
    _, exp, r = fetch_whole(ctx, "evar", TTL, "--jobs", "2", "-v")
    log = [(f["path"].rsplit("/", 1)[1], f["status"]) for f in s.file_requests()]
    denied = [n for n, st in log if st == 403]
    assert denied and set(denied) <= {exp[2][0], exp[3][0]}, \
        "want the later parts' links expired: %s" % log
    assert len(denied) == len(set(denied)), "a fresh link expired again: %s" % log
    for n in denied:
        assert log.index((n, 200)) > log.index((n, 403)), "no retry after the 403: %s" % log
    assert len(r.exports) == 2, \
        "want exactly one re-ask for %d expired links: %d export calls; %s" % (
            len(denied), len(r.exports), log)
    assert "expired" in r.err, r.why()


def test_jobs_two_jobs_denied_at_once_share_one_re_ask(ctx):
    # each link answers 403 to its first request: both jobs are denied at once, wait for the
    # one fresh answer, and finish their own files from it
    s = ctx.servers
    _, exp, r = fetch_whole(ctx, "custom_event", FLAKY, "--jobs", "2")
    log = [(f["path"].rsplit("/", 1)[1], f["status"]) for f in s.api_requests("file")]
    for e in exp:
        assert [st for n, st in log if n == e[0]] == [403, 200], log
    assert len(r.exports) == 2, "want one re-ask for two jobs: %d export calls; %s" % (
        len(r.exports), log)


# ---- kill -9 with several files partly written ---------------------------------------------

def part_sizes(folder):
    try:
        return {n: os.path.getsize(os.path.join(folder, n))
                for n in os.listdir(folder) if n.endswith(".part")}
    except OSError:
        return {}


def test_jobs_killed_mid_way_then_rerun_completes_byte_identical(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    exp = server_files(s, "page", date=D, behaviour=KILL)
    folder = export_dir(out, "page", date=D)
    argv = ["fetch", "--base-url", s.api_base, "--ca-file", s.ca_file, "--project", AI,
            "--retries", "1", "--timeout", "10", "--type", "day", "--data", "page", "--date",
            D, "--out", out, "--jobs", "2"]
    p = procs.popen(ctx.cli + argv, cwd=ctx.tmp, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=ctx.cli_env({"GIO_TOKEN": TOKEN, "GIO_CLIENT_ID": "e2e-jobs-k1"}))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and p.poll() is None:
            sizes = part_sizes(folder)
            if len(sizes) == 2 and min(sizes.values()) >= 50000:
                break
            time.sleep(0.01)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.communicate(timeout=10)
    held = part_sizes(folder)
    assert len(held) == 2 and all(0 < v < 400000 for v in held.values()), \
        "want two files partly written when killed: %s" % held
    assert sorted(os.listdir(folder)) == sorted(held), os.listdir(folder)
    time.sleep(0.3)  # nginx logs the cut requests once it notices
    s.reset()
    r = fetch(ctx, out, "page", "--jobs", "2").expect(0)
    check_export_folder(out, "page", exp, date=D)
    ranges = {f["path"].rsplit("/", 1)[1]: f["range"] for f in s.file_requests()}
    for part, size in held.items():
        name = part[:-len(".part")]
        assert ranges.get(name) == "bytes=%d-" % size, \
            "%s not resumed from %d: %s" % (name, size, ranges)
    assert TOKEN not in r.err


# ---- sync, the rate limit, output -----------------------------------------------------------

def test_jobs_sync_keeps_the_api_rate_limit(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = gio(ctx, "sync", "--type", "day", "--data", "vstr", "--from", SYNC_DAYS[0], "--to",
            SYNC_DAYS[-1], "--out", out, "--jobs", "3", "--json").expect(0)
    for day in SYNC_DAYS:
        b = {"parts": 2, "rows": 5, "seed": int(day[-1])}
        check_export_folder(out, "vstr", server_files(s, "vstr", date=day, behaviour=b),
                            date=day)
    calls = [x["mono"] for x in r.exports]
    assert len(calls) == len(SYNC_DAYS), calls
    for a, c in zip(calls, calls[2:]):
        assert c - a >= 1.0, "three API calls within 1 s: %s" % calls
    summary = json.loads(r.lines[-1])
    assert summary["summary"]["done"] == len(SYNC_DAYS) and summary["exit"] == 0, summary


def test_jobs_progress_on_a_tty_and_quiet(ctx):
    s = ctx.servers
    exp = server_files(s, "visit", date=D, behaviour=FOUR)
    for name, more in (("tty", []), ("quiet", ["-q"])):
        out = os.path.join(ctx.tmp, name)
        rc, text = run_on_pty(ctx, out, "--jobs", "3", *more, data="visit", date=D)
        assert rc == 0, "exit %s: %r" % (rc, text[-500:])
        check_export_folder(out, "visit", exp, date=D)
        if more:
            assert text == "", "-q with jobs on a TTY: %r" % text[:300]
            continue
        assert "running" in text and "MB/s" in text, "no summary line: %r" % text[:500]
        # every message line is whole: after the last progress redraw, only full lines
        for line in text.replace("\r\n", "\n").split("\n"):
            tail = line.rsplit("\r", 1)[-1].replace("\x1b[K", "")
            assert tail == "" or tail.startswith("giofetch: "), "broken line %r" % line


def test_jobs_messages_are_whole_lines(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", "--jobs", "4", "-v").expect(0)  # gio() checks each line
    exp = server_files(s, "visit", date=D, behaviour=FOUR)
    for e in exp:
        assert sum(1 for line in r.err.splitlines()
                   if line.startswith("giofetch: > GET ") and e[0] in line) == 1, r.why()
    d = export_dir(out, "visit", date=D)
    for e in exp:
        assert md5_of(os.path.join(d, e[0])) == e[2]
    no_part_files(out)


# ---- messages name the connection that failed ----------------------------------------------

def test_jobs_tls_failure_names_the_file_host_not_the_api(ctx):
    # Each job's failure is explained from that job's own connection: its host, port and TLS
    # cause, not those of the API client (which talked to another port meanwhile).
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    file_port = int(s.variant_bases["wrongname"].rsplit(":", 1)[1].split("/")[0])
    names = [f[0] for f in server_files(s, "ads_track_click", date=D, behaviour=WRONGNAME)]
    for jobs in ("1", "2"):
        r = fetch(ctx, out, "ads_track_click", "--jobs", jobs).expect(9)
        for name in names:
            line = [ln for ln in r.err.splitlines()
                    if ln.startswith("giofetch: ads_track_click %s %s: " % (D, name))]
            assert line, "--jobs %s: no message about %s: %s" % (jobs, name, r.why())
            assert "localhost:%d" % file_port in line[0], "--jobs %s: %s" % (jobs, line[0])
            assert "localhost:%d" % s.api_port not in line[0], "--jobs %s: %s" % (jobs, line[0])


def test_jobs_retry_lines_name_the_file_each_job_is_on(ctx):
    # Two jobs begin their files at once and each is refused once: each retry line names the
    # file of the job that retries, not the file begun last.
    names = [f[0] for f in server_files(ctx.servers, "action_tag", date=D, behaviour=RETRY)]
    _, _, r = fetch_whole(ctx, "action_tag", RETRY, "--jobs", "2")
    for name in names:
        lines = [ln for ln in r.err.splitlines()
                 if ln.startswith("giofetch: action_tag %s %s: retrying in " % (D, name))]
        assert len(lines) == 1, "want one retry line about %s: %s" % (name, r.why())
