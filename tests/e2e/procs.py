"""Every program the end-to-end tests start, started one way: in a session of its own, and
registered, so that the runner ends it and its children (the whole process group) when the test
ends, however it ends: passed, failed, timed out (SIGALRM), interrupted, or the runner itself
stopped. A test that times out on a pseudo-terminal, or a helper that raises, can no longer
leave a CLI (or the emulator running it) behind.

    popen(argv, **kw)      subprocess.Popen, registered, start_new_session=True
    run(argv, timeout=..., input=..., **kw)
                           subprocess.run's contract (CompletedProcess, TimeoutExpired after
                           killing the group), through popen
    end_all()              kill every registered program still running, with its group

Threads. qemu-user 7.2 cannot start a thread in a dynamically linked guest. The runner sets
`no_threads` (the reason) for such a CLI; popen then refuses to start the CLI where it would start
threads (fetch or sync with --jobs 2..8), by raising NeedsThreads: the runner reports that test as set apart, not as
passed or failed. So what is set apart is decided by what a test runs, not by a list of names.
"""

import os
import signal
import subprocess

_live = []          # Popen objects started by popen, not yet ended by end_all
no_threads = None   # why the CLI under test cannot start threads, or None
cli_binary = None   # the CLI's binary (absolute), to recognise its runs


class NeedsThreads(Exception):
    """The test runs the CLI with --jobs N > 1 where it cannot start threads."""


# The CLI starts threads for `fetch` and `sync` with --jobs 2..8; it refuses other values, and
# `links` with --jobs, before any thread (giofetch(1)).
_THREADED_COMMANDS = ("fetch", "sync")
_JOBS_RANGE = range(2, 9)


def _starts_threads(argv):
    if cli_binary is None or cli_binary not in argv:
        return False
    args = list(argv[argv.index(cli_binary) + 1:])
    if not args or args[0] not in _THREADED_COMMANDS:
        return False
    for i, a in enumerate(args):
        value = None
        if a == "--jobs" and i + 1 < len(args):
            value = args[i + 1]
        elif a.startswith("--jobs="):
            value = a[len("--jobs="):]
        if value is not None:
            try:
                if int(value) in _JOBS_RANGE:
                    return True
            except ValueError:
                pass
    return False


def popen(argv, **kw):
    argv = [str(a) for a in argv]
    if no_threads is not None and _starts_threads(argv):
        raise NeedsThreads(no_threads)
    kw.setdefault("start_new_session", True)
    p = subprocess.Popen(argv, **kw)
    _live.append(p)
    return p


def end(p):
    """Kill p's process group if p still runs (its pid, and so its group id, are then surely
    ours), and reap it."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    for f in (p.stdin, p.stdout, p.stderr):
        if f is not None:
            try:
                f.close()
            except OSError:
                pass


def end_all():
    while _live:
        end(_live.pop())


def run(argv, input=None, timeout=None, check=False, **kw):
    """subprocess.run through popen: capture as asked, the group killed on a timeout or any
    other exception (a test's own timeout arrives as an exception here)."""
    if input is not None:
        kw.setdefault("stdin", subprocess.PIPE)
    p = popen(argv, **kw)
    try:
        out, err = p.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        end(p)
        out, err = p.communicate()
        raise subprocess.TimeoutExpired(p.args, timeout, output=out, stderr=err)
    except BaseException:
        end(p)
        raise
    if p in _live:
        _live.remove(p)
    if check and p.returncode:
        raise subprocess.CalledProcessError(p.returncode, p.args, out, err)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def elf_has_interpreter(path):
    """True when the ELF file at path is dynamically linked (has a PT_INTERP header)."""
    try:
        with open(path, "rb") as f:
            h = f.read(64)
            if h[:4] != b"\x7fELF":
                return False
            wide, little = h[4] == 2, h[5] == 1
            order = "little" if little else "big"
            if wide:
                phoff = int.from_bytes(h[32:40], order)
                phentsize = int.from_bytes(h[54:56], order)
                phnum = int.from_bytes(h[56:58], order)
            else:
                phoff = int.from_bytes(h[28:32], order)
                phentsize = int.from_bytes(h[42:44], order)
                phnum = int.from_bytes(h[44:46], order)
            for k in range(phnum):
                f.seek(phoff + k * phentsize)
                if int.from_bytes(f.read(4), order) == 3:  # PT_INTERP
                    return True
    except OSError:
        return False
    return False
