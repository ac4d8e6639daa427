#!/usr/bin/env bash
# Compares conc pipeline with tr, sed, grep and GNU parallel --pipe on a
# 1 GiB text file (the King James Bible from Debian's bible-kjv, repeated),
# page-cached, in one run; prints medians, throughput and the ratios the
# pipeline issue sets targets for, and conc's peak RSS.
#   scripts/bench/pipeline.sh            (about 6 minutes on 2 cores)
#   RUNS=5 scripts/bench/pipeline.sh     more runs per command (default 3)
#   KJV=58 scripts/bench/pipeline.sh      a smaller file: 58 x 4.4 MB = 256 MB (default 244, 1.07 GB)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
runs="${RUNS:-3}"
export LC_ALL=C

if [[ ! -s "$data/kjv.txt" ]]; then bible -f "Gen1:1-Rev22:21" >"$data/kjv.txt"; fi
kjv="${KJV:-244}"
in="$data/text-1g.txt"
[[ "$kjv" == 244 ]] || in="$data/text-kjv$kjv.txt"
if [[ ! -s "$in" ]]; then
  for _ in $(seq "$kjv"); do cat "$data/kjv.txt"; done >"$in"  # 244 x 4.4 MB = 1.07 GB
fi
cat "$in" >/dev/null
# Outputs go to a file in memory: GNU grep would stop at the first line if it
# saw /dev/null, and a pipe would add a process to every command.
out="$(mktemp -p /dev/shm conc-bench.XXXXXX)"
results="$(mktemp -d)"
trap 'rm -rf "$results" "$out"' EXIT

# The outputs must agree before any timing means something.
check() {  # conc-stage reference-command
  "$conc" pipeline -e "$1" <"$data/kjv.txt" | md5sum >"$results/a"
  sh -c "$2" <"$data/kjv.txt" | md5sum >"$results/b"
  cmp -s "$results/a" "$results/b" || { echo "conc pipeline -e '$1' disagrees with $2" >&2; exit 1; }
}
check upper "tr a-z A-Z"
check "replace the THE" "sed s/the/THE/g"
check "grep -v the" "grep -v the"
check "exec sed s/the/THE/g" "sed s/the/THE/g"

bytes="$(stat -c %s "$in")"
n=0
bench() {  # name warmup-runs command
  n=$((n + 1))
  hyperfine --style none --runs "$runs" --warmup "$2" --export-json "$results/$n.json" -n "$1" "$3 <$in >$out" >/dev/null
  echo "$1|$n" >>"$results/names"
}
bench "tr a-z A-Z" 1 "tr a-z A-Z"
bench "conc -e upper" 1 "$conc pipeline -e upper"
bench "sed s/the/THE/g" 0 "sed s/the/THE/g"
bench "conc -e 'replace the THE'" 1 "$conc pipeline -e 'replace the THE'"
bench "grep -v the" 1 "grep -v the"
bench "conc -e 'grep -v the'" 1 "$conc pipeline -e 'grep -v the'"
bench "parallel --pipe -k sed" 0 "parallel --pipe --block 1M -k sed s/the/THE/g"
bench "conc -e 'exec sed ...'" 0 "$conc pipeline -e 'exec sed s/the/THE/g'"
bench "conc -j2 -e 'exec sed ...'" 0 "$conc pipeline -j2 -e 'exec sed s/the/THE/g'"
for s in pool steal seq; do
  bench "conc -s $s -e upper" 1 "$conc pipeline -s $s -e upper"
  bench "conc -s $s -e 'replace the THE'" 1 "$conc pipeline -s $s -e 'replace the THE'"
done

echo "peak RSS of conc pipeline with default settings (-j2):"
for stage in upper "replace the THE" "grep -v the" "exec sed s/the/THE/g"; do
  /usr/bin/time -f "  -e '$stage': %M KiB" "$conc" pipeline -e "$stage" <"$in" >"$out"
done

python3 - "$results" "$bytes" <<'PY'
import json, os, sys
d, size = sys.argv[1], int(sys.argv[2])
med = {}
for line in open(os.path.join(d, "names")).read().splitlines():
    name, n = line.rsplit("|", 1)
    med[name] = json.load(open(os.path.join(d, n + ".json")))["results"][0]["median"]
print(f"\n{'command':<36} {'median s':>9} {'MB/s':>8}")
for n, m in med.items():
    print(f"{n:<36} {m:>9.3f} {size / m / 1e6:>8.0f}")
def x(a, b):
    return med[b] / med[a]
print()
rows = [
    ("upper vs tr a-z A-Z", "conc -e upper", "tr a-z A-Z", ">= 1.5"),
    ("replace vs sed s/the/THE/g", "conc -e 'replace the THE'", "sed s/the/THE/g", ">= 3"),
    ("grep -v vs grep -v", "conc -e 'grep -v the'", "grep -v the", "> 1"),
    ("exec sed vs parallel --pipe -k", "conc -e 'exec sed ...'", "parallel --pipe -k sed", ">= 6"),
    ("exec sed -j2 vs one sed", "conc -j2 -e 'exec sed ...'", "sed s/the/THE/g", ">= 1.7"),
]
for label, ours, theirs, target in rows:
    print(f"{label + ':':<32} {x(ours, theirs):.2f}x  (target {target})")
PY
