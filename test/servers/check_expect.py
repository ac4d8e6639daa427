#!/usr/bin/env python3
"""check_expect.py: checks an --expect file of crawl_server.py against the
site the server actually serves, by crawling it the plain way (urllib,
html.parser, urljoin): the same URLs, statuses, depths, referrers and broken
links with their lines. The expectation is computed from the generator's
graph; this reads the HTML instead, so a spelling that does not resolve to
its target, or a line that moved, shows up as a difference.

  check_expect.py EXPECT.json        exit 0 when they agree, else 1 and the
                                     differences on stderr
  check_expect.py --ignore-content-type EXPECT.json
                                     the same, content types aside (another
                                     server: nginx serving make_site.py's site)

Normalisation as conc crawl's issue defines it: scheme and host lower-case,
default port dropped, dot segments removed, fragment dropped, unreserved
percent-escapes decoded and the others' hex upper-cased, an empty query
dropped. Links with other schemes than http(s) are skipped.
"""

import html.parser
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
LINK_ATTRS = {("a", "href"), ("area", "href"), ("link", "href"), ("img", "src"), ("source", "src"),
              ("script", "src"), ("iframe", "src"), ("frame", "src"), ("video", "src"), ("video", "poster"),
              ("audio", "src"), ("track", "src"), ("object", "data")}


def remove_dot_segments(path):
    out = []
    for seg in path.split("/")[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if path.split("/")[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out)


def fix_escapes(s):
    def one(m):
        c = chr(int(m.group(1), 16))
        return c if c in UNRESERVED else "%" + m.group(1).upper()

    return re.sub(r"%([0-9A-Fa-f]{2})", one, s)


def normalise(url):
    """(URL without fragment, fragment or None), or None for other schemes."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or port == {"http": 80, "https": 443}[scheme] else f"{host}:{port}"
    path = fix_escapes(remove_dot_segments(parts.path or "/"))
    query = fix_escapes(parts.query)
    fragment = parts.fragment if "#" in url else None
    return urllib.parse.urlunsplit((scheme, netloc, path, query, "")), fragment


def srcset_urls(value):
    """The URLs of a srcset: each candidate is a run of non-space characters
    (commas inside included, trailing ones not) and descriptors up to a comma."""
    urls, i, n = [], 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        j = i
        while j < n and not value[j].isspace():
            j += 1
        url = value[i:j].rstrip(",")
        if url:
            urls.append(url)
        if value[i:j].endswith(","):
            i = j
            continue
        while j < n and value[j] != ",":
            j += 1
        i = j + 1
    return urls


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.base = None
        self.links = []  # (raw URL, line)
        self.anchors = set()

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        a = dict(attrs)
        if "id" in a:
            self.anchors.add(a["id"])
        if tag == "a" and "name" in a:
            self.anchors.add(a["name"])
        if tag == "base" and "href" in a and self.base is None:
            self.base = a["href"]
        for name, value in attrs:
            if (tag, name) in LINK_ATTRS and value is not None:
                self.links.append((value.strip(), line))
            if tag in ("img", "source") and name == "srcset" and value:
                self.links += [(u, line) for u in srcset_urls(value)]
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            m = re.match(r"\s*\d+\s*;\s*url\s*=\s*(.*)$", a.get("content") or "", re.I)
            if m:
                self.links.append((m.group(1).strip(), line))


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def crawl(start):
    depth, order, info = {start: 0}, [start], {}
    referrer, places, anchors = {}, [], {}
    for url in order:
        status, ctype, body = fetch(url)
        info[url] = (status, ctype)
        if status != 200 or not ctype.startswith("text/html"):
            continue
        p = Links()
        p.feed(body.decode("utf-8"))
        p.close()
        anchors[url] = p.anchors
        base = urllib.parse.urljoin(url, p.base) if p.base else url
        for raw, line in p.links:
            n = normalise(urllib.parse.urljoin(base, raw))
            if n is None:
                continue
            target, fragment = n
            places.append((url, line, target, fragment))
            if target not in depth:
                depth[target] = depth[url] + 1
                order.append(target)
            if depth[target] == depth[url] + 1 and (target not in referrer or url.encode() < referrer[target].encode()):
                referrer[target] = url
    urls = sorted(({"url": u, "status": info[u][0], "content_type": info[u][1], "depth": depth[u],
                    "referrer": referrer.get(u)} for u in order), key=lambda r: r["url"].encode())
    broken = {}
    for page, line, target, fragment in places:
        status = info[target][0]
        if status >= 400:
            broken.setdefault((target, status, None), set()).add((page, line))
        elif fragment is not None and target in anchors and fragment not in anchors[target]:
            broken.setdefault((target + "#" + fragment, status, "missing fragment"), set()).add((page, line))
    broken_list = sorted(({"url": u, "status": s, "error": e,
                           "referrers": [{"url": a, "line": b} for a, b in sorted(refs, key=lambda r: (r[0].encode(), r[1]))]}
                          for (u, s, e), refs in broken.items()), key=lambda r: r["url"].encode())
    return {"urls": urls, "broken": broken_list, "pages": len(anchors), "max_depth": max(depth.values())}


def main(argv):
    ignore_type = "--ignore-content-type" in argv
    argv = [a for a in argv if a != "--ignore-content-type"]
    with open(argv[0], encoding="utf-8") as f:
        expect = json.load(f)
    seen = crawl(expect["start"])
    if ignore_type:
        for r in expect["urls"] + seen["urls"]:
            r.pop("content_type")
    problems = []
    for key in ("pages", "max_depth"):
        if seen[key] != expect[key]:
            problems.append(f"{key}: expected {expect[key]}, crawled {seen[key]}")
    for key in ("urls", "broken"):
        want = {r["url"]: r for r in expect[key]}
        got = {r["url"]: r for r in seen[key]}
        for url in sorted(want.keys() | got.keys()):
            if want.get(url) != got.get(url):
                problems.append(f"{key} {url}:\n  expected {want.get(url)}\n  crawled  {got.get(url)}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(seen['urls'])} URLs, {len(seen['broken'])} broken, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
