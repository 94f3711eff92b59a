"""Reads a CoNLL IOB2 export with seqeval 1.2.2 (strict IOB2)."""
from seqeval.metrics import f1_score
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2

from common import check, load

export, expected = load()
docs, words, tags = [], [], []
for line in open(export, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("-DOCSTART-"):
        docs.append([])
        continue
    if not line:
        continue
    word, tag = line.split("\t")
    docs[-1].append((word, tag))
got = []
for doc in docs:
    y = [[t for _, t in doc]]
    check(f1_score(y, y, mode="strict", scheme=IOB2) == 1.0 or not any(t != "O" for t in y[0]), "seqeval rejects")
    ws = [w for w, _ in doc]
    got.append([(label, "".join(ws[s:e + 1])) for label, s, e in get_entities(y[0])])
# Tokens lose the whitespace between them.
want = [[(e["label"], "".join(e["text"].split())) for e in d] for d in expected["conll_docs"]]
check(got == want, f"CoNLL entities differ:\n got {got}\nwant {want}")
print(f"conll ok: {sum(map(len, got))} entities")
