"""giofetch credentials: the token is never printed (not with -v, not in errors, not in files),
--token-file wins over GIO_TOKEN, a group/other-readable token file warns, control characters
are refused (exit 2, nothing sent), only the first line counts; GIO_CLIENT_ID goes to the API
as X-Client-Id; the file host never sees a credential; the API's rate limit never trips."""

import json
import os

from cliutil import (AI, DAY, TOKEN, base_fixture, check_export_folder, gio, server_files,
                     tree)

SERVERS = "module"
TIMEOUT = 60

VISIT = {"parts": 2, "rows": 10}
CLIENT_ID = "pub-key-e2e-77"
SECRET = "s3cret-SECRET-hmac-e2e"
MINTED = "minted-SECRET-token-e2e"


def FIXTURE():
    return base_fixture({
        "day/visit/%s" % DAY: dict(VISIT),
        "day/page/%s" % DAY: {"status": "ERROR", "error_msg": "boom " + TOKEN[:6]},
        "day/action/%s" % DAY: {"md5": "wrong", "rows": 10},
        "day/evar/%s" % DAY: {"malformed": "truncated", "rows": 10},
        "day/pvar/%s" % DAY: {"rows": 10, "parts": 3, "flaky": {"calls": 1, "status": 403}},
        "day/vstr/%s" % DAY: {"running_calls": 2, "rows": 10},
        "day/ads_track_click/%s" % DAY: {"rows": 10, "flaky": {"calls": 1, "status": 403}},
    })


def token_file(ctx, name, content, mode=0o600):
    p = os.path.join(ctx.tmp, name)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(content.encode("utf-8") if isinstance(content, str) else content)
    os.chmod(p, mode)
    return p


def fetch(ctx, out, data="visit", *more, **kw):
    return gio(ctx, "fetch", "--type", "day", "--data", data, "--date", DAY, "--out", out,
               *more, **kw)


def no_token_in_files(root, *secrets):
    for rel, data in tree(root).items():
        for sec in secrets:
            assert sec.encode() not in data and sec.encode() not in rel.encode(), \
                "secret written into %s" % rel


def test_token_never_printed(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    for data, rc in (("visit", 0), ("page", 5), ("action", 9), ("evar", 8), ("vstr", 3)):
        for extra in ((), ("-v",), ("--json", "-v")):
            s.reset()  # vstr: RUNNING again
            r = fetch(ctx, out, data, *extra)  # gio() checks stdout and stderr
            assert r.rc == rc, "%s %s: %s" % (data, extra, r.why())
    out2 = os.path.join(ctx.tmp, "out2")
    r = fetch(ctx, out2, "visit", "-v", token="wrong-SECRET-token-0042")
    assert r.rc == 6 and "401" in r.err, r.why()
    r = fetch(ctx, out2, "visit", "-v", base_url="https://localhost:1").expect(7)
    tf = token_file(ctx, "tok", TOKEN + "\n")
    r = fetch(ctx, out2, "visit", "-v", "--token-file", tf, token=None)
    assert r.rc == 0, r.why()
    assert TOKEN not in r.err and TOKEN not in r.out
    no_token_in_files(out, TOKEN)
    no_token_in_files(out2, TOKEN)
    for rq in s.api_requests("export"):  # it was sent, to the API only
        assert rq["authorization"] in (TOKEN, "wrong-SECRET-token-0042"), rq["authorization"]


def test_token_file_wins_over_gio_token(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    good = token_file(ctx, "good", TOKEN + "\n")
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
            "--token-file", good, token="env-SECRET-wrong-1").expect(0)
    assert [x["authorization"] for x in r.exports] == [TOKEN], r.exports
    bad = token_file(ctx, "bad", "file-SECRET-wrong-2\n")
    r = fetch(ctx, out, "visit", "--token-file", bad, token=TOKEN,
              secrets=("file-SECRET-wrong-2",)).expect(6)
    assert [x["authorization"] for x in r.exports] == ["file-SECRET-wrong-2"], r.exports
    # GIO_TOKEN alone
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY).expect(0)
    assert [x["authorization"] for x in r.exports] == [TOKEN]
    # none at all: a usage error, nothing sent
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
            token=None).expect(2)
    assert r.exports == [] and r.api == []


def test_token_file_readable_by_others_warns(ctx):
    for mode in (0o644, 0o640, 0o604):
        p = token_file(ctx, "tok-%o" % mode, TOKEN + "\n", mode)
        r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
                "--token-file", p, token=None).expect(0)
        warn = [line for line in r.err.splitlines() if "warning" in line.lower()]
        assert warn and p in warn[0], "mode %o: no warning naming the file: %s" % (mode,
                                                                                 r.why())
        assert len(r.lines) == 2, r.why()
    p = token_file(ctx, "tok-600", TOKEN + "\n", 0o600)
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
            "--token-file", p, token=None).expect(0)
    assert "warning" not in r.err.lower(), r.why()


def test_token_with_control_characters_refused(ctx):
    s = ctx.servers
    s.reset()
    cases = [("file", "tok\x01en-SECRET\n"), ("file", "tok\ten-SECRET\n"),
             ("file", "tok\x7fen-SECRET\n"), ("file", "\x1b[31mtoken-SECRET\n"),
             ("env", "tok\x1ben-SECRET"), ("env", "tok\ten-SECRET")]
    for i, (where, value) in enumerate(cases):
        if where == "file":
            p = token_file(ctx, "ctl-%d" % i, value)
            r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
                    "--token-file", p, token=None)
        else:
            r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
                    token=value)
        assert r.rc == 2, "%s %r: %s" % (where, value, r.why())
        assert r.out == "", r.why()
        plain = value.strip("\n")
        assert plain not in r.err and "en-SECRET" not in r.err, "token echoed: %s" % r.why()
    # a client id with a control character: refused the same way
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
            client_id="pub\x01key")
    assert r.rc == 2 and r.out == "", r.why()
    assert s.api_requests() == [], "a request was sent with a bad token"
    # an empty token file is refused too
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
            "--token-file", token_file(ctx, "empty", "\n"), token=None).expect(2)


def test_token_file_first_line_only(ctx):
    for i, content in enumerate([TOKEN + "\nsecond-line-SECRET\n", TOKEN + "\r\nmore\r\n",
                                 TOKEN, TOKEN + "\rold-mac\r"]):
        p = token_file(ctx, "first-%d" % i, content)
        r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
                "--token-file", p, token=None, secrets=("second-line-SECRET",)).expect(0)
        assert [x["authorization"] for x in r.exports] == [TOKEN], \
            "%r sent as %r" % (content, [x["authorization"] for x in r.exports])


def test_token_sent_raw_with_its_own_prefix(ctx):
    s = ctx.servers
    fx = FIXTURE()
    fx["token"] = "Token " + TOKEN
    s.set_fixture(fx)
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
            token="Token " + TOKEN).expect(0)
    assert [x["authorization"] for x in r.exports] == ["Token " + TOKEN], r.exports
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY).expect(6)
    assert [x["authorization"] for x in r.exports] == [TOKEN], "a prefix was added"


def test_client_id_goes_to_the_api_only(ctx):
    s = ctx.servers
    fx = FIXTURE()
    fx["client_id"] = CLIENT_ID
    s.set_fixture(fx)
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", client_id=None).expect(6)  # the API wants X-Client-Id
    assert [x["client_id"] for x in r.exports] == [None], r.exports
    s.reset()
    r = fetch(ctx, out, "ads_track_click", "-v", client_id=CLIENT_ID).expect(0)
    assert len(r.exports) == 2 and all(x["client_id"] == CLIENT_ID and
                                       x["authorization"] == TOKEN for x in r.exports), r.exports
    assert CLIENT_ID not in r.err, "-v shows the client id: %s" % r.why()
    check_export_folder(out, "ads_track_click", server_files(s, "ads_track_click",
                                                             behaviour={"rows": 10}))
    files = s.api_requests("file")  # links on the API's own origin
    assert files, "the flaky links were not used"
    for f in files:
        assert f["authorization"] is None and f["client_id"] is None, \
            "credential sent to a link: %s" % f["headers"]
        assert not any(k.lower() in ("authorization", "x-client-id", "cookie")
                       for k in f["headers"]), f["headers"]


def test_file_host_never_sees_credentials(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    fetch(ctx, out, "visit").expect(0)
    fetch(ctx, os.path.join(ctx.tmp, "out2"), "all", "-v", client_id=CLIENT_ID)  # may be 3
    log = s.file_requests()
    assert log, "nothing was downloaded"
    for f in log:
        assert (f["authorization"], f["x_client_id"], f["cookie"]) == ("", "", ""), \
            "credential sent to the file host: %s" % json.dumps(f)
    assert TOKEN not in json.dumps(log) and CLIENT_ID not in json.dumps(log)


def test_rate_limit_never_trips(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    # RUNNING polls, then downloads
    r = fetch(ctx, out, "vstr", "--wait", "20").expect(0)
    assert len(r.exports) == 3, r.exports
    # 1 call + one re-ask per expired link (3): four calls from one process, back to back
    r = fetch(ctx, out, "pvar").expect(0)
    assert len(r.exports) >= 2, r.exports
    for rq in s.api_requests():
        assert not rq["rate_violation"] and rq["status"] != 429, \
            "rate limit tripped: %s" % [(x["path"], round(x["mono"], 3), x["status"])
                                        for x in s.api_requests()]


def test_minted_token_and_secret_never_printed(ctx):
    s = ctx.servers
    fx = FIXTURE()
    fx.update(project_uid="uid-e2e", secret=SECRET, minted_token=MINTED, client_id=CLIENT_ID)
    s.set_fixture(fx)
    sec = token_file(ctx, "secret", SECRET + "\n", 0o600)
    env = {"GIO_PROJECT_UID": "uid-e2e", "GIO_SECRET_FILE": sec}
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", "-v", token=None, client_id=CLIENT_ID, env=env,
              secrets=(SECRET, MINTED)).expect(0)
    assert [x["authorization"] for x in r.exports] == [MINTED], r.exports
    assert len([x for x in r.api if x["kind"] == "mint"]) == 1, r.api
    check_export_folder(out, "visit", server_files(s, "visit", behaviour=VISIT))
    no_token_in_files(out, SECRET, MINTED)
    os.chmod(sec, 0o644)
    r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY, token=None,
            client_id=CLIENT_ID, env=env, secrets=(SECRET, MINTED)).expect(0)
    assert "warning" in r.err.lower() and sec in r.err, r.why()
    assert AI  # the project id is in the mint request, checked by the server
