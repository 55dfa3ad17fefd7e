# SPDX-License-Identifier: ISC
"""Documents end to end: every document validates against its XSD, has the
bytes of its golden file, and in its PDF the number, totals and buyer's
name; numbers are gap-free; payment link tokens are checked; a document
published again is identical; invoice_on and capture_on work."""
import glob
import html
import os
import re
import shutil
import sqlite3
import subprocess
import unittest

from harness import Spool, SpoolTest, SRCDIR, codes, read, run_tap
from lifecycle_util import amendment, cell, order, payment, ret, shipment
from story import free_invoice, story_spool

XMLLINT = os.environ.get("XMLLINT") or "xmllint"
GOLDEN = os.path.join(SRCDIR, "tests", "golden", "documents")
XSD = {"invoices": "invoice.xsd", "proformas": "proforma.xsd", "captures": "payment_request.xsd",
       "links": "payment_link.xsd", "receipts": "receipt.xsd"}


def out_files(spool):
    """Every file under out/."""
    return [p for p in glob.glob(spool.path("out", "**", "*"), recursive=True) if os.path.isfile(p)]


def pdftext(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path):
    """The pages of a PDF: (width, [(xMin, yMin, xMax, yMax, word)]) each."""
    out = subprocess.run(["pdftotext", "-bbox", path, "-"], capture_output=True, text=True,
                         check=True).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
    return [(float(w), [(float(a), float(b), float(c), float(d), html.unescape(t))
                        for a, b, c, d, t in word.findall(body)])
            for w, body in re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', out, re.S)]


class Documents(unittest.TestCase):
    """The story behind the golden files, at a fixed clock."""

    @classmethod
    def setUpClass(cls):
        cls.s, cls.token = story_spool()

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def documents(self):
        out = {}
        for folder in ("invoices", "proformas", "captures", "links"):
            for path in glob.glob(self.s.path("out", folder, "*.xml")):
                out[os.path.basename(path)] = path
        return out

    def test_documents_issued(self):
        self.assertEqual(sorted(self.documents()), sorted([
            "INV-000001.xml", "INV-000002.xml", "INV-000003.xml", "CN-000001.xml",
            "PF-SH-G1.xml", "PF-SH-G2.xml", "CAP-SH-G1.xml", "CAP-SH-G2.xml", "REF-RT-G1.xml",
            "REL-G-2.xml", "LINK-G-1-1.xml"]))
        o = self.s.order("G-1")
        self.assertEqual([(d["type"], d["number"]) for d in o["documents"]], [
            ("link", "LINK-G-1-1"), ("proforma", "PF-SH-G1"), ("capture", "CAP-SH-G1"),
            ("invoice", "INV-000001"), ("proforma", "PF-SH-G2"), ("capture", "CAP-SH-G2"),
            ("invoice", "INV-000002"), ("refund", "REF-RT-G1"), ("credit_note", "CN-000001")])
        self.assertEqual(o["links"][0]["status"], "spent")
        self.assertEqual(o["authorized"], "738.00")

    def test_every_document_validates(self):
        for folder, xsd in XSD.items():
            files = glob.glob(self.s.path("out", folder, "**", "*.xml"), recursive=True)
            self.assertTrue(files, folder)
            r = subprocess.run([XMLLINT, "--noout", "--nonet", "--schema",
                                os.path.join(SRCDIR, "schemas", xsd)] + files,
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_documents_equal_their_golden_files(self):
        regen = os.environ.get("SLUICE_REGEN_GOLDEN") == "1"
        for name, path in sorted(self.documents().items()):
            golden = os.path.join(GOLDEN, name)
            if regen:
                shutil.copyfile(path, golden)
            with self.subTest(name):
                self.assertTrue(os.path.exists(golden), "no golden file " + name)
                self.assertEqual(read(path).decode(), read(golden).decode())

    def test_amounts_equal_the_ledgers(self):
        o = self.s.order("G-1")
        inv1 = read(self.s.path("out", "invoices", "INV-000001.xml")).decode()
        self.assertIn("<total>618.00</total>", inv1)
        self.assertIn("<issued_at>2026-11-27T10:00:00Z</issued_at>", inv1)   # the capture's time
        self.assertIn("<discount>20.00</discount>", inv1)
        shipments = {s["shipment_id"]: s["amount"] for s in o["shipments"]}
        self.assertEqual(shipments, {"SH-G1": "618.00", "SH-G2": "120.00"})
        cn = read(self.s.path("out", "invoices", "CN-000001.xml")).decode()
        self.assertIn("<type>credit_note</type>", cn)
        self.assertIn("<return_fee>10.00</return_fee>", cn)
        self.assertIn("<total>%s</total>" % o["returns"][0]["refund"], cn)
        self.assertEqual(o["returns"][0]["refund"], "269.00")
        # the free-text invoice: 4500.00 + 25% and 2 x 350.00 + 6%
        ft = read(self.s.path("out", "invoices", "INV-000003.xml")).decode()
        self.assertIn("<total>6367.00</total>", ft)
        self.assertIn("<vat_total>1167.00</vat_total>", ft)
        rel = read(self.s.path("out", "captures", "REL-G-2.xml")).decode()
        self.assertIn("<amount>300.00</amount>", rel)

    def test_pdfs_say_number_totals_and_names(self):
        for number, expect in (("INV-000001", ["INV-000001", "618.00", "Åsa Öberg", "Invoice"]),
                               ("CN-000001", ["CN-000001", "269.00", "Åsa Öberg", "Credit note"]),
                               ("INV-000003", ["INV-000003", "6,367.00".replace(",", ""), "Brightside AB"])):
            text = pdftext(self.s.path("out", "invoices", number + ".pdf"))
            for e in expect:
                self.assertIn(e, text, number)
        text = pdftext(self.s.path("out", "proformas", "PF-SH-G1.pdf"))
        for e in ("PF-SH-G1", "Pro-forma", "Åsa Öberg", "618.00"):
            self.assertIn(e, text)

    def republish(self):
        """Publishes every output again; what out/ held before, by path."""
        files = out_files(self.s)
        before = {p: read(p) for p in files}
        db = sqlite3.connect(self.s.path("ledger.db"))
        db.execute("UPDATE outbox SET published = 0")
        db.commit()
        db.close()
        for p in files:
            os.unlink(p)
        self.s.run_once()
        self.assertEqual(sorted(out_files(self.s)), sorted(files))
        return before

    def test_republishing_writes_identical_bytes(self):
        for p, data in self.republish().items():
            self.assertEqual(read(p), data, p)

    def test_the_threads_that_draw_pdfs_change_no_byte(self):
        """One thread draws every PDF, then five: the same bytes as the
        story published them (with the default, one per processor)."""
        with open(self.s.config) as f:
            config = f.read()
        try:
            pdfs = 0
            for threads in ("1", "5"):
                with open(self.s.config, "w") as f:
                    f.write(config + "render_threads = %s\n" % threads)
                for p, data in self.republish().items():
                    self.assertEqual(read(p), data, "%s, render_threads %s" % (p, threads))
                    pdfs += p.endswith(".pdf")
            self.assertGreater(pdfs, 10)
        finally:
            with open(self.s.config, "w") as f:
                f.write(config)

    def test_link_tokens(self):
        r = self.s.sluice("link", "verify", self.token)
        self.assertEqual(r.returncode, 1)
        self.assertIn("spent", r.stdout)
        head, payload, mac = self.token.split(".")
        forged = head + "." + payload + "." + ("A" * 43)
        r = self.s.sluice("link", "verify", forged)
        self.assertEqual((r.returncode, r.stdout.split(":")[0]), (1, "invalid"))
        altered = head + "." + payload[:-2] + ("B" if payload[-2] != "B" else "C") + payload[-1] + "." + mac
        self.assertEqual(self.s.sluice("link", "verify", altered).stdout.split(":")[0], "invalid")
        self.assertEqual(self.s.sluice("link", "verify", "LINK-G-1-1").returncode, 1)


class Discounts(unittest.TestCase):
    def test_a_credit_note_carries_the_discount_its_invoice_charged(self):
        """Each unit's share of a line's discount is the same on the invoice
        that charged it and on the credit note that refunds it."""
        with Spool() as s:
            def line_discounts(number):
                text = read(s.path("out", "invoices", number + ".xml")).decode()
                return re.findall(r"<discount>([^<]*)</discount>", text)

            # 2 x 100.00 less 0.01: the first unit is charged 100.00 and
            # carries the 0.01, the second 99.99 and none
            s.drop("orders", "o.csv", order("D-1", "SEK", True, "199.99", [(1, 2, "100.00", "25", "0.01")]))
            s.run_once()
            for n, amount in ((1, "100.00"), (2, "99.99")):
                s.drop("shipments", "s%d.csv" % n, shipment("SH-D%d" % n, "D-1", [(1, 1)]))
                s.run_once()
                s.drop("payments", "p%d.csv" % n, payment("EV-%d" % n, "D-1", "capture", amount, "SEK",
                                                          "CAP-SH-D%d" % n))
                s.run_once()
                self.assertEqual(s.receipt("p%d.csv" % n)["status"], "accepted")
            # (a line without discount has no discount element)
            self.assertEqual((line_discounts("INV-000001"), line_discounts("INV-000002")), (["0.01"], []))
            for n in (2, 1):
                s.drop("returns", "r%d.csv" % n, ret("RT-%d" % n, "D-1", "SH-D%d" % n, [(1, 1)]))
                s.run_once()
                self.assertEqual(s.receipt("r%d.csv" % n)["status"], "accepted")
            # CN-000001 refunds the second unit, CN-000002 the first
            self.assertEqual((line_discounts("CN-000001"), line_discounts("CN-000002")), ([], ["0.01"]))


class Tokens(SpoolTest):
    def test_token_use(self):
        self.s.drop("orders", "o.csv", order("T-1", "EUR", True, "10.00", [(1, 1, "10.00", "20")]))
        self.s.drop("amendments", "a.csv", amendment("AM-T", "T-1", [(2, 1, "5.00", "20")]))
        self.s.run_once()
        token = re.search(r"<token>(.*)</token>",
                          read(self.s.path("out", "links", "LINK-T-1-1.xml")).decode()).group(1)
        self.assertIn("valid: LINK-T-1-1", self.s.sluice("link", "verify", token).stdout)
        # a token from another spool's secret
        with Spool() as other:
            other.drop("orders", "o.csv", order("T-1", "EUR", True, "10.00", [(1, 1, "10.00", "20")]))
            other.drop("amendments", "a.csv", amendment("AM-T", "T-1", [(2, 1, "5.00", "20")]))
            other.run_once()
            foreign = re.search(r"<token>(.*)</token>",
                                read(other.path("out", "links", "LINK-T-1-1.xml")).decode()).group(1)
        self.assertNotEqual(foreign, token)
        for name, tok in (("forged", foreign), ("altered", token[:-1] + ("x" if token[-1] != "x" else "y"))):
            self.s.drop("payments", name + ".csv", payment("EV-" + name, "T-1", "authorization", "5.00", "EUR", tok))
            self.s.run_once()
            self.assertEqual(codes(self.s.receipt(name + ".csv")), {(2, "request_id", "invalid_token")}, name)
        self.s.drop("payments", "pay.csv", payment("EV-P", "T-1", "authorization", "5.00", "EUR", token))
        self.s.run_once()
        self.assertEqual(self.s.receipt("pay.csv")["status"], "accepted")
        # paying a spent link again pays nothing: the money is released
        self.s.drop("payments", "again.csv", payment("EV-P2", "T-1", "authorization", "5.00", "EUR", token))
        self.s.run_once()
        self.assertEqual(self.s.receipt("again.csv")["status"], "accepted")
        o = self.s.order("T-1")
        self.assertEqual((o["authorized"], o["due"]), ("15.00", "0.00"))
        self.assertIn({"request_id": "REL-EV-P2", "type": "release", "amount": "5.00",
                       "status": "pending", "event_id": None}, o["requests"])
        self.assertIn("spent", self.s.sluice("link", "verify", token).stdout)


class Numbering(unittest.TestCase):
    def test_numbers_are_gap_free_across_files_and_rejections(self):
        with Spool(batch_files="3") as s:
            s.drop("orders", "o.csv", order("N-1", "SEK", True, "100000.00", [(1, 60, "100.00", "25")]))
            s.run_once()
            for i in range(1, 21):
                s.drop("shipments", "s%02d.csv" % i, shipment("SN-%d" % i, "N-1", [(1, 3)]))
                # a file that fails after issuing documents gives its numbers back
                bad = shipment("SB-%d" % i, "N-1", [(1, 1)]) + "SB-%d,N-1,,,,,,1,9999\n" % i
                s.drop("shipments", "s%02d-bad.csv" % i, bad)
            s.run_once()
            for i in range(1, 21):
                s.drop("payments", "p%02d.csv" % i, payment("EP-%d" % i, "N-1", "capture", "300.00", "SEK", "CAP-SN-%d" % i))
                if i % 2 == 0:
                    s.drop("returns", "r%02d.csv" % i, ret("RN-%d" % i, "N-1", "SN-%d" % i, [(1, 1)]))
            s.run_once()
            numbers = sorted(os.path.basename(p)[:-4] for p in glob.glob(s.path("out", "invoices", "*.xml")))
            self.assertEqual(numbers, ["CN-%06d" % i for i in range(1, 11)] + ["INV-%06d" % i for i in range(1, 21)])
            self.assertEqual(s.status()["inputs"]["rejected"], 20)


class Timing(unittest.TestCase):
    def run_story(self, **config):
        s = Spool(**config)
        s.drop("orders", "o.csv", order("C-1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        s.drop("shipments", "s.csv", shipment("SC-1", "C-1", [(1, 1)]))
        s.run_once()
        return s

    def test_capture_when_shipped(self):
        s = self.run_story(capture_on="shipped")
        try:
            self.assertEqual(os.listdir(s.path("out", "captures")), [])
            s.drop("shipments", "s2.csv", shipment("SC-1", "C-1", [(1, 1)], shipped=True))
            s.run_once()
            self.assertEqual(os.listdir(s.path("out", "captures")), ["CAP-SC-1.xml"])
        finally:
            s.close()

    def test_manual_capture(self):
        s = self.run_story(capture_on="manual")
        try:
            self.assertEqual(os.listdir(s.path("out", "captures")), [])
            # the PSP's event still answers the recorded request
            s.drop("payments", "p.csv", payment("EM-1", "C-1", "capture", "100.00", "SEK", "CAP-SC-1"))
            s.run_once()
            self.assertEqual(s.order("C-1")["captured"], "100.00")
            self.assertEqual(sorted(os.listdir(s.path("out", "invoices"))),
                             ["INV-000001.pdf", "INV-000001.xml"])
        finally:
            s.close()

    def test_invoice_at_shipment(self):
        s = self.run_story(invoice_on="shipment")
        try:
            self.assertEqual(sorted(os.listdir(s.path("out", "invoices"))),
                             ["INV-000001.pdf", "INV-000001.xml"])
        finally:
            s.close()

    def test_invoice_at_capture(self):
        s = self.run_story()
        try:
            self.assertEqual(os.listdir(s.path("out", "invoices")), [])
            s.drop("payments", "p.csv", payment("EC-1", "C-1", "capture", "100.00", "SEK", "CAP-SC-1"))
            s.run_once()
            self.assertEqual(sorted(os.listdir(s.path("out", "invoices"))),
                             ["INV-000001.pdf", "INV-000001.xml"])
        finally:
            s.close()


class Templates(unittest.TestCase):
    def test_a_named_template_in_another_language(self):
        with Spool() as s:
            with open(s.path("templates", "nordic.conf"), "w") as f:
                f.write("name = Nordisk Handel AB\naddress = Storgatan 1\nlanguage = sv\n"
                        "label.total = Summa att betala\nfields = sku\n")
            s.drop("invoices", "ft.csv", free_invoice("FT-S1", "Kund AB", [("Konsult", 2, "1000.00", "25")],
                                                      template="nordic"))
            s.drop("invoices", "bad.csv", free_invoice("FT-S2", "Kund AB", [("Konsult", 1, "10.00", "25")],
                                                       template="missing"))
            s.run_once()
            self.assertEqual(s.receipt("ft.csv")["status"], "accepted")
            self.assertEqual(codes(s.receipt("bad.csv")), {(2, "template", "unknown_template")})
            text = pdftext(s.path("out", "invoices", "INV-000001.pdf"))
            for e in ("Faktura", "Nordisk Handel AB", "Summa att betala SEK", "2500.00"):
                self.assertIn(e, text)
            self.assertIn("<name>Nordisk Handel AB</name>",
                          read(s.path("out", "invoices", "INV-000001.xml")).decode())

    def test_names_in_other_scripts_reach_the_pdf(self):
        with Spool() as s:
            s.drop("invoices", "jp.csv", free_invoice("FT-J1", "株式会社さくら商事",
                                                      [("コンサルティング", 1, "1000.00", "25")]))
            s.run_once()
            self.assertEqual(s.receipt("jp.csv")["status"], "accepted")
            text = pdftext(s.path("out", "invoices", "INV-000001.pdf"))
            for e in ("株式会社さくら商事", "コンサルティング", "1250.00"):
                self.assertIn(e, text)


class LongDocuments(unittest.TestCase):
    """Long texts and many lines flow onto further pages; each page gives
    its number of the pages and the document's number; nothing is drawn
    over the footer or past the page's edge."""

    BODY_END = 841.89 - 90.0     # the body of a page ends here (A4, points)
    FOOTER_TOP = BODY_END + 14   # the footer's rule
    FOOTER = {"FOOTNOTE", "Bank:", "BANKNOTE", "Page"}

    def setUp(self):
        self.s = Spool()
        with open(self.s.path("templates", "long.conf"), "w") as f:
            f.write("name = Seller AB\nfooter = FOOTNOTE\nbank = BANKNOTE\n")

    def tearDown(self):
        self.s.close()

    def invoice(self, lines, text="Workshop, November"):
        """Issues a free-text invoice and returns its PDF's pages."""
        self.s.drop("invoices", "long.csv", free_invoice("FT-L1", "Kund AB", lines, template="long")
                    .replace(cell("Workshop, November"), cell(text)))
        self.s.run_once()
        self.assertEqual(self.s.receipt("long.csv")["status"], "accepted")
        path = self.s.path("out", "invoices", "INV-000001.pdf")
        pages = pdf_pages(path)
        for n, (width, words) in enumerate(pages, 1):
            said = " ".join(w[4] for w in words)
            self.assertIn("INV-000001", said, n)
            self.assertIn("Page %d/%d" % (n, len(pages)), said, n)
            for x0, y0, x1, y1, w in words:
                self.assertTrue(x0 >= 0 and x1 <= width, (n, w, x0, x1))
                in_body = y1 <= self.BODY_END + 1
                in_footer = y0 >= self.FOOTER_TOP and (w in self.FOOTER or re.fullmatch(r"\d+/\d+", w))
                self.assertTrue(in_body or in_footer, (n, w, y0, y1))
        return pages, pdftext(path)

    def test_a_long_text_flows_onto_further_pages(self):
        rows = ["Row %03d of the invoice's own text" % i for i in range(1, 91)]
        pages, text = self.invoice([("Consulting", 1, "1000.00", "25")], "\n".join(rows))
        self.assertGreater(len(pages), 1)
        at = 0
        for r in rows:
            at = text.find(r, at)
            self.assertGreaterEqual(at, 0, r)

    def test_many_lines_flow_onto_further_pages(self):
        lines = [("Item %03d " % i + ("with a description long enough to wrap over several rows of "
                                       "its column " * (i % 4)), i % 3 + 1, "10.00", "25")
                 for i in range(1, 81)]
        pages, text = self.invoice(lines)
        self.assertGreater(len(pages), 2)
        for i in range(1, 81):
            self.assertIn("Item %03d" % i, text)
        self.assertIn("Total SEK 2012.50", re.sub(" +", " ", text))   # on the last page

    def test_a_line_without_spaces_is_wrapped_not_lost(self):
        pages, text = self.invoice([("Y" * 500, 1, "10.00", "25")], "X" * 3900)
        self.assertEqual(text.count("X"), 3900)
        self.assertEqual(text.count("Y"), 500)


class LongFields(unittest.TestCase):
    """Fields at their longest, in characters of several bytes, reach the
    PDFs whole, and the documents keep their lines and totals."""

    def test_a_long_city_and_voucher_code_keep_the_lines_and_totals(self):
        city, code = "\u20ac" * 100, "\u20ac" * 64   # text (100) and text (64), 3 bytes each
        with Spool(invoice_on="shipment") as s:
            s.drop("orders", "o.csv", order("LF-1", "SEK", True, "300.00",
                                            [(1, 3, "100.00", "25")], status="confirmed",
                                            billing_city=city, delivery_address1="Street 2",
                                            delivery_zip="22222", delivery_city=city,
                                            delivery_country="SE", voucher_code=code,
                                            voucher_value="30.00"))
            s.drop("shipments", "s.csv", shipment("LF-S1", "LF-1", [(1, 3)], shipped=True))
            s.run_once()
            s.run_once()
            self.assertEqual(s.receipt("s.csv")["status"], "accepted")
            for doc in ("invoices/INV-000001.pdf", "proformas/PF-LF-S1.pdf"):
                text = pdftext(s.path("out", *doc.split("/")))
                flat = re.sub(r"\s", "", text)
                self.assertIn(city, flat, doc)
                self.assertIn("Item 1", text, doc)
            text = re.sub(" +", " ", pdftext(s.path("out", "invoices", "INV-000001.pdf")))
            self.assertIn(code, re.sub(r"\s", "", text))
            self.assertIn("VAT total 54.00", text)
            self.assertIn("Total SEK 270.00", text)

    def test_a_template_at_its_longest_keeps_the_lines_and_totals(self):
        # texts of a template beyond the lengths that any buffer held, 3 bytes a character
        number, bank = "\u20ac" * 120, "\u20ac" * 250
        with Spool() as s:
            with open(s.path("templates", "long.conf"), "w") as f:
                f.write("name = Seller AB\nvat_number = %s\ncompany_number = %s\nbank = %s\n"
                        % (number, number, bank))
            s.drop("invoices", "ft.csv", free_invoice("FT-LF1", "Kund AB",
                                                      [("Consulting", 1, "1000.00", "25")],
                                                      template="long"))
            s.run_once()
            self.assertEqual(s.receipt("ft.csv")["status"], "accepted")
            text = pdftext(s.path("out", "invoices", "INV-000001.pdf"))
            flat = re.sub(r"\s", "", text)
            for said in ("VATno." + number, "Companyno." + number, "Bank:\u20ac"):
                self.assertIn(said, flat)
            self.assertEqual(text.count("\u20ac"), len(number) * 2 + len(bank))   # one page
            self.assertIn("Consulting", text)
            self.assertIn("Total SEK 1250.00", re.sub(" +", " ", text))


if __name__ == "__main__":
    run_tap()
