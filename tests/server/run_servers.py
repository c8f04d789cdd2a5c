#!/usr/bin/env python3
"""Start the local export API and file host and keep them running until killed.

    python3 tests/server/run_servers.py [--date yyyyMMdd] [--fixture FILE.json]
        [--workdir DIR] [--ready-file FILE] [--api-port N] [--file-port N] [--file-http-port N]

Without --fixture it serves the demo fixture (project demo-project, one day FINISHED for all
ten types; --date picks the day, default yesterday in Beijing time). Prints key=value lines
(api_base, file_base, file_base_http, ca_file, token_file, project, date, ...) and then
"ready"; --ready-file gets the same as JSON, written once everything answers. SIGTERM or
Ctrl-C stops everything (nginx included) and exits 0.

    giofetch fetch --base-url <api_base> --ca-file <ca_file> --token-file <token_file> \\
        --project demo-project --type day --data all --date <date> --out DIR
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gioserver  # noqa: E402
import harness  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(prog=os.path.basename(argv[0]),
                                 description="Run the giofetch test servers until killed.")
    ap.add_argument("--date", help="demo day, yyyyMMdd (default: yesterday, Beijing time)")
    ap.add_argument("--project", default="demo-project", help="demo project id (ai)")
    ap.add_argument("--fixture", help="a fixture JSON file instead of the demo fixture")
    ap.add_argument("--workdir", help="folder for PKI, files and logs (default: a temp dir, "
                                      "removed on exit)")
    ap.add_argument("--ready-file", help="write the addresses here as JSON when ready")
    ap.add_argument("--api-port", type=int, default=0)
    ap.add_argument("--api-http-port", type=int, default=0)
    ap.add_argument("--file-port", type=int, default=0)
    ap.add_argument("--file-http-port", type=int, default=0)
    args = ap.parse_args(argv[1:])

    if args.date and not gioserver.valid_date("day", args.date):
        ap.error("--date must be a real day as yyyyMMdd")
    if args.fixture:
        with open(args.fixture) as f:
            fixture = json.load(f)
        date = args.date or ""
    else:
        date = args.date or harness.beijing_yesterday()
        fixture = harness.demo_fixture(date, project=args.project)
    gioserver.validate_fixture(fixture)

    own_workdir = args.workdir is None
    workdir = args.workdir or tempfile.mkdtemp(prefix="giofetch-servers-")
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    servers = None
    try:
        servers = harness.Servers(workdir, fixture, api_port=args.api_port,
                                  api_http_port=args.api_http_port, file_port=args.file_port,
                                  file_http_port=args.file_http_port)
        token_file = servers.write_token_file(os.path.join(workdir, "token"))
        info = servers.info()
        info.update(token_file=token_file, project=fixture.get("project", args.project),
                    date=date, workdir=workdir)
        for k, v in info.items():
            if not isinstance(v, dict):
                print("%s=%s" % (k, v))
        if info.get("date"):
            print("try: giofetch fetch --base-url %s --ca-file %s --token-file %s --project %s "
                  "--type day --data all --date %s --out OUT" %
                  (info["api_base"], info["ca_file"], token_file, info["project"], date))
        if args.ready_file:
            tmp = args.ready_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump(info, f, indent=1)
            os.replace(tmp, args.ready_file)
        print("ready")
        sys.stdout.flush()
        while not stop.wait(0.5):
            if not servers.filehost.running():
                sys.stderr.write("run_servers: nginx exited\n")
                return 1
        return 0
    finally:
        if servers is not None:
            servers.stop()
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
