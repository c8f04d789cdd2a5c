#!/usr/bin/env python3
"""End-to-end test runner for giofetch.

    python3 tests/e2e/run.py [--cli 'PREFIX... /path/to/giofetch'] [-k PATTERN] [-v] [--keep]

Discovers tests/e2e/test_*.py, runs each test_* function in definition order and prints one line
per test (`ok NAME` or `FAIL NAME: reason`), then exactly one line `N passed, N failed`. Exit
status 1 on any failure.

A test function takes one argument, a Context (see below). Module-level settings:

    NEEDS_CLI = True      # default; the module's tests FAIL when the CLI binary is missing
    SERVERS = "module"    # ctx.servers: started once per module (default), "test": fresh per
                          # test, "none": not offered
    FIXTURE = {...}       # the API fixture for ctx.servers (or a function returning one);
                          # with SERVERS = "module" it is set again, and the logs reset,
                          # before every test
    SERVER_OPTIONS = {}   # more keyword arguments for harness.Servers (e.g. custom_servers)
    TIMEOUT = 120         # seconds per test

--cli takes the command as one string, split like a shell would: a prefix such as
`qemu-mipsel -L /usr/mipsel-linux-gnu` may come before the binary. Default: $GIOFETCH_CLI,
else build/giofetch in the repository. Helper programs built beside the CLI (gf_get) are run
with the same prefix: ctx.tool("gf_get"). A module that only uses such a tool sets
NEEDS_CLI = False and checks ctx.tool_error(name) itself.
"""

import argparse
import fnmatch
import importlib.util
import inspect
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True  # keep the source folders free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import procs  # noqa: E402

# Variables a user's shell may hold that would change what the CLI does.
_SCRUB_ENV = ("GIO_TOKEN", "GIO_CLIENT_ID", "GIO_PROJECT_UID", "GIO_SECRET_FILE", "https_proxy",
              "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
              "NO_PROXY")


class TestTimeout(Exception):
    pass


class Context:
    """What a test function gets.

    name      "module.test_function"
    tmp       a fresh temp folder for this test (removed afterwards unless --keep)
    cli       the CLI command as an argv list (prefix included), absolute binary path
    servers   harness.Servers for this module or test (see SERVERS), started on first use
    verbose   True with -v
    tool(name)        argv of a helper program beside the CLI binary, same prefix
    tool_error(name)  why that program cannot run, or None
    """

    def __init__(self, runner, module, name, tmp):
        self._runner = runner
        self._module = module
        self.name = name
        self.tmp = tmp
        self.cli = list(runner.cli)
        self.verbose = runner.verbose
        self.root = ROOT
        self._own_servers = []

    @property
    def servers(self):
        return self._runner.servers_for(self._module, self)

    def new_servers(self, fixture=None, **kw):
        """Fresh servers for this test only (stopped when it ends)."""
        wd = tempfile.mkdtemp(prefix="servers-", dir=self.tmp)
        s = harness.Servers(wd, fixture, pki_dir=self._runner.pki_dir, **kw)
        self._own_servers.append(s)
        return s

    def tool(self, name):
        """The argv to run helper program `name` that sits beside the CLI binary, with the
        CLI's prefix: for --cli 'qemu-mipsel -L /usr/mipsel-linux-gnu build/x/giofetch',
        tool('gf_get') is ['qemu-mipsel', '-L', '/usr/mipsel-linux-gnu',
        '<abs>/build/x/gf_get']."""
        if not self.cli:
            return [os.path.join(ROOT, "build", name)]
        return self.cli[:-1] + [os.path.join(os.path.dirname(self.cli[-1]), name)]

    def tool_error(self, name):
        """None when tool(name) can run, else the reason (not built, prefix missing)."""
        argv = self.tool(name)
        if not os.path.isfile(argv[-1]):
            return "%s not found: %s (build it: make %s)" % (
                name, argv[-1], os.path.relpath(argv[-1], ROOT))
        if len(argv) > 1 and shutil.which(argv[0]) is None:
            return "prefix program not found: %s" % argv[0]
        if len(argv) == 1 and not os.access(argv[-1], os.X_OK):
            return "%s not executable: %s" % (name, argv[-1])
        return None

    def log(self, *msg):
        if self.verbose:
            print("    " + " ".join(str(m) for m in msg))
            sys.stdout.flush()

    def cli_env(self, env=None):
        e = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
        e.update(env or {})
        return e

    def run_cli(self, *args, env=None, input=None, timeout=60, cwd=None):
        """Run the CLI with args; returns subprocess.CompletedProcess (text, both captured).
        env adds to a copy of os.environ without GIO_* and proxy variables."""
        if self._runner.cli_error:
            raise AssertionError(self._runner.cli_error)
        argv = self.cli + [str(a) for a in args]
        self.log("$", " ".join(shlex.quote(a) for a in argv))
        proc = procs.run(argv, env=self.cli_env(env), input=input, cwd=cwd or self.tmp,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, timeout=timeout)
        self.log("exit", proc.returncode)
        for line in proc.stderr.splitlines()[:40]:
            self.log("stderr:", line)
        return proc

    def _cleanup(self):
        for s in self._own_servers:
            s.stop()
        self._own_servers = []


class Runner:
    def __init__(self, cli, cli_error, verbose, keep, workdir):
        self.cli = cli
        self.cli_error = cli_error
        self.verbose = verbose
        self.keep = keep
        self.workdir = workdir
        self.pki_dir = os.path.join(workdir, "pki")
        self._module_servers = None
        self._per_test = None
        self.passed = 0
        self.failed = 0
        self.set_apart = []

    def servers_for(self, module, ctx):
        mode = getattr(module, "SERVERS", "module")
        if mode == "none":
            raise AssertionError("module %s declares SERVERS = 'none'" % module.__name__)
        if mode == "test":
            if self._per_test is None:
                self._per_test = ctx.new_servers(_fixture_of(module),
                                             **getattr(module, "SERVER_OPTIONS", {}))
            return self._per_test
        if self._module_servers is None:
            wd = os.path.join(self.workdir, module.__name__, "_servers")
            self._module_servers = harness.Servers(wd, _fixture_of(module),
                                                   pki_dir=self.pki_dir,
                                                   **getattr(module, "SERVER_OPTIONS", {}))
        return self._module_servers

    def run_module(self, module, tests):
        needs_cli = getattr(module, "NEEDS_CLI", True)
        timeout = float(getattr(module, "TIMEOUT", 120))
        try:
            for fn in tests:
                self.run_test(module, fn, needs_cli, timeout)
        finally:
            if self._module_servers is not None:
                self._module_servers.stop()
                self._module_servers = None

    def run_test(self, module, fn, needs_cli, timeout):
        name = "%s.%s" % (module.__name__, fn.__name__)
        tmp = os.path.join(self.workdir, module.__name__, fn.__name__)
        os.makedirs(tmp, exist_ok=True)
        ctx = Context(self, module, name, tmp)
        self._per_test = None
        t0 = time.monotonic()
        reason = skipped = None
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            if needs_cli and self.cli_error:
                raise AssertionError(self.cli_error)
            if self._module_servers is not None:
                fixture = _fixture_of(module)
                if fixture is not None:  # no FIXTURE: the servers keep their default one
                    self._module_servers.set_fixture(fixture)
                self._module_servers.reset()
            fn(ctx)
        except AssertionError as e:
            reason = str(e) or "assertion failed"
            if self.verbose:
                traceback.print_exc(file=sys.stdout)
        except TestTimeout:
            reason = "timed out after %gs" % timeout
        except procs.NeedsThreads as e:
            reason = None
            skipped = str(e)
        except KeyboardInterrupt:
            raise
        except BaseException as e:
            reason = "%s: %s" % (type(e).__name__, e)
            if self.verbose:
                traceback.print_exc(file=sys.stdout)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            procs.end_all()  # on every way out: nothing the test started outlives it
            ctx._cleanup()
            self._per_test = None
        dt = time.monotonic() - t0
        if skipped is not None:
            self.set_apart.append(name)
            print("qemu-limit %s: %s" % (name, skipped))
            shutil.rmtree(tmp, ignore_errors=True)
        elif reason is None:
            self.passed += 1
            print("ok %s%s" % (name, " (%.2fs)" % dt if self.verbose else ""))
            if not self.keep:
                shutil.rmtree(tmp, ignore_errors=True)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, " ".join(reason.split())))
        sys.stdout.flush()


def _on_alarm(signum, frame):
    raise TestTimeout()


def _on_term(signum, frame):
    raise KeyboardInterrupt()


def _fixture_of(module):
    fx = getattr(module, "FIXTURE", None)
    return fx() if callable(fx) else fx


def resolve_cli(spec):
    """(argv, error): the CLI command as a list with an absolute binary path, or why not."""
    if spec is None:
        spec = os.environ.get("GIOFETCH_CLI")
    if not spec:
        for cand in ("build/giofetch", "giofetch"):
            p = os.path.join(ROOT, cand)
            if os.path.isfile(p):
                spec = p
                break
        else:
            p = os.path.join(ROOT, "build", "giofetch")
            return [p], "CLI not found: %s (build it, or pass --cli)" % p
    argv = shlex.split(spec)
    if not argv:
        return [], "empty --cli"
    binary = os.path.abspath(argv[-1])
    argv[-1] = binary
    if not os.path.isfile(binary):
        return argv, "CLI not found: %s" % binary
    if len(argv) > 1 and shutil.which(argv[0]) is None:
        return argv, "CLI prefix program not found: %s" % argv[0]
    if len(argv) == 1 and not os.access(binary, os.X_OK):
        return argv, "CLI not executable: %s" % binary
    return argv, None


def discover(pattern):
    mods = []
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        modname = fname[:-3]
        spec = importlib.util.spec_from_file_location(modname, os.path.join(HERE, fname))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
        tests = [f for n, f in vars(mod).items()
                 if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == modname]
        tests.sort(key=lambda f: f.__code__.co_firstlineno)
        if pattern:
            def match(f):
                full = "%s.%s" % (modname, f.__name__)
                if any(c in pattern for c in "*?["):
                    return fnmatch.fnmatch(full, pattern) or fnmatch.fnmatch(f.__name__, pattern)
                return pattern in full
            tests = [f for f in tests if match(f)]
        if tests:
            mods.append((mod, tests))
    return mods


def main(argv):
    ap = argparse.ArgumentParser(prog="run.py", description="giofetch end-to-end tests")
    ap.add_argument("--cli", help="the CLI command, e.g. 'qemu-mipsel -L /usr/mipsel-linux-gnu "
                                  "build-mipsel/giofetch' (default: $GIOFETCH_CLI or "
                                  "build/giofetch)")
    ap.add_argument("-k", dest="pattern", help="run tests whose module.name contains PATTERN "
                                               "(or matches it, with * ? [)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp folders")
    ap.add_argument("--list", action="store_true", help="list the tests and exit")
    args = ap.parse_args(argv[1:])

    mods = discover(args.pattern)
    if args.list:
        for mod, tests in mods:
            for f in tests:
                print("%s.%s" % (mod.__name__, f.__name__))
        return 0
    cli, cli_error = resolve_cli(args.cli)
    procs.cli_binary = cli[-1] if cli else None
    if len(cli) > 1 and os.path.basename(cli[0]).startswith("qemu-") and \
            procs.elf_has_interpreter(cli[-1]):
        procs.no_threads = ("starts threads, which qemu-user cannot in a dynamically linked "
                            "guest (STATIC=1 can)")
    workdir = tempfile.mkdtemp(prefix="giofetch-e2e-")
    runner = Runner(cli, cli_error, args.verbose, args.keep, workdir)
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    t0 = time.monotonic()
    interrupted = False
    try:
        for mod, tests in mods:
            runner.run_module(mod, tests)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted")
    finally:
        procs.end_all()
        if args.verbose:
            print("(%.1fs; temp folder %s%s)" % (time.monotonic() - t0, workdir,
                                                " kept" if args.keep else " removed"))
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if runner.set_apart:
        print("%d test(s) set apart, not counted: %s" % (len(runner.set_apart),
                                                        ", ".join(runner.set_apart)))
    print("%d passed, %d failed" % (runner.passed, runner.failed))
    if interrupted:
        return 130
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
