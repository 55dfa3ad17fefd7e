# SPDX-License-Identifier: ISC
"""What sluice wrote, read back and compared with the model's predictions,
and the properties every output must have."""
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

from harness import receipt_file
from model import DEFERRAL_CODES, iso
from money import fmt_money, fmt_rate

NS = "{urn:sluice:1}"
SCHEMA_OF = {"invoice": "invoice.xsd", "proforma": "proforma.xsd",
             "payment_request": "payment_request.xsd", "payment_link": "payment_link.xsd",
             "receipt": "receipt.xsd"}
OUT_FOLDERS = {"link": "links", "proforma": "proformas", "capture": "captures", "refund": "captures",
               "release": "captures", "invoice": "invoices", "credit_note": "invoices"}


class Problem:
    """A difference between sluice and the model; known names the KNOWN
    divergence that explains it, if one does."""

    def __init__(self, what, known=None):
        self.what, self.known = what, known

    def __repr__(self):
        return ("known divergence %s: " % self.known if self.known else "") + self.what


def local(tag):
    return tag.rsplit("}", 1)[-1]


def receipt_path(root, kind, name):
    """Where the receipt of the latest input NAME of KIND is (doc/contract.md
    4.1: out/receipts/KIND/, the name shortened when too long)."""
    return os.path.join(root, "out", "receipts", kind, receipt_file(name))


def read_receipt(root, kind, name):
    """The receipt of an input as a dict (errors a list of dicts), or None."""
    path = receipt_path(root, kind, name)
    if not os.path.exists(path):
        return None
    out = {"errors": []}
    for child in ET.parse(path).getroot():
        if local(child.tag) == "error":
            out["errors"].append({local(c.tag): (c.text or "") for c in child})
        else:
            out[local(child.tag)] = child.text or ""
    return out


def receipts_kept(root, inputs):
    """Problems of inputs whose receipt is gone or is now another input's."""
    probs = []
    for inp in inputs:
        path = receipt_path(root, inp.kind, inp.name)
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            probs.append(Problem("%s/%s: its receipt is gone" % (inp.kind, inp.name)))
            continue
        if "<sha256>%s</sha256>" % inp.sha not in text:
            probs.append(Problem("%s/%s: its receipt was overwritten by another input's"
                                 % (inp.kind, inp.name)))
    return probs


def compare_receipt(root, inp, want):
    """Problems of the receipt of Input inp against the model's Outcome."""
    got = read_receipt(root, inp.kind, inp.name)
    tag = "%s (%s)" % (inp.name, inp.note)
    if got is None:
        return [Problem("%s: no receipt" % tag)]
    if got.get("kind") != inp.kind or got.get("sha256") != inp.sha:
        return [Problem("%s: its receipt is another input's (kind %s)" % (tag, got.get("kind")))]
    probs = []
    if got["status"] != want.status:
        probs.append("status %s, model %s" % (got["status"], want.status))
    if str(want.records) != got.get("records"):
        probs.append("records %s, model %s" % (got.get("records"), want.records))
    gotset = [(int(e.get("line", 0)), e.get("field") or None, e["code"]) for e in got["errors"]]
    if want.status == "rejected":
        # deferral reasons may be listed beside a rejection's errors
        gotset = [g for g in gotset if g[2] not in DEFERRAL_CODES]
    wanted = list(want.errors)
    unmatched = []
    for e in wanted:
        hit = next((g for g in gotset if g[2] == e.code and (e.field is None or e.field == g[1])
                    and (e.line is None or e.line == g[0])), None)
        if hit is None:
            unmatched.append(e)
        else:
            gotset.remove(hit)
    if unmatched or gotset:
        probs.append("errors: sluice %s; model %s" % (
            sorted((g[2], g[1], g[0]) for g in
                   [(int(e.get("line", 0)), e.get("field") or None, e["code"]) for e in got["errors"]]),
            want.errors))
    if not probs:
        return []
    return [Problem("%s: %s" % (tag, "; ".join(probs)), want.known or inp.risk)]


LINK_EVENTS = ("link_created", "link_voided", "link_expired")


def compare_order(view, got, known=None):
    """Problems of `order show --json` against the model's view; of the
    journal, the events of links and how many awaiting_payment_ended there are.  The
    view's "_known" maps a path to the KNOWN divergence that explains a
    difference there."""
    probs = []
    marks = view.get("_known", {})
    found = []
    if isinstance(got, dict) and isinstance(got.get("events"), list):
        events, paid = [], 0
        for e in got["events"]:
            t = e.get("type")
            paid += t == "awaiting_payment_ended"
            if t in LINK_EVENTS:
                events.append({"type": t, "link_id": (e.get("detail") or {}).get("link_id")})
        got = dict(got, events=events, awaiting_payment_ended=paid)

    def walk(path, w, g):
        if isinstance(w, dict):
            if not isinstance(g, dict):
                probs.append("%s: sluice %r, model %r" % (path, g, w))
                return
            for k, v in w.items():
                if k != "_known":
                    walk("%s.%s" % (path, k), v, g.get(k, "<absent>"))
        elif isinstance(w, list):
            if not isinstance(g, list) or len(g) != len(w):
                probs.append("%s: sluice %s, model %s" % (path, _short(g), _short(w)))
                return
            for i, (a, b) in enumerate(zip(w, g)):
                walk("%s[%d]" % (path, i), a, b)
        elif w != g:
            probs.append("%s: sluice %r, model %r" % (path, g, w))
            if path in marks:
                found.append(Problem(probs.pop(), marks[path]))
    walk(view["order_number"], view, got)
    return [Problem(p, known) for p in probs] + found


def _short(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) < 300 else s[:300] + "..."


def doc_fields(path):
    """A document's XML as nested simple values."""
    root = ET.parse(path).getroot()
    d = {"_root": local(root.tag), "line": [], "vat": []}
    for c in root:
        t = local(c.tag)
        if t in ("line", "vat"):
            d[t].append({local(x.tag): (x.text or "") for x in c})
        elif len(c):
            d[t] = {local(x.tag): (x.text or "") for x in c}
        else:
            d[t] = c.text or ""
    return d


def expected_doc(model, doc):
    """The model's document as the fields doc_fields reads."""
    cur = doc.get("currency") or model.orders[doc["order_number"]].currency

    def m(v):
        return fmt_money(v, cur)
    t = doc["type"]
    if t in ("invoice", "credit_note"):
        want = {"number": doc["number"], "type": t, "currency": cur, "total": m(doc["total"])}
        if doc.get("order_number"):
            want["order_number"] = doc["order_number"]
        for k in ("shipment_id", "return_id", "invoice_id"):
            if doc.get(k):
                want[k] = doc[k]
        lines, rates = [], {}
        for ln in doc["lines"]:
            x = {"description": ln["description"], "quantity": str(ln["quantity"]),
                 "unit_price": m(ln["unit_price"]), "vat_rate": fmt_rate(ln["rate"]),
                 "vat": m(ln["vat"]), "line_total": m(ln["line_total"])}
            if ln["discount"]:
                x["discount"] = m(ln["discount"])
            if ln.get("voucher"):
                x["voucher"] = m(ln["voucher"])
            lines.append(x)
            b, a = rates.get(ln["rate"], (0, 0))
            rates[ln["rate"]] = (b + ln["line_total"] - ln["vat"], a + ln["vat"])
        want["line"] = lines
        voucher = sum(ln.get("voucher", 0) for ln in doc["lines"])
        if voucher:
            code = model.orders[doc["order_number"]].voucher_code
            want["voucher"] = dict({"code": code} if code else {}, amount=m(voucher))
        want["vat"] = [{"rate": fmt_rate(r), "base": m(b), "amount": m(a)}
                       for r, (b, a) in sorted(rates.items())]
        want["vat_total"] = m(sum(a for _, a in rates.values()))
        if doc.get("return_fee"):
            want["return_fee"] = m(doc["return_fee"])
        if doc.get("text"):
            want["text"] = doc["text"]
        return want
    if t in ("capture", "refund", "release"):
        want = {"request_id": doc["number"], "type": t, "order_number": doc["order_number"],
                "amount": m(doc["amount"]), "currency": cur}
        for k in ("shipment_id", "return_id", "payment_reference"):
            if doc.get(k):
                want[k] = doc[k]
        if t == "release":
            want["shipment_id"] = want["return_id"] = "<absent>"
        return want
    if t == "link":
        return {"link_id": doc["number"], "order_number": doc["order_number"],
                "amount": m(doc["amount"]), "currency": cur, "expires_at": iso(doc["expires"])}
    if t == "proforma":
        return {"number": doc["number"], "order_number": doc["order_number"],
                "shipment_id": doc["shipment_id"], "currency": cur}
    raise ValueError(t)


def compare_doc(model, doc, path):
    got = doc_fields(path)
    want = expected_doc(model, doc)
    probs = []
    for k, v in want.items():
        g = got.get(k, "<absent>")
        if k == "line":
            g = [{kk: vv for kk, vv in x.items() if kk in ("description", "quantity", "unit_price",
                                                          "discount", "voucher", "vat_rate", "vat",
                                                          "line_total")}
                 for x in got["line"]]
        if g != v:
            probs.append(Problem("%s %s: sluice %s, model %s" % (doc["number"], k, _short(g), _short(v))))
    return probs


# The labels of a link's total and amount due in each language of the
# documents (doc/documents.md).
LINK_LABELS = {"en": ("Total", "Amount due"), "sv": ("Att betala", "Belopp att betala"),
               "de": ("Gesamt", "Offener Betrag")}


def link_pdf(model, doc, xml_path):
    """Problems of the PDF beside a link's XML: it is there, and its text
    shows the order's total, the amount due, each line's amount (the lines
    cancelled whole left out), the link's URL and its expiry."""
    pdf = xml_path[:-4] + ".pdf"
    if not os.path.exists(pdf):
        return [Problem("link %s has no PDF beside it" % doc["number"])]
    r = subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True)
    text = " ".join(r.stdout.decode("utf-8", "replace").split())
    cur = doc["currency"]
    url = doc_fields(xml_path).get("url", "")
    total, due = LINK_LABELS[doc["language"]]
    want = ["%s %s %s" % (total, cur, fmt_money(doc["grand_total"], cur)),
            "%s %s %s" % (due, cur, fmt_money(doc["amount"], cur)),
            iso(doc["expires"])] + [fmt_money(t, cur) for t in doc["line_totals"]]
    probs = [Problem("%s: %r not in its text" % (pdf, w)) for w in want if w not in text]
    if not url or url not in "".join(text.split()):
        probs.append(Problem("%s: the URL %r not in its text" % (pdf, url)))
    return probs


# ---------------------------------------------------------------- properties

def xml_files_valid(srcdir, paths):
    """Problems of XML files that are not well-formed or not valid against
    the XSD of their root element."""
    probs = []
    groups = {}
    for p in paths:
        try:
            root = ET.parse(p).getroot()
        except ET.ParseError as e:
            probs.append(Problem("%s is not well-formed: %s" % (p, e)))
            continue
        xsd = SCHEMA_OF.get(local(root.tag))
        if xsd is None or not root.tag.startswith(NS):
            probs.append(Problem("%s: unknown root %s" % (p, root.tag)))
            continue
        groups.setdefault(xsd, []).append(p)
    xmllint = os.environ.get("XMLLINT") or "xmllint"
    for xsd, files in groups.items():
        r = subprocess.run([xmllint, "--noout", "--nonet", "--schema",
                            os.path.join(srcdir, "schemas", xsd)] + files,
                           capture_output=True, text=True)
        if r.returncode != 0:
            bad = [l for l in r.stderr.splitlines() if not l.endswith(" validates")]
            probs.append(Problem("not valid against %s: %s" % (xsd, "\n".join(bad[:6]))))
    return probs


def pdfs_open(paths):
    probs = []
    for p in paths:
        r = subprocess.run(["pdftotext", p, "-"], capture_output=True)
        if r.returncode != 0 or not r.stdout.strip():
            probs.append(Problem("%s does not open as a PDF with text (%d)" % (p, r.returncode)))
    return probs


def no_negative(where, value):
    """Problems of negative amounts anywhere in a JSON value or document."""
    probs = []

    def walk(path, v):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(path + "." + k, x)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk("%s[%d]" % (path, i), x)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0:
            probs.append(Problem("%s%s is negative: %r" % (where, path, v)))
        elif isinstance(v, str) and re.fullmatch(r"-\d+(\.\d+)?", v):
            probs.append(Problem("%s%s is negative: %r" % (where, path, v)))
    walk("", value)
    return probs
