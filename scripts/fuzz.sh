#!/usr/bin/env bash
# Coverage-guided fuzzing of everything Lector reads from outside: the project loader, every
# importer and the article readers (fuzz/fuzz_targets/). Each target runs for a bounded time,
# seeded from fuzz/seeds/ (made from the test fixtures by fuzz/make_seeds.sh); the corpus it
# grows stays in fuzz/corpus/ for the next run.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; 12 targets, plus the first build)
#
# Needs the nightly toolchain (`cargo +nightly`); without it the run says so and is skipped
# (exit 0). Installs cargo-fuzz if it is missing. A crash, timeout or out-of-memory stops the
# run with exit 1; libFuzzer prints the input, saved under fuzz/artifacts/<target>/, which
# `cargo +nightly fuzz run --fuzz-dir fuzz <target> <file>` replays. Every finding becomes a
# regression test in the normal test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: skipped: no nightly toolchain (rustup toolchain install nightly)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo +nightly install cargo-fuzz --locked
fi

# Per input: at most 10 s and 2 GB (Lector's own limits stop hostile files well before).
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
cargo +nightly fuzz build --fuzz-dir fuzz
for target in $(cargo +nightly fuzz list --fuzz-dir fuzz); do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus"
  if [ -d "fuzz/seeds/$target" ]; then
    cp -n fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  fi
  echo "fuzz: $target for ${seconds}s"
  cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$corpus" -- "${options[@]}"
done
echo "fuzz: every target ran ${seconds}s without a finding"
