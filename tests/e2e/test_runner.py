"""The runner itself: whatever way a test ends (it passes, fails, raises, times out, or the runner
is told to stop), every program it started through procs (pipes or a pseudo-terminal) is gone
afterwards, its children with it. Each case runs the runner's own run_test on a probe test in a
Python process of its own, and then looks for the probe's programs by pid."""

import os
import subprocess
import sys
import time

import procs

SERVERS = "none"
NEEDS_CLI = False
TIMEOUT = 120

HERE = os.path.dirname(os.path.abspath(__file__))

# argv: e2e folder, pid file, how the probe test ends, a work folder.
PROBE = r'''
import os, pty, signal, subprocess, sys, time, types
sys.path.insert(0, sys.argv[1])
import procs, run
pidfile, mode, work = sys.argv[2], sys.argv[3], sys.argv[4]

def test_probe(ctx):
    # A program with a child of its own, as an emulator running the CLI is: the shell writes
    # its pid and its child's, then waits.
    script = "sleep 300 & echo $$ $! > %s.new && mv %s.new %s; wait" % (pidfile, pidfile, pidfile)
    if mode.startswith("pty"):
        master, slave = pty.openpty()
        procs.popen(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
        os.close(slave)
    else:
        procs.popen(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL)
    while not os.path.exists(pidfile):
        time.sleep(0.01)
    if mode.endswith("timeout"):
        time.sleep(60)
    elif mode == "fail":
        assert False, "failing on purpose"
    elif mode == "raise":
        raise RuntimeError("raising on purpose")
    elif mode == "term":
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(60)
    # "pass": returns with its program still running

mod = types.ModuleType("probe")
mod.SERVERS, mod.NEEDS_CLI, mod.TIMEOUT = "none", False, 1
signal.signal(signal.SIGTERM, run._on_term)
runner = run.Runner([], None, False, False, work)
try:
    runner.run_module(mod, [test_probe])
except KeyboardInterrupt:
    print("interrupted")
'''


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_programs_a_test_started_end_with_it_every_way(ctx):
    for mode in ("pass", "fail", "raise", "timeout", "pty-timeout", "pty-pass", "term"):
        pidfile = os.path.join(ctx.tmp, "pids-" + mode)
        work = os.path.join(ctx.tmp, "work-" + mode)
        os.makedirs(work)
        r = procs.run([sys.executable, "-c", PROBE, HERE, pidfile, mode, work],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      universal_newlines=True, timeout=60)
        assert os.path.exists(pidfile), "%s: the probe did not start its program: %s" % (
            mode, r.stdout)
        with open(pidfile) as f:
            pids = [int(p) for p in f.read().split()]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(p) for p in pids):
            time.sleep(0.05)
        left = [p for p in pids if alive(p)]
        for p in left:  # ours (the probe's): do not leave them to slow the rest down
            try:
                os.kill(p, 9)
            except OSError:
                pass
        assert not left, "%s: still running after the test ended: %s; runner said %s" % (
            mode, left, r.stdout)
        want = {"pass": "ok ", "pty-pass": "ok ", "fail": "FAIL ", "raise": "FAIL ",
                "timeout": "timed out", "pty-timeout": "timed out", "term": "interrupted"}[mode]
        assert want in r.stdout, "%s: runner said %s" % (mode, r.stdout)


def test_the_cli_with_jobs_is_refused_where_threads_cannot_start(ctx):
    # What a dynamically linked qemu-user guest gets: a run of the CLI that starts threads
    # (fetch or sync with --jobs 2..8) raises NeedsThreads before anything starts; --jobs 1,
    # values the CLI refuses, links, and other programs start as usual.
    saved = procs.no_threads, procs.cli_binary
    procs.no_threads, procs.cli_binary = "no threads here", "/bin/true"
    try:
        for argv in (["/bin/true", "fetch", "--jobs", "2"], ["/bin/true", "sync", "--jobs=8"]):
            try:
                procs.popen(argv)
            except procs.NeedsThreads as e:
                assert "no threads here" in str(e)
            else:
                raise AssertionError("%s was started" % argv)
        for argv in (["/bin/true", "fetch", "--jobs", "1"], ["/bin/true", "fetch", "--jobs", "9"],
                     ["/bin/true", "links", "--jobs", "2"], ["/bin/true", "sync", "--jobs", "x"]):
            assert procs.run(argv).returncode == 0, argv
        assert procs.run(["/bin/echo", "--jobs", "2"], stdout=subprocess.DEVNULL).returncode == 0
        # how the runner tells such a guest: the binary has a program interpreter
        assert procs.elf_has_interpreter(sys.executable) != procs.elf_has_interpreter(__file__)
    finally:
        procs.no_threads, procs.cli_binary = saved
