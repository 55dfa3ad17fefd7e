# SPDX-License-Identifier: ISC
"""Text end to end: every XML that sluice writes is well-formed and valid
against its XSD, whatever the file's name and for every input it accepts;
text fields refuse control, bidirectional formatting and noncharacters;
documents carry the text as it was sent (receipts alone echo bytes as
\\xHH); CDATA is text; receipts name no path of the server."""
import glob
import os
import subprocess
import unittest
import xml.etree.ElementTree as ET

from harness import NS, SRCDIR, Spool, codes, read, run_tap
from lifecycle_util import cell, csv, payment, ret, shipment
from story import free_invoice

XMLLINT = os.environ.get("XMLLINT") or "xmllint"
XSD = {"receipts": "receipt.xsd", "invoices": "invoice.xsd", "proformas": "proforma.xsd",
       "captures": "payment_request.xsd", "links": "payment_link.xsd"}


def fsname(b):
    """A file name of raw bytes, as os functions take it."""
    return b.decode("utf-8", "surrogateescape")


def assert_outputs_valid(test, s):
    """Every XML under out/ is well-formed and valid against its XSD;
    returns how many there are."""
    n = 0
    for folder, xsd in XSD.items():
        d = s.path("out", folder)
        files = glob.glob(os.path.join(glob.escape(d), "**", "*.xml"), recursive=True)
        if not files:
            continue
        n += len(files)
        r = subprocess.run([XMLLINT, "--noout", "--nonet", "--schema",
                            os.path.join(SRCDIR, "schemas", xsd)] + files,
                           capture_output=True)
        test.assertEqual(r.returncode, 0, r.stderr.decode("utf-8", "replace"))
    return n


def order_row(**fields):
    """An order of one line (100.00 SEK, VAT included) with the given fields."""
    head = {"order_number": "T-1", "order_date": "2026-11-26T09:00:00Z", "market": "M",
            "currency": "SEK", "status": "confirmed", "email": "buyer@example.com",
            "billing_address1": "Street 1", "billing_zip": "11111", "billing_city": "City",
            "billing_country": "SE", "payment_method": "card", "payment_reference": "PSP-1",
            "authorized_amount": "100.00", "line_id": "1", "sku": "SKU-1", "name": "Item",
            "quantity": "1", "unit_price": "100.00", "vat_rate": "25"}
    head.update(fields)
    return csv(list(head), [head])


# Characters that no text field takes: C1 controls, bidirectional
# embeddings, overrides and isolates, noncharacters.
INVISIBLE = ["\u0085", "\u009f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufdd0", "\ufffe",
             "\uffff", "\U0001fffe", "\U0010ffff"]


class FileNames(unittest.TestCase):
    """A file name is untrusted bytes (any but '/' and NUL): its receipt
    is well-formed and valid, and echoes the name's bytes as \\xHH."""

    def test_any_file_name_gets_a_valid_receipt(self):
        names = [b"fffe-\xef\xbf\xbe.csv", b"ffff-\xef\xbf\xbf.csv", b"c1-\xc2\x85.csv",
                 b"rlo-\xe2\x80\xaegnp.csv", b"overlong-\xc0\xaf.csv", b"surrogate-\xed\xa0\x80.csv",
                 b"ctl-\x01\x1b\x7f.csv", b"back\\slash.csv", b"amp&lt;<>\".csv", b"cut-\xe2\x80.csv",
                 b"nonchar-\xef\xb7\x90.csv", b"max-\xf4\x8f\xbf\xbf.csv", b"tab\t.csv", b"cr\r.csv",
                 b"\xff\xfe.csv"]
        with Spool() as s:
            for i, n in enumerate(names):
                s.drop("invoices", fsname(n), free_invoice("FN-%d" % i, "Kund AB",
                                                           [("Konsult", 1, "10.00", "25")]))
            # rejected ones: the name also reaches error messages
            s.drop("invoices", fsname(b"empty-\xef\xbf\xbe.csv"), b"")
            s.drop("invoices", fsname(b"format-\xef\xbf\xbf\xe2\x80\xae.txt"), b"x")
            s.drop("invoices", fsname(b"bad-\xc2\x85.csv"),
                   free_invoice("FN-X", "Kund AB", [("Konsult", "1\x01\\", "10.00", "25")]))
            s.run_once()
            self.assertEqual(assert_outputs_valid(self, s), 2 * len(names) + 3)
            for n in names:
                self.assertEqual(s.receipt(fsname(n))["status"], "accepted", n)
            self.assertEqual(s.receipt(fsname(names[0]))["file"], "fffe-\\xef\\xbf\\xbe.csv")
            self.assertEqual(s.receipt(fsname(names[2]))["file"], "c1-\\xc2\\x85.csv")
            self.assertEqual(s.receipt(fsname(names[3]))["file"], "rlo-\\xe2\\x80\\xaegnp.csv")
            self.assertEqual(s.receipt(fsname(names[7]))["file"], "back\\x5cslash.csv")
            self.assertEqual(s.receipt(fsname(names[8]))["file"], "amp&lt;<>\".csv")
            self.assertEqual(codes(s.receipt(fsname(b"empty-\xef\xbf\xbe.csv"))),
                             {(0, None, "empty_file")})
            self.assertEqual(codes(s.receipt(fsname(b"format-\xef\xbf\xbf\xe2\x80\xae.txt"))),
                             {(0, None, "unknown_format")})
            # the excerpt of a bad value is escaped once, not again
            bad = s.receipt(fsname(b"bad-\xc2\x85.csv"))["errors"]
            self.assertEqual([e["message"] for e in bad],
                             ["quantity '1\\x01\\x5c' is not a whole number from 1 to 100000"])


class TextRules(unittest.TestCase):
    """Text fields refuse what a reader cannot see or what reorders what
    they see, like control characters, in CSV and in XML."""

    def test_invisible_characters_are_invalid_text(self):
        with Spool() as s:
            for i, ch in enumerate(INVISIBLE):
                s.drop("invoices", "name%d.csv" % i,
                       free_invoice("IN-%d" % i, "Kund" + ch + "AB", [("Konsult", 1, "10.00", "25")]))
                lines = free_invoice("IT-%d" % i, "Kund AB", [("Konsult", 1, "10.00", "25")])
                s.drop("invoices", "text%d.csv" % i,
                       lines.replace(cell("Workshop, November"), cell("two\nlines " + ch)))
            s.drop("invoices", "email.csv", free_invoice("IE-1", "Kund AB", [("K", 1, "1.00", "25")])
                   .replace("ap@example.com", "a\uffffp@example.com"))
            xml_order = ('<?xml version="1.0"?>\n<orders xmlns="urn:sluice:1"><order>'
                         '<order_number>X-1</order_number><order_date>2026-11-26T09:00:00Z</order_date>'
                         '<market>M</market><currency>SEK</currency><email>b@example.com</email>'
                         '<first_name>gnp&#x202E;exe</first_name>'
                         '<billing_address1>S 1</billing_address1><billing_zip>1</billing_zip>'
                         '<billing_city>C</billing_city><billing_country>SE</billing_country>'
                         '<payment_method>card</payment_method><payment_reference>P</payment_reference>'
                         '<authorized_amount>10.00</authorized_amount>\n<line><line_id>1</line_id>'
                         '<sku>S</sku><name>Next&#x85;line</name><quantity>1</quantity>'
                         '<unit_price>10.00</unit_price><vat_rate>25</vat_rate></line></order></orders>\n')
            s.drop("orders", "bidi.xml", xml_order)
            s.run_once()
            for i, ch in enumerate(INVISIBLE):
                self.assertEqual(codes(s.receipt("name%d.csv" % i)), {(2, "name", "invalid_text")},
                                 "U+%04X" % ord(ch))
                self.assertEqual(codes(s.receipt("text%d.csv" % i)), {(2, "text", "invalid_text")},
                                 "U+%04X" % ord(ch))
            self.assertEqual(codes(s.receipt("email.csv")), {(2, "email", "invalid_email")})
            self.assertEqual(codes(s.receipt("bidi.xml")), {(2, "first_name", "invalid_text"),
                                                            (3, "name", "invalid_text")})
            self.assertEqual(os.listdir(s.path("out", "invoices")), [])
            assert_outputs_valid(self, s)


def text_of(path, *where):
    """The text of the element at the path of local names under the root."""
    node = ET.parse(path).getroot()
    for name in where:
        node = node.find(NS + name)
        assert node is not None, (path, where)
    return node.text


class DocumentText(unittest.TestCase):
    """Documents carry the text that was sent: XML escapes it as XML does,
    and nothing else is escaped."""

    def test_every_document_carries_the_text_as_sent(self):
        t = {"first_name": 'Ada "Q" & <Co>', "last_name": "O'Brien\\Smith",
             "billing_address1": "C:\\temp & <b>bold</b>", "billing_address2": "a ]]> b &amp; c",
             "billing_city": "Z\u00fcrich \u6771\u4eac \U0001f642", "delivery_address1": "Rue 5 \\ B",
             "delivery_zip": "75001", "delivery_city": "Paris", "delivery_country": "FR",
             "payment_reference": "REF\\1 & <2>", "sku": "SKU\\&<1>",
             "name": 'Shirt & <Tie> \\ "x"', "variant": "a\\b", "size": "<XL>",
             "comment": "first\nsecond \\ line"}
        with Spool() as s:
            with open(s.path("templates", "default.conf"), "w") as f:
                f.write("name = M\u00fcller & S\u00f6hne \\ AB\naddress = Gata <1> \\ 2\n"
                        "bank = Bank & <Co>\nfields = sku, variant, size\nlogo = logo.png\n")
            note = "Row one\nC:\\temp & <b>\r\nTab\there \\x0a end\n\n\"quoted\" 'x' ]]>"
            steps = [("orders", order_row(**t)),
                     ("shipments", shipment("SH-T1", "T-1", [(1, 1)])),
                     ("payments", payment("EV-T1", "T-1", "capture", "100.00", "SEK", "CAP-SH-T1")),
                     ("returns", ret("RT-T1", "T-1", "SH-T1", [(1, 1)])),
                     ("invoices", free_invoice("FT-T1", "Kund \\ AB & <Co>", [("Konsult \\ 1", 1, "10.00", "25")])
                      .replace(cell("Workshop, November"), cell(note)))]
            for i, (kind, text) in enumerate(steps):
                s.drop(kind, "%d.csv" % i, text)
                s.run_once()
                self.assertEqual(s.receipt("%d.csv" % i)["status"], "accepted", (kind, s.receipt("%d.csv" % i)))
            out = lambda *p: s.path("out", *p)
            buyer = t["first_name"] + " " + t["last_name"]
            pf = out("proformas", "PF-SH-T1.xml")
            for doc in (pf, out("invoices", "INV-000001.xml"), out("invoices", "CN-000001.xml")):
                self.assertEqual(text_of(doc, "seller", "name"), "M\u00fcller & S\u00f6hne \\ AB")
                self.assertEqual(text_of(doc, "seller", "address"), "Gata <1> \\ 2")
                self.assertEqual(text_of(doc, "seller", "bank"), "Bank & <Co>")
                self.assertEqual(text_of(doc, "buyer", "name"), buyer)
                for k in ("address1", "address2", "city"):
                    self.assertEqual(text_of(doc, "buyer", k), t["billing_" + k], (doc, k))
                self.assertEqual(text_of(doc, "line", "description"), t["name"])
                for k in ("sku", "variant", "size"):
                    self.assertEqual(text_of(doc, "line", k), t[k], (doc, k))
            self.assertEqual(text_of(pf, "delivery", "address1"), t["delivery_address1"])
            for doc in (out("captures", "CAP-SH-T1.xml"), out("captures", "REF-RT-T1.xml")):
                self.assertEqual(text_of(doc, "payment_reference"), t["payment_reference"])
            ft = out("invoices", "INV-000002.xml")
            self.assertEqual(text_of(ft, "text"), note)
            self.assertEqual(text_of(ft, "buyer", "name"), "Kund \\ AB & <Co>")
            self.assertEqual(text_of(ft, "line", "description"), "Konsult \\ 1")
            self.assertNotIn(b"\\x5c", read(ft))
            assert_outputs_valid(self, s)

    def test_cdata_reaches_the_documents(self):
        order = ('<?xml version="1.0"?>\n<orders xmlns="urn:sluice:1"><order>'
                 '<order_number><![CDATA[C-1]]></order_number><order_date>2026-11-26T09:00:00Z</order_date>'
                 '<market>M</market><currency>SEK</currency><status>confirmed</status>'
                 '<email>b@example.com</email><first_name><![CDATA[Shirt & <Tie>]]></first_name>'
                 '<last_name>x<![CDATA[y]]>z</last_name><billing_address1><![CDATA[a]]]]><![CDATA[>b]]>'
                 '</billing_address1><billing_address2><![CDATA[]]></billing_address2>'
                 '<billing_zip>1</billing_zip><billing_city>C</billing_city>'
                 '<billing_country>SE</billing_country><payment_method>card</payment_method>'
                 '<payment_reference>P</payment_reference><authorized_amount>10.00</authorized_amount>'
                 '<line><line_id>1</line_id><sku>S</sku><name><![CDATA[Shirt & <Tie>]]></name>'
                 '<quantity><![CDATA[1]]></quantity><unit_price>1<![CDATA[0.00]]></unit_price>'
                 '<vat_rate>25</vat_rate></line></order></orders>\n')
        with Spool() as s:
            s.drop("orders", "cdata.xml", order)
            s.drop("shipments", "sh.csv", shipment("SH-C1", "C-1", [(1, 1)]))
            s.run_once()
            self.assertEqual(s.receipt("cdata.xml")["status"], "accepted", s.receipt("cdata.xml"))
            self.assertEqual(s.receipt("sh.csv")["status"], "accepted", s.receipt("sh.csv"))
            pf = s.path("out", "proformas", "PF-SH-C1.xml")
            self.assertEqual(text_of(pf, "buyer", "name"), "Shirt & <Tie> xyz")
            self.assertEqual(text_of(pf, "buyer", "address1"), "a]]>b")
            self.assertIsNone(ET.parse(pf).getroot().find(NS + "buyer").find(NS + "address2"))
            self.assertEqual(text_of(pf, "line", "description"), "Shirt & <Tie>")
            self.assertEqual(text_of(pf, "total_value"), "10.00")


class Paths(unittest.TestCase):
    """Receipts go to partners: they name no path of the server."""

    def test_receipts_name_no_path_of_the_server(self):
        with Spool(max_file_size="4KiB") as s:
            tdir = s.path("templates")
            with open(os.path.join(tdir, "nologo.conf"), "w") as f:
                f.write("name = Shop\nlogo = missing.png\n")
            with open(os.path.join(tdir, "broken.conf"), "w") as f:
                f.write("name = Shop\ncolour = red\n")
            with open(os.path.join(tdir, "notpng.conf"), "w") as f:
                f.write("name = Shop\nlogo = fake.png\n")
            with open(os.path.join(tdir, "fake.png"), "w") as f:
                f.write("not a png")
            os.mkdir(os.path.join(tdir, "folder.conf"))
            for name in ("missing", "nologo", "broken", "notpng", "folder"):
                s.drop("invoices", name + ".csv", free_invoice("P-" + name, "Kund AB",
                                                               [("K", 1, "1.00", "25")], template=name))
            s.drop("orders", "empty.csv", b"")
            s.drop("orders", "big.csv", b"x" * 8192)
            s.drop("orders", "what.txt", b"x")
            os.symlink("/etc/passwd", s.path("in", "orders", "link.csv"))
            s.drop("orders", "bad.xml", b"<orders xmlns='urn:sluice:1'><order></orders>")
            header = read(os.path.join(SRCDIR, "spool", "examples", "orders.csv")).split(b"\n")[0]
            s.drop("orders", "bad.csv", header + b'\nx"y"\n')
            s.run_once()
            receipts = glob.glob(s.path("out", "receipts", "*", "*.xml"))
            self.assertEqual(len(receipts), 11)
            self.assertEqual([e["message"] for e in s.receipt("bad.csv")["errors"]], [
                "malformed CSV: a quote inside an unquoted field, or text after a closing quote"])
            for name in ("missing", "nologo", "broken", "notpng", "folder"):
                self.assertEqual(codes(s.receipt(name + ".csv")), {(2, "template", "unknown_template")})
            for path in receipts:
                text = read(path).decode()
                for secret in (s.root, s.dir, os.path.realpath(s.dir), tdir, "/etc/passwd", "/tmp"):
                    self.assertNotIn(secret, text, path)


    def test_a_broken_default_template_is_not_the_senders_fault(self):
        with Spool() as s:
            default = s.path("templates", "default.conf")
            good = read(default)
            with open(default, "w") as f:
                f.write("colour = red\n")
            s.drop("invoices", "ft.csv", free_invoice("FT-D1", "Kund AB", [("K", 1, "1.00", "25")]))
            r = s.sluice("run", "--once")
            self.assertEqual(r.returncode, 70, r.stderr)
            self.assertIn("template default: line 1: unknown key 'colour'", r.stderr)
            self.assertEqual(glob.glob(s.path("out", "receipts", "*", "*")), [])
            with open(default, "wb") as f:
                f.write(good)
            s.run_once()
            self.assertEqual(s.receipt("ft.csv")["status"], "accepted")


if __name__ == "__main__":
    run_tap()
