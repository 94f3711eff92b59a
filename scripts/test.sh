#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, the domain built without the GUI, all tests.
# Tests that check exports and agreement figures against the formats' and statistics' own
# reference implementations use Python packages pinned in tests/py/requirements*.txt; they are
# installed into target/pyenv (once) and found by the tests through LECTOR_PYTHON.
#
# The real tools (tests/real_tools.rs) are installed here too, once: Label Studio and doccano
# from PyPI, each into its own environment target/realtools/NAME (pinned in
# tests/py/tools/NAME.txt), and headless Chromium with pdftotext (Debian's chromium and
# poppler-utils) through apt-get when it runs as root or with password-less sudo. What
# cannot be installed is said here, and its test is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/realtools

# Debian packages: python3-venv for the environments, chromium and pdftotext for the report;
# Xvfb for the tests that run the app in a real window (tests/app_idle.rs, tests/a11y.rs,
# tests/signals.rs, which types into it with xdotool);
# for tests/a11y.rs (the real app's accessibility tree over AT-SPI, as Orca reads it) D-Bus,
# the AT-SPI bus and Debian's python3 with gi and Atspi; for tests/wayland.rs a headless
# Wayland compositor (weston) and Mesa's software OpenGL.
need=()
python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || need+=(chromium)
command -v pdftotext >/dev/null || need+=(poppler-utils)
a11y_python=/usr/bin/python3
atspi_ok() { "$a11y_python" -c "import gi; gi.require_version('Atspi', '2.0'); from gi.repository import Atspi" 2>/dev/null; }
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v dbus-daemon >/dev/null || need+=(dbus)
[ -f /usr/share/dbus-1/services/org.a11y.Bus.service ] || need+=(at-spi2-core)
atspi_ok || need+=(python3-gi gir1.2-atspi-2.0)
command -v weston >/dev/null || need+=(weston)
[ -n "$(ls /usr/lib/*/dri/swrast_dri.so 2>/dev/null)" ] || need+=(libgl1-mesa-dri libegl1 libgl1)
if [ ${#need[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi
  if command -v apt-get >/dev/null && "${sudo[@]}" true 2>/dev/null; then
    echo "test.sh: installing ${need[*]} with apt-get (once; log in target/apt.log)"
    if ! { "${sudo[@]}" apt-get update -q && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "${need[@]}"; } >target/apt.log 2>&1; then
      echo "test.sh: apt-get could not install ${need[*]} (see target/apt.log); tests that need them are skipped"
    fi
  else
    echo "test.sh: ${need[*]} missing and apt-get cannot run here (not root, no password-less sudo); tests that need them are skipped"
  fi
fi

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

# Label Studio and doccano, each in an environment of its own (their pins conflict with the
# reference readers' and with each other's). A first install takes some minutes.
for req in tests/py/tools/*.txt; do
  name=$(basename "$req" .txt)
  venv=target/realtools/$name
  stamp="$venv/.installed-$(sha256sum "$req" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "test.sh: installing $name into $venv (once; log in $venv.log)"
    rm -f "$venv"/.installed-*
    if python3 -m venv "$venv" >"$venv.log" 2>&1 \
      && "$venv/bin/python" -m pip install --disable-pip-version-check -r "$req" >>"$venv.log" 2>&1; then
      touch "$stamp"
    else
      echo "test.sh: $name could not be installed (see $venv.log); tests/real_tools.rs skips it"
    fi
  fi
done
export LECTOR_REAL_TOOLS="$PWD/target/realtools"
# What tests/real_tools.rs will find (its skips are otherwise only seen with --nocapture).
have=()
for req in tests/py/tools/*.txt; do
  name=$(basename "$req" .txt)
  if compgen -G "target/realtools/$name/.installed-*" >/dev/null; then have+=("$name"); else have+=("$name: missing, skipped"); fi
done
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  if command -v pdftotext >/dev/null; then have+=(chromium); else have+=("chromium: no pdftotext, skipped"); fi
else
  have+=("chromium: missing, skipped")
fi
if command -v Xvfb >/dev/null && command -v dbus-daemon >/dev/null \
  && [ -f /usr/share/dbus-1/services/org.a11y.Bus.service ] && atspi_ok; then
  have+=(at-spi)
  # Installed: tests/a11y.rs fails rather than skips if it finds them missing.
  export LECTOR_A11Y_REQUIRED=1 LECTOR_A11Y_PYTHON="$a11y_python"
else
  have+=("at-spi: missing, skipped")
fi
if command -v weston >/dev/null; then
  have+=(weston)
  export LECTOR_WAYLAND_REQUIRED=1
else
  have+=("weston: missing, skipped")
fi
echo "test.sh: real tools: $(IFS=,; echo "${have[*]}" | sed 's/,/, /g')"

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
# The domain (model, store, cli) must build without egui/eframe.
cargo check --no-default-features --lib
cargo test
