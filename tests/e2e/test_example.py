"""The README's C API example and the installed library, end to end.

- The example in README.md is tests/tools/gf_example.c word for word (between its README
  markers), and that program fetches an export from the local servers: one sink per file,
  each file whole and verified.
- `make install` into a temporary prefix gives every header a caller needs and a giofetch.pc
  with which `pkg-config --cflags` and `pkg-config --static --libs` alone build the example
  against the installed library; it runs.
- The same program compiled with other limits (-DGF_LINKS_MAX=16 -DGF_ANSWER_MAX=8192)
  against that library is refused with GF_E_CONFIG's message, writes nothing, and does not
  crash.
"""

import hashlib
import os
import re
import shlex
import subprocess

from cliutil import AI, DAY, TOKEN, base_fixture, server_files
import procs

SERVERS = "module"
TIMEOUT = 300  # make install and two compiles in one test


VISIT = {"parts": 3, "rows": 40}


def FIXTURE():
    return base_fixture({"day/visit/%s" % DAY: dict(VISIT)})


EXAMPLE = os.path.join("tests", "tools", "gf_example.c")
CONFIG_REFUSAL = "the program was built with other limits (config.h) than the library"
OTHER_LIMITS = ["-DGF_LINKS_MAX=16", "-DGF_ANSWER_MAX=8192"]


def _read(ctx, rel):
    with open(os.path.join(ctx.root, rel), encoding="utf-8") as f:
        return f.read()


def _example_args(ctx, out):
    s = ctx.servers
    os.makedirs(out, exist_ok=True)
    return [s.api_base, s.ca_file, AI, "day", "visit", DAY, out]


def _run(ctx, argv, timeout=60):
    ctx.log("$", " ".join(shlex.quote(a) for a in argv))
    return procs.run(argv, env=ctx.cli_env({"GIO_TOKEN": TOKEN}), cwd=ctx.tmp,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)


def _check_fetched(ctx, proc, out):
    """The example's output and files match what the file host serves."""
    why = "exit %s\nstdout: %s\nstderr: %s" % (proc.returncode, proc.stdout, proc.stderr)
    assert proc.returncode == 0, why
    exp = server_files(ctx.servers, "visit", date=DAY, behaviour=VISIT)
    assert exp, "the fixture serves no visit files for %s" % DAY
    lines = proc.stdout.splitlines()
    assert lines[-1] == "ok", why
    assert len(lines) == len(exp) + 1, why
    for i, (name, data, md5, _) in enumerate(exp):
        assert lines[i] == "part-%d %d md5-header" % (i, len(data)), (lines[i], why)
        with open(os.path.join(out, "part-%d" % i), "rb") as f:
            got = f.read()
        assert hashlib.md5(got).hexdigest() == md5, "part-%d (%s) differs" % (i, name)
    assert TOKEN not in proc.stdout + proc.stderr


def test_readme_example_is_the_program(ctx):
    readme = _read(ctx, "README.md")
    prog = _read(ctx, EXAMPLE)
    m = re.search(r"/\* README: begin \*/\n(.*?)/\* README: end \*/\n", prog, re.S)
    assert m, "no README markers in %s" % EXAMPLE
    blocks = re.findall(r"```c\n(.*?)```\n", readme, re.S)
    assert blocks, "no C block in README.md"
    assert m.group(1) in blocks, (
        "README.md's C API example is not %s's marked part, word for word" % EXAMPLE)


def test_readme_example_fetches_an_export(ctx):
    err = ctx.tool_error("gf_example")
    assert err is None, err
    out = os.path.join(ctx.tmp, "out")
    proc = _run(ctx, ctx.tool("gf_example") + _example_args(ctx, out))
    _check_fetched(ctx, proc, out)
    for f in ctx.servers.file_requests(settle=0):  # pre-signed links get no credential
        assert (f.get("authorization"), f.get("x_client_id")) == ("", ""), f


def _toolchain(ctx):
    """The compiler and flags of the build the CLI comes from: build/<triplet>[-static] is a
    cross build, build/sanitize one under ASan/UBSan."""
    folder = os.path.basename(os.path.dirname(ctx.cli[-1]))
    if "-linux-musl" in folder:
        # Static musl (build/<arch>-linux-musl[...]): musl's own include path, and mbedTLS's
        # client-only configuration, which a program including tls.h must name as the build did.
        arch = folder.split("-")[0]
        musl = ["-static", "-I" + os.path.join(ctx.root, "port", "openwrt"),
                '-DMBEDTLS_CONFIG_FILE="gf_mbedtls_config.h"']
        if arch == "x86_64":
            return "musl-gcc", musl
        return arch + "-linux-gnu-gcc", ["-specs=/usr/lib/%s-linux-musl/musl-gcc.specs" % arch] + musl
    flags = []
    if folder == "sanitize":
        flags = ["-fsanitize=address,undefined"]
    if folder.endswith("-static"):
        folder = folder[:-len("-static")]
        flags = ["-static"]
    cc = folder + "-gcc" if folder.count("-") >= 2 else os.environ.get("CC", "cc")
    return cc, flags


def _make_env():
    # A make started by make must not inherit its jobserver, but must keep the command line's
    # variables (CFLAGS, MBEDTLS=...): with others it would rebuild the folder under test with
    # another configuration. make puts them after " -- " in MAKEFLAGS.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    flags = os.environ.get("MAKEFLAGS", "")
    if flags.startswith("-- ") or " -- " in flags:
        env["MAKEFLAGS"] = "-- " + flags.split("-- ", 1)[1]
    return env


def test_installed_library_builds_with_pkg_config_and_refuses_other_limits(ctx):
    build = os.path.dirname(ctx.cli[-1])
    assert os.path.isfile(os.path.join(build, "libgiofetch.a")), "no library in %s" % build
    prefix = os.path.join(ctx.tmp, "prefix")
    p = procs.run(["make", "--no-print-directory", "-C", ctx.root, "install",
                        "O=" + build, "PREFIX=" + prefix], env=_make_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=300)
    assert p.returncode == 0, "make install: %s" % p.stdout[-3000:]
    for h in ("giofetch/giofetch.h", "giofetch/port.h", "giofetch/config.h", "giofetch/tls.h",
              "gf_port_posix.h"):
        assert os.path.isfile(os.path.join(prefix, "include", h)), "not installed: %s" % h

    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    pc = os.path.join(prefix, "lib", "pkgconfig", "giofetch.pc")
    with open(pc) as f:
        text = f.read()
    assert re.search(r"^Libs: -L\S+ -lgiofetch$", text, re.M), text
    # Debian's mbedTLS by name; one built here (MBEDTLS=, LIBC=musl) by its archive's path.
    assert re.search(r"^Libs\.private: (-lmbedtls -lmbedx509 -lmbedcrypto|/\S+/libmbedtls\.a)$",
                     text, re.M), text

    def pkg(*args):
        r = procs.run(["pkg-config"] + list(args) + ["giofetch"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        assert r.returncode == 0, "pkg-config %s: %s" % (" ".join(args), r.stderr)
        return r.stdout.split()

    cflags, libs = pkg("--cflags"), pkg("--static", "--libs")
    assert "-lmbedtls" not in pkg("--libs"), "mbedTLS belongs in Libs.private"
    cc, flags = _toolchain(ctx)
    src = os.path.join(ctx.root, EXAMPLE)

    def build(name, extra):
        exe = os.path.join(ctx.tmp, name)
        argv = [cc, "-std=c99", "-O1"] + flags + extra + cflags + [src, "-o", exe] + libs
        r = procs.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=120)
        assert r.returncode == 0, "%s: %s" % (" ".join(argv), r.stdout[-3000:])
        return ctx.cli[:-1] + [exe]

    same = build("example-installed", [])
    out = os.path.join(ctx.tmp, "out-installed")
    _check_fetched(ctx, _run(ctx, same + _example_args(ctx, out)), out)

    other = build("example-other-limits", OTHER_LIMITS)
    out = os.path.join(ctx.tmp, "out-other")
    before = len(ctx.servers.api_requests())
    proc = _run(ctx, other + _example_args(ctx, out))
    ctx.log(proc.stdout.strip())
    assert proc.returncode == 1, "exit %s (a crash is not a refusal): %s %s" % (
        proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout.splitlines() == [CONFIG_REFUSAL], proc.stdout
    assert os.listdir(out) == [], os.listdir(out)
    assert len(ctx.servers.api_requests()) == before, "a refused client called the API"
