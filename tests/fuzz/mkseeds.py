#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/.

    python3 tests/fuzz/mkseeds.py

The seeds are the unit tests' inputs (tests/unit/test_*.c) in each target's
input format (see the comment at the top of tests/fuzz/fuzz_<target>.c).
Files are named by the SHA-1 of their bytes, like libFuzzer's; running this
again rewrites the same files. Inputs the fuzzers found are added to the
same folders by hand (see README.md).
"""

import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---- HTTP responses (tests/unit/test_http_parser.c, test_http.c) ----------

RESPONSES = [
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\nX-Empty:\r\n"
    "x-amz-meta-md5-hash:   5d41402abc4b2a76b9719d911017c592  \r\n\r\nhello",
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n6;name=val;x\r\n world\r\nA \r\n0123456789\r\n0\r\n"
    "Trailer-One: x\r\nTrailer-Two: y\r\n\r\n",
    "HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3\r\nabc\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc",
    "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\nContent-Length: 2\nX-B:b\n\nok",
    "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
    "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of this until the end",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab",
    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-9/10\r\nContent-Length: 5\r\n"
    "Content-MD5: XUFAKrxLKna5cZ2REBfFkg==\r\n\r\n56789",
    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n",
    # obs-fold replaced by SP, empty list elements in Transfer-Encoding, 6xx
    "HTTP/1.1 200 OK\r\nContent-Length:\r\n\t 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n1\r\nx\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\nT: 1\r\n 2\r\n\r\n",
    "HTTP/1.1 600 Odd\r\nContent-Length: 1\r\n\r\nx",
]

REDIRECTS = [
    "HTTP/1.1 302 Found\r\nLocation: /v2/next.json?expire=5\r\nContent-Length: 0\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 301 Moved\r\nLocation: http://files.example:8080/a/../b/./c?x=1#frag\r\n"
    "Content-Length: 3\r\n\r\nabc",
    "HTTP/1.1 307 Temporary Redirect\r\nLocation: //other.example/p\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 303 See Other\r\nLocation: ../up/here\r\nConnection: close\r\n\r\n",
    "HTTP/1.1 308 Permanent Redirect\r\nLocation: ?only=query\r\nContent-Length: 0\r\n\r\n"
    "HTTP/1.1 302 Found\r\nLocation: HTTP://API.EXAMPLE:80/back\r\nContent-Length: 0\r\n\r\n"
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    "HTTP/1.1 302 Found\r\nLocation: https://secure.example/x\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
]


def http_input(piece, flags, cuts, response):
    return bytes([piece, flags, len(cuts)] + [c - 1 for c in cuts]) + response.encode("latin-1")


def http_seeds():
    for i, r in enumerate(RESPONSES):
        write("http", http_input(0, 0, [], r))
        write("http", http_input(1 + i % 13, 16 if i % 2 else 0, [17, 1, 40][: i % 4], r))
    write("http", http_input(0, 4, [], RESPONSES[0]))     # HEAD
    write("http", http_input(3, 1, [], RESPONSES[15]))    # reset
    write("http", http_input(5, 2, [9], RESPONSES[15]))   # hang
    for i, r in enumerate(REDIRECTS):
        write("http", http_input(0, 8, [], r))
        write("http", http_input(7, 8 | 32, [30, 2], r))  # POST


# ---- chunked bodies --------------------------------------------------------

CHUNKED = [
    "5\r\nhello\r\n6;name=val;x\r\n world\r\nA \r\n0123456789\r\n0\r\n"
    "Trailer-One: x\r\nTrailer-Two: y\r\n\r\n",
    "0\r\n\r\n",
    "3\r\nabc\r\n0\r\n\r\n",
    "1\nx\n0\n\n",
    "10000000000000000\r\n",
    "FFFFFFFFFFFFFFFFF\r\n",
    "\r\n",
    "-1\r\n",
    "0x5\r\n",
    "5 5\r\n",
    "zz\r\n",
    " 5\r\n",
    "5\r\nhelloX\r\n",
    "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n",
    "FFFFFFFFFFFFFFFF\r\nab",
    "5\r\nhel",
]


def chunked_seeds():
    for i, c in enumerate(CHUNKED):
        write("chunked", bytes([0]) + c.encode("latin-1"))
        write("chunked", bytes([1 + i % 7]) + c.encode("latin-1"))


# ---- URLs (tests/unit/test_url.c) ------------------------------------------

URLS = [
    "https://bucket.s3.cn-north-1.amazonaws.com.cn:8443/a/b.csv.gz?X-Amz-Date=1&x=y#frag",
    "http://localhost", "HTTPS://LocalHost?q", "https://h:/x", "http://[::1]:8080/x",
    "https://[2001:db8::7]/", "http://[::1/x", "http://[zz::1]/", "http://[]/", "http://[::1]x/",
    "ftp://host/x", "file:///etc/passwd", "javascript:alert(1)", "https://user:pw@host/x",
    "/relative/path", "host/x", "", "https://", "https:///path", "https://:443/",
    "https://host:0/", "https://host:65536/", "https://host:99999999999999999999/",
    "https://host:8a/", "https://ho st/", "https://host/a b", "https://host/a\x7f",
    "https://host/\xc3\xa9", "https://host\\evil/", "https://ho%73t/",
    "https://h/\0x", "https://h/abc?de", "http://a.b_c~d-e.f:65535/p?q#f?g",
]


def url_seeds():
    for u in URLS:
        write("url", u)
    write("url", "https://" + "a" * 255 + "/x")


# ---- answers (tests/unit/test_answer.c, test_json.c) -----------------------

L1 = ("https://bucket.s3.amazonaws.com/p/part-00000-a.csv.gz?X-Amz-Date=20261128T070000Z"
      "&X-Amz-Signature=abc")
L2 = "https://bucket.s3.amazonaws.com/p/part-00001-b.csv.gz?X-Amz-Signature=def"

ANSWERS = [
    '{"status":"FINISHED","downloadLinks":["%s","%s"],"exportType":"hour","dataType":"visit",'
    '"exportDate":"2026112712","exportVersion":"v2","requestTime":"2026-11-28 15:02",'
    '"errorMsg":""}' % (L1, L2),
    '{"status":"RUNNING","downloadLinks":[]}',
    '{"status":"NOT_EXISTS"}',
    '{"status":"ERROR","errorMsg":"export failed: \\u6570\\u636e","downloadLinks":null}',
    ' \n{ "future" : { "a" : [ 1 , { } , null ] } ,\r\n\t"exportDate" : "20261127" , '
    '"downloadLinks" : [ "%s" ] , "extra":-1.5e3, "status" : "FINISHED" } \n' % L2,
    '{"st\\u0061tus":"FINISHED","downloadLinks":["https:\\/\\/h.example\\/a\\/part-0.csv.gz?'
    'X-Amz-Date=1\\u0026X-Amz-Signature=z"],"errorMsg":"q\\"b\\\\s\\/ \\b\\f\\n\\r\\t '
    '\\uD83D\\uDE00 \\u00e9"}',
    '{"status":"ERROR","errorMsg":"\\uD83D"}',
    '{"status":"FINISHED","downloadLinks":{"page":["https://f/page-0","https://f/page-1"],'
    '"visit":["https://f/visit-0"],"unknown_type":["https://f/x", 5],"vstr":[],'
    '"custom_event":null,"all":["https://f/all"]},"exportType":"day","dataType":"",'
    '"exportDate":"20261127"}',
    '{"status":"FINISHED","downloadLinks":{"visit":["https://f/a"],"visit":["https://f/b"]}}',
    '{"status":"FINISHED","downloadLinks":[[\"https://f/a\"]]}',
    '{"status":"FINISHED","downloadLinks":["https://u:p@f/a"]}',
    '{"status":"FINISHED","downloadLinks":["https://f/a\\u0000b"]}',
    '{"status":"FINISHED","downloadLinks":[],"exportDate":20261127}',
    '{"status":"FINISHED" "downloadLinks":[]}',
    '{"status":"FINISHED","downloadLinks":["https://f/a",]}',
    '{"status":"FINISHED","downloadLinks":[],"x":01}',
    '{"status":"FINISHED","downloadLinks":[]} {"status":"ERROR"}',
    '{"status":1}', '[]', '"FINISHED"', '{}', '',
    '{"status":"success","code":"tok-123"}',
    '{"status":"failed","code":"x"}',
    '{"a":[1,2.5,-0.1e+3,true,false,null,"x"]}',
    '{"\\u00e9\\"\\\\\\/\\b\\f\\n\\r\\t":"\\uD83D\\uDE00"}',
    '{"status":"ERROR","errorMsg":"\xe4\xb8\xad"}',
    '{"status":"FINISHED","downloadLinks":[],"x":' + "[" * 17 + "]" * 17 + "}",
]

SINGLE_LISTS = ['"%s","%s"' % (L1, L2), '"https://f/1"', '', '"https:\\/\\/f\\/a?b=1\\u0026c=2"',
                '"/rel"', 'null', '"https://f/a",5']
ALL_LISTS = ['"page":["https://f/page-0"],"visit":["https://f/visit-0","https://f/visit-1"]',
             '"vstr":[],"custom_event":null', '"unknown":["x"],"pvar":["https://f/p"]',
             '"evar":"https://f/e"', '"ads_track_click":["https://f/c"],"ads_track_click":[]']


def answer_seeds():
    for a in ANSWERS:
        write("answer", b"\0" + a.encode("latin-1"))
    for s in SINGLE_LISTS:
        write("answer", b"\1" + s.encode("latin-1"))
    for s in ALL_LISTS:
        write("answer", b"\2" + s.encode("latin-1"))
    write("answer", b"\3\x08" + ANSWERS[0].encode("latin-1"))
    write("answer", b"\3\x15" + ANSWERS[0].encode("latin-1"))
    links = ",".join('"https://f/%u"' % i for i in range(257))
    write("answer", b"\1" + links.encode("latin-1"))


# ---- CLI arguments and dates (tests/unit/test_period.c, tests/e2e) ---------

DATES_HOUR = ["2026112712", "202611271259", "2026112700", "2026112723", "2026123123",
              "2024022823", "1970010100", "20261127", "2026112724", "202611271260"]
DATES_DAY = ["20261128", "20240229", "20230229", "21000228", "20000229", "99991231",
             "19691231", "2026112723", "20261301", "2026113", "2026a128"]
ARGVS = [
    ["links", "--project", "9a8b7c", "--type", "hour", "--data", "visit", "--date", "2026112712"],
    ["fetch", "--project", "9a8b7c", "--type", "day", "--data", "all", "--out", "/srv/gio",
     "--expire=10080", "--wait", "60", "--timeout", "5", "--retries", "0", "-q"],
    ["sync", "--project=my-ai_1", "--type=hour", "--data=visit,page", "--from", "2026112700",
     "--to", "2026112812", "--out", "d", "--json", "-v", "--lock-wait", "0"],
    ["links", "--project", "a", "--type", "day", "--data", "visit,page"],
    ["sync", "--project", "p", "--type", "day", "--data", "visit,", "--out", "x"],
    ["links", "--project", "bad ai", "--type", "day", "--data", "visit"],
    ["links", "--project", "p", "--type", "week", "--data", "visit"],
    ["fetch", "--project", "p", "--type", "day", "--data", "visit", "--out", ""],
    ["links", "--project", "p", "--type", "hour", "--data", "visit", "--date", "20261127"],
    ["links", "--help"], ["--version"], [], ["frob"],
    ["links", "--base-url", "http://127.0.0.1:1", "--ca-file", "ca.pem", "--proxy",
     "http://u:p@proxy:3128", "--token-file", "t", "--project", "p", "--type", "day",
     "--data", "vstr", "--expire", "0"],
    ["links", "--project"],
]


def cli_seeds():
    for d in DATES_HOUR:
        write("cli", b"\0" + d.encode())
    for d in DATES_DAY:
        write("cli", b"\1" + d.encode())
    write("cli", b"\2" + b"20261127")
    for a in ARGVS:
        write("cli", b"\3" + b"\0".join(x.encode() for x in a))
    for t in (0, 1795850400, 1795816799, 1798732800, 1709218800, 253402300799):
        write("cli", b"\4" + struct.pack(">Q", t))


if __name__ == "__main__":
    http_seeds()
    chunked_seeds()
    url_seeds()
    answer_seeds()
    cli_seeds()
    for t in sorted(os.listdir(CORPUS)):
        print("%-8s %d files" % (t, len(os.listdir(os.path.join(CORPUS, t)))))
