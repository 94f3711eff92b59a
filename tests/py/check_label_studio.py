"""Reads a Label Studio export with Label Studio's own converter (label-studio-converter 0.0.59,
the code label-studio-sdk ships as label_studio_sdk.converter) and the labelling config the
export carries: JSON-MIN for every region and per-region value, CoNLL 2003 for the entities."""
import json
import os
import tempfile

from label_studio_converter import Converter
from nltk.tokenize import TreebankWordTokenizer

from common import check, load

export, expected = load()
tasks = os.path.join(export, "tasks.json")
config = os.path.join(export, "labeling-config.xml")
converter = Converter(config=config, project_dir=None, download_resources=False)
by_doc = {}
for a in expected["annotations"]:
    by_doc.setdefault((a["annotator"], a["document"]), []).append(a)
# Whose each annotation entry is: Label Studio has no place for an annotator who is not one of
# its users (completed_by is left out unless --ls-user maps them), so the export names the
# Lector annotator in every region's meta.
whose = {}
for task in json.load(open(tasks, encoding="utf-8")):
    for entry in task["annotations"]:
        names = {r["meta"]["lector_annotator"] for r in entry["result"] if "meta" in r}
        check(len(names) == 1, f"{task['data']['document']}: annotation {entry['id']} names {names}")
        whose[(task["data"]["document"], entry["id"])] = names.pop()

with tempfile.TemporaryDirectory() as out:
    # JSON-MIN: one record per task and annotator, regions with start, end, text and labels.
    converter.convert_to_json_min(tasks, out, is_dir=False)
    records = json.load(open(os.path.join(out, "result.json"), encoding="utf-8"))
    check(len(records) == len(by_doc), f"{len(records)} task annotations, expected {len(by_doc)}")
    got, want = [], []
    for record in records:
        document = record["document"]
        annotator = whose[(document, record["annotation_id"])]
        text = expected["docs"][document]
        check(record["text"] == text, f"{document}: data.text differs")
        regions = record.get("label", [])
        if isinstance(regions, dict):
            regions = [regions]
        for r in regions:
            # Code points, half-open: Python str indices.
            check(text[r["start"]:r["end"]] == r["text"], f"{document} {r}: text[{r['start']}:{r['end']}] = {text[r['start']:r['end']]!r}")
            for label in r["labels"]:
                got.append((annotator, document, label, r["text"]))
        for a in by_doc[(annotator, document)]:
            want.extend((annotator, document, a["label"], piece) for piece in a["pieces"])
            for name, value in a["attributes"].items():
                if name in ("evidence",):
                    continue  # a relation, not a per-region value
                values = record.get(name)
                values = values if isinstance(values, list) else [values]
                flat = []
                for v in values:
                    if isinstance(v, dict):
                        flat.extend(v.get("choices") or v.get("text") or [v.get("datetime") or v.get("number")])
                    else:
                        flat.append(v)
                check(value in flat, f"{document} {a['id']}: {name}={value!r} not among {flat!r}")
            if a["note"]:
                notes = record.get("note")
                notes = notes if isinstance(notes, list) else [notes]
                texts = [n if isinstance(n, str) else "\n".join(n.get("text", [])) for n in notes]
                check(a["note"] in texts, f"{document} {a['id']}: note {a['note']!r} not among {texts!r}")
    check(sorted(got) == sorted(want), f"regions differ:\n got {sorted(got)}\nwant {sorted(want)}")

    # CoNLL 2003: the converter tokenises itself (NLTK Treebank) on code points and tags whole
    # tokens, one region at a time: compare the documents whose regions neither overlap nor
    # cut a token.
    converter.convert_to_conll2003(tasks, out, is_dir=False)
    lines = open(os.path.join(out, "result.conll"), encoding="utf-8").read().split("\n")
    docs, current = [], []
    for line in lines[1:]:
        if not line.strip():
            if current:
                docs.append(current)
            current = []
            continue
        token, _, _, tag = line.rsplit(" ", 3)
        current.append((token, tag))
    order = [(whose[(r["document"], r["annotation_id"])], r["document"]) for r in records]
    checked = 0
    for (annotator, document), tokens in zip(order, docs):
        spans = sorted((f for a in by_doc[(annotator, document)] for f in a["fragments"]))
        if any(b[0] < a[1] for a, b in zip(spans, spans[1:])):
            continue
        bounds = {i for span in TreebankWordTokenizer().span_tokenize(expected["docs"][document]) for i in span}
        if any(s not in bounds or e not in bounds for s, e in spans):
            continue
        entities, label, words = [], None, []
        for token, tag in tokens + [("", "O")]:
            if tag.startswith("I-") and label == tag[2:]:
                words.append(token)
                continue
            if label:
                entities.append((label, "".join(words)))
            label, words = (tag[2:], [token]) if tag != "O" else (None, [])
        want = sorted(
            (a["label"], "".join("".join(a["pieces"]).split())) for a in by_doc[(annotator, document)]
        )
        check(sorted(entities) == want, f"CoNLL of {document}:\n got {sorted(entities)}\nwant {want}")
        checked += 1
    check(checked > 0, "no document without overlaps to check in CoNLL")
print(f"label-studio ok: {len(records)} task annotations, {len(got)} regions")
