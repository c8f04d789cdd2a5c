"""giofetch fetch: the file layout, byte-identical files, the MANIFEST (md5sum format, written
last), nothing downloaded twice, --json, all types and escape styles giving the same files,
progress / -q / -v, and the naming rule's fallbacks."""

import hashlib
import json
import os
import re

from cliutil import (AI, ALL, DATA_TYPES, DAY, HOUR, PAGE_HOUR, TOKEN, VISIT,
                     check_export_folder, export_dir, gio, listing_fixture, md5_of,
                     no_part_files, only_export_files, run_on_pty, server_files, tree,
                     type_behaviour)

SERVERS = "module"
TIMEOUT = 90

SLOW = {"size": 240000, "rate": 400000}
JSON_KEYS = {"project", "type", "data", "date", "status", "dir", "files", "fetched", "exit",
             "error"}
# How the library reports a file checked against the server's x-amz-meta-md5-hash today
VERIFIED_HEX = "md5-header"


def FIXTURE():
    return listing_fixture({
        "day/all/20261125": {"rows": 5, "omit": ["vstr"]},
        "day/vstr/%s" % DAY: dict(SLOW),
    })


def out_dir(ctx, name="out"):
    return os.path.join(ctx.tmp, name)


def fetch(ctx, out, data, date=DAY, kind="day", *more, **kw):
    return gio(ctx, "fetch", "--type", kind, "--data", data, "--date", date, "--out", out,
               *more, **kw)


# ---- layout, MANIFEST, second run ------------------------------------------------------------

def test_fetch_layout_bytes_and_manifest(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    r = fetch(ctx, out, "visit").expect(0)
    assert r.out == "", "fetch without --json prints nothing on stdout: %s" % r.why()
    exp = server_files(s, "visit", behaviour=VISIT)
    d = check_export_folder(out, "visit", exp)
    only_export_files(out, [d])
    assert os.path.isfile(os.path.join(out, ".giofetch.lock"))
    # files went to their final names only after being complete: the file host served each
    # file once, in full, and never with a credential
    log = s.file_requests()
    assert sorted(f["path"] for f in log) == sorted(e[3] for e in exp), log
    for f in log:
        assert f["status"] == 200 and f["body_bytes_sent"] == \
            len([e for e in exp if e[3] == f["path"]][0][1]), f
        assert f["authorization"] == "" and f["x_client_id"] == "", "credential sent: %s" % f


def test_fetch_hour_export(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    # a relative --out is taken from the working directory (ctx.tmp)
    r = fetch(ctx, "out", "page", HOUR, "hour").expect(0)
    d = check_export_folder(out, "page", server_files(s, "page", "hour", HOUR, PAGE_HOUR),
                            "hour", HOUR)
    only_export_files(out, [d])
    assert [e["path"] for e in r.exports] == \
        ["/v2/insights/hour/page/%s/%s.json" % (AI, HOUR)], r.exports


def test_fetch_second_run_downloads_nothing(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    fetch(ctx, out, "visit").expect(0)
    before = tree(out)
    s.reset()
    r = fetch(ctx, out, "visit").expect(0)
    assert s.file_requests() == [], "second run downloaded: %s" % s.file_requests()
    assert s.api_requests("export") == [], "second run called the API: %s" % [
        x["path"] for x in s.api_requests("export")]
    assert tree(out) == before, "second run changed the folder"
    # --json on a complete folder: its files from the MANIFEST
    r = fetch(ctx, out, "visit", DAY, "day", "--json").expect(0)
    assert s.api_requests("export") == [] and s.file_requests() == []
    o = json.loads(r.out)
    exp = server_files(s, "visit", behaviour=VISIT)
    # nothing fetched now, so nothing checked now: verified is null
    assert o["files"] == [{"name": e[0], "bytes": len(e[1]), "md5": e[2], "verified": None}
                          for e in exp], o
    assert (o["status"], o["exit"], o["error"]) == ("FINISHED", 0, None), o
    assert o["fetched"] == 0 and o["dir"] == export_dir(out, "visit"), o


def test_fetch_without_manifest_reuses_complete_files(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    fetch(ctx, out, "visit").expect(0)
    d = export_dir(out, "visit")
    with open(os.path.join(d, "MANIFEST")) as f:
        manifest = f.read()
    os.unlink(os.path.join(d, "MANIFEST"))
    s.reset()
    r = fetch(ctx, out, "visit").expect(0)
    assert len(r.exports) == 1, "a folder without MANIFEST is asked for again: %s" % r.exports
    assert s.file_requests() == [], "complete files downloaded again: %s" % s.file_requests()
    with open(os.path.join(d, "MANIFEST")) as f:
        assert f.read() == manifest
    check_export_folder(out, "visit", server_files(s, "visit", behaviour=VISIT))


def test_fetch_json_files(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    r = fetch(ctx, out, "visit", DAY, "day", "--json").expect(0)
    assert len(r.lines) == 1, r.why()
    o = json.loads(r.lines[0])
    assert set(o) == JSON_KEYS, sorted(o)
    exp = server_files(s, "visit", behaviour=VISIT)
    assert (o["project"], o["type"], o["data"], o["date"], o["status"], o["exit"],
            o["error"]) == (AI, "day", "visit", DAY, "FINISHED", 0, None), o
    assert o["files"] == [{"name": e[0], "bytes": len(e[1]), "md5": e[2],
                           "verified": VERIFIED_HEX} for e in exp], o
    assert o["fetched"] == len(exp) and o["dir"] == export_dir(out, "visit"), o
    check_export_folder(out, "visit", exp)
    # all types: one object per data type, in type order
    r = fetch(ctx, out, "all", DAY, "day", "--json").expect(0)
    objs = [json.loads(line) for line in r.lines]
    assert [o["data"] for o in objs] == list(DATA_TYPES), r.why()
    for o in objs:
        assert set(o) == JSON_KEYS, sorted(o)
        exp = server_files(s, o["data"], behaviour=type_behaviour(ALL, o["data"]))
        before = o["data"] == "visit"  # complete since the first run: nothing fetched now
        assert o["files"] == [{"name": e[0], "bytes": len(e[1]), "md5": e[2],
                               "verified": None if before else VERIFIED_HEX}
                              for e in exp], o
        assert o["fetched"] == (0 if before else len(exp)), o
        assert o["dir"] == export_dir(out, o["data"]), o
        assert (o["status"], o["exit"], o["error"]) == ("FINISHED", 0, None), o


def test_fetch_zero_links_gives_empty_manifest(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    r = fetch(ctx, out, "pvar", DAY, "day", "--json").expect(0)
    o = json.loads(r.out)
    assert o["files"] == [] and o["status"] == "FINISHED" and o["exit"] == 0, o
    d = export_dir(out, "pvar")
    assert os.listdir(d) == ["MANIFEST"], os.listdir(d)
    assert os.path.getsize(os.path.join(d, "MANIFEST")) == 0
    s.reset()
    fetch(ctx, out, "pvar").expect(0)
    assert s.api_requests("export") == [], "an empty complete folder was asked for again"


# ---- all types, multi-part, escape styles ----------------------------------------------------

def test_fetch_all_types_and_escape_styles_give_the_same_files(ctx):
    s = ctx.servers
    per_type = out_dir(ctx, "per-type")
    fetch(ctx, per_type, "visit").expect(0)
    check_export_folder(per_type, "visit", server_files(s, "visit", behaviour=VISIT))
    trees = {}
    for style in ("normal", "slash", "unicode", "all"):
        fx = FIXTURE()
        fx["escape_style"] = style
        s.set_fixture(fx)
        out = out_dir(ctx, "all-" + style)
        r = fetch(ctx, out, "all").expect(0)
        assert [e["path"] for e in r.exports] == ["/v2/insights/day/%s/%s.json" % (AI, DAY)]
        dirs = []
        for t in DATA_TYPES:
            dirs.append(check_export_folder(out, t, server_files(
                s, t, behaviour=type_behaviour(ALL, t))))
        only_export_files(out, dirs)
        trees[style] = tree(out)
        # the per-type call with this style too
        out1 = out_dir(ctx, "visit-" + style)
        fetch(ctx, out1, "visit").expect(0)
        assert tree(out1) == tree(per_type), "per-type fetch differs with escape %s" % style
    for style, t in trees.items():
        assert t == trees["normal"], "escape style %s gave other files" % style
    visit = {k: v for k, v in trees["normal"].items() if k.startswith(AI + "/visit/")}
    assert visit == {k: v for k, v in tree(per_type).items() if k != ".giofetch.lock"}, \
        "the all-types call and the per-type call gave different visit files"


def test_fetch_type_missing_from_all_answer_is_asked_again(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    date = "20261125"
    r = fetch(ctx, out, "all", date, "day", "--json")
    assert r.rc != 0, "an all-types answer without vstr is not complete: %s" % r.why()
    objs = {o["data"]: o for o in map(json.loads, r.lines)}
    assert list(objs) == list(DATA_TYPES), r.why()
    for t in DATA_TYPES:
        if t == "vstr":
            assert objs[t]["exit"] != 0 and objs[t]["error"], objs[t]
            assert not os.path.exists(os.path.join(export_dir(out, t, date=date), "MANIFEST"))
        else:
            assert objs[t]["exit"] == 0, objs[t]
            check_export_folder(out, t, server_files(s, t, date=date, behaviour={"rows": 5}),
                                date=date)
    fx = FIXTURE()
    fx["periods"]["day/all/%s" % date] = {"rows": 5}
    s.set_fixture(fx)
    s.reset()
    fetch(ctx, out, "all", date).expect(0)
    exp = server_files(s, "vstr", date=date, behaviour={"rows": 5})
    assert sorted(f["path"] for f in s.file_requests()) == sorted(e[3] for e in exp), \
        "second run should fetch only vstr: %s" % [f["path"] for f in s.file_requests()]
    check_export_folder(out, "vstr", exp, date=date)


# ---- progress, -q, -v --------------------------------------------------------------------

def test_fetch_quiet_prints_nothing(ctx):
    out = out_dir(ctx)
    r = fetch(ctx, out, "visit", DAY, "day", "-q").expect(0)
    assert r.out == "" and r.err == "", "-q on success: %s" % r.why()
    check_export_folder(out, "visit", server_files(ctx.servers, "visit", behaviour=VISIT))


def test_fetch_no_progress_when_stderr_is_not_a_tty(ctx):
    # the slow file gives the progress plenty of chances; gio() checks for '\r' itself
    out = out_dir(ctx)
    r = fetch(ctx, out, "vstr").expect(0)
    assert "\r" not in r.err and "\x1b" not in r.err, r.why()
    assert "MB/s" not in r.err, r.why()
    check_export_folder(out, "vstr", server_files(ctx.servers, "vstr", behaviour=SLOW))


def test_fetch_progress_on_a_tty(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    rc, text = run_on_pty(ctx, out)
    assert rc == 0, "exit %s: %r" % (rc, text)
    assert TOKEN not in text
    # a 240 KB file is counted in KB, not as "0.2 of 0.2 MB"
    assert "\r" in text and " of 240.0 KB" in text, "no progress on a TTY: %r" % text[:500]
    check_export_folder(out, "vstr", server_files(s, "vstr", behaviour=SLOW))
    # -q: nothing at all, even on a terminal
    out = out_dir(ctx, "quiet")
    rc, text = run_on_pty(ctx, out, "-q")
    assert rc == 0 and text == "", "-q on a TTY: exit %s, %r" % (rc, text[:300])
    check_export_folder(out, "vstr", server_files(s, "vstr", behaviour=SLOW))


def test_fetch_verbose_shows_requests_without_query_or_credentials(ctx):
    s = ctx.servers
    out = out_dir(ctx)
    r = fetch(ctx, out, "visit", DAY, "day", "-v").expect(0)
    lines = r.err.splitlines()
    api_line = re.compile(r"^giofetch: > GET https://localhost:%d/v2/insights/day/visit/%s/%s"
                          r"\.json(\?\.\.\.)?$" % (s.api_port, AI, DAY))
    assert any(api_line.match(line) for line in lines), "no API request line: %s" % r.why()
    for e in server_files(s, "visit", behaviour=VISIT):
        assert any(line.startswith("giofetch: > GET ") and e[0] in line for line in lines), \
            "no request line for %s: %s" % (e[0], r.why())
    for bad in ("expire=", "X-Amz", "Expires=", "Signature", "Authorization", "X-Client-Id",
                TOKEN, r.cid):
        assert bad not in r.err, "-v shows %r: %s" % (bad, r.why())
    assert re.search(r"^giofetch: < 200", r.err, re.M), r.why()


# ---- naming --------------------------------------------------------------------------------

def _naming_links(s, base_dir="/gio-export/extra/naming"):
    """[(link, local name wanted, file data)] in link order."""
    rows = []

    def served(name, data, sub=None):
        # one folder per case: nginx's maps (md5 headers) ignore case, Dup and dup would clash
        path = "%s/%d/%s" % (base_dir, len(rows), sub or name)
        s.filehost.put(path, data=data, reload=False)
        return path

    cases = [
        ("good-0.csv.gz", "good-0.csv.gz"),
        (".hidden.csv.gz", "part-1.csv.gz"),
        ("PART-1.CSV.GZ", "part-2.csv.gz"),       # safe, but taken ignoring case
        ("MANIFEST", "part-3.csv.gz"),
        ("x.csv.gz.part", "part-4.csv.gz"),
        ("a%2fb.csv.gz", "part-5.csv.gz"),        # raw %2f: never decoded into a path
        ("A" * 129, "part-6.csv.gz"),
        ("B" * 128, "B" * 128),                   # the longest safe name is kept
        ("Dup.csv.gz", "Dup.csv.gz"),
        ("dup.csv.gz", "part-9.csv.gz"),          # differs only in case
        ("part-11.csv.gz", "part-11.csv.gz"),
        ("..", "part-11-1.csv.gz"),               # part-11.csv.gz is taken
        ("", "part-12.csv.gz"),                   # empty last segment
        ("a b.csv.gz", "part-13.csv.gz"),         # a space (sent as %20)
    ]
    for i, (name, want) in enumerate(cases):
        data = ("naming case %d %r\n" % (i, name)).encode() * (i + 1)
        if name in ("..", ""):
            # served by the API server's /_flaky/ (it takes any last segment as-is)
            src = served("flaky-src-%d.csv.gz" % i, data)
            rows.append((("flaky", src, name), want, data))
        elif name == "a%2fb.csv.gz":
            path = served(None, data, "a/b.csv.gz")
            link = s.sign_url(path).replace("/a/b.csv.gz?", "/a%2fb.csv.gz?")
            assert "/a%2fb.csv.gz?" in link, link
            rows.append((link, want, data))
        else:
            path = served(name, data)
            rows.append((s.sign_url(path), want, data))
    s.filehost.reload()
    return rows


def _flaky_link(s, src, last):
    cfg = {"calls": 0}
    fid = hashlib.sha1(json.dumps([src, cfg], sort_keys=True).encode()).hexdigest()[:12]
    return s.filehost.sign_url("/_flaky/%s/%s" % (fid, last), 300,
                               base=s.api_base), src, cfg


def test_fetch_unsafe_names_fall_back_to_part_index(ctx):
    s = ctx.servers
    rows = _naming_links(s)
    links = []
    registrations = []
    for link, want, data in rows:
        if isinstance(link, tuple):
            url, src, cfg = _flaky_link(s, link[1], link[2])
            registrations.append((src, cfg))
            links.append(url)
        else:
            links.append(link)
    fx = FIXTURE()
    fx["periods"]["day/custom_event/%s" % DAY] = {"links": links}
    s.set_fixture(fx)
    for src, cfg in registrations:  # after set_fixture, which forgets flaky links
        s.api.api.flaky_link(src, cfg, 300)
    s.reset()
    out = out_dir(ctx)
    # a file outside the export folder that a '..' name must never reach
    os.makedirs(os.path.join(out, AI, "custom_event", "day"), exist_ok=True)
    r = fetch(ctx, out, "custom_event", DAY, "day", "--json").expect(0)
    names = [w for _, w, _ in rows]
    o = json.loads(r.out)
    assert [f["name"] for f in o["files"]] == names, "names %s, want %s" % (
        [f["name"] for f in o["files"]], names)
    expected = [(w, data, hashlib.md5(data).hexdigest(), "") for _, w, data in rows]
    d = check_export_folder(out, "custom_event", expected, names=names)
    only_export_files(out, [d])
    assert sorted(os.listdir(os.path.dirname(d))) == [DAY], os.listdir(os.path.dirname(d))
    for rq in s.api_requests("file"):
        assert rq["authorization"] is None and rq["client_id"] is None, \
            "credential sent to a link on the API's origin: %s" % rq["path"]


def test_fetch_link_named_like_the_manifest_temp_file(ctx):
    """The naming rule keeps `MANIFEST.tmp` (safe characters, not MANIFEST, no .part); the
    folder must still end up complete: that file and a MANIFEST that checks."""
    s = ctx.servers
    data = [b"first file\n" * 50, b"second file, named MANIFEST.tmp\n" * 40]
    p0 = "/gio-export/extra/tmpname/data-0.csv.gz"
    p1 = "/gio-export/extra/tmpname/MANIFEST.tmp"
    s.filehost.put(p0, data=data[0], reload=False)
    s.filehost.put(p1, data=data[1])
    fx = FIXTURE()
    fx["periods"]["day/action/%s" % DAY] = {"links": [s.sign_url(p0), s.sign_url(p1)]}
    s.set_fixture(fx)
    out = out_dir(ctx)
    fetch(ctx, out, "action").expect(0)
    d = export_dir(out, "action")
    check_export_folder(out, "action", [("data-0.csv.gz", data[0],
                                         hashlib.md5(data[0]).hexdigest(), p0),
                                        ("MANIFEST.tmp", data[1],
                                         hashlib.md5(data[1]).hexdigest(), p1)])
    assert md5_of(os.path.join(d, "MANIFEST.tmp")) == hashlib.md5(data[1]).hexdigest()
    no_part_files(out)
