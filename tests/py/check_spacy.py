"""Reads a spaCy export with spaCy's own Doc.from_json (spacy 3.8.18)."""
import json

import spacy
from spacy.tokens import Doc

from common import check, load

export, expected = load()
nlp = spacy.blank("xx")
lines = [json.loads(l) for l in open(export, encoding="utf-8") if l.strip()]
want = expected["spacy_docs"]
check(len(lines) == len(want), f"{len(lines)} docs, expected {len(want)}")
for j, w in zip(lines, want):
    doc = Doc(nlp.vocab).from_json(j)
    check(doc.text == expected["docs"][w["document"]], f"{w['document']}: text differs")
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    check(ents == [(e["start"], e["end"], e["label"]) for e in j["ents"]], f"ents differ: {ents}")
    sc = sorted((s.start_char, s.end_char, s.label_, s.text, s.kb_id_) for s in doc.spans["sc"])
    want_sc = sorted((s["start"], s["end"], s["label"], s["text"], s["kb_id"]) for s in w["spans"])
    check(sc == want_sc, f"{w['document']}: spans differ:\n got {sc}\nwant {want_sc}")
    for e in doc.ents:
        check(e.text == doc.text[e.start_char:e.end_char], "ent text")
print(f"spacy ok: {len(lines)} docs")
