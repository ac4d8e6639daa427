#!/usr/bin/env bash
# Runs a conc subcommand on a Slurm cluster in one command: a job array of N
# shards (conc-array.sbatch, each writing OUTDIR/part-K) and a merge job that
# starts once every shard has succeeded (conc-merge.sbatch, writing RESULT:
# byte for byte what `conc SUBCOMMAND [options] PATHS...` writes on one
# machine). Prints both job ids; with --wait, returns when the merge has
# ended, with its status.
#   examples/slurm/submit.sh [--wait] (-n N | --array SPEC) [-m 'MERGE OPTIONS']
#                            OUTDIR RESULT SUBCOMMAND [options] PATHS...
#   examples/slurm/submit.sh --wait -n 8 parts/ SHA256SUMS hash -a sha256 /shared/tree
#   examples/slurm/submit.sh -n 4 -m '--format tsv' parts/ counts.tsv wordcount --format tsv /shared/corpus
#   examples/slurm/submit.sh --array 1-16%4 -m '--top 20' parts/ top20.txt wordcount --format tsv /shared/corpus
# -n N submits --array=0-(N-1); --array SPEC takes any contiguous range, with a
# throttle if you like (1-16%4: 16 shards, 4 at a time). -m gives the merge its
# options, split on white space: wordcount's shards write tsv, and the merge's
# --format/--top/--min-count/--totals shape the result. OUTDIR (created if
# missing) must hold no parts yet, be visible to every node and lie outside
# the inputs; relative paths are relative to this directory, where the jobs run.
# The conc binary is $CONC (default: conc on the PATH on the nodes); sbatch's
# own SBATCH_* variables (SBATCH_PARTITION, SBATCH_TIMELIMIT, ...) apply to
# both jobs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {  # [ERROR]: without one, the usage on stdout and status 0
  local line="usage: submit.sh [--wait] (-n N | --array SPEC) [-m 'MERGE OPTIONS'] OUTDIR RESULT SUBCOMMAND [options] PATHS..."
  if [[ -z "${1:-}" ]]; then
    echo "$line"
    exit 0
  fi
  echo "$line" >&2
  echo "submit.sh: $1" >&2
  exit 2
}

wait_merge=0 array="" merge_opts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --wait) wait_merge=1 ;;
    -n)
      [[ $# -ge 2 ]] || usage "-n takes a number"
      if [[ ! "$2" =~ ^[1-9][0-9]{0,4}$ ]] || (($2 > 10000)); then
        usage "-n takes a whole number from 1 to 10000 (conc's most shards), got '$2'"
      fi
      array="0-$(($2 - 1))"
      shift
      ;;
    --array)
      [[ $# -ge 2 ]] || usage "--array takes a range"
      [[ "$2" =~ ^[0-9]{1,9}-[0-9]{1,9}(%[1-9][0-9]{0,8})?$ ]] ||
        usage "--array takes a contiguous range FIRST-LAST with an optional %THROTTLE, got '$2'"
      first="${2%%-*}" last="${2#*-}"
      ((10#$first <= 10#${last%%\%*})) || usage "--array: FIRST is above LAST in '$2'"
      ((10#${last%%\%*} - 10#$first < 10000)) || usage "--array: at most 10000 shards (conc's limit), got '$2'"
      array="$2"
      shift
      ;;
    -m | --merge-opts)
      [[ $# -ge 2 ]] || usage "$1 takes the merge's options as one argument"
      read -r -a merge_opts <<<"$2"
      shift
      ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) usage "unknown option '$1'" ;;
    *) break ;;
  esac
  shift
done
[[ -n "$array" ]] || usage "say how many shards: -n N or --array FIRST-LAST"
[[ $# -ge 3 ]] || usage "OUTDIR, RESULT and SUBCOMMAND are required"
outdir="$1" result="$2" sub="$3"
shift 3
[[ -n "$outdir" && -n "$result" ]] || usage "OUTDIR and RESULT must not be empty"
[[ "$sub" != -* ]] || usage "SUBCOMMAND comes after OUTDIR and RESULT, got '$sub'"
case "$sub" in
  hash | wordcount) ;;
  image) usage "image needs no merge: run its shards as in examples/slurm/README.md (conc image --shard ... -o SHARED_DIR/)" ;;
  *) usage "SUBCOMMAND is hash or wordcount (the subcommands whose parts merge), got '$sub'" ;;
esac
for arg in "$@"; do
  case "$arg" in
    --shard | --shard=* | --merge | -o | -o?* | --output | --output=*)
      usage "'$arg' is set by the scripts: pass the subcommand's other options and its inputs" ;;
  esac
done

mkdir -p -- "$outdir" "$(dirname -- "$result")"
shopt -s nullglob
old=("$outdir"/part-*)
shopt -u nullglob
if [[ ${#old[@]} -gt 0 ]]; then
  echo "submit.sh: $outdir already holds parts (${old[0]} ...): the merge would take them too; remove them or choose another OUTDIR" >&2
  exit 2
fi

# The environment must not turn the merge into an array, nor make the array
# submission wait.
unset SBATCH_ARRAY_INX SBATCH_WAIT

array_id="$(sbatch --parsable --array="$array" "$here/conc-array.sbatch" "$outdir" "$sub" "$@")"
array_id="${array_id%%;*}"  # "jobid;cluster" on a multi-cluster setup
echo "array job $array_id: $sub --array=$array -> $outdir/part-*"

merge=(sbatch --parsable --dependency="afterok:$array_id" --kill-on-invalid-dep=yes)
if [[ $wait_merge -eq 0 ]]; then
  merge_id="$("${merge[@]}" "$here/conc-merge.sbatch" "$outdir" "$result" "$sub" "${merge_opts[@]}")"
  echo "merge job ${merge_id%%;*}: -> $result"
  exit 0
fi

# Whether the merge wrote RESULT: conc's status 1 means "some inputs
# failed" (RESULT written) or "parts refused" (RESULT left as it was).
identity() { stat -c '%i %Y %s' -- "$result" 2>/dev/null || echo none; }
before="$(identity)"

# sbatch --wait prints the job id at submission and returns once the job has
# ended, with its exit status; but a merge cancelled because a shard failed
# never ran, and its status is 0. So the job's final state decides, while the
# controller still knows it (MinJobAge, 300 s by default).
idfile="$(mktemp)"
trap 'rm -f "$idfile"' EXIT
status=0
"${merge[@]}" --wait "$here/conc-merge.sbatch" "$outdir" "$result" "$sub" "${merge_opts[@]}" |
  while IFS= read -r line; do
    echo "${line%%;*}" >"$idfile"
    echo "merge job ${line%%;*}: -> $result"
  done || status=$?
merge_id="$(cat "$idfile")"
state=""
if [[ -n "$merge_id" ]]; then
  state="$(scontrol show job -o "$merge_id" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)"
  state="${state#JobState=}"
fi
if [[ $status -eq 0 && ( -z "$state" || "$state" == COMPLETED ) ]]; then
  echo "done: $result"
  exit 0
fi
[[ $status -ne 0 ]] || status=1
if [[ $status -eq 1 && "$state" == FAILED && "$(identity)" != "$before" ]]; then
  # conc's status 1: some inputs failed, and one machine would say so too.
  echo "submit.sh: $result written, but some inputs failed (exit status 1): see the merge's log" \
    "(by default conc-merge-$merge_id.out here)" >&2
  exit 1
fi
echo "submit.sh: the merge did not succeed (${state:-status $status}); see the jobs' logs (by default" \
  "conc-shard-${array_id}_*.out and conc-merge-${merge_id:-JOBID}.out here)" >&2
exit "$status"
