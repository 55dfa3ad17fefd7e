# SPDX-License-Identifier: ISC
"""The optional order fields beside the money: billing_state and
delivery_state (required and checked for US, CA and AU), language,
delivery_date, internal_comment and extra attributes, in CSV and XML: what
is kept, shown and exported, what is rejected, and that a change of any of
them is never a duplicate."""
import csv
import glob
import io
import os
import re
import subprocess

from harness import SRCDIR, Steps, codes, run_tap
from lifecycle_util import order, payment, ret, shipment
from story import free_invoice


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def pdftext(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True).stdout

HEAD = ["order_number", "order_date", "market", "currency", "email", "billing_address1",
        "billing_zip", "billing_city", "billing_country", "payment_method",
        "payment_reference", "authorized_amount", "line_id", "sku", "name", "quantity",
        "unit_price", "vat_rate"]
BASE = {"order_date": "2026-11-26T10:00:00Z", "market": "US", "currency": "USD",
        "email": "a@example.com", "billing_address1": "1 Main St", "billing_zip": "94105",
        "billing_city": "San Francisco", "billing_country": "US", "payment_method": "card",
        "payment_reference": "P-1", "authorized_amount": "100.00", "line_id": "1",
        "sku": "S", "name": "Thing", "quantity": "1", "unit_price": "100.00", "vat_rate": "0"}


def order_csv(number, **fields):
    """One order of one line as CSV; a field given as None is left out."""
    row = dict(BASE, order_number=number, **fields)
    row = {k: v for k, v in row.items() if v is not None}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(list(row))
    w.writerow(list(row.values()))
    return out.getvalue()


def order_xml(number, extra="", **fields):
    """The same order as XML: the header fields in the XSD's order, then
    `extra` (attribute elements), then the line."""
    row = dict(BASE, order_number=number, **fields)
    order = ["order_number", "order_date", "market", "currency", "email",
             "billing_address1", "billing_zip", "billing_city", "billing_country",
             "delivery_address1", "delivery_zip", "delivery_city", "delivery_country",
             "payment_method", "payment_reference", "authorized_amount", "billing_state",
             "delivery_state", "language", "delivery_date", "internal_comment", "comment"]
    head = "".join("<%s>%s</%s>\n" % (k, row[k], k) for k in order if row.get(k) is not None)
    line = "".join("<%s>%s</%s>" % (k, row[k], k)
                   for k in ("line_id", "sku", "name", "quantity", "unit_price", "vat_rate"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<orders xmlns="urn:sluice:1">\n<order>\n'
            + head + extra + "<line>" + line + "</line>\n</order>\n</orders>\n")


class States(Steps):
    def test_csv_and_xml_states_kept_and_shown(self):
        self.step("order", order_csv("S-1", billing_state="CA"))
        self.step("order", order_xml("S-2", billing_state="NY", billing_country="US",
                                     delivery_address1="9 Rue", delivery_zip="H2X",
                                     delivery_city="Montreal", delivery_country="CA",
                                     delivery_state="QC"), ext="xml")
        o = self.s.order("S-1")
        self.assertEqual((o["billing"]["state"], o["delivery"]["state"]), ("CA", "CA"))
        o = self.s.order("S-2")
        self.assertEqual((o["billing"]["state"], o["delivery"]["state"]), ("NY", "QC"))
        text = self.s.sluice("order", "show", "S-2", check=True).stdout
        self.assertIn("San Francisco, US NY", text)
        self.assertIn("Montreal, CA QC", text)

    def test_other_countries_keep_any_state_or_none(self):
        self.step("order", order_csv("S-3", billing_country="SE", billing_state="Skåne län"))
        self.step("order", order_csv("S-4", billing_country="DE"))
        self.assertEqual(self.s.order("S-3")["billing"]["state"], "Skåne län")
        self.assertIsNone(self.s.order("S-4")["billing"]["state"])

    def test_each_listed_country_needs_its_state(self):
        for i, (country, good, bad) in enumerate([("US", "DC", "XX"), ("US", "PR", "ON"),
                                                  ("CA", "ON", "CA"), ("AU", "NSW", "ns")]):
            self.step("order", order_csv("G-%d" % i, billing_country=country, billing_state=good))
            r = self.step("order", order_csv("B-%d" % i, billing_country=country,
                                             billing_state=bad), expect="rejected")
            self.assertEqual(codes(r), {(2, "billing_state", "invalid_state")})
            r = self.step("order", order_csv("M-%d" % i, billing_country=country),
                          expect="rejected")
            self.assertEqual(codes(r), {(2, "billing_state", "missing_field")})
            self.assertIn(country, r["errors"][0]["message"])

    def test_delivery_state_follows_the_delivery_address(self):
        delivery = dict(billing_state="CA", delivery_address1="1 Bay St", delivery_zip="2000",
                        delivery_city="Sydney", delivery_country="AU")
        r = self.step("order", order_csv("D-1", **delivery), expect="rejected")
        self.assertEqual(codes(r), {(2, "delivery_state", "missing_field")})
        r = self.step("order", order_csv("D-2", delivery_state="QC", **delivery),
                      expect="rejected")
        self.assertEqual(codes(r), {(2, "delivery_state", "invalid_state")})
        r = self.step("order", order_xml("D-3", delivery_state="QC", **delivery), ext="xml",
                      expect="rejected")
        self.assertEqual({(f, c) for _, f, c in codes(r)}, {("delivery_state", "invalid_state")})
        # a state alone is a delivery address without its other fields
        r = self.step("order", order_csv("D-4", billing_state="CA", delivery_state="NSW"),
                      expect="rejected")
        self.assertIn((2, "delivery_address1", "missing_field"), codes(r))
        self.step("order", order_csv("D-5", delivery_state="NSW", **delivery))

    def test_amendment_replaces_the_delivery_state(self):
        self.step("order", order_csv("A-1", billing_state="CA"))
        amend = ("amendment_id,order_number,delivery_address1,delivery_zip,delivery_city,"
                 "delivery_country,delivery_state\n")
        r = self.step("amendment", amend + "AM-1,A-1,1 Bay St,2000,Sydney,AU,\n",
                      expect="rejected")
        self.assertEqual(codes(r), {(2, "delivery_state", "missing_field")})
        r = self.step("amendment", amend + "AM-2,A-1,1 Bay St,2000,Sydney,AU,XX\n",
                      expect="rejected")
        self.assertEqual(codes(r), {(2, "delivery_state", "invalid_state")})
        self.step("amendment", amend + "AM-3,A-1,1 Bay St,2000,Sydney,AU,NSW\n")
        o = self.s.order("A-1")
        self.assertEqual((o["delivery"]["country"], o["delivery"]["state"]), ("AU", "NSW"))
        self.assertEqual(o["billing"]["state"], "CA")
        # a new delivery address outside the listed countries drops the state
        self.step("amendment", amend + "AM-4,A-1,Gatan 1,11111,Stockholm,SE,\n")
        self.assertIsNone(self.s.order("A-1")["delivery"]["state"])
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<amendments xmlns="urn:sluice:1">'
               "<amendment><amendment_id>AM-5</amendment_id><order_number>A-1</order_number>"
               "<delivery_address1>9 Rue</delivery_address1><delivery_zip>H2X</delivery_zip>"
               "<delivery_city>Montreal</delivery_city><delivery_country>CA</delivery_country>"
               "<delivery_state>QC</delivery_state></amendment></amendments>\n")
        self.step("amendment", xml, ext="xml")
        self.assertEqual(self.s.order("A-1")["delivery"]["state"], "QC")


class Header(Steps):
    def test_example_accepted(self):
        self.s.drop_example("orders", "orders-us.csv")
        self.s.run_once()
        self.assertEqual(self.s.receipt("orders-us.csv")["status"], "accepted")
        o = self.s.order("SL-1010")
        self.assertEqual((o["billing"]["state"], o["delivery"]["state"], o["language"],
                          o["grand_total"], o["attributes"]),
                         ("CA", "ON", "en", "134.00",
                          {"gift_wrap": "yes", "sales_channel": "instagram"}))

    def test_language_delivery_date_internal_comment_kept(self):
        fields = dict(billing_state="CA", language="sv", delivery_date="2026-12-01T00:00:00Z",
                      internal_comment="call before\nshipping")
        self.step("order", order_csv("H-1", **fields))
        self.step("order", order_xml("H-2", **fields), ext="xml")
        for n in ("H-1", "H-2"):
            o = self.s.order(n)
            self.assertEqual((o["language"], o["delivery_date"], o["internal_comment"]),
                             ("sv", "2026-12-01T00:00:00Z", "call before\nshipping"), n)
        text = self.s.sluice("order", "show", "H-1", check=True).stdout
        self.assertIn("language  sv", text)
        self.assertIn("2026-12-01T00:00:00Z", text)
        self.assertIn("call before", text)
        self.step("order", order_csv("H-3", billing_state="CA"))
        o = self.s.order("H-3")
        self.assertEqual((o["language"], o["delivery_date"], o["internal_comment"]),
                         (None, None, None))

    def test_bad_values_rejected(self):
        r = self.step("order", order_csv("H-4", billing_state="CA", language="fr",
                                         delivery_date="2026-12-01"), expect="rejected")
        self.assertEqual(codes(r), {(2, "language", "invalid_value"),
                                    (2, "delivery_date", "invalid_date")})
        r = self.step("order", order_csv("H-5", billing_state="CA",
                                         internal_comment="x" * 2001), expect="rejected")
        self.assertEqual(codes(r), {(2, "internal_comment", "invalid_text")})

    def exported_row(self):
        """The first row of the spool's orders exported as CSV."""
        out = os.path.join(self.s.dir, "export.csv")
        self.s.sluice("bulk", "export", "--all", "--output", out, "--format", "csv",
                      check=True)
        with open(out, newline="") as f:
            return next(csv.DictReader(f))

    def test_export_holds_the_fields(self):
        self.step("order", order_csv("E-1", billing_state="CA", language="de",
                                     delivery_date="2026-12-01T00:00:00Z",
                                     internal_comment="fragile"))
        row = self.exported_row()
        self.assertEqual((row["billing_state"], row["delivery_state"], row["language"],
                          row["delivery_date"], row["internal_comment"]),
                         ("CA", "CA", "de", "2026-12-01T00:00:00Z", "fragile"))


def attrs_xml(*pairs):
    return "".join('<attribute name="%s">%s</attribute>\n' % p for p in pairs)


class Attributes(Steps):
    def test_csv_and_xml_attributes_kept_shown_exported(self):
        self.step("order", order_csv("T-1", billing_state="CA", attr_gift_wrap="yes",
                                     attr_channel_2="app", attr_empty=""))
        self.step("order", order_xml("T-2", billing_state="CA",
                                     extra=attrs_xml(("gift_wrap", "no"), ("z_9", "a b"))),
                  ext="xml")
        self.assertEqual(self.s.order("T-1")["attributes"],
                         {"channel_2": "app", "gift_wrap": "yes"})
        self.assertEqual(self.s.order("T-2")["attributes"], {"gift_wrap": "no", "z_9": "a b"})
        self.step("order", order_csv("T-3", billing_state="CA"))
        self.assertEqual(self.s.order("T-3")["attributes"], {})
        text = self.s.sluice("order", "show", "T-1", check=True).stdout
        self.assertIn("attribute gift_wrap = yes", text)
        out = os.path.join(self.s.dir, "export.csv")
        self.s.sluice("bulk", "export", "--all", "--output", out, "--format", "csv",
                      check=True)
        with open(out, newline="") as f:
            rows = {r["order_number"]: r for r in csv.DictReader(f)}
        self.assertEqual(rows["T-1"]["attributes"], '{"channel_2":"app","gift_wrap":"yes"}')
        self.assertEqual(rows["T-3"]["attributes"], "")

    def test_bad_names_rejected(self):
        """named once, by sluice: the XSD's own complaint is left out"""
        r = self.step("order", order_csv("T-4", billing_state="CA", **{"attr_Gift": "x"}),
                      expect="rejected")
        self.assertEqual(codes(r), {(1, "attr_Gift", "invalid_attribute")})
        r = self.step("order", order_csv("T-5", billing_state="CA", **{"attr_": "x"}),
                      expect="rejected")
        self.assertEqual(codes(r), {(1, "attr_", "csv_unknown_column")})
        r = self.step("order", order_csv("T-6", billing_state="CA",
                                         **{"attr_" + "a" * 33: "x"}), expect="rejected")
        self.assertEqual({c for _, _, c in codes(r)}, {"invalid_attribute"})
        dup = order_csv("T-7", billing_state="CA", attr_a="1")
        head, row = dup.splitlines()
        r = self.step("order", head + ",attr_a\n" + row + ",2\n", expect="rejected")
        self.assertEqual(codes(r), {(1, "attr_a", "csv_duplicate_column")})
        for name in ("Bad", "", "a-b", "a" * 33):
            r = self.step("order", order_xml("T-8", billing_state="CA",
                                             extra=attrs_xml((name, "x"))),
                          ext="xml", expect="rejected")
            self.assertEqual({c for _, _, c in codes(r)}, {"invalid_attribute"}, name)
        r = self.step("order", order_xml("T-9", billing_state="CA",
                                         extra=attrs_xml(("a", "1"), ("a", "2"))),
                      ext="xml", expect="rejected")
        self.assertEqual({(f, c) for _, f, c in codes(r)}, {("attr_a", "invalid_attribute")})
        # an empty element is no attribute, but its name is still checked
        for n, extra in enumerate([(("Bad", ""),), (("a", ""), ("a", "2")),
                                   (("a", "1"), ("a", "")), (("a", ""), ("a", ""))]):
            r = self.step("order", order_xml("T-9%d" % n, billing_state="CA",
                                             extra=attrs_xml(*extra)),
                          ext="xml", expect="rejected")
            self.assertEqual({c for _, _, c in codes(r)}, {"invalid_attribute"}, extra)

    def test_values_and_count_bounded(self):
        r = self.step("order", order_csv("T-10", billing_state="CA", attr_a="x" * 1001),
                      expect="rejected")
        self.assertEqual(codes(r), {(2, "attr_a", "invalid_text")})
        r = self.step("order", order_csv("T-11", billing_state="CA", attr_a="two\nlines"),
                      expect="rejected")
        self.assertEqual(codes(r), {(2, "attr_a", "invalid_text")})
        self.step("order", order_xml("T-12", billing_state="CA",
                                     extra=attrs_xml(*[("a%d" % i, "v") for i in range(100)])),
                  ext="xml")
        self.assertEqual(len(self.s.order("T-12")["attributes"]), 100)
        r = self.step("order", order_xml("T-13", billing_state="CA",
                                         extra=attrs_xml(*[("a%d" % i, "v")
                                                           for i in range(5000)])),
                      ext="xml", expect="rejected")
        self.assertIn("invalid_attribute", {c for _, _, c in codes(r)})
        many = {"attr_a%d" % i: "v" for i in range(101)}
        r = self.step("order", order_csv("T-14", billing_state="CA", **many),
                      expect="rejected")
        self.assertIn("invalid_attribute", {c for _, _, c in codes(r)})

    def test_rows_of_one_order_repeat_its_attributes(self):
        row = dict(BASE, order_number="T-15", billing_state="CA", attr_a="1")
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(list(row))
        w.writerow(list(row.values()))
        w.writerow(list(dict(row, line_id="2", attr_a="2").values()))
        w.writerow(list(dict(row, line_id="3", attr_a="").values()))
        r = self.step("order", out.getvalue(), expect="rejected")
        self.assertEqual(codes(r), {(3, "attr_a", "csv_header_mismatch"),
                                    (4, "attr_a", "csv_header_mismatch")})


MARKER = "ZQX-internal-7731"


class Documents(Steps):
    """An order with every new field through its documents: an order
    confirmation (it awaits payment), a pro-forma and capture request, an
    invoice and a credit note."""

    def run_story(self, **fields):
        head = dict(billing_country="US", billing_state="CA", billing_city="San Francisco",
                    delivery_address1="1 Bay St", delivery_zip="2000", delivery_city="Sydney",
                    delivery_country="AU", delivery_state="NSW", internal_comment=MARKER,
                    delivery_date="2026-12-01T00:00:00Z", attr_note=MARKER + "-attr", **fields)
        self.step("order", order("DOC-1", "USD", True, "50.00", [(1, 2, "100.00", "0")], **head))
        link = glob.glob(self.s.path("out", "links", "LINK-DOC-1-*.xml"))[0]
        token = re.search(r"<token>([^<]+)</token>", read(link)).group(1)
        self.step("payment", payment("EV-1", "DOC-1", "authorization", "150.00", "USD",
                                     request_id=os.path.basename(link)[:-4]))
        self.step("shipment", shipment("SH-1", "DOC-1", [(1, 2)], shipped=True))
        self.step("payment", payment("EV-2", "DOC-1", "capture", "200.00", "USD",
                                     request_id="CAP-SH-1"))
        self.step("return", ret("R-1", "DOC-1", "SH-1", [(1, 1)]))
        return token

    def outputs(self):
        return {os.path.relpath(p, self.s.path("out")): p
                for p in glob.glob(self.s.path("out", "**", "*"), recursive=True)
                if os.path.isfile(p) and "/receipts/" not in "/" + os.path.relpath(p, self.s.path("out"))}

    def test_states_on_documents_internal_comment_never(self):
        token = self.run_story()
        out = self.outputs()
        kinds = {os.path.dirname(k) for k in out}
        self.assertTrue({"invoices", "proformas", "captures", "links"} <= kinds, sorted(out))
        for name, path in out.items():
            data = open(path, "rb").read()
            text = pdftext(path) if name.endswith(".pdf") else data.decode()
            self.assertNotIn(MARKER, text, name)
            self.assertNotIn(MARKER.encode(), data, name)
        link = self.s.sluice("link", "show", token, "--json", check=True).stdout
        link += self.s.sluice("link", "show", token, check=True).stdout
        self.assertNotIn(MARKER, link)
        pf = read(out["proformas/PF-SH-1.xml"])
        self.assertIn("<country>US</country><state>CA</state>", re.sub(r"\s", "", pf))
        self.assertIn("<country>AU</country><state>NSW</state>", re.sub(r"\s", "", pf))
        inv = [k for k in out if k.startswith("invoices/INV") and k.endswith(".xml")][0]
        self.assertIn("<state>CA</state>", read(out[inv]))
        self.assertIn("CA US", pdftext(out[inv[:-4] + ".pdf"]))
        self.assertIn("NSW AU", pdftext(out["proformas/PF-SH-1.pdf"]))
        self.assertIn("<delivery_date>2026-12-01T00:00:00Z</delivery_date>", pf)
        self.assertRegex(pdftext(out["proformas/PF-SH-1.pdf"]), r"Delivery date +2026-12-01")
        # no language chosen: the XML names none, the labels are the template's
        self.assertNotIn("<language>", read(out[inv]))
        self.assertIn("Invoice", pdftext(out[inv[:-4] + ".pdf"]))
        self.assertIn(MARKER, self.s.sluice("order", "show", "DOC-1", check=True).stdout)

    def test_language_of_the_documents(self):
        self.run_story(language="de")
        out = self.outputs()
        inv = [k for k in out if k.startswith("invoices/INV") and k.endswith(".xml")][0]
        cn = [k for k in out if k.startswith("invoices/CN") and k.endswith(".xml")][0]
        self.assertIn("<language>de</language>", read(out[inv]))
        self.assertIn("<language>de</language>", read(out["proformas/PF-SH-1.xml"]))
        self.assertIn("Rechnung", pdftext(out[inv[:-4] + ".pdf"]))
        self.assertIn("Gutschrift", pdftext(out[cn[:-4] + ".pdf"]))
        self.assertIn("Proforma-Rechnung", pdftext(out["proformas/PF-SH-1.pdf"]))
        self.assertIn("Liefertermin", pdftext(out["proformas/PF-SH-1.pdf"]))
        link = [k for k in out if k.startswith("links/") and k.endswith(".pdf")][0]
        self.assertIn("Bestellbestätigung", pdftext(out[link]))
        for name, path in out.items():
            if name.endswith(".xml"):
                xsd = {"invoices": "invoice.xsd", "proformas": "proforma.xsd",
                       "captures": "payment_request.xsd",
                       "links": "payment_link.xsd"}[os.path.dirname(name)]
                r = subprocess.run(["xmllint", "--noout", "--schema",
                                    os.path.join(SRCDIR, "schemas", xsd), path],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
        # a free-text invoice that names the order is in its language too;
        # one that names none is in the template's
        self.step("invoice", free_invoice("FT-1", "Acme GmbH", [("Gravur", 1, "10.00", "0")],
                                          order_number="DOC-1"))
        self.step("invoice", free_invoice("FT-2", "Acme AB", [("Engraving", 1, "10.00", "0")]))
        free = sorted(k for k in self.outputs() if k.startswith("invoices/INV") and
                      k.endswith(".pdf") and k[:-4] + ".xml" not in out)
        self.assertEqual(len(free), 2)
        self.assertIn("Rechnung", pdftext(self.s.path("out", free[0])))
        self.assertNotIn("Rechnung", pdftext(self.s.path("out", free[1])))
        self.assertIn("Invoice", pdftext(self.s.path("out", free[1])))

    def test_template_labels_apply_to_its_own_language_only(self):
        with open(self.s.path("templates", "default.conf"), "w") as f:
            f.write("name = Nordisk Handel AB\naddress = Storgatan 1\nlanguage = sv\n"
                    "label.total = Summa att betala\n")
        for n, language in (("L-1", None), ("L-2", "sv"), ("L-3", "en"), ("L-4", "de")):
            extra = {"language": language} if language else {}
            self.step("order", order(n, "SEK", True, "0.00", [(1, 1, "100.00", "25")], **extra))
        text = {n: pdftext(glob.glob(self.s.path("out", "links", "LINK-%s-1.pdf" % n))[0])
                for n in ("L-1", "L-2", "L-3", "L-4")}
        self.assertRegex(text["L-1"], r"Summa att betala SEK +100\.00")
        self.assertRegex(text["L-2"], r"Summa att betala SEK +100\.00")
        self.assertIn("Order confirmation", text["L-3"])
        self.assertRegex(text["L-3"], r"Total SEK +100\.00")
        self.assertNotIn("Summa", text["L-3"])
        self.assertRegex(text["L-4"], r"Gesamt SEK +100\.00")


class Identity(Steps):
    def test_a_changed_field_is_never_a_duplicate(self):
        base = dict(billing_state="CA")
        self.step("order", order_csv("I-1", **base))
        self.step("order", order_csv("I-1", **base), expect="duplicate")
        for change in (dict(billing_state="NY"), dict(base, language="en"),
                       dict(base, delivery_date="2026-12-01T00:00:00Z"),
                       dict(base, internal_comment="x")):
            r = self.step("order", order_csv("I-1", **change), expect="rejected")
            self.assertEqual(codes(r), {(2, "order_number", "order_number_reused")}, change)

    def test_attributes_are_content(self):
        self.step("order", order_csv("I-2", billing_state="CA", attr_a="1", attr_b="2"))
        # the same attributes in another order of columns, or as XML
        self.step("order", order_csv("I-2", billing_state="CA", attr_b="2", attr_a="1"),
                  expect="duplicate")
        self.step("order", order_xml("I-2", billing_state="CA",
                                     extra=attrs_xml(("b", "2"), ("a", "1"))),
                  ext="xml", expect="duplicate")
        for change in (dict(attr_a="1"), dict(attr_a="1", attr_b="3"),
                       dict(attr_a="1", attr_b="2", attr_c="3")):
            r = self.step("order", order_csv("I-2", billing_state="CA", **change),
                          expect="rejected")
            self.assertEqual(codes(r), {(2, "order_number", "order_number_reused")}, change)
        # an order without attributes keeps the identity it always had
        self.step("order", order_csv("I-3", billing_state="CA"))
        r = self.step("order", order_csv("I-3", billing_state="CA", attr_a="1"),
                      expect="rejected")
        self.assertEqual(codes(r), {(2, "order_number", "order_number_reused")})


if __name__ == "__main__":
    run_tap()
