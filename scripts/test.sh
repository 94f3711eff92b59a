#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, the domain built without the GUI, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
# The domain (model, store, cli) must build without egui/eframe.
cargo check --no-default-features --lib
cargo test
