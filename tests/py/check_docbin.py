"""Reads a spacy-docbin export with spaCy's own DocBin (spacy 3.8.18) and runs `spacy debug
data` on it with a blank pipeline config.

Usage: check_docbin.py TRAIN.spacy DEV.spacy|- EXPECTED.jsonl [LANG]

EXPECTED is Lector's `spacy` export (Doc.to_json lines) of the same selection: the DocBin's
docs must have the same text, tokens, entities and span group `sc`, in some order.
"""
import json
import os
import subprocess
import sys
import tempfile

import spacy
from spacy.tokens import Doc, DocBin

from common import check, fail

train, dev, expected_path = sys.argv[1:4]
lang = sys.argv[4] if len(sys.argv) > 4 else "xx"
nlp = spacy.blank(lang)


def key(doc):
    # Doc.from_json leaves out the entities' kb_id; the DocBin's is checked against sc below.
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    sc = sorted((s.start_char, s.end_char, s.label_, s.kb_id_) for s in doc.spans.get("sc", []))
    tokens = [(t.idx, t.idx + len(t.text), t.whitespace_) for t in doc]
    return (doc.text, tuple(tokens), tuple(ents), tuple(sc))


docs = list(DocBin().from_disk(train).get_docs(nlp.vocab))
dev_docs = [] if dev == "-" else list(DocBin().from_disk(dev).get_docs(nlp.vocab))
check(docs, "the training file has no docs")
if dev != "-":
    check(dev_docs, "the dev file has no docs")

want = []
for line in open(expected_path, encoding="utf-8"):
    if line.strip():
        j = json.loads(line)
        doc = Doc(nlp.vocab).from_json(j)
        want.append(key(doc))

got = sorted(key(d) for d in docs + dev_docs)
want = sorted(want)
if got != want:
    for g, w in zip(got, want):
        for part, a, b in zip(("text", "tokens", "ents", "sc"), g, w):
            if a != b:
                fail(f"{part} differ:\n got {str(a)[:2000]}\nwant {str(b)[:2000]}")
    fail(f"{len(got)} docs, expected {len(want)}")
for d in docs + dev_docs:
    check(d.text == "".join(t.text_with_ws for t in d), "tokens do not make up the text")
    sc = {(s.start_char, s.end_char, s.label_): s.kb_id_ for s in d.spans["sc"]}
    for e in d.ents:
        check(e.text == d.text[e.start_char:e.end_char], "ent text")
        check(
            sc.get((e.start_char, e.end_char, e.label_)) == e.kb_id_,
            f"entity {e.text!r}: kb_id {e.kb_id_!r} differs from its span's",
        )
print(f"docbin ok: {len(docs)} train docs, {len(dev_docs)} dev docs")

if dev != "-":
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.cfg")
        run = lambda *args: subprocess.run(
            [sys.executable, "-m", "spacy", *args], capture_output=True, text=True
        )
        made = run("init", "config", config, "--lang", lang, "--pipeline", "ner,spancat")
        check(made.returncode == 0, f"spacy init config failed:\n{made.stdout}\n{made.stderr}")
        out = run(
            "debug", "data", config, "--paths.train", train, "--paths.dev", dev, "--verbose"
        )
        print(out.stdout)
        check(
            out.returncode == 0,
            f"spacy debug data refused the files:\n{out.stdout}\n{out.stderr}",
        )
        check("✘" not in out.stdout, f"spacy debug data found errors:\n{out.stdout}")
        print("spacy debug data ok")
