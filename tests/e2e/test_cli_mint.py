"""Minted tokens end to end (issue 7): GIO_PROJECT_UID + GIO_SECRET_FILE + GIO_CLIENT_ID and
no GIO_TOKEN make the CLI POST /auth/token (X-Client-Id, form body project/ai/tm/auth with auth
the hex HMAC-SHA256 of "POST\\n/auth/token\\nproject=..&ai=..&tm=.." under the secret; the local
server checks the signature and the clock skew), then every export call carries the minted
token. A wrong secret is exit 6, a missing GIO_CLIENT_ID exit 2; neither the secret nor the
token ever shows in any output, -v included.
"""

import hashlib
import hmac
import json
import os
import time
import urllib.parse

SERVERS = "module"
TIMEOUT = 60

AI = "mint-ai"
UID = "uid-77"
SECRET = "s3cret-HMAC-key-9f2"
MINTED = "minted-tok-5e2a77"
STATIC = "static-token-unused-1"  # the fixture's own token (the API accepts it too)
CLIENT_ID = "pub-key-7"
D1, D2 = "20261101", "20261102"


def FIXTURE():
    return {"token": STATIC, "client_id": CLIENT_ID, "project_uid": UID, "secret": SECRET,
            "minted_token": MINTED, "project": AI, "default": {"status": "NOT_EXISTS"},
            "rate_limit": {"calls": 2, "window_s": 1.0, "enforce": False},
            "periods": {"day/visit/" + D1: {"parts": 2}, "day/visit/" + D2: {"parts": 1}}}


# ---- helpers --------------------------------------------------------------------------------

def secret_file(ctx, content=SECRET + "\n", mode=0o600, name="secret"):
    path = os.path.join(ctx.tmp, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(content)
    os.chmod(path, mode)
    return path


def mint_env(ctx, secret_path=None, client_id=CLIENT_ID, uid=UID):
    env = {"GIO_PROJECT_UID": uid, "GIO_SECRET_FILE": secret_path or secret_file(ctx)}
    if client_id is not None:
        env["GIO_CLIENT_ID"] = client_id
    return env


def run(ctx, cmd, *args, env=None, out=None, date=D1, data="visit"):
    s = ctx.servers
    a = [cmd, "--project", AI, "--type", "day", "--data", data, "--base-url", s.api_base,
         "--ca-file", s.ca_file, "--retries", "1", "--timeout", "5"]
    if cmd != "sync":
        a += ["--date", date]
    if out is not None:
        a += ["--out", out]
    r = ctx.run_cli(*(a + list(args)), env=env, timeout=60)
    bad = [ln for ln in r.stderr.splitlines() if not ln.startswith("giofetch: ")]
    assert not bad, "stderr lines without the 'giofetch: ' prefix: %r" % bad[:5]
    no_secrets(r)
    return r


def no_secrets(r, extra=()):
    """Neither the secret nor a token (minted or static) in stdout or stderr."""
    for what in (SECRET, MINTED, STATIC) + tuple(extra):
        for name, text in (("stdout", r.stdout), ("stderr", r.stderr)):
            assert what not in text, "%r printed on %s: %s" % (what, name, text[-800:])


def expect_exit(r, code):
    assert r.returncode == code, "exit %d, want %d; stderr: %s" % (
        r.returncode, code, r.stderr.strip()[-1500:])


def mint_auth(secret, project, ai, tm):
    msg = "POST\n/auth/token\nproject=%s&ai=%s&tm=%s" % (project, ai, tm)
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()


def header(rec, name):
    for k, v in rec["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


def check_mint_request(rec, secret=SECRET):
    """One well-formed /auth/token call, signed with `secret`."""
    assert rec["method"] == "POST" and rec["path"] == "/auth/token", (rec["method"], rec["path"])
    assert header(rec, "X-Client-Id") == CLIENT_ID, rec["headers"]
    assert (header(rec, "Content-Type") or "").split(";")[0].strip().lower() == \
        "application/x-www-form-urlencoded", rec["headers"]
    assert rec["authorization"] is None, "the mint call carries an Authorization header"
    form = urllib.parse.parse_qs(rec["body"], keep_blank_values=True)
    assert sorted(form) == ["ai", "auth", "project", "tm"], rec["body"]
    tm = form["tm"][0]
    assert tm.isdigit() and abs(int(tm) - time.time() * 1000) < 120000, \
        "tm %s is not the time in ms" % tm
    want = "project=%s&ai=%s&tm=%s&auth=%s" % (UID, AI, tm, mint_auth(secret, UID, AI, tm))
    assert rec["body"] == want, "mint body %r, want %r" % (rec["body"], want)


def tree_text(root):
    """Every file's bytes under root, for a search."""
    out = b""
    for d, _, names in os.walk(root):
        for n in names:
            with open(os.path.join(d, n), "rb") as f:
                out += f.read()
    return out


# ---- tests ----------------------------------------------------------------------------------

def test_minted_token_carries_the_export_calls(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = run(ctx, "fetch", env=mint_env(ctx), out=out)
    expect_exit(r, 0)
    recs = s.api_requests()
    assert [x["kind"] for x in recs] == ["mint", "export"], [x["path"] for x in recs]
    assert recs[0]["status"] == 200 and recs[0]["json_status"] == "success", \
        "the server refused the mint: %s %s" % (recs[0]["status"], recs[0].get("mint"))
    check_mint_request(recs[0])
    ex = recs[1]
    assert ex["authorization"] == MINTED and ex["client_id"] == CLIENT_ID and \
        ex["status"] == 200, (ex["authorization"], ex["client_id"], ex["status"])
    folder = os.path.join(out, AI, "visit", "day", D1)
    assert os.path.isfile(os.path.join(folder, "MANIFEST")), os.listdir(out)
    assert len(os.listdir(folder)) == 3, os.listdir(folder)
    for e in s.file_requests():
        assert e["authorization"] in ("", "-") and e["x_client_id"] in ("", "-"), \
            "a credential went to the file host: %r" % e
    blob = tree_text(out)
    assert SECRET.encode() not in blob and MINTED.encode() not in blob, "written to disk"

    # sync: one mint per run, every export call with the minted token; -q: silent.
    s.reset()
    r = run(ctx, "sync", "--from", D1, "--to", D2, "-q", env=mint_env(ctx), out=out)
    expect_exit(r, 0)
    assert r.stdout == "" and r.stderr == "", (r.stdout, r.stderr)
    recs = s.api_requests()
    assert [x["kind"] for x in recs] == ["mint", "export"], [x["path"] for x in recs]
    assert all(x["authorization"] == MINTED for x in recs[1:]), recs
    check_mint_request(recs[0])


def test_wrong_secret_is_auth_rejected(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    wrong = "not-the-secret-31"
    r = run(ctx, "fetch", env=mint_env(ctx, secret_file(ctx, wrong + "\n")), out=out)
    expect_exit(r, 6)
    no_secrets(r, (wrong,))
    assert "token" in r.stderr.lower(), "no clear message: %s" % r.stderr
    recs = s.api_requests()
    assert [x["kind"] for x in recs] == ["mint"], [x["path"] for x in recs]
    assert recs[0]["status"] == 401, recs[0]["status"]
    check_mint_request(recs[0], secret=wrong)
    assert not os.path.exists(os.path.join(out, AI)), "an export folder without a token"

    # An unknown project uid, and a /auth/token answering 403: also 6.
    s.reset()
    r = run(ctx, "links", env=mint_env(ctx, uid="uid-unknown"))
    expect_exit(r, 6)
    assert [x["kind"] for x in s.api_requests()] == ["mint"]
    fx = FIXTURE()
    fx["mint"] = {"http": 403}
    s.set_fixture(fx)
    s.reset()
    r = run(ctx, "sync", "--from", D1, "--to", D2, "--json", env=mint_env(ctx), out=out)
    expect_exit(r, 6)
    assert [x["kind"] for x in s.api_requests()] == ["mint"], "sync went on without a token"


def test_missing_client_id_is_usage_error(ctx):
    s = ctx.servers
    r = run(ctx, "links", env=mint_env(ctx, client_id=None))
    expect_exit(r, 2)
    assert "GIO_CLIENT_ID" in r.stderr, r.stderr
    assert r.stdout == ""
    # The secret file missing or empty: also a usage error, before anything is sent.
    r = run(ctx, "links", env=mint_env(ctx, os.path.join(ctx.tmp, "no-such-secret")))
    expect_exit(r, 2)
    r = run(ctx, "links", env=mint_env(ctx, secret_file(ctx, "\n", name="empty")))
    expect_exit(r, 2)
    assert s.api_requests() == [], "something was sent: %s" % [x["path"] for x in
                                                               s.api_requests()]


def test_gio_token_wins_over_minting(ctx):
    s = ctx.servers
    env = mint_env(ctx)
    env["GIO_TOKEN"] = STATIC
    r = run(ctx, "links", env=env)
    expect_exit(r, 0)
    recs = s.api_requests()
    assert [x["kind"] for x in recs] == ["export"], [x["path"] for x in recs]
    assert recs[0]["authorization"] == STATIC


def test_secret_file_first_line_and_permission_warning(ctx):
    s = ctx.servers
    path = secret_file(ctx, SECRET + "\r\nsecond line is not the secret\n", mode=0o640)
    r = run(ctx, "links", env=mint_env(ctx, path))
    expect_exit(r, 0)
    check_mint_request(s.api_requests("mint")[0])
    warn = [ln for ln in r.stderr.splitlines() if ln.startswith("giofetch: warning: ")]
    assert warn and path in warn[0], "no warning about a group-readable secret: %s" % r.stderr
    assert len(r.stdout.splitlines()) == 2, r.stdout


def test_mint_retries_5xx_within_the_budget(ctx):
    s = ctx.servers
    fx = FIXTURE()
    fx["mint"] = {"fail_first": {"http": 503, "calls": 1, "retry_after": 1}}
    s.set_fixture(fx)
    s.reset()
    r = run(ctx, "links", "-v", env=mint_env(ctx))
    expect_exit(r, 0)
    assert [(x["kind"], x["status"]) for x in s.api_requests()] == \
        [("mint", 503), ("mint", 200), ("export", 200)], \
        [(x["kind"], x["status"]) for x in s.api_requests()]
    assert s.api_requests("export")[0]["authorization"] == MINTED
    s.set_fixture(fx)
    s.reset()
    r = run(ctx, "links", "--retries", "0", env=mint_env(ctx))
    expect_exit(r, 7)
    assert [(x["kind"], x["status"]) for x in s.api_requests()] == [("mint", 503)]


def test_secret_and_token_never_printed(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    env = mint_env(ctx)
    runs = [run(ctx, "fetch", "-v", "--json", env=env, out=out),
            run(ctx, "links", "-v", "--json", env=env),
            run(ctx, "links", "-v", env=env),
            run(ctx, "sync", "-v", "--json", "--from", D1, "--to", D2, env=env, out=out)]
    for r in runs:
        expect_exit(r, 0)  # run() has checked stdout and stderr for the secret and tokens
    auths = [x["mint"]["auth"] for x in s.api_requests("mint")]
    assert len(auths) == 4, auths
    for r in runs:
        no_secrets(r, tuple(auths))
        assert "> POST" in r.stderr and "/auth/token" in r.stderr, \
            "-v does not show the mint request line: %s" % r.stderr
    for ln in runs[0].stdout.splitlines():
        json.loads(ln)
    fx = FIXTURE()
    fx["periods"]["day/visit/" + D1] = {"http": 401}
    s.set_fixture(fx)
    r = run(ctx, "links", "-v", "--json", env=env)  # the minted token rejected by the API
    expect_exit(r, 6)
    r = run(ctx, "links", "-v", env=mint_env(ctx, secret_file(ctx, "wrong-secret\n",
                                                              name="wrong")))
    expect_exit(r, 6)
    no_secrets(r, ("wrong-secret",))
