#!/usr/bin/env python3
"""make bench: giofetch against curl, wget and the floor program on loopback.

    python3 tests/bench/bench.py --bin BUILD_DIR [--runs N] [--results FILE]
                                 [--workdir DIR] [--out-dir DIR] [--keep] [--quick]

BUILD_DIR holds giofetch, gf_get and gf_floor (bench.mk builds them). The local servers
(tests/server: nginx with TLS and plain HTTP over the same files, the export API over HTTPS)
run on 127.0.0.1 for the whole run. Measured:

  1. wall time, user+sys CPU and max RSS (/usr/bin/time -v; CPU to the microsecond from
     wait4) of `giofetch fetch` (API call over HTTPS, file links over HTTPS or plain HTTP),
     gf_floor, gf_floor --md5, curl, curl + md5sum and wget, fetching the same URLs to disk;
     one 256 MiB file, 16 files of 16 MiB, one 16 MiB file. Runs alternate (A B C ... A B C),
     one warm-up round first; median and min-max are reported. The cipher suite of each
     client is taken from nginx's access log, and from giofetch -v and curl -v.
  2. instructions (valgrind callgrind, total Ir) for a 16 MiB and a 64 KiB file, giving
     Ir per MB, the fixed cost per run, and a callgrind_annotate profile of giofetch.
  3. heap inside mbedTLS (valgrind massif) for a 16 MiB and a 256 MiB download with the test
     CA only, and with the whole system bundle plus the test CA.
  4. the two mbedTLS LTS lines side by side, when a second build folder is there (--bin36,
     default build/mbedtls-3.6 when it holds giofetch): the TLS version and suite each
     negotiates, resumption over three connections (nginx's $ssl_session_reused with
     keepalive_requests 1), the time, CPU and max RSS for 256 MiB over HTTPS (giofetch and
     floor+md5), and mbedTLS's heap peak by call site (test CA only). `--skip
     timing,instructions,memory,syscalls` runs this part alone (make bench-tls).

The tables are printed and written to --results (markdown). Nothing is asserted: the exit
status is 0 unless a tool failed to run or fetched wrong bytes.
"""

import argparse
import datetime
import hashlib
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "tests", "server"))
import harness  # noqa: E402

MiB = 1 << 20
KiB = 1 << 10
PROJECT = "bench"
TOKEN = "bench-token"
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

# name -> list of (served path under the bucket's extra/ folder, size[, md5 headers]).
# The file host sends x-amz-meta-md5-hash; "16m-cmd5" also sends Content-MD5.
FILESETS = {
    "256m": [("bench/big-256m.bin", 256 * MiB)],
    "16x16m": [("bench/p16-%02d.bin" % i, 16 * MiB) for i in range(16)],
    "16m": [("bench/p16-00.bin", 16 * MiB)],
    "64k": [("bench/tiny-64k.bin", 64 * KiB)],
    "16m-cmd5": [("bench/p16-cmd5.bin", 16 * MiB, "both")],
}
LABELS = {"256m": "1 x 256 MiB", "16x16m": "16 x 16 MiB", "16m": "1 x 16 MiB", "64k": "1 x 64 KiB",
          "16m-cmd5": "1 x 16 MiB with Content-MD5"}
# Each (file set, protocol of the links) is one export period of its own data type.
DATA_TYPE = {
    ("256m", "https"): "visit", ("256m", "http"): "page",
    ("16x16m", "https"): "action", ("16x16m", "http"): "action_tag",
    ("16m", "https"): "custom_event", ("16m", "http"): "pvar",
    ("64k", "https"): "ads_track_click", ("64k", "http"): "ads_track_activation",
    ("16m-cmd5", "https"): "evar", ("16m-cmd5", "http"): "vstr",
}
DEFAULT_SUITE = "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256"
GCM_SUITE = "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"
MBEDTLS_HEAP_GOAL = 48 * KiB


def log(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def run_text(cmd, **kw):
    """stdout+stderr of a command, '' when it cannot run."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                           **kw)
        return p.stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return ""


def first_line(text):
    return text.strip().splitlines()[0].strip() if text.strip() else "(not available)"


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fetched_files(out):
    """Paths of the files a run left under out, less giofetch's MANIFEST and lock."""
    for root, _, files in os.walk(out):
        for f in files:
            if f not in ("MANIFEST", ".giofetch.lock"):
                yield os.path.join(root, f)


def out_bytes(out):
    return sum(os.path.getsize(f) for f in fetched_files(out))


def out_md5s(out):
    """Sorted MD5 hex digests of the fetched files (read in 4 MiB blocks)."""
    got = []
    for path in fetched_files(out):
        h = hashlib.md5()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(4 * MiB), b""):
                h.update(chunk)
        got.append(h.hexdigest())
    return sorted(got)


def clean_out(out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    os.sync()  # no earlier run's writeback during this one


def run_timed(cmd, tfile, stdout, stderr):
    """Run cmd under /usr/bin/time -v (its report to tfile): (exit code, {wall, user, sys, cpu,
    rss_kb}); the dict is None when the report has no maximum RSS. wall is measured here,
    CPU comes from wait4 (the command and time itself)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(["/usr/bin/time", "-v", "-o", tfile] + cmd, stdout=stdout,
                         stderr=stderr, stdin=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    with open(tfile) as f:
        ttext = f.read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", ttext)
    ex = re.search(r"Exit status: (\d+)", ttext)
    if rc == 0 and ex and ex.group(1) != "0":
        rc = int(ex.group(1))
    if not m:
        return rc, None
    return rc, {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
                "cpu": ru.ru_utime + ru.ru_stime, "rss_kb": int(m.group(1))}


def alloc_table(add, parts):
    """The markdown table of a massif heap peak by allocating function ([(function, bytes)]),
    one line at a time through add, and a blank line after it."""
    add("| bytes | allocated in |")
    add("| --- | --- |")
    for fn, b in parts:
        add("| %s | %s |" % ("{:,}".format(b), fn))
    add("")


class Bench:
    def __init__(self, args):
        self.a = args
        self.bin = os.path.abspath(args.bin)
        self.cli = os.path.join(self.bin, "giofetch")
        self.get = os.path.join(self.bin, "gf_get")
        self.floor = os.path.join(self.bin, "gf_floor")
        # Fresh folders of our own inside the ones given: only they are ever removed.
        base = os.path.abspath(args.workdir or os.path.join(self.bin, "bench"))
        os.makedirs(base, exist_ok=True)
        self.base = base
        self.work = tempfile.mkdtemp(prefix="run-", dir=base)
        if args.out_dir:
            os.makedirs(args.out_dir, exist_ok=True)
            self.out = tempfile.mkdtemp(prefix="out-", dir=os.path.abspath(args.out_dir))
        else:
            self.out = os.path.join(self.work, "out")
        self.disk_out = self.out
        self.shm_out = None
        if not args.no_tmpfs and os.path.isdir("/dev/shm") and fs_type("/dev/shm") == "tmpfs":
            st = os.statvfs("/dev/shm")
            if st.f_bavail * st.f_frsize > 640 * MiB:
                self.shm_out = "/dev/shm/giofetch-bench-%d" % os.getpid()
        self.tmp = os.path.join(self.work, "tmp")
        self.have_wget = shutil.which("wget") is not None
        self.s = None
        self.links = {}     # (fileset, proto) -> [url]
        self.md5 = {}       # served path -> hex
        self.date = None
        self.suite = DEFAULT_SUITE
        self.timing = {}    # (fileset, proto) -> {prog: [run dicts]}
        self.ciphers = {}   # (proto, prog) -> "proto cipher" as nginx logged it
        self.conns = {}     # (fileset, proto, prog) -> connections used per run
        self.client_suite = {}
        self.ir = {}        # (fileset, proto, prog) -> total Ir
        self.cg_files = {}
        self.profiles = {}
        self.heap = {}
        self.bundle = {}
        self.syscalls = {}
        self.sanitize_paths = [(self.work, "<work>"), (TOP + "/", ""), (TOP, ".")]
        self.libs = []      # [(label, build folder)] for section 4
        for label, d in (("default", self.bin), ("3.6", args.bin36)):
            if d and os.access(os.path.join(d, "giofetch"), os.X_OK) and \
                    os.path.abspath(d) not in [b for _, b in self.libs]:
                self.libs.append((label, os.path.abspath(d)))
        self.lib = {}       # label -> results of section 4

    # ---- set up ----------------------------------------------------------------------------

    def check_tools(self):
        need = [self.cli, self.get, self.floor, "/usr/bin/time"]
        missing = [p for p in need if not os.access(p, os.X_OK)]
        for t in ("curl", "valgrind", "callgrind_annotate", "nginx", "md5sum"):
            if shutil.which(t) is None:
                missing.append(t)
        if missing:
            sys.exit("bench: missing %s (make bench installs and builds them)" % ", ".join(missing))

    def start(self):
        os.makedirs(self.tmp)
        log("== starting nginx (HTTPS and HTTP, same files) and the export API on 127.0.0.1")
        self.s = harness.Servers(os.path.join(self.work, "servers"),
                                 {"token": TOKEN, "rate_limit": None}, variants=(),
                                 custom_servers={"oneshot": {"directives":
                                                             "keepalive_requests 1;"}})
        self.token_file = self.s.write_token_file(os.path.join(self.work, "token"))
        self.ca = self.s.ca_file
        log("== making the files (deterministic pseudo-random bytes)")
        paths = {}
        for files in FILESETS.values():
            for f in files:
                rel, size, mode = (tuple(f) + ("hex",))[:3]
                if rel not in paths:
                    path = "/%s/extra/%s" % ("gio-export", rel)
                    self.s.filehost.put(path, size=size, md5=mode, reload=False)
                    paths[rel] = path
                    self.md5[path] = self.s.file_md5(path)
        self.s.filehost.reload()
        self.date = harness.beijing_yesterday()
        periods = {}
        for (fs, proto), dt in DATA_TYPE.items():
            urls = [self.s.sign_url(paths[f[0]], ttl_s=4 * 3600, origin=proto)
                    for f in FILESETS[fs]]
            self.links[(fs, proto)] = urls
            periods["day/%s/%s/%s" % (dt, PROJECT, self.date)] = {"links": urls}
        self.s.set_fixture({"token": TOKEN, "project": PROJECT, "rate_limit": None,
                            "periods": periods})
        self.expected = {fs: sum(f[1] for f in files) for fs, files in FILESETS.items()}
        self.paths_of = {fs: [paths[f[0]] for f in files] for fs, files in FILESETS.items()}

    def stop(self):
        if self.s is not None:
            self.s.stop()
        if self.shm_out:
            shutil.rmtree(self.shm_out, ignore_errors=True)
        if not self.a.keep:
            shutil.rmtree(self.work, ignore_errors=True)
            if self.a.out_dir:
                shutil.rmtree(self.out, ignore_errors=True)
            try:
                os.rmdir(self.base)  # only when nothing else is in it
            except OSError:
                pass

    # ---- commands --------------------------------------------------------------------------

    def giofetch_cmd(self, fs, proto, ca=None, extra=()):
        """giofetch fetch of one period into self.out."""
        return [self.cli, "fetch", "--base-url", self.s.api_base, "--ca-file", ca or self.ca,
                "--token-file", self.token_file, "--project", PROJECT, "--type", "day",
                "--data", DATA_TYPE[(fs, proto)], "--date", self.date, "--out", self.out,
                "-q"] + list(extra)

    def floor_cmd(self, fs, proto, md5=False):
        cmd = [self.floor, "--ca", self.ca, "--suite", self.suite, "-d", self.out]
        return cmd + (["--md5"] if md5 else []) + self.links[(fs, proto)]

    def curl_cmd(self, fs, proto):
        cmd = ["curl", "-sS", "--fail", "--cacert", self.ca]
        for i, u in enumerate(self.links[(fs, proto)]):
            cmd += ["-o", os.path.join(self.out, "f%02d" % i), u]
        return cmd

    def curl_md5_cmd(self, fs, proto):
        files = [os.path.join(self.out, "f%02d" % i) for i in range(len(self.links[(fs, proto)]))]
        return ["sh", "-c", "%s && md5sum %s" % (" ".join(shlex.quote(c) for c in
                                                          self.curl_cmd(fs, proto)),
                                                 " ".join(shlex.quote(f) for f in files))]

    def wget_cmd(self, fs, proto):
        lst = os.path.join(self.tmp, "wget-%s-%s.txt" % (fs, proto))
        with open(lst, "w") as f:
            f.write("\n".join(self.links[(fs, proto)]) + "\n")
        return ["wget", "-q", "--ca-certificate=" + self.ca, "-P", self.out, "-i", lst]

    def progs(self):
        p = [("giofetch", self.giofetch_cmd)]
        if self.shm_out:
            p.append(("giofetch@tmpfs", self.giofetch_cmd))
        p += [("floor", self.floor_cmd),
             ("floor+md5", lambda fs, pr: self.floor_cmd(fs, pr, md5=True)),
             ("curl", self.curl_cmd), ("curl+md5sum", self.curl_md5_cmd)]
        if self.have_wget:
            p.append(("wget", self.wget_cmd))
        return p

    # ---- one run ---------------------------------------------------------------------------

    def clean_out(self):
        clean_out(self.out)

    def timed(self, name, cmd):
        """Run cmd under /usr/bin/time -v; returns wall, user, sys, cpu, rss_kb."""
        tfile = os.path.join(self.tmp, "time.txt")
        ofile = os.path.join(self.tmp, "%s.out" % name)
        efile = os.path.join(self.tmp, "%s.err" % name)
        with open(ofile, "wb") as o, open(efile, "wb") as e:
            rc, r = run_timed(cmd, tfile, o, e)
        if rc != 0 or r is None:
            with open(efile, errors="replace") as f:
                err = f.read()[-2000:]
            raise RuntimeError("%s failed (exit %s):\n%s\n%s" % (
                name, rc, self.clean(" ".join(cmd)), self.clean(err)))
        return r

    def clean(self, text):
        for path, repl in self.sanitize_paths:
            text = text.replace(path, repl)
        return text

    # ---- 1. timing -------------------------------------------------------------------------

    def file_host_tls(self, text):
        """What giofetch -v says of TLS with the file host: "TLSv1.2 TLS-ECDHE-..." or None."""
        want = "connecting to localhost:%d" % self.s.file_port
        seen = False
        for line in text.splitlines():
            if want in line:
                seen = True
            elif seen and "TLS: " in line:
                return line.split("TLS: ", 1)[1].strip()
        return None

    def probe_suites(self):
        """Which suite giofetch and curl say they use with the file host."""
        self.clean_out()
        fs = "64k"
        cmd = self.giofetch_cmd(fs, "https")
        cmd[cmd.index("-q")] = "-v"
        tls = self.file_host_tls(run_text(cmd))
        if tls:
            self.client_suite["giofetch"] = tls
        got = self.client_suite.get("giofetch", "")
        name = got.split()[-1] if got else ""
        if name.startswith("TLS-"):
            self.suite = name
        self.clean_out()
        text = run_text(["curl", "-sS", "-v", "--cacert", self.ca, "-o",
                         os.path.join(self.out, "probe"), self.links[(fs, "https")][0]])
        m = re.search(r"SSL connection using (.*)", text)
        if m:
            self.client_suite["curl"] = m.group(1).strip()
        log("   giofetch -v: TLS: %s" % self.client_suite.get("giofetch", "?"))
        log("   curl -v: SSL connection using %s" % self.client_suite.get("curl", "?"))
        log("   floor: --suite %s (the suite giofetch negotiated)" % self.suite)

    def timing_runs(self):
        runs = self.a.runs
        for fs in ("256m", "16x16m", "16m"):
            for proto in ("https", "http"):
                key = (fs, proto)
                res = {name: [] for name, _ in self.progs()}
                log("== %s over %s: %d rounds of %s (+1 warm-up)" % (
                    LABELS[fs], proto.upper(), runs, " ".join(res)))
                for r in range(runs + 1):
                    for name, build in self.progs():
                        self.out = self.shm_out if name.endswith("@tmpfs") else self.disk_out
                        self.clean_out()
                        cmd = build(fs, proto)
                        off = self.s.filehost.log_offset()
                        one = self.timed(name, cmd)
                        got = out_bytes(self.out)
                        if got != self.expected[fs]:
                            raise RuntimeError("%s wrote %d bytes, expected %d" % (
                                name, got, self.expected[fs]))
                        if r == 0:
                            want = sorted(self.md5[p] for p in self.paths_of[fs])
                            if out_md5s(self.out) != want:
                                raise RuntimeError("%s wrote wrong bytes (md5)" % name)
                            entries = [e for e in self.s.filehost.requests(off)
                                       if "/gio-export/" in e.get("path", "")]
                            self.conns[(fs, proto, name)] = len({e.get("connection")
                                                                 for e in entries})
                            if proto == "https" and entries:
                                self.ciphers[(proto, name)] = "%s %s" % (
                                    entries[0].get("ssl_protocol", "?"),
                                    entries[0].get("ssl_cipher", "?"))
                            continue
                        res[name].append(one)
                    if r > 0:
                        sys.stdout.write("   round %d/%d  %s\n" % (r, runs, "  ".join(
                            "%s %.2fs" % (n, res[n][-1]["wall"]) for n in res)))
                        sys.stdout.flush()
                self.timing[key] = res
        self.out = self.disk_out
        if self.shm_out:
            shutil.rmtree(self.shm_out, ignore_errors=True)

    # ---- 2. instructions -------------------------------------------------------------------

    def callgrind(self, tag, cmd):
        out = os.path.join(self.work, "cg", "callgrind.%s" % tag.replace("/", "_"))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        p = subprocess.run(["valgrind", "--tool=callgrind", "-q", "--callgrind-out-file=" + out]
                           + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError("callgrind %s failed: %s" % (tag, self.clean(
                p.stderr.decode("utf-8", "replace")[-2000:])))
        total = None
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
        self.cg_files[tag] = out
        return total

    def cg_progs(self, proto="https"):
        extra = []
        if proto == "https":
            extra.append(("floor/default-curves", lambda fs, pr: [
                self.floor, "--ca", self.ca, "--suite", self.suite, "--default-curves", "-d",
                self.out] + self.links[(fs, pr)]))
        if proto == "https" and self.suite != GCM_SUITE:
            extra.append(("floor/AES-128-GCM", lambda fs, pr: [
                self.floor, "--ca", self.ca, "--suite", GCM_SUITE, "-d", self.out]
                + self.links[(fs, pr)]))
        return extra + [("giofetch", self.giofetch_cmd),
                ("gf_get", lambda fs, pr: [self.get, "--ca", self.ca, "-o",
                                           os.path.join(self.out, "g"),
                                           self.links[(fs, pr)][0]]),
                ("floor", self.floor_cmd),
                ("floor+md5", lambda fs, pr: self.floor_cmd(fs, pr, md5=True)),
                ("curl", self.curl_cmd)]

    def instruction_runs(self):
        log("== instructions (valgrind --tool=callgrind), 16 MiB and 64 KiB files")
        for proto in ("https", "http"):
            for fs in ("16m", "64k"):
                for name, build in self.cg_progs(proto):
                    self.clean_out()
                    tag = "%s-%s-%s" % (name, fs, proto)
                    ir = self.callgrind(tag, build(fs, proto))
                    if out_bytes(self.out) != self.expected[fs]:
                        raise RuntimeError("%s under callgrind wrote wrong bytes" % tag)
                    self.ir[(fs, proto, name)] = ir
                    log("   %-24s %14s Ir" % (tag, "{:,}".format(ir)))
        for proto in ("https", "http"):
            fs = "16m-cmd5"
            self.clean_out()
            tag = "giofetch-%s-%s" % (fs, proto)
            self.ir[(fs, proto, "giofetch")] = self.callgrind(tag, self.giofetch_cmd(fs, proto))
            if out_bytes(self.out) != self.expected[fs]:
                raise RuntimeError("%s under callgrind wrote wrong bytes" % tag)
            log("   %-24s %14s Ir" % (tag, "{:,}".format(self.ir[(fs, proto, "giofetch")])))
        for proto in ("https", "http"):
            self.profiles[proto] = self.profile(self.cg_files["giofetch-16m-%s" % proto])
        self.profiles["cmd5-https"] = self.profile(self.cg_files["giofetch-16m-cmd5-https"])
        self.profiles["floor-https"] = self.profile(self.cg_files["floor-16m-https"])
        self.profiles["floor-dc-https"] = self.profile(
            self.cg_files["floor/default-curves-16m-https"])

    def annotate(self, path, *opts):
        text = run_text(["callgrind_annotate", "--threshold=100"] + list(opts) + [path])
        rows = []
        in_table = False
        for line in text.splitlines():
            if re.match(r"^-+$", line.strip()):
                continue
            if "file:function" in line:
                in_table = True
                continue
            if not in_table:
                continue
            m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)\s*$", line)
            if m and "PROGRAM TOTALS" not in line:
                rows.append((int(m.group(1).replace(",", "")), m.group(2)))
            elif in_table and line.strip() == "" and rows:
                break
        return rows, text

    @staticmethod
    def split_fn(desc):
        """'file:function [object]' -> (function, object basename)."""
        m = re.match(r"^(.*?)\s*\[(.*)\]$", desc)
        obj = os.path.basename(m.group(2)) if m else ""
        fn = (m.group(1) if m else desc)
        fn = fn.split(":", 1)[1] if ":" in fn else fn
        fn = re.sub(r"'\d+$", "", fn)
        return fn, obj

    def callers_of(self, path):
        """function -> its biggest caller, from callgrind_annotate --tree=caller."""
        text = run_text(["callgrind_annotate", "--threshold=100", "--tree=caller", path])
        out = {}
        block = []
        for line in text.splitlines() + [""]:
            if line.strip() == "":
                callers = []
                me = None
                for l in block:
                    m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+([<*])\s+(\S.*?)\s*(\(\d+x\))?\s*(\[.*\])?$",
                                 l)
                    if not m:
                        continue
                    desc = m.group(3) + (" " + m.group(5) if m.group(5) else "")
                    if m.group(2) == "<":
                        callers.append((int(m.group(1).replace(",", "")), desc))
                    else:
                        me = desc
                if me and callers:
                    out[self.split_fn(me)[0]] = self.split_fn(max(callers)[1])[0]
                block = []
            else:
                block.append(line)
        return out

    def profile(self, path):
        excl, _ = self.annotate(path)
        incl, _ = self.annotate(path, "--inclusive=yes")
        callers = self.callers_of(path)
        total = sum(ir for ir, _ in excl)
        by_obj = {}
        for ir, desc in excl:
            fn, obj = self.split_fn(desc)
            by_obj[obj] = by_obj.get(obj, 0) + ir
        top = []
        for ir, desc in excl[:14]:
            fn, obj = self.split_fn(desc)
            if fn.startswith("0x") and fn in callers:
                fn = "static fn %s, called by %s" % (fn.lstrip("0x").lstrip("0") or "0", callers[fn])
            top.append((ir, fn, obj))
        inc = {}
        for ir, desc in incl:
            fn, _ = self.split_fn(desc)
            inc[fn] = max(inc.get(fn, 0), ir)
        return {"total": total, "top": top, "by_obj": by_obj, "incl": inc}

    # ---- system calls ----------------------------------------------------------------------

    def syscall_runs(self):
        if shutil.which("strace") is None:
            log("== (no strace: system calls not counted)")
            return
        log("== system calls (strace -f -c), 1 x 16 MiB")
        self.syscalls = {}
        for proto in ("https", "http"):
            for name, build in (("giofetch", self.giofetch_cmd), ("floor", self.floor_cmd),
                                ("curl", self.curl_cmd)):
                self.clean_out()
                out = os.path.join(self.tmp, "strace-%s-%s.txt" % (name, proto))
                p = subprocess.run(["strace", "-f", "-c", "-o", out] + build("16m", proto),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if p.returncode != 0:
                    continue
                calls = {}
                with open(out) as f:
                    for line in f:
                        m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d+\s+)?(\w+)\s*$",
                                     line)
                        if m and m.group(3) != "total":
                            calls[m.group(3)] = int(m.group(1))
                self.syscalls[(proto, name)] = calls

    # ---- 3. memory -------------------------------------------------------------------------

    def massif(self, tag, cmd):
        out = os.path.join(self.work, "massif", "massif.%s" % tag)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        p = subprocess.run(["valgrind", "--tool=massif", "-q", "--time-unit=B", "--detailed-freq=1",
                            "--max-snapshots=1000", "--threshold=0", "--depth=3",
                            "--peak-inaccuracy=0.0", "--massif-out-file=" + out] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError("massif %s failed: %s" % (tag, self.clean(
                p.stderr.decode("utf-8", "replace")[-2000:])))
        return parse_massif(out)

    def memory_runs(self):
        log("== heap (valgrind --tool=massif), giofetch fetch over HTTPS, --ca-file test CA")
        for fs in ("16m", "256m"):
            self.clean_out()
            self.heap[fs] = self.massif("giofetch-%s" % fs, self.giofetch_cmd(fs, "https"))
            h = self.heap[fs]
            log("   %-10s mbedTLS peak %d B, whole heap peak %d B (+%d B malloc overhead)" % (
                LABELS[fs], h["mbed_peak"], h["heap_peak"], h["heap_peak_extra"]))
        if not os.path.exists(SYSTEM_BUNDLE):
            log("   (no %s: the system bundle's cost is not measured)" % SYSTEM_BUNDLE)
            return
        bundle = os.path.join(self.tmp, "bundle.pem")
        with open(bundle, "wb") as f:
            with open(SYSTEM_BUNDLE, "rb") as s:
                f.write(s.read())
            with open(self.ca, "rb") as s:
                f.write(b"\n" + s.read())
        with open(SYSTEM_BUNDLE, "rb") as s:
            self.bundle["count"] = s.read().count(b"-----BEGIN CERTIFICATE-----")
        self.bundle["bytes"] = os.path.getsize(SYSTEM_BUNDLE)
        self.clean_out()
        self.heap["bundle"] = self.massif("giofetch-16m-bundle",
                                          self.giofetch_cmd("16m", "https", ca=bundle))
        h = self.heap["bundle"]
        log("   %-10s mbedTLS peak %d B, whole heap peak %d B (system bundle + test CA)" % (
            "1 x 16 MiB", h["mbed_peak"], h["heap_peak"]))
        self.clean_out()
        self.ir[("16m", "https", "giofetch-bundle")] = self.callgrind(
            "giofetch-16m-https-bundle", self.giofetch_cmd("16m", "https", ca=bundle))
        self.bundle["profile"] = self.profile(self.cg_files["giofetch-16m-https-bundle"])
        runs = {"test CA": [], "bundle": []}
        for r in range(self.a.runs + 1):
            for name, ca in (("test CA", None), ("bundle", bundle)):
                self.clean_out()
                one = self.timed("giofetch-ca", self.giofetch_cmd("16m", "https", ca=ca))
                if r > 0:
                    runs[name].append(one)
        self.bundle["runs"] = runs

    # ---- 4. the mbedTLS versions ------------------------------------------------------------

    def lib_cmd(self, d, fs, extra=()):
        cmd = self.giofetch_cmd(fs, "https", extra=extra)
        cmd[0] = os.path.join(d, "giofetch")
        return cmd

    def library_runs(self):
        if len(self.libs) < 2:
            log("== (one build folder only: no comparison of mbedTLS versions; build "
                "build/mbedtls-3.6 or give --bin36)")
        for label, d in self.libs:
            r = {"dir": d}
            r["version"] = first_line(run_text([os.path.join(d, "giofetch"), "--version"]))
            # negotiated version and suite, as the client says (-v) and nginx logged it
            self.clean_out()
            off = self.s.filehost.log_offset()
            cmd = self.lib_cmd(d, "64k")
            cmd[cmd.index("-q")] = "-v"
            tls = self.file_host_tls(run_text(cmd))
            if tls:
                r["client_tls"] = tls
            ent = [e for e in self.s.filehost.requests(off) if "/gio-export/" in e.get("path", "")]
            r["nginx_tls"] = ("%s %s" % (ent[0].get("ssl_protocol"), ent[0].get("ssl_cipher"))
                              if ent else "?")
            # resumption: three downloads, one connection each
            link = self.s.sign_url(self.paths_of["64k"][0], ttl_s=4 * 3600, origin="oneshot")
            off = self.s.filehost.log_offset()
            subprocess.run([os.path.join(d, "gf_get"), "--ca", self.ca, link, link, link],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            ent = [e for e in self.s.filehost.requests(off) if "/gio-export/" in e.get("path", "")]
            r["resumed"] = [e.get("ssl_session_reused") for e in ent]
            r["resume_proto"] = sorted({e.get("ssl_protocol") for e in ent})
            name = r.get("client_tls", "").split()[-1] if r.get("client_tls") else DEFAULT_SUITE
            r["floor_suite"] = name
            log("   %s: %s; TLS %s (nginx: %s); resumption over 3 connections: %s" % (
                label, r["version"], r.get("client_tls", "?"), r["nginx_tls"],
                " ".join(r["resumed"])))
            self.lib[label] = r
        # 256 MiB over HTTPS, the builds alternating
        runs = self.a.runs
        progs = []
        for label, d in self.libs:
            progs.append((label, "giofetch", lambda d=d: self.lib_cmd(d, "256m")))
            if os.access(os.path.join(d, "gf_floor"), os.X_OK):
                progs.append((label, "floor+md5", lambda d=d, label=label: [
                    os.path.join(d, "gf_floor"), "--ca", self.ca, "--suite",
                    self.lib[label]["floor_suite"], "--md5", "-d", self.out]
                    + self.links[("256m", "https")]))
        log("== 1 x 256 MiB over HTTPS per mbedTLS build: %d rounds (+1 warm-up)" % runs)
        res = {(l, n): [] for l, n, _ in progs}
        for rnd in range(runs + 1):
            for label, name, build in progs:
                self.clean_out()
                one = self.timed("%s-%s" % (label, name), build())
                if out_bytes(self.out) != self.expected["256m"]:
                    raise RuntimeError("%s %s wrote wrong bytes" % (label, name))
                if rnd > 0:
                    res[(label, name)].append(one)
            if rnd > 0:
                log("   round %d/%d  %s" % (rnd, runs, "  ".join(
                    "%s/%s %.2fs" % (l, n, res[(l, n)][-1]["wall"]) for l, n, _ in progs)))
        for (label, name), rr in res.items():
            self.lib[label][name] = rr
        log("== mbedTLS heap per build (massif, 1 x 16 MiB over HTTPS, test CA only)")
        for label, d in self.libs:
            self.clean_out()
            h = self.massif("lib-%s-16m" % label, self.lib_cmd(d, "16m"))
            self.lib[label]["heap"] = h
            log("   %s: mbedTLS peak %d B, whole heap peak %d B" % (label, h["mbed_peak"],
                                                                  h["heap_peak"]))

    def library_report(self, add):
        if not self.lib:
            return
        add("## 4. mbedTLS 2.28 and 3.6")
        add("")
        add("The same giofetch source built against each mbedTLS (the default build and "
            "build/mbedtls-3.6), the same servers (nginx 1.22 with OpenSSL 3.0: TLS 1.2 and "
            "1.3). 1 x 256 MiB over HTTPS, %d alternating rounds; heap: massif as in section "
            "3, 1 x 16 MiB, `--ca-file` with the test CA only; resumption: `gf_get` fetching "
            "one link three times from a listener with `keepalive_requests 1` (one connection "
            "per download), nginx's `$ssl_session_reused` per connection." % self.a.runs)
        add("")
        add("| build | negotiated (giofetch -v) | nginx's log | resumed (3 connections) | "
            "giofetch wall s | CPU s | max RSS MiB | floor+md5 wall s | mbedTLS heap peak | "
            "whole heap peak |")
        add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for label, _ in self.libs:
            r = self.lib[label]
            g = r.get("giofetch", [])
            f = r.get("floor+md5", [])
            h = r.get("heap", {})
            add("| %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s B (%.1f KiB) | %s B |" % (
                lib_name(r["version"]), r.get("client_tls", "?"),
                r["nginx_tls"], " ".join(x if x == "r" else "." for x in r["resumed"]),
                ", ".join(r["resume_proto"]),
                "%.3f" % med([x["wall"] for x in g]) if g else "-",
                "%.3f" % med([x["cpu"] for x in g]) if g else "-",
                "%.1f" % (med([x["rss_kb"] for x in g]) / 1024.0) if g else "-",
                "%.3f" % med([x["wall"] for x in f]) if f else "-",
                "{:,}".format(h.get("mbed_peak", 0)), h.get("mbed_peak", 0) / 1024.0,
                "{:,}".format(h.get("heap_peak", 0))))
        add("")
        for label, _ in self.libs:
            h = self.lib[label].get("heap")
            if not h:
                continue
            parts = h["mbed_parts"]
            rec = sum(b for fn, b in parts if fn.startswith("mbedtls_ssl_setup"))
            psa = sum(b for fn, b in parts if fn.startswith("psa_"))
            psa_text = ("; PSA %s B (psa_crypto_local_output_alloc: PSA's copy of the output "
                        "of a record's decryption, a whole record, held while the record is "
                        "decrypted, since MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS is off by "
                        "default; and its key slots)" % "{:,}".format(psa)) if psa else ""
            add("%s: mbedTLS's heap at its peak, by allocating function. The record buffers "
                "(mbedtls_ssl_setup: input and output, 16 KB each and their overhead) %s B%s; "
                "the handshake, certificates and bignums %s B." % (
                    lib_name(self.lib[label]["version"]), "{:,}".format(rec), psa_text,
                    "{:,}".format(h["mbed_peak"] - rec - psa)))
            add("")
            alloc_table(add, h["mbed_parts"][:12])

    # ---- report ----------------------------------------------------------------------------

    def versions(self):
        v = {}
        v["giofetch"] = first_line(run_text([self.cli, "--version"]))
        v["curl"] = first_line(run_text(["curl", "--version"]))
        v["wget"] = first_line(run_text(["wget", "--version"])) if self.have_wget else "(absent)"
        v["mbedTLS"] = re.sub(r"^gf_floor \((.*)\)$", r"\1",
                              first_line(run_text([self.floor, "--version"])))
        nv = run_text(["nginx", "-V"])
        v["nginx"] = first_line(nv) + "".join(
            "; " + l.strip() for l in nv.splitlines() if l.startswith("built with"))
        v["valgrind"] = first_line(run_text(["valgrind", "--version"]))
        v["kernel"] = "%s %s" % (os.uname().sysname, os.uname().release)
        v["python"] = sys.version.split()[0]
        return v

    @staticmethod
    def cpu_model():
        model, n = "unknown", 0
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name") and model == "unknown":
                        model = line.split(":", 1)[1].strip()
                    if line.startswith("processor"):
                        n += 1
        except OSError:
            pass
        flags = ""
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("flags"):
                        have = set(line.split(":", 1)[1].split())
                        flags = " ".join(x for x in ("aes", "pclmulqdq", "avx2", "sha_ni")
                                         if x in have)
                        break
        except OSError:
            pass
        return "%s, %d logical CPUs (flags: %s)" % (model, n, flags or "-")

    def fs_of_out(self):
        return fs_type(self.disk_out)

    def report(self):
        L = []
        add = L.append
        v = self.versions()
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        add("# giofetch benchmarks")
        add("")
        add("Written by `make bench` (tests/bench/bench.py) on %s. Loopback only: nginx and the "
            "export API run on 127.0.0.1 on the same machine as the clients." % now)
        add("")
        add("| | |")
        add("| --- | --- |")
        add("| CPU | %s |" % self.cpu_model())
        for k in ("kernel", "giofetch", "mbedTLS", "curl", "wget", "nginx", "valgrind", "python"):
            add("| %s | %s |" % (k, v[k].replace("|", "/")))
        add("| load average (1, 5, 15 min) | at the start %s; at the end %s (other work on the "
            "machine shows in the spread) |" % (self.load[0], self.load[-1]))
        add("| output folder | %s file system; giofetch fsyncs each file, the MANIFEST and the "
            "folder (its contract), the others do not |" % self.fs_of_out())
        add("")
        add("## How")
        add("")
        add("- **giofetch**: `giofetch fetch --base-url https://localhost:API --ca-file ca.crt "
            "--token-file F --project bench --type day --data T --date D --out DIR -q`: one API "
            "call over HTTPS (the Python export server), then the file links: HTTPS or plain "
            "HTTP (the fixture's links). It verifies each file's MD5 (x-amz-meta-md5-hash), "
            "writes `.part`, fsyncs, renames, writes the MANIFEST.")
        add("- **floor**: `gf_floor` (tests/bench/floor.c): connect, minimal GET, recv or "
            "mbedtls_ssl_read into a 16 KB buffer, write(2); HTTPS with mbedTLS, verification "
            "on with the same CA, only the suite giofetch negotiated (`%s`), X25519 for "
            "the key exchange, mbedTLS's default 16 KB records; all files on one kept-alive connection. **floor+md5** adds an MD5 "
            "of the bodies (what giofetch's verification costs)." % self.suite)
        add("- **curl**: `curl -sS --fail --cacert ca.crt -o F URL ...` (all URLs in one "
            "process, one kept-alive connection); **curl+md5sum**: the same, then `md5sum` of "
            "the files (the same work as giofetch's verification); **wget**: `wget -q "
            "--ca-certificate=ca.crt -P DIR -i LIST`.")
        add("- Wall: from spawn to exit. CPU: user+sys of the process and its children (wait4). "
            "Max RSS: `/usr/bin/time -v`. %d rounds, the programs alternating in each round "
            "(A B C ... A B C), after one warm-up round whose output is also checked by MD5; "
            "the output folder is emptied and `sync`ed before every run. Cells: median "
            "(min-max)." % self.a.runs)
        add("- Instructions: `valgrind --tool=callgrind`, total Ir (user space only: the "
            "kernel's copies are not counted). Per MB = (Ir(16 MiB) - Ir(64 KiB)) / 15.94 MiB; "
            "fixed = what is left at 64 KiB (start-up, CA, handshakes, the API call).")
        add("- Heap: `valgrind --tool=massif --time-unit=B --detailed-freq=1 --depth=3`; bytes "
            "whose allocating function is in libmbedtls/libmbedx509/libmbedcrypto, summed per "
            "snapshot (one every few KB of allocation activity), the largest sum reported; "
            "requested bytes, malloc's own overhead not included.")
        if self.shm_out:
            add("- **giofetch@tmpfs**: the same giofetch run with `--out` on /dev/shm (tmpfs), "
                "where fsync costs nothing: the difference to the giofetch row is what "
                "durability (fsync of each file) costs on this disk.")
        add("")

        # ---- table 1
        add("## 1. Wall time, CPU, max RSS")
        add("")
        for fs in ("256m", "16x16m", "16m"):
            for proto in ("https", "http"):
                res = self.timing.get((fs, proto))
                if not res:
                    continue
                mb = self.expected[fs] / 1e6
                add("### %s over %s" % (LABELS[fs], proto.upper() if proto == "http" else
                                         "HTTPS"))
                add("")
                add("| program | wall s | MB/s | user+sys CPU s | CPU ns/byte | max RSS MiB | "
                    "connections | TLS (nginx's log) |")
                add("| --- | --- | --- | --- | --- | --- | --- | --- |")
                for name, runs in res.items():
                    w = [r["wall"] for r in runs]
                    c = [r["cpu"] for r in runs]
                    m = [r["rss_kb"] / 1024.0 for r in runs]
                    add("| %s | %.3f (%.3f-%.3f) | %.0f | %.3f (%.3f-%.3f) | %.2f | %.1f "
                        "(%.1f-%.1f) | %s | %s |" % (
                            name, med(w), min(w), max(w), mb / med(w), med(c), min(c), max(c),
                            med(c) * 1e9 / self.expected[fs], med(m), min(m), max(m),
                            self.conns.get((fs, proto, name), "?"),
                            self.ciphers.get((proto, name), "-") if proto == "https" else "-"))
                g = res["giofetch"]
                ratios = []
                for other in ("curl", "floor", "floor+md5", "curl+md5sum"):
                    if other in res:
                        o = res[other]
                        ratios.append("vs %s: wall %.2fx, CPU %.2fx, RSS %.2fx" % (
                            other, med([r["wall"] for r in g]) / med([r["wall"] for r in o]),
                            med([r["cpu"] for r in g]) / med([r["cpu"] for r in o]),
                            med([r["rss_kb"] for r in g]) / med([r["rss_kb"] for r in o])))
                add("")
                add("giofetch " + "; ".join(ratios) + ".")
                add("")
        if self.client_suite:
            add("Suites the clients report: giofetch -v `TLS: %s`; curl -v `SSL connection "
                "using %s`." % (self.client_suite.get("giofetch", "?"),
                                self.client_suite.get("curl", "?")))
            add("")

        # ---- table 2
        add("## 2. Instructions (callgrind)")
        add("")
        add("| program | over | Ir, 16 MiB file | Ir per MB | fixed Ir per run | "
            "Ir/MB vs curl | Ir/MB vs floor | all Ir at 256 MiB vs floor (projected) |")
        add("| --- | --- | --- | --- | --- | --- | --- | --- |")
        marg = {}
        for proto in ("https", "http"):
            for name, _ in self.cg_progs(proto):
                big = self.ir.get(("16m", proto, name))
                small = self.ir.get(("64k", proto, name))
                if big is None or small is None:
                    continue
                per = (big - small) / ((16 * MiB - 64 * KiB) / 1e6)
                fixed = small - per * (64 * KiB / 1e6)
                marg[(proto, name)] = (per, fixed)
            for name, _ in self.cg_progs(proto):
                if (proto, name) not in marg:
                    continue
                per, fixed = marg[(proto, name)]
                fper, ffix = marg[(proto, "floor")]
                cper = marg.get((proto, "curl"), (0, 0))[0]
                proj = (fixed + per * 268.435456) / (ffix + fper * 268.435456)
                # Over HTTP the floor's user-space work is next to nothing: no ratio there.
                vs_floor = ("%.2fx" % (per / fper), "%.2fx" % proj) if proto == "https" \
                    else ("-", "-")
                add("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    name, proto.upper() if proto == "http" else "HTTPS",
                    "{:,}".format(self.ir[("16m", proto, name)]),
                    "{:,.0f}".format(per), "{:,.0f}".format(fixed),
                    "%.2fx" % (per / cper) if cper > 0 else "-", vs_floor[0], vs_floor[1]))
        for proto in ("https", "http"):
            a = self.ir.get(("16m", proto, "giofetch"))
            b = self.ir.get(("16m-cmd5", proto, "giofetch"))
            if a and b:
                add("| giofetch, the host also sends Content-MD5 | %s | %s | +%s Ir (+%.0f%%) "
                    "against the same file without it | | | | |" % (
                        "HTTP" if proto == "http" else "HTTPS", "{:,}".format(b),
                        "{:,}".format(b - a), 100.0 * (b - a) / a))
        add("")
        add("gf_get: the library's HTTP engine alone (tests/tools/gf_get: no API call, no MD5, "
            "stdio fwrite). Over HTTP almost all of the work is the kernel's (recv and write "
            "copies), which callgrind does not count: compare CPU seconds in table 1 there.")
        add("")
        for proto in ("https", "http"):
            pr = self.profiles.get(proto)
            if not pr:
                continue
            add("### Profile: giofetch fetch, 1 x 16 MiB over %s (%s Ir)" % (
                "HTTPS" if proto == "https" else "HTTP", "{:,}".format(pr["total"])))
            add("")
            add("Inclusive cost of the parts (they nest: MD5 is called from the parser's body "
                "callback; the API call includes its own handshake):")
            add("")
            add("| part | function (inclusive) | Ir | share |")
            add("| --- | --- | --- | --- |")
            parts = [("TLS records: decrypt, check, copy out", "mbedtls_ssl_read"),
                     ("MD5 of the body", "mbedtls_md5_update_ret"),
                     ("TLS handshakes (API + file host)", "mbedtls_ssl_handshake"),
                     ("the API call (incl. its handshake)", "gf_export_links"),
                     ("HTTP parser (incl. body callback)", "gf_http_parser_feed"),
                     ("body callback (MD5 + sink)", "on_body"),
                     ("file sink: write(2)", "f_write"),
                     ("CA loading", "cli_net_setup")]
            for label, fn in parts:
                ir = pr["incl"].get(fn)
                if ir:
                    add("| %s | %s | %s | %.1f%% |" % (label, fn, "{:,}".format(ir),
                                                       100.0 * ir / pr["total"]))
            add("")
            add("Top functions (exclusive):")
            add("")
            add("| Ir | share | function | object |")
            add("| --- | --- | --- | --- |")
            for ir, fn, obj in pr["top"][:12]:
                add("| %s | %.1f%% | %s | %s |" % ("{:,}".format(ir), 100.0 * ir / pr["total"],
                                                   fn, obj))
            add("")
            add("By object: " + ", ".join("%s %.1f%%" % (o or "?", 100.0 * ir / pr["total"])
                                          for o, ir in sorted(pr["by_obj"].items(),
                                                              key=lambda x: -x[1])
                                          if ir * 1000 >= pr["total"]) + ".")
            add("")

        # ---- system calls
        if self.syscalls:
            add("## System calls (strace -f -c), 1 x 16 MiB")
            add("")
            add("| program | over | write | bytes per write | recv/read | poll | fsync | all |")
            add("| --- | --- | --- | --- | --- | --- | --- | --- |")
            for (proto, name), c in self.syscalls.items():
                w = c.get("write", 0)
                rd = sum(c.get(k, 0) for k in ("recvfrom", "recvmsg", "read", "recv"))
                add("| %s | %s | %d | %s | %d | %d | %d | %d |" % (
                    name, "HTTP" if proto == "http" else "HTTPS", w,
                    "{:,.0f}".format(16 * MiB / w) if w else "-", rd,
                    c.get("poll", 0) + c.get("ppoll", 0), c.get("fsync", 0) + c.get("fdatasync", 0),
                    sum(c.values())))
            add("")
            add("recv/read includes start-up reads (CA, token, libraries). mbedTLS reads each "
                "record in two calls (its 5-byte header, then the rest), in giofetch and in the "
                "floor alike.")
            add("")

        # ---- table 3
        add("## 3. Memory")
        add("")
        add("| run | mbedTLS heap peak | whole heap peak (+malloc overhead) | max RSS, HTTPS | "
            "max RSS, HTTP |")
        add("| --- | --- | --- | --- | --- |")
        for fs in ("16m", "256m"):
            h = self.heap.get(fs)
            if not h:
                continue
            rss = {}
            for proto in ("https", "http"):
                runs = self.timing.get((fs, proto), {}).get("giofetch", [])
                rss[proto] = ("%d KB" % med([r["rss_kb"] for r in runs])) if runs else "-"
            add("| giofetch, %s, test CA only | %s B (%.1f KB) | %s B (+%s) | %s | %s |" % (
                LABELS[fs], "{:,}".format(h["mbed_peak"]), h["mbed_peak"] / 1024.0,
                "{:,}".format(h["heap_peak"]), "{:,}".format(h["heap_peak_extra"]),
                rss["https"], rss["http"]))
        hb = self.heap.get("bundle")
        if hb:
            bruns = self.bundle["runs"]
            add("| giofetch, 1 x 16 MiB, system bundle (%d certificates, %d KB) + test CA | "
                "%s B (%.1f KB) | %s B (+%s) | %d KB | - |" % (
                    self.bundle["count"], self.bundle["bytes"] // 1024,
                    "{:,}".format(hb["mbed_peak"]), hb["mbed_peak"] / 1024.0,
                    "{:,}".format(hb["heap_peak"]), "{:,}".format(hb["heap_peak_extra"]),
                    med([r["rss_kb"] for r in bruns["bundle"]])))
        add("")
        h16 = self.heap.get("16m")
        if h16:
            add("mbedTLS's heap at its peak (1 x 16 MiB, test CA), by allocating function:")
            add("")
            alloc_table(add, h16["mbed_parts"][:10])
        if hb:
            bruns = self.bundle["runs"]
            t, b = bruns["test CA"], bruns["bundle"]
            irt = self.ir.get(("16m", "https", "giofetch"))
            irb = self.ir.get(("16m", "https", "giofetch-bundle"))
            add("Loading the whole system bundle instead of one CA (1 x 16 MiB over HTTPS, "
                "%d alternating runs each): wall %.3f s -> %.3f s, CPU %.3f s -> %.3f s, max "
                "RSS %d KB -> %d KB, instructions %s -> %s (+%s), mbedTLS heap peak %s -> %s B." % (
                    len(t), med([r["wall"] for r in t]), med([r["wall"] for r in b]),
                    med([r["cpu"] for r in t]), med([r["cpu"] for r in b]),
                    med([r["rss_kb"] for r in t]), med([r["rss_kb"] for r in b]),
                    "{:,}".format(irt or 0), "{:,}".format(irb or 0),
                    "{:,}".format((irb or 0) - (irt or 0)),
                    "{:,}".format(h16["mbed_peak"] if h16 else 0), "{:,}".format(hb["mbed_peak"])))
            add("")

        self.library_report(add)

        # ---- targets
        add("## Targets (reported, not asserted)")
        add("")
        add("| target | measured | met |")
        add("| --- | --- | --- |")
        for line in self.targets():
            add(line)
        add("")
        add("## What the instructions go to")
        add("")
        for line in self.findings(marg):
            add("- " + line)
        add("")
        return self.clean("\n".join(L) + "\n")

    def gmed(self, fs, proto, prog, key):
        runs = self.timing.get((fs, proto), {}).get(prog)
        return med([r[key] for r in runs]) if runs else None

    def targets(self):
        out = []

        def row(t, m, ok):
            out.append("| %s | %s | %s |" % (t, m, "yes" if ok else "**no**"))
        for fs in ("256m", "16x16m"):
            for proto in ("http", "https"):
                g, c = self.gmed(fs, proto, "giofetch", "wall"), self.gmed(fs, proto, "curl", "wall")
                if g and c:
                    mb = self.expected[fs] / 1e6
                    row("wall throughput >= curl's, %s over %s" % (LABELS[fs], proto.upper()),
                        "%.0f vs %.0f MB/s (%.2fx)" % (mb / g, mb / c, c / g), g <= c)
        for fs in ("256m", "16x16m"):
            g, c = self.gmed(fs, "http", "giofetch", "cpu"), self.gmed(fs, "http", "curl", "cpu")
            if g and c:
                row("CPU per byte <= 0.8x curl's over HTTP, %s" % LABELS[fs],
                    "%.2fx (%.3f vs %.3f s)" % (g / c, g, c), g / c <= 0.8)
        for fs in ("256m", "16x16m"):
            g = self.gmed(fs, "https", "giofetch", "cpu")
            f = self.gmed(fs, "https", "floor", "cpu")
            if g and f:
                row("CPU per byte <= 1.2x the floor's over HTTPS, %s" % LABELS[fs],
                    "%.2fx (%.3f vs %.3f s)" % (g / f, g, f), g / f <= 1.2)
            gw = self.gmed(fs, "https", "giofetch", "wall")
            fw = self.gmed(fs, "https", "floor", "wall")
            if gw and fw:
                row("wall <= 1.15x the floor's over HTTPS, %s" % LABELS[fs],
                    "%.2fx (%.3f vs %.3f s)" % (gw / fw, gw, fw), gw / fw <= 1.15)
        gi = self.ir.get(("16m", "https", "giofetch"))
        fi = self.ir.get(("16m", "https", "floor"))
        if gi and fi:
            row("instructions <= 1.2x the floor's over HTTPS, 1 x 16 MiB",
                "%.2fx" % (gi / fi), gi / fi <= 1.2)
        for fs in ("256m", "16x16m"):
            for proto in ("http", "https"):
                g = self.gmed(fs, proto, "giofetch", "rss_kb")
                c = self.gmed(fs, proto, "curl", "rss_kb")
                if g and c:
                    row("max RSS <= 0.5x curl's, %s over %s" % (LABELS[fs], proto.upper()),
                        "%.2fx (%d vs %d KB)" % (g / c, g, c), g / c <= 0.5)
        for proto in ("https", "http"):
            a = self.gmed("16m", proto, "giofetch", "rss_kb")
            b = self.gmed("256m", proto, "giofetch", "rss_kb")
            if a and b:
                row("max RSS flat in file size over %s (16 MiB vs 256 MiB)" % proto.upper(),
                    "%d vs %d KB" % (a, b), abs(a - b) <= 256)
        h16, h256 = self.heap.get("16m"), self.heap.get("256m")
        if h16 and h256:
            row("mbedTLS heap peak <= 48 KB (test CA)",
                "%.1f KB (16 MiB), %.1f KB (256 MiB)" % (h16["mbed_peak"] / 1024.0,
                                                        h256["mbed_peak"] / 1024.0),
                max(h16["mbed_peak"], h256["mbed_peak"]) <= MBEDTLS_HEAP_GOAL)
            row("mbedTLS heap flat in file size (equal within the sampling step, ~%d B)"
                % max(h16["step"], h256["step"]),
                "%d vs %d B" % (h16["mbed_peak"], h256["mbed_peak"]),
                abs(h16["mbed_peak"] - h256["mbed_peak"]) <= max(h16["step"], h256["step"], 1024))
        return out

    def findings(self, marg):
        out = []
        pr = self.profiles.get("https")
        fl = self.profiles.get("floor-https")
        mb = 16 * MiB / 1e6
        if pr and fl:
            md5 = pr["incl"].get("mbedtls_md5_update_ret", 0)
            rd, frd = pr["incl"].get("mbedtls_ssl_read", 0), fl["incl"].get("mbedtls_ssl_read", 0)
            hs, fhs = pr["incl"].get("mbedtls_ssl_handshake", 0), fl["incl"].get(
                "mbedtls_ssl_handshake", 0)
            api = pr["incl"].get("gf_export_links", 0)
            rest = pr["total"] - rd - md5 - hs
            out.append("HTTPS, 1 x 16 MiB: giofetch %s Ir, the floor %s Ir (%.2fx). Reading TLS "
                       "records (mbedtls_ssl_read: decrypt, Poly1305, copy out) costs %s Ir in "
                       "giofetch and %s Ir in the floor (%.3fx)." % (
                           "{:,}".format(pr["total"]), "{:,}".format(fl["total"]),
                           pr["total"] / fl["total"], "{:,}".format(rd), "{:,}".format(frd),
                           rd / frd if frd else 0))
            out.append("MD5 of the body (mbedtls_md5_update_ret, for x-amz-meta-md5-hash and the "
                       "MANIFEST): %s Ir = %.1f Ir/byte = %.1f%% of giofetch's instructions; "
                       "the floor does none." % ("{:,}".format(md5), md5 / (16 * MiB),
                                                 100.0 * md5 / pr["total"]))
            out.append("Handshakes: %s Ir in giofetch (two: the API and the file host) against "
                       "%s Ir in the floor (one); the whole API call (gf_export_links) is %s Ir. "
                       "Everything else (HTTP parsing, the sink, start-up, CA, the CLI) is %s Ir "
                       "(%.2f%%)." % ("{:,}".format(hs), "{:,}".format(fhs), "{:,}".format(api),
                                      "{:,}".format(rest), 100.0 * rest / pr["total"]))
            dc = self.profiles.get("floor-dc-https")
            if dc:
                dhs = dc["incl"].get("mbedtls_ssl_handshake", 0)
                out.append("Key exchange: one handshake of the floor costs %s Ir with X25519 "
                           "first and %s Ir (+%.0f%%) with mbedTLS 2.28's default curve list, "
                           "which offers P-521 first and nginx (OpenSSL, client's order) takes "
                           "it; giofetch sets X25519, P-256, P-384 (tls_mbedtls.c)." % (
                               "{:,}".format(fhs), "{:,}".format(dhs),
                               100.0 * (dhs - fhs) / fhs if fhs else 0))
            fm = self.ir.get(("16m", "https", "floor+md5"))
            if fm:
                out.append("Against the floor with MD5 (floor+md5, %s Ir) giofetch is %.2fx: "
                           "without MD5 giofetch would be at %.2fx the floor." % (
                               "{:,}".format(fm), pr["total"] / fm,
                               (pr["total"] - md5) / fl["total"]))
        a = self.ir.get(("16m", "https", "giofetch"))
        b = self.ir.get(("16m-cmd5", "https", "giofetch"))
        c = self.profiles.get("cmd5-https")
        if a and b and c:
            calls = c["incl"].get("mbedtls_md5_update_ret", 0)
            out.append("A file host that also sends Content-MD5 on a whole-file answer "
                       "(its body's MD5 is the file's, so it is checked against the one pass "
                       "over the bytes): MD5 costs %s Ir, and the run %+d Ir "
                       "(%+.0f%% over HTTPS, %+.0f%% over HTTP) against x-amz-meta-md5-hash "
                       "alone, for a 16 MiB file." % (
                           "{:,}".format(calls), b - a, 100.0 * (b - a) / a,
                           100.0 * (self.ir.get(("16m-cmd5", "http", "giofetch"), 0)
                                    - self.ir.get(("16m", "http", "giofetch"), 0))
                           / max(self.ir.get(("16m", "http", "giofetch"), 1), 1)))
        ph = self.profiles.get("http")
        if ph:
            md5 = ph["incl"].get("mbedtls_md5_update_ret", 0)
            out.append("HTTP, 1 x 16 MiB: %s Ir in user space, of which MD5 is %s (%.1f%%); the "
                       "rest is the API call over HTTPS (%s Ir) and start-up. curl's user-space "
                       "work over HTTP is %s Ir." % (
                           "{:,}".format(ph["total"]), "{:,}".format(md5),
                           100.0 * md5 / ph["total"],
                           "{:,}".format(ph["incl"].get("gf_export_links", 0)),
                           "{:,}".format(self.ir.get(("16m", "http", "curl"), 0))))
        if ("https", "giofetch") in marg and ("https", "floor") in marg:
            g, f = marg[("https", "giofetch")], marg[("https", "floor")]
            out.append("Per MB over HTTPS: giofetch %s Ir, the floor %s Ir (%.2fx); fixed per "
                       "run: giofetch %s Ir, the floor %s Ir." % (
                           "{:,.0f}".format(g[0]), "{:,.0f}".format(f[0]), g[0] / f[0],
                           "{:,.0f}".format(g[1]), "{:,.0f}".format(f[1])))
        _ = mb
        return out


def fs_type(path):
    """The type of the file system path is on, from /proc/mounts."""
    best, kind = "", "?"
    path = os.path.abspath(path) + "/"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and path.startswith(parts[1].rstrip("/") + "/") \
                        and len(parts[1]) >= len(best):
                    best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


# An allocating function of mbedTLS linked statically (a build against its own archives):
# by its name or by its source file, as valgrind shows them ("fn (file.c:line)").
MBEDTLS_FRAME = re.compile(
    r"^(?:psa_|mbedtls_)|\((?:ssl_|x509|psa_|pk|ecp|ecdh|ecdsa|bignum|md|pem|asn1|oid|cipher|"
    r"ctr_drbg|hmac_drbg|entropy|gcm|ccm|chacha|poly1305|aes|sha|rsa|base64|platform|"
    r"constant_time|debug|net_sockets|dhm|hkdf|block_cipher|lm)\w*\.c:\d+\)")


def lib_name(version):
    """'giofetch 0.1.0 (mbedTLS 3.6.6, TLS 1.2 and 1.3)' -> 'mbedTLS 3.6.6, TLS 1.2 and 1.3'."""
    m = re.search(r"\((.*)\)", version)
    return m.group(1) if m else version


def parse_massif(path):
    """Peak of the whole heap, and the largest sum over a snapshot of the bytes whose
    allocating function (the depth-1 node) is in mbedTLS, with that sum's parts."""
    node = re.compile(r"^( *)n\d+: (\d+) (.*)$")
    best_total, best_parts, best_snap = -1, {}, -1
    heap_peak = heap_extra = cur = 0
    snap, parts, total = None, {}, 0
    last_time, count = 0, 0
    with open(path, errors="replace") as f:
        lines = [l.rstrip("\n") for l in f] + ["snapshot=-1"]
    for line in lines:
        if line.startswith("snapshot="):
            if snap is not None and total > best_total:
                best_total, best_parts, best_snap = total, parts, snap
            snap = int(line[9:])
            parts, total = {}, 0
            count += 1
        elif line.startswith("time="):
            last_time = max(last_time, int(line.split("=")[1]))
        elif line.startswith("mem_heap_B="):
            cur = int(line.split("=")[1])
        elif line.startswith("mem_heap_extra_B="):
            if cur > heap_peak:
                heap_peak, heap_extra = cur, int(line.split("=")[1])
        else:
            m = node.match(line)
            if m and len(m.group(1)) == 1:
                desc = re.sub(r"^0x[0-9A-Fa-f]+: ", "", m.group(3))
                if "mbedtls_" in desc or "/libmbed" in desc or MBEDTLS_FRAME.search(desc):
                    b = int(m.group(2))
                    total += b
                    name = re.sub(r"\(in (?:.*/)?([^/)]*)\)", r"(\1)", desc)
                    parts[name] = parts.get(name, 0) + b
    return {"mbed_peak": max(best_total, 0),
            "mbed_parts": sorted(best_parts.items(), key=lambda x: -x[1]),
            "mbed_snapshot": best_snap, "heap_peak": heap_peak, "heap_peak_extra": heap_extra,
            "step": last_time // max(count - 2, 1)}


def main(argv):
    ap = argparse.ArgumentParser(description="giofetch benchmarks (make bench)")
    ap.add_argument("--bin", required=True, help="folder with giofetch, gf_get, gf_floor")
    ap.add_argument("--runs", type=int, default=7, help="timed rounds (default 7)")
    ap.add_argument("--results", help="write the markdown report here")
    ap.add_argument("--workdir", help="scratch folder (default BIN/bench); a run-* folder is "
                    "made in it and removed at the end")
    ap.add_argument("--out-dir", help="where downloads land (default: in the run-* folder); "
                    "an out-* folder is made in it and removed at the end")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--no-tmpfs", action="store_true",
                    help="no giofetch@tmpfs row (giofetch writing to /dev/shm: no fsync cost)")
    ap.add_argument("--skip", default="",
                    help="comma list of: timing, instructions, memory, syscalls, libraries")
    ap.add_argument("--bin36", default=os.path.join(TOP, "build", "mbedtls-3.6"),
                    help="a second build folder (giofetch, gf_get, gf_floor built against "
                    "mbedTLS 3.6) for section 4 (default build/mbedtls-3.6 when present)")
    args = ap.parse_args(argv[1:])
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    skip = set(filter(None, args.skip.split(",")))
    b = Bench(args)
    b.check_tools()
    t0 = time.monotonic()
    b.load = [loadavg()]
    try:
        b.start()
        log("== which cipher suites")
        b.probe_suites()
        if "timing" not in skip:
            b.timing_runs()
        if "instructions" not in skip:
            b.instruction_runs()
        if "memory" not in skip:
            b.memory_runs()
        if "syscalls" not in skip:
            b.syscall_runs()
        if "libraries" not in skip:
            b.library_runs()
        b.load.append(loadavg())
        text = b.report()
    finally:
        b.stop()
    log("")
    log(text)
    if args.results:
        with open(args.results + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.results + ".tmp", args.results)
        log("bench: report written to %s (%.0f s)" % (os.path.relpath(args.results),
                                                   time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
