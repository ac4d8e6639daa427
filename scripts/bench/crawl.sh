#!/usr/bin/env bash
# Compares conc crawl with wget -r --spider and linkchecker on a generated
# static site (make_site.py) served by nginx on 127.0.0.1, in one run:
# URLs per second of each strategy and -j, the anchors, wrk's ceiling for
# the server, and conc's peak RSS (bytes per URL) on the big site.
#   scripts/bench/crawl.sh                 5,000 pages, then 100,000 (about 10 minutes on 2 cores)
#   PAGES=5000 BIG=0 scripts/bench/crawl.sh   the small site only
#   RUNS=5 scripts/bench/crawl.sh          more runs per command (default 3)
# Every crawler must find the same number of URLs before a timing counts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/nginx.sh"
runs="${RUNS:-3}"
pages="${PAGES:-5000}"
big="${BIG:-100000}"
results="$(mktemp -d)"
trap 'nginx_stop; rm -rf "$results"' EXIT

python3 "$root/scripts/bench/make_site.py" --reuse --pages "$pages" "$data/site-$pages" >/dev/null
nginx_start "$data/site-$pages"
start="$nginx_url/"

# How many URLs each crawler finds: conc's count is the reference.
conc_urls="$("$conc" crawl --format jsonl "$start" 2>/dev/null | wc -l || true)"
wget_urls="$(cd "$results" && wget -r -l inf --spider -nv -e robots=off "$start" 2>&1 | grep -cE '^[0-9-]+ [0-9:]+ URL:|broken link' || true)"
echo "site: $pages pages; conc finds $conc_urls URLs, wget reports $wget_urls lines"

n=0
bench() {  # name command
  n=$((n + 1))
  hyperfine --style none --runs "$runs" --warmup 1 -i --export-json "$results/$n.json" -n "$1" "$2" >/dev/null
  echo "$1|$n" >>"$results/names"
}
bench "wget -r --spider" "cd $results && wget -r -l inf --spider -nv -e robots=off $start"
# Its own default caps it at 10 requests/s; nginx sends the header that lifts it.
printf '[checking]\nmaxrequestspersecond=100000\n' >"$results/linkcheckerrc"
bench "linkchecker" "linkchecker -f $results/linkcheckerrc --no-status --no-warnings -o none -t 8 $start"
for s in multi pool actor seq; do
  for j in 2 8 32; do
    [[ "$s" == seq && "$j" != 2 ]] && continue
    bench "conc -s $s -j $j" "$conc crawl -q -s $s -j $j --per-host $j --format jsonl -o /dev/null $start"
  done
done
ceiling="$(wrk_rps "$start" 32 5)"

python3 - "$results" "$conc_urls" "$ceiling" <<'PY'
import json, os, sys
d, urls, ceiling = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
med = {}
for line in open(os.path.join(d, "names")).read().splitlines():
    name, n = line.rsplit("|", 1)
    med[name] = json.load(open(os.path.join(d, n + ".json")))["results"][0]["median"]
print(f"\n{'command':<24} {'median s':>9} {'URLs/s':>8}")
for name, m in med.items():
    print(f"{name:<24} {m:>9.3f} {urls / m:>8.0f}")
best = min((m, name) for name, m in med.items() if name.startswith("conc"))
print(f"\nbest conc: {best[1]}, {urls / best[0]:.0f} URLs/s")
print(f"  vs wget -r --spider: {med['wget -r --spider'] / best[0]:.1f}x (target >= 4)")
print(f"  vs linkchecker:      {med['linkchecker'] / best[0]:.1f}x (target >= 20)")
print(f"  share of wrk's ceiling ({ceiling:.0f} requests/s on one page, 32 connections): "
      f"{urls / best[0] / ceiling * 100:.0f}%")
PY

if [[ "$big" -gt 0 ]]; then
  nginx_stop
  python3 "$root/scripts/bench/make_site.py" --reuse --pages "$big" "$data/site-$big" >/dev/null
  nginx_start "$data/site-$big"
  echo
  echo "peak RSS on the $big-page site (default strategy, -j 32):"
  /usr/bin/time -f "%M %e" -o "$results/rss" "$conc" crawl -q -j 32 --per-host 32 --format jsonl -o "$results/big.jsonl" "$nginx_url/" || true
  # The last line: time puts "Command exited with non-zero status 1" first
  # when a link is broken (the generated site has some).
  read -r kib secs < <(tail -n 1 "$results/rss")
  n_urls="$(wc -l <"$results/big.jsonl")"
  echo "  $n_urls URLs in $secs s: $((kib / 1024)) MiB peak RSS, $((kib * 1024 / n_urls)) bytes per URL (target < 150 MiB)"
fi
