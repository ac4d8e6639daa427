#!/usr/bin/env bash
# Compares conc image with ImageMagick and libvips on a deterministic
# 8000x6000 RGB JPEG (blur, grayscale, resize, sobel) and a batch of 200
# JPEGs of 1600x1200 (resize to half), page-cached, all at -j2, in one run;
# prints medians, ratios, conc's decode/filter/encode split and peak RSS.
#   scripts/bench/image.sh            (about 15 minutes on 2 cores)
#   RUNS=5 scripts/bench/image.sh     more runs per command (default 3)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
data="$data/image"
runs="${RUNS:-3}"
mkdir -p "$data"

# Debian's ImageMagick policy caps images at 256 MiB and 16K pixels a side:
# lift it for the 48 MP image, in a policy of our own.
policy="$data/magick-policy"
mkdir -p "$policy"
cat >"$policy/policy.xml" <<'XML'
<policymap>
  <policy domain="resource" name="memory" value="8GiB"/>
  <policy domain="resource" name="map" value="8GiB"/>
  <policy domain="resource" name="area" value="1GP"/>
  <policy domain="resource" name="disk" value="16GiB"/>
  <policy domain="resource" name="width" value="64KP"/>
  <policy domain="resource" name="height" value="64KP"/>
</policymap>
XML
export MAGICK_CONFIGURE_PATH="$policy" MAGICK_THREAD_LIMIT=2 VIPS_CONCURRENCY=2

big="$data/big.jpg"
if [[ ! -s "$big" ]]; then
  # A fractal plasma (seeded: the same pixels every time), softened so it
  # compresses like a photograph rather than like noise.
  convert -seed 7 -size 8000x6000 plasma:fractal -blur 0x1.5 -quality 92 "$big"
  convert "$big" "$data/big.png"
fi
batch="$data/batch"
if [[ ! -s "$batch/199.jpg" ]]; then
  mkdir -p "$batch"
  for i in $(seq 0 199); do
    x=$(( (i % 5) * 1600 )); y=$(( (i / 5 % 5) * 1200 ))
    vips crop "$big" "$batch/$i.jpg[Q=90]" "$x" "$y" 1600 1200
  done
fi
cat "$big" "$batch"/*.jpg >/dev/null  # page-cache them

results="$(mktemp -d)"
out="$(mktemp -d)"
trap 'rm -rf "$results" "$out"' EXIT

# Every strategy must write the same bytes before any timing means something.
ref=""
for s in channels seq images pool steal; do
  "$conc" image -q -s "$s" -j2 -f blur:3 -f resize:25% -o "$out/agree.jpg" "$big" >/dev/null
  got="$(md5sum <"$out/agree.jpg")"
  [[ -z "$ref" || "$got" == "$ref" ]] || { echo "conc image -s $s disagrees with channels" >&2; exit 1; }
  ref="$got"
done

bench() {  # name command
  hyperfine --style none --runs "$runs" --warmup 1 --export-json "$results/$1.json" -n "$1" "$2" >/dev/null
  echo "$1" >>"$results/names"
}
split() {  # name conc-args...: decode/filter/encode split and peak RSS of the run with the median wall time of $runs
  local name="$1"
  shift
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%M" -o "$results/$name.$i.rss" "$conc" image -q --stats-json "$results/$name.$i.stats" "$@" \
      >/dev/null
  done
  local median
  median=$(python3 -c 'import json, sys
runs = sorted((json.load(open(f"{sys.argv[1]}.{i}.stats"))["wall_seconds"], i) for i in range(1, int(sys.argv[2]) + 1))
print(runs[len(runs) // 2][1])' "$results/$name" "$runs")
  cp "$results/$name.$median.stats" "$results/$name.stats"
  cp "$results/$name.$median.rss" "$results/$name.rss"
  rm -f "$results/$name".[0-9]*.stats "$results/$name".[0-9]*.rss
}

declare -A conc_filter=([blur]="blur:3" [grayscale]="grayscale" [resize]="resize:50%" [sobel]="sobel")
declare -A magick_op=([blur]="-blur 0x3" [grayscale]="-colorspace Gray" [resize]="-resize 50%")
declare -A vips_op=([blur]="gaussblur $big $out/v.jpg[Q=90] 3" [grayscale]="colourspace $big $out/v.jpg[Q=90] b-w"
  [resize]="resize $big $out/v.jpg[Q=90] 0.5" [sobel]="sobel $big $out/v.jpg[Q=90]")
for op in blur grayscale resize sobel; do
  for s in channels steal; do
    bench "$op conc $s" "$conc image -q -s $s -j2 -f ${conc_filter[$op]} --quality 90 -o $out/c.jpg $big"
    split "$op conc $s" -s "$s" -j2 -f "${conc_filter[$op]}" --quality 90 -o "$out/c.jpg" "$big"
  done
  # The filter stage's own speed-up: pool runs one image at a time with
  # decode and encode on one thread, so its wall time less those two is
  # the filter stage's wall time.
  for j in 1 2; do split "$op conc pool -j$j" -s pool -j$j -f "${conc_filter[$op]}" --quality 90 -o "$out/c.jpg" "$big"; done
  bench "$op conc channels -j1" "$conc image -q -s channels -j1 -f ${conc_filter[$op]} --quality 90 -o $out/c.jpg $big"
  split "$op conc channels -j1" -s channels -j1 -f "${conc_filter[$op]}" --quality 90 -o "$out/c.jpg" "$big"
  [[ -n "${magick_op[$op]:-}" ]] && bench "$op convert" "convert $big ${magick_op[$op]} -quality 90 $out/m.jpg"
  bench "$op vips" "vips ${vips_op[$op]}"
done
# For the record only, once: ImageMagick's exact Gaussian takes most of a minute.
hyperfine --style none --runs 1 --export-json "$results/blur convert -gaussian-blur.json" \
  -n "blur convert -gaussian-blur" "convert $big -gaussian-blur 0x3 -quality 90 $out/m.jpg" >/dev/null
echo "blur convert -gaussian-blur" >>"$results/names"
bench "decode+encode convert" "convert $big -quality 90 $out/m.jpg"

bench "batch conc channels" "rm -rf $out/b && $conc image -q -s channels -j2 -f resize:50% --quality 90 -o $out/b $batch"
bench "batch conc steal" "rm -rf $out/b && $conc image -q -s steal -j2 -f resize:50% --quality 90 -o $out/b $batch"
bench "batch mogrify" "rm -rf $out/b && mkdir $out/b && mogrify -path $out/b -resize 50% -quality 90 $batch/*.jpg"
bench "batch vipsthumbnail" "rm -rf $out/b && mkdir $out/b && vipsthumbnail --size 800x600 -o $out/b/%s.jpg[Q=90] $batch/*.jpg"
split "batch conc steal" -s steal -j2 -f resize:50% --quality 90 -o "$out/b2" "$batch"
split "batch conc channels" -s channels -j2 -f resize:50% --quality 90 -o "$out/b3" "$batch"

python3 - "$results" <<'PY'
import json, os, sys
d = sys.argv[1]
names = open(os.path.join(d, "names")).read().splitlines()
med = {n: json.load(open(os.path.join(d, n + ".json")))["results"][0]["median"] for n in names}
print(f"\n{'command':<36} {'median s':>9}")
for n in names:
    print(f"{n:<36} {med[n]:>9.3f}")
print()
for op in ("blur", "grayscale", "resize", "sobel"):
    best = min((n for n in med if n.startswith(f"{op} conc") and not n.endswith("-j1")), key=med.get)
    line = f"{op}: fastest {best} {med[best]:.3f} s"
    if f"{op} convert" in med:
        line += f", {med[op + ' convert'] / med[best]:.2f}x convert (target >= 3)"
    line += f", {med[op + ' vips'] / med[best]:.2f}x vips (target >= 1)"
    print(line)
best = min(("batch conc channels", "batch conc steal"), key=med.get)
print(f"batch: {best} {med[best]:.3f} s, {med['batch mogrify'] / med[best]:.2f}x mogrify (target >= 3), "
      f"{med['batch vipsthumbnail'] / med[best]:.2f}x vipsthumbnail (target >= 1.5)")
def filter_wall(name):
    d = json.load(open(os.path.join(d_, name + ".stats")))
    st = {x["name"]: x["busy_seconds"] for x in d["stages"]}
    return d["wall_seconds"] - st["decode"] - st["encode"]
d_ = d
for op in ("blur", "grayscale", "resize", "sobel"):
    one, two = filter_wall(f"{op} conc pool -j1"), filter_wall(f"{op} conc pool -j2")
    print(f"{op}: filter stage -j1 {one:.3f} s, -j2 {two:.3f} s: {one / two:.2f}x (target >= 1.8)")
print(f"\n{'conc run':<28} {'decode s':>8} {'filter s':>8} {'encode s':>8} {'filter -j1/-j2':>14} {'peak RSS MB':>11}")
for n in sorted(f[:-6] for f in os.listdir(d) if f.endswith(".stats")):
    st = {s["name"].split(" ")[0]: s["busy_seconds"] for s in json.load(open(os.path.join(d, n + ".stats")))["stages"]}
    rss = int(open(os.path.join(d, n + ".rss")).read().split()[-1]) / 1024
    ratio = ""
    op = n.split(" ")[0]
    one, two = os.path.join(d, f"{op} conc channels -j1.stats"), os.path.join(d, f"{op} conc channels.stats")
    if n == f"{op} conc channels" and os.path.exists(one):
        f1 = json.load(open(one))["wall_seconds"]
        ratio = f"{f1 / json.load(open(two))['wall_seconds']:.2f}x wall"
    print(f"{n:<28} {st.get('decode', 0):>8.3f} {st.get('filter', 0):>8.3f} {st.get('encode', 0):>8.3f} {ratio:>14} {rss:>11.0f}")
PY
