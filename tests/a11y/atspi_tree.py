#!/usr/bin/env python3
"""Reads the accessibility tree of a running app over AT-SPI, as a screen reader does.

Called by tests/a11y.rs inside the test's own D-Bus session and X display. It turns
accessibility on (the org.a11y.Status IsEnabled property of the session's org.a11y.Bus,
which is what a desktop sets when Orca starts and what AccessKit's Unix adapter waits for),
then waits until an application whose window is named ``--window`` is on the AT-SPI bus
and its tree has stopped changing, and prints that tree as JSON: one object per node, in
document order, with its depth, role, name, description, text (for nodes with a Text
interface) and states.

Needs Debian's python3-gi and gir1.2-atspi-2.0. Exits 3 when they are missing, 4 when no
such window appeared within ``--timeout`` seconds.
"""

import argparse
import json
import sys
import time

try:
    import gi

    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi, Gio, GLib
except (ImportError, ValueError) as err:
    print(f"python3-gi with Atspi 2.0 is missing: {err}", file=sys.stderr)
    sys.exit(3)


def enable_accessibility():
    """Sets org.a11y.Status IsEnabled (and ScreenReaderEnabled) on the session bus."""
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    for prop in ("IsEnabled", "ScreenReaderEnabled"):
        bus.call_sync(
            "org.a11y.Bus",
            "/org/a11y/bus",
            "org.freedesktop.DBus.Properties",
            "Set",
            GLib.Variant("(ssv)", ("org.a11y.Status", prop, GLib.Variant("b", True))),
            None,
            Gio.DBusCallFlags.NONE,
            5000,
            None,
        )


def text_of(node):
    """The node's text through its Text interface, if it has one."""
    try:
        if "Text" not in node.get_interfaces():
            return None
        count = Atspi.Text.get_character_count(node)
        return Atspi.Text.get_text(node, 0, count)
    except GLib.Error:
        return None


def dump(node, depth, out):
    """Appends the node and its descendants to `out`."""
    if depth > 60 or len(out) > 20000:
        return
    try:
        states = node.get_state_set().get_states()
        entry = {
            "depth": depth,
            "role": node.get_role_name(),
            "name": node.get_name() or "",
            "description": node.get_description() or "",
            "states": sorted(s.value_nick for s in states),
        }
        text = text_of(node)
        if text is not None:
            entry["text"] = text
        out.append(entry)
        count = node.get_child_count()
    except GLib.Error:
        return
    for i in range(count):
        try:
            child = node.get_child_at_index(i)
        except GLib.Error:
            continue
        if child is not None:
            dump(child, depth + 1, out)


def find_app(window):
    """The application on the bus with a top-level child named `window`."""
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is None:
            continue
        try:
            app.clear_cache()
            for j in range(app.get_child_count()):
                child = app.get_child_at_index(j)
                if child is not None and child.get_name() == window:
                    return app
        except GLib.Error:
            continue
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", required=True, help="the window's title")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--min-nodes", type=int, default=10)
    args = parser.parse_args()

    enable_accessibility()
    deadline = time.monotonic() + args.timeout
    last = None
    while time.monotonic() < deadline:
        app = find_app(args.window)
        if app is not None:
            app.clear_cache()
            nodes = []
            dump(app, 0, nodes)
            # Settled: the same tree twice in a row, and more than a bare window.
            if nodes == last and len(nodes) >= args.min_nodes:
                json.dump(nodes, sys.stdout, ensure_ascii=False)
                return 0
            last = nodes
        time.sleep(0.5)
    if last is not None:
        json.dump(last, sys.stdout, ensure_ascii=False)
        print(f"the tree of '{args.window}' did not settle in {args.timeout} s", file=sys.stderr)
        return 0
    print(f"no window '{args.window}' on the AT-SPI bus in {args.timeout} s", file=sys.stderr)
    return 4


if __name__ == "__main__":
    sys.exit(main())
