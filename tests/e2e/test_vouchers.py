# SPDX-License-Identifier: ISC
"""Order vouchers end to end: orders with a voucher (CSV, XML, the
examples) are accepted and spread it over their lines as doc/lifecycle.md
says, each share worked out here again from the rule; a voucher beyond the
lines' gross and bad voucher fields are rejected; a voucher is part of the
order's content; lines an amendment adds carry no share; the documents of
voucher orders validate and add up; bulk export carries the voucher; the
invoice PDF speaks the order's language."""
import csv
import glob
import os
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

from harness import EXAMPLES, NS, SRCDIR, Steps, codes, read, run_tap
from lifecycle_util import amendment, order, payment, ret, shipment

XMLLINT = os.environ.get("XMLLINT") or "xmllint"


# ------------------------------------------------ the rules, stated again

def cents(text, digits=2):
    """Minor units of a decimal string."""
    return int(Decimal(text) * 10 ** digits)


def half_up(num, den):
    """num / den rounded half away from zero, both at least 0."""
    return (2 * num + den) // (2 * den)


def shares(voucher, grosses):
    """{line_id: share} of a voucher over {line_id: gross}: in proportion,
    in line_id order, by cumulative parts."""
    total = sum(grosses.values())
    out, cum, before = {}, 0, 0
    for lid in sorted(grosses):
        cum += grosses[lid]
        upto = half_up(voucher * cum, total)
        out[lid] = upto - before
        before = upto
    return out


def amounts(gross, rate, incl):
    """(total, VAT) of a gross at a whole-percent rate."""
    if incl:
        return gross, half_up(gross * rate, 100 + rate)
    vat = half_up(gross * rate, 100)
    return gross + vat, vat


def xmllint(xsd, paths):
    return subprocess.run([XMLLINT, "--noout", "--nonet", "--schema",
                           os.path.join(SRCDIR, "schemas", xsd)] + paths,
                          capture_output=True, text=True)


def pdftext(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True).stdout


def child(el, name):
    return el.find(NS + name)


def text_of(el, name, default=None):
    c = child(el, name)
    return default if c is None else c.text


# (line_id, quantity, unit_price, vat_rate[, discount]) of a SEK order with
# prices including VAT at three rates, and of an EUR one excluding them
SEK_LINES = [(1, 3, "333.33", "25"), (2, 2, "99.99", "12", "10.01"), (3, 7, "12.50", "6")]
EUR_LINES = [(4, 1, "19.99", "19"), (7, 3, "4.45", "7"), (9, 2, "2.50", "0")]


def grosses_of(lines):
    return {ln[0]: ln[1] * cents(ln[2]) - (cents(ln[4]) if len(ln) > 4 else 0) for ln in lines}


class Vouchers(Steps):
    def voucher_order(self, number, lines, incl, voucher, code="WINTER-10", currency=None,
                      shipping="49.00", shipping_rate="25", authorized="99999.00", **extra):
        """Sends an order with a voucher; returns its receipt."""
        fields = dict(extra, voucher_value=voucher)
        if code is not None:
            fields["voucher_code"] = code
        return self.step("order", order(number, currency or ("SEK" if incl else "EUR"), incl,
                                        authorized, lines, shipping=shipping,
                                        shipping_rate=shipping_rate, **fields))

    def check_spread(self, o, lines, incl, voucher, shipping=0, shipping_rate=0):
        """The order shown spreads the voucher as the rule says."""
        grosses = grosses_of(lines)
        want = shares(voucher, grosses)
        got = {ln["line_id"]: cents(ln["voucher"]) for ln in o["lines"]}
        self.assertEqual(got, want)
        self.assertEqual(sum(got.values()), voucher)
        self.assertEqual(cents(o["voucher_value"]), voucher)
        rates = {ln[0]: int(ln[3]) for ln in lines}
        total = amounts(shipping, shipping_rate, incl)[0]
        for ln in o["lines"]:
            lid = ln["line_id"]
            self.assertLessEqual(want[lid], grosses[lid])
            t, v = amounts(grosses[lid] - want[lid], rates[lid], incl)
            self.assertEqual((cents(ln["line_total"]), cents(ln["vat"])), (t, v), lid)
            total += t
        self.assertEqual(cents(o["grand_total"]), total)

    def test_examples_accepted_and_spread(self):
        for name in ("orders-voucher.csv", "orders-voucher.xml"):
            self.s.drop_example("orders", name)
        self.s.run_once()
        for name in ("orders-voucher.csv", "orders-voucher.xml"):
            self.assertEqual(self.s.receipt(name)["status"], "accepted", name)
        o = self.s.order("SL-1020")
        self.assertEqual((o["voucher_code"], o["voucher_value"]), ("VINTER100", "100.00"))
        self.check_spread(o, [(1, 1, "1495.00", "25"), (2, 2, "199.00", "25", "20.00"),
                              (3, 1, "349.00", "6")], True, 10000, 4900, 25)
        o = self.s.order("SL-1021")
        self.assertEqual((o["voucher_code"], o["voucher_value"]), ("WILLKOMMEN5", "5.00"))
        self.check_spread(o, [(1, 2, "24.90", "19"), (2, 1, "12.00", "7")], False, 500, 490, 19)
        self.assertEqual(xmllint("orders.xsd", [os.path.join(EXAMPLES, "orders-voucher.xml")])
                         .returncode, 0)

    def test_csv_and_xml_orders_spread_the_voucher(self):
        self.voucher_order("V-1", SEK_LINES, True, "123.45")
        self.check_spread(self.s.order("V-1"), SEK_LINES, True, 12345, 4900, 25)
        self.assertEqual(self.s.order("V-1")["voucher_code"], "WINTER-10")
        # the same rule for prices without VAT, line ids not consecutive
        self.voucher_order("V-2", EUR_LINES, False, "7.77", code=None, shipping="3.90",
                           shipping_rate="19")
        o = self.s.order("V-2")
        self.check_spread(o, EUR_LINES, False, 777, 390, 19)
        self.assertIsNone(o["voucher_code"])
        text = self.s.sluice("order", "show", "V-1", check=True).stdout
        self.assertIn("voucher   WINTER-10 123.45", text)
        xml = read(os.path.join(EXAMPLES, "orders-voucher.xml")).decode().replace(
            "SL-1021", "V-3").replace("<voucher_value>5.00", "<voucher_value>0.01").replace(
            "<grand_total>72.10</grand_total>", "")
        self.step("order", xml, ext="xml")
        self.check_spread(self.s.order("V-3"), [(1, 2, "24.90", "19"), (2, 1, "12.00", "7")],
                          False, 1, 490, 19)

    def test_voucher_beyond_the_gross_rejected(self):
        gross = sum(grosses_of(SEK_LINES).values())
        over = "%d.%02d" % divmod(gross + 1, 100)
        r = self.step("order", order("V-4", "SEK", True, "9999.00", SEK_LINES,
                                     voucher_value=over), expect="rejected")
        self.assertEqual(codes(r), {(2, "voucher_value", "voucher_too_large")})
        self.assertEqual(r["file"], "%03d-order.csv" % self.n)
        self.assertIsNone(self.s.order("V-4"))
        xml = read(os.path.join(EXAMPLES, "orders-voucher.xml")).decode().replace(
            "<voucher_value>5.00", "<voucher_value>61.81")
        r = self.step("order", xml, expect="rejected", ext="xml")
        line = xml.split("\n").index("    <voucher_value>61.81</voucher_value>") + 1
        self.assertEqual(codes(r), {(line, "voucher_value", "voucher_too_large")})

    def test_voucher_of_the_whole_gross(self):
        """Lines of total 0: shipments charge nothing (their capture is
        none, paid as they are), only the shipping is captured, and
        nothing anywhere is negative."""
        gross = sum(grosses_of(SEK_LINES).values())
        self.voucher_order("V-5", SEK_LINES, True, "%d.%02d" % divmod(gross, 100),
                           shipping="", shipping_rate="", authorized="0.00")
        o = self.s.order("V-5")
        self.check_spread(o, SEK_LINES, True, gross)
        self.assertEqual((o["grand_total"], o["vat_total"], o["due"], o["awaiting_payment"]),
                         ("0.00", "0.00", "0.00", False))
        self.step("shipment", shipment("SH-V5-1", "V-5", [(1, 3), (2, 1)], shipped=True))
        self.step("shipment", shipment("SH-V5-2", "V-5", [(2, 1), (3, 7)], shipped=True))
        o = self.s.order("V-5")
        self.assertEqual([(s["amount"], s["capture"], s["paid"], s["completed"])
                          for s in o["shipments"]],
                         [("0.00", "none", True, True)] * 2)
        self.assertEqual(o["requests"], [])
        self.assertEqual(o["status"], "completed")
        self.assertEqual(glob.glob(self.s.path("out", "captures", "*")), [])
        self.no_negative(o)
        # with shipping, the shipping alone is charged and captured
        self.voucher_order("V-6", SEK_LINES, True, "%d.%02d" % divmod(gross, 100),
                           authorized="49.00")
        self.assertEqual(self.s.order("V-6")["grand_total"], "49.00")
        self.step("shipment", shipment("SH-V6-1", "V-6", [(3, 1)], shipped=True))
        o = self.s.order("V-6")
        self.assertEqual([(s["amount"], s["capture"]) for s in o["shipments"]],
                         [("49.00", "requested")])
        self.assertIn("<amount>49.00</amount>",
                      read(self.s.path("out", "captures", "CAP-SH-V6-1.xml")).decode())
        self.no_negative(o)

    def no_negative(self, value, where="order"):
        if isinstance(value, dict):
            for k, v in value.items():
                self.no_negative(v, "%s.%s" % (where, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.no_negative(v, "%s[%d]" % (where, i))
        elif isinstance(value, str):
            self.assertFalse(value.startswith("-") and value[1:2].isdigit(), where)

    def test_bad_voucher_fields_rejected(self):
        for number, fields, want in (
                ("V-7", {"voucher_value": "-5.00"}, "invalid_money"),
                ("V-8", {"voucher_value": "5.001"}, "invalid_money"),
                ("V-9", {"voucher_value": "5.0"}, "invalid_money"),
                ("V-10", {"voucher_value": "5", "currency": "KWD"}, "invalid_money"),
                ("V-11", {"voucher_value": "5.00", "voucher_code": "C" * 65}, "invalid_text")):
            cur = fields.pop("currency", "SEK")
            field = "voucher_code" if "voucher_code" in fields else "voucher_value"
            text = order(number, cur, True, "", [(1, 1, "100.000" if cur == "KWD" else "100.00",
                                                  "25")], **fields)
            r = self.step("order", text, expect="rejected")
            self.assertEqual(codes(r), {(2, field, want)}, number)
        # the longest code is taken
        self.step("order", order("V-12", "SEK", True, "", [(1, 1, "100.00", "25")],
                                 voucher_value="5.00", voucher_code="Å" * 64))
        self.assertEqual(self.s.order("V-12")["voucher_code"], "Å" * 64)

    def test_voucher_is_part_of_the_orders_content(self):
        base = dict(voucher_value="10.00", voucher_code="WINTER-10")
        first = order("V-13", "SEK", True, "999.00", SEK_LINES, **base)
        self.step("order", first)
        self.step("order", first.replace("\n", "\r\n"), expect="duplicate")
        for change in ({"voucher_value": "10.01"}, {"voucher_code": "WINTER-11"},
                       {"voucher_code": ""}, {"voucher_value": ""}):
            r = self.step("order", order("V-13", "SEK", True, "999.00", SEK_LINES,
                                         **dict(base, **change)), expect="rejected")
            self.assertEqual({c for _, _, c in codes(r)}, {"order_number_reused"}, change)
        self.assertEqual(self.s.order("V-13")["voucher_value"], "10.00")
        # a voucher of 0 written out is the default left out
        self.step("order", order("V-14", "SEK", True, "999.00", SEK_LINES))
        self.step("order", order("V-14", "SEK", True, "999.00", SEK_LINES, voucher_value="0.00"),
                  expect="duplicate")

    def test_amendment_line_carries_no_share(self):
        self.voucher_order("V-15", SEK_LINES, True, "50.00")
        before = self.s.order("V-15")
        self.step("amendment", amendment("AM-V15", "V-15", [(8, 2, "40.00", "25")]))
        o = self.s.order("V-15")
        added = [ln for ln in o["lines"] if ln["line_id"] == 8][0]
        self.assertEqual((added["voucher"], added["line_total"], added["vat"]),
                         ("0.00", "80.00", "16.00"))
        self.assertEqual([ln for ln in o["lines"] if ln["line_id"] != 8], before["lines"])
        self.assertEqual(cents(o["grand_total"]), cents(before["grand_total"]) + 8000)
        self.assertEqual(sum(cents(ln["voucher"]) for ln in o["lines"]), 5000)

    # ------------------------------------------------------------ documents

    def check_document(self, path, code):
        """A document adds up: its lines to its total, their VAT to each
        rate's, their voucher parts to its voucher (with the code).
        Returns its {line description: line element}."""
        doc = ET.parse(path).getroot()
        lines = doc.findall(NS + "line")
        total = sum(cents(text_of(ln, "line_total")) for ln in lines)
        self.assertEqual(total, cents(text_of(doc, "total")), path)
        by_rate = {}
        for ln in lines:
            r = by_rate.setdefault(text_of(ln, "vat_rate"), [0, 0])
            r[0] += cents(text_of(ln, "line_total")) - cents(text_of(ln, "vat"))
            r[1] += cents(text_of(ln, "vat"))
        got = {text_of(v, "rate"): [cents(text_of(v, "base")), cents(text_of(v, "amount"))]
               for v in doc.findall(NS + "vat")}
        self.assertEqual(got, {k: v for k, v in by_rate.items() if v != [0, 0] or k in got}, path)
        self.assertEqual(cents(text_of(doc, "vat_total")), sum(v[1] for v in by_rate.values()))
        parts = sum(cents(text_of(ln, "voucher", "0")) for ln in lines)
        v = child(doc, "voucher")
        self.assertIsNotNone(v, path)
        self.assertEqual((text_of(v, "code"), cents(text_of(v, "amount"))), (code, parts), path)
        self.assertGreater(parts, 0)
        return {text_of(ln, "description"): ln for ln in lines}

    def paid(self, sid, number, currency):
        """Answers the capture request of a shipment: success."""
        req = ET.parse(self.s.path("out", "captures", "CAP-%s.xml" % sid)).getroot()
        self.step("payment", payment("EV-" + sid, number, "capture", text_of(req, "amount"),
                                     currency, request_id="CAP-" + sid))

    def test_documents_validate_and_add_up(self):
        for number, lines, incl, cur, rate in (("V-16", SEK_LINES, True, "SEK", "25"),
                                               ("V-17", EUR_LINES, False, "EUR", "19")):
            self.voucher_order(number, lines, incl, "21.21", currency=cur, shipping="4.90",
                               shipping_rate=rate)
            o = self.s.order(number)
            first, second = lines[0][0], lines[1][0]
            self.step("shipment", shipment("SH-%s-1" % number, number,
                                           [(first, lines[0][1]), (second, 1)], shipped=True))
            self.paid("SH-%s-1" % number, number, cur)
            self.step("shipment", shipment("SH-%s-2" % number, number,
                                           [(second, lines[1][1] - 1), (lines[2][0], lines[2][1])],
                                           shipped=True))
            self.paid("SH-%s-2" % number, number, cur)
            self.step("return", ret("RT-%s" % number, number, "SH-%s-2" % number,
                                    [(lines[2][0], 1)], refund_shipping=True))
            o = self.s.order(number)
            docs = {d["type"]: [] for d in o["documents"]}
            for d in o["documents"]:
                docs[d["type"]].append(d["number"])
            self.assertEqual((len(docs["invoice"]), len(docs["credit_note"]), len(docs["proforma"])),
                             (2, 1, 2), number)
            invoices = [self.s.path("out", "invoices", n + ".xml")
                        for n in docs["invoice"] + docs["credit_note"]]
            proformas = [self.s.path("out", "proformas", n + ".xml") for n in docs["proforma"]]
            self.assertEqual(xmllint("invoice.xsd", invoices).stderr.count("validates"), 3)
            self.assertEqual(xmllint("invoice.xsd", invoices).returncode, 0)
            self.assertEqual(xmllint("proforma.xsd", proformas).returncode, 0)
            inv = [self.check_document(p, "WINTER-10") for p in invoices]
            # the first invoice holds the whole first line: its VAT is the
            # VAT of the gross after the voucher
            grosses = grosses_of(lines)
            share = shares(2121, grosses)[first]
            line = inv[0]["Item %d" % first]
            self.assertEqual((cents(text_of(line, "voucher")), cents(text_of(line, "line_total")),
                              cents(text_of(line, "vat"))),
                             (share,) + amounts(grosses[first] - share, int(lines[0][3]), incl))
            # the invoices together carry the whole voucher
            self.assertEqual(sum(cents(text_of(ln, "voucher", "0"))
                                 for d in inv[:2] for ln in d.values()), 2121)
            # the credit note: one unit of the third line and the shipping
            self.assertEqual(cents(o["returns"][0]["refund"]),
                             cents(text_of(ET.parse(invoices[2]).getroot(), "total")))
            self.assertEqual(sorted(inv[2]), sorted(["Item %d" % lines[2][0],
                                                     "Shipping"]))
            for ln in o["lines"]:
                self.assertEqual(ln["shipped"], ln["quantity"])
            self.no_negative(o)

    # ------------------------------------------------------------ bulk export

    def test_bulk_export_carries_the_voucher(self):
        self.voucher_order("V-18", SEK_LINES, True, "33.33")
        self.step("order", order("V-19", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        out = os.path.join(self.s.dir, "export.csv")
        self.s.sluice("bulk", "export", "--all", "--format", "csv", "--output", out, check=True)
        with open(out, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        want = shares(3333, grosses_of(SEK_LINES))
        got = {(r["order_number"], r["line_id"]): (r["voucher_code"], r["voucher_value"],
                                                   r["voucher"]) for r in rows}
        want = {("V-18", str(lid)): ("WINTER-10", "33.33", "%d.%02d" % divmod(v, 100))
                for lid, v in want.items()}
        want[("V-19", "1")] = ("", "0.00", "0.00")
        self.assertEqual(got, want)
        json_out = os.path.join(self.s.dir, "export.json")
        self.s.sluice("bulk", "export", "--orders", "-", "--output", json_out, check=True,
                      input="V-18\n")
        self.assertIn('"voucher_code": "WINTER-10"', read(json_out).decode())

    # ------------------------------------------------------------ languages

    def test_invoice_pdf_speaks_the_orders_language(self):
        english = ["Invoice", "Shipping", "Voucher", "Description", "Unit price", "VAT total"]
        for number, lang, words in (
                # the table's headers whole, each word unbroken however narrow its column
                ("V-20", "de", ["Rechnung", "Versand", "Gutschein", "Beschreibung", "Menge",
                                "Einzelpreis", "Betrag", "USt. gesamt"]),
                ("V-21", "sv", ["Faktura", "Frakt", "Rabattkod", "Beskrivning", "Antal", "À-pris",
                                "Belopp", "Moms totalt", "ingår"]),
                ("V-22", "en", english)):
            self.voucher_order(number, SEK_LINES, True, "10.00", language=lang)
            self.step("shipment", shipment("SH-" + number, number,
                                           [(ln[0], ln[1]) for ln in SEK_LINES], shipped=True))
            self.paid("SH-" + number, number, "SEK")
            inv = [d["number"] for d in self.s.order(number)["documents"] if d["type"] == "invoice"]
            self.assertEqual(len(inv), 1)
            text = pdftext(self.s.path("out", "invoices", inv[0] + ".pdf"))
            for w in words:
                self.assertIn(w, text, (lang, w))
            if lang != "en":
                for w in english:
                    self.assertNotIn(w, text, (lang, w))
            self.assertIn("WINTER-10", text)


if __name__ == "__main__":
    run_tap()
