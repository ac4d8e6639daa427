"""test/servers/gen_site.py: a deterministic web site with a known link graph,
and the result a correct crawl of it must report.

Used by crawl_server.py (--site N --seed S: served from memory, --expect FILE)
and by scripts/bench/make_site.py (written to a directory for nginx). Python 3
standard library only.

The generator decides every link's target first (a node of its own graph) and
only then writes it in one of many spellings that resolve to that target
(relative, root-relative, absolute, `../`, dot segments, percent-escaped
unreserved characters, an empty `?`, a fragment, against a `<base href>`).
The expectation is computed from the graph, never by resolving or crawling
the HTML, so a crawler's test compares against a truth it did not produce.

Nodes are keyed by their normalised path and query ("/docs/p5.html",
"/search.html?a=7&b=2"): percent-escapes of unreserved characters decoded,
the other escapes' hex upper-case, no dot segments, no empty query. A URL is
the origin ("http://127.0.0.1:PORT") plus the key.

HTML layout: every element carrying a link stands on a line of its own, and
a tag never spans lines, so the line of a link is the line of its element
and of its attribute (what gumbo reports). Lines are 1-based.
"""

import html
import json
import os
import posixpath
import random
import struct
import urllib.parse
import zlib


def _png():
    """A valid 1x1 transparent PNG."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0\0")) +
            chunk(b"IEND", b""))


PNG = _png()
CSS = b"body { font-family: sans-serif; }\n"
JS = b"document.documentElement.className = 'js';\n"
WEBM = b"\x1a\x45\xdf\xa3" + b"\0" * 60  # an EBML magic number and padding: never decoded

# The anchors every page has: ids top, s1, s2, s3 and <a name="n1">.
ANCHORS = ("top", "s1", "s2", "s3", "n1")
MISSING_FRAGMENT = "nosuch"

DIRS = ("/", "/docs/", "/docs/guide/", "/blog/2024/", "/a%20b/")

# Profiles: "test" uses every link spelling and element kind; "bench" is
# what a static file server can serve (no query pages), spelled plainly
# (relative and root-relative links, so every crawler compared finds the same
# URLs), about 20 links per ~1.4 KB page.
PROFILES = {
    "test": {"fanout": 4, "extra": (3, 6), "queries": True,
             "forms": ("rel", "rel", "root", "abs", "ABS", "dots", "pct", "emptyq")},
    "bench": {"fanout": 8, "extra": (16, 18), "queries": False, "forms": ("rel", "rel", "root")},
}


def lookup_key(target):
    """The key a server looks a request target up by: the path fully
    percent-decoded (so every spelling of one path meets), the query as
    sent, an empty query dropped. Dot segments are not removed: a client
    that sends them gets a 404, as a strict server would give."""
    path, _, query = target.partition("?")
    path = urllib.parse.unquote(path, errors="surrogateescape")
    return path + ("?" + query if query else "")


def url_sort_key(url):
    return url.encode("utf-8", "surrogateescape")


class Resource:
    """One node: a page, a file, or a missing URL (status 404)."""

    def __init__(self, key, status, content_type, body=b""):
        self.key = key
        self.status = status
        self.content_type = content_type
        self.body = body
        self.links = []  # (target key, fragment or None, line): pages only
        self.anchors = set()

    @property
    def is_page(self):
        return self.status == 200 and self.content_type.startswith("text/html")


class Site:
    """N pages generated from `seed`. `origin` ("http://127.0.0.1:PORT") is
    used for absolute links and <base href>; without it those are written
    root-relative (a static site whose port is not known yet)."""

    def __init__(self, pages, seed, origin=None, profile="test"):
        if pages < 1:
            raise ValueError("a site needs at least one page")
        self.origin = origin
        self.profile = PROFILES[profile]
        self.rng = random.Random(seed)
        self.skipped_schemes = 0
        self._rel_dirs = {}
        self.resources = {}
        n = pages
        self.page_keys = [self._page_key(i) for i in range(n)]
        self.page_key_set = set(self.page_keys)
        self.n_images = max(4, n // 10)
        self.n_missing = max(3, n // 20)
        for key, ctype, body in self._files():
            self.resources[key] = Resource(key, 200, ctype, body)
        fanout = self.profile["fanout"]
        children = [[] for _ in range(n)]
        for i in range(1, n):  # a tree from "/" makes every page reachable
            children[(i - 1) // fanout].append(i)
        for i in range(n):
            page = Resource(self.page_keys[i], 200, "text/html; charset=utf-8")
            page.anchors = set(ANCHORS)
            self.resources[page.key] = page
            self._build_page(i, page, children[i])

    # ---- names -------------------------------------------------------------

    def _page_key(self, i):
        if i == 0:
            return "/"
        if i == 1:
            return "/docs/caf%C3%A9.html"  # escapes that stay, written in lower case in some links
        if i == 2:
            return "/docs/about-us.html"
        if i == 3:
            return "/search.html"
        if self.profile["queries"] and i % 10 == 7:
            return f"/search.html?a={i}&b=2"
        return f"{DIRS[i % len(DIRS)]}p{i}.html"

    def _files(self):
        for j in range(self.n_images):
            yield f"/img/i{j}.png", "image/png", PNG
        yield "/img/img,1.png", "image/png", PNG  # a comma inside a srcset URL
        yield "/img/img2.png", "image/png", PNG
        yield "/css/site.css", "text/css", CSS
        yield "/js/app.js", "text/javascript", JS
        yield "/media/clip.webm", "video/webm", WEBM

    def _missing(self, kind):
        r = self.rng.randrange(self.n_missing)
        return {"page": f"/missing-{r}.html", "doc": f"/docs/gone-{r}.html", "img": f"/img/missing-{r}.png"}[kind]

    # ---- link spellings ----------------------------------------------------

    def _relative(self, base_dir, path):
        """`path` relative to the directory `base_dir` ("../a%20b/p4.html", "./")."""
        target_dir, last = path.rsplit("/", 1)
        target_dir += "/"
        prefix = self._rel_dirs.get((base_dir, target_dir))
        if prefix is None:  # a few directories: computed once per pair
            r = posixpath.relpath(target_dir, base_dir.rstrip("/") or "/")
            prefix = self._rel_dirs[(base_dir, target_dir)] = "" if r == "." else r + "/"
        return prefix + last or "./"

    def _spell(self, base_dir, target, fragment=None, form=None):
        """One spelling of `target` (a key) that resolves to it against
        `base_dir` (the directory of the page or of its <base href>)."""
        path, _, query = target.partition("?")
        form = form or self.rng.choice(self.profile["forms"])
        last = path.rsplit("/", 1)[1]
        if form in ("abs", "ABS") and not self.origin:
            form = "root"
        if form == "pct" and not (last and last[0].isalnum()):
            form = "rel"
        if form == "emptyq" and query:
            form = "root"
        if form == "rel":
            s = self._relative(base_dir, path)
        elif form == "root":
            s = path
        elif form == "abs":
            s = self.origin + path
        elif form == "ABS":  # scheme in upper case: normalised to lower case
            s = "HTTP" + self.origin[len("http"):] + path
        elif form == "dots":
            rel = self._relative(base_dir, path)
            s = "./" + rel if not rel.startswith(".") else "/zz/./../" + path[1:]
        elif form == "pct":  # an unreserved character escaped, escapes in lower case
            head = path[: len(path) - len(last)]
            s = _lower_escapes(head + "%%%02x" % ord(last[0]) + last[1:])
        elif form == "emptyq":  # an empty query: dropped by normalisation
            s = self._relative(base_dir, path) + "?"
        else:
            raise AssertionError(form)
        if query:
            s += "?" + query
        if fragment is not None:
            s += "#" + fragment
        return s

    # ---- pages -------------------------------------------------------------

    def _build_page(self, i, page, children):
        rng = self.rng
        key = page.key
        test = self.profile["queries"]  # the "test" profile
        page_dir = posixpath.dirname(key.partition("?")[0])
        page_dir = page_dir if page_dir.endswith("/") else page_dir + "/"
        base = None
        if i % 22 == 3:
            base = "/docs/guide/"
        elif i % 22 == 14:
            base = (self.origin or "") + "/blog/2024/"
        base_dir = urllib.parse.urlsplit(base).path if base else page_dir
        lines = []

        def line(text, *targets):
            lines.append(text)
            for target, fragment in targets:
                page.links.append((target, fragment, len(lines)))

        def attr(s):
            return html.escape(s, quote=True)

        line("<!DOCTYPE html>")
        line('<html lang="en">')
        line("<head>")
        line('<meta charset="utf-8">')
        line(f"<title>Page {i}</title>")
        if base:
            line(f'<base href="{attr(base)}">')
        elif i % 13 == 4:  # a refresh is a link too (never on a page with a <base>)
            t = self.page_keys[rng.randrange(len(self.page_keys))]
            line(f'<meta http-equiv="refresh" content="600; url={attr(self._spell(base_dir, t, form="rel"))}">',
                 (t, None))
        else:
            line('<meta name="generator" content="conc gen_site">')
        line(f'<link rel="stylesheet" href="{attr(self._spell(base_dir, "/css/site.css"))}">', ("/css/site.css", None))
        line("</head>")
        line('<body id="top">')
        line(f'<h1 id="s1">Page {i}</h1>')
        line(f'<p><a name="n1">Seed text of page {i}, generated for the crawl tests and benchmark.</a></p>')
        line("<ul>")

        targets = list(children)
        lo, hi = self.profile["extra"]
        targets += [rng.randrange(len(self.page_keys)) for _ in range(rng.randint(lo, hi))]
        for t in targets:
            tk = self.page_keys[t]
            r = rng.random()
            fragment = None
            if r < 0.15:
                fragment = rng.choice(ANCHORS)
            elif r < 0.18 and test:
                fragment = MISSING_FRAGMENT
            line(f'<li><a href="{attr(self._spell(base_dir, tk, fragment))}">page {t}</a></li>', (tk, fragment))

        # The special links, each on pages chosen by index so any site of
        # twenty pages or more has every kind.
        def img(k):
            return f"/img/i{k % self.n_images}.png"

        if i % 2 == 0:
            t = img(i)
            line(f'<li><img src="{attr(self._spell(base_dir, t))}" alt=""></li>', (t, None))
        if i % 6 == 1:
            a, b = "/img/img,1.png", "/img/img2.png"
            line(f'<li><img alt="" srcset="{attr(self._spell(base_dir, a, form="rel"))} 1x, '
                 f'{attr(self._spell(base_dir, b, form="rel"))} 2x"></li>', (a, None), (b, None))
        if i % 7 == 3 or (not test and i % 5 == 3):
            t = self._missing("page")
            line(f'<li><a href="{attr(self._spell(base_dir, t))}">gone</a></li>', (t, None))
        if i % 11 == 6:
            t = self._missing("img")
            line(f'<li><img src="{attr(self._spell(base_dir, t))}" alt="gone"></li>', (t, None))
        if i % 17 == 9:
            t = self._missing("doc")
            line(f'<li><a href="{attr(self._spell(base_dir, t, form="rel"))}">gone doc</a></li>', (t, None))
        if i % 5 == 2 and not base:  # same-page fragments (against a <base> they would name another page)
            line('<li><a href="#s2">more</a></li>', (key, "s2"))
            if test and i % 15 == 2:
                line(f'<li><a href="#{MISSING_FRAGMENT}">nowhere</a></li>', (key, MISSING_FRAGMENT))
        if i % 7 == 0:
            line(f'<li><script src="{attr(self._spell(base_dir, "/js/app.js"))}"></script></li>', ("/js/app.js", None))
        if i % 9 == 2:
            t = self.page_keys[rng.randrange(len(self.page_keys))]
            line(f'<li><iframe src="{attr(self._spell(base_dir, t))}"></iframe></li>', (t, None))
        if i % 10 == 5:
            t = self.page_keys[rng.randrange(len(self.page_keys))]
            line(f'<li><map name="m{i}"><area href="{attr(self._spell(base_dir, t))}" alt="area"></map></li>',
                 (t, None))
        if i % 13 == 5:
            v, p = "/media/clip.webm", img(i + 1)
            line(f'<li><video src="{attr(self._spell(base_dir, v))}" poster="{attr(self._spell(base_dir, p))}">'
                 "</video></li>", (v, None), (p, None))
        if i % 8 == 3:  # schemes that are never fetched
            line('<li><a href="mailto:webmaster@example.com">mail</a></li>')
            line('<li><a href="javascript:void(0)">script</a></li>')
            self.skipped_schemes += 2
        if i % 16 == 11:
            line('<li><a href="tel:+15550100">call</a></li>')
            line('<li><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt=""></li>')
            self.skipped_schemes += 2
        line("</ul>")
        line('<h2 id="s2">More</h2>')
        line(f'<p id="s3">End of page {i}.</p>')
        line("</body>")
        line("</html>")
        page.body = ("\n".join(lines) + "\n").encode("utf-8")

        # Missing targets become 404 nodes.
        for target, _, _ in page.links:
            if target not in self.resources and target not in self.page_key_set:
                self.resources[target] = Resource(target, 404, "text/plain; charset=utf-8", b"404 not found\n")

    # ---- serving -----------------------------------------------------------

    def table(self):
        """{lookup_key: Resource} for a server (404s included, with their
        plain-text body)."""
        return {lookup_key(r.key): r for r in self.resources.values()}

    def write_static(self, root):
        """Writes every page and file under `root` ("/" as index.html);
        missing URLs are not written. Returns (files, bytes)."""
        files = total = 0
        for r in self.resources.values():
            if r.status != 200:
                continue
            assert "?" not in r.key, "a static site has no query pages"
            rel = urllib.parse.unquote(r.key)[1:]
            path = os.path.join(root, rel if rel and not rel.endswith("/") else rel + "index.html")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(r.body)
            files += 1
            total += len(r.body)
        return files, total

    # ---- the expected crawl ------------------------------------------------

    def expectation(self, origin):
        """What a crawl from origin + "/" must report, with unbounded depth:
          urls    every URL found: url, status, content_type, depth (shortest
                  link distance from "/"), referrer (the smallest URL by bytes
                  among the pages at depth - 1 linking to it; null at depth 0);
                  sorted by URL bytes
          broken  the 404s and the links to missing fragments (url "PAGE#frag",
                  error "missing fragment"), each with every linking place
                  {url, line}, sorted by (url, line); sorted by URL bytes
          pages   HTML pages parsed; max_depth; skipped_schemes (mailto:,
                  javascript:, tel:, data: links on the pages)."""
        res = self.resources
        depth = {"/": 0}
        order = ["/"]
        for key in order:  # breadth-first: the first visit is at the shortest distance
            node = res[key]
            if not node.is_page:
                continue
            for target, _, _ in node.links:
                if target not in depth:
                    depth[target] = depth[key] + 1
                    order.append(target)
        referrer = {}
        broken = {}
        for key in order:
            node = res[key]
            if not node.is_page:
                continue
            for target, fragment, line in node.links:
                if depth[target] == depth[key] + 1:
                    url = origin + key
                    if target not in referrer or url_sort_key(url) < url_sort_key(referrer[target]):
                        referrer[target] = url
                t = res[target]
                place = (origin + key, line)
                if t.status >= 400:
                    broken.setdefault((origin + target, t.status, None), set()).add(place)
                elif fragment is not None and t.is_page and fragment not in t.anchors:
                    broken.setdefault((origin + target + "#" + fragment, t.status, "missing fragment"), set()).add(place)
        urls = []
        for key in order:
            node = res[key]
            urls.append({"url": origin + key, "status": node.status, "content_type": node.content_type,
                         "depth": depth[key], "referrer": referrer.get(key)})
        urls.sort(key=lambda u: url_sort_key(u["url"]))
        broken_list = []
        for (url, status, error), places in broken.items():
            refs = sorted(places, key=lambda p: (url_sort_key(p[0]), p[1]))
            broken_list.append({"url": url, "status": status, "error": error,
                                "referrers": [{"url": u, "line": n} for u, n in refs]})
        broken_list.sort(key=lambda b: url_sort_key(b["url"]))
        return {"start": origin + "/", "pages": sum(1 for k in order if res[k].is_page),
                "max_depth": max(depth.values()), "skipped_schemes": self.skipped_schemes, "urls": urls,
                "broken": broken_list}


def _lower_escapes(s):
    parts = s.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


def dump_expectation(expect, path):
    """Writes the expectation as JSON, one record a line, atomically."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("{\n")
        for k in ("start", "pages", "max_depth", "skipped_schemes"):
            f.write(f"{json.dumps(k)}: {json.dumps(expect[k])},\n")
        for k in ("urls", "broken"):
            rows = ",\n".join(json.dumps(r, ensure_ascii=False) for r in expect[k])
            f.write(f'{json.dumps(k)}: [\n{rows}\n]{"," if k == "urls" else ""}\n')
        f.write("}\n")
    os.replace(tmp, path)
