#!/usr/bin/env python3
"""make firmware-net-test: the board image (fw_net.elf: giofetch on lwIP on the LAN9118 of
qemu-system-arm -M mps2-an386) fetches a whole export from the local servers over a TAP.

    net_test.py --image fw_net.elf [--qemu qemu-system-arm] [--map fw_net.map] [--label L]

It makes a network namespace of its own (tests/server/netns.py) with a TAP at 192.0.2.1/24,
then runs itself inside it (--inner): a DNS responder (api.gio.test, files.gio.test ->
192.0.2.1), the export API and nginx listening on 192.0.2.1 with a certificate naming those
names, a listener that accepts and never answers, and qemu with the board's NIC on the TAP.
The board's own steps are counted, then the host's checks: the files the board wrote (through
semihosting) are byte for byte those served, and the servers saw the names the board resolved.
Ends with "N passed, N failed". The namespace, TAP, servers and qemu go on every exit path.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import struct
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
sys.path.insert(0, os.path.join(ROOT, "tests", "edge"))

BOARD_IP = "192.0.2.2"
HOST_IP = "192.0.2.1"
API_HOST = "api.gio.test"
FILE_HOST = "files.gio.test"
AI = "fw-net"
DATE = "2026112712"       # hour/visit: the whole export, 3 parts
BIG_DATE = "2026112713"   # hour/page: one large file, for the rate and the slow sink
BIG_SIZE = 1024 * 1024
TOKEN = "fw-net-token"
QEMU_TIMEOUT = 300
BOARD_STEPS = 11


def fixture():
    return {"token": TOKEN, "project": AI, "default": {"status": "NOT_EXISTS"},
            "periods": {"hour/visit/%s" % DATE: {"status": "FINISHED", "parts": 3, "rows": 400},
                        "hour/page/%s" % BIG_DATE: {"status": "FINISHED", "parts": 1,
                                                    "size": BIG_SIZE}}}


class Count:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        print("%s %s" % ("ok" if ok else "FAIL", what), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def run_board(args, servers, out_dir, stall_port, reset_port):
    """qemu with the board's LAN9118 on tap0; returns (exit code, output)."""
    board_args = ["fw_net", servers.api_base, TOKEN, AI, DATE, BIG_DATE,
                  os.path.abspath(servers.ca_file), out_dir, str(stall_port),
                  servers.file_base_http, str(reset_port)]
    cmd = [args.qemu, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
           "-nic", "tap,ifname=tap0,script=no,downscript=no,model=lan9118",
           "-semihosting-config",
           "enable=on,target=native," + ",".join("arg=" + a for a in board_args),
           "-kernel", args.image]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=QEMU_TIMEOUT, text=True, errors="replace")
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace") if isinstance(e.stdout, bytes) \
            else (e.stdout or "")
        out += "\n(qemu killed after %d s)\n" % QEMU_TIMEOUT
        rc = None
    print("  (qemu ran %.1f s)" % (time.monotonic() - t0))
    return rc, out


def served_files(servers):
    """{basename: local path} of the files the API's export links point at."""
    out = {}
    for path in servers.filehost.files:
        if "/%s/" % AI in path or AI in path:
            out[os.path.basename(path)] = servers.filehost.file_path(path)
    return out


def host_checks(count, servers, out_dir):
    served = served_files(servers)
    got = sorted(os.listdir(out_dir))
    visit = [n for n in served if os.path.getsize(served[n]) != BIG_SIZE]
    count.check(len(got) == 3 and sorted(visit) == got,
                "the board wrote the export's 3 files (%s)" % ", ".join(got))
    for name in got:
        same = name in served and open(os.path.join(out_dir, name), "rb").read() == \
            open(served[name], "rb").read()
        count.check(same, "%s is byte for byte the file served" % name)
    api = servers.api_requests("export")
    count.check(len(api) >= 2 and all(r.get("sni") == API_HOST and r.get("authorization") == TOKEN
                                      for r in api),
                "every API call came over TLS for %s with the token (%d calls)" % (API_HOST,
                                                                                  len(api)))
    files = servers.file_requests()
    tls = [r for r in files if r.get("scheme") == "https"]
    count.check(len(tls) >= 5 and len(files) == len(tls) + 1 and
                all(r.get("sni") == FILE_HOST for r in tls) and
                all(r.get("status") == 200 and (r.get("host") or "").split(":")[0] == FILE_HOST
                    for r in files),
                "every file request named %s (TLS: in SNI too) and got 200 (%d requests, "
                "%d over TLS)" % (FILE_HOST, len(files), len(tls)))


def stall_listener():
    """A server that accepts and says nothing (the board's recv must time out)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST_IP, 0))
    s.listen(4)
    return s


def icmp_checksum(b):
    if len(b) % 2:
        b += b"\0"
    total = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def pinger(result, stop):
    """Echo requests to the board while it runs, until one is answered (lwIP's ICMP through
    the driver, apart from TCP). result["rtt_ms"] is set on the first reply."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(0.2)
    ident, seq = os.getpid() & 0xFFFF, 0
    try:
        while not stop.is_set() and "rtt_ms" not in result:
            seq += 1
            body = struct.pack("!HH", ident, seq) + b"giofetch"
            msg = struct.pack("!BBH", 8, 0, icmp_checksum(b"\x08\0\0\0" + body)) + body
            t0 = time.monotonic()
            s.sendto(msg, (BOARD_IP, 0))
            end = t0 + 0.2
            while time.monotonic() < end:
                try:
                    pkt, addr = s.recvfrom(1500)
                except socket.timeout:
                    break
                icmp = pkt[(pkt[0] & 0x0F) * 4:]
                if addr[0] == BOARD_IP and icmp[0] == 0 and icmp[4:8] == body[:4]:
                    result["rtt_ms"] = (time.monotonic() - t0) * 1000
                    break
    finally:
        s.close()


def reset_listener():
    """A server that answers every connection with a reset (SO_LINGER 0, then close)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST_IP, 0))
    s.listen(4)

    def serve():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return  # closed at the end of the test
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            time.sleep(0.2)  # after the board's recv has started waiting
            c.close()
    threading.Thread(target=serve, daemon=True).start()
    return s


def inner(args):
    import harness  # noqa: E402 (needs the path above)
    count = Count()
    work = tempfile.mkdtemp(prefix="gf-fwnet-")
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir)
    dnsd = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "server", "dnsd.py"),
                             "--listen", HOST_IP, "--map", "%s=%s" % (API_HOST, HOST_IP),
                             "--map", "%s=%s" % (FILE_HOST, HOST_IP)],
                            stdout=subprocess.PIPE, text=True)
    stall = stall_listener()
    reset = reset_listener()
    try:
        if dnsd.stdout.readline().strip() != "ready":
            raise RuntimeError("dnsd did not start")
        with harness.Servers(work, fixture=fixture(), variants=(), listen=HOST_IP,
                             api_host=API_HOST, file_host=FILE_HOST) as servers:
            ping, stop = {}, threading.Event()
            t = threading.Thread(target=pinger, args=(ping, stop), daemon=True)
            t.start()
            try:
                rc, out = run_board(args, servers, out_dir, stall.getsockname()[1],
                                    reset.getsockname()[1])
            finally:
                stop.set()
                t.join()
            print(out, end="")
            board_count(count, rc, out)
            count.check("rtt_ms" in ping, "the board answers ping at %s (ARP and ICMP through "
                        "the LAN9118 driver and lwIP%s)" % (BOARD_IP, ", %.1f ms" %
                                                            ping["rtt_ms"] if ping else ""))
            host_checks(count, servers, out_dir)
    finally:
        stall.close()
        reset.close()
        dnsd.kill()
        dnsd.wait()
        shutil.rmtree(work, ignore_errors=True)
    if args.map:
        print_sizes(args)
    print("%d passed, %d failed" % (count.passed, count.failed))
    return 1 if count.failed else 0


def board_count(count, rc, out):
    """The board's own steps count one each; its exit code must agree with them."""
    oks = len(re.findall(r"^ok ", out, re.M))
    fails = len(re.findall(r"^FAIL ", out, re.M))
    count.passed += oks
    count.failed += fails
    m = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    count.check(m is not None and rc == fails and oks == BOARD_STEPS,
                "the board ran its %d steps and exited with its failures (exit %s)"
                % (BOARD_STEPS, rc))


def print_sizes(args):
    """The image's text/data/bss by owner, from the link map."""
    import size_report
    owners = {}
    for name, size, where in size_report.map_inputs(args.map):
        kind = (0 if name.startswith(size_report.TEXT_PREFIXES) else
                1 if name.startswith(size_report.DATA_PREFIXES) else
                2 if name.startswith(size_report.BSS_PREFIXES) else None)
        if kind is None:
            continue
        base = os.path.basename(where)
        if "liblwip" in where:
            owner = "lwIP"
        elif "libmbedtls" in where:
            owner = "mbedTLS"
        elif base == "lan9118.o":
            owner = "LAN9118 driver"
        elif base == "port_lwip_raw.o":
            owner = "giofetch lwIP raw port"
        elif "/app/src/" in where or "/app-tls/src/" in where:
            owner = "giofetch core + TLS glue"
        elif "(" in where or where.startswith("/"):
            owner = "newlib-nano, libgcc, crt0"
        else:
            owner = "test program (board, steps, vectors)"
        owners.setdefault(owner, [0, 0, 0])[kind] += size
    print("  %s image sizes (bytes):" % args.label)
    print("  %-38s %8s %8s %8s" % ("", "text", "data", "bss"))
    total = [0, 0, 0]
    for owner in sorted(owners, key=lambda o: -sum(owners[o])):
        t = owners[owner]
        total = [a + b for a, b in zip(total, t)]
        print("  %-38s %8d %8d %8d" % (owner, t[0], t[1], t[2]))
    print("  %-38s %8d %8d %8d" % ("total", total[0], total[1], total[2]))


def outer(args):
    import netns
    # SIGTERM (CI's timeout, make's interrupt) leaves through the with block too.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    name = "gf-fwnet-%d" % os.getpid()
    cmd = [sys.executable, os.path.abspath(__file__), "--inner", "--image",
           os.path.abspath(args.image), "--qemu", args.qemu, "--label", args.label]
    if args.map:
        cmd += ["--map", os.path.abspath(args.map)]
    with netns.Namespace(name, tap="tap0", addr=HOST_IP + "/24") as ns:
        try:
            p = ns.run(cmd, timeout=QEMU_TIMEOUT + 120)
        except subprocess.TimeoutExpired:
            print("FAIL the test did not end in time\n0 passed, 1 failed")
            return 1
    return p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--qemu", default="qemu-system-arm")
    ap.add_argument("--map")
    ap.add_argument("--size")
    ap.add_argument("--label", default="")
    ap.add_argument("--inner", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("FAIL firmware-net-test needs root (network namespaces, TAP)\n0 passed, 1 failed")
        return 1
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
