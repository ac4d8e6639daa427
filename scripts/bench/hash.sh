#!/usr/bin/env bash
# Compares conc hash with sha256sum, xargs -P2 sha256sum, openssl dgst,
# xxhsum, b3sum and cat on a deterministic 1 GiB tree of 2,000 files (1 KiB
# to 64 MiB) and one 1 GiB file, page-cached, in one run; prints medians,
# throughput and the ratios the hash and blake3 issues set targets for.
#   scripts/bench/hash.sh                 (about 6 minutes on 2 cores)
#   RUNS=9 scripts/bench/hash.sh          more runs per command (default 5)
#   BLAKE3_ONLY=1 scripts/bench/hash.sh   only conc -a blake3 against b3sum, xxhsum and cat
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
data="$data/hash"
runs="${RUNS:-5}"

if [[ ! -s "$data/big.bin" ]]; then python3 "$root/scripts/bench/make_hash_tree.py" "$data"; fi
tree="$data/tree"
big="$data/big.bin"
list="$data/list0"
(cd "$data" && find tree -type f -print0 | LC_ALL=C sort -z >"$list")
cd "$data"
xargs -0 cat <"$list" >/dev/null  # page-cache everything
cat "$big" >/dev/null

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# The outputs must agree before any timing means something.
blake3_only="${BLAKE3_ONLY:-0}"
if [[ "$blake3_only" != 1 ]]; then
  ref="$(xargs -0 sha256sum <"$list" | md5sum)"
  for s in seq pool steal channels; do
    got="$("$conc" hash -s "$s" -j2 tree | md5sum)"
    [[ "$got" == "$ref" ]] || { echo "conc hash -s $s disagrees with sha256sum" >&2; exit 1; }
  done
fi
ref="$(xargs -0 b3sum <"$list" | md5sum)"
for s in seq pool steal channels; do
  got="$("$conc" hash -a blake3 -s "$s" -j2 tree | md5sum)"
  [[ "$got" == "$ref" ]] || { echo "conc hash -a blake3 -s $s disagrees with b3sum" >&2; exit 1; }
done
[[ "$("$conc" hash -a blake3 "$big")" == "$(b3sum "$big")" ]] || { echo "conc hash -a blake3 disagrees with b3sum" >&2; exit 1; }

tree_bytes="$(du -sb --apparent-size tree | cut -f1)"
big_bytes="$(stat -c %s "$big")"
bench() {  # name bytes command
  hyperfine --style none --runs "$runs" --warmup 1 --export-json "$results/$1.json" -n "$1" "$3" >/dev/null
  echo "$1|$2" >>"$results/sizes"
}

if [[ "$blake3_only" != 1 ]]; then
  for algo in sha256 xxh3; do
    for s in seq pool steal channels; do
      for j in 1 2; do bench "tree $algo conc $s -j$j" "$tree_bytes" "$conc hash -a $algo -s $s -j$j tree >/dev/null"; done
    done
  done
  bench "tree sha256sum" "$tree_bytes" "xargs -0 sha256sum <$list >/dev/null"
  bench "tree xargs -P2 sha256sum" "$tree_bytes" "xargs -0 -P2 -n 100 sha256sum <$list >/dev/null"
  bench "big openssl dgst -sha256" "$big_bytes" "openssl dgst -sha256 $big >/dev/null"
  bench "big sha256 conc" "$big_bytes" "$conc hash $big >/dev/null"
  bench "big xxh3 conc" "$big_bytes" "$conc hash -a xxh3 $big >/dev/null"
  bench "big xxh3 conc --io mmap" "$big_bytes" "$conc hash -a xxh3 --io mmap $big >/dev/null"
  bench "big xxh3 conc channels" "$big_bytes" "$conc hash -a xxh3 -s channels $big >/dev/null"
fi
for j in 1 2; do
  bench "tree blake3 conc -j$j" "$tree_bytes" "$conc hash -a blake3 -j$j tree >/dev/null"
  bench "big blake3 conc -j$j" "$big_bytes" "$conc hash -a blake3 -j$j $big >/dev/null"
done
bench "big blake3 conc --io mmap -j2" "$big_bytes" "$conc hash -a blake3 --io mmap -j2 $big >/dev/null"
bench "big blake3 conc seq" "$big_bytes" "$conc hash -a blake3 -s seq $big >/dev/null"
bench "tree xxhsum -H3" "$tree_bytes" "xargs -0 xxhsum -H3 <$list >/dev/null"
bench "tree b3sum" "$tree_bytes" "xargs -0 b3sum <$list >/dev/null"
bench "tree cat" "$tree_bytes" "xargs -0 cat <$list >/dev/null"
bench "big xxhsum -H3" "$big_bytes" "xxhsum -H3 $big >/dev/null"
bench "big b3sum --num-threads 1" "$big_bytes" "b3sum --num-threads 1 $big >/dev/null"
bench "big b3sum" "$big_bytes" "b3sum $big >/dev/null"
bench "big cat" "$big_bytes" "cat $big >/dev/null"
# What each command costs before it reads a byte: a whole-command ratio on
# a 0.1 s job carries it.
: >"$results/empty"
bench "startup conc" 0 "$conc hash -a blake3 $results/empty >/dev/null"
bench "startup b3sum" 0 "b3sum $results/empty >/dev/null"

if [[ "$blake3_only" != 1 ]]; then
  echo "peak RSS, default strategy, -j2, sha256 over the tree:"
  /usr/bin/time -f "  %M KiB" "$conc" hash -j2 tree >/dev/null
fi

python3 - "$results" "$blake3_only" <<'PY'
import json, os, sys
d, blake3_only = sys.argv[1], sys.argv[2] == "1"
rows = []
for line in open(os.path.join(d, "sizes")).read().splitlines():
    name, size = line.rsplit("|", 1)
    r = json.load(open(os.path.join(d, name + ".json")))["results"][0]
    rows.append((name, r["median"], int(size) / r["median"] / 1e6 if int(size) else float("nan")))
med = {n: m for n, m, _ in rows}
mbs = {n: v for n, _, v in rows}
print(f"\n{'command':<34} {'median s':>9} {'MB/s':>8}")
for n, m, v in rows:
    print(f"{n:<34} {m:>9.3f} {v:>8.0f}")
print()
b3j1, b3j2 = med["big blake3 conc -j1"], med["big blake3 conc -j2"]
start = med["startup conc"] - med["startup b3sum"]
print(f"blake3 big file -j2: {med['big b3sum'] / b3j2:.2f}x b3sum on two threads (target >= 1), "
      f"{(med['big b3sum'] - med['startup b3sum']) / (b3j2 - med['startup conc']):.2f}x without each one's startup")
print(f"blake3 big file -j1: {b3j1 / med['big b3sum --num-threads 1']:.3f}x the time of b3sum --num-threads 1 (target <= 1.05)")
print(f"blake3 big file speed-up -j1 -> -j2: {b3j1 / b3j2:.2f}x (target >= 1.7; b3sum's {med['big b3sum --num-threads 1'] / med['big b3sum']:.2f}x)")
print(f"blake3 tree -j2: {med['tree b3sum'] / med['tree blake3 conc -j2']:.2f}x xargs b3sum (target >= 1.5)")
print(f"startup: conc {med['startup conc'] * 1e3:.1f} ms, b3sum {med['startup b3sum'] * 1e3:.1f} ms")
if blake3_only:
    sys.exit(0)
def best(prefix):
    return min((n for n in med if n.startswith(prefix)), key=med.get)
b256, bx3 = best("tree sha256 conc"), best("tree xxh3 conc")
d256, dx3 = "tree sha256 conc steal -j2", "tree xxh3 conc steal -j2"
print()
for label, n in (("default (steal -j2)", d256), (f"fastest ({b256})", b256)):
    print(f"sha256 tree, {label}: {mbs[n] / mbs['big openssl dgst -sha256']:.2f}x one core of openssl (target >= 1.8), "
          f"{med['tree xargs -P2 sha256sum'] / med[n]:.2f}x xargs -P2 sha256sum (target >= 4), "
          f"{med['tree sha256sum'] / med[n]:.2f}x sha256sum")
for label, n in (("default (steal -j2)", dx3), (f"fastest ({bx3})", bx3)):
    print(f"xxh3 tree, {label}: {med['tree xxhsum -H3'] / med[n]:.2f}x xxhsum -H3 (target >= 1.5), "
          f"{med['tree b3sum'] / med[n]:.2f}x b3sum, {med[n] / med['tree cat']:.2f}x cat's time")
print(f"xxh3 big file, default: {med['big xxh3 conc'] / med['big cat']:.2f}x cat's time (target <= 1.3)")
for s in ("seq", "pool", "steal", "channels"):
    print(f"sha256 tree {s}: speed-up -j1 -> -j2 {med[f'tree sha256 conc {s} -j1'] / med[f'tree sha256 conc {s} -j2']:.2f}x")
PY
