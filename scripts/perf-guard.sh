#!/usr/bin/env bash
# Instruction-count guard: runs examples/perf_guard.rs (open, i.e. load, 100k annotations,
# tag one span, undo, save, then tag and save again) under valgrind's callgrind and compares each step's instructions
# with scripts/perf-guard.thresholds. Instruction counts do not depend on the machine's load,
# so the guard fails only on real regressions: more than 10% above the recorded count.
#
# Opening and saving work on several threads, so their counts are every thread's: the
# program's total when it ends right after the step, less its total when it ends right before
# (LECTOR_GUARD_UPTO). Tagging and undoing run on the window's thread alone: their counts are
# their functions' inclusive costs.
#
#   scripts/perf-guard.sh            check against the thresholds
#   scripts/perf-guard.sh --record   record the current counts as the thresholds
#
# Uses the debug build of the example that `cargo test` builds anyway (dependencies
# optimised, Lector not), so it adds no build to CI. LECTOR_GUARD_N sets the number of
# annotations (100000 by default; the thresholds are for that number).
set -euo pipefail
cd "$(dirname "$0")/.."
thresholds=scripts/perf-guard.thresholds
n="${LECTOR_GUARD_N:-100000}"
if ! command -v valgrind >/dev/null; then
  echo "perf-guard: SKIPPED, valgrind is not installed" >&2
  exit 0
fi
cargo build --quiet --example perf_guard
bin=target/debug/examples/perf_guard
dir=target/perf-guard
out=target/perf-guard.callgrind
"$bin" setup "$dir" "$n"
# Every thread's instructions of a run that ends right after step $1.
total() {
  LECTOR_GUARD_UPTO="$1" valgrind --tool=callgrind --callgrind-out-file="$out.$1" "$bin" run "$dir" 2>/dev/null
  callgrind_annotate --threshold=100 "$out.$1" 2>/dev/null |
    awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }'
}
none=$(total none)
opened=$(total open)
undone=$(total undo)
saved=$(total save)
resaved=$(total resave)
inclusive=$(callgrind_annotate --inclusive=yes --threshold=100 "$out.save" 2>/dev/null |
  awk '/perf_guard::guard_(tag|undo) / {
         gsub(",", "", $1); match($0, /guard_[a-z]+/); name = substr($0, RSTART + 6, RLENGTH - 6);
         if (!(name in seen)) { seen[name] = 1; print name, $1 }
       }')
counts=""
if [ -n "$none" ] && [ -n "$opened" ] && [ -n "$undone" ] && [ -n "$saved" ] && [ -n "$resaved" ] && [ -n "$inclusive" ]; then
  counts=$({
    echo "open $((opened - none))"
    echo "save $((saved - undone))"
    echo "resave $((resaved - saved))"
    echo "$inclusive"
  } | sort)
fi
if [ -z "$counts" ]; then
  echo "perf-guard: no counts found in $out" >&2
  exit 1
fi
if [ "${1:-}" = "--record" ]; then
  {
    echo "# step instructions (callgrind Ir: open and save of every thread, tag and undo inclusive; debug build of examples/perf_guard.rs, $n annotations)"
    echo "$counts"
  } > "$thresholds"
  echo "perf-guard: recorded"
  cat "$thresholds"
  exit 0
fi
status=0
while read -r step count; do
  limit=$(awk -v s="$step" '$1 == s { print $2 }' "$thresholds")
  if [ -z "$limit" ]; then
    echo "perf-guard: $step: $count instructions, no threshold recorded"
    continue
  fi
  pct=$(awk -v c="$count" -v l="$limit" 'BEGIN { printf "%+.1f", (c - l) * 100 / l }')
  if awk -v c="$count" -v l="$limit" 'BEGIN { exit !(c > l * 1.10) }'; then
    echo "perf-guard: FAIL $step: $count instructions, $pct% over $limit"
    status=1
  else
    echo "perf-guard: ok   $step: $count instructions ($pct% against $limit)"
  fi
done <<< "$counts"
exit $status
