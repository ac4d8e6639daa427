#!/usr/bin/env python3
"""crawl_server.py: the local HTTP server of conc crawl's tests.

Serves on 127.0.0.1, on a port the kernel picks, and prints `PORT <n>` as its
first line on stdout once it accepts connections (after --expect is written).
HTTP/1.1 with keep-alive, one thread per connection. Python 3 standard library
only. Exits by itself after --lifetime seconds, when its parent process goes
away, or on SIGTERM/SIGINT (exit 0, without waiting for open connections).

Flags
  --site N             serve a generated site of N pages at / (gen_site.py)
  --seed S             the site's seed (default 1)
  --expect FILE        write what a crawl of the site from / must find (JSON,
                       see gen_site.Site.expectation) before printing PORT
  --lifetime SECONDS   exit after this long whatever happens (default 120)
  --slow-interval S    /slow: seconds between bytes (default 0.2)
  --slow-bytes N       /slow: body length (default 100)
  --fail-times K       /retry-after-*: 503 for the first K requests (default 2)
  --retry-after S      /retry-after-*: the delay announced (default 1)
  --burst429 K         /burst429: 429 for the first K requests (default 3)
  --burst429-retry-after S   send `Retry-After: S` with those 429s (default: none)
  --huge-bytes N       /huge: where the endless body ends after all (default 1 GiB)
  --big-page-bytes N   /big-page: its size (default 50 MiB)
  --robots             serve /robots.txt (otherwise it is a 404) with:
  --disallow PATH        a Disallow line for `User-agent: *` (repeatable;
                         default /private/ when none is given)
  --allow PATH           an Allow line (repeatable)
  --crawl-delay S        a Crawl-delay line
  --robots-file FILE     serve this file as robots.txt instead
  --robots-status N    answer /robots.txt with status N (e.g. 503), whatever --robots
  --sitemap            serve /sitemap.xml (an index), /sitemap-pages.xml and
                       /sitemap-more.xml.gz (and a Sitemap: line in robots.txt)
  --cookie NAME=VALUE  what /needs-cookie wants (default session=s3cret)
  --auth-header 'Name: value'  what /needs-header wants (default
                       'Authorization: Bearer s3cret')
  --log                log every request to stderr

Endpoints (always served, whatever the flags; query strings are ignored
unless said otherwise; every page is text/html unless said otherwise)
  /                    the site's index with --site, else the same as /faults
  /faults              a page linking every endpoint below, one per line
  /ok                  a small page without links
  /slow                headers at once, then one byte every --slow-interval
                       (`?bytes=N&interval=S` override the flags)
  /hang                reads the request and never answers, until the client
                       closes the connection or the server stops
  /reset               Content-Length 2000, 1000 bytes, then a TCP RST
                       (SO_LINGER 0)
  /truncated           Content-Length 1000, 400 bytes, then a clean close
  /retry-after-seconds 503 with `Retry-After: <--retry-after>` --fail-times
                       times, then 200 (a counter per path, cleared by /__reset)
  /retry-after-date    the same with an HTTP-date at least --retry-after ahead
  /retry-after-past    the same with an HTTP-date in the past
  /retry-after-huge    the same with `Retry-After: 100000`
  /burst429            429 for the first --burst429 requests, then 200
  /loop/a, /loop/b     302 to each other
  /chain/N             N redirects (301, 302, 303, 307, 308 in turn) via
                       /chain/N-1 ... to /chain/0, a page (N <= 10000)
  /redirect/PATH       302 to /PATH (query kept)
  /status/NNN          answers with that status (200..599)
  /huge                200, chunked, no Content-Length: an HTML body made
                       while sending, until --huge-bytes or the client leaves
  /big-page            a --big-page-bytes page with Content-Length, made while
                       sending; links /ok?from=big-page-start and -end
  /malformed           broken HTML (unclosed tags and quotes, stray end tags,
                       an unterminated comment); its first link,
                       /ok?from=malformed, stands before any damage
  /latin1              ISO-8859-1 bytes, declared in Content-Type and <meta>;
                       links /ok?from=latin1
  /nul                 NUL bytes in text and in an attribute; links /ok?from=nul
  /deep                100,000 nested <div>s, /ok?from=deep at the bottom
  /many-attrs          an <a> with 100,000 attributes, then /ok?from=many-attrs
  /gzip, /deflate      a page compressed when Accept-Encoding allows; links
                       /ok?from=gzip or /ok?from=deflate
  /no-head, /no-head-501   405 (or 501) to HEAD, a page to GET
  /needs-cookie        200 with the --cookie cookie, else 403
  /needs-header        200 with the --auth-header header, else 401
  /nofollow/meta       <meta name=robots content=nofollow>, links /nofollow/target-meta
  /nofollow/rel        links /nofollow/target-rel with rel=nofollow, and /ok?from=rel
  /nofollow/target-*   pages linking /nofollow/deeper-* (never to be requested)
  /meta-refresh        <meta http-equiv=refresh content="0; url=/ok?from=refresh">
  /links?to=URL&to=URL a page with one <a> per `to` (absolute URLs to anywhere),
                       after one <h2 id=ID> per `id`
  /not-html            text/plain holding <a href="/never"> (never to be requested)
  /private/...         pages (the default --disallow)
  /trap/YYYY-MM-DD     a calendar: each day links to the next one, forever
  /rep/...             any depth; links `a/` (a segment repeating forever)
  /grow/X              links /grow/X + 100 more bytes (a URL growing forever)
  /from-sitemap/N.html pages listed only in the sitemaps
  /robots.txt, /sitemap.xml ...   see --robots and --sitemap
  anything else        404 (text/plain)

Control (never counted)
  /__stats   JSON: {"now": monotonic seconds, "requests": n, "in_flight": n,
             "max_in_flight": n, "connections": n, "max_connections": n,
             "hosts": {HOST: {"requests", "times", "in_flight",
             "max_in_flight", "connections", "max_connections"}},
             "paths": {TARGET: {"requests", "times", "statuses", "methods",
             "in_flight", "max_in_flight"}}}
             HOST is the Host header as sent (lower-cased); TARGET is the
             request target as sent (path and query, not normalised). times
             are the arrival times (time.monotonic()), statuses the status
             of each request in arrival order (0: none sent, e.g. /hang).
             in_flight counts requests being served (request line read to
             response sent); connections counts open connections, each
             under the Host of its first counted request (idle keep-alive
             ones included). The max_* are the peaks since start or reset.
  /__reset   clears the counts, the peaks (to the current values) and the
             per-path attempt counters of /retry-after-* and /burst429
"""

import argparse
import datetime
import email.utils
import gzip
import html
import http.server
import json
import math
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_site  # noqa: E402


def page(title, body_lines, head_lines=()):
    lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">', f"<title>{title}</title>",
             *head_lines, "</head>", '<body id="top">', *body_lines, "</body>", "</html>"]
    return ("\n".join(lines) + "\n").encode("utf-8")


OK_PAGE = page("ok", ["<p>ok</p>"])

FAULT_PATHS = ["/ok", "/slow", "/hang", "/reset", "/truncated", "/retry-after-seconds", "/retry-after-date",
               "/retry-after-past", "/retry-after-huge", "/burst429", "/loop/a", "/chain/50", "/redirect/ok",
               "/status/404", "/status/500", "/huge", "/big-page", "/malformed", "/latin1", "/nul", "/deep",
               "/many-attrs", "/gzip", "/deflate", "/no-head", "/no-head-501", "/needs-cookie", "/needs-header",
               "/nofollow/meta", "/nofollow/rel", "/meta-refresh", "/not-html", "/private/page.html",
               "/trap/2026-01-01", "/rep/", "/grow/x"]
FAULTS_PAGE = page("faults", [f'<p><a href="{p}">{p}</a></p>' for p in FAULT_PATHS])

MALFORMED = b"""<!DOCTYPE html>
<html><head><title>malformed</title>
<body>
<p><a href="/ok?from=malformed">fine</a>
<div><p>unclosed <b>bold <i>italic <table><tr><td>cell<td>cell</table
</span></div></div></p></b>
<a href=/ok?from=unquoted>unquoted</a>
<img src="/ok?from=unterminated alt=x>
<p <p <<>> &bogus; &#xZZ; &#99999999;
<a href="/ok?from=after-quote">after</a>
<!-- a comment that never ends
<a href="/ok?from=inside-comment">
"""

LATIN1 = ("<!DOCTYPE html>\n<html><head>\n<meta charset=\"iso-8859-1\">\n<title>latin1</title>\n</head>\n"
          "<body>\n<p>Caf\u00e9 cr\u00e8me \u00e0 la carte, \u00bd prix, \u00a9 2026</p>\n"
          "<p><a href=\"/ok?from=latin1\">ok</a></p>\n</body></html>\n").encode("iso-8859-1")

NUL = (b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>nul\0</title></head>\n"
       b"<body>\n<p>before\0\0\0after</p>\n<p title=\"a\0b\">attribute</p>\n"
       b"<p><a href=\"/ok?from=nul\">ok</a></p>\n\0</body></html>\n")

DEEP = (b"<!DOCTYPE html>\n<html><head><title>deep</title></head><body>\n" + b"<div>" * 100000 +
        b'<a href="/ok?from=deep">bottom</a>' + b"</div>" * 100000 + b"\n</body></html>\n")

MANY_ATTRS = (b"<!DOCTYPE html>\n<html><head><title>many attributes</title></head><body>\n<a " +
              b" ".join(b'a%d="x"' % i for i in range(100000)) + b' href="/ok?from=many-attrs">many</a>\n'
              b"</body></html>\n")

NOT_HTML = b'This is plain text, not HTML: <a href="/never">never fetch me</a>\n'


class Stats:
    """The server-side counts /__stats reports. The live in-flight and
    connection counts survive /__reset (requests in progress end later);
    the peaks restart from them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = {"in_flight": 0, "connections": 0}
        self.live_host = {}  # host -> {"in_flight", "connections"}
        self.live_path = {}  # target -> in_flight
        self.attempts = {}  # path -> requests seen by the counting endpoints
        self.clear()

    def clear(self):
        with self.lock:
            self.requests = 0
            self.max = dict(self.live)
            self.hosts = {}
            self.paths = {}
            self.attempts.clear()
            for host, live in self.live_host.items():
                self._host(host)
            for target, n in self.live_path.items():
                self._path(target)["max_in_flight"] = n

    def _host(self, host):
        h = self.hosts.get(host)
        if h is None:
            live = self.live_host.setdefault(host, {"in_flight": 0, "connections": 0})
            h = self.hosts[host] = {"requests": 0, "times": [], "max_in_flight": live["in_flight"],
                                    "max_connections": live["connections"]}
        return h

    def _path(self, target):
        p = self.paths.get(target)
        if p is None:
            p = self.paths[target] = {"requests": 0, "times": [], "statuses": [], "methods": [],
                                      "max_in_flight": self.live_path.get(target, 0)}
        return p

    def connection_opened(self, host):
        with self.lock:
            self.live["connections"] += 1
            self.max["connections"] = max(self.max["connections"], self.live["connections"])
            h = self._host(host)
            live = self.live_host[host]
            live["connections"] += 1
            h["max_connections"] = max(h["max_connections"], live["connections"])

    def connection_closed(self, host):
        with self.lock:
            self.live["connections"] -= 1
            self.live_host[host]["connections"] -= 1

    def begin(self, host, target, method):
        """Counts a request's arrival; returns the handle `end` takes."""
        now = time.monotonic()
        with self.lock:
            self.requests += 1
            self.live["in_flight"] += 1
            self.max["in_flight"] = max(self.max["in_flight"], self.live["in_flight"])
            h = self._host(host)
            h["requests"] += 1
            h["times"].append(now)
            live = self.live_host[host]
            live["in_flight"] += 1
            h["max_in_flight"] = max(h["max_in_flight"], live["in_flight"])
            p = self._path(target)
            p["requests"] += 1
            p["times"].append(now)
            p["statuses"].append(0)
            p["methods"].append(method)
            n = self.live_path[target] = self.live_path.get(target, 0) + 1
            p["max_in_flight"] = max(p["max_in_flight"], n)
            return (host, target, p, len(p["statuses"]) - 1)

    def end(self, handle, status):
        host, target, p, index = handle
        with self.lock:
            self.live["in_flight"] -= 1
            self.live_host[host]["in_flight"] -= 1
            self.live_path[target] -= 1
            if not self.live_path[target]:
                del self.live_path[target]
            p["statuses"][index] = status  # in a discarded table after a reset: harmless

    def attempt(self, path):
        """The number of this request among those to `path` (1-based)."""
        with self.lock:
            n = self.attempts[path] = self.attempts.get(path, 0) + 1
            return n

    def snapshot(self):
        with self.lock:
            hosts = {}
            for host, h in self.hosts.items():
                live = self.live_host[host]
                hosts[host] = {"requests": h["requests"], "times": list(h["times"]), "in_flight": live["in_flight"],
                               "max_in_flight": h["max_in_flight"], "connections": live["connections"],
                               "max_connections": h["max_connections"]}
            paths = {}
            for target, p in self.paths.items():
                paths[target] = {"requests": p["requests"], "times": list(p["times"]),
                                 "statuses": list(p["statuses"]), "methods": list(p["methods"]),
                                 "in_flight": self.live_path.get(target, 0), "max_in_flight": p["max_in_flight"]}
            return {"now": time.monotonic(), "requests": self.requests, "in_flight": self.live["in_flight"],
                    "max_in_flight": self.max["in_flight"], "connections": self.live["connections"],
                    "max_connections": self.max["connections"], "hosts": hosts, "paths": paths}


class ClientGone(Exception):
    pass


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, the body waits
    # for the client's delayed ACK (40 ms) on every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "crawl_server/1"
    timeout = 30  # an idle keep-alive connection, or a client that stops reading, is dropped after this

    # ---- plumbing ----------------------------------------------------------

    def setup(self):
        super().setup()
        self.conn_host = None  # the Host this connection is counted under
        self.status = 0
        self.counted = None  # the current request's count, until done()

    def finish(self):
        try:
            super().finish()
        finally:
            if self.conn_host is not None:
                self.server.stats.connection_closed(self.conn_host)

    def log_message(self, fmt, *args):
        if self.server.args.log:
            sys.stderr.write("crawl_server: %s %s\n" % (self.address_string(), fmt % args))

    def send_response(self, code, message=None):
        self.status = code
        super().send_response(code, message)

    def do_GET(self):
        self.serve(head=False)

    def do_HEAD(self):
        self.serve(head=True)

    def serve(self, head):
        self.head = head
        self.status = 0
        target = self.path
        path, _, query = target.partition("?")
        self.query = dict(p.partition("=")[::2] for p in query.split("&") if p)
        self.query_all = urllib.parse.parse_qs(query)
        if path.startswith("/__"):
            return self.control(path)
        stats = self.server.stats
        host = (self.headers.get("Host") or "").lower()
        if self.conn_host is None:
            self.conn_host = host
            stats.connection_opened(host)
        self.counted = stats.begin(host, target, self.command)
        try:
            self.route(path, target)
        except (BrokenPipeError, ConnectionResetError, ClientGone, socket.timeout):
            self.close_connection = True
        finally:
            self.done()

    def done(self):
        """Ends the request's count. Called just before the last write of a
        response: a client that sends its next request the moment it has the
        answer must not meet this one still counted (a false excess of
        concurrency). So the server's in-flight interval lies within the
        client's, and its peaks never exceed the client's concurrency."""
        if self.counted is not None:
            self.server.stats.end(self.counted, self.status)
            self.counted = None

    def send(self, status, body, ctype="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        if self.head or not body:
            self.done()
            self.end_headers()
            return
        self.end_headers()
        self.done()
        self.wfile.write(body)

    def redirect(self, status, location):
        self.send(status, b"", "text/plain", [("Location", location)])

    def not_found(self):
        self.send(404, b"404 not found\n", "text/plain; charset=utf-8")

    def control(self, path):
        if path == "/__stats":
            body = json.dumps(self.server.stats.snapshot(), sort_keys=True).encode()
            self.send(200, body, "application/json")
        elif path == "/__reset":
            self.server.stats.clear()
            self.send(200, b"reset\n", "text/plain")
        else:
            self.not_found()

    # ---- routes ------------------------------------------------------------

    def route(self, path, target):
        server = self.server
        args = server.args
        if server.site_table is not None:
            r = server.site_table.get(gen_site.lookup_key(target))
            if r is not None:
                return self.send(r.status, r.body, r.content_type)
        exact = {
            "/": lambda: self.send(200, FAULTS_PAGE),
            "/faults": lambda: self.send(200, FAULTS_PAGE),
            "/ok": lambda: self.send(200, OK_PAGE),
            "/slow": self.slow,
            "/hang": self.hang,
            "/reset": self.reset,
            "/truncated": self.truncated,
            "/retry-after-seconds": lambda: self.retry_after(str(args.retry_after)),
            "/retry-after-date": lambda: self.retry_after(
                email.utils.formatdate(math.ceil(time.time()) + args.retry_after, usegmt=True)),
            "/retry-after-past": lambda: self.retry_after(email.utils.formatdate(time.time() - 3600, usegmt=True)),
            "/retry-after-huge": lambda: self.retry_after("100000"),
            "/burst429": self.burst429,
            "/loop/a": lambda: self.redirect(302, "/loop/b"),
            "/loop/b": lambda: self.redirect(302, "/loop/a"),
            "/huge": self.huge,
            "/big-page": self.big_page,
            "/malformed": lambda: self.send(200, MALFORMED),
            "/latin1": lambda: self.send(200, LATIN1, "text/html; charset=iso-8859-1"),
            "/nul": lambda: self.send(200, NUL),
            "/deep": lambda: self.send(200, DEEP),
            "/many-attrs": lambda: self.send(200, MANY_ATTRS),
            "/gzip": lambda: self.compressed("gzip"),
            "/deflate": lambda: self.compressed("deflate"),
            "/no-head": lambda: self.no_head(405),
            "/no-head-501": lambda: self.no_head(501),
            "/needs-cookie": self.needs_cookie,
            "/needs-header": self.needs_header,
            "/nofollow/meta": lambda: self.send(200, page(
                "nofollow meta", ['<p><a href="/nofollow/target-meta">target</a></p>'],
                ['<meta name="robots" content="nofollow">'])),
            "/nofollow/rel": lambda: self.send(200, page(
                "nofollow rel", ['<p><a rel="nofollow" href="/nofollow/target-rel">target</a></p>',
                                 '<p><a href="/ok?from=rel">ok</a></p>'])),
            "/meta-refresh": lambda: self.send(200, page(
                "refresh", ["<p>moving</p>"], ['<meta http-equiv="refresh" content="0; url=/ok?from=refresh">'])),
            "/not-html": lambda: self.send(200, NOT_HTML, "text/plain; charset=utf-8"),
            "/links": self.links,
            "/robots.txt": self.robots,
            "/sitemap.xml": lambda: self.sitemap("index"),
            "/sitemap-pages.xml": lambda: self.sitemap("pages"),
            "/sitemap-more.xml.gz": lambda: self.sitemap("more"),
        }
        if path in exact:
            return exact[path]()
        first = path.split("/", 2)[1] if path.count("/") >= 2 else ""
        prefixed = {
            "chain": self.chain,
            "redirect": lambda p: self.redirect(302, "/" + target.split("/", 2)[2]),
            "status": self.status_code,
            "nofollow": self.nofollow_target,
            "private": lambda p: self.send(200, page("private", ["<p>disallowed by robots.txt</p>"])),
            "trap": self.trap,
            "rep": lambda p: self.send(200, page("repeat", ['<p><a href="a/">deeper</a></p>'])),
            "grow": self.grow,
            "from-sitemap": lambda p: self.send(200, page("from the sitemap",
                                                          ['<p><a href="/ok?from=sitemap">ok</a></p>'])),
        }
        if first in prefixed:
            return prefixed[first](path)
        return self.not_found()

    def slow(self):
        try:
            n = min(int(self.query.get("bytes", self.server.args.slow_bytes)), 1 << 20)
            interval = min(float(self.query.get("interval", self.server.args.slow_interval)), 60.0)
        except ValueError:
            return self.send(400, b"bad bytes or interval\n", "text/plain")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        if self.head:
            return
        for i in range(n):
            if self.server.stopping.is_set():
                raise ClientGone()
            if i == n - 1:
                self.done()
            self.wfile.write(b"x")
            if i < n - 1:
                time.sleep(interval)

    def hang(self):
        # Never answers. Ends when the client closes (so the counts fall
        # back) or the server stops; the connection is then closed unanswered.
        self.close_connection = True
        sock = self.connection
        while not self.server.stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                try:
                    if not sock.recv(65536):
                        return
                except OSError:
                    return

    def reset(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "2000")
        self.end_headers()
        self.wfile.write(b"<!DOCTYPE html>\n<p>" + b"x" * 981)
        time.sleep(0.05)  # let the client read the first half before the RST
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket's file holds a reference; the fd closes with the last one
        self.connection.close()

    def truncated(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"<!DOCTYPE html>\n<p>" + b"x" * 381)
        self.close_connection = True

    def retry_after(self, value):
        if self.server.stats.attempt(self.path.partition("?")[0]) <= self.server.args.fail_times:
            return self.send(503, b"503 try later\n", "text/plain", [("Retry-After", value)])
        self.send(200, page("recovered", ["<p>recovered</p>"]))

    def burst429(self):
        args = self.server.args
        if self.server.stats.attempt("/burst429") <= args.burst429:
            headers = [] if args.burst429_retry_after is None else [("Retry-After", str(args.burst429_retry_after))]
            return self.send(429, b"429 too many requests\n", "text/plain", headers)
        self.send(200, page("burst over", ["<p>ok now</p>"]))

    def chain(self, path):
        rest = path[len("/chain/"):]
        if not rest.isdigit() or int(rest) > 10000:
            return self.not_found()
        n = int(rest)
        if n == 0:
            return self.send(200, page("end of chain", ["<p>end</p>"]))
        self.redirect((301, 302, 303, 307, 308)[n % 5], f"/chain/{n - 1}")

    def status_code(self, path):
        rest = path[len("/status/"):]
        if not rest.isdigit() or not 200 <= int(rest) <= 599:
            return self.not_found()
        code = int(rest)
        if code in (204, 304):
            self.send_response(code)
            self.done()
            self.end_headers()
            return
        self.send(code, b"status %d\n" % code, "text/plain")

    def huge(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.head:
            return
        block = (b"<p>" + b"huge " * 200 + b"</p>\n") * 64  # 65,088 bytes
        first = b"<!DOCTYPE html>\n<html><body>\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(first), first))
        sent = len(first)
        limit = self.server.args.huge_bytes
        while sent < limit:
            if self.server.stopping.is_set():
                raise ClientGone()
            data = block[: limit - sent]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            sent += len(data)
        self.done()
        self.wfile.write(b"0\r\n\r\n")

    def big_page(self):
        size = self.server.args.big_page_bytes
        head = (b'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>big</title></head><body>\n'
                b'<p><a href="/ok?from=big-page-start">start</a></p>\n')
        tail = b'<p><a href="/ok?from=big-page-end">end</a></p>\n</body></html>\n'
        line = b"<p>" + b"big page filler " * 6 + b"</p>\n"
        middle = size - len(head) - len(tail)
        if middle < 8:
            return self.send(500, b"--big-page-bytes too small\n", "text/plain")
        lines, pad = divmod(middle, len(line))
        if pad and pad < 7:  # room for a comment "<!---->"
            lines -= 1
            pad += len(line)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if self.head:
            return
        self.wfile.write(head)
        if pad:
            self.wfile.write(b"<!--" + b"-" * (pad - 7) + b"-->")
        block = line * 512
        per_block = 512
        while lines:
            if self.server.stopping.is_set():
                raise ClientGone()
            n = min(lines, per_block)
            self.wfile.write(block if n == per_block else line * n)
            lines -= n
        self.done()
        self.wfile.write(tail)

    def compressed(self, coding):
        body = page(coding, [f'<p><a href="/ok?from={coding}">ok</a></p>', "<p>" + "squeeze " * 500 + "</p>"])
        accepted = [c.strip().split(";")[0] for c in (self.headers.get("Accept-Encoding") or "").split(",")]
        headers = [("Vary", "Accept-Encoding")]
        if coding in accepted:
            body = gzip.compress(body, mtime=0) if coding == "gzip" else zlib.compress(body)
            headers.append(("Content-Encoding", coding))
        self.send(200, body, "text/html; charset=utf-8", headers)

    def no_head(self, status):
        if self.head:
            return self.send(status, b"", "text/plain", [("Allow", "GET")])
        self.send(200, page("no head", ["<p>GET only</p>"]))

    def needs_cookie(self):
        want = self.server.args.cookie
        have = [c.strip() for c in (self.headers.get("Cookie") or "").split(";")]
        if want in have:
            return self.send(200, page("cookie", ["<p>welcome back</p>"]))
        self.send(403, b"403 no session cookie\n", "text/plain")

    def needs_header(self):
        name, _, value = self.server.args.auth_header.partition(":")
        if (self.headers.get(name.strip()) or "").strip() == value.strip():
            return self.send(200, page("header", ["<p>authorised</p>"]))
        self.send(401, b"401 unauthorised\n", "text/plain", [("WWW-Authenticate", "Bearer")])

    def nofollow_target(self, path):
        name = path[len("/nofollow/"):]
        if not name.startswith("target-"):
            return self.not_found() if not name.startswith("deeper-") else self.send(200, OK_PAGE)
        deeper = "/nofollow/deeper-" + name[len("target-"):]
        self.send(200, page("nofollow target", [f'<p><a href="{deeper}">deeper</a></p>']))

    def trap(self, path):
        try:
            day = datetime.date.fromisoformat(path[len("/trap/"):])
        except ValueError:
            return self.not_found()
        body = [f"<p>{day.isoformat()}</p>"]
        if day < datetime.date.max:
            body.append(f'<p><a href="{(day + datetime.timedelta(days=1)).isoformat()}">next day</a></p>')
        self.send(200, page("calendar", body))

    def grow(self, path):
        last = path.rsplit("/", 1)[1]
        self.send(200, page("growing", [f'<p><a href="{last}{"x" * 100}">longer</a></p>']))

    def links(self):
        targets = self.query_all.get("to", [])
        body = [f'<h2 id="{html.escape(i, quote=True)}">anchor</h2>' for i in self.query_all.get("id", [])]
        body += [f'<p><a href="{html.escape(t, quote=True)}">link</a></p>' for t in targets]
        self.send(200, page("links", body))

    def robots(self):
        args = self.server.args
        if args.robots_status:
            return self.send(args.robots_status, b"robots.txt answered with an error\n", "text/plain")
        if not args.robots:
            return self.not_found()
        if args.robots_file:
            with open(args.robots_file, "rb") as f:
                return self.send(200, f.read(), "text/plain")
        lines = ["User-agent: *"]
        lines += [f"Allow: {p}" for p in args.allow]
        lines += [f"Disallow: {p}" for p in (args.disallow or ["/private/"])]
        if args.crawl_delay is not None:
            lines.append(f"Crawl-delay: {args.crawl_delay:g}")
        if args.sitemap:
            lines.append(f"Sitemap: {self.server.origin}/sitemap.xml")
        self.send(200, ("\n".join(lines) + "\n").encode(), "text/plain")

    def sitemap(self, which):
        if not self.server.args.sitemap:
            return self.not_found()
        o = self.server.origin
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if which == "index":
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {ns}>\n'
                    f"<sitemap><loc>{o}/sitemap-pages.xml</loc></sitemap>\n"
                    f"<sitemap><loc>{o}/sitemap-more.xml.gz</loc></sitemap>\n</sitemapindex>\n").encode()
            return self.send(200, body, "application/xml")
        numbers = range(1, 4) if which == "pages" else range(4, 7)
        urls = "".join(f"<url><loc>{o}/from-sitemap/{n}.html</loc></url>\n" for n in numbers)
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>\n{urls}</urlset>\n'.encode()
        if which == "more":
            return self.send(200, gzip.compress(body, mtime=0), "application/gzip")
        self.send(200, body, "application/xml")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait for /hang or /slow on the way out
    request_queue_size = 256


def parse_args(argv):
    p = argparse.ArgumentParser(description="The local HTTP server of conc crawl's tests (see the source's header).")
    p.add_argument("--site", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--expect")
    p.add_argument("--lifetime", type=float, default=120.0)
    p.add_argument("--slow-interval", type=float, default=0.2)
    p.add_argument("--slow-bytes", type=int, default=100)
    p.add_argument("--fail-times", type=int, default=2)
    p.add_argument("--retry-after", type=int, default=1)
    p.add_argument("--burst429", type=int, default=3)
    p.add_argument("--burst429-retry-after", type=int)
    p.add_argument("--huge-bytes", type=int, default=1 << 30)
    p.add_argument("--big-page-bytes", type=int, default=50 << 20)
    p.add_argument("--robots", action="store_true")
    p.add_argument("--disallow", action="append", default=[])
    p.add_argument("--allow", action="append", default=[])
    p.add_argument("--crawl-delay", type=float)
    p.add_argument("--robots-file")
    p.add_argument("--sitemap", action="store_true")
    p.add_argument("--robots-status", type=int, default=0)
    p.add_argument("--cookie", default="session=s3cret")
    p.add_argument("--auth-header", default="Authorization: Bearer s3cret")
    p.add_argument("--log", action="store_true")
    args = p.parse_args(argv)
    if args.site < 0 or args.lifetime <= 0:
        p.error("--site must be >= 0 and --lifetime > 0")
    return args


def main(argv):
    args = parse_args(argv)
    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    server.args = args
    server.origin = f"http://127.0.0.1:{port}"
    server.stats = Stats()
    server.stopping = threading.Event()
    server.site_table = None
    if args.site:
        site = gen_site.Site(args.site, args.seed, origin=server.origin)
        server.site_table = site.table()
        if args.expect:
            gen_site.dump_expectation(site.expectation(server.origin), args.expect)

    stopping = server.stopping
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        print(f"PORT {port}", flush=True)
    except BrokenPipeError:
        stopping.set()
    deadline = time.monotonic() + args.lifetime
    parent = os.getppid()
    while not stopping.wait(0.1):
        if time.monotonic() >= deadline or os.getppid() != parent:
            break
    stopping.set()  # ends the trickles, hangs and endless bodies
    server.shutdown()
    server.server_close()
    sys.stdout.flush()
    os._exit(0)  # the connection threads are daemons: nothing to wait for


if __name__ == "__main__":
    main(sys.argv[1:])
