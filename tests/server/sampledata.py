#!/usr/bin/env python3
"""Deterministic sample data shaped like GrowingIO raw-data export v2 files.

Each export part is a gzip CSV with a header row. The same (project, data type, export type,
date, part, rows, seed) always gives the same bytes (seeded RNG, gzip mtime 0), so re-runs
produce identical files and identical MD5s.

    part_name(...)  -> "part-00000-<uuid>-c000.csv.gz"   (uuid fixed per export, like Spark/S3)
    make_part(...)  -> bytes (the gzip file)
    COLUMNS[data_type] -> the CSV header

Usage: python3 sampledata.py PROJECT DATA_TYPE EXPORT_TYPE DATE [PARTS [ROWS]] > listing
       (writes the parts into the current folder)
"""

import csv
import datetime
import gzip
import hashlib
import io
import json
import random
import sys
import uuid

DATA_TYPES = ("visit", "page", "action", "action_tag", "custom_event", "ads_track_activation",
              "ads_track_click", "pvar", "evar", "vstr")

_COMMON = ["visitUserId", "sessionId", "loginUserId", "accountVersion", "platform", "domain"]

COLUMNS = {
    "visit": _COMMON + [
        "page", "queryParameters", "referrer", "referrerType", "language", "screenHeight",
        "screenWidth", "os", "osVersion", "browser", "browserVersion", "deviceBrand",
        "deviceModel", "deviceType", "appVersion", "channel", "utmSource", "utmMedium",
        "utmCampaign", "utmTerm", "utmContent", "countryCode", "countryName", "regionName",
        "cityName", "latitude", "longitude", "ip", "userAgent", "time", "sendTime"],
    "page": _COMMON + [
        "page", "queryParameters", "pageTitle", "referrerPage", "pageTime", "pageDuration",
        "countryName", "regionName", "cityName", "time", "sendTime"],
    "action": _COMMON + [
        "page", "pageTime", "actionType", "xpath", "index", "textValue", "href",
        "time", "sendTime"],
    "action_tag": _COMMON + [
        "tagId", "tagName", "page", "pageTime", "xpath", "index", "textValue", "href",
        "time", "sendTime"],
    "custom_event": _COMMON + [
        "page", "pageTime", "eventName", "eventNumber", "eventVariable", "countryName",
        "regionName", "cityName", "time", "sendTime"],
    "ads_track_activation": [
        "activationId", "visitUserId", "platform", "trackId", "campaignId", "campaignName",
        "adGroupId", "adId", "channel", "deviceBrand", "deviceModel", "osVersion", "appVersion",
        "idfa", "oaidMd5", "imeiMd5", "ip", "userAgent", "clickTime", "activateTime", "time"],
    "ads_track_click": [
        "clickId", "trackId", "campaignId", "campaignName", "adGroupId", "adId", "channel",
        "platform", "idfa", "oaidMd5", "imeiMd5", "ip", "userAgent", "redirectUrl", "time"],
    "pvar": _COMMON + ["page", "pageTime", "pageVariable", "time", "sendTime"],
    "evar": _COMMON + ["page", "pageTime", "conversionVariable", "time", "sendTime"],
    "vstr": ["visitUserId", "sessionId", "loginUserId", "accountVersion", "platform",
             "visitorVariable", "time", "sendTime"],
}

BEIJING = datetime.timezone(datetime.timedelta(hours=8))

_PLATFORMS = ["web", "iOS", "Android", "minp"]
_DOMAINS = ["www.example.com", "m.example.com", "shop.example.cn", "com.example.app"]
_PAGES = ["/", "/index", "/product/detail", "/cart", "/checkout", "/search", "/user/center",
          "/article/2026/11/hello", "MainActivity", "ProductDetailActivity", "pages/index/index"]
_QUERIES = ["", "id=1024", "q=%E6%89%8B%E6%9C%BA&page=2", "utm_source=wechat&from=share",
            "sku=A-88&color=red"]
_REFERRERS = ["", "https://www.baidu.com/s?wd=example", "https://weixin.qq.com/",
              "https://www.google.com/", "https://m.example.com/cart"]
_LANGS = ["zh-CN", "zh-TW", "en-US", "ja-JP"]
_SCREENS = [(1920, 1080), (1440, 900), (2532, 1170), (2400, 1080), (812, 375)]
_OSES = [("Windows", "10"), ("Mac OS X", "14.1"), ("iOS", "17.1"), ("Android", "13"),
         ("Android", "12")]
_BROWSERS = [("Chrome", "119.0"), ("Safari", "17.1"), ("WeChat", "8.0.44"), ("Firefox", "120.0")]
_DEVICES = [("Apple", "iPhone15,2", "Phone"), ("HUAWEI", "NOH-AN00", "Phone"),
            ("Xiaomi", "M2102K1C", "Phone"), ("", "", "PC"), ("Apple", "iPad13,4", "Pad")]
_CHANNELS = ["App Store", "huawei", "xiaomi", "official", ""]
_GEO = [("CN", "中国", "北京", "北京", 39.90, 116.40), ("CN", "中国", "上海", "上海", 31.23, 121.47),
        ("CN", "中国", "广东", "深圳", 22.54, 114.06), ("CN", "中国", "浙江", "杭州", 30.27, 120.15),
        ("US", "United States", "California", "San Jose", 37.34, -121.89)]
_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI",
    "Mozilla/5.0 (Linux; Android 13; NOH-AN00) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/110.0.5481.153 Mobile Safari/537.36",
]
_EVENTS = [("addToCart", {"productId_var": "A-88", "price_var": "199.00"}),
           ("payOrder", {"orderId_var": "O20261127001", "amount_var": "399.50", "payType_var": "微信支付"}),
           ("search", {"keyword_var": "手机, 5G"}),
           ("share", {"channel_var": "wechat"})]
_ACTIONS = ["clck", "chng", "sbmt"]
_TEXTS = ["加入购物车", "Buy now", "提交订单", "Search", "登录 / 注册", ""]


def _period(export_type, date):
    """(start datetime in Beijing time, length in seconds) of an export period."""
    if export_type == "hour":
        start = datetime.datetime.strptime(date[:10], "%Y%m%d%H")
        return start.replace(tzinfo=BEIJING), 3600
    start = datetime.datetime.strptime(date[:8], "%Y%m%d")
    return start.replace(tzinfo=BEIJING), 86400


def export_uuid(project, data_type, export_type, date, seed=""):
    """The job uuid shared by all parts of one export (deterministic)."""
    h = hashlib.sha256(("%s|%s|%s|%s|%s" % (project, data_type, export_type, date, seed))
                       .encode()).digest()
    return str(uuid.UUID(bytes=h[:16], version=4))


def part_name(project, data_type, export_type, date, index, seed=""):
    return "part-%05d-%s-c000.csv.gz" % (index, export_uuid(project, data_type, export_type,
                                                             date, seed))


def _hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def _uid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _row(rng, data_type, t0_ms, span_ms, users):
    visit_user, session, login = rng.choice(users)
    platform = rng.choice(_PLATFORMS)
    domain = rng.choice(_DOMAINS)
    page = rng.choice(_PAGES)
    t = t0_ms + rng.randrange(span_ms)
    send = t + rng.randrange(50, 5000)
    page_time = t - rng.randrange(0, 600000)
    geo = rng.choice(_GEO)
    ua = rng.choice(_UAS)
    ip = "%d.%d.%d.%d" % (rng.choice([36, 58, 101, 111, 183, 223]), rng.randrange(256),
                          rng.randrange(256), rng.randrange(1, 255))
    v = {
        "visitUserId": visit_user, "sessionId": session, "loginUserId": login,
        "accountVersion": rng.choice(["1", "2"]), "platform": platform, "domain": domain,
        "page": page, "queryParameters": rng.choice(_QUERIES), "time": t, "sendTime": send,
        "pageTime": page_time, "ip": ip, "userAgent": ua, "countryCode": geo[0],
        "countryName": geo[1], "regionName": geo[2], "cityName": geo[3],
        "latitude": "%.4f" % geo[4], "longitude": "%.4f" % geo[5],
    }
    if data_type == "visit":
        h, w = rng.choice(_SCREENS)
        os_, osv = rng.choice(_OSES)
        br, brv = rng.choice(_BROWSERS)
        brand, model, dtype = rng.choice(_DEVICES)
        ref = rng.choice(_REFERRERS)
        v.update({"referrer": ref, "referrerType": "direct" if not ref else "search",
                  "language": rng.choice(_LANGS), "screenHeight": h, "screenWidth": w,
                  "os": os_, "osVersion": osv, "browser": br, "browserVersion": brv,
                  "deviceBrand": brand, "deviceModel": model, "deviceType": dtype,
                  "appVersion": "" if platform == "web" else "5.%d.%d" % (rng.randrange(10),
                                                                          rng.randrange(10)),
                  "channel": rng.choice(_CHANNELS),
                  "utmSource": rng.choice(["", "baidu", "wechat"]),
                  "utmMedium": rng.choice(["", "cpc", "social"]),
                  "utmCampaign": rng.choice(["", "double11", "spring_sale"]),
                  "utmTerm": "", "utmContent": ""})
    elif data_type == "page":
        v.update({"pageTitle": rng.choice(["首页", "商品详情", "Cart", "搜索结果 - Example"]),
                  "referrerPage": rng.choice(_PAGES),
                  "pageDuration": rng.randrange(1000, 300000)})
    elif data_type in ("action", "action_tag"):
        v.update({"actionType": rng.choice(_ACTIONS),
                  "xpath": "/div.main/div.list/button#%s" % rng.choice(["buy", "cart", "go"]),
                  "index": rng.randrange(0, 20), "textValue": rng.choice(_TEXTS),
                  "href": rng.choice(["", "/product/detail?id=1024", "https://example.com/a"])})
        if data_type == "action_tag":
            tag = rng.randrange(1, 6)
            v.update({"tagId": _hexid(rng, 16),
                      "tagName": ["", "购买按钮", "加购按钮", "Search box", "Banner 1", "登录"][tag]})
    elif data_type == "custom_event":
        name, var = rng.choice(_EVENTS)
        v.update({"eventName": name, "eventNumber": rng.choice([1, 1, 1, 2, 5]),
                  "eventVariable": json.dumps(var, ensure_ascii=False, sort_keys=True)})
    elif data_type in ("ads_track_activation", "ads_track_click"):
        brand, model, _ = rng.choice(_DEVICES)
        click = t - rng.randrange(1000, 3600000)
        v.update({"activationId": _hexid(rng, 32), "clickId": _hexid(rng, 32),
                  "trackId": _hexid(rng, 8), "campaignId": str(rng.randrange(10000, 99999)),
                  "campaignName": rng.choice(["双11大促", "Spring launch", "新客拉新"]),
                  "adGroupId": str(rng.randrange(100000, 999999)),
                  "adId": str(rng.randrange(10 ** 8, 10 ** 9)),
                  "channel": rng.choice(["toutiao", "gdt", "kuaishou", "baidu"]),
                  "deviceBrand": brand, "deviceModel": model,
                  "osVersion": rng.choice(["17.1", "13", "12"]),
                  "appVersion": "5.%d.0" % rng.randrange(10),
                  "idfa": _uid(rng).upper() if platform == "iOS" else "",
                  "oaidMd5": _hexid(rng, 32) if platform == "Android" else "",
                  "imeiMd5": "", "clickTime": click, "activateTime": t,
                  "redirectUrl": "https://apps.example.com/dl?c=%d" % rng.randrange(1000)})
    elif data_type in ("pvar", "evar", "vstr"):
        key = {"pvar": "pageVariable", "evar": "conversionVariable", "vstr": "visitorVariable"}
        vals = {"pvar": {"pageType_pvar": rng.choice(["list", "detail"]), "category_pvar": "手机"},
                "evar": {"campaign_evar": rng.choice(["double11", "spring"]),
                         "source_evar": "push"},
                "vstr": {"gender_ppl": rng.choice(["male", "female", ""]),
                         "memberLevel_ppl": rng.choice(["gold", "silver", "普通"])}}[data_type]
        v[key[data_type]] = json.dumps(vals, ensure_ascii=False, sort_keys=True)
    return [v.get(c, "") for c in COLUMNS[data_type]]


def make_csv(project, data_type, export_type, date, index, rows, seed=""):
    """The CSV text (header + rows) of one part."""
    if data_type not in COLUMNS:
        raise ValueError("unknown data type %r" % data_type)
    rng = random.Random("%s|%s|%s|%s|%d|%d|%s" % (project, data_type, export_type, date, index,
                                                  rows, seed))
    start, seconds = _period(export_type, date)
    t0_ms = int(start.timestamp()) * 1000
    users = []
    for _ in range(max(1, rows // 3)):
        login = "" if rng.random() < 0.6 else "u%06d" % rng.randrange(10 ** 6)
        users.append((_uid(rng), _uid(rng), login))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS[data_type])
    for _ in range(rows):
        w.writerow(_row(rng, data_type, t0_ms, seconds * 1000, users))
    return out.getvalue()


def make_part(project, data_type, export_type, date, index, rows=20, seed=""):
    """One gzip CSV part as bytes; identical inputs give identical bytes."""
    text = make_csv(project, data_type, export_type, date, index, rows, seed)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    project, data_type, export_type, date = argv[1:5]
    parts = int(argv[5]) if len(argv) > 5 else 1
    rows = int(argv[6]) if len(argv) > 6 else 20
    for i in range(parts):
        name = part_name(project, data_type, export_type, date, i)
        data = make_part(project, data_type, export_type, date, i, rows)
        with open(name, "wb") as f:
            f.write(data)
        print("%s  %s" % (hashlib.md5(data).hexdigest(), name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
