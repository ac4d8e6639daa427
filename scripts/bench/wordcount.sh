#!/usr/bin/env bash
# Compares conc wordcount with the classic tools on the King James Bible
# (Debian's bible-kjv), repeated x10 (~44 MB) and x100 (~440 MB), page-cached,
# in one run; prints throughput and ratios.
#   scripts/bench/wordcount.sh            (about 10 minutes on 2 cores)
#   RUNS=5 scripts/bench/wordcount.sh     more runs per command (default 3)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
runs="${RUNS:-3}"

if [[ ! -s "$data/kjv.txt" ]]; then bible -f "Gen1:1-Rev22:21" >"$data/kjv.txt"; fi
if [[ ! -s "$data/kjv10.txt" ]]; then for _ in $(seq 10); do cat "$data/kjv.txt"; done >"$data/kjv10.txt"; fi
if [[ ! -s "$data/kjv100.txt" ]]; then for _ in $(seq 10); do cat "$data/kjv10.txt"; done >"$data/kjv100.txt"; fi
cat "$data/kjv10.txt" "$data/kjv100.txt" >/dev/null  # page-cache them

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# The outputs must agree before any timing means something.
ref="$("$conc" wordcount --split ws -s seq "$data/kjv10.txt" | md5sum)"
for s in mutex sharded local channels steal; do
  got="$("$conc" wordcount --split ws -s "$s" -j2 "$data/kjv10.txt" | md5sum)"
  [[ "$got" == "$ref" ]] || { echo "strategy $s disagrees with seq" >&2; exit 1; }
done

bench() {  # name file command...
  local name="$1" file="$2"
  shift 2
  local warmup=1
  [[ "$runs" == 1 ]] && warmup=0
  hyperfine --style none --runs "$runs" --warmup "$warmup" --export-json "$results/$name.json" -n "$name" "$*" >/dev/null
  echo "$name $(stat -c %s "$file")" >>"$results/sizes"
}

x10="$data/kjv10.txt"
x100="$data/kjv100.txt"
for s in seq mutex sharded local channels steal; do
  for j in 1 2; do bench "x10 conc ws $s -j$j" "$x10" "$conc wordcount --split ws -s $s -j$j $x10 >/dev/null"; done
done
bench "x10 sort|uniq -c" "$x10" "LC_ALL=C tr -s '[:space:]' '\n' <$x10 | tr A-Z a-z | sort | uniq -c | sort -rn >/dev/null"
bench "x10 awk" "$x10" "LC_ALL=C awk '{for(i=1;i<=NF;i++) c[tolower(\$i)]++} END{for(w in c) print w, c[w]}' $x10 >/dev/null"
bench "x10 wc -w" "$x10" "LC_ALL=C wc -w $x10 >/dev/null"
for s in seq mutex sharded local channels steal; do
  for j in 1 2; do bench "x100 conc ws $s -j$j" "$x100" "$conc wordcount --split ws -s $s -j$j $x100 >/dev/null"; done
done
bench "x100 conc words (default) -j2" "$x100" "$conc wordcount -j2 $x100 >/dev/null"
# The sort pipeline takes about a minute on x100: one run, no warm-up (the
# file is page-cached already).
runs=1 bench "x100 sort|uniq -c" "$x100" "LC_ALL=C tr -s '[:space:]' '\n' <$x100 | tr A-Z a-z | sort | uniq -c | sort -rn >/dev/null"
bench "x100 wc -w" "$x100" "LC_ALL=C wc -w $x100 >/dev/null"

echo "peak RSS of the default strategy (-j2, --split ws):"
for f in "$x10" "$x100"; do
  /usr/bin/time -f "  $(basename "$f"): %M KiB" "$conc" wordcount --split ws -j2 "$f" >/dev/null
done

python3 - "$results" <<'PY'
import json, os, sys
d = sys.argv[1]
sizes = dict(line.rsplit(" ", 1) for line in open(os.path.join(d, "sizes")).read().splitlines())
rows = []
for name, size in sizes.items():
    r = json.load(open(os.path.join(d, name + ".json")))["results"][0]
    rows.append((name, r["median"], int(size) / r["median"] / 1e6))
med = {n: m for n, m, _ in rows}
print(f"\n{'command':<34} {'median s':>9} {'MB/s':>8}")
for n, m, mbs in rows:
    print(f"{n:<34} {m:>9.3f} {mbs:>8.1f}")
def ratio(a, b):
    return med[b] / med[a]
mbs = {n: v for n, _, v in rows}
print()
best = min((n for n in med if n.startswith("x10 conc")), key=med.get)
print(f"x10: fastest conc ({best}) vs sort|uniq -c: {ratio(best, 'x10 sort|uniq -c'):.1f}x, vs awk: {ratio(best, 'x10 awk'):.1f}x")
default = "x100 conc ws steal -j2"
print(f"x100: default (steal) -j2 --split ws: {mbs[default]:.0f} MB/s (target > 600)")
print(f"x100: default -j2 vs sort|uniq -c on x100: {ratio(default, 'x100 sort|uniq -c'):.0f}x (target >= 80); vs its x10 MB/s: {mbs[default] / mbs['x10 sort|uniq -c']:.0f}x")
print(f"x100: default -j2 vs wc -w: {mbs[default] / mbs['x100 wc -w']:.2f}x")
for s in ("seq", "mutex", "sharded", "local", "channels", "steal"):
    print(f"x100: {s} speed-up -j1 -> -j2: {ratio(f'x100 conc ws {s} -j2', f'x100 conc ws {s} -j1'):.2f}x")
print(f"x100: --split words vs ws (default strategy, -j2): {med['x100 conc words (default) -j2'] / med[default]:.2f}x the time (target <= 2)")
PY
