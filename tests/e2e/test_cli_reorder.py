"""giofetch fetch --data all when a link expires and the re-ask lists the same files with the
data types in another order: the API's JSON object has no fixed key order, so the library
accepts such an answer (same files in type order). Every file must still land in its own
type's folder under its own name with its own bytes, one at a time and with --jobs, including
a download started on the first answer that ends after the re-ask."""

import json
import os

from cliutil import (DATA_TYPES, base_fixture, check_export_folder, gio, server_files,
                     type_behaviour)

SERVERS = "module"
TIMEOUT = 90

D = "20261113"
D_SLOW = "20261114"
# Every link of the first answer has expired; the re-ask lists the types in reverse order.
REORDER = {"rows": 10, "types": {"visit": {"parts": 3}, "page": {"parts": 2}},
           "sequence": [{"link_ttl_s": -60}, {"reverse_types": True}]}
# With two jobs: visit's first file takes ~5 s and its second ~3 s at the file host's rate,
# while the first answer's links live 1 to 2 s; so the third file's link has expired when it
# is handed out, and the first file, started on the first answer, ends after the re-ask.
SLOW = {"rows": 10, "types": {"visit": {"parts": 3, "size": [1250000, 750000, 2000],
                                        "rate": 250000}},
        "sequence": [{"link_ttl_s": 1}, {"reverse_types": True}]}


def FIXTURE():
    return base_fixture({"day/all/%s" % D: dict(REORDER), "day/all/%s" % D_SLOW: dict(SLOW)})


def fetch_all_reordered(ctx, date, behaviour, jobs):
    """Fetch every type of `date` with --jobs `jobs`: exit 0, one re-ask, and each type's
    folder and --json line holding exactly the server's files for that type."""
    s = ctx.servers
    out = os.path.join(ctx.tmp, "out")
    r = gio(ctx, "fetch", "--type", "day", "--data", "all", "--date", date, "--out", out,
            "--jobs", jobs, "--json").expect(0)
    assert len(r.exports) == 2, "want the first ask and one re-ask: %s" % r.why()
    assert [x.get("call_index") for x in r.exports] == [0, 1], r.exports
    lines = {o["data"]: o for o in (json.loads(x) for x in r.lines)}
    assert sorted(lines) == sorted(DATA_TYPES), r.why()
    for t in DATA_TYPES:
        exp = server_files(s, t, date=date, behaviour=type_behaviour(behaviour, t))
        check_export_folder(out, t, exp, date=date)
        o = lines[t]
        assert (o["exit"], o["error"]) == (0, None), o
        assert [(f["name"], f["bytes"], f["md5"]) for f in o["files"]] == \
            [(e[0], len(e[1]), e[2]) for e in exp], "%s: %s" % (t, o["files"])
    return r


def test_reordered_reask_one_at_a_time(ctx):
    fetch_all_reordered(ctx, D, REORDER, 1)


def test_reordered_reask_with_jobs(ctx):
    fetch_all_reordered(ctx, D, REORDER, 2)


def test_reordered_reask_while_a_download_runs(ctx):
    s = ctx.servers
    r = fetch_all_reordered(ctx, D_SLOW, SLOW, 2)
    # the case asked for: visit's first file was served once, from before the re-ask to after
    first = server_files(s, "visit", date=D_SLOW, behaviour=type_behaviour(SLOW, "visit"))[0]
    spans = [(float(f["msec"]) - float(f["request_time"]), float(f["msec"]))
             for f in s.file_requests() if f["path"] == first[3]]
    reask = r.exports[1]["time"]
    assert len(spans) == 1 and spans[0][0] < reask < spans[0][1], \
        "want %s served once across the re-ask at %.3f: %s" % (first[0], reask, spans)
