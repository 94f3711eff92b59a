"""Shared by the format checks: load what tests/formats.rs says the export must contain."""
import json
import sys


def load():
    """Returns (export path, expected) from the command line."""
    export, expected = sys.argv[1], sys.argv[2]
    with open(expected, encoding="utf-8") as f:
        return export, json.load(f)


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
