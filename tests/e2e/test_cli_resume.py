"""giofetch fetch when things go wrong mid-way: links that expire (asked for again once),
a download killed mid-file and resumed with a Range request, a full disk and an unwritable
--out (exit 10), the lock; never an incomplete file under a final name."""

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time

from cliutil import (AI, TOKEN, base_fixture, check_export_folder, export_dir, gio,
                     no_part_files, server_files)
import procs

SERVERS = "module"
TIMEOUT = 60

D = "20261110"
TTL_SLOW = {"parts": 2, "size": [60000, 2000], "rate": 20000, "link_ttl_s": 2}
FLAKY_403 = {"rows": 10, "flaky": {"calls": 1, "status": 403}}
KILL = {"size": 300000, "rate": 100000}
DISK = {"parts": 2, "size": [100000, 400000]}


def FIXTURE():
    return base_fixture({
        "day/visit/%s" % D: dict(TTL_SLOW),
        "day/page/%s" % D: dict(KILL),
        "day/action/%s" % D: dict(DISK),
        "day/evar/%s" % D: dict(FLAKY_403),
        "day/pvar/%s" % D: {"rows": 10},
        "day/vstr/%s" % D: {"size": 262144},  # exactly a 256k tmpfs: no room for the MANIFEST
    })


def cli_args(s, data, out, *more):
    return ["fetch", "--base-url", s.api_base, "--ca-file", s.ca_file, "--project", AI,
            "--retries", "1", "--timeout", "10", "--type", "day", "--data", data, "--date", D,
            "--out", out] + list(more)


class Watch:
    """Runs the CLI in the background and looks at one export folder every few ms: a file
    under a final name must always be complete (size and md5 of the server's file)."""

    def __init__(self, ctx, args, folder, expected, client_id):
        self.folder = folder
        self.expected = {e[0]: e for e in expected}
        self.bad = []
        self.seen_parts = 0
        self.proc = procs.popen(
            ctx.cli + args, cwd=ctx.tmp, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=ctx.cli_env({"GIO_TOKEN": TOKEN,
                                                     "GIO_CLIENT_ID": client_id}))

    def look(self):
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        if "MANIFEST" in names and (any(n.endswith(".part") for n in names) or
                                    not set(self.expected) <= set(names)):
            self.bad.append(("MANIFEST before the files", sorted(names)))
        for n in names:
            p = os.path.join(self.folder, n)
            if n.endswith(".part"):
                self.seen_parts += 1
                continue
            if n in ("MANIFEST", ".MANIFEST.tmp"):  # the MANIFEST and its atomic-write temp
                continue
            try:
                with open(p, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            e = self.expected.get(n)
            if e is None or data != e[1]:
                self.bad.append((n, len(data)))

    def part_size(self):
        for n in os.listdir(self.folder) if os.path.isdir(self.folder) else []:
            if n.endswith(".part"):
                return os.path.getsize(os.path.join(self.folder, n))
        return 0

    def until(self, cond, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.look()
            if cond():
                return True
            if self.proc.poll() is not None:
                self.look()
                return cond()
            time.sleep(0.01)
        return False

    def finish(self, timeout=30):
        self.until(lambda: self.proc.poll() is not None, timeout)
        out, err = self.proc.communicate(timeout=10)
        return self.proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8",
                                                                               "replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=10)


# ---- links that expire ----------------------------------------------------------------------

def test_links_expiring_mid_fetch_are_asked_for_once_more(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = gio(ctx, "fetch", "--type", "day", "--data", "visit", "--date", D, "--out", out,
            "-v").expect(0)
    exp = server_files(s, "visit", date=D, behaviour=TTL_SLOW)
    check_export_folder(out, "visit", exp, date=D)
    log = [(f["path"].rsplit("/", 1)[1], f["status"]) for f in s.file_requests()]
    # part 0 takes ~3 s at the file host's rate, so part 1's 2 s link has expired by then
    # (part 0's own link may expire too on a slow machine: then it is asked for again too)
    assert (exp[1][0], 403) in log, "part 1's link did not expire: %s" % log
    denied = [n for n, st in log if st == 403]
    assert len(denied) == len(set(denied)), "a fresh link expired again: %s" % log
    for n in denied:
        i = log.index((n, 403))
        assert log[i + 1] == (n, 200), "no retry with a fresh link after the 403: %s" % log
    assert [st for n, st in log if st != 403] == [200, 200], log
    assert len(r.exports) == 1 + len(denied), \
        "want one re-ask per expired link: %d export calls, log %s" % (len(r.exports), log)
    assert "expired" in r.err, "-v says why it asks again: %s" % r.why()


def test_link_answering_403_once_is_asked_for_again(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = gio(ctx, "fetch", "--type", "day", "--data", "evar", "--date", D,
            "--out", out).expect(0)
    check_export_folder(out, "evar", server_files(s, "evar", date=D, behaviour=FLAKY_403),
                        date=D)
    assert len(r.exports) == 2, "want one re-ask: %d export calls" % len(r.exports)
    files = s.api_requests("file")
    assert [f["status"] for f in files] == [403, 200], [f["status"] for f in files]
    for f in files:  # links on the API's own origin still get no credential
        assert f["authorization"] is None and f["client_id"] is None, f["headers"]


# ---- killed mid-file ----------------------------------------------------------------------

def test_killed_mid_file_then_resumed(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    exp = server_files(s, "page", date=D, behaviour=KILL)
    folder = export_dir(out, "page", date=D)
    w = Watch(ctx, cli_args(s, "page", out), folder, exp, "e2e-kill-1")
    try:
        assert w.until(lambda: w.part_size() >= 60000), "no growing .part seen"
    finally:
        w.kill()
    held = w.part_size()
    assert 0 < held < len(exp[0][1]), "killed too late: %d bytes held" % held
    assert sorted(os.listdir(folder)) == [exp[0][0] + ".part"], os.listdir(folder)
    assert not w.bad, "incomplete file under a final name: %s" % w.bad
    time.sleep(0.3)  # nginx logs the cut request once it notices
    s.reset()
    w = Watch(ctx, cli_args(s, "page", out), folder, exp, "e2e-kill-2")
    rc, stdout, stderr = w.finish()
    assert rc == 0, "resume run: exit %s: %s" % (rc, stderr)
    assert TOKEN not in stdout + stderr
    assert not w.bad, "incomplete file under a final name: %s" % w.bad
    check_export_folder(out, "page", exp, date=D)
    log = s.file_requests()
    assert len(log) == 1, log
    assert log[0]["range"] == "bytes=%d-" % held, "no resume from %d: %s" % (held, log[0])
    assert log[0]["status"] == 206 and log[0]["body_bytes_sent"] == len(exp[0][1]) - held, \
        log[0]


# ---- local I/O --------------------------------------------------------------------------------

@contextlib.contextmanager
def tmpfs(path, opts):
    os.makedirs(path, exist_ok=True)
    p = procs.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    assert p.returncode == 0, "cannot mount a tmpfs (run as root): %s" % p.stdout
    try:
        yield path
    finally:
        procs.run(["umount", "-l", path], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def test_disk_full_exit_10_then_completes_with_room(ctx):
    s = ctx.servers
    exp = server_files(s, "action", date=D, behaviour=DISK)
    with tmpfs(os.path.join(ctx.tmp, "disk"), "size=256k,mode=0755") as out:
        r = gio(ctx, "fetch", "--type", "day", "--data", "action", "--date", D, "--out", out,
                "--json").expect(10)
        assert "No space left" in r.err, r.why()
        o = json.loads(r.out)
        assert o["exit"] == 10 and o["error"], o
        d = export_dir(out, "action", date=D)
        have = sorted(os.listdir(d))
        assert "MANIFEST" not in have and exp[1][0] not in have, have
        for n in have:  # whatever has a final name is complete
            if not n.endswith(".part"):
                with open(os.path.join(d, n), "rb") as f:
                    assert f.read() == [e for e in exp if e[0] == n][0][1], n
        # room again: the next run completes the folder
        procs.run(["mount", "-o", "remount,size=2m", out], check=True)
        gio(ctx, "fetch", "--type", "day", "--data", "action", "--date", D,
            "--out", out).expect(0)
        check_export_folder(out, "action", exp, date=D)


def test_disk_full_at_the_manifest_exit_10(ctx):
    s = ctx.servers
    exp = server_files(s, "vstr", date=D, behaviour={"size": 262144})
    with tmpfs(os.path.join(ctx.tmp, "disk"), "size=256k,mode=0755") as out:
        r = gio(ctx, "fetch", "--type", "day", "--data", "vstr", "--date", D,
                "--out", out).expect(10)
        assert "MANIFEST" in r.err and "No space left" in r.err, r.why()
        d = export_dir(out, "vstr", date=D)
        have = sorted(os.listdir(d))
        assert have == [exp[0][0]], "want the complete file and no MANIFEST: %s" % have
        with open(os.path.join(d, exp[0][0]), "rb") as f:
            assert f.read() == exp[0][1]
        procs.run(["mount", "-o", "remount,size=1m", out], check=True)
        s.reset()
        gio(ctx, "fetch", "--type", "day", "--data", "vstr", "--date", D,
            "--out", out).expect(0)
        assert s.file_requests() == [], "the complete file was downloaded again"
        check_export_folder(out, "vstr", exp, date=D)


def test_unwritable_out_exit_10(ctx):
    s = ctx.servers
    with tmpfs(os.path.join(ctx.tmp, "ro"), "ro,size=64k") as out:
        r = gio(ctx, "fetch", "--type", "day", "--data", "pvar", "--date", D,
                "--out", os.path.join(out, "gio")).expect(10)
        assert "Read-only file system" in r.err, r.why()
    afile = os.path.join(ctx.tmp, "a-file")
    with open(afile, "w") as f:
        f.write("not a folder\n")
    r = gio(ctx, "fetch", "--type", "day", "--data", "pvar", "--date", D,
            "--out", os.path.join(afile, "sub")).expect(10)
    assert "Not a directory" in r.err, r.why()
    assert s.file_requests() == []
    # an export folder that cannot be made (a file is in the way)
    out = os.path.join(ctx.tmp, "out")
    os.makedirs(os.path.join(out, AI, "pvar", "day"))
    with open(os.path.join(out, AI, "pvar", "day", D), "w") as f:
        f.write("in the way\n")
    gio(ctx, "fetch", "--type", "day", "--data", "pvar", "--date", D, "--out", out).expect(10)


def test_lock_held_by_another_exit_10(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    os.makedirs(out)
    fd = os.open(os.path.join(out, ".giofetch.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        t0 = time.monotonic()
        r = gio(ctx, "fetch", "--type", "day", "--data", "pvar", "--date", D, "--out", out,
                "--lock-wait", "1").expect(10)
        assert ".giofetch.lock" in r.err, "the message names the lock: %s" % r.why()
        assert time.monotonic() - t0 >= 0.9
        assert r.exports == [], "asked the API without the lock"
        # released while a second run waits: it goes on
        w = Watch(ctx, cli_args(s, "pvar", out, "--lock-wait", "20"), export_dir(out, "pvar",
                                                                                date=D),
                  [], "e2e-lock-2")
        time.sleep(0.5)
        assert w.proc.poll() is None, "did not wait for the lock"
        fcntl.flock(fd, fcntl.LOCK_UN)
        rc, _, err = w.finish()
        assert rc == 0, err
    finally:
        os.close(fd)
    check_export_folder(out, "pvar", server_files(s, "pvar", date=D, behaviour={"rows": 10}),
                        date=D)
    no_part_files(out)
