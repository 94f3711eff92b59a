"""Parses an HTML report with html5lib 1.1 (the WHATWG parsing algorithm browsers use) and checks
that it runs nothing, loads nothing, and shows every annotation over exactly its text."""
import html5lib

from common import check, load

export, expected = load()
with open(export, "rb") as f:
    raw = f.read()
parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
root = parser.parse(raw, transport_encoding="utf-8")
check(parser.errors == [], f"parse errors: {parser.errors[:5]}")

# Nothing runs and nothing is fetched: no scripts, no elements that load or embed, no inline handlers.
for tag in ("script", "img", "iframe", "object", "embed", "link", "base", "form", "svg", "math"):
    check(not root.findall(f".//{tag}"), f"a <{tag}> element in the report")
for el in root.iter():
    for name in el.attrib:
        check(not name.lower().startswith("on"), f"an event handler {name} on <{el.tag}>")
    check(not any("javascript:" in v.lower() for v in el.attrib.values()), f"javascript: in <{el.tag}>")
meta = [m.get("content", "") for m in root.findall(".//meta") if m.get("http-equiv") == "Content-Security-Policy"]
check(meta and "default-src 'none'" in meta[0], f"no Content-Security-Policy: {meta}")
check(root.find(".//title") is not None, "no <title>")

articles = [d for d in root.iter("div") if "article" in d.get("class", "").split()]
by_set = {}
for a in expected["annotations"]:
    by_set.setdefault((a["annotator"], a["document"]), []).append(a)
check(len(articles) == len(by_set), f"{len(articles)} articles, expected {len(by_set)}")
marks_checked = 0
for article in articles:
    document, annotator = article.get("data-document"), article.get("data-annotator")
    text = expected["docs"][document]
    # The article shows the text exactly, markup in it included (as text).
    shown = "".join(article.itertext())
    check(shown == text, f"{document}: the article shows\n{shown!r}\nnot\n{text!r}")
    marks = {}
    for mark in article.iter("mark"):
        marks.setdefault(mark.get("data-id"), []).append(mark)
    for want in by_set[(annotator, document)]:
        found = marks.get(want["id"], [])
        check(found, f"{document} {want['id']}: no marks")
        # One mark per piece of text the annotation covers, nested inside or around others.
        marked = "".join("".join(m.itertext()) for m in found)
        check(marked == "".join(want["pieces"]), f"{document} {want['id']}: marked {marked!r}, expected {want['pieces']!r}")
        title = found[0].get("title", "")
        check(title.split("\n")[0] == want["label"], f"{document} {want['id']}: title {title!r}")
        for name, shown in want["display"].items():
            check(f"{name}: {shown}" in title, f"{document} {want['id']}: {name}: {shown!r} not in title {title!r}")
        if want["note"]:
            check(f"note: {want['note']}" in title, f"{document} {want['id']}: note not in title {title!r}")
        marks_checked += 1
    check(set(marks) == {w["id"] for w in by_set[(annotator, document)]}, f"{document}: marks for unknown ids")

# Tables: one row per annotation, under its label; cards for claims and predictions.
rows = {tr.get("data-id"): tr for tr in root.iter("tr") if tr.get("data-id")}
cards = {d.get("data-id"): d for d in root.iter("div") if "card" in d.get("class", "").split()}
for want in expected["annotations"]:
    row = rows.get(want["id"])
    check(row is not None, f"{want['id']}: no table row")
    cells = ["".join(td.itertext()) for td in row.findall("td")]
    check(cells[0] == " … ".join(want["pieces"]), f"{want['id']}: row text {cells[0]!r}")
    if want["kind"] in ("claim", "prediction"):
        card = cards.get(want["id"])
        check(card is not None, f"{want['id']}: no card for a {want['kind']}")
        values = dict(zip(["".join(dt.itertext()) for dt in card.iter("dt")],
                          ["".join(dd.itertext()) for dd in card.iter("dd")]))
        for name in want["defined"]:
            check(values.get(name) == want["display"].get(name, "—"), f"{want['id']}: {name} shows {values.get(name)!r}")
        if want["note"]:
            check(values.get("note") == want["note"], f"{want['id']}: note shows {values.get('note')!r}")
check(len(cards) == sum(w["kind"] != "entity" for w in expected["annotations"]), f"{len(cards)} cards")
print(f"html ok: {len(articles)} articles, {marks_checked} annotations marked")
