"""Reads a W3C Web Annotation export with pyld 3.3.0 (JSON-LD expansion, offline context)."""
import json
import os

from pyld import jsonld

from common import check, load

export, expected = load()
here = os.path.dirname(os.path.abspath(__file__))
CTX = json.load(open(os.path.join(here, "..", "data", "anno-context.jsonld"), encoding="utf-8"))
jsonld.set_document_loader(lambda url, opts=None: {"contextUrl": None, "documentUrl": url, "document": CTX})
OA = "http://www.w3.org/ns/oa#"
page = json.load(open(export, encoding="utf-8"))
got = []
for anno in page["items"]:
    anno = dict(anno, **{"@context": page["@context"]})
    exp = jsonld.expand(anno)[0]
    check(f"{OA}Annotation" in exp["@type"], f"not an oa:Annotation: {exp['@type']}")
    label = [b for b in exp[f"{OA}hasBody"] if b.get(f"{OA}hasPurpose") == [{"@id": f"{OA}tagging"}]]
    label = label[0]["http://www.w3.org/1999/02/22-rdf-syntax-ns#value"][0]["@value"]
    creator = exp["http://purl.org/dc/terms/creator"][0]["http://xmlns.com/foaf/0.1/name"][0]["@value"]
    pieces = []
    for target in exp[f"{OA}hasTarget"]:
        document = target[f"{OA}hasSource"][0]["@id"].removeprefix("urn:lector:document:")
        text = expected["docs"][document]
        sel = {s["@type"][0]: s for s in target[f"{OA}hasSelector"]}
        pos, quote = sel[f"{OA}TextPositionSelector"], sel[f"{OA}TextQuoteSelector"]
        start, end = pos[f"{OA}start"][0]["@value"], pos[f"{OA}end"][0]["@value"]
        exact = quote[f"{OA}exact"][0]["@value"]
        check(text[start:end] == exact, f"{document} {start}-{end}: {text[start:end]!r} != exact {exact!r}")
        pieces.append(exact)
    got.append((creator, document, label, tuple(pieces)))
want = sorted((s["annotator"], s["document"], s["label"], tuple(s["pieces"])) for s in expected["spans"])
check(sorted(got) == want, f"W3C annotations differ:\n got {sorted(got)}\nwant {want}")
nq = jsonld.normalize(page, {"algorithm": "URDNA2015", "format": "application/n-quads"})
check(f"<{OA}hasSelector>" in nq, "no selectors in the RDF")
print(f"w3c ok: {len(got)} annotations")
