# SPDX-License-Identifier: ISC
"""Amounts at their limits end to end: every amount sluice keeps or computes
(a line's total, an order's, a shipment's, a refund, an invoice's, the
authorization) is at most 9999999999.99 in minor units (999999999999); a
record that would make one larger is rejected with amount_too_large, at
the line and field that take it there, before anything is applied or
issued.  Amounts exactly at the limit work, in currencies with 2, 0 and 3
minor digits and with prices with and without VAT."""
import glob
import os
import subprocess

from harness import SRCDIR, Steps, codes, run_tap
from lifecycle_util import amendment, csv, order, payment, ret, shipment

MAX = "9999999999.99"
XMLLINT = os.environ.get("XMLLINT") or "xmllint"
INVOICE_HEAD = ["invoice_id", "currency", "email", "name", "billing_address1", "billing_zip",
                "billing_city", "billing_country"]
INVOICE_LINE = ["description", "quantity", "unit_price", "vat_rate"]


def invoice(iid, lines, currency="SEK"):
    """lines: (quantity, unit_price, vat_rate)"""
    head = {"invoice_id": iid, "currency": currency, "email": "buyer@example.com",
            "name": "Buyer", "billing_address1": "Street 1", "billing_zip": "11111",
            "billing_city": "City", "billing_country": "SE"}
    return csv(INVOICE_HEAD + INVOICE_LINE,
               [dict(head, description="Work %d" % i, quantity=q, unit_price=p, vat_rate=r)
                for i, (q, p, r) in enumerate(lines, 1)])


class Limits(Steps):
    def too_large(self, kind, text, where):
        """The file is rejected, and amount_too_large is named at each
        (line, field) of where."""
        r = self.step(kind, text, "rejected")
        found = {(line, field) for line, field, code in codes(r) if code == "amount_too_large"}
        self.assertEqual(found, set(where), r["errors"])
        return r

    def show(self, number):
        r = self.s.sluice("order", "show", number)
        self.assertEqual(r.returncode, 0, r.stderr)
        o = self.s.order(number)
        self.assertIsNotNone(o)
        return o

    def documents(self, folder):
        return sorted(os.path.basename(p) for p in glob.glob(self.s.path("out", folder, "*.xml")))

    def test_amendment_lines_beyond_the_limit_are_rejected(self):
        self.step("orders", order("AM-1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        # 100 lines of 100000 x 9999999999.99: each line alone is beyond
        lines = [(10 + i, 100000, MAX, "25") for i in range(100)]
        self.too_large("amendments", amendment("A-1", "AM-1", lines),
                       [(2 + i, "unit_price") for i in range(100)])
        o = self.show("AM-1")
        self.assertEqual((o["grand_total"], len(o["lines"]), o["links"]), ("100.00", 1, []))
        # nothing of it can be shipped
        self.step("shipments", shipment("S-1", "AM-1", [(10, 1)]), "rejected")

    def test_amendment_that_takes_the_order_beyond_the_limit(self):
        self.step("orders", order("AM-2", "SEK", True, MAX, [(1, 1, "9999999000.00", "25")]))
        # 999.99 fits exactly; 1000.00 does not
        self.too_large("amendments", amendment("A-2", "AM-2", [(2, 1, "1000.00", "25")]),
                       [(2, "unit_price")])
        # two lines that fit alone but not together: the second is named
        self.too_large("amendments", amendment("A-3", "AM-2", [(2, 1, "500.00", "25"),
                                                              (3, 1, "500.00", "25")]),
                       [(3, "unit_price")])
        self.step("amendments", amendment("A-4", "AM-2", [(2, 1, "999.99", "25")]))
        o = self.show("AM-2")
        self.assertEqual((o["grand_total"], o["due"]), (MAX, "0.00"))
        # and the whole order ships and is captured at the limit
        self.step("shipments", shipment("S-2", "AM-2", [(1, 1), (2, 1)]))
        o = self.show("AM-2")
        self.assertEqual([(r["request_id"], r["amount"]) for r in o["requests"]],
                         [("CAP-S-2", MAX)])
        self.assertEqual(o["shipments"][0]["capture"], "requested")

    def test_order_lines_beyond_the_limit(self):
        # one line of 100000 x the largest price, with the largest authorization
        self.too_large("orders", order("OR-1", "SEK", True, MAX, [(1, 100000, MAX, "25")]),
                       [(2, "unit_price")])
        # each line fits, their sum does not: the line that goes beyond
        self.too_large("orders", order("OR-2", "SEK", True, MAX,
                                       [(1, 1, "6000000000.00", "25"), (2, 1, "5000000000.00", "25")]),
                       [(3, "unit_price")])
        # 100 lines of 100000 x the largest price
        self.too_large("orders", order("OR-3", "SEK", True, MAX,
                                       [(i, 100000, MAX, "25") for i in range(1, 101)]),
                       [(1 + i, "unit_price") for i in range(1, 101)])
        # shipping that takes the total beyond
        self.too_large("orders", order("OR-4", "SEK", True, MAX, [(1, 1, MAX, "25")], "0.01", "25"),
                       [(2, "shipping_price")])
        for number in ("OR-1", "OR-2", "OR-3", "OR-4"):
            self.assertIsNone(self.s.order(number))

    def test_prices_without_vat_at_the_limit(self):
        # 7999999999.99 + 25% VAT (2000000000.00 rounded) = 9999999999.99
        self.step("orders", order("EX-1", "SEK", False, MAX, [(1, 1, "7999999999.99", "25")]))
        o = self.show("EX-1")
        self.assertEqual((o["grand_total"], o["vat_total"]), (MAX, "2000000000.00"))
        # 8000000000.00 + 25% = 10000000000.00: one minor unit beyond
        self.too_large("orders", order("EX-2", "SEK", False, MAX, [(1, 1, "8000000000.00", "25")]),
                       [(2, "unit_price")])
        # shipping without VAT: 9999999999.99 + 100% VAT
        self.too_large("orders", order("EX-3", "SEK", False, MAX, [(1, 1, "0.01", "0")], MAX, "100"),
                       [(2, "shipping_price")])

    def test_jpy_and_kwd_at_the_limit(self):
        # JPY has no minor digits: the limit is 999999999999 yen
        self.step("orders", order("JP-1", "JPY", True, "999999999999", [(1, 1, "999999999999", "10")]))
        self.assertEqual(self.show("JP-1")["grand_total"], "999999999999")
        self.too_large("orders", order("JP-2", "JPY", True, "999999999999",
                                       [(1, 1, "999999999999", "10"), (2, 1, "1", "10")]),
                       [(3, "unit_price")])
        self.too_large("orders", order("JP-3", "JPY", True, "999999999999",
                                       [(1, 2, "999999999999", "10")]), [(2, "unit_price")])
        # KWD has three: 999999999.999
        self.step("orders", order("KW-1", "KWD", True, "999999999.999", [(1, 1, "999999999.999", "5")]))
        self.assertEqual(self.show("KW-1")["grand_total"], "999999999.999")
        # a JPY order at the limit ships, is captured, returned and refunded
        self.step("shipments", shipment("S-J", "JP-1", [(1, 1)], shipped=True))
        self.step("payments", payment("E-J1", "JP-1", "capture", "999999999999", "JPY", "CAP-S-J"))
        self.step("returns", ret("R-J", "JP-1", "S-J", [(1, 1)], fee="1"))
        o = self.show("JP-1")
        self.assertEqual([r["refund"] for r in o["returns"]], ["999999999998"])
        # a fee as large as the refund leaves nothing to refund
        self.step("orders", order("JP-4", "JPY", True, "999999999999", [(1, 1, "999999999999", "10")]))
        self.step("shipments", shipment("S-J4", "JP-4", [(1, 1)], shipped=True))
        self.step("payments", payment("E-J4", "JP-4", "capture", "999999999999", "JPY", "CAP-S-J4"))
        self.step("returns", ret("R-J4", "JP-4", "S-J4", [(1, 1)], fee="999999999999"))
        self.assertEqual([r["refund"] for r in self.show("JP-4")["returns"]], ["0"])

    def test_authorization_beyond_the_limit(self):
        self.step("orders", order("AU-1", "SEK", True, "9999999000.00", [(1, 1, "100.00", "25")]))
        self.step("payments", payment("E-1", "AU-1", "authorization", "999.99", "SEK"))
        self.assertEqual(self.show("AU-1")["authorized"], MAX)
        r = self.too_large("payments", payment("E-2", "AU-1", "authorization", "0.01", "SEK"),
                           [(2, "amount")])
        self.assertEqual(self.show("AU-1")["authorized"], MAX, r)
        # a failed authorization adds nothing, so it is not beyond
        self.step("payments", payment("E-3", "AU-1", "authorization", MAX, "SEK", status="failed"))

    def test_free_invoice_beyond_the_limit_takes_no_number(self):
        # 100 lines of 100000 x the largest price
        self.too_large("invoices", invoice("FI-1", [(100000, MAX, "25")] * 100),
                       [(1 + i, "unit_price") for i in range(1, 101)])
        # the price fits, with VAT it does not
        self.too_large("invoices", invoice("FI-2", [(1, MAX, "25")]), [(2, "unit_price")])
        # each line fits, the sum does not
        self.too_large("invoices", invoice("FI-3", [(1, "5000000000.00", "0"),
                                                     (1, "5000000000.00", "0")]),
                       [(3, "unit_price")])
        self.assertEqual(self.documents("invoices"), [])
        # exactly the limit: the first number of the series, and the
        # document follows its schema
        self.step("invoices", invoice("FI-4", [(1, "7999999999.99", "25")]))
        self.assertEqual(self.documents("invoices"), ["INV-000001.xml"])
        r = subprocess.run([XMLLINT, "--noout", "--schema",
                            os.path.join(SRCDIR, "schemas", "invoice.xsd"),
                            self.s.path("out", "invoices", "INV-000001.xml")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.s.path("out", "invoices", "INV-000001.xml")) as f:
            self.assertIn("<total>%s</total>" % MAX, f.read())


if __name__ == "__main__":
    run_tap()
