#!/usr/bin/env bash
# Oversubscription (issue 11, 19): every strategy of conc wordcount, hash and
# pipeline pinned to one core (taskset -c 0), at -j 1 and at -j 256; prints
# the median wall time of each and the ratio -j256 / -j1 (target: <= 1.5).
#   wordcount: KJV x10 (~44 MB, as scripts/bench/wordcount.sh)
#   hash:      the 1 GiB tree of scripts/bench/hash.sh (make_hash_tree.py)
#   pipeline:  -e upper over the first 100 MB of KJV repeated
#   scripts/bench/oversubscribe.sh              (about 5 minutes)
#   RUNS=5 JOBS=64 scripts/bench/oversubscribe.sh
#   ONLY=wordcount scripts/bench/oversubscribe.sh   (or hash, pipeline)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
runs="${RUNS:-3}"
jobs="${JOBS:-256}"
only="${ONLY:-wordcount hash pipeline}"
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed" >&2; exit 1; }

if [[ ! -s "$data/kjv.txt" ]]; then bible -f "Gen1:1-Rev22:21" >"$data/kjv.txt"; fi
if [[ ! -s "$data/kjv10.txt" ]]; then for _ in $(seq 10); do cat "$data/kjv.txt"; done >"$data/kjv10.txt"; fi
if [[ " $only " == *" pipeline "* && ! -s "$data/text100m.txt" ]]; then
  # cat dies of SIGPIPE once head has enough: expected, hence || true.
  { for _ in $(seq 24); do cat "$data/kjv.txt"; done | head -c 100000000 >"$data/text100m.txt"; } 2>/dev/null || true
fi
if [[ " $only " == *" hash "* && ! -s "$data/hash/big.bin" ]]; then
  python3 "$root/scripts/bench/make_hash_tree.py" "$data/hash"
fi

# Median wall seconds of `taskset -c 0 conc ARGS...` over $runs runs; the
# outputs of every run must agree with the first (checked by md5).
median() {
  local times=() sum=""
  for _ in $(seq "$runs"); do
    local start end out
    start=$(date +%s.%N)
    out=$(taskset -c 0 "$conc" "$@" | md5sum)
    end=$(date +%s.%N)
    [[ -z "$sum" ]] && sum="$out"
    [[ "$out" == "$sum" ]] || { echo "output changed between runs: conc $*" >&2; exit 1; }
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
  echo "$sum" >"$results/last"
}

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
worst=0
row() {  # row LABEL ARGS... : -j1 vs -j$jobs, same output required
  local label=$1
  shift
  local t1 tn s1
  t1=$(median "$@" -j 1)
  s1=$(cat "$results/last")
  tn=$(median "$@" -j "$jobs")
  [[ "$(cat "$results/last")" == "$s1" ]] || { echo "-j $jobs output differs from -j 1: conc $*" >&2; exit 1; }
  local ratio
  ratio=$(echo "scale=2; $tn / $t1" | bc)
  printf '%-28s %8.3f s %8.3f s %7sx\n' "$label" "$t1" "$tn" "$ratio"
  if (($(echo "$ratio > $worst" | bc))); then worst=$ratio; fi
}

printf '%-28s %10s %10s %8s\n' "taskset -c 0" "-j 1" "-j $jobs" "ratio"
if [[ " $only " == *" wordcount "* ]]; then
  cat "$data/kjv10.txt" >/dev/null
  for s in steal local seq mutex sharded channels; do row "wordcount -s $s" wordcount -s "$s" "$data/kjv10.txt"; done
fi
if [[ " $only " == *" hash "* ]]; then
  (cd "$data/hash" && find tree -type f -print0 | xargs -0 cat >/dev/null)
  for s in steal pool channels seq; do row "hash -s $s" hash -s "$s" "$data/hash/tree"; done
fi
if [[ " $only " == *" pipeline "* ]]; then
  cat "$data/text100m.txt" >/dev/null
  for s in channels pool seq; do row "pipeline -s $s -e upper" pipeline -s "$s" -e upper "$data/text100m.txt"; done
fi
echo "worst ratio: ${worst}x (target: 1.5x)"
