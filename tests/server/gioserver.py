#!/usr/bin/env python3
"""A local GrowingIO "raw data export v2" API for tests (HTTPS, HTTP/1.1 keep-alive).

    GET  /v2/insights/{hour|day}/{data_type}/{ai}/{export_date}.json?expire=N
    GET  /v2/insights/{hour|day}/{ai}/{export_date}.json?expire=N         (all types)
    POST /auth/token                                                       (token minting)
    POST /_test/fixture   GET /_test/fixture   GET /_test/requests   POST /_test/reset

It enforces the API's rules (400 for a broken rule, 401 for a missing or wrong credential, 429
past 2 calls/s per client) and answers per a fixture (see FIXTURE_DOC below and harness.py).
Download links point at the file host (filehost.py, another origin), pre-signed and expiring.
Every request is recorded for the tests (GET /_test/requests or GioServer.requests()).

Run standalone with run_servers.py (this file's main does the same).
"""

import base64
import collections
import copy
import datetime
import fnmatch
import hashlib
import hmac
import itertools
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import filehost as filehost_mod  # noqa: E402
import sampledata  # noqa: E402
from netutil import shut_down  # noqa: E402

DATA_TYPES = sampledata.DATA_TYPES
EXPORT_TYPES = ("hour", "day")
STATUSES = ("FINISHED", "RUNNING", "NOT_EXISTS", "ERROR")
AI_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
EXPIRE_MIN, EXPIRE_MAX, EXPIRE_DEFAULT = 1, 10080, 5
MINT_SKEW_MS = 5 * 60 * 1000

FIXTURE_DOC = """
Fixture (JSON object; every key optional except token):
  token           the Authorization value the API accepts, exactly
  client_id       when set, X-Client-Id must equal it (API and /auth/token)
  project_uid, secret   enable POST /auth/token minting for this project uid / HMAC secret
  minted_token    the token /auth/token hands out (default: token); accepted by the API too
  project         an ai whose files are generated eagerly on set_fixture (else on first call)
  link_ttl_s      link lifetime in seconds (default: expire * 60)
  escape_style    normal | slash (\\/ in strings) | unicode (\\u0026, \\u003D, \\uXXXX incl.
                  surrogate pairs) | all (slash and unicode)
  rate_limit      {"calls": 2, "window_s": 1.0, "enforce": true} (the default); null disables.
                  A call beyond `calls` within window_s (per client) is flagged
                  rate_violation and, if enforce, answered 429 with Retry-After: 1.
  mint            a behaviour subset for /auth/token: http, fail_first, delay_s, body
  default         behaviour for periods not in `periods` (default {"status": "NOT_EXISTS"})
  periods         {key: behaviour}. key: "<hour|day>/<data_type|all>/<date>" or
                  "<hour|day>/<data_type|all>/<ai>/<date>"; fnmatch patterns (* ? [) allowed.

Behaviour (a dict; per call, after fail_first and running_calls are used up):
  status          FINISHED (default) | RUNNING | NOT_EXISTS | ERROR
  error_msg       errorMsg value (ERROR default: "导出失败: export failed 😵")
  parts, rows     FINISHED: number of parts (default 1; 0 = no links) and CSV rows (default 20)
  size            parts of this many pseudo-random bytes instead of CSV (int or list per part)
  md5             per-file hash headers: hex (default) | none | content-md5 | both | wrong |
                  wrong-content-md5; or a list, one per part
  rate            bytes/s limit on these files at the file host (0: none)
  names           file names to use instead of part-0000N-<uuid>-c000.csv.gz (list)
  seed            varies the generated content (and the uuid in the names)
  link_origin     https (default) | http | a TLS variant (expired, wrongname, future,
                  selfsigned, unknownca-server) — which file host listener links point at
  link_base       a raw base URL for the links instead (e.g. "https://localhost:1")
  link_ttl_s      per-period link lifetime
  links           raw link strings to answer verbatim (no files made)
  links_extra     raw link strings appended
  types           all-types: {data_type: behaviour overrides, or null to omit}
  omit            all-types: data types left out of downloadLinks
  reverse_types   all-types: true lists the data types in downloadLinks in reverse order
                  (with sequence: a re-ask's answer can list the same files in another order)
  running_calls   answer RUNNING to the first K calls (after fail_first), then this
  fail_first      {"http": 429|500|..., "calls": K, "retry_after": 1} for the first K calls
  sequence        [behaviour, ...] one per call, the last repeated (overrides the two above)
  http            answer this HTTP status (401, 403, 500, ...) with a JSON error body
  retry_after     with http: the Retry-After header value
  headers         extra answer headers {name: value} (e.g. with http 302: a Location)
  body            with http or malformed "raw": the body string
  malformed       truncated | not_json | wrong_types | unknown_status | missing_status |
                  links_not_array | empty | array | huge | bad_escape | nul_in_link |
                  trailing_garbage | raw
  huge_bytes      size of the "huge" body (default 1 MiB)
  fields          values overriding answer fields (e.g. {"exportVersion": "v1"})
  extra_fields    unknown fields added to the answer
  shuffle_keys    true: answer fields in reverse order
  escape_style    per-period escape style
  delay_s         wait this long before answering
  action          close (drop the connection without an answer) | hang (no answer for
                  hang_s seconds, default 60, then close)
  flaky           links point at this API server's /_flaky/ (another origin than the file
                  host, same files, signed alike) and misbehave for their first `calls`
                  (default 1) requests each: {"calls": K, "status": 500, "retry_after": 1}
                  answers that status; {"cut_after": N} sends the headers and N body bytes,
                  then drops the connection; {"stall_s": S, "cut_after": N} stalls S seconds
                  after N bytes; {"ignore_range": true} answers 200 with the whole file to
                  Range requests. Later requests are served properly (Range, md5 headers).

Also: GET /_redirect?status=302&to=URL answers that redirect (recorded, kind "redirect").
"""

_BEHAVIOUR_KEYS = {
    "status", "error_msg", "parts", "rows", "size", "md5", "rate", "names", "seed",
    "link_origin", "link_base", "link_ttl_s", "links", "links_extra", "types", "omit",
    "reverse_types", "running_calls", "fail_first", "sequence", "http", "retry_after", "body",
    "malformed", "huge_bytes", "fields", "extra_fields", "shuffle_keys", "escape_style",
    "delay_s", "action", "hang_s", "content_type", "headers", "flaky", "comment",
}
_FIXTURE_KEYS = {
    "token", "client_id", "project_uid", "secret", "minted_token", "project", "link_ttl_s",
    "escape_style", "rate_limit", "mint", "default", "periods", "comment",
}
MALFORMED = ("truncated", "not_json", "wrong_types", "unknown_status", "missing_status",
             "links_not_array", "empty", "array", "huge", "bad_escape", "nul_in_link",
             "trailing_garbage", "raw")
ESCAPE_STYLES = ("normal", "slash", "unicode", "all")
DEFAULT_RATE_LIMIT = {"calls": 2, "window_s": 1.0, "enforce": True}


def _is_pattern(key):
    return any(c in key for c in "*?[")


def validate_fixture(fx):
    """Raise ValueError for a fixture with unknown keys or impossible values."""
    if not isinstance(fx, dict):
        raise ValueError("fixture must be an object")
    unknown = set(fx) - _FIXTURE_KEYS
    if unknown:
        raise ValueError("unknown fixture keys: %s" % sorted(unknown))
    if not isinstance(fx.get("token", ""), str) or not fx.get("token"):
        raise ValueError("fixture needs a non-empty string token")
    if fx.get("escape_style", "normal") not in ESCAPE_STYLES:
        raise ValueError("escape_style must be one of %s" % (ESCAPE_STYLES,))
    rl = fx.get("rate_limit", DEFAULT_RATE_LIMIT)
    if rl is not None and (not isinstance(rl, dict) or set(rl) - {"calls", "window_s",
                                                                   "enforce"}):
        raise ValueError("rate_limit must be null or {calls, window_s, enforce}")
    behaviours = [("default", fx.get("default", {"status": "NOT_EXISTS"}))]
    for k, b in (fx.get("periods") or {}).items():
        parts = k.split("/")
        if len(parts) not in (3, 4) or (not _is_pattern(parts[0]) and
                                         parts[0] not in EXPORT_TYPES):
            raise ValueError("bad period key %r (want hour|day/<type|all>/[ai/]date)" % k)
        behaviours.append((k, b))
    for name, b in behaviours:
        _validate_behaviour(name, b)


def _validate_behaviour(name, b):
    if not isinstance(b, dict):
        raise ValueError("%s: behaviour must be an object" % name)
    unknown = set(b) - _BEHAVIOUR_KEYS
    if unknown:
        raise ValueError("%s: unknown behaviour keys %s" % (name, sorted(unknown)))
    if "status" in b and b["status"] not in STATUSES:
        raise ValueError("%s: status must be one of %s (use malformed: unknown_status)"
                         % (name, STATUSES))
    if "malformed" in b and b["malformed"] not in MALFORMED:
        raise ValueError("%s: malformed must be one of %s" % (name, MALFORMED))
    if "escape_style" in b and b["escape_style"] not in ESCAPE_STYLES:
        raise ValueError("%s: bad escape_style" % name)
    md5 = b.get("md5", "hex")
    for m in (md5 if isinstance(md5, list) else [md5]):
        if m not in filehost_mod.MD5_MODES:
            raise ValueError("%s: md5 mode %r not in %s" % (name, m, filehost_mod.MD5_MODES))
    for t, sub in (b.get("types") or {}).items():
        if sub is not None:
            _validate_behaviour("%s.types.%s" % (name, t), sub)
    for i, sub in enumerate(b.get("sequence") or []):
        _validate_behaviour("%s.sequence[%d]" % (name, i), sub)


def beijing_now():
    return datetime.datetime.now(BEIJING)


def valid_date(export_type, date):
    if export_type == "day":
        fmt, n = "%Y%m%d", 8
    else:
        fmt, n = "%Y%m%d%H", 10
    if len(date) != n or not date.isdigit() or not date.isascii():
        return False
    try:
        datetime.datetime.strptime(date, fmt)
    except ValueError:
        return False
    return True


def mint_auth(secret, project, ai, tm):
    """hex HMAC-SHA256(secret, "POST\\n/auth/token\\nproject=<uid>&ai=<ai>&tm=<ms>")."""
    msg = "POST\n/auth/token\nproject=%s&ai=%s&tm=%s" % (project, ai, tm)
    return hmac.new(secret.encode("utf-8"), msg.encode("utf-8"), hashlib.sha256).hexdigest()


def encode_json(obj, style="normal"):
    """JSON bytes in one of the escape styles (json.dumps never writes \\/ by itself)."""
    if style in ("unicode", "all"):
        text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
        # Gson-style HTML-safe escapes; '=' in upper-case hex to exercise both cases.
        for ch, esc in (("&", "\\u0026"), ("=", "\\u003D"), ("<", "\\u003c"), (">", "\\u003e"),
                        ("'", "\\u0027")):
            text = text.replace(ch, esc)
    else:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    if style in ("slash", "all"):
        text = text.replace("/", "\\/")  # '/' only ever appears inside strings here
    return text.encode("utf-8")


class ExportFiles:
    """Turns FINISHED behaviours into files on the file host and signed links to them."""

    def __init__(self, filehost):
        self.fh = filehost
        self._made = {}  # path -> content key
        self._lock = threading.RLock()

    def ensure(self, ai, data_type, export_type, date, b):
        """Make sure the files of one export exist; returns their url paths."""
        parts = int(b.get("parts", 1))
        rows = int(b.get("rows", 20))
        seed = str(b.get("seed", ""))
        size = b.get("size")
        md5 = b.get("md5", "hex")
        names = b.get("names") or []
        rate = int(b.get("rate", 0) or 0)
        job = hashlib.sha1(json.dumps([rows, seed, size]).encode()).hexdigest()[:8]
        paths = []
        changed = False
        with self._lock:
            for i in range(parts):
                name = names[i] if i < len(names) else sampledata.part_name(
                    ai, data_type, export_type, date, i, seed)
                path = "/%s/%s/%s/%s/%s/%s/%s" % (filehost_mod.BUCKET, ai, data_type,
                                                  export_type, date, job, name)
                mode = md5[i] if isinstance(md5, list) else md5
                psize = size[i] if isinstance(size, list) else size
                key = (data_type, export_type, date, i, rows, seed, psize)
                if self._made.get(path) != key or not self.fh.has(path, mode, rate):
                    if psize is not None:
                        self.fh.put(path, size=int(psize), md5=mode, rate=rate,
                                    seed="%s|%s" % (path, seed), reload=False)
                    else:
                        ctype = data_type if data_type in DATA_TYPES else "visit"
                        data = sampledata.make_part(ai, ctype, export_type, date, i, rows, seed)
                        self.fh.put(path, data=data, md5=mode, rate=rate, reload=False)
                    self._made[path] = key
                    changed = True
                paths.append(path)
            if changed and self.fh.running():
                self.fh.reload()
        return paths

    def links(self, ai, data_type, export_type, date, b, ttl_s, flaky=None):
        if "links" in b:
            return list(b["links"])
        paths = self.ensure(ai, data_type, export_type, date, b)
        if b.get("flaky") is not None and flaky is not None:
            out = [flaky(p, b["flaky"], ttl_s) for p in paths]
        else:
            out = [self.fh.sign_url(p, ttl_s, origin=b.get("link_origin", "https"),
                                    base=b.get("link_base")) for p in paths]
        return out + list(b.get("links_extra") or [])


def _steps(b):
    """The per-call behaviours of one period: [step for call 0, call 1, ...]; last repeats."""
    if b.get("sequence"):
        base = {k: v for k, v in b.items() if k != "sequence"}
        out = []
        for s in b["sequence"]:
            m = dict(base)
            m.update(s)
            out.append(m)
        return out
    seq = []
    ff = b.get("fail_first")
    if ff:
        fail = {"http": int(ff.get("http", 500))}
        if ff.get("retry_after") is not None:
            fail["retry_after"] = ff["retry_after"]
        if ff.get("body") is not None:
            fail["body"] = ff["body"]
        seq += [fail] * int(ff.get("calls", 1))
    final = {k: v for k, v in b.items() if k not in ("fail_first", "running_calls")}
    seq += [{"status": "RUNNING", "escape_style": b.get("escape_style")}] * \
        int(b.get("running_calls", 0))
    seq.append(final)
    return seq


class Answer:
    def __init__(self, status, body=b"", headers=None, ctype="application/json;charset=UTF-8",
                 json_status=None, action=None, hang_s=0, cut_after=None, stall_s=0):
        self.cut_after = cut_after
        self.stall_s = stall_s
        self.status = status
        self.body = body
        self.headers = headers or []
        self.ctype = ctype
        self.json_status = json_status
        self.action = action
        self.hang_s = hang_s


def _error_body(status, message):
    reasons = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               405: "Method Not Allowed", 429: "Too Many Requests",
               500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return json.dumps({"code": status, "error": reasons.get(status, "Error"),
                       "message": message}).encode()


class GioApi:
    """The API's state and logic, independent of sockets (GioServer serves it)."""

    def __init__(self, filehost, fixture=None):
        self.files = ExportFiles(filehost)
        self.fh = filehost
        self._lock = threading.Lock()
        self._fixture = None
        self._counters = collections.Counter()
        self._mint_calls = 0
        self._rate = collections.defaultdict(collections.deque)
        self._log = []
        self._seq = itertools.count(1)
        self.tls_errors = []
        self.stop_event = threading.Event()
        self.flaky_base = None  # set by GioServer once its TLS port is known
        self._flaky = {}  # id -> {"path": file path, "cfg": dict, "count": n}
        self.set_fixture(fixture or {"token": "test-token"})

    # ---- fixture & log ---------------------------------------------------------------------

    @property
    def fixture(self):
        return copy.deepcopy(self._fixture)

    def set_fixture(self, fx):
        """Replace the fixture (validated); resets per-period call counters and rate windows.
        Files of exact FINISHED periods whose ai is known are generated now."""
        fx = copy.deepcopy(fx)
        validate_fixture(fx)
        with self._lock:
            self._fixture = fx
            self._counters.clear()
            self._mint_calls = 0
            self._rate.clear()
            self._flaky.clear()
        self._prepare(fx)

    def _prepare(self, fx):
        for key, b in (fx.get("periods") or {}).items():
            if _is_pattern(key):
                continue
            parts = key.split("/")
            if len(parts) == 4:
                exp, dt, ai, date = parts
            else:
                exp, dt, date = parts
                ai = fx.get("project")
            if not ai or not AI_RE.match(ai) or not valid_date(exp, date):
                continue
            final = _steps(b)[-1]
            if final.get("status", "FINISHED") != "FINISHED" or "http" in final \
                    or "links" in final:
                continue
            for t, tb in self._type_behaviours(dt, final):
                self.files.ensure(ai, t, exp, date, tb)

    def reset(self):
        """Clear the request log, the per-period call counters and the rate windows."""
        with self._lock:
            self._log = []
            self._counters.clear()
            self._mint_calls = 0
            self._rate.clear()
            self.tls_errors = []
            for f in self._flaky.values():
                f["count"] = 0

    def requests(self, kind=None):
        with self._lock:
            out = [dict(r) for r in self._log]
        return [r for r in out if kind is None or r["kind"] == kind]

    def record(self, rec):
        with self._lock:
            rec["seq"] = next(self._seq)
            self._log.append(rec)

    # ---- the API ---------------------------------------------------------------------------

    def handle(self, method, path, query, headers, body, rec):
        """Answer one request. rec (the log record) gets filled in along the way."""
        fx = self._fixture
        if path.startswith("/_test/"):
            rec["kind"] = "control"
            return self._control(method, path, query, body)
        if path == "/auth/token":
            rec["kind"] = "mint"
            return self._mint(fx, method, headers, body, rec)
        if path.startswith("/v2/insights/"):
            rec["kind"] = "export"
            return self._export(fx, method, path, query, headers, rec)
        if path.startswith("/_flaky/"):
            rec["kind"] = "file"
            return self._flaky_file(method, path, query, headers, rec)
        if path == "/_redirect":
            rec["kind"] = "redirect"
            args = urllib.parse.parse_qs(query)
            to = args.get("to", [""])[0]
            status = int(args.get("status", ["302"])[0])
            return Answer(status, b"", headers=[("Location", to)], ctype="text/plain")
        rec["kind"] = "other"
        return Answer(404, _error_body(404, "no such endpoint: %s" % path))

    def _control(self, method, path, query, body):
        try:
            if path == "/_test/fixture" and method == "POST":
                self.set_fixture(json.loads(body.decode("utf-8")))
                return Answer(200, b'{"ok":true}')
            if path == "/_test/fixture" and method == "GET":
                return Answer(200, json.dumps(self.fixture).encode())
            if path == "/_test/requests" and method == "GET":
                kind = urllib.parse.parse_qs(query).get("kind", [None])[0]
                return Answer(200, json.dumps(self.requests(kind)).encode())
            if path == "/_test/reset" and method == "POST":
                self.reset()
                return Answer(200, b'{"ok":true}')
        except ValueError as e:
            return Answer(400, _error_body(400, str(e)))
        return Answer(404, _error_body(404, "no such control endpoint"))

    def _auth_ok(self, fx, headers):
        """None when the credentials pass, else the reason."""
        tokens = headers.get_all("Authorization") or []
        accepted = {fx["token"]}
        if fx.get("minted_token"):
            accepted.add(fx["minted_token"])
        if len(tokens) != 1:
            return "missing Authorization" if not tokens else "several Authorization headers"
        if tokens[0] not in accepted:
            return "invalid token"
        if fx.get("client_id") is not None:
            ids = headers.get_all("X-Client-Id") or []
            if len(ids) != 1 or ids[0] != fx["client_id"]:
                return "missing or wrong X-Client-Id"
        return None

    def _rate_check(self, fx, headers):
        rl = fx.get("rate_limit", DEFAULT_RATE_LIMIT)
        if rl is None:
            return False, False
        calls = int(rl.get("calls", 2))
        window = float(rl.get("window_s", 1.0))
        client = headers.get("X-Client-Id") or headers.get("Authorization") or "anonymous"
        now = time.monotonic()
        with self._lock:
            q = self._rate[client]
            q.append(now)
            while q and q[0] <= now - window:
                q.popleft()
            violation = len(q) > calls
        return violation, violation and rl.get("enforce", True)

    def _export(self, fx, method, path, query, headers, rec):
        violation, refuse = self._rate_check(fx, headers)
        rec["rate_violation"] = violation
        if refuse:
            return Answer(429, _error_body(429, "rate limit exceeded"),
                          headers=[("Retry-After", "1")])
        if method not in ("GET", "HEAD"):
            return Answer(405, _error_body(405, "use GET"), headers=[("Allow", "GET")])
        why = self._auth_ok(fx, headers)
        if why:
            return Answer(401, _error_body(401, why))
        segs = path[len("/v2/insights/"):].split("/")
        if not segs[-1].endswith(".json") or len(segs) not in (3, 4):
            return Answer(404, _error_body(404, "no such endpoint"))
        segs[-1] = segs[-1][:-len(".json")]
        if len(segs) == 4:
            export_type, data_type, ai, date = segs
            typed = True
        else:
            export_type, ai, date = segs
            data_type, typed = "all", False
        rec.update(export_type=export_type, data_type=data_type, ai=ai, export_date=date)
        args = urllib.parse.parse_qs(query, keep_blank_values=True)
        if export_type not in EXPORT_TYPES:
            return Answer(400, _error_body(400, "invalid export type: %s" % export_type))
        if typed and data_type not in DATA_TYPES:
            return Answer(400, _error_body(400, "invalid data type: %s" % data_type))
        if not AI_RE.match(ai):
            return Answer(400, _error_body(400, "invalid ai: %s" % ai))
        if not valid_date(export_type, date):
            return Answer(400, _error_body(400, "invalid export date for %s: %s"
                                           % (export_type, date)))
        expire = args.get("expire", [str(EXPIRE_DEFAULT)])
        if len(expire) != 1 or not re.match(r"^[0-9]{1,6}$", expire[0]) or \
                not EXPIRE_MIN <= int(expire[0]) <= EXPIRE_MAX:
            return Answer(400, _error_body(400, "invalid expire: %s" % ",".join(expire)))
        expire = int(expire[0])
        rec["expire"] = expire

        key, b = self._lookup(fx, export_type, data_type, ai, date)
        ckey = "%s/%s/%s/%s" % (export_type, data_type, ai, date)
        with self._lock:
            n = self._counters[ckey]
            self._counters[ckey] += 1
        steps = _steps(b)
        step = steps[min(n, len(steps) - 1)]
        rec.update(period="%s/%s/%s" % (export_type, data_type, date), matched=key,
                   call_index=n)
        ttl = step.get("link_ttl_s") or fx.get("link_ttl_s") or expire * 60
        return self._answer(fx, step, export_type, data_type, ai, date, int(ttl))

    def _lookup(self, fx, export_type, data_type, ai, date):
        periods = fx.get("periods") or {}
        cands = ["%s/%s/%s/%s" % (export_type, data_type, ai, date),
                 "%s/%s/%s" % (export_type, data_type, date)]
        for c in cands:
            if c in periods:
                return c, periods[c]
        for c in cands:
            for k, b in periods.items():
                if _is_pattern(k) and k.count("/") == c.count("/") and fnmatch.fnmatchcase(c, k):
                    return k, b
        return "default", fx.get("default", {"status": "NOT_EXISTS"})

    def flaky_link(self, path, cfg, ttl_s):
        """A signed link to file `path` served by /_flaky/ with misbehaviour cfg."""
        fid = hashlib.sha1(json.dumps([path, cfg], sort_keys=True).encode()).hexdigest()[:12]
        with self._lock:
            if fid not in self._flaky:
                self._flaky[fid] = {"path": path, "cfg": dict(cfg), "count": 0}
        fpath = "/_flaky/%s/%s" % (fid, path.rsplit("/", 1)[1])
        return self.fh.sign_url(fpath, ttl_s, base=self.flaky_base)

    def _flaky_file(self, method, path, query, headers, rec):
        segs = path.split("/")
        with self._lock:
            entry = self._flaky.get(segs[2]) if len(segs) == 4 else None
            n = entry["count"] if entry else 0
            if entry:
                entry["count"] += 1
        if entry is None or method not in ("GET", "HEAD"):
            return Answer(404, b"<Error><Code>NoSuchKey</Code></Error>", ctype="application/xml")
        args = dict(urllib.parse.parse_qsl(query))
        try:
            expires = int(args.get("Expires", ""))
        except ValueError:
            expires = -1
        denied = b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        if filehost_mod.signature(urllib.parse.unquote(path), expires, self.fh.secret) != \
                args.get("X-Amz-Signature"):
            return Answer(403, denied + b"<Message>signature</Message></Error>\n",
                          ctype="application/xml")
        if expires < int(time.time()):
            return Answer(403, denied + b"<Message>Request has expired</Message></Error>\n",
                          ctype="application/xml")
        cfg = entry["cfg"]
        rec["flaky_call"] = n
        bad = n < int(cfg.get("calls", 1))
        if bad and cfg.get("status"):
            hdrs = [("Retry-After", str(cfg["retry_after"]))] if cfg.get("retry_after") \
                is not None else []
            return Answer(int(cfg["status"]), b"<Error><Code>InternalError</Code></Error>",
                          headers=hdrs, ctype="application/xml")
        meta = self.fh.files[entry["path"]]
        with open(self.fh.file_path(entry["path"]), "rb") as f:
            data = f.read()
        size = len(data)
        status, start, end = 200, 0, size
        rng = headers.get("Range")
        m = re.match(r"^bytes=(\d*)-(\d*)$", rng or "")
        if m and not (bad and cfg.get("ignore_range")) and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = min(size, int(m.group(2)) + 1) if m.group(2) else size
            else:
                start, end = max(0, size - int(m.group(2))), size
            if start >= size or start >= end:
                return Answer(416, b"", headers=[("Content-Range", "bytes */%d" % size)],
                              ctype="application/xml")
            status = 206
        hdrs = [("Accept-Ranges", "bytes"), ("ETag", '"%s"' % meta["md5"])]
        if status == 206:
            hdrs.append(("Content-Range", "bytes %d-%d/%d" % (start, end - 1, size)))
        mode = meta["md5_mode"]
        if mode in ("hex", "both"):
            hdrs.append(("x-amz-meta-md5-hash", meta["md5"]))
        elif mode == "wrong":
            hdrs.append(("x-amz-meta-md5-hash", hashlib.md5(meta["md5"].encode()).hexdigest()))
        if status == 200 and mode in ("content-md5", "both"):
            hdrs.append(("Content-MD5", meta["md5_b64"]))
        elif status == 200 and mode == "wrong-content-md5":
            hdrs.append(("Content-MD5", base64.b64encode(
                hashlib.md5(meta["md5"].encode()).digest()).decode()))
        ans = Answer(status, data[start:end], headers=hdrs, ctype="application/gzip",
                     json_status="flaky:%s" % ("bad" if bad else "ok"))
        if bad and cfg.get("cut_after") is not None:
            ans.cut_after = int(cfg["cut_after"])
            ans.stall_s = float(cfg.get("stall_s", 0))
        return ans

    def _type_behaviours(self, data_type, b):
        """[(data_type, behaviour)] for a single type, or one per included type for 'all'."""
        if data_type != "all":
            return [(data_type, b)]
        base = {k: v for k, v in b.items() if k not in ("types", "omit")}
        types = b.get("types") or {}
        out = []
        for t in list(DATA_TYPES) + [t for t in types if t not in DATA_TYPES]:
            if t in (b.get("omit") or []) or (t in types and types[t] is None):
                continue
            if t not in DATA_TYPES and t not in types:
                continue
            tb = dict(base)
            tb.update(types.get(t) or {})
            out.append((t, tb))
        return out

    def _answer(self, fx, b, export_type, data_type, ai, date, ttl):
        if b.get("delay_s"):
            self.stop_event.wait(float(b["delay_s"]))
        if b.get("action") in ("close", "hang"):
            return Answer(0, action=b["action"], hang_s=float(b.get("hang_s", 60)))
        if "http" in b:
            hdrs = list((b.get("headers") or {}).items())
            if b.get("retry_after") is not None:
                hdrs.append(("Retry-After", str(b["retry_after"])))
            body = b.get("body")
            body = body.encode("utf-8") if body is not None else \
                _error_body(int(b["http"]), "fixture says %s" % b["http"])
            return Answer(int(b["http"]), body, headers=hdrs,
                          ctype=b.get("content_type", "application/json;charset=UTF-8"))
        style = b.get("escape_style") or fx.get("escape_style", "normal")
        status = b.get("status", "FINISHED")
        is_all = data_type == "all"
        if status == "FINISHED" and b.get("malformed") not in ("not_json", "empty", "raw"):
            if is_all:
                links = collections.OrderedDict(
                    (t, self.files.links(ai, t, export_type, date, tb, ttl, self.flaky_link))
                    for t, tb in self._type_behaviours("all", b))
                if b.get("reverse_types"):
                    links = collections.OrderedDict(reversed(list(links.items())))
            else:
                links = self.files.links(ai, data_type, export_type, date, b, ttl,
                                         self.flaky_link)
        else:
            links = {} if is_all else []
        err = b.get("error_msg")
        if err is None:
            err = "导出失败: export failed 😵" if status == "ERROR" else ""
        obj = collections.OrderedDict([
            ("status", status), ("downloadLinks", links), ("exportType", export_type),
            ("dataType", "" if is_all else data_type), ("exportDate", date),
            ("exportVersion", "v2"), ("requestTime", beijing_now().strftime("%Y-%m-%d %H:%M")),
            ("errorMsg", err)])
        if style in ("unicode", "all") and status != "ERROR":
            obj["message"] = "导出完成 ✓ 🚀"  # a surrogate pair once escaped
        obj.update(b.get("fields") or {})
        obj.update(b.get("extra_fields") or {})
        if b.get("shuffle_keys"):
            obj = collections.OrderedDict(reversed(list(obj.items())))
        m = b.get("malformed")
        if m:
            ans = self._malformed(m, b, obj, style)
        else:
            ans = Answer(200, encode_json(obj, style), json_status=status)
        ans.headers += list((b.get("headers") or {}).items())
        return ans

    def _malformed(self, kind, b, obj, style):
        first = ""
        links = obj["downloadLinks"]
        if isinstance(links, list) and links:
            first = links[0]
        elif isinstance(links, dict):
            for v in links.values():
                if v:
                    first = v[0]
                    break
        first = first or "https://localhost:1/%s/x/part-00000.csv.gz" % filehost_mod.BUCKET
        ctype = "application/json;charset=UTF-8"
        if kind == "truncated":
            full = encode_json(obj, style)
            body = full[:max(1, len(full) // 2)]
        elif kind == "not_json":
            body = b"<html><head><title>502 Bad Gateway</title></head><body><center>" \
                   b"<h1>502 Bad Gateway</h1></center></body></html>\n"
            ctype = "text/html"
        elif kind == "wrong_types":
            o = dict(obj)
            o.update(status=1, downloadLinks=first, exportType=["x"], exportVersion=2,
                     errorMsg=None)
            body = encode_json(o, style)
        elif kind == "unknown_status":
            o = dict(obj)
            o["status"] = "DONE"
            body = encode_json(o, style)
        elif kind == "missing_status":
            o = dict(obj)
            del o["status"]
            body = encode_json(o, style)
        elif kind == "links_not_array":
            o = dict(obj)
            o["downloadLinks"] = [first] if isinstance(links, dict) else {"visit": [first]}
            body = encode_json(o, style)
        elif kind == "empty":
            body = b""
        elif kind == "array":
            body = encode_json([obj], style)
        elif kind == "huge":
            target = int(b.get("huge_bytes", 1 << 20))
            o = dict(obj)
            many = []
            size = 0
            while size < target:
                many.append(first)
                size += len(first) + 3
            o["downloadLinks"] = many if not isinstance(links, dict) else {"visit": many}
            body = encode_json(o, style)
        elif kind == "bad_escape":
            body = encode_json(obj, style).replace(b'"status"', b'"stat\\u00G1us"', 1)
        elif kind == "nul_in_link":
            o = dict(obj)
            bad = first.replace("part-", "part-\x00", 1)
            o["downloadLinks"] = [bad] if not isinstance(links, dict) else {"visit": [bad]}
            body = encode_json(o, style)
        elif kind == "trailing_garbage":
            body = encode_json(obj, style) + b"}garbage"
        else:  # raw
            body = (b.get("body") or "").encode("utf-8")
            ctype = b.get("content_type", ctype)
        return Answer(200, body, ctype=ctype, json_status="malformed:" + kind)

    def _mint(self, fx, method, headers, body, rec):
        mb = fx.get("mint") or {}
        with self._lock:
            n = self._mint_calls
            self._mint_calls += 1
        ff = mb.get("fail_first")
        if ff and n < int(ff.get("calls", 1)):
            hdrs = [("Retry-After", str(ff["retry_after"]))] if ff.get("retry_after") \
                is not None else []
            return Answer(int(ff.get("http", 500)), _error_body(int(ff.get("http", 500)),
                                                                "fixture says so"), hdrs)
        if mb.get("delay_s"):
            self.stop_event.wait(float(mb["delay_s"]))
        if "http" in mb:
            b = mb.get("body")
            return Answer(int(mb["http"]), b.encode() if b is not None else
                          _error_body(int(mb["http"]), "fixture says so"))

        def refuse(status, msg):
            return Answer(status, json.dumps({"status": "failed", "code": "",
                                              "message": msg}).encode())
        if method != "POST":
            return refuse(405, "use POST")
        if not fx.get("project_uid") or not fx.get("secret"):
            return refuse(401, "token minting is not enabled for this deployment")
        ids = headers.get_all("X-Client-Id") or []
        if len(ids) != 1 or not ids[0]:
            return refuse(401, "missing X-Client-Id")
        if fx.get("client_id") is not None and ids[0] != fx["client_id"]:
            return refuse(401, "unknown X-Client-Id")
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return refuse(400, "Content-Type must be application/x-www-form-urlencoded")
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True,
                                         strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return refuse(400, "malformed form body")
        vals = {}
        for k in ("project", "ai", "tm", "auth"):
            v = form.get(k)
            if not v or len(v) != 1:
                return refuse(400, "missing or repeated form field: %s" % k)
            vals[k] = v[0]
        rec["mint"] = dict(vals)
        if vals["project"] != fx["project_uid"]:
            return refuse(401, "unknown project")
        if not AI_RE.match(vals["ai"]):
            return refuse(400, "invalid ai")
        if not re.match(r"^[0-9]{1,16}$", vals["tm"]):
            return refuse(400, "invalid tm")
        if abs(int(time.time() * 1000) - int(vals["tm"])) > MINT_SKEW_MS:
            return refuse(401, "tm too far from the server's time")
        want = mint_auth(fx["secret"], vals["project"], vals["ai"], vals["tm"])
        if not hmac.compare_digest(want, vals["auth"].lower()):
            return refuse(401, "invalid signature")
        code = fx.get("minted_token") or fx["token"]
        return Answer(200, json.dumps({"status": "success", "code": code}).encode(),
                      json_status="success")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openresty"
    sys_version = ""
    timeout = 30
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        self.conn_requests = 0

    def log_message(self, fmt, *args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def _dispatch(self):
        self.conn_requests += 1
        api = self.server.api
        url = urllib.parse.urlsplit(self.path)
        rec = {
            "time": time.time(), "mono": time.monotonic(), "method": self.command,
            "path": url.path, "query": url.query, "target": self.path,
            "version": self.request_version,
            "args": {k: v[0] if len(v) == 1 else v for k, v in
                     urllib.parse.parse_qs(url.query, keep_blank_values=True).items()},
            "headers": {k: ", ".join(self.headers.get_all(k)) for k in
                        dict.fromkeys(self.headers.keys())},
            "authorization": self.headers.get("Authorization"),
            "client_id": self.headers.get("X-Client-Id"),
            "conn": self.server.conn_id_of(self.connection),
            "conn_request": self.conn_requests, "tls": self.server.ssl_ctx is not None,
            "sni": getattr(self.connection, "gio_sni", None),
            "client_addr": "%s:%d" % self.client_address[:2],
            "kind": "other", "rate_violation": False, "status": 0, "json_status": None,
        }
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._send(Answer(411, _error_body(411, "chunked request bodies not supported")),
                       rec)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > (1 << 20):
            self.close_connection = True
            self._send(Answer(400, _error_body(400, "bad Content-Length")), rec)
            return
        body = self.rfile.read(length) if length else b""
        rec["body"] = body.decode("utf-8", "replace")
        try:
            ans = api.handle(self.command, url.path, url.query, self.headers, body, rec)
        except Exception as e:  # a bug in the test server: answer 500 and say why
            rec["error"] = traceback.format_exc()
            sys.stderr.write("gioserver: %s\n" % rec["error"])
            ans = Answer(500, _error_body(500, "test server error: %r" % e))
        self._send(ans, rec)

    def _send(self, ans, rec):
        rec["status"] = ans.status
        rec["json_status"] = ans.json_status
        # Recorded before the answer goes out, so a client that has its answer finds it logged.
        if rec.get("kind") != "control":
            self.server.api.record(rec)
        if ans.action in ("close", "hang"):
            if ans.action == "hang":
                self.server.api.stop_event.wait(ans.hang_s)
            self.close_connection = True
            shut_down(self.connection)
            return
        self.send_response(ans.status)
        self.send_header("Content-Type", ans.ctype)
        self.send_header("Content-Length", str(len(ans.body)))
        for k, v in ans.headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            self.wfile.flush()
            return
        if ans.cut_after is not None:
            # Promise the whole body, send part of it, then (after a stall) drop the connection.
            self.wfile.write(ans.body[:ans.cut_after])
            self.wfile.flush()
            if ans.stall_s:
                self.server.api.stop_event.wait(ans.stall_s)
            self.close_connection = True
            shut_down(self.connection)
            return
        self.wfile.write(ans.body)
        self.wfile.flush()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, api, ssl_ctx):
        self.api = api
        self.ssl_ctx = ssl_ctx
        self._conns = {}
        self._conn_ids = itertools.count(1)
        self._conn_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def conn_id_of(self, sock):
        with self._conn_lock:
            return self._conns.get(sock)

    def finish_request(self, request, client_address):
        conn_id = next(self._conn_ids)
        sock = request
        if self.ssl_ctx is not None:
            request.settimeout(10)
            try:
                sock = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.api.tls_errors.append({"time": time.time(), "client": client_address[:2],
                                            "error": str(e)})
                return
        with self._conn_lock:
            self._conns[sock] = conn_id
        try:
            self.RequestHandlerClass(sock, client_address, self)
        finally:
            with self._conn_lock:
                self._conns.pop(sock, None)
            if sock is not request:
                shut_down(sock)
                sock.close()

    def close_all(self):
        with self._conn_lock:
            socks = list(self._conns)
        for s in socks:
            shut_down(s)

    def handle_error(self, request, client_address):
        pass


def _sni_callback(sslsock, server_name, ctx):
    try:
        sslsock.gio_sni = server_name
    except AttributeError:
        pass


class GioServer:
    """The API served over HTTPS (and optionally plain HTTP) on listen (127.0.0.1), in
    threads; host is the name its own links (flaky_base) use."""

    def __init__(self, filehost, cert, key, fixture=None, port=0, http_port=None,
                 listen="127.0.0.1", host="localhost"):
        self.listen = listen
        self.host = host
        self.api = GioApi(filehost, fixture)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key)
        ctx.sni_callback = _sni_callback
        self.ssl_ctx = ctx
        self._want = (port, http_port)
        self.listen = listen
        self.servers = []
        self.threads = []
        self.port = None
        self.http_port = None

    def start(self):
        port, http_port = self._want
        tls = _Server((self.listen, port or 0), self.api, self.ssl_ctx)
        self.servers.append(tls)
        self.port = tls.server_address[1]
        self.api.flaky_base = "https://%s:%d" % (self.host, self.port)
        if http_port is not None:
            plain = _Server((self.listen, http_port or 0), self.api, None)
            self.servers.append(plain)
            self.http_port = plain.server_address[1]
        for s in self.servers:
            t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1},
                                 name="gioserver-%d" % s.server_address[1], daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.api.stop_event.set()
        for s in self.servers:
            s.shutdown()
            s.close_all()
            s.server_close()
        for t in self.threads:
            t.join(timeout=5)
        self.servers, self.threads = [], []

    # conveniences
    def set_fixture(self, fx):
        self.api.set_fixture(fx)

    def requests(self, kind=None):
        return self.api.requests(kind)

    def reset(self):
        self.api.reset()


def main(argv):
    import run_servers
    return run_servers.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
