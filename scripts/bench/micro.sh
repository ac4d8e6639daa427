#!/usr/bin/env bash
# Runs the lib/conc micro-benchmarks (bench/) and prints, per row, conc
# against the best anchor (moodycamel, oneTBB) measured in the same run, as a
# ratio. Medians of 3 repetitions, interleaved at random to spread the noise
# of a shared machine over all contenders.
#   scripts/bench/micro.sh [extra Google Benchmark flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/install-deps"
(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release --target conc_micro_bench >/dev/null)

json="$(mktemp)"
trap 'rm -f "$json"' EXIT
"$root/build/release/bench/conc_micro_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_enable_random_interleaving=true --benchmark_min_time=0.2 \
  --benchmark_format=json --benchmark_out="$json" --benchmark_out_format=json "$@" >/dev/null
python3 "$root/scripts/bench/micro_ratios.py" "$json"
