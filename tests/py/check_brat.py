"""Reads a brat export with brat's own parser (bratsubset, shipped in bratiaa 0.1.4)."""
import os

from bratsubset.annotation import TextAnnotations

from common import check, load

export, expected = load()
seen = set()
for span in expected["spans"]:
    base = os.path.join(export, span["annotator"], span["document"])
    seen.add(base)
got = []
for base in sorted(seen):
    with TextAnnotations(base) as ann:
        check(ann.failed_lines == [], f"{base}.ann: brat rejected lines {ann.failed_lines}")
        annotator, document = base.split(os.sep)[-2:]
        text = expected["docs"][document]
        for t in ann.get_textbounds():
            pieces = [text[s:e] for s, e in t.spans]
            check(t.text == " ".join(pieces), f"{base} {t.id}: text {t.text!r} != {pieces!r}")
            got.append((annotator, document, t.type, tuple(pieces)))
        attrs = {(a.type, a.value) for a in ann.get_attributes()}
        notes = [c.tail.strip() for c in ann.get_oneline_comments()]
        for want in expected.get("brat_attributes", []):
            if want["document"] == document and want["annotator"] == annotator:
                check((want["name"], want["value"]) in attrs, f"{base}: attribute {want} missing in {attrs}")
        for want in expected.get("notes", []):
            if want["document"] == document and want["annotator"] == annotator:
                check(want["note"] in notes, f"{base}: note {want['note']!r} missing in {notes}")
want = sorted(
    (s["annotator"], s["document"], s["label"], tuple(s["brat_pieces"])) for s in expected["spans"]
)
check(sorted(got) == want, f"brat spans differ:\n got {sorted(got)}\nwant {want}")
print(f"brat ok: {len(got)} spans")
