"""What an operator reads and relies on: periods that have not begun and options that do not
exist refused before any call; the lock for every user who can read it."""

import datetime
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

from cliutil import AI, DAY, TOKEN, base_fixture, check_export_folder, gio, server_files

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


# ---- the lock, for other users ----------------------------------------------------------------

class Nobody:
    """A world-readable folder holding a copy of the test CA, and runs of the CLI as the user
    nobody (root only)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.pw = pwd.getpwnam("nobody")
        self.dir = tempfile.mkdtemp(prefix="gio-nobody-")
        os.chmod(self.dir, 0o755)
        self.ca = os.path.join(self.dir, "ca.crt")
        shutil.copyfile(ctx.servers.ca_file, self.ca)
        os.chmod(self.ca, 0o644)

    def run(self, *args, ca=None):
        s = self.ctx.servers
        argv = list(args[:1]) + ["--base-url", s.api_base, "--ca-file", ca or self.ca,
                                 "--project", AI, "--retries", "1", "--timeout", "10"] + \
            [str(a) for a in args[1:]]
        uid, gid = self.pw.pw_uid, self.pw.pw_gid

        def drop():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        p = subprocess.run(self.ctx.cli + argv, env=self.ctx.cli_env({"GIO_TOKEN": TOKEN}),
                           cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=60, preexec_fn=drop)
        self.ctx.log("as nobody:", argv, "exit", p.returncode, p.stderr)
        return p

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def as_root(ctx):
    if os.geteuid() != 0:
        ctx.log("not root: cannot run the CLI as another user; skipped")
        return False
    return True


def test_lock_left_by_root_serves_another_user(ctx):
    if not as_root(ctx):
        return
    s = ctx.servers
    nb = Nobody(ctx)
    try:
        exp = server_files(s, "visit", behaviour=PERIODS["day/visit/%s" % DAY])
        for mode in (0o644, 0o444):
            out = os.path.join(nb.dir, "out-%o" % mode)
            os.makedirs(out)
            os.chown(out, nb.pw.pw_uid, nb.pw.pw_gid)
            lock = os.path.join(out, ".giofetch.lock")
            with open(lock, "w"):
                pass
            os.chmod(lock, mode)  # owned by root: nobody may read it, not write it
            p = nb.run("fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out)
            assert p.returncode == 0, "lock %o: exit %d: %s" % (mode, p.returncode, p.stderr)
            check_export_folder(out, "visit", exp)
        # a folder nobody cannot write, and no lock file yet: the message says why
        out = os.path.join(nb.dir, "root-only")
        os.makedirs(out)
        p = nb.run("fetch", "--type", "day", "--data", "visit", "--date", DAY, "--out", out)
        assert p.returncode == 10, p.stderr
        want = "cannot create the lock file %s/.giofetch.lock: Permission denied" % out
        assert want in p.stderr, p.stderr
        assert os.listdir(out) == []
    finally:
        nb.close()


def test_a_lock_file_created_by_giofetch_is_readable_by_others(ctx):
    out = os.path.join(ctx.tmp, "out")
    old = os.umask(0o022)
    try:
        fetch(ctx, out, "visit").expect(0)
    finally:
        os.umask(old)
    assert os.stat(os.path.join(out, ".giofetch.lock")).st_mode & 0o777 == 0o644
