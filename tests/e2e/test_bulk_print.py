# SPDX-License-Identifier: ISC
"""sluice bulk print: the invoices, pro-formas and order confirmations of
the selected orders as one PDF, orders in the selection's order, each
order's documents by type in the order --documents gives, each with the
pages of its own PDF; orders without any reported skipped; nothing
written when nothing is printable; the output replaced atomically."""
import os
import re
import subprocess
import unittest

from harness import Spool, run_tap
from lifecycle_util import amendment, order, payment, ret, shipment

LINES = 36   # enough for an invoice of two pages

# an order's documents, issued by the story of setUpClass, by type
DOCUMENTS = {
    "P-1": {"invoices": ["INV-000001", "INV-000002"], "proformas": ["PF-SH-1A", "PF-SH-1B"],
            "confirmations": []},
    "P-2": {"invoices": [], "proformas": [], "confirmations": ["LINK-P-2-1", "LINK-P-2-2"]},
    "P-3": {"invoices": [], "proformas": [], "confirmations": []},
    "P-4": {"invoices": ["INV-000003"], "proformas": ["PF-SH-4"], "confirmations": []},
}
FOLDER = {"invoices": "invoices", "proformas": "proformas", "confirmations": "links"}
TYPES = ["invoices", "proformas", "confirmations"]
NUMBER = re.compile(r"\b(INV-\d+|CN-\d+|PF-SH-\w+|LINK-P-\d-\d)\b")
ORDER = re.compile(r"\b(P-\d)\b")


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path):
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", out, re.M).group(1))


def runs(seq):
    """seq without the repeats that follow each other."""
    return [x for i, x in enumerate(seq) if i == 0 or seq[i - 1] != x]


class BulkPrint(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = cls.s = Spool()
        big = [(i, 1, "10.00", "25") for i in range(1, LINES + 1)]
        s.drop("orders", "p1.csv", order("P-1", "SEK", True, "%d.00" % (10 * LINES), big))
        s.drop("orders", "p2.csv", order("P-2", "SEK", True, "0.00", [(1, 2, "50.00", "25")],
                                         status="pending"))
        s.drop("orders", "p3.csv", order("P-3", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        s.drop("orders", "p4.csv", order("P-4", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        s.run_once()
        half = LINES // 2
        s.drop("shipments", "s1a.csv",
               shipment("SH-1A", "P-1", [(i, 1) for i in range(1, half + 1)]))
        s.run_once()
        s.drop("payments", "c1a.csv", payment("E-1A", "P-1", "capture", "%d.00" % (10 * half),
                                              "SEK", "CAP-SH-1A"))
        s.run_once()
        s.drop("shipments", "s1b.csv",
               shipment("SH-1B", "P-1", [(i, 1) for i in range(half + 1, LINES + 1)]))
        s.run_once()
        s.drop("payments", "c1b.csv", payment("E-1B", "P-1", "capture",
                                              "%d.00" % (10 * (LINES - half)), "SEK",
                                              "CAP-SH-1B"))
        s.run_once()
        s.drop("shipments", "s4.csv", shipment("SH-4", "P-4", [(1, 1)]))
        s.run_once()
        s.drop("payments", "c4.csv", payment("E-4", "P-4", "capture", "100.00", "SEK",
                                             "CAP-SH-4"))
        s.run_once()
        # a credit note: never printed
        s.drop("returns", "r1.csv", ret("RT-1", "P-1", "SH-1A", [(1, 1)]))
        s.drop("amendments", "a2.csv", amendment("AM-2", "P-2", reissue_link="true"))
        s.run_once()
        for n, docs in DOCUMENTS.items():
            issued = [d["number"] for d in s.order(n)["documents"]
                      if d["type"] in ("invoice", "proforma", "link")]
            assert sorted(issued) == sorted(sum(docs.values(), [])), (n, issued)
        assert [d["number"] for d in s.order("P-1")["documents"]
                if d["type"] == "credit_note"] == ["CN-000001"]

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def print(self, *args, code=0, input=None, out=None):
        out = out or os.path.join(self.s.dir, "print.pdf")
        r = self.s.sluice("bulk", "print", "--output", out, *args, input=input)
        self.assertEqual(r.returncode, code, r.stderr)
        return r, out

    def expect(self, orders, types):
        """The documents printed of orders, with --documents types."""
        return [d for n in orders for t in types for d in DOCUMENTS[n][t]]

    def check_pdf(self, path, orders, types):
        """path holds the documents of orders of types, in order, with the
        pages of their own PDFs."""
        docs = self.expect(orders, types)
        text = pdf_text(path)
        self.assertEqual(runs(NUMBER.findall(text)), docs)
        self.assertEqual(runs(ORDER.findall(text)),
                         [n for n in orders if any(DOCUMENTS[n][t] for t in types)])
        own = [pdf_pages(self.s.path("out", FOLDER[t], d + ".pdf"))
               for n in orders for t in types for d in DOCUMENTS[n][t]]
        self.assertEqual(pdf_pages(path), sum(own))
        # each page says its number of its own document's pages
        self.assertEqual(re.findall(r"Page (\d+)/(\d+)", text),
                         [(str(i), str(n)) for n in own for i in range(1, n + 1)])

    def test_every_order_by_number_all_documents(self):
        self.assertEqual(pdf_pages(self.s.path("out", "invoices", "INV-000001.pdf")), 2)
        r, out = self.print("--all")
        self.check_pdf(out, ["P-1", "P-2", "P-3", "P-4"], TYPES)
        self.assertIn("skipped P-3: no documents", r.stderr)
        self.assertIn("printed 8 documents of 3 orders, 1 skipped", r.stderr)
        self.assertNotIn("CN-000001", pdf_text(out))

    def test_each_documents_choice_in_its_order(self):
        every = ["P-1", "P-2", "P-3", "P-4"]
        for types in (["invoices"], ["proformas"], ["confirmations"],
                      ["proformas", "invoices"], ["confirmations", "invoices", "proformas"]):
            with self.subTest(types=types):
                r, out = self.print("--all", "--documents", ",".join(types))
                self.check_pdf(out, every, types)
                for n in every:
                    if not any(DOCUMENTS[n][t] for t in types):
                        self.assertIn("skipped %s: no documents" % n, r.stderr)

    def test_orders_in_the_order_of_the_orders_file(self):
        r, out = self.print("--orders", "-", "--documents", "invoices,confirmations",
                            input="P-4\nP-9\nP-2\nP-1\nP-4\n")
        self.check_pdf(out, ["P-4", "P-2", "P-1"], ["invoices", "confirmations"])
        self.assertIn("skipped P-9: unknown order", r.stderr)

    def test_to_standard_output(self):
        r = subprocess.run(self.s.command("bulk", "print", "--orders", "-", "--output", "-",
                                          "--documents", "proformas"),
                           input=b"P-4\n", capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        path = os.path.join(self.s.dir, "stdout.pdf")
        with open(path, "wb") as f:
            f.write(r.stdout)
        self.check_pdf(path, ["P-4"], ["proformas"])

    def test_nothing_printable_writes_nothing(self):
        out = os.path.join(self.s.dir, "never.pdf")
        for args, says in [(("--orders", "-"), "no order is selected"),
                           (("--market", "XX"), "no order is selected"),
                           (("--orders", "-", "--documents", "confirmations"),
                            "no order selected has any of the documents asked")]:
            with self.subTest(args=args):
                r, _ = self.print(*args, code=1, input="P-3\nP-1\nP-404\n"
                                  if args[-1] == "confirmations" else "", out=out)
                self.assertIn("sluice bulk: nothing to print: " + says, r.stderr)
                self.assertNotIn("cannot write", r.stderr)
                self.assertFalse(os.path.exists(out))
                self.assertEqual([f for f in os.listdir(self.s.root) if ".never" in f], [])
        r = self.s.sluice("bulk", "print", "--market", "XX", "--output", "-")
        self.assertEqual((r.returncode, r.stdout), (1, ""), r.stderr)

    def test_usage_errors(self):
        out = os.path.join(self.s.dir, "never.pdf")
        for docs in ("", "invoice", "invoices,", ",invoices", "invoices,,proformas",
                     "invoices,invoices", "credit_notes", "INVOICES", "invoices proformas"):
            with self.subTest(docs=docs):
                r = self.s.sluice("bulk", "print", "--all", "--output", out, "--documents", docs)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--documents: invoices, proformas or confirmations", r.stderr)
        for args in (("print", "--all"), ("print", "--all", "--output", ""),
                     ("print", "--all", "--output", out, "--format", "json"),
                     ("export", "--all", "--output", out, "--documents", "invoices")):
            with self.subTest(args=args):
                r = self.s.sluice("bulk", *args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("usage: sluice bulk", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_output_replaced_whole_and_atomically(self):
        out = os.path.join(self.s.dir, "print.pdf")
        with open(out, "w") as f:
            f.write("old " * 10000)
        self.print("--orders", "-", "--documents", "proformas", input="P-4\n")
        self.check_pdf(out, ["P-4"], ["proformas"])
        with open(out, "rb") as f:
            before = f.read()
        # failures leave the old file as it was and no temporary file
        self.print("--all", code=70, out=os.path.join(self.s.dir, "no", "such", "dir.pdf"))
        self.print("--orders", os.path.join(self.s.dir, "absent"), code=70, out=out)
        self.print("--orders", "-", code=1, input="P-3\n", out=out)
        # a directory cannot be replaced by the file
        os.mkdir(os.path.join(self.s.dir, "adir"))
        r, _ = self.print("--all", code=70, out=os.path.join(self.s.dir, "adir"))
        self.assertIn("cannot write %s: Is a directory" % os.path.join(self.s.dir, "adir"), r.stderr)
        self.assertEqual(os.listdir(os.path.join(self.s.dir, "adir")), [])
        with open(out, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertEqual([f for f in os.listdir(self.s.root) if f.startswith(".print")], [])


if __name__ == "__main__":
    run_tap()
