"""Reads the DOM Chromium built from Lector's HTML report (`chromium --headless --dump-dom`)
and prints, as JSON, each annotation's highlighted text in the article: {data-id: {"document",
"annotator", "text"}}, the text of all the <mark> elements with that id joined in document
order (an annotation overlapped by another is cut into several marks).

Usage: rendered_marks.py DOM.html
"""
import json
import sys
from html.parser import HTMLParser


class Marks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.article = None
        self.depth = 0
        self.open = []
        self.marks = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "article" in (attrs.get("class") or "").split():
            self.article = (attrs.get("data-document"), attrs.get("data-annotator"))
            self.depth = 0
        elif tag == "div" and self.article:
            self.depth += 1
        if tag == "mark" and self.article and attrs.get("data-id"):
            mark_id = attrs["data-id"]
            document, annotator = self.article
            self.marks.setdefault(mark_id, {"document": document, "annotator": annotator, "text": ""})
            self.open.append(mark_id)
        elif tag == "mark":
            self.open.append(None)

    def handle_endtag(self, tag):
        if tag == "mark" and self.open:
            self.open.pop()
        elif tag == "div" and self.article:
            if self.depth == 0:
                self.article = None
            else:
                self.depth -= 1

    def handle_data(self, data):
        for mark_id in self.open:
            if mark_id:
                self.marks[mark_id]["text"] += data


with open(sys.argv[1], encoding="utf-8") as f:
    parser = Marks()
    parser.feed(f.read())
print(json.dumps(parser.marks, ensure_ascii=False))
