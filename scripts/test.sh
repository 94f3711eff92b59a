#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, the domain built without the GUI, all tests.
# Tests that check exports and agreement figures against the formats' and statistics' own
# reference implementations use Python packages pinned in tests/py/requirements*.txt; they are
# installed into target/pyenv (once) and found by the tests through LECTOR_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."

if compgen -G "tests/py/requirements*.txt" >/dev/null; then
  venv=target/pyenv
  stamp="$venv/.installed-$(cat tests/py/requirements*.txt | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    for req in tests/py/requirements*.txt; do
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    done
    touch "$stamp"
  fi
  export LECTOR_PYTHON="$PWD/$venv/bin/python"
fi

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
# The domain (model, store, cli) must build without egui/eframe.
cargo check --no-default-features --lib
cargo test
