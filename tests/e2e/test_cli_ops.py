"""What an operator reads and relies on: messages that name the export, the file, the host and
port (and the next step: --ca-file, the clock, the token); periods that have not begun and
options that do not exist refused before any call; the lock for every user who can read it;
sync going on past a folder it cannot write and stopping once when the API cannot be reached;
--json's dir, fetched and verified; CA loading failures by cause; progress on a terminal that
counts only this run's bytes; write errors naming the .part; the README's OpenWrt wrapper
keeping the exit code."""

import datetime
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile

from cliutil import (AI, DAY, TOKEN, base_fixture, check_export_folder, export_dir, gio,
                     run_on_pty, server_files)
import procs

SERVERS = "module"
TIMEOUT = 120

# How the library reports a file's check today: a server MD5 that matched, else the size.
VERIFIED_MD5 = "md5-header"
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


# ---- messages ---------------------------------------------------------------------------------

def test_messages_name_the_export_the_host_and_port(ctx):
    out = os.path.join(ctx.tmp, "out")
    port = free_port()
    r = fetch(ctx, out, "visit", base_url="https://localhost:%d" % port).expect(7)
    want = "giofetch: visit %s: cannot connect to localhost:%d: " % (DAY, port)
    qemu_mips = os.path.basename(ctx.cli[0]).startswith("qemu-mips")  # see test_cli_exits
    assert want + "connection refused" in r.err or (qemu_mips and want in r.err), r.why()
    # an IPv6 literal is put in brackets
    try:
        port6 = free_port(socket.AF_INET6, "::1")
    except OSError:
        ctx.log("no IPv6 loopback here; the bracket case is skipped")
    else:
        r = fetch(ctx, out, "visit", base_url="https://[::1]:%d" % port6).expect(7)
        assert "visit %s: cannot connect to [::1]:%d: " % (DAY, port6) in r.err, r.why()
    # a proxy that is not there is called the proxy
    r = fetch(ctx, out, "visit", "--proxy", "http://localhost:%d" % port).expect(7)
    assert "visit %s: cannot connect to the proxy localhost:%d: " % (DAY, port) in r.err, \
        r.why()
    # an auth rejection points at the token
    r = fetch(ctx, out, "evar").expect(6)
    assert "evar %s: " % DAY in r.err and "HTTP 401" in r.err, r.why()
    assert "--token-file" in r.err and "GIO_TOKEN" in r.err, r.why()


def test_file_messages_name_the_file_the_host_and_the_next_step(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    # a link to a closed port: the file and the file host's port
    name = server_files(s, "pvar", behaviour=PERIODS["day/pvar/%s" % DAY])[0][0]
    r = fetch(ctx, out, "pvar").expect(9)
    assert "pvar %s %s: cannot connect to localhost:1: " % (DAY, name) in r.err, r.why()
    # a retry line says which file it is about
    name = server_files(s, "action", behaviour={"rows": 10})[0][0]
    r = fetch(ctx, out, "action").expect(0)
    assert re.search(r"^giofetch: action %s %s: retrying in [0-9.]+ s: " % (DAY, re.escape(name)),
                     r.err, re.M), r.why()
    # certificates outside their dates: the system clock is the first thing to check
    for data, what in (("custom_event", "expired"), ("vstr", "not valid yet")):
        r = fetch(ctx, out, data).expect(9)
        line = [ln for ln in lines_about(r.err, "%s %s " % (data, DAY)) if what in ln]
        assert line and "check the system clock" in line[0], r.why()
    # a CA the client does not trust: --ca-file is the way to give it
    r = fetch(ctx, out, "visit", "--ca-file", s.pki["otherca"][0]).expect(7)
    line = lines_about(r.err, "visit %s: " % DAY)
    assert line and "localhost:%d" % s.api_port in line[0] and "--ca-file" in line[0], r.why()


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
        p = procs.run(self.ctx.cli + argv, env=self.ctx.cli_env({"GIO_TOKEN": TOKEN}),
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


# ---- sync: goes on past a bad folder, stops once when the API cannot be reached ---------------

def test_sync_stops_once_when_the_api_cannot_be_trusted_or_reached(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    sync = ("sync", "--type", "day", "--data", "visit,page", "--from", "20261110",
            "--to", "20261115", "--out", out)
    r = gio(ctx, *sync, "--ca-file", s.pki["otherca"][0]).expect(7)
    failures = lines_about(r.err, "visit 2026111")
    assert len(failures) == 1 and "not trusted" in failures[0], r.why()
    assert "giofetch: sync: stopping at 20261110: the API cannot be reached or trusted" in r.err, r.why()
    assert not lines_about(r.err, "page "), "asked again after the first failure: %s" % r.why()
    port = free_port()
    r = gio(ctx, *sync, base_url="https://localhost:%d" % port).expect(7)
    failures = [ln for ln in lines_about(r.err, "visit 2026111") if "retrying" not in ln]
    assert len(failures) == 1 and "localhost:%d" % port in failures[0], r.why()
    assert lines_about(r.err, "visit 20261110: retrying in ") == [
        ln for ln in lines_about(r.err, "visit ") if "retrying" in ln], r.why()
    assert "stopping at 20261110" in r.err, r.why()
    assert r.api == [] and s.file_requests() == []


# ---- --json and -v ----------------------------------------------------------------------------

def test_json_dir_fetched_verified_and_verbose_checks(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    exp = server_files(s, "visit", behaviour=PERIODS["day/visit/%s" % DAY])
    r = fetch(ctx, out, "visit", "--json", "-v").expect(0)
    o = json.loads(r.out)
    assert o["dir"] == export_dir(out, "visit") and o["fetched"] == len(exp), o
    assert [f["verified"] for f in o["files"]] == [VERIFIED_MD5] * len(exp), o
    for name, _, md5, _ in exp:
        assert "visit %s %s: " % (DAY, name) in r.err and md5 in r.err, r.why()
    # no MD5 from the server: checked by size, and the output says so even without -v
    exp = server_files(s, "page", behaviour=PERIODS["day/page/%s" % DAY])
    r = fetch(ctx, out, "page", "--json").expect(0)
    o = json.loads(r.out)
    assert [f["verified"] for f in o["files"]] == [VERIFIED_SIZE], o
    assert "page %s %s: checked by size only" % (DAY, exp[0][0]) in r.err, r.why()
    # complete before this run: nothing fetched, nothing checked now
    r = fetch(ctx, out, "visit", "--json").expect(0)
    o = json.loads(r.out)
    assert o["fetched"] == 0 and o["dir"] == export_dir(out, "visit"), o
    assert [f["verified"] for f in o["files"]] == [None, None], o


# ---- CA certificates --------------------------------------------------------------------------

def test_ca_loading_failures_are_named_by_cause(ctx):
    out = os.path.join(ctx.tmp, "out")
    junk = os.path.join(ctx.tmp, "junk.pem")
    with open(junk, "w") as f:
        f.write("this is not a certificate\n")
    big = os.path.join(ctx.tmp, "big.pem")
    with open(big, "wb") as f:
        f.truncate(65 << 20)  # sparse: no disk needed
    empty_dir = os.path.join(ctx.tmp, "empty")
    os.makedirs(empty_dir)
    junk_dir = os.path.join(ctx.tmp, "junkdir")
    os.makedirs(junk_dir)
    shutil.copyfile(junk, os.path.join(junk_dir, "junk.crt"))
    cases = [
        (junk, "no CA certificate in %s" % junk),
        (big, "%s is over 64 MB" % big),
        (empty_dir, "no *.crt or *.pem file in the folder %s" % empty_dir),
        (junk_dir, "no CA certificate in %s/junk.crt" % junk_dir),
        (os.path.join(ctx.tmp, "missing.pem"), "No such file or directory"),
    ]
    for path, want in cases:
        r = gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
                "--ca-file", path).expect(2)
        assert want in r.err and r.api == [], "%s: %s" % (path, r.why())
    # one junk file beside a good one does not spoil the folder
    shutil.copyfile(ctx.servers.ca_file, os.path.join(junk_dir, "ca.crt"))
    gio(ctx, "links", "--type", "day", "--data", "visit", "--date", DAY,
        "--ca-file", junk_dir).expect(0)
    if not as_root(ctx):
        return
    # what only another user meets: an unreadable file, a folder that cannot be listed
    nb = Nobody(ctx)
    try:
        shut = os.path.join(nb.dir, "shut.pem")
        shutil.copyfile(ctx.servers.ca_file, shut)
        os.chmod(shut, 0o600)
        p = nb.run("links", "--type", "day", "--data", "visit", "--date", DAY, ca=shut)
        assert p.returncode == 2 and "cannot read %s: Permission denied" % shut in p.stderr, \
            p.stderr
        locked = os.path.join(nb.dir, "certs")
        os.makedirs(locked)
        os.chmod(locked, 0o311)  # can be entered, not listed
        p = nb.run("links", "--type", "day", "--data", "visit", "--date", DAY, ca=locked)
        want = "cannot open the folder %s: Permission denied" % locked
        assert p.returncode == 2 and want in p.stderr, p.stderr
    finally:
        nb.close()
    assert not os.path.exists(out)


# ---- progress on a terminal -------------------------------------------------------------------

def test_progress_after_a_resume_counts_only_this_runs_bytes(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    (name, data, _, _), = server_files(s, "ads_track_click", behaviour=SLOW)
    d = export_dir(out, "ads_track_click")
    os.makedirs(d)
    held = 200000
    with open(os.path.join(d, name + ".part"), "wb") as f:
        f.write(data[:held])
    # The file host sends at most 20000 bytes/s, so this run's 40000 bytes take about 2 s:
    # counting the 200000 bytes held as fetched now would show six times that speed.
    rc, text = run_on_pty(ctx, out, data="ads_track_click")
    assert rc == 0, "exit %s: %r" % (rc, text)
    shown = re.findall(r"([0-9.]+) of 240\.0 KB, ([0-9.]+) (KB|MB)/s", text)
    assert shown, "no progress in KB: %r" % text[:600]
    done, speed, unit = shown[-1]
    assert float(done) == 240.0, shown
    per_s = float(speed) * (1000 if unit == "KB" else 1e6)
    assert per_s < 60000, "speed %s %s/s counts the bytes already held: %r" % (
        speed, unit, text[:600])
    assert "0.0 of 0.0" not in text
    check_export_folder(out, "ads_track_click", server_files(s, "ads_track_click",
                                                             behaviour=SLOW))


# ---- the README's OpenWrt wrapper -------------------------------------------------------------

def readme_wrapper(root):
    with open(os.path.join(root, "README.md")) as f:
        text = f.read()
    m = re.search(r"\n    #!/bin/sh\n(    .*\n|\n)*?    exit \"\$rc\"\n", text)
    assert m, "the README's OpenWrt wrapper (#!/bin/sh ... exit \"$rc\") is gone"
    return "\n".join(ln[4:] for ln in m.group(0).strip("\n").split("\n")) + "\n"


def test_readme_openwrt_wrapper_keeps_the_exit_code(ctx):
    script = os.path.join(ctx.tmp, "gio-sync")
    with open(script, "w") as f:
        f.write(readme_wrapper(ctx.root))
    bindir = os.path.join(ctx.tmp, "bin")
    os.makedirs(bindir)
    log = os.path.join(ctx.tmp, "syslog")
    stubs = {
        # stands in for the CLI: a message on stderr and the exit code asked for
        "giofetch": '#!/bin/sh\n[ "$STUB_RC" = 0 ] || echo "giofetch: visit 20261130: '
                    'failed" >&2\nexit "$STUB_RC"\n',
        "logger": '#!/bin/sh\n{ echo "logger $*"; cat; } >> "%s"\n' % log,
    }
    for n, body in stubs.items():
        with open(os.path.join(bindir, n), "w") as f:
            f.write(body)
        os.chmod(os.path.join(bindir, n), 0o755)
    shells = [["sh"]] + ([["busybox", "sh"]] if shutil.which("busybox") else [])
    for shell in shells:
        for rc in (0, 10, 6):
            if os.path.exists(log):
                os.unlink(log)
            env = {"PATH": bindir + ":/usr/bin:/bin", "STUB_RC": str(rc)}
            p = procs.run(shell + [script], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True, timeout=20)
            assert p.returncode == rc, "%s: exit %d, want %d: %s" % (shell, p.returncode, rc,
                                                                    p.stdout)
            logged = open(log).read() if os.path.exists(log) else ""
            if rc == 0:
                assert logged == "", logged
            else:
                assert "giofetch: visit 20261130: failed" in logged, logged
                assert "exit %d" % rc in logged, logged


# ---- write errors ----------------------------------------------------------------------------

def test_write_error_names_the_part_file(ctx):
    if not as_root(ctx):
        return
    out = os.path.join(ctx.tmp, "disk")
    os.makedirs(out)
    procs.run(["mount", "-t", "tmpfs", "-o", "size=128k,mode=0755", "tmpfs", out],
                   check=True)
    try:
        (name, _, _, _), = server_files(ctx.servers, "action_tag", behaviour={"size": 300000})
        r = fetch(ctx, out, "action_tag").expect(10)
        part = os.path.join(export_dir(out, "action_tag"), name + ".part")
        want = "giofetch: action_tag %s %s: %s: No space left on device" % (DAY, name, part)
        assert want in r.err, r.why()
    finally:
        procs.run(["umount", "-l", out], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
