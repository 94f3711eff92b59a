"""Reads a UIMA CAS XMI export with dkpro-cassis 0.12.0 (load_typesystem, load_cas_from_xmi)."""
import glob
import os
import xml.etree.ElementTree as ET

from cassis import load_cas_from_xmi, load_typesystem

from common import check, load

LAYER = "webanno.custom.Lector"
ENTITY = "webanno.custom.LectorEntity"
META = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
CUSTOM_NS = "{http:///webanno/custom.ecore}"

export, expected = load()
got = {}
files = 0
for folder in sorted(glob.glob(os.path.join(export, "*"))):
    annotator = os.path.basename(folder)
    with open(os.path.join(folder, "TypeSystem.xml"), "rb") as f:
        ts = load_typesystem(f)
    for path in sorted(glob.glob(os.path.join(folder, "*.xmi"))):
        files += 1
        document = os.path.basename(path)[: -len(".xmi")]
        text = expected["docs"][document]
        with open(path, "rb") as f:
            cas = load_cas_from_xmi(f, typesystem=ts)
        # A literal newline in sofaString would come back as a space.
        check(cas.sofa_string == text, f"{path}: the Sofa differs from the text:\n{cas.sofa_string!r}\n{text!r}")
        meta = cas.select(META)
        check(len(meta) == 1 and meta[0].documentId == document, f"{path}: DocumentMetaData {meta}")
        check(meta[0].documentTitle == expected["titles"][document], f"{path}: title {meta[0].documentTitle!r}")
        names = {e.entityId: e.name for e in cas.select(ENTITY)}
        for a in cas.select(LAYER):
            # cassis maps the file's UTF-16 offsets to code points.
            covered = a.get_covered_text()
            check(covered == text[a.begin:a.end], f"{path} {a.lectorId}: {covered!r} != {text[a.begin:a.end]!r}")
            record = got.setdefault((annotator, document, a.lectorId), {"label": a.label, "pieces": [], "fs": a})
            check(record["label"] == a.label, f"{path} {a.lectorId}: fragments with different labels")
            record["pieces"].append(covered)
        # The offsets in the file are UTF-16 code units (Java strings).
        units = text.encode("utf-16-le")
        tree = ET.parse(path)
        for el in tree.getroot().iter(f"{CUSTOM_NS}Lector"):
            b, e = int(el.get("begin")), int(el.get("end"))
            piece = units[2 * b : 2 * e].decode("utf-16-le")
            key = (annotator, document, el.get("lectorId"))
            check(piece in got[key]["pieces"], f"{path}: UTF-16 {b}-{e} is {piece!r}, not a piece of {got[key]['pieces']}")
        for want in expected["annotations"]:
            if (want["annotator"], want["document"]) != (annotator, document):
                continue
            key = (annotator, document, want["id"])
            check(key in got, f"{path}: annotation {want['id']} missing")
            rec = got[key]
            check(rec["label"] == want["label"], f"{key}: label {rec['label']!r}")
            check(rec["pieces"] == want["pieces"], f"{key}: pieces {rec['pieces']} != {want['pieces']}")
            fs = rec["fs"]
            check((fs.note or "") == want["note"], f"{key}: note {fs.note!r} != {want['note']!r}")
            check(fs.entity == want["entity"], f"{key}: entity {fs.entity!r}")
            if want["entity"]:
                check(names.get(want["entity"]) == want["entity_name"], f"{key}: entity name {names}")
            for name, value in want["attributes"].items():
                v = fs.get(name)
                if hasattr(v, "lectorId"):  # a link feature: the Lector span it points to
                    v = v.lectorId
                check(v == value, f"{key}: feature {name} = {v!r}, expected {value!r}")
want_keys = {(w["annotator"], w["document"], w["id"]) for w in expected["annotations"]}
check(set(got) == want_keys, f"XMI annotations differ:\n got {sorted(got)}\nwant {sorted(want_keys)}")
print(f"xmi ok: {files} files, {len(got)} annotations")
