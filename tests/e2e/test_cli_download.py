"""What the download layer does with a .part, through the real CLI and nginx.

- A .part that already holds the whole file (killed between the last write and the rename):
  the file host answers 416, giofetch asks for the last byte (whose headers carry the MD5),
  checks the file and commits it; nothing is fetched again.
- A .part holding more than the whole file: dropped and fetched again from zero, and -v says so.
- A refusal leaves no empty .part behind: an MD5 mismatch, or a link that answers 403 twice.
"""

import os

from cliutil import (DAY, base_fixture, check_export_folder, export_dir, gio, server_files,
                     tree)

SERVERS = "module"
TIMEOUT = 90

WHOLE = {"parts": 1, "rows": 300}
OVERSIZED = {"parts": 1, "rows": 200}


def FIXTURE():
    return base_fixture({
        "day/page/%s" % DAY: dict(WHOLE),
        "day/action/%s" % DAY: dict(OVERSIZED),
        "day/visit/20261121": {"md5": "wrong", "rows": 10},
        "day/visit/20261124": {"link_ttl_s": -60, "rows": 10},
    })


def fetch(ctx, out, data, date=DAY, *more):
    return gio(ctx, "fetch", "--type", "day", "--data", data, "--date", date, "--out", out,
               *more)


def put_part(out, data_type, name, data):
    folder = export_dir(out, data_type)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name + ".part"), "wb") as f:
        f.write(data)
    return folder


def test_whole_part_answered_416_is_checked_and_committed(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    exp = server_files(s, "page", behaviour=WHOLE)
    name, data = exp[0][0], exp[0][1]
    put_part(out, "page", name, data)
    s.reset()
    r = fetch(ctx, out, "page").expect(0)
    check_export_folder(out, "page", exp)
    log = s.file_requests()
    assert [(f["status"], f["range"]) for f in log] == [
        (416, "bytes=%d-" % len(data)), (206, "bytes=%d-" % (len(data) - 1))], log
    assert log[1]["body_bytes_sent"] == 1, log[1]
    assert "range" not in r.err, r.why()


def test_oversized_part_starts_over(ctx):
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    exp = server_files(s, "action", behaviour=OVERSIZED)
    name, data = exp[0][0], exp[0][1]
    put_part(out, "action", name, data + b"left over from something else")
    s.reset()
    r = fetch(ctx, out, "action", DAY, "-v").expect(0)
    check_export_folder(out, "action", exp)
    log = s.file_requests()
    assert [(f["status"], f["range"]) for f in log] == [
        (416, "bytes=%d-" % (len(data) + 29)), (200, "")], log
    assert "more bytes held than the whole file" in r.err, r.why()


def test_md5_refusal_leaves_no_part(ctx):
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", "20261121").expect(9)
    assert "MD5" in r.err, r.why()
    assert [p for p in tree(out) if p.endswith(".part")] == [], tree(out)


def test_link_refused_twice_leaves_no_part(ctx):
    out = os.path.join(ctx.tmp, "out")
    r = fetch(ctx, out, "visit", "20261124").expect(9)
    assert len(r.exports) == 2, "asks for fresh links once: %s" % r.why()
    assert [p for p in tree(out) if p.endswith(".part")] == [], tree(out)
