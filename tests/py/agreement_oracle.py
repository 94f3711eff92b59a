"""Independent agreement figures for tests/agreement.rs (shared/reference/agreement.md §2, §7).

Reads spans from the JSON file named on the command line, turns them into one category per
character per annotator on its own (no code shared with Lector), and prints, for the overall
layer (the set of labels covering a character, "none" if uncovered) and each label's binary
layer, what scikit-learn, nltk and krippendorff compute. Undefined values are null.

Input:  {"annotators": [...], "labels": [...],
         "documents": [{"len": n, "spans": {"<annotator>": [[label, [[start, end], ...]], ...] | null}}]}
Output: {"overall": {...}, "labels": {"<label>": {...}}}, each with
         sklearn_cohen (two annotators), sklearn_pairs {"a|b": κ}, nltk_kappa, nltk_pi,
         nltk_multi_kappa (units every annotator rated), krippendorff_alpha, nltk_alpha (all).
"""

import json
import math
import sys

import krippendorff
import numpy as np
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score


def char_labels(doc, annotator):
    """Per character, the set of labels covering it; None if the annotator skipped the doc."""
    spans = doc["spans"].get(annotator)
    if spans is None:
        return [None] * doc["len"]
    covered = [set() for _ in range(doc["len"])]
    for label, fragments in spans:
        for start, end in fragments:
            for i in range(start, end):
                covered[i].add(label)
    return covered


def layer(sets, label):
    """Category strings of one layer; None stays None."""
    if label is None:
        return [None if s is None else ("+".join(sorted(s)) if s else "none") for s in sets]
    return [None if s is None else ("1" if label in s else "0") for s in sets]


def undefined_if_nan(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def one_category(rows):
    return len({v for row in rows for v in row if v is not None}) < 2


def figures(rows, annotators):
    """rows: one list of categories per annotator, None = missing."""
    n = len(rows[0])
    complete = [i for i in range(n) if all(r[i] is not None for r in rows)]
    out = {}
    full = [[r[i] for i in complete] for r in rows]
    if len(rows) == 2:
        out["sklearn_cohen"] = (
            undefined_if_nan(cohen_kappa_score(full[0], full[1])) if complete else None
        )
    pairs = {}
    for a in range(len(rows)):
        for b in range(a + 1, len(rows)):
            both = [i for i in range(n) if rows[a][i] is not None and rows[b][i] is not None]
            x = [rows[a][i] for i in both]
            y = [rows[b][i] for i in both]
            key = f"{annotators[a]}|{annotators[b]}"
            pairs[key] = undefined_if_nan(cohen_kappa_score(x, y)) if both else None
    out["sklearn_pairs"] = pairs
    if complete and not one_category(full):
        task = AnnotationTask(
            data=[(annotators[c], i, full[c][i]) for c in range(len(rows)) for i in range(len(complete))]
        )
        for key, coefficient in [
            ("nltk_kappa", task.kappa),
            ("nltk_pi", task.pi),
            ("nltk_multi_kappa", task.multi_kappa),
        ]:
            try:
                out[key] = coefficient()
            except ZeroDivisionError:
                # A coder pair saw one category only: its κ is 0/0.
                out[key] = None
    else:
        out["nltk_kappa"] = out["nltk_pi"] = out["nltk_multi_kappa"] = None
    # krippendorff wants numbers: code categories, nan for missing.
    codes = {v: k for k, v in enumerate(sorted({v for r in rows for v in r if v is not None}))}
    data = np.array([[np.nan if v is None else codes[v] for v in r] for r in rows], dtype=float)
    try:
        out["krippendorff_alpha"] = float(
            krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        )
    except ValueError:
        # "There has to be more than one value in the domain."
        out["krippendorff_alpha"] = None
    if one_category(rows):
        out["nltk_alpha"] = None
    else:
        task = AnnotationTask(
            data=[
                (annotators[c], i, rows[c][i])
                for c in range(len(rows))
                for i in range(n)
                if rows[c][i] is not None
            ]
        )
        out["nltk_alpha"] = task.alpha()
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    annotators = spec["annotators"]
    per_annotator = []
    for a in annotators:
        chars = []
        for doc in spec["documents"]:
            chars.extend(char_labels(doc, a))
        per_annotator.append(chars)
    result = {
        "overall": figures([layer(s, None) for s in per_annotator], annotators),
        "labels": {
            label: figures([layer(s, label) for s in per_annotator], annotators)
            for label in spec["labels"]
        },
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
