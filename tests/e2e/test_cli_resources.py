"""Errors of the platform reported as what they are: a CLI that runs out of file descriptors
says so (exit 10, a local problem) and does not call it a name that did not resolve, nor retry
it as one.

The limit is set with setrlimit(RLIMIT_NOFILE) in the child before it starts, for each limit
from 4 (stdin, stdout, stderr and the lock file fill it: the name lookup of the API's host then
has no descriptor) up to where the fetch succeeds; an emulator prefix needs a few descriptors of
its own, so the scan goes on until one run succeeds.
"""

import os
import resource
import subprocess

from cliutil import AI, DAY, TOKEN, base_fixture
import procs

SERVERS = "module"
TIMEOUT = 120


def FIXTURE():
    # one API call per run, many runs: the API's rate limit is not what this is about
    return base_fixture({"day/visit/%s" % DAY: {"parts": 1, "rows": 5}},
                        rate_limit={"calls": 2, "window_s": 1.0, "enforce": False})


def run_with_fd_limit(ctx, limit, out):
    s = ctx.servers
    argv = ctx.cli + ["fetch", "--project", AI, "--type", "day", "--data", "visit",
                      "--date", DAY, "--base-url", s.api_base, "--ca-file", s.ca_file,
                      "--retries", "2", "--timeout", "5", "--out", out]

    def lower_limit():
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    ctx.log("$ (RLIMIT_NOFILE %d)" % limit, " ".join(argv))
    p = procs.run(argv, env=ctx.cli_env({"GIO_TOKEN": TOKEN}), cwd=ctx.tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       preexec_fn=lower_limit, timeout=60)
    ctx.log("exit", p.returncode)
    for line in p.stderr.splitlines()[:10]:
        ctx.log("stderr:", line)
    return p


def test_out_of_file_descriptors_is_not_dns(ctx):
    seen_library_message = False
    outcomes = []
    for limit in range(4, 40):
        out = os.path.join(ctx.tmp, "out-%d" % limit)
        p = run_with_fd_limit(ctx, limit, out)
        outcomes.append((limit, p.returncode, p.stderr.strip()[-200:]))
        if p.returncode == 127 or "error while loading shared libraries" in p.stderr:
            continue  # the dynamic loader (or an emulator) needs more than this
        assert "did not resolve" not in p.stderr, \
            "with %d descriptors: a lack of descriptors reads as DNS: %s" % (limit, p.stderr)
        assert "retrying" not in p.stderr, \
            "with %d descriptors: retried: %s" % (limit, p.stderr)
        assert p.returncode in (0, 10), \
            "with %d descriptors: exit %d, want 0 or 10 (local): %s" % (limit, p.returncode,
                                                                     p.stderr)
        if "out of file descriptors or memory" in p.stderr:
            seen_library_message = True
            assert p.returncode == 10, p.stderr
        if p.returncode == 0:
            break
    else:
        raise AssertionError("no run succeeded: %s" % outcomes)
    assert seen_library_message, \
        "no limit made the library itself run out of descriptors: %s" % outcomes
