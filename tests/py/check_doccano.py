"""Checks a doccano export: no maintained reader exists, so slice the text in UTF-16 units as
doccano (JavaScript) does."""
import json

from common import check, load

export, expected = load()
got = []
for line in open(export, encoding="utf-8"):
    j = json.loads(line)
    units = j["text"].encode("utf-16-le")
    for s, e, label in j["label"]:
        got.append((j["annotator"], j["document"], label, units[2 * s:2 * e].decode("utf-16-le")))
want = sorted(
    (s["annotator"], s["document"], s["label"], piece) for s in expected["spans"] for piece in s["pieces"]
)
check(sorted(got) == want, f"doccano spans differ:\n got {sorted(got)}\nwant {want}")
print(f"doccano ok: {len(got)} spans")
