#!/usr/bin/env bash
# Cold start of `lector PROJECT` until the first document is painted, in a real window:
# Xvfb with software GL (Mesa llvmpipe), the release binary, LECTOR_TRACE=1. Each run
# starts the app afresh (files in the page cache), waits for the trace's `first_document`
# line, and stops the app. Prints, per project, the median and every run of:
#   e2e: from just before the process was started (this script's clock) to the first
#        document painted (the app's `unix_ms`), so exec, loading and the window count;
#   painted: the app's `painted_ms` (since `ui::run` started);
#   drawn: the app's `drawn_ms` (the UI pass that drew the document ended).
# Projects (generated once by examples/gen_project.rs, under target/cold-start/):
#   book:  one document of 1,000,000 characters with 10,000 annotations;
#   team:  200 documents x 10 annotators x 150 annotations (300k annotations, ~105 MB);
#   and with PROJECTS="article tome" (or any of the four):
#   article: one document of 5 MB with 100,000 annotations;
#   tome:  one document of 50 MB with 1,000,000 annotations (350 MB of RON).
# Usage: scripts/cold-start.sh [RUNS] (default 7); XVFB_DISPLAY=:N to use a running server,
# LECTOR_BIN=PATH to time another build of lector (one with LECTOR_TRACE) instead,
# PROJECTS="book team" (the default) to choose the projects.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}

cargo build --release --bin lector --example gen_project
bin=${LECTOR_BIN:-./target/release/lector}
mkdir -p target/cold-start
[ -f target/cold-start/book/project.ron ] ||
  ./target/release/examples/gen_project target/cold-start/book 1 1 10000 1000000 >/dev/null
[ -f target/cold-start/team/project.ron ] ||
  ./target/release/examples/gen_project target/cold-start/team 200 10 150 >/dev/null
projects=${PROJECTS:-book team}
if [[ " $projects " == *" article "* ]] && [ ! -f target/cold-start/article/project.ron ]; then
  ./target/release/examples/gen_project target/cold-start/article 1 1 100000 5000000 >/dev/null
fi
if [[ " $projects " == *" tome "* ]] && [ ! -f target/cold-start/tome/project.ron ]; then
  ./target/release/examples/gen_project target/cold-start/tome 1 1 1000000 50000000 >/dev/null
fi

started=()
cleanup() { for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

if [ -n "${XVFB_DISPLAY:-}" ]; then
  display=$XVFB_DISPLAY
else
  command -v Xvfb >/dev/null || { echo "cold-start.sh: needs Xvfb (apt-get install xvfb)" >&2; exit 1; }
  fifo=$(mktemp -u) && mkfifo "$fifo"
  Xvfb -displayfd 3 -screen 0 1360x860x24 -nolisten tcp 3>"$fifo" 2>/dev/null &
  started+=($!)
  read -r number <"$fifo"
  rm -f "$fifo"
  display=":$number"
fi

# A home of its own, whose preferences name the annotator of the generated files.
home=$(mktemp -d)
started_home=$home
mkdir -p "$home/data/lector"
printf '{"app": "(annotator: \\"annotator00\\")"}' >"$home/data/lector/app.ron"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for project in $projects; do
  dir=target/cold-start/$project
  e2e=() painted=() drawn=()
  for _ in $(seq "$runs"); do
    log=$(mktemp)
    t0=$(date +%s%3N)
    DISPLAY=$display HOME=$home XDG_DATA_HOME=$home/data LECTOR_TRACE=1 \
      LECTOR_NO_NATIVE_DIALOGS=1 "$bin" "$dir" 2>"$log" &
    pid=$!
    started+=($pid)
    for _ in $(seq 300); do
      grep -q "first_document" "$log" && break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    line=$(grep -m1 "first_document" "$log" || true)
    rm -f "$log"
    [ -n "$line" ] || { echo "$project: no first_document line within 15 s" >&2; continue; }
    field() { sed -E "s/.* $1=([0-9]+).*/\1/" <<<"$line"; }
    e2e+=($(($(field unix_ms) - t0)))
    painted+=("$(field painted_ms)")
    drawn+=("$(field drawn_ms)")
  done
  echo "$project ($dir): median e2e $(printf '%s\n' "${e2e[@]}" | median) ms," \
    "painted $(printf '%s\n' "${painted[@]}" | median) ms," \
    "drawn $(printf '%s\n' "${drawn[@]}" | median) ms;" \
    "runs e2e: ${e2e[*]}"
done
rm -rf "$started_home"
