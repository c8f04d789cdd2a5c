"""Every status and exit code of giofetch(1), through the real CLI: FINISHED 0, RUNNING 3
(and RUNNING then FINISHED within --wait), NOT_EXISTS 4, ERROR 5 (errorMsg shown, sanitized),
auth 6, unreachable 7, malformed 8, download failed 9, bad usage 2 with no request sent;
429 / 500 retried within the budget."""

import json
import os
import socket

from cliutil import (DAY, base_fixture, check_export_folder, export_dir,
                     gio, server_files, tree)

SERVERS = "module"
TIMEOUT = 60

ERROR_MSG = "导出失败 😵 disk\x1b[31m full\r\nINJECTED line\x07 end"
MALFORMED = ["truncated", "not_json", "wrong_types", "unknown_status", "missing_status",
             "links_not_array", "empty", "array", "huge", "bad_escape", "nul_in_link",
             "trailing_garbage", "raw"]
RAW_BODY = '{"status":"FINISHED","downloadLinks":["https://localhost:1/x.csv.gz"],'  # cut short


def malformed_date(i):
    return "202611%02d" % (i + 1)


def FIXTURE():
    periods = {
        "day/visit/%s" % DAY: {"parts": 2, "rows": 10},
        "day/page/%s" % DAY: {"status": "RUNNING"},
        "day/action/%s" % DAY: {"running_calls": 2, "parts": 2, "rows": 10},
        "day/action_tag/%s" % DAY: {"status": "ERROR", "error_msg": ERROR_MSG},
        "day/evar/%s" % DAY: {"http": 401},
        "day/pvar/%s" % DAY: {"http": 403},
        "day/vstr/%s" % DAY: {"status": "NOT_EXISTS"},
        "day/custom_event/%s" % DAY: {"fail_first": {"http": 500, "calls": 1}, "rows": 10},
        "day/ads_track_click/%s" % DAY: {"fail_first": {"http": 429, "calls": 1,
                                                        "retry_after": 2}, "rows": 10},
        "day/ads_track_activation/%s" % DAY: {"http": 500},
        "day/ads_track_activation/20261120": {"http": 429, "retry_after": 1},
        "day/page/20261114": {"http": 404},
        "day/page/20261115": {"fields": {"exportDate": "20261116"}},
        "day/page/20261116": {"fields": {"dataType": "visit"}},
        # download failures
        "day/visit/20261121": {"md5": "wrong", "rows": 10},
        "day/visit/20261122": {"md5": "wrong-content-md5", "rows": 10},
        "day/visit/20261124": {"link_ttl_s": -60, "rows": 10},
        "day/visit/20261125": {"rows": 10, "flaky": {"calls": 99, "cut_after": 100}},
        "day/visit/20261126": {"rows": 10, "parts": 2, "md5": ["hex", "wrong"]},
    }
    for i, kind in enumerate(MALFORMED):
        b = {"malformed": kind, "rows": 5}
        if kind == "raw":
            b["body"] = RAW_BODY
        periods["day/evar/%s" % malformed_date(i)] = b
    return base_fixture(periods)


def fetch(ctx, out, data, date=DAY, *more, **kw):
    return gio(ctx, "fetch", "--type", "day", "--data", data, "--date", date, "--out", out,
               *more, **kw)


def links(ctx, data, date=DAY, *more, **kw):
    return gio(ctx, "links", "--type", "day", "--data", data, "--date", date, *more, **kw)


def nothing_final(out):
    """No MANIFEST and no file under a final name anywhere below out."""
    bad = [p for p in tree(out) if p != ".giofetch.lock" and not p.endswith(".part")] \
        if os.path.isdir(out) else []
    assert not bad, "files under final names after a failure: %s" % bad


def gaps(reqs):
    return [b["mono"] - a["mono"] for a, b in zip(reqs, reqs[1:])]


# ---- the statuses -------------------------------------------------------------------------

def test_finished_exit_0(ctx):
    out = os.path.join(ctx.tmp, "out")
    fetch(ctx, out, "visit").expect(0)
    check_export_folder(out, "visit", server_files(ctx.servers, "visit",
                                                   behaviour={"parts": 2, "rows": 10}))
    r = links(ctx, "visit").expect(0)
    assert len(r.lines) == 2, r.why()


def test_running_exit_3(ctx):
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "page", DAY, "--json").expect(3)
    o = json.loads(r.out)
    assert (o["status"], o["exit"], o["files"]) == ("RUNNING", 3, []), o
    assert len(r.exports) == 1, "--wait 0 asks once: %s" % r.exports
    nothing_final(out)
    r = links(ctx, "page").expect(3)
    assert r.out == "", r.why()


def test_running_until_wait_runs_out_exit_3(ctx):
    r = links(ctx, "page", DAY, "--wait", "3").expect(3)
    ex = r.exports
    assert 2 <= len(ex) <= 4, "polls within --wait 3: %d (%s)" % (len(ex), gaps(ex))
    assert all(g >= 0.9 for g in gaps(ex)), "RUNNING polled in a tight loop: %s" % gaps(ex)
    assert ex[-1]["mono"] - ex[0]["mono"] <= 4.5, gaps(ex)


def test_running_then_finished_within_wait_exit_0(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "action", DAY, "--wait", "30").expect(0)
    ex = r.exports
    assert [e["json_status"] for e in ex] == ["RUNNING", "RUNNING", "FINISHED"], \
        [e["json_status"] for e in ex]
    assert all(g >= 0.9 for g in gaps(ex)), "RUNNING polled in a tight loop: %s" % gaps(ex)
    check_export_folder(out, "action", server_files(s, "action",
                                                    behaviour={"parts": 2, "rows": 10}))


def test_not_exists_exit_4(ctx):
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "vstr", DAY, "--json").expect(4)
    o = json.loads(r.out)
    assert (o["status"], o["exit"], o["files"]) == ("NOT_EXISTS", 4, []), o
    nothing_final(out)
    links(ctx, "vstr").expect(4)
    # a past date the API has nothing for (a future one is refused before any call:
    # test_cli_ops)
    r = links(ctx, "visit", "20261001").expect(4)
    assert [e["export_date"] for e in r.exports] == ["20261001"], r.exports


def test_error_exit_5_shows_sanitized_error_msg(ctx):
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "action_tag").expect(5)
    assert "导出失败 😵 disk" in r.err, "errorMsg not shown: %s" % r.why()
    assert "full" in r.err and "INJECTED line" in r.err and " end" in r.err, r.why()
    for c in ("\x1b", "\x07", "\r"):
        assert c not in r.err, "control byte %r reached the terminal: %s" % (c, r.why())
    # gio() checked that every stderr line is one "giofetch: " message: the CR LF did not
    # start a line of its own
    nothing_final(out)
    r = links(ctx, "action_tag", DAY, "--json").expect(5)
    o = json.loads(r.out)
    assert (o["status"], o["exit"]) == ("ERROR", 5), o
    assert "导出失败 😵 disk" in o["error"], o


def test_auth_rejected_exit_6(ctx):
    out = os.path.join(ctx.tmp, "out")
    for data, code in (("evar", "401"), ("pvar", "403")):
        r = fetch(ctx, out, data).expect(6)
        assert code in r.err, "HTTP %s not shown: %s" % (code, r.why())
        assert len(r.exports) == 1, "auth failures are not retried: %s" % r.exports
    # a token the API does not know
    r = fetch(ctx, out, "visit", token="wrong-SECRET-token-42").expect(6)
    assert len(r.exports) == 1 and r.exports[0]["status"] == 401, r.exports
    nothing_final(out)


def test_api_unreachable_exit_7(ctx):
    s = ctx.servers
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", base_url="https://localhost:%d" % port).expect(7)
    # qemu-user 7.2 hands a MIPS guest the host's SO_ERROR value untranslated (111, where
    # MIPS's ECONNREFUSED is 146), so under qemu-mips* a refusal reads as "network failure";
    # a MIPS kernel says "refused". The exit code is 7 either way.
    qemu_mips = os.path.basename(ctx.cli[0]).startswith("qemu-mips")
    assert "refused" in r.err.lower() or (qemu_mips and "network failure" in r.err), r.why()
    nothing_final(out)
    # 500 for longer than the retry budget: 1 + --retries calls
    r = fetch(ctx, out, "ads_track_activation", DAY, "--retries", "2").expect(7)
    assert [e["status"] for e in r.exports] == [500, 500, 500], r.exports
    # 429 (Retry-After 1) for longer than the budget
    r = fetch(ctx, out, "ads_track_activation", "20261120").expect(7)
    assert [e["status"] for e in r.exports] == [429, 429], r.exports
    assert gaps(r.exports)[0] >= 0.95, "Retry-After: 1 not honoured: %s" % gaps(r.exports)
    nothing_final(out)
    assert s.file_requests() == []


def test_malformed_answers_exit_8(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    for i, kind in enumerate(MALFORMED):
        r = links(ctx, "evar", malformed_date(i))
        assert r.rc == 8, "malformed %s: %s" % (kind, r.why())
        assert r.out == "", "malformed %s printed links: %s" % (kind, r.why())
        assert len(r.exports) == 1, "malformed %s: retried? %s" % (kind, len(r.exports))
        assert r.exports[0]["json_status"] == "malformed:" + kind, r.exports[0]["json_status"]
    for kind in ("truncated", "nul_in_link", "links_not_array"):
        fetch(ctx, out, "evar", malformed_date(MALFORMED.index(kind))).expect(8)
    nothing_final(out)
    assert s.file_requests() == [], "a malformed answer's link was fetched"
    # other HTTP statuses: a protocol error that shows the status
    r = links(ctx, "page", "20261114").expect(8)
    assert "404" in r.err, r.why()
    # an answer about another export
    links(ctx, "page", "20261115").expect(8)
    links(ctx, "page", "20261116").expect(8)


def test_download_failures_exit_9(ctx):
    s = ctx.servers
    for date, what in (("20261121", "x-amz-meta-md5-hash mismatch"),
                       ("20261122", "Content-MD5 mismatch"),
                       ("20261125", "connection cut mid-body every time")):
        out = os.path.join(ctx.tmp, "out-" + date)
        r = fetch(ctx, out, "visit", date, "--json")
        assert r.rc == 9, "%s: %s" % (what, r.why())
        o = json.loads(r.out)
        assert (o["exit"], o["files"]) == (9, []) and o["error"], o
        nothing_final(out)
    # one good and one bad part: the good one is kept, the folder gets no MANIFEST
    out = os.path.join(ctx.tmp, "out-mixed")
    r = fetch(ctx, out, "visit", "20261126").expect(9)
    exp = server_files(s, "visit", date="20261126",
                       behaviour={"rows": 10, "parts": 2, "md5": ["hex", "wrong"]})
    d = export_dir(out, "visit", date="20261126")
    assert sorted(n for n in os.listdir(d) if not n.endswith(".part")) == [exp[0][0]], \
        os.listdir(d)
    with open(os.path.join(d, exp[0][0]), "rb") as f:
        assert f.read() == exp[0][1]


def test_download_link_404_exit_9(ctx):
    s = ctx.servers
    fx = FIXTURE()
    good = server_files(s, "visit", behaviour={"parts": 2, "rows": 10})
    fx["periods"]["day/visit/20261123"] = {"links": [
        s.sign_url(good[0][3]), s.sign_url("/gio-export/extra/no-such-file.csv.gz")]}
    s.set_fixture(fx)
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", "20261123").expect(9)
    assert "404" in r.err, "the HTTP status is not shown: %s" % r.why()
    assert not os.path.exists(os.path.join(export_dir(out, "visit", date="20261123"),
                                           "MANIFEST"))
    assert len(r.exports) == 1, "a 404 is not an expired link: %s" % r.exports


def test_link_expired_twice_exit_9(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", "20261124").expect(9)
    assert len(r.exports) == 2, "asks for fresh links exactly once: %d calls" % len(r.exports)
    denied = [f for f in s.file_requests() if f["status"] == 403]
    assert len(denied) == 2, "two 403s from the file host: %s" % s.file_requests()
    nothing_final(out)


# ---- bad usage ----------------------------------------------------------------------------

USAGE = [
    ("unknown option", ["links", "--type", "day", "--data", "visit", "--date", DAY,
                        "--bogus", "1"]),
    ("unknown command", ["get", "--type", "day", "--data", "visit", "--date", DAY]),
    ("bad --type", ["links", "--type", "week", "--data", "visit", "--date", DAY]),
    ("bad --data", ["links", "--type", "day", "--data", "visits", "--date", DAY]),
    ("two types for fetch", ["fetch", "--type", "day", "--data", "visit,page", "--date", DAY,
                             "--out", "OUT"]),
    ("hour with yyyyMMdd", ["links", "--type", "hour", "--data", "visit", "--date", DAY]),
    ("impossible day", ["links", "--type", "day", "--data", "visit", "--date", "20261131"]),
    ("no leap day", ["links", "--type", "day", "--data", "visit", "--date", "20260229"]),
    ("hour 24", ["links", "--type", "hour", "--data", "visit", "--date", "2026112724"]),
    ("month 13", ["links", "--type", "day", "--data", "visit", "--date", "20261301"]),
    ("dashes", ["links", "--type", "day", "--data", "visit", "--date", "2026-11-27"]),
    ("--expire 0", ["links", "--type", "day", "--data", "visit", "--date", DAY,
                    "--expire", "0"]),
    ("--expire 10081", ["links", "--type", "day", "--data", "visit", "--date", DAY,
                        "--expire", "10081"]),
    ("--expire x", ["links", "--type", "day", "--data", "visit", "--date", DAY,
                    "--expire", "5m"]),
    ("--project with /", ["links", "--project", "a/b", "--type", "day", "--data", "visit",
                          "--date", DAY]),
    ("--project with ..", ["links", "--project", "..", "--type", "day", "--data", "visit",
                           "--date", DAY]),
    ("--project empty", ["links", "--project", "", "--type", "day", "--data", "visit",
                         "--date", DAY]),
    ("--project 65 bytes", ["links", "--project", "p" * 65, "--type", "day", "--data",
                            "visit", "--date", DAY]),
    ("missing --out", ["fetch", "--type", "day", "--data", "visit", "--date", DAY]),
    ("missing --type", ["links", "--data", "visit", "--date", DAY]),
    ("bad --retries", ["links", "--type", "day", "--data", "visit", "--date", DAY,
                       "--retries", "-1"]),
]


def test_bad_usage_exit_2_and_nothing_sent(ctx):
    s = ctx.servers
    s.reset()
    for what, args in USAGE:
        args = [os.path.join(ctx.tmp, "out") if a == "OUT" else a for a in args]
        r = gio(ctx, *args)
        assert r.rc == 2, "%s: %s" % (what, r.why())
        assert r.out == "", "%s: stdout %r" % (what, r.out)
        assert r.err.strip(), "%s: no message" % what
    assert s.api_requests() == [], "a request reached the API: %s" % [
        (x["path"], x["query"]) for x in s.api_requests()]
    assert s.file_requests() == []
    assert not os.path.exists(os.path.join(ctx.tmp, "out"))
    # the valid edges are accepted
    for expire in ("1", "10080"):
        r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
                "--expire", expire).expect(0)
        assert r.exports[0]["args"]["expire"] == expire
    r = gio(ctx, "links", "--project", "p" * 64, "--type", "day", "--data", "visit",
            "--date", DAY).expect(0)
    assert r.exports[0]["ai"] == "p" * 64, r.exports
    gio(ctx, "links", "--type", "hour", "--data", "visit", "--date", "2024022923").expect(4)


# ---- retries within the budget ------------------------------------------------------------

def test_429_with_retry_after_then_success_exit_0(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "ads_track_click").expect(0)
    ex = r.exports
    assert [e["status"] for e in ex] == [429, 200], [e["status"] for e in ex]
    assert gaps(ex)[0] >= 1.95, "Retry-After: 2 not honoured (%.2f s)" % gaps(ex)[0]
    check_export_folder(out, "ads_track_click", server_files(s, "ads_track_click",
                                                             behaviour={"rows": 10}))


def test_500_once_then_success_exit_0(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "custom_event").expect(0)
    assert [e["status"] for e in r.exports] == [500, 200], r.exports
    check_export_folder(out, "custom_event", server_files(s, "custom_event",
                                                          behaviour={"rows": 10}))
    # --retries 0: no second call
    out2 = os.path.join(ctx.tmp, "out2")
    s.reset()
    r = fetch(ctx, out2, "custom_event", DAY, "--retries", "0").expect(7)
    assert [e["status"] for e in r.exports] == [500], r.exports
