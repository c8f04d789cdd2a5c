#!/usr/bin/env python3
"""make bench, part two: giofetch --jobs N on one export of 8 parts over HTTPS.

    python3 tests/bench/bench_jobs.py --bin BUILD_DIR [--runs N] [--results FILE]
                                      [--parts 8] [--part-mib 32] [--relay-mib-s 32] [--keep]

BUILD_DIR holds giofetch and gf_floor (bench.mk builds them). The local servers (tests/server:
nginx with TLS, the export API) run on 127.0.0.1. One export period lists --parts files of
--part-mib MiB each (deterministic bytes, x-amz-meta-md5-hash sent). Measured, wall time,
user+sys CPU (wait4) and max RSS (/usr/bin/time -v), median and min-max of --runs rounds after
a warm-up round, programs alternating within a round:

  direct   giofetch fetch --jobs 1, 2, 4 (the API call, the downloads with MD5, fsync and
           rename, the MANIFEST); gf_floor --md5 over the same links in a row on one kept-alive
           connection (the least an mbedTLS client can do with the MD5 it must compute: the
           bar of the design's goal, --jobs 2 <= 0.6x of it on 2 cores); curl --parallel
           (--parallel-max 2 and 4) followed by md5sum of the files, and curl in a row plus
           md5sum.
  relay    the same links through tests/bench/relay.py, which caps every connection at
           --relay-mib-s MiB/s (as an object store capping one stream, or a long path whose
           window caps one TCP connection): parallel connections should add up.
  memory   max RSS of giofetch --jobs 1, 2, 4, 8 (the test CA only), and the growth per
           extra job.

Nothing is asserted: the exit status is 0 unless a tool failed or fetched wrong bytes. The
tables are printed and written to --results (markdown).
"""

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True
sys.path[:0] = [os.path.join(TOP, "tests", "server"), HERE]
import harness  # noqa: E402
from bench import MiB, clean_out, log, out_md5s, run_timed  # noqa: E402

PROJECT = "bench-jobs"
TOKEN = "bench-jobs-token"


class BenchJobs:
    def __init__(self, a):
        self.a = a
        self.bin = os.path.abspath(a.bin)
        self.cli = os.path.join(self.bin, "giofetch")
        self.floor = os.path.join(self.bin, "gf_floor")
        base = os.path.join(self.bin, "bench")
        os.makedirs(base, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="jobs-", dir=base)
        self.out = os.path.join(a.out_dir or self.work, "giofetch-bench-jobs-out")
        self.tmp = os.path.join(self.work, "tmp")
        os.makedirs(self.tmp)
        self.s = None
        self.relay = None
        self.results = {}  # (setting, prog) -> [run dicts]
        self.rss = {}      # jobs -> [kB]

    # ---- servers ---------------------------------------------------------------------------

    def start(self):
        for t in ("curl", "md5sum", "nginx"):
            if shutil.which(t) is None:
                sys.exit("bench_jobs: missing %s" % t)
        for p in (self.cli, self.floor, "/usr/bin/time"):
            if not os.access(p, os.X_OK):
                sys.exit("bench_jobs: missing %s" % p)
        log("== starting nginx (TLS) and the export API on 127.0.0.1")
        self.s = harness.Servers(os.path.join(self.work, "servers"),
                                 {"token": TOKEN, "rate_limit": None}, variants=())
        self.token_file = self.s.write_token_file(os.path.join(self.work, "token"))
        self.ca = self.s.ca_file
        log("== making %d files of %d MiB" % (self.a.parts, self.a.part_mib))
        self.paths = []
        self.md5 = []
        for i in range(self.a.parts):
            path = "/gio-export/extra/jobs/part-%02d.bin" % i
            self.s.filehost.put(path, size=self.a.part_mib * MiB, md5="hex", reload=False)
            self.paths.append(path)
            self.md5.append(self.s.file_md5(path))
        self.s.filehost.reload()
        rate = self.a.relay_mib_s * MiB
        self.relay = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "relay.py"), "--to",
             "127.0.0.1:%d" % self.s.file_port, "--rate", str(rate)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, universal_newlines=True)
        m = re.search(r":(\d+)$", self.relay.stdout.readline().strip())
        if not m:
            sys.exit("bench_jobs: the relay did not start")
        self.relay_port = int(m.group(1))
        self.date = harness.beijing_yesterday()
        fh = self.s.filehost
        self.links = {
            "direct": [fh.sign_url(p, 4 * 3600) for p in self.paths],
            "relay": [fh.sign_url(p, 4 * 3600, base="https://localhost:%d" % self.relay_port)
                      for p in self.paths],
        }
        self.data_type = {"direct": "visit", "relay": "page"}
        periods = {"day/%s/%s/%s" % (self.data_type[k], PROJECT, self.date): {"links": v}
                   for k, v in self.links.items()}
        self.s.set_fixture({"token": TOKEN, "project": PROJECT, "rate_limit": None,
                            "periods": periods})

    def stop(self):
        if self.relay is not None:
            self.relay.kill()
            self.relay.wait()
        if self.s is not None:
            self.s.stop()
        shutil.rmtree(self.out, ignore_errors=True)
        if not self.a.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- commands --------------------------------------------------------------------------

    def giofetch(self, setting, jobs):
        return [self.cli, "fetch", "--base-url", self.s.api_base, "--ca-file", self.ca,
                "--token-file", self.token_file, "--project", PROJECT, "--type", "day",
                "--data", self.data_type[setting], "--date", self.date, "--out", self.out,
                "-q", "--jobs", str(jobs)]

    def floor_md5(self, setting):
        return [self.floor, "--ca", self.ca, "--md5", "-d", self.out] + self.links[setting]

    def files(self):
        return [os.path.join(self.out, "f%02d" % i) for i in range(self.a.parts)]

    def curl_md5(self, setting, parallel):
        cmd = ["curl", "-sS", "--fail", "--cacert", self.ca]
        if parallel:
            cmd += ["--parallel", "--parallel-max", str(parallel)]
        for f, u in zip(self.files(), self.links[setting]):
            cmd += ["-o", f, u]
        return ["sh", "-c", '"$@" && md5sum %s >/dev/null' % " ".join(self.files()), "sh"] + cmd

    def programs(self, setting):
        p = [("giofetch --jobs %d" % n, self.giofetch(setting, n)) for n in (1, 2, 4)]
        p.append(("floor+md5, %d in a row" % self.a.parts, self.floor_md5(setting)))
        for n in (2, 4):
            p.append(("curl --parallel-max %d + md5sum" % n, self.curl_md5(setting, n)))
        p.append(("curl in a row + md5sum", self.curl_md5(setting, 0)))
        return p

    # ---- runs ------------------------------------------------------------------------------

    def clean_out(self):
        clean_out(self.out)

    def check_out(self, name):
        got = out_md5s(self.out)
        if got != sorted(self.md5):
            raise RuntimeError("%s fetched wrong bytes (%d files)" % (name, len(got)))

    def timed(self, name, cmd):
        tfile = os.path.join(self.tmp, "time.txt")
        efile = os.path.join(self.tmp, "err.txt")
        with open(efile, "wb") as e:
            rc, r = run_timed(cmd, tfile, subprocess.DEVNULL, e)
        if rc != 0 or r is None:
            with open(efile, errors="replace") as f:
                raise RuntimeError("%s failed:\n%s" % (name, f.read()[-2000:]))
        return r

    def round(self, setting, progs, keep):
        for name, cmd in progs:
            self.clean_out()
            r = self.timed(name, cmd)
            self.check_out(name)
            if keep:
                self.results.setdefault((setting, name), []).append(r)

    def settings(self):
        return [(k, n) for k, n in (("direct", self.a.runs), ("relay", self.a.relay_runs))
                if n > 0]

    def measure(self):
        for setting, runs in self.settings():
            progs = self.programs(setting)
            log("== %s: %d rounds of %d programs (one warm-up round first)" % (
                setting, runs, len(progs)))
            for i in range(runs + 1):
                self.round(setting, progs, keep=i > 0)
                log("   round %d of %d done" % (i, runs))
        log("== memory: giofetch --jobs 1, 2, 4, 8")
        for _ in range(3):
            for n in (1, 2, 4, 8):
                self.clean_out()
                r = self.timed("giofetch --jobs %d" % n, self.giofetch("direct", n))
                self.check_out("giofetch --jobs %d" % n)
                self.rss.setdefault(n, []).append(r["rss_kb"])

    # ---- report ----------------------------------------------------------------------------

    def med(self, setting, prog, key):
        return statistics.median(r[key] for r in self.results[(setting, prog)])

    def span(self, setting, prog, key):
        xs = [r[key] for r in self.results[(setting, prog)]]
        return min(xs), max(xs)

    def report(self):
        total_mib = self.a.parts * self.a.part_mib
        floor = "floor+md5, %d in a row" % self.a.parts
        out = ["# giofetch --jobs: benchmark results", ""]
        out.append("Written by `make bench` (tests/bench/bench_jobs.py) on %s; %s, %d CPUs, "
                   "load %s before the run." % (
                       datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
                       platform.machine(), os.cpu_count() or 0, self.load))
        out.append("")
        fs = subprocess.run(["stat", "-f", "-c", "%T", os.path.dirname(self.out)],
                            stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
        out.append("One export of %d x %d MiB (%d MiB) over HTTPS on loopback, written to a "
                   "%s folder (%s); %d timed rounds (relay: %d) after a warm-up, programs "
                   "alternating. CPU is user+sys of the client only; nginx (one worker) and "
                   "the relay run on the same cores." % (
                       self.a.parts, self.a.part_mib, total_mib, fs or "?",
                       "--out-dir" if self.a.out_dir else "the build folder", self.a.runs,
                       self.a.relay_runs))
        titles = {"direct": "Direct to nginx",
                  "relay": "Through the relay, %d MiB/s per connection" % self.a.relay_mib_s}
        for setting, _ in self.settings():
            title = titles[setting]
            out += ["", "## %s" % title, "",
                    "| program | wall s (median) | min-max | CPU s | MiB/s | wall vs %s |"
                    % floor, "|---|---|---|---|---|---|"]
            fw = self.med(setting, floor, "wall")
            for name, _ in self.programs(setting):
                w = self.med(setting, name, "wall")
                lo, hi = self.span(setting, name, "wall")
                out.append("| %s | %.2f | %.2f-%.2f | %.2f | %.0f | %.2fx |" % (
                    name, w, lo, hi, self.med(setting, name, "cpu"), total_mib / w, w / fw))
        out += ["", "## Memory", "",
                "| giofetch | max RSS KiB (median of 3) | growth per extra job KiB |",
                "|---|---|---|"]
        base = statistics.median(self.rss[1])
        for n in sorted(self.rss):
            m = statistics.median(self.rss[n])
            out.append("| --jobs %d | %d | %s |" % (n, m, "-" if n == 1 else
                                                    "%.0f" % ((m - base) / (n - 1))))
        g2 = self.med("direct", "giofetch --jobs 2", "wall")
        fw = self.med("direct", floor, "wall")
        out += ["", "Goal (2 cores): giofetch --jobs 2 <= 0.6x %s: %.2fx (%s)." % (
            floor, g2 / fw, "met" if g2 <= 0.6 * fw else "not met")]
        text = "\n".join(out) + "\n"
        log("")
        log(text)
        if self.a.results:
            with open(self.a.results, "w") as f:
                f.write(text)
            log("written to %s" % os.path.relpath(self.a.results, TOP))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--relay-runs", type=int, default=2)
    ap.add_argument("--parts", type=int, default=8)
    ap.add_argument("--part-mib", type=int, default=32)
    ap.add_argument("--relay-mib-s", type=int, default=32)
    ap.add_argument("--results", default=None)
    ap.add_argument("--out-dir", default=None,
                    help="where the files go (default: under BUILD_DIR/bench; /dev/shm: tmpfs)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args(argv)
    b = BenchJobs(a)
    try:
        with open("/proc/loadavg") as f:
            b.load = " ".join(f.read().split()[:3])
    except OSError:
        b.load = "?"
    try:
        b.start()
        b.measure()
        b.report()
    finally:
        b.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
