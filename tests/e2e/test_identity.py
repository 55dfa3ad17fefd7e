# SPDX-License-Identifier: ISC
"""Record identity end to end, driven by the field table: for every kind and
every field that `sluice schema KIND` lists, a record is sent, then the same
id with that one field changed, which must be a conflict (a shipment's
carrier, service, tracking, shipped and shipped_at are the documented
update).  And the reverse: the same content in CSV and in XML, with
defaults written out or left absent, or a money amount spelled with
leading zeros, is a duplicate."""
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from harness import Steps, run_tap
from lifecycle_util import csv, order, payment, shipment

XS = "{http://www.w3.org/2001/XMLSchema}"
KINDS = ["orders", "amendments", "cancellations", "shipments", "payments", "returns", "invoices"]

# What a later record with the same id and other content gets.
CONFLICT = {"orders": "order_number_reused", "shipments": "shipment_conflict"}
SHIPMENT_UPDATES = {"carrier", "service", "tracking", "shipped", "shipped_at"}


def ean_check(digits):
    """digits with their GTIN check digit appended."""
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return digits + str((10 - s % 10) % 10)


# A valid value of each type, and another valid value of it: what a field
# the table adds later gets without this test changing.
BY_TYPE = {
    "id": ("V-1", "V-1X"), "ref": ("V-1", "V-1X"), "bool": ("false", "true"),
    "date": ("2026-11-26T10:00:00Z", "2026-11-26T10:00:01Z"), "money": ("1.00", "1.01"),
    "rate": ("25", "12.5"), "qty": ("1", "2"), "int": ("1", "2"), "country": ("SE", "NO"),
    "currency": ("SEK", "EUR"), "email": ("a@example.com", "b@example.com"),
    "ean": (ean_check("7351353"), ean_check("9638507")), "hs_code": ("123456", "654321"),
}


def schema(s, kind):
    """[(field, type, enumeration, optional)] of the header and of a line,
    as `sluice schema KIND` gives them."""
    root = ET.fromstring(s.sluice("schema", kind, check=True).stdout)
    simple = {t.get("name"): [e.get("value") for e in t.iter(XS + "enumeration")]
              for t in root.findall(XS + "simpleType")}
    complex_ = {t.get("name"): t for t in root.findall(XS + "complexType")}
    singular = root.find(XS + "element").find(".//" + XS + "element").get("type")

    def fields(ctype):
        out, line = [], None
        for e in complex_[ctype].find(XS + "sequence").findall(XS + "element"):
            if e.get("name") == "line":
                line = e.get("type")
                continue
            if e.get("name") == "attribute":
                continue   # extra attributes: test_order_fields.py
            t = e.get("type") or "enum"
            values = simple.get(t) or [v.get("value") for v in e.iter(XS + "enumeration")]
            out.append((e.get("name"), t, values, e.get("minOccurs") == "0"))
        return out, line

    head, line_type = fields(singular)
    return head, (fields(line_type)[0] if line_type else [])


def values_of(t, values):
    """Two values of a type: a base and another, or the enumeration's."""
    if t.startswith("text"):
        return ["Some text", "Other text"]
    return list(BY_TYPE.get(t, values))


# The base record of each kind: what the type gives, except where the
# rules need particular values.  One line.
BASE = {
    "orders": ({"order_number": "OB-1", "status": "confirmed", "prices_include_vat": "true",
                "shipping_price": "10.00", "shipping_vat_rate": "25",
                "authorized_amount": "100.00", "captured_amount": "0.00", "voucher_value": "0.00",
                "grand_total": "29.00"},
               {"line_id": "1", "unit_price": "20.00", "discount": "1.00", "vat_rate": "25"}),
    "amendments": ({"amendment_id": "AB-1", "order_number": "ID-1", "hold": "false"},
                   {"line_id": "10", "unit_price": "20.00", "discount": "1.00"}),
    "cancellations": ({"cancellation_id": "CB-1", "order_number": "ID-1", "whole_order": "false"},
                      {"line_id": "1", "quantity": "1"}),
    "shipments": ({"shipment_id": "SB-1", "order_number": "ID-1", "shipped": "false"},
                  {"line_id": "1", "quantity": "1"}),
    "payments": ({"event_id": "EB-1", "order_number": "ID-1", "type": "capture",
                  "request_id": "CAP-SH-P", "status": "success", "amount": "100.00"}, None),
    "returns": ({"return_id": "RB-1", "order_number": "ID-1", "shipment_id": "SH-P",
                 "restock": "false", "refund_shipping": "true", "return_fee": "1.00"},
                {"line_id": "1", "quantity": "1"}),
    "invoices": ({"invoice_id": "IB-1", "order_number": "ID-1", "template": "default"},
                 {"unit_price": "20.00"}),
}

# Other values to try besides the type's: an order that exists.
MORE = {"order_number": ["ID-2"], "line_id": ["2"]}

# Fields whose absence means a value (the field table's defaults), each
# with that value written out.
DEFAULTS = {
    "orders": ({"prices_include_vat": "true", "shipping_price": "0.00",
                "authorized_amount": "0.00", "captured_amount": "0.00", "voucher_value": "0.00"},
               {"discount": "0.00"}),
    "amendments": ({"reissue_link": "false"}, {"discount": "0.00"}),
    "cancellations": ({"whole_order": "false"}, {}),
    "shipments": ({"shipped": "false"}, {}),
    "returns": ({"restock": "true", "refund_shipping": "false", "return_fee": "0.00"}, {}),
}


def as_csv(head_fields, line_fields, head, lines):
    cols = [f for f, *_ in head_fields if f in head] + \
        [f for f, *_ in line_fields if any(f in ln for ln in lines)]
    return csv(cols, [dict(head, **ln) for ln in lines] or [head])


def as_xml(kind, singular, head_fields, line_fields, head, lines):
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<%s xmlns="urn:sluice:1">' % kind,
           "<%s>" % singular]
    out += ["<%s>%s</%s>" % (f, escape(head[f]), f) for f, *_ in head_fields if f in head]
    for ln in lines:
        out.append("<line>")
        out += ["<%s>%s</%s>" % (f, escape(ln[f]), f) for f, *_ in line_fields if f in ln]
        out.append("</line>")
    out += ["</%s>" % singular, "</%s>" % kind]
    return "\n".join(out) + "\n"


class Identity(Steps):
    def setUp(self):
        super().setUp()
        # ID-1 and ID-2 exist; ID-1 has a shipment SH-P whose capture
        # CAP-SH-P (100.00) is requested
        self.step("orders", order("ID-1", "SEK", True, "1000.00",
                                  [(1, 5, "100.00", "25"), (2, 5, "100.00", "25")]))
        self.step("orders", order("ID-2", "SEK", True, "1000.00", [(1, 5, "100.00", "25")]))
        self.step("shipments", shipment("SH-P", "ID-1", [(1, 1)]))

    def base(self, kind):
        """The kind's fields, and its base record with every field given."""
        head_fields, line_fields = schema(self.s, kind)
        head_over, line_over = BASE[kind]
        head = {f: head_over.get(f, values_of(t, v)[0]) for f, t, v, _ in head_fields}
        lines = [{f: line_over.get(f, values_of(t, v)[0]) for f, t, v, _ in line_fields}] \
            if line_over is not None else []
        if kind == "returns":
            self.step("payments", payment("EV-P", "ID-1", "capture", "100.00", "SEK", "CAP-SH-P"))
        return head_fields, line_fields, head, lines

    def changed(self, kind, fields, record):
        """(field, record with that field changed, expected outcome) for
        each field: every other value of its type (and MORE), and for an
        optional field its absence."""
        defaults = {**DEFAULTS.get(kind, ({}, {}))[0], **DEFAULTS.get(kind, ({}, {}))[1]}
        update = kind == "shipments"
        for f, t, values, optional in fields:
            others = [v for v in dict.fromkeys(values_of(t, values) + MORE.get(f, []))
                      if v != record[f]]
            for other in others:
                yield f, dict(record, **{f: other}), \
                    "accepted" if update and f in SHIPMENT_UPDATES else CONFLICT.get(kind, "record_conflict")
            if optional:
                absent = {k: v for k, v in record.items() if k != f}
                same = defaults.get(f) == record[f] or (update and f in SHIPMENT_UPDATES)
                yield f + " (absent)", absent, \
                    "duplicate" if same else CONFLICT.get(kind, "record_conflict")

    def check_every_field(self, kind):
        head_fields, line_fields, head, lines = self.base(kind)
        self.step(kind, as_csv(head_fields, line_fields, head, lines))
        id_field = head_fields[0][0]
        variants = [(f, h, lines, want) for f, h, want in self.changed(kind, head_fields[1:], head)]
        if lines:
            variants += [(f, head, [ln], want)
                         for f, ln, want in self.changed(kind, line_fields, lines[0])]
            # a line more is other content too
            variants.append(("(a line more)", head, lines + [dict(lines[0], line_id="3")],
                             CONFLICT.get(kind, "record_conflict")))
        self.assertGreater(len(variants), len(head_fields) + len(line_fields) - 1)
        for f, h, ls, want in variants:
            with self.subTest(kind=kind, field=f):
                self.assertEqual(h[id_field], head[id_field])
                text = as_csv(head_fields, line_fields, h, ls)
                if want in ("accepted", "duplicate"):
                    self.step(kind, text, want)
                    continue
                r = self.step(kind, text, "rejected")
                self.assertIn(want, {e["code"] for e in r["errors"]}, (f, r["errors"]))

    def check_same_content(self, kind):
        head_fields, line_fields, head, lines = self.base(kind)
        singular = {"orders": "order", "amendments": "amendment", "cancellations": "cancellation",
                    "shipments": "shipment", "payments": "payment", "returns": "return",
                    "invoices": "invoice"}[kind]
        head_dflt, line_dflt = DEFAULTS.get(kind, ({}, {}))
        if kind == "orders":
            # no shipping, so shipping_price may be left at its default;
            # no grand_total, as the discount is left at its default
            del head["shipping_price"], head["shipping_vat_rate"], head["grand_total"]
        bare = ({f: v for f, v in head.items() if f not in head_dflt},
                [{f: v for f, v in ln.items() if f not in line_dflt} for ln in lines])
        explicit = (dict(bare[0], **head_dflt), [dict(ln, **line_dflt) for ln in bare[1]])
        self.step(kind, as_csv(head_fields, line_fields, *bare))
        self.step(kind, as_xml(kind, singular, head_fields, line_fields, *bare), "duplicate",
                  ext="xml")
        self.step(kind, as_csv(head_fields, line_fields, *explicit), "duplicate")
        self.step(kind, as_xml(kind, singular, head_fields, line_fields, *explicit), "duplicate",
                  ext="xml")
        # an amount's value, not its spelling: leading zeros change nothing
        money = [f for f, t, *_ in head_fields + line_fields if t == "money"]
        if money:
            zeros = (dict(explicit[0]), [dict(ln) for ln in explicit[1]])
            for part in [zeros[0]] + zeros[1]:
                for f in money:
                    if f in part:
                        part[f] = "00" + part[f]
            self.step(kind, as_csv(head_fields, line_fields, *zeros), "duplicate")


    def test_line_order_is_content_except_for_shipments(self):
        two = order("LO-1", "SEK", True, "1000.00", [(1, 1, "10.00", "25"), (2, 1, "20.00", "25")])
        self.step("orders", two)
        head, first, second = two.splitlines()
        r = self.step("orders", "\n".join([head, second, first]) + "\n", "rejected")
        self.assertIn("order_number_reused", {e["code"] for e in r["errors"]})
        self.step("shipments", shipment("SH-L", "LO-1", [(1, 1), (2, 1)]))
        self.step("shipments", shipment("SH-L", "LO-1", [(2, 1), (1, 1)]), "duplicate")


def add_tests():
    for kind in KINDS:
        setattr(Identity, "test_every_field_of_%s_is_content" % kind,
                lambda self, k=kind: self.check_every_field(k))
        setattr(Identity, "test_same_content_of_%s_is_a_duplicate" % kind,
                lambda self, k=kind: self.check_same_content(k))


add_tests()

if __name__ == "__main__":
    run_tap()
