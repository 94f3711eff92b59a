#!/usr/bin/env bash
# Opens Lector on the sample project. Installs the few shared libraries the window needs
# (X11 or Wayland, OpenGL, keyboard maps, fontconfig; all loaded at run time) when they are
# missing. On a Wayland desktop (WAYLAND_DISPLAY set) the window is a native Wayland one.
set -euo pipefail
cd "$(dirname "$0")/.."

needed=(libgl1 libegl1 libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libfontconfig1
  libwayland-client0 libwayland-egl1 libwayland-cursor0 libxkbcommon0)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing libraries for the window: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (neither DISPLAY nor WAYLAND_DISPLAY is set). On a headless machine run for example:" >&2
  echo "  apt-get install -y xvfb && Xvfb :99 & DISPLAY=:99 $0" >&2
  exit 1
fi
exec cargo run --release -- "${1:-projects/sotji-talks}"
