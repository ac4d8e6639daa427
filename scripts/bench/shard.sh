#!/usr/bin/env bash
# The overhead of sharding, measured on one machine: the CPU time of the
# N = 4 `--shard K/4` runs plus the `--merge`, against one plain run, for
# conc hash over the 1 GiB tree of 2,000 files and conc wordcount over the
# King James Bible x100 (~440 MB), page-cached, in one run. On N real nodes
# the shards run side by side, so the job's wall time is about the slowest
# shard plus the merge: printed too, as "wall on 4 nodes". The merged
# outputs are checked against the plain run's before anything is timed.
#   scripts/bench/shard.sh              (about 5 minutes on 2 cores)
#   RUNS=5 scripts/bench/shard.sh       more runs per command (default 3; medians)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
runs="${RUNS:-3}"
shards=4

if [[ ! -s "$data/big.bin" ]]; then python3 "$root/scripts/bench/make_hash_tree.py" "$data"; fi
if [[ ! -s "$data/kjv.txt" ]]; then bible -f "Gen1:1-Rev22:21" >"$data/kjv.txt"; fi
if [[ ! -s "$data/kjv10.txt" ]]; then for _ in $(seq 10); do cat "$data/kjv.txt"; done >"$data/kjv10.txt"; fi
if [[ ! -s "$data/kjv100.txt" ]]; then for _ in $(seq 10); do cat "$data/kjv10.txt"; done >"$data/kjv100.txt"; fi
cd "$data"
find tree -type f -exec cat {} + >/dev/null
cat kjv100.txt >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Runs a command once under /usr/bin/time; appends "wall user sys" to $work/NAME.
measure() {  # name command...
  local name="$1"
  shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null
  cat "$work/time" >>"$work/$name"
}

# One subcommand: the plain run, the shards and the merge, RUNS times.
compare() {  # label "subcommand and options" paths "merge options"
  local label="$1" cmd="$2" paths="$3" merge="$4"
  # shellcheck disable=SC2086 # cmd, paths and merge are word lists
  {
    "$conc" $cmd $paths >"$work/one"
    for k in $(seq 0 $((shards - 1))); do "$conc" $cmd --shard "$k/$shards" -o "$work/part-$k" $paths; done
    "$conc" ${cmd%% *} --merge $merge "$work"/part-* >"$work/merged"
    cmp -s "$work/one" "$work/merged" || { echo "$label: the merged parts differ from one run" >&2; exit 1; }
    for _ in $(seq "$runs"); do
      measure "$label.one" "$conc" $cmd $paths
      for k in $(seq 0 $((shards - 1))); do
        measure "$label.shard$k" "$conc" $cmd --shard "$k/$shards" -o "$work/part-$k" $paths
      done
      measure "$label.merge" "$conc" ${cmd%% *} --merge $merge "$work"/part-*
    done
  }
  echo "$label" >>"$work/labels"
}

compare "hash sha256, 1 GiB tree of 2,000 files" "hash -j2" "tree" ""
compare "hash blake3, 1 GiB tree of 2,000 files" "hash -a blake3 -j2" "tree" ""
compare "wordcount, KJV x100 (440 MB)" "wordcount --format tsv -j2" "kjv100.txt" "--format tsv"

# The merge alone, N = 4 and N = 16 wordcount parts of KJV x100: linear in
# the parts' size, read as streams (one line and one block at a time).
for n in 4 16; do
  mkdir -p "$work/n$n"
  for k in $(seq 0 $((n - 1))); do
    "$conc" wordcount --format tsv -j2 --shard "$k/$n" -o "$work/n$n/part-$k" kjv100.txt
  done
  bytes=$(cat "$work/n$n"/part-* | wc -c)
  hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/merge$n.json" \
    "$conc wordcount --merge --format tsv $work/n$n/part-* >/dev/null" >/dev/null
  echo "$n $bytes" >>"$work/merges"
done

python3 - "$work" "$shards" <<'PY'
import os, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
def runs(name):
    return [tuple(map(float, l.split())) for l in open(os.path.join(work, name)).read().split("\n") if l.strip()]
def med(name, f):
    return statistics.median(f(r) for r in runs(name))
cpu = lambda r: r[1] + r[2]
wall = lambda r: r[0]
print(f"{'':42} {'one run':>10} {'4 shards':>10} {'merge':>8} {'overhead':>9} {'wall 1':>7} {'wall 4 nodes':>13}")
for label in open(os.path.join(work, "labels")).read().splitlines():
    one = med(label + ".one", cpu)
    shard = sum(med(f"{label}.shard{k}", cpu) for k in range(n))
    merge = med(label + ".merge", cpu)
    over = (shard + merge) / one - 1 if one > 0 else float("nan")
    wall_one = med(label + ".one", wall)
    wall_nodes = max(med(f"{label}.shard{k}", wall) for k in range(n)) + med(label + ".merge", wall)
    print(f"{label:42} {one:9.2f}s {shard:9.2f}s {merge:7.2f}s {over:+8.1%} {wall_one:6.2f}s {wall_nodes:12.2f}s")
print("CPU seconds (user + system), medians; overhead = (shards + merge) / one run - 1.")
print("wall 4 nodes = the slowest shard + the merge, as if each shard ran on its own node.")
import json
print()
print("wordcount --merge alone (hyperfine medians):")
for line in open(os.path.join(work, "merges")).read().splitlines():
    n, size = map(int, line.split())
    t = statistics.median(json.load(open(os.path.join(work, f"merge{n}.json")))["results"][0]["times"])
    print(f"  N = {n:2}: parts {size / 1e6:6.2f} MB in {t * 1000:6.1f} ms = {size / t / 1e6:6.1f} MB/s")
PY
