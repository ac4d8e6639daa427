#!/usr/bin/env python3
"""Writes the deterministic static site of the crawl benchmark into DIR, for
nginx to serve: test/servers/gen_site.py's "bench" profile (about 20 plain
links per ~1.4 KB page, pages in subdirectories, images, some 404s, no query
pages). The same --pages and --seed always give the same bytes.

  make_site.py --pages 5000 DIR                   (about 1 s)
  make_site.py --pages 100000 DIR                 (about 30 s, 430 MB on disk)
  make_site.py --pages 5000 --expect E.json --origin http://127.0.0.1:PORT DIR
      also writes what a crawl from ORIGIN/ must find (gen_site's JSON; its
      content types are crawl_server.py's, so compare with nginx by
      test/servers/check_expect.py --ignore-content-type E.json)

DIR is replaced whole (written beside it, then renamed) and holds site.json:
{"pages", "seed", "profile", "files", "bytes"}. With --reuse, a DIR whose
site.json matches --pages and --seed is kept as it is.
"""
import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "servers"))
import gen_site  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir")
    p.add_argument("--pages", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reuse", action="store_true", help="keep DIR when its site.json matches")
    p.add_argument("--expect", help="write the expected crawl here (needs --origin)")
    p.add_argument("--origin", help="the server's origin for --expect, e.g. http://127.0.0.1:8080")
    args = p.parse_args()
    if args.pages < 1:
        p.error("--pages must be at least 1")
    if bool(args.expect) != bool(args.origin):
        p.error("--expect and --origin go together")

    stamp = {"pages": args.pages, "seed": args.seed, "profile": "bench"}
    out = os.path.abspath(args.dir)
    site = None
    try:
        with open(os.path.join(out, "site.json")) as f:
            old = json.load(f)
        reuse = args.reuse and all(old.get(k) == v for k, v in stamp.items())
    except (OSError, ValueError):
        reuse = False
    if reuse:
        print(f"{out}: kept ({old['files']} files, {old['bytes']} bytes)")
    else:
        site = gen_site.Site(args.pages, args.seed, origin=None, profile="bench")
        tmp = out + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        files, total = site.write_static(tmp)
        with open(os.path.join(tmp, "site.json"), "w") as f:
            json.dump({**stamp, "files": files, "bytes": total}, f)
            f.write("\n")
        shutil.rmtree(out, ignore_errors=True)
        os.rename(tmp, out)
        print(f"{out}: {args.pages} pages, {files} files, {total} bytes")
    if args.expect:
        site = site or gen_site.Site(args.pages, args.seed, origin=None, profile="bench")
        expect = site.expectation(args.origin.rstrip("/"))
        gen_site.dump_expectation(expect, args.expect)
        print(f"{args.expect}: {len(expect['urls'])} URLs, {len(expect['broken'])} broken, "
              f"depth {expect['max_depth']}")


if __name__ == "__main__":
    main()
