"""The local servers' own tests: they follow and enforce the export API (gioserver.py), so no
client test can pass against a server that accepts anything."""

import base64
import csv
import gzip
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse

import gioserver
import harness
import pki
import sampledata
from netutil import call, url_target
import procs

NEEDS_CLI = False
SERVERS = "module"

TOKEN = "tok-e2e-0123456789"
AI = "proj-1"
DAY = "20261127"
HOUR = "2026112712"
SERVER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "server")


def FIXTURE():
    # Flag-only rate limit: the rule tests send many calls in a row on purpose.
    return {
        "token": TOKEN, "project": AI,
        "rate_limit": {"calls": 2, "window_s": 1.0, "enforce": False},
        "periods": {
            "day/visit/%s" % DAY: {"parts": 2, "rows": 30, "md5": ["hex", "content-md5"]},
            "hour/visit/%s" % HOUR: {"parts": 1, "rows": 10},
            "day/all/%s" % DAY: {"rows": 10, "types": {"visit": {"parts": 2}},
                                 "omit": ["vstr"]},
            "day/page/%s" % DAY: {"status": "RUNNING"},
            "day/action/%s" % DAY: {"status": "ERROR", "error_msg": "磁盘满了 disk full"},
            "day/evar/%s" % DAY: {"status": "NOT_EXISTS"},
            "day/pvar/%s" % DAY: {"parts": 0},
        },
    }


# ---- helpers ----------------------------------------------------------------------------------

def conn_to(base, ctx=None, timeout=10):
    u = urllib.parse.urlsplit(base)
    if u.scheme == "https":
        return http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=timeout)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def request(s, path, token=TOKEN, headers=None, method="GET", body=None, base=None, conn=None):
    """(status, headers dict (lower-case names), raw body) of one API call."""
    h = {}
    if token is not None:
        h["Authorization"] = token
    h.update(headers or {})
    c = conn or conn_to(base or s.api_base, s.ssl_context())
    try:
        return call(c, method, path, body=body, headers=h)
    finally:
        if conn is None:
            c.close()


def export(s, export_type="day", data_type="visit", ai=AI, date=DAY, expire="5", **kw):
    if data_type == "all":
        path = "/v2/insights/%s/%s/%s.json" % (export_type, ai, date)
    else:
        path = "/v2/insights/%s/%s/%s/%s.json" % (export_type, data_type, ai, date)
    if expire is not None:
        path += "?expire=%s" % expire
    return request(s, path, **kw)


def export_json(s, *a, **kw):
    status, hdrs, body = export(s, *a, **kw)
    assert status == 200, "HTTP %d: %r" % (status, body[:300])
    return json.loads(body.decode("utf-8"))


def fetch(s, url, headers=None):
    c = conn_to(url, s.ssl_context())
    try:
        return call(c, "GET", url_target(url), headers=headers)
    finally:
        c.close()


def assert_answer_shape(d, export_type, data_type, date, status):
    keys = ("status", "downloadLinks", "exportType", "dataType", "exportDate", "exportVersion",
            "requestTime", "errorMsg")
    for k in keys:
        assert k in d, "answer lacks %s: %r" % (k, d)
    for k in keys:
        if k != "downloadLinks":
            assert isinstance(d[k], str), "%s is not a string: %r" % (k, d[k])
    assert d["status"] == status, d
    assert d["exportType"] == export_type and d["exportDate"] == date, d
    assert d["dataType"] == ("" if data_type == "all" else data_type), d
    assert d["exportVersion"] == "v2", d
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d$", d["requestTime"]), d["requestTime"]
    links = d["downloadLinks"]
    if data_type == "all" and status == "FINISHED":
        assert isinstance(links, dict), links
        for v in links.values():
            assert isinstance(v, list) and all(isinstance(x, str) for x in v), v
    elif data_type != "all":
        assert isinstance(links, list) and all(isinstance(x, str) for x in links), links


def base_fixture(**over):
    fx = FIXTURE()
    fx.update(over)
    return fx


# ---- the answers ------------------------------------------------------------------------------

def test_finished_answer_shape(ctx):
    s = ctx.servers
    d = export_json(s)
    assert_answer_shape(d, "day", "visit", DAY, "FINISHED")
    assert d["errorMsg"] == ""
    links = d["downloadLinks"]
    assert len(links) == 2, links
    for i, link in enumerate(links):
        u = urllib.parse.urlsplit(link)
        assert "%s://%s" % (u.scheme, u.netloc) == s.file_base, link
        assert s.file_base != s.api_base
        assert re.match(r"^part-%05d-[0-9a-f-]{36}-c000\.csv\.gz$" % i,
                        u.path.rsplit("/", 1)[1]), u.path
        q = urllib.parse.parse_qs(u.query)
        for k in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                  "X-Amz-SignedHeaders", "Expires", "X-Amz-Signature"):
            assert k in q, "link lacks %s: %s" % (k, link)
        assert q["X-Amz-Expires"] == ["300"], q  # expire=5 minutes
        assert abs(int(q["Expires"][0]) - time.time() - 300) < 5
    d = export_json(s, "hour", "visit", date=HOUR, expire="7")
    assert_answer_shape(d, "hour", "visit", HOUR, "FINISHED")
    assert "X-Amz-Expires=420&" in d["downloadLinks"][0]


def test_all_types_answer(ctx):
    s = ctx.servers
    d = export_json(s, data_type="all")
    assert_answer_shape(d, "day", "all", DAY, "FINISHED")
    links = d["downloadLinks"]
    want = [t for t in sampledata.DATA_TYPES if t != "vstr"]
    assert sorted(links) == sorted(want), sorted(links)
    assert len(links["visit"]) == 2 and len(links["page"]) == 1, links
    for t, v in links.items():
        assert "/%s/%s/day/%s/" % (AI, t, DAY) in v[0], v
    d = export_json(s, data_type="all", date="20261126")
    assert d["status"] == "NOT_EXISTS" and d["dataType"] == "", d


def test_running_not_exists_error_answers(ctx):
    s = ctx.servers
    d = export_json(s, data_type="page")
    assert_answer_shape(d, "day", "page", DAY, "RUNNING")
    assert d["downloadLinks"] == []
    d = export_json(s, data_type="evar")
    assert_answer_shape(d, "day", "evar", DAY, "NOT_EXISTS")
    d = export_json(s, data_type="action")
    assert_answer_shape(d, "day", "action", DAY, "ERROR")
    assert d["errorMsg"] == "磁盘满了 disk full", d
    d = export_json(s, data_type="custom_event")  # not in the fixture: the default
    assert d["status"] == "NOT_EXISTS", d
    s.set_fixture(base_fixture(default={"status": "RUNNING"}))
    assert export_json(s, data_type="custom_event")["status"] == "RUNNING"


def test_finished_with_zero_links(ctx):
    d = export_json(ctx.servers, data_type="pvar")
    assert_answer_shape(d, "day", "pvar", DAY, "FINISHED")
    assert d["downloadLinks"] == [], d


# ---- the rules --------------------------------------------------------------------------------

def test_every_broken_rule_is_refused(ctx):
    s = ctx.servers
    ok = "/v2/insights/day/visit/%s/%s.json?expire=5" % (AI, DAY)
    assert request(s, ok)[0] == 200
    assert request(s, "/v2/insights/day/visit/%s/%s.json" % (AI, DAY))[0] == 200, \
        "missing expire takes the default"
    bad = {
        "export type": "/v2/insights/week/visit/%s/%s.json?expire=5" % (AI, DAY),
        "export type case": "/v2/insights/Day/visit/%s/%s.json?expire=5" % (AI, DAY),
        "data type": "/v2/insights/day/visits/%s/%s.json?expire=5" % (AI, DAY),
        "data type all in typed path": "/v2/insights/day/all/%s/%s.json?expire=5" % (AI, DAY),
        "ai with dot": "/v2/insights/day/visit/a.b/%s.json?expire=5" % DAY,
        "ai too long": "/v2/insights/day/visit/%s/%s.json?expire=5" % ("a" * 65, DAY),
        "ai percent": "/v2/insights/day/visit/a%%20b/%s.json?expire=5" % DAY,
        "all-types ai": "/v2/insights/day/a$b/%s.json?expire=5" % DAY,
        "hour with a day date": "/v2/insights/hour/visit/%s/%s.json?expire=5" % (AI, DAY),
        "day with an hour date": "/v2/insights/day/visit/%s/%s.json?expire=5" % (AI, HOUR),
        "day with minutes": "/v2/insights/day/visit/%s/%s00.json?expire=5" % (AI, HOUR),
        "impossible date": "/v2/insights/day/visit/%s/20260230.json?expire=5" % AI,
        "impossible hour": "/v2/insights/hour/visit/%s/2026112724.json?expire=5" % AI,
        "month 13": "/v2/insights/day/visit/%s/20261301.json?expire=5" % AI,
        "date with dashes": "/v2/insights/day/visit/%s/2026-11-27.json?expire=5" % AI,
        "expire 0": "/v2/insights/day/visit/%s/%s.json?expire=0" % (AI, DAY),
        "expire 10081": "/v2/insights/day/visit/%s/%s.json?expire=10081" % (AI, DAY),
        "expire negative": "/v2/insights/day/visit/%s/%s.json?expire=-1" % (AI, DAY),
        "expire text": "/v2/insights/day/visit/%s/%s.json?expire=five" % (AI, DAY),
        "expire float": "/v2/insights/day/visit/%s/%s.json?expire=5.0" % (AI, DAY),
        "expire empty": "/v2/insights/day/visit/%s/%s.json?expire=" % (AI, DAY),
        "expire twice": "/v2/insights/day/visit/%s/%s.json?expire=5&expire=6" % (AI, DAY),
    }
    for why, path in bad.items():
        status, hdrs, body = request(s, path)
        assert status == 400, "%s: %s answered %d" % (why, path, status)
        assert "json" in hdrs.get("content-type", ""), hdrs
        err = json.loads(body)
        assert err.get("message"), err
    assert request(s, "/v2/insights/day/visit/%s/%s.json?expire=10080" % (AI, DAY))[0] == 200
    assert request(s, "/v2/insights/day/visit/%s/%s.json?expire=1" % (AI, DAY))[0] == 200
    assert request(s, "/v2/insights/day/%s.json?expire=5" % DAY)[0] == 404
    assert request(s, "/v2/insights/day/visit/x/%s/%s.json?expire=5" % (AI, DAY))[0] == 404
    assert request(s, "/v2/insights/day/visit/%s/%s?expire=5" % (AI, DAY))[0] == 404
    assert request(s, "/v1/insights/day/visit/%s/%s.json" % (AI, DAY))[0] == 404
    assert request(s, ok, method="POST", body=b"")[0] == 405
    assert request(s, "/v2/insights/day/%s/%s.json?expire=5" % ("x" * 64, DAY))[0] == 200
    for r in s.api_requests("export"):
        assert r["status"] in (200, 400, 404, 405), r


def test_credentials_are_enforced(ctx):
    s = ctx.servers
    path = "/v2/insights/day/visit/%s/%s.json?expire=5" % (AI, DAY)
    assert request(s, path, token=None)[0] == 401
    assert request(s, path, token="")[0] == 401
    assert request(s, path, token=TOKEN + "x")[0] == 401
    assert request(s, path, token="Token " + TOKEN)[0] == 401, "no prefix added by the server"
    assert request(s, path, token=TOKEN.upper())[0] == 401
    assert request(s, path, token=TOKEN + " ")[0] in (200, 401)  # http.client may strip it
    status, hdrs, body = request(s, path, token=None, headers={"X-Client-Id": "pub"})
    assert status == 401 and json.loads(body)["message"], body
    s.set_fixture(base_fixture(client_id="pub-key-1"))
    assert request(s, path)[0] == 401, "client id configured but missing"
    assert request(s, path, headers={"X-Client-Id": "pub-key-2"})[0] == 401
    assert request(s, path, headers={"X-Client-Id": "pub-key-1"})[0] == 200
    assert request(s, path, token="nope", headers={"X-Client-Id": "pub-key-1"})[0] == 401
    auths = [r["authorization"] for r in s.api_requests("export")]
    assert auths[0] is None and auths[2] == TOKEN + "x", auths


# ---- behaviours over several calls ------------------------------------------------------------

def test_running_then_finished_counts_polls(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(periods={"day/visit/%s" % DAY: {"running_calls": 2,
                                                                "parts": 1}}))
    got = [export_json(s)["status"] for _ in range(4)]
    assert got == ["RUNNING", "RUNNING", "FINISHED", "FINISHED"], got
    recs = s.api_requests("export")
    assert [r["call_index"] for r in recs] == [0, 1, 2, 3], recs
    assert [r["json_status"] for r in recs] == got
    s.set_fixture(s.fixture)  # a new fixture starts the count again
    assert export_json(s)["status"] == "RUNNING"


def test_429_and_500_then_ok(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(periods={
        "day/visit/%s" % DAY: {"fail_first": {"http": 429, "calls": 2, "retry_after": 1}},
        "day/page/%s" % DAY: {"fail_first": {"http": 500, "calls": 1}},
        "day/action/%s" % DAY: {"sequence": [{"http": 503, "retry_after": 2},
                                              {"status": "RUNNING"}, {"parts": 1}]},
    }))
    for _ in range(2):
        status, hdrs, body = export(s)
        assert status == 429 and hdrs.get("retry-after") == "1", (status, hdrs)
    assert export_json(s)["status"] == "FINISHED"
    status, hdrs, _ = export(s, data_type="page")
    assert status == 500 and "retry-after" not in hdrs
    assert export_json(s, data_type="page")["status"] == "FINISHED"
    status, hdrs, _ = export(s, data_type="action")
    assert status == 503 and hdrs["retry-after"] == "2"
    assert export_json(s, data_type="action")["status"] == "RUNNING"
    assert export_json(s, data_type="action")["status"] == "FINISHED"


def test_http_error_behaviours(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(periods={
        "day/visit/%s" % DAY: {"http": 401},
        "day/page/%s" % DAY: {"http": 403},
        "day/action/%s" % DAY: {"http": 418, "body": "teapot", "content_type": "text/plain"},
    }))
    assert export(s)[0] == 401 and export(s)[0] == 401
    assert export(s, data_type="page")[0] == 403
    status, hdrs, body = export(s, data_type="action")
    assert (status, body, hdrs["content-type"]) == (418, b"teapot", "text/plain")


def test_malformed_bodies(ctx):
    s = ctx.servers
    kinds = ["truncated", "not_json", "wrong_types", "unknown_status", "missing_status",
             "links_not_array", "empty", "array", "huge", "bad_escape", "nul_in_link",
             "trailing_garbage"]
    periods = {"day/%s/%s" % (t, DAY): {"malformed": k}
               for t, k in zip(sampledata.DATA_TYPES, kinds)}
    periods["day/visit/20261120"] = {"malformed": "raw", "body": '{"status":'}
    periods["day/visit/20261121"] = {"malformed": kinds[10]}
    periods["day/visit/20261122"] = {"malformed": kinds[11]}
    s.set_fixture(base_fixture(periods=periods))
    bodies = {}
    for t, k in zip(sampledata.DATA_TYPES, kinds):
        status, hdrs, body = export(s, data_type=t)
        assert status == 200, (k, status)
        assert int(hdrs["content-length"]) == len(body)
        bodies[k] = body
    for d, k in (("20261121", kinds[10]), ("20261122", kinds[11])):
        bodies[k] = export(s, date=d)[2]

    def parses(b):
        try:
            json.loads(b.decode("utf-8"))
            return True
        except ValueError:
            return False
    for k in ("truncated", "not_json", "empty", "bad_escape", "trailing_garbage"):
        assert not parses(bodies[k]), k
    assert json.loads(bodies["wrong_types"])["status"] == 1
    assert json.loads(bodies["unknown_status"])["status"] == "DONE"
    assert "status" not in json.loads(bodies["missing_status"])
    assert isinstance(json.loads(bodies["links_not_array"])["downloadLinks"], dict)
    assert isinstance(json.loads(bodies["array"]), list)
    assert len(bodies["huge"]) >= 1 << 20 and parses(bodies["huge"])
    assert "\x00" in json.loads(bodies["nul_in_link"])["downloadLinks"][0]
    assert b"\\u0000" in bodies["nul_in_link"]
    assert export(s, date="20261120")[2] == b'{"status":'


# ---- files ------------------------------------------------------------------------------------

def test_links_download_with_md5_headers(ctx):
    s = ctx.servers
    links = export_json(s)["downloadLinks"]
    for i, link in enumerate(links):
        status, hdrs, body = fetch(s, link)
        assert status == 200, status
        want = sampledata.make_part(AI, "visit", "day", DAY, i, 30)
        assert body == want, "part %d differs from the sample data" % i
        text = gzip.decompress(body).decode("utf-8")
        assert text.splitlines()[0] == ",".join(sampledata.COLUMNS["visit"])
        assert len(text.splitlines()) == 31
        md5 = hashlib.md5(body)
        if i == 0:
            assert hdrs.get("x-amz-meta-md5-hash") == md5.hexdigest(), hdrs
            assert "content-md5" not in hdrs
        else:
            assert hdrs.get("content-md5") == base64.b64encode(md5.digest()).decode(), hdrs
            assert "x-amz-meta-md5-hash" not in hdrs
            status, hdrs, part = fetch(s, link, {"Range": "bytes=0-9"})
            assert status == 206 and part == body[:10]
            assert "content-md5" not in hdrs, "Content-MD5 is for the whole body only"
    s.set_fixture(base_fixture(periods={"day/visit/%s" % DAY: {
        "parts": 4, "md5": ["none", "wrong", "both", "wrong-content-md5"]}}))
    links = export_json(s)["downloadLinks"]
    got = [fetch(s, u) for u in links]
    assert all(g[0] == 200 for g in got)
    assert "x-amz-meta-md5-hash" not in got[0][1] and "content-md5" not in got[0][1]
    assert got[1][1]["x-amz-meta-md5-hash"] != hashlib.md5(got[1][2]).hexdigest()
    assert re.match(r"^[0-9a-f]{32}$", got[1][1]["x-amz-meta-md5-hash"])
    assert got[2][1]["x-amz-meta-md5-hash"] == hashlib.md5(got[2][2]).hexdigest()
    assert got[2][1]["content-md5"] == base64.b64encode(hashlib.md5(got[2][2]).digest()).decode()
    assert got[3][1]["content-md5"] != base64.b64encode(hashlib.md5(got[3][2]).digest()).decode()


def test_tampered_and_expired_links_answer_403(ctx):
    s = ctx.servers
    link = export_json(s)["downloadLinks"][0]
    assert fetch(s, link)[0] == 200
    u = urllib.parse.urlsplit(link)
    q = urllib.parse.parse_qsl(u.query)

    def with_q(qs, path=u.path):
        return urllib.parse.urlunsplit((u.scheme, u.netloc, path,
                                        urllib.parse.urlencode(qs), ""))
    sig = dict(q)["X-Amz-Signature"]
    tampered = {
        # The first character: the last one of a base64 MD5 carries only 2
        # bits, so changing it may decode to the very same signature.
        "signature": with_q([(k, (("A" if v[0] != "A" else "B") + v[1:])
                              if k == "X-Amz-Signature" else v) for k, v in q]),
        "expires": with_q([(k, str(int(v) + 3600) if k == "Expires" else v) for k, v in q]),
        "path": with_q(q, u.path.replace("part-00000", "part-00001")),
        "no signature": with_q([(k, v) for k, v in q if k != "X-Amz-Signature"]),
        "no expires": with_q([(k, v) for k, v in q if k != "Expires"]),
        "no query": urllib.parse.urlunsplit((u.scheme, u.netloc, u.path, "", "")),
    }
    assert sig
    for why, url in tampered.items():
        status, hdrs, body = fetch(s, url)
        assert status == 403, "%s: %d" % (why, status)
        assert b"<Code>AccessDenied</Code>" in body, body
    s.set_fixture(base_fixture(link_ttl_s=1))
    link = export_json(s)["downloadLinks"][0]
    assert "X-Amz-Expires=1&" in link
    assert fetch(s, link)[0] == 200
    time.sleep(2.1)
    status, _, body = fetch(s, link)
    assert status == 403 and b"expired" in body, (status, body)
    fresh = export_json(s)["downloadLinks"][0]
    assert fetch(s, fresh)[0] == 200, "asking again gives a fresh link"


def test_range_and_keepalive_at_file_host(ctx):
    s = ctx.servers
    link = export_json(s)["downloadLinks"][0]
    full = fetch(s, link)[2]
    u = urllib.parse.urlsplit(link)
    target = u.path + "?" + u.query
    c = conn_to(s.file_base, s.ssl_context())
    try:
        answers = []
        for rng in ("bytes=10-19", "bytes=%d-" % (len(full) - 5), "bytes=%d-" % len(full),
                    None):
            status, hdrs, body = call(c, "GET", target, headers={"Range": rng} if rng else {})
            answers.append((status, hdrs.get("content-range"), body))
    finally:
        c.close()
    assert answers[0] == (206, "bytes 10-19/%d" % len(full), full[10:20]), answers[0]
    assert answers[1][0] == 206 and answers[1][2] == full[-5:]
    assert answers[2][0] == 416 and answers[2][1] == "bytes */%d" % len(full), answers[2][:2]
    assert answers[3][0] == 200 and answers[3][2] == full
    log = [e for e in s.file_requests() if e["path"] == u.path]
    last4 = log[-4:]
    assert len({e["connection"] for e in last4}) == 1, "one keep-alive connection"
    assert [e["connection_requests"] for e in last4] == [1, 2, 3, 4], last4
    assert [e["status"] for e in last4] == [206, 206, 416, 200]
    assert last4[0]["range"] == "bytes=10-19" and last4[0]["sni"] == "localhost"


def test_no_credential_reaches_the_file_host(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(client_id="pub-key-1"))
    d = export_json(s, data_type="all", headers={"X-Client-Id": "pub-key-1"})
    links = [u for v in d["downloadLinks"].values() for u in v]
    for u in links:
        assert fetch(s, u)[0] == 200
    log = s.file_requests()
    assert len(log) == len(links), (len(log), len(links))
    for e in log:
        assert e["authorization"] == "" and e["x_client_id"] == "" and e["cookie"] == "", e
        assert e["host"] == "localhost:%d" % s.file_port, e
    # the check has teeth: a leaked credential does show in the log
    fetch(s, links[0], {"Authorization": "leaked", "X-Client-Id": "pub-key-1"})
    e = s.file_requests()[-1]
    assert e["authorization"] == "leaked" and e["x_client_id"] == "pub-key-1", e
    assert all(r["authorization"] == TOKEN for r in s.api_requests("export"))


def test_add_file_serves_large_files(ctx):
    s = ctx.servers
    n = 4 << 20
    link = s.add_file("big/random-4m.bin", size=n, ttl_s=60)
    status, hdrs, body = fetch(s, link)
    assert status == 200 and len(body) == n
    assert hdrs["x-amz-meta-md5-hash"] == hashlib.md5(body).hexdigest()
    again = s.add_file("big/random-4m.bin", size=n)
    assert fetch(s, again)[2] == body, "deterministic content"
    link = s.add_file("/gio-export/extra/small.csv.gz", data=b"abc", md5="content-md5",
                      origin="http")
    assert link.startswith(s.file_base_http + "/")
    status, hdrs, body = fetch(s, link)
    assert (status, body) == (200, b"abc") and hdrs["content-md5"] == \
        base64.b64encode(hashlib.md5(b"abc").digest()).decode()
    assert fetch(s, s.sign_url("/gio-export/extra/small.csv.gz", -10))[0] == 403


# ---- transport --------------------------------------------------------------------------------

def test_tls_variants_fail_verification(ctx):
    s = ctx.servers
    ctx_ok = s.ssl_context()
    assert set(s.variant_bases) == set(harness.DEFAULT_VARIANTS)
    for name, base in s.variant_bases.items():
        port = urllib.parse.urlsplit(base).port
        with socket.create_connection(("127.0.0.1", port), 5) as raw:
            try:
                ctx_ok.wrap_socket(raw, server_hostname="localhost").close()
            except ssl.SSLCertVerificationError as e:
                ctx.log(name, e.verify_message)
                continue
        raise AssertionError("variant %s verified against the test CA" % name)
    for base in (s.api_base, s.file_base):
        port = urllib.parse.urlsplit(base).port
        with socket.create_connection(("127.0.0.1", port), 5) as raw:
            ctx_ok.wrap_socket(raw, server_hostname="localhost").close()
    # and the variants do serve the files once verification is off
    link = export_json(s)["downloadLinks"][0]
    u = urllib.parse.urlsplit(link)
    insecure = ssl._create_unverified_context()
    c = http.client.HTTPSConnection("localhost", urllib.parse.urlsplit(
        s.variant_bases["expired"]).port, context=insecure, timeout=5)
    c.request("GET", u.path + "?" + u.query)
    assert c.getresponse().status == 200
    c.close()


def test_plain_http_listeners_and_link_origins(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(periods={
        "day/visit/%s" % DAY: {"link_origin": "http"},
        "day/page/%s" % DAY: {"link_origin": "expired"},
        "day/action/%s" % DAY: {"link_base": "https://localhost:1"},
        "day/evar/%s" % DAY: {"links": ["https://localhost:1/x/a.csv.gz?a=1&b=2"],
                              "links_extra": []},
        "day/pvar/%s" % DAY: {"names": ["weird name.csv.gz", "MANIFEST"], "parts": 3},
    }))
    d = json.loads(request(s, "/v2/insights/day/visit/%s/%s.json?expire=5" % (AI, DAY),
                           base=s.api_base_http)[2])
    link = d["downloadLinks"][0]
    assert link.startswith(s.file_base_http + "/"), link
    status, _, body = fetch(s, link)
    assert status == 200 and body[:2] == b"\x1f\x8b"
    assert export_json(s, data_type="page")["downloadLinks"][0].startswith(
        s.variant_bases["expired"])
    assert export_json(s, data_type="action")["downloadLinks"][0].startswith(
        "https://localhost:1/")
    assert export_json(s, data_type="evar")["downloadLinks"] == \
        ["https://localhost:1/x/a.csv.gz?a=1&b=2"]
    links = export_json(s, data_type="pvar")["downloadLinks"]
    names = [urllib.parse.urlsplit(u).path.rsplit("/", 1)[1] for u in links]
    assert names[:2] == ["weird%20name.csv.gz", "MANIFEST"], names
    assert names[2].startswith("part-00002-"), names
    assert all(fetch(s, u)[0] == 200 for u in links)


def test_api_keepalive_and_request_log(ctx):
    s = ctx.servers
    c = conn_to(s.api_base, s.ssl_context())
    try:
        for _ in range(3):
            status, hdrs, _ = request(s, "/v2/insights/day/visit/%s/%s.json?expire=5"
                                      % (AI, DAY), conn=c)
            assert status == 200 and "content-length" in hdrs
            assert hdrs.get("connection", "").lower() != "close"
    finally:
        c.close()
    recs = s.api_requests("export")
    assert len(recs) == 3
    assert len({r["conn"] for r in recs}) == 1, [r["conn"] for r in recs]
    assert [r["conn_request"] for r in recs] == [1, 2, 3]
    r = recs[0]
    assert r["method"] == "GET" and r["path"].endswith("/%s.json" % DAY), r
    assert r["args"] == {"expire": "5"} and r["authorization"] == TOKEN
    assert r["headers"]["Authorization"] == TOKEN and r["sni"] == "localhost", r
    assert r["version"] == "HTTP/1.1" and r["tls"] is True and r["expire"] == 5
    assert r["period"] == "day/visit/%s" % DAY and r["ai"] == AI


# ---- JSON escapes -----------------------------------------------------------------------------

def test_escape_styles_decode_to_the_same_links(ctx):
    s = ctx.servers
    raw_link = "https://localhost:1/gio-export/x/part-00000.csv.gz?a=1&b=2&X-Amz-Signature=q"
    fixed = {"links": [raw_link], "error_msg": "错误 😵 <&>"}
    for style in ("normal", "slash", "unicode", "all"):
        s.set_fixture(base_fixture(escape_style=style, periods={
            "day/visit/%s" % DAY: dict(fixed),
            "day/action/%s" % DAY: {"status": "ERROR", "error_msg": "失败 😵 a/b&c=d"},
            "day/page/%s" % DAY: {"parts": 1},
        }))
        status, _, body = export(s)
        d = json.loads(body.decode("utf-8"))
        assert d["downloadLinks"] == [raw_link], (style, d)
        err = json.loads(export(s, data_type="action")[2].decode("utf-8"))["errorMsg"]
        assert err == "失败 😵 a/b&c=d", (style, err)
        raw_err = export(s, data_type="action")[2]
        if style in ("slash", "all"):
            assert b"https:\\/\\/localhost:1\\/gio-export" in body, body
            assert b"/" not in body.replace(b"\\/", b""), body
        else:
            assert b"\\/" not in body
        if style in ("unicode", "all"):
            assert b"\\u0026" in body and b"\\u003D" in body and b"&" not in body, body
            assert b"\\ud83d\\ude80" in body, "a surrogate pair in the answer"
            assert b"\\ud83d\\ude35" in raw_err and b"\\u5931" in raw_err, raw_err
            assert max(body) < 0x80, "pure ASCII"
        else:
            assert b"&" in body and b"\\u" not in body
            assert "😵".encode() in raw_err
        link = json.loads(export(s, data_type="page")[2].decode("utf-8"))["downloadLinks"][0]
        status, hdrs, data = fetch(s, link)
        assert status == 200 and hdrs["x-amz-meta-md5-hash"] == hashlib.md5(data).hexdigest()


# ---- minting ----------------------------------------------------------------------------------

def _mint(s, project="uid-1", ai=AI, tm=None, secret="s3cret", client_id="pub-key-1",
          ctype="application/x-www-form-urlencoded", method="POST", auth=None):
    tm = str(int(time.time() * 1000)) if tm is None else str(tm)
    sig = auth or gioserver.mint_auth(secret, project, ai, tm)
    body = "project=%s&ai=%s&tm=%s&auth=%s" % (project, ai, tm, sig)
    h = {"Content-Type": ctype} if ctype else {}
    if client_id is not None:
        h["X-Client-Id"] = client_id
    status, hdrs, data = request(s, "/auth/token", token=None, headers=h, method=method,
                                 body=body.encode())
    return status, json.loads(data.decode("utf-8")) if data else None


def test_minting(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(project_uid="uid-1", secret="s3cret", client_id="pub-key-1",
                               minted_token="minted-token-42"))
    status, d = _mint(s)
    assert (status, d) == (200, {"status": "success", "code": "minted-token-42"}), (status, d)
    path = "/v2/insights/day/visit/%s/%s.json?expire=5" % (AI, DAY)
    assert request(s, path, token=d["code"], headers={"X-Client-Id": "pub-key-1"})[0] == 200
    assert request(s, path, token=d["code"])[0] == 401, "client id still required"
    refused = {
        "wrong secret": _mint(s, secret="other"),
        "wrong project": _mint(s, project="uid-2"),
        "old tm": _mint(s, tm=int(time.time() * 1000) - 6 * 60 * 1000),
        "future tm": _mint(s, tm=int(time.time() * 1000) + 6 * 60 * 1000),
        "no client id": _mint(s, client_id=None),
        "other client id": _mint(s, client_id="pub-key-2"),
    }
    for why, (status, d) in refused.items():
        assert status in (401, 403), "%s: %d" % (why, status)
        assert d["status"] != "success" and d.get("message"), d
    tm = int(time.time() * 1000) - 4 * 60 * 1000
    assert _mint(s, tm=tm)[0] == 200, "4 minutes of skew is fine"
    assert _mint(s, ctype="text/plain")[0] == 400
    assert _mint(s, method="GET")[0] == 405
    status, hdrs, data = request(s, "/auth/token", token=None,
                                 headers={"X-Client-Id": "pub-key-1",
                                          "Content-Type": "application/x-www-form-urlencoded"},
                                 method="POST", body=b"project=uid-1&ai=" + AI.encode())
    assert status == 400, status
    recs = s.api_requests("mint")
    assert recs[0]["mint"]["project"] == "uid-1" and recs[0]["status"] == 200
    s.set_fixture(base_fixture())
    assert _mint(s)[0] == 401, "minting off without project_uid/secret"


# ---- rate limit -------------------------------------------------------------------------------

def test_rate_limit_flag(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(rate_limit={"calls": 2, "window_s": 1.0}))
    got = [export(s) for _ in range(3)]
    assert [g[0] for g in got] == [200, 200, 429], [g[0] for g in got]
    assert got[2][1]["retry-after"] == "1"
    recs = s.api_requests("export")
    assert [r["rate_violation"] for r in recs] == [False, False, True], recs
    time.sleep(1.05)
    assert export(s)[0] == 200 and not s.api_requests("export")[-1]["rate_violation"]
    s.reset()
    time.sleep(0.55)
    for _ in range(3):
        assert export(s)[0] == 200
        time.sleep(0.55)
    assert not any(r["rate_violation"] for r in s.api_requests("export"))
    # flag-only mode answers normally but still flags
    s.set_fixture(base_fixture())
    s.reset()
    assert [export(s)[0] for _ in range(3)] == [200, 200, 200]
    assert [r["rate_violation"] for r in s.api_requests("export")] == [False, False, True]


# ---- control endpoints, fixture checks --------------------------------------------------------

def test_control_endpoints(ctx):
    s = ctx.servers
    fx = base_fixture(periods={"day/visit/%s" % DAY: {"status": "RUNNING"}})
    status, _, body = request(s, "/_test/fixture", token=None, method="POST",
                              body=json.dumps(fx).encode(),
                              headers={"Content-Type": "application/json"})
    assert status == 200, body
    assert export_json(s)["status"] == "RUNNING"
    status, _, body = request(s, "/_test/requests", token=None)
    recs = json.loads(body)
    assert status == 200 and len(recs) == 1 and recs[0]["json_status"] == "RUNNING", recs
    assert request(s, "/_test/reset", token=None, method="POST", body=b"")[0] == 200
    assert json.loads(request(s, "/_test/requests", token=None)[2]) == []
    got = json.loads(request(s, "/_test/fixture", token=None)[2])
    assert got["periods"] == fx["periods"]
    status, _, body = request(s, "/_test/fixture", token=None, method="POST",
                              body=b'{"token": "t", "periodz": {}}')
    assert status == 400 and b"periodz" in body
    for bad in ({"token": ""}, {"token": "t", "periods": {"day/visit/x": {"parts_": 1}}},
                {"token": "t", "periods": {"week/visit/20261127": {}}},
                {"token": "t", "periods": {"day/visit/20261127": {"status": "DONE"}}},
                {"token": "t", "escape_style": "xml"}):
        try:
            gioserver.validate_fixture(bad)
        except ValueError:
            continue
        raise AssertionError("accepted a bad fixture: %r" % bad)


def test_pattern_periods_and_ai_keys(ctx):
    s = ctx.servers
    s.set_fixture({"token": TOKEN, "rate_limit": None, "periods": {
        "day/visit/other-ai/%s" % DAY: {"status": "ERROR"},
        "hour/*/%s??" % DAY: {"parts": 1, "rows": 5},
        "day/visit/%s" % DAY: {"status": "RUNNING"},
    }})
    assert export_json(s)["status"] == "RUNNING"
    assert export_json(s, ai="other-ai")["status"] == "ERROR"
    for t in ("visit", "vstr"):
        d = export_json(s, "hour", t, date=DAY + "07")
        assert d["status"] == "FINISHED" and len(d["downloadLinks"]) == 1
        assert fetch(s, d["downloadLinks"][0])[0] == 200
    d = export_json(s, "hour", "all", date=DAY + "23")
    assert sorted(d["downloadLinks"]) == sorted(sampledata.DATA_TYPES)
    assert export_json(s, "hour", "visit", date="2026112807")["status"] == "NOT_EXISTS"


def test_delay_and_close_actions(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(periods={
        "day/visit/%s" % DAY: {"delay_s": 0.5, "parts": 1},
        "day/page/%s" % DAY: {"action": "close"},
    }))
    t0 = time.monotonic()
    assert export_json(s)["status"] == "FINISHED"
    assert time.monotonic() - t0 >= 0.45
    try:
        export(s, data_type="page")
    except (http.client.RemoteDisconnected, ConnectionError, ssl.SSLError):
        pass
    else:
        raise AssertionError("the connection was not dropped")


# ---- the pieces on their own ------------------------------------------------------------------

def test_sampledata_is_deterministic(ctx):
    a = sampledata.make_part("p", "custom_event", "hour", HOUR, 0, 50)
    assert a == sampledata.make_part("p", "custom_event", "hour", HOUR, 0, 50)
    assert a != sampledata.make_part("p", "custom_event", "hour", HOUR, 1, 50)
    assert a[:4] == b"\x1f\x8b\x08\x00" and a[4:8] == b"\x00\x00\x00\x00", "gzip mtime 0"
    assert sampledata.part_name("p", "visit", "day", DAY, 0)[:11] == "part-00000-"
    assert sampledata.part_name("p", "visit", "day", DAY, 0)[11:] == \
        sampledata.part_name("p", "visit", "day", DAY, 3)[11:], "one uuid per export"
    for t in sampledata.DATA_TYPES:
        rows = gzip.decompress(sampledata.make_part("p", t, "day", DAY, 0, 5)).decode()
        table = list(csv.reader(rows.splitlines()))
        assert table[0] == sampledata.COLUMNS[t] and len(table) == 6, t
        assert all(len(r) == len(table[0]) for r in table), t
    ev = list(csv.reader(gzip.decompress(sampledata.make_part(
        "p", "custom_event", "hour", HOUR, 0, 20)).decode().splitlines()))
    cols = ev[0]
    t_ms = [int(r[cols.index("time")]) for r in ev[1:]]
    start = 1795752000000  # 2026-11-27 12:00 Beijing
    assert all(start <= t < start + 3600000 for t in t_ms), "times inside the hour"
    assert "eventName" in cols and "eventVariable" in cols and "loginUserId" in cols


def test_pki_is_idempotent_and_complete(ctx):
    d = os.path.join(ctx.tmp, "pki")
    first = pki.make_pki(d)
    stamp = {n: os.path.getmtime(c) for n, (c, k) in first.items()}
    second = pki.make_pki(d)
    assert {n: os.path.getmtime(c) for n, (c, k) in second.items()} == stamp
    for name, (crt, key) in first.items():
        assert os.path.getsize(crt) > 0 and os.path.getsize(key) > 0, name

    def text(name):
        return procs.run(["openssl", "x509", "-in", first[name][0], "-noout", "-text"],
                              stdout=subprocess.PIPE, universal_newlines=True,
                              check=True).stdout
    ca = text("ca")
    assert "CA:TRUE" in ca and "Certificate Sign" in ca and "prime256v1" in ca
    srv = text("server")
    assert "DNS:localhost" in srv and "IP Address:127.0.0.1" in srv
    assert "Not Before: Jan  1 00:00:00 2020 GMT" in text("expired")
    assert "Not Before: Jan  1 00:00:00 2040 GMT" in text("future")
    assert "DNS:not-localhost.invalid" in text("wrongname")

    def verify(name):
        return procs.run(["openssl", "verify", "-CAfile", first["ca"][0],
                               first[name][0]], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).returncode
    assert verify("server") == 0 and verify("wrongname") == 0
    for name in ("expired", "future", "selfsigned", "unknownca-server"):
        assert verify(name) != 0, name


def test_run_servers_demo(ctx):
    ready = os.path.join(ctx.tmp, "ready.json")
    work = os.path.join(ctx.tmp, "demo")
    proc = procs.popen([sys.executable, os.path.join(SERVER_DIR, "run_servers.py"),
                             "--date", "20261127", "--workdir", work, "--ready-file", ready],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(ready):
            assert proc.poll() is None, "run_servers exited: %s" % proc.stdout.read()
            assert time.monotonic() < deadline, "run_servers not ready in 20 s"
            time.sleep(0.05)
        info = json.load(open(ready))
        for k in ("api_base", "file_base", "file_base_http", "ca_file", "token_file"):
            assert k in info, info
        assert oct(os.stat(info["token_file"]).st_mode & 0o777) == "0o600"
        token = open(info["token_file"]).read().strip()
        sslctx = ssl.create_default_context(cafile=info["ca_file"])
        u = urllib.parse.urlsplit(info["api_base"])
        c = http.client.HTTPSConnection("localhost", u.port, context=sslctx, timeout=10)
        c.request("GET", "/v2/insights/day/demo-project/20261127.json?expire=5",
                  headers={"Authorization": token})
        d = json.loads(c.getresponse().read())
        c.close()
        assert d["status"] == "FINISHED", d
        counts = {t: len(v) for t, v in d["downloadLinks"].items()}
        assert sorted(counts) == sorted(sampledata.DATA_TYPES) and counts["visit"] == 3, counts
        assert _nginx_pids(work), "nginx runs for the demo"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert proc.returncode == 0, (proc.returncode, out[-2000:])
    assert "api_base=https://localhost:" in out and "ready" in out, out
    left = _nginx_pids(work)
    assert not left, "nginx left behind: %s" % left


def _nginx_pids(marker):
    """pids of processes whose command line mentions marker (read from /proc)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if "nginx" in cmd and marker in cmd:
            out.append(int(pid))
    return out


def test_flaky_links_redirects_and_extra_headers(ctx):
    s = ctx.servers
    s.set_fixture(base_fixture(periods={
        "day/visit/%s" % DAY: {"parts": 1, "rows": 200, "flaky": {"cut_after": 100}},
        "day/page/%s" % DAY: {"parts": 1, "flaky": {"status": 500, "calls": 2,
                                                     "retry_after": 1}},
        "day/action/%s" % DAY: {"parts": 1, "md5": "content-md5",
                                "flaky": {"ignore_range": True}},
        "day/evar/%s" % DAY: {"http": 302, "headers": {"Location": "http://localhost:1/x"}},
        "day/pvar/%s" % DAY: {"status": "RUNNING", "headers": {"X-Request-Id": "r-1"}},
    }))
    link = export_json(s)["downloadLinks"][0]
    assert link.startswith(s.api_base + "/_flaky/"), link
    want = sampledata.make_part(AI, "visit", "day", DAY, 0, 200)
    u = urllib.parse.urlsplit(link)
    c = conn_to(s.api_base, s.ssl_context())
    c.request("GET", u.path + "?" + u.query)
    r = c.getresponse()
    assert r.status == 200 and int(r.getheader("Content-Length")) == len(want)
    try:
        got = r.read()
        raise AssertionError("whole body arrived (%d bytes)" % len(got))
    except http.client.IncompleteRead as e:
        assert e.partial == want[:100], len(e.partial)
    c.close()
    status, hdrs, body = fetch(s, link, {"Range": "bytes=100-"})
    assert status == 206 and body == want[100:], status
    assert hdrs["x-amz-meta-md5-hash"] == hashlib.md5(want).hexdigest()
    assert fetch(s, link)[2] == want
    plink = export_json(s, data_type="page")["downloadLinks"][0]
    st = [fetch(s, plink) for _ in range(3)]
    assert [x[0] for x in st] == [500, 500, 200] and st[0][1]["retry-after"] == "1"
    alink = export_json(s, data_type="action")["downloadLinks"][0]
    status, hdrs, body = fetch(s, alink, {"Range": "bytes=5-"})
    assert status == 200 and "content-md5" in hdrs, "first call ignores Range"
    status, hdrs, part = fetch(s, alink, {"Range": "bytes=5-"})
    assert status == 206 and part == body[5:] and "content-md5" not in hdrs
    tampered = plink.replace("Expires=", "Expires=9")
    assert fetch(s, tampered)[0] == 403
    assert fetch(s, s.api_base + "/_flaky/nope/x.csv.gz")[0] == 404
    files = s.api_requests("file")
    assert files and all(r["authorization"] is None for r in files), files
    status, hdrs, _ = export(s, data_type="evar")
    assert status == 302 and hdrs["location"] == "http://localhost:1/x"
    status, hdrs, _ = export(s, data_type="pvar")
    assert status == 200 and hdrs["x-request-id"] == "r-1"
    status, hdrs, _ = request(s, "/_redirect?status=307&to=" + urllib.parse.quote(link),
                              token=None)
    assert status == 307 and hdrs["location"] == link
    assert s.api_requests("redirect")[-1]["status"] == 307
