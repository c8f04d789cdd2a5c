"""What an operator reads and relies on: periods that have not begun and options that do not
exist refused before any call."""

import datetime
import os
import socket

from cliutil import DAY, base_fixture, gio

SERVERS = "module"
TIMEOUT = 120

# How the library reports a file's check today: a server MD5 that matched, else the size.
VERIFIED_MD5 = "md5"
VERIFIED_SIZE = "size"

SLOW = {"size": 240000, "rate": 20000}
PERIODS = {
    "day/visit/%s" % DAY: {"parts": 2, "rows": 10},
    "day/page/%s" % DAY: {"rows": 10, "md5": "none"},
    "day/action/%s" % DAY: {"rows": 10, "flaky": {"calls": 1, "status": 500}},
    "day/evar/%s" % DAY: {"http": 401},
    "day/pvar/%s" % DAY: {"link_base": "https://localhost:1"},
    "day/custom_event/%s" % DAY: {"rows": 5, "link_origin": "expired"},
    "day/vstr/%s" % DAY: {"rows": 5, "link_origin": "future"},
    "day/ads_track_click/%s" % DAY: dict(SLOW),
    "day/action_tag/%s" % DAY: {"size": 300000},
    "day/visit/2026111?": {"parts": 1, "rows": 5},
}


def FIXTURE():
    return base_fixture(dict(PERIODS))


def fetch(ctx, out, data, *more, date=DAY, **kw):
    return gio(ctx, "fetch", "--type", "day", "--data", data, "--date", date, "--out", out,
               *more, **kw)


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(family)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def lines_about(err, prefix):
    return [ln for ln in err.splitlines() if ln.startswith("giofetch: " + prefix)]


# ---- refused before any call ------------------------------------------------------------------

def test_future_periods_sync_wait_and_unknown_options_refused_before_any_call(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    bj = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    later_day = (bj + datetime.timedelta(days=2)).strftime("%Y%m%d")
    later_hour = (bj + datetime.timedelta(hours=2)).strftime("%Y%m%d%H")
    today = bj.strftime("%Y%m%d")
    refused = [
        ("links", "--type", "day", "--data", "visit", "--date", later_day),
        ("fetch", "--type", "day", "--data", "visit", "--date", later_day, "--out", out),
        ("fetch", "--type", "hour", "--data", "visit", "--date", later_hour, "--out", out),
        ("sync", "--type", "day", "--data", "visit", "--to", "20991231", "--out", out),
        ("sync", "--type", "day", "--data", "visit", "--from", later_day, "--to", later_day,
         "--out", out),
        ("sync", "--type", "hour", "--data", "visit", "--from", later_hour, "--out", out),
    ]
    for argv in refused:
        r = gio(ctx, *argv).expect(2)
        assert "has not begun yet" in r.err, r.why()
        assert r.api == [], "a future period reached the API: %s" % r.why()
    r = gio(ctx, "sync", "--type", "day", "--data", "visit", "--out", out,
            "--wait", "600").expect(2)
    assert "--wait" in r.err and r.api == [], r.why()
    r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out,
            "--bogus").expect(2)
    assert "unknown option '--bogus'" in r.err and "needs a value" not in r.err, r.why()
    assert r.api == []
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
            "--out", out).expect(2)
    assert "unknown option '--out' for links" in r.err and r.api == [], r.why()
    assert not os.path.exists(out)
    # the Beijing day under way has begun: it is asked for (and does not exist yet here)
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", today).expect(4)
    assert [e["export_date"] for e in r.exports] == [today], r.why()
    assert s.file_requests() == []
