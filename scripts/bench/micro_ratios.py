#!/usr/bin/env python3
"""Reads conc_bench JSON output; prints conc against the best anchor per row."""
import json
import re
import sys
from collections import defaultdict

ANCHORS = {"MoodyQueue": "moodycamel", "TbbQueue": "tbb", "Tbb": "tbb"}


def main(path):
    with open(path) as f:
        data = json.load(f)
    # row -> contender -> median real time (ms) and items/s
    rows = defaultdict(dict)
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"]
        m = re.match(r"BM_(\w+?)(?:<(.+?)>|_(Tbb))?/(.*)/real_time", name)
        if not m:
            continue
        kind, tmpl, tbb, args = m.groups()
        contender = tmpl or tbb
        contender = ANCHORS.get(contender, contender).replace("conc::", "")
        if contender == "ConcQueue":
            contender = "conc"
        rows[(kind, args)][contender] = (b["real_time"], b.get("items_per_second"))

    print(f"{'benchmark':<34} {'contender':<18} {'median':>10} {'vs best anchor':>15}")
    for (kind, args), cs in sorted(rows.items()):
        anchors = {k: v for k, v in cs.items() if k in ("moodycamel", "tbb")}
        best = min((v[0] for v in anchors.values()), default=None)
        for c, (ms, ips) in sorted(cs.items(), key=lambda kv: kv[1][0]):
            ratio = f"{ms / best:.2f}x time" if best else "-"
            rate = f"  ({ips / 1e6:.2f} M/s)" if ips else ""
            print(f"{kind + ' ' + args:<34} {c:<18} {ms:>8.2f}ms {ratio:>15}{rate}")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
