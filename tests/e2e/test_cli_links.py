"""giofetch links: one link per line on stdout and nothing else there (messages on stderr), links
that work, all types in type order, --json objects per data type, every escape style."""

import json
import re
import urllib.parse

from cliutil import (AI, ALL, DATA_TYPES, DAY, HOUR, PAGE_HOUR, TOKEN, VISIT, fetch_url, gio,
                     link_path, listing_fixture, server_files, type_behaviour)

SERVERS = "module"
TIMEOUT = 60

JSON_KEYS = {"project", "type", "data", "date", "status", "links", "exit", "error"}


def FIXTURE():
    return listing_fixture({"day/evar/%s" % DAY: {"status": "NOT_EXISTS"}})


def all_expected(s):
    """[(data_type, server_files row)] of the all-types period, in type order."""
    out = []
    for t in DATA_TYPES:
        out += [(t, e) for e in server_files(s, t, behaviour=type_behaviour(ALL, t))]
    return out


def check_links(s, lines, expected):
    assert len(lines) == len(expected), "%d links, want %d: %s" % (len(lines), len(expected),
                                                                  lines)
    for line, e in zip(lines, expected):
        assert line.startswith(s.file_base + "/"), "not a file host link: %r" % line
        assert "\\" not in line and " " not in line, "undecoded escape in %r" % line
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(line).query)
        assert "X-Amz-Signature" in q and "Expires" in q, "query lost: %r" % line
        assert link_path(line) == e[3], "link %r, want path %s" % (line, e[3])
        status, body = fetch_url(s, line)
        assert status == 200 and body == e[1], "link %s: HTTP %d, %d bytes (want %d)" % (
            line, status, len(body), len(e[1]))


def test_links_one_per_line_and_they_work(ctx):
    s = ctx.servers
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY).expect(0)
    assert r.out.endswith("\n") and "\n\n" not in r.out, r.why()
    check_links(s, r.lines, server_files(s, "visit", behaviour=VISIT))
    ex = r.exports
    assert len(ex) == 1, ex
    assert ex[0]["path"] == "/v2/insights/day/visit/%s/%s.json" % (AI, DAY), ex[0]["path"]
    assert ex[0]["args"] == {"expire": "5"}, ex[0]["args"]
    assert ex[0]["authorization"] == TOKEN, "Authorization %r" % ex[0]["authorization"]
    # links downloads nothing itself
    assert not [f for f in s.file_requests() if f["x_client_id"] == r.cid], s.file_requests()


def test_links_hour_export_and_expire(ctx):
    s = ctx.servers
    r = gio(ctx, "links", "--type", "hour", "--data", "page", "--date", HOUR,
            "--expire", "7").expect(0)
    check_links(s, r.lines, server_files(s, "page", "hour", HOUR, behaviour=PAGE_HOUR))
    ex = r.exports
    assert [e["path"] for e in ex] == ["/v2/insights/hour/page/%s/%s.json" % (AI, HOUR)], ex
    assert ex[0]["args"] == {"expire": "7"}, ex[0]["args"]
    for line in r.lines:  # the server signs for expire minutes
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(line).query)["X-Amz-Expires"] == \
            ["420"], line
    # yyyyMMddHHmm is accepted for an hour export and sent as yyyyMMddHH
    r = gio(ctx, "links", "--type", "hour", "--data", "page", "--date", HOUR + "30").expect(0)
    assert [e["path"] for e in r.exports] == ["/v2/insights/hour/page/%s/%s.json" % (AI, HOUR)]
    assert len(r.lines) == 2, r.why()


def test_links_all_types_in_type_order(ctx):
    s = ctx.servers
    r = gio(ctx, "links", "--type", "day", "--data", "all", "--date", DAY).expect(0)
    exp = all_expected(s)
    check_links(s, r.lines, [e for _, e in exp])
    assert [e["path"] for e in r.exports] == ["/v2/insights/day/%s/%s.json" % (AI, DAY)]


def test_links_all_types_printed_in_type_order_whatever_the_answer_order(ctx):
    s = ctx.servers
    date = "20261126"
    per_type = {}
    for t in DATA_TYPES:
        per_type[t] = server_files(s, t, date=date, behaviour={"parts": 2 if t == "page" else 1,
                                                               "rows": 5})
    links = {t: [s.sign_url(e[3]) for e in per_type[t]] for t in reversed(DATA_TYPES)}
    body = json.dumps({"errorMsg": "", "exportDate": date, "dataType": "",
                       "downloadLinks": links, "exportType": "day", "status": "FINISHED",
                       "exportVersion": "v2", "requestTime": "2026-11-27 08:00"})
    assert body.index('"vstr"') < body.index('"visit"')
    fx = FIXTURE()
    fx["periods"]["day/all/%s" % date] = {"malformed": "raw", "body": body}
    s.set_fixture(fx)
    r = gio(ctx, "links", "--type", "day", "--data", "all", "--date", date).expect(0)
    check_links(s, r.lines, [e for t in DATA_TYPES for e in per_type[t]])


def test_links_json_one_type(ctx):
    s = ctx.servers
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY, "--json").expect(0)
    assert len(r.lines) == 1, r.why()
    o = json.loads(r.lines[0])
    assert set(o) == JSON_KEYS, "keys %s" % sorted(o)
    assert (o["project"], o["type"], o["data"], o["date"], o["status"], o["exit"],
            o["error"]) == (AI, "day", "visit", DAY, "FINISHED", 0, None), o
    check_links(s, o["links"], server_files(s, "visit", behaviour=VISIT))
    # zero links: an empty array
    r = gio(ctx, "links", "--type", "day", "--data", "pvar", "--date", DAY, "--json").expect(0)
    o = json.loads(r.out)
    assert o["links"] == [] and o["status"] == "FINISHED" and o["exit"] == 0, o
    r = gio(ctx, "links", "--type", "day", "--data", "pvar", "--date", DAY).expect(0)
    assert r.out == "", "zero links print nothing: %s" % r.why()


def test_links_json_all_types(ctx):
    s = ctx.servers
    r = gio(ctx, "links", "--type", "day", "--data", "all", "--date", DAY, "--json").expect(0)
    objs = [json.loads(line) for line in r.lines]
    assert [o["data"] for o in objs] == list(DATA_TYPES), [o.get("data") for o in objs]
    exp = all_expected(s)
    for o in objs:
        assert set(o) == JSON_KEYS, "keys %s" % sorted(o)
        assert (o["project"], o["type"], o["date"], o["status"], o["exit"], o["error"]) == \
            (AI, "day", DAY, "FINISHED", 0, None), o
        check_links(s, o["links"], [e for t, e in exp if t == o["data"]])


def test_links_json_on_failure(ctx):
    r = gio(ctx, "links", "--type", "day", "--data", "evar", "--date", DAY, "--json").expect(4)
    assert len(r.lines) == 1, r.why()
    o = json.loads(r.out)
    assert set(o) == JSON_KEYS, sorted(o)
    assert (o["data"], o["status"], o["links"], o["exit"]) == ("evar", "NOT_EXISTS", [], 4), o
    assert isinstance(o["error"], str) and o["error"], o
    r = gio(ctx, "links", "--type", "day", "--data", "all", "--date", "20261120",
            "--json").expect(4)
    objs = [json.loads(line) for line in r.lines]
    assert [o["data"] for o in objs] == list(DATA_TYPES), r.why()
    for o in objs:
        assert (o["status"], o["links"], o["exit"]) == ("NOT_EXISTS", [], 4), o
        assert set(o) == JSON_KEYS, sorted(o)


def test_links_escape_styles(ctx):
    s = ctx.servers
    exp = server_files(s, "visit", behaviour=VISIT)
    for style in ("normal", "slash", "unicode", "all"):
        fx = FIXTURE()
        fx["escape_style"] = style
        s.set_fixture(fx)
        r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY).expect(0)
        check_links(s, r.lines, exp)
        r = gio(ctx, "links", "--type", "day", "--data", "all", "--date", DAY).expect(0)
        check_links(s, r.lines, [e for _, e in all_expected(s)])


def test_links_quiet_and_verbose(ctx):
    s = ctx.servers
    exp = server_files(s, "visit", behaviour=VISIT)
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY, "-q").expect(0)
    assert r.err == "", "-q: %s" % r.why()
    check_links(s, r.lines, exp)
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY, "-v").expect(0)
    check_links(s, r.lines, exp)
    want = re.compile(r"^giofetch: > GET https://localhost:%d/v2/insights/day/visit/%s/%s\.json"
                      % (s.api_port, AI, DAY))
    assert any(want.match(line) for line in r.err.splitlines()), "no request line: %s" % r.why()
    for bad in ("expire=", "X-Amz-Signature", "Expires=", "Authorization", TOKEN):
        assert bad not in r.err, "-v shows %r: %s" % (bad, r.why())
