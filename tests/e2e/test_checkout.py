# SPDX-License-Identifier: ISC
"""Orders paid at checkout: captured_amount (at most authorized_amount)
under capture_reference.  Shipments are paid from it first: a shipment it
pays in full gets no capture request and is invoiced when it is created; a
shipment it pays in part gets a capture request for the rest.  What no
shipment took is refunded when the order ends; the authorization beyond
what was captured is released.  The amounts here are worked out by hand
from the rules of doc/lifecycle.md."""
import glob
import os
import sqlite3
import xml.etree.ElementTree as ET

from harness import NS, Steps, run_tap
from lifecycle_util import cancellation, order, payment, ret, shipment
from test_text import assert_outputs_valid


def checkout_order(number, authorized, captured, reference="SWISH-1", **extra):
    """SEK, VAT included: line 1 is 2 x 100.00 at 25%, line 2 is 1 x 50.00
    at 12%, shipping 49.00 at 25%: 299.00 in all."""
    fields = dict(extra, captured_amount=captured)
    if reference is not None:
        fields["capture_reference"] = reference
    return order(number, "SEK", True, authorized, [(1, 2, "100.00", "25"), (2, 1, "50.00", "12")],
                 shipping="49.00", shipping_rate="25", status="confirmed", **fields)


def codes(receipt):
    return [e["code"] for e in receipt["errors"]]


class Checkout(Steps):
    def out(self, folder):
        return sorted(os.path.basename(p)[:-4]
                      for p in glob.glob(self.s.path("out", folder, "*.xml")))

    def doc(self, folder, stem):
        return ET.parse(self.s.path("out", folder, stem + ".xml")).getroot()

    def field(self, root, name):
        return root.findtext(NS + name)

    def request(self, stem):
        r = self.doc("captures", stem)
        return {k: self.field(r, k) for k in ("type", "amount", "payment_reference",
                                              "return_id", "shipment_id")}

    def test_paid_in_full_ships_without_capture_requests_and_invoices_at_once(self):
        self.step("order", checkout_order("C-1", "299.00", "299.00"))
        o = self.s.order("C-1")
        self.assertEqual((o["captured_amount"], o["capture_reference"], o["captured"], o["due"]),
                         ("299.00", "SWISH-1", "299.00", "0.00"))
        self.assertIn("299.00 captured at checkout (SWISH-1)",
                      self.s.sluice("order", "show", "C-1", check=True).stdout)
        # the first shipment: line 1 (200.00) and the shipping (49.00)
        self.step("shipment", shipment("S-1", "C-1", [(1, 2)], shipped=True))
        o = self.s.order("C-1")
        sh = o["shipments"][0]
        self.assertEqual((sh["amount"], sh["prepaid"], sh["capture"], sh["paid"]),
                         ("249.00", "249.00", "captured", True))
        self.assertEqual(self.out("captures"), [])
        self.assertEqual(self.out("invoices"), ["INV-000001"])
        inv = self.doc("invoices", "INV-000001")
        self.assertEqual((self.field(inv, "shipment_id"), self.field(inv, "total")),
                         ("S-1", "249.00"))
        self.assertEqual(o["status"], "confirmed")
        # the second takes the last 50.00: completed, nothing to release or refund
        self.step("shipment", shipment("S-2", "C-1", [(2, 1)], shipped=True))
        o = self.s.order("C-1")
        self.assertEqual((o["status"], o["captured"], o["shipments"][1]["prepaid"]),
                         ("completed", "299.00", "50.00"))
        self.assertEqual(self.out("captures"), [])
        self.assertEqual(self.out("invoices"), ["INV-000001", "INV-000002"])
        # a return draws on the checkout's money like on any capture
        self.step("return", ret("R-1", "C-1", "S-1", [(1, 1)]))
        self.assertEqual(self.out("captures"), ["REF-R-1"])
        self.assertEqual(self.request("REF-R-1")["amount"], "100.00")
        # named for the checkout's capture, which paid the shipment
        self.assertEqual(self.request("REF-R-1")["payment_reference"], "SWISH-1")
        self.assertEqual(self.out("invoices"), ["CN-000001", "INV-000001", "INV-000002"])
        self.assertGreater(assert_outputs_valid(self, self.s), 0)

    def test_paid_in_part_requests_the_rest(self):
        # 299.00 authorized, 100.00 of it captured at checkout
        self.step("order", checkout_order("C-2", "299.00", "100.00"))
        self.step("shipment", shipment("S-1", "C-2", [(1, 2)]))
        sh = self.s.order("C-2")["shipments"][0]
        self.assertEqual((sh["amount"], sh["prepaid"], sh["capture"]),
                         ("249.00", "100.00", "requested"))
        self.assertEqual(self.out("invoices"), [])   # invoiced once the rest is captured
        self.assertEqual(self.request("CAP-S-1")["amount"], "149.00")
        # the PSP answers for the rest only
        self.step("payment", payment("E-1", "C-2", "capture", "249.00", "SEK", "CAP-S-1"),
                  "rejected")
        self.step("payment", payment("E-2", "C-2", "capture", "149.00", "SEK", "CAP-S-1"))
        self.assertEqual(self.out("invoices"), ["INV-000001"])
        self.assertEqual(self.field(self.doc("invoices", "INV-000001"), "total"), "249.00")
        # the checkout's money is spent: the next shipment is captured whole
        self.step("shipment", shipment("S-2", "C-2", [(2, 1)], shipped=True))
        self.assertEqual(self.s.order("C-2")["shipments"][1]["prepaid"], "0.00")
        self.assertEqual(self.request("CAP-S-2")["amount"], "50.00")
        self.step("shipment", shipment("S-1", "C-2", [(1, 2)], shipped=True))
        self.step("payment", payment("E-3", "C-2", "capture", "50.00", "SEK", "CAP-S-2"))
        o = self.s.order("C-2")
        self.assertEqual((o["status"], o["captured"]), ("completed", "299.00"))
        self.assertNotIn("REF-C-2", self.out("captures"))
        self.assertNotIn("REL-C-2", self.out("captures"))
        # S-1 was paid in part at checkout: its return's refund names the
        # order's payment as any refund does
        self.step("return", ret("R-1", "C-2", "S-1", [(1, 1)]))
        self.assertEqual(self.request("REF-R-1")["payment_reference"], "PSP-C-2")
        assert_outputs_valid(self, self.s)

    def test_capture_waits_for_authorization_beyond_the_checkout(self):
        # 250.00 authorized, 200.00 captured: the first shipment (249.00)
        # is paid in full; the second (50.00) needs 49.00 beyond what is
        # authorized and waits
        self.step("order", checkout_order("C-3", "250.00", "200.00"))
        self.assertEqual(self.s.order("C-3")["due"], "49.00")
        self.step("payment", payment("A-1", "C-3", "authorization", "49.00", "SEK",
                                     self.s.order("C-3")["links"][0]["link_id"]))
        self.step("shipment", shipment("S-1", "C-3", [(1, 2)]))
        sh = self.s.order("C-3")["shipments"][0]
        self.assertEqual((sh["prepaid"], sh["capture"]), ("200.00", "requested"))
        self.assertEqual(self.request("CAP-S-1")["amount"], "49.00")

    def test_cancelling_the_lines_refunds_the_checkout_and_releases_the_rest(self):
        self.step("order", checkout_order("C-4", "350.00", "299.00", reference="SW-77"))
        # a whole-order cancellation: money was captured
        r = self.step("cancellation", cancellation("X-1", "C-4", whole=True), "rejected")
        self.assertEqual(codes(r), ["order_not_cancellable"])
        self.step("cancellation", cancellation("X-2", "C-4", [(1, 2), (2, 1)]))
        o = self.s.order("C-4")
        self.assertEqual(o["status"], "cancelled")
        self.assertEqual(sorted(self.out("captures")), ["REF-C-4", "REL-C-4"])
        self.assertEqual(self.request("REF-C-4"),
                         {"type": "refund", "amount": "299.00", "payment_reference": "SW-77",
                          "return_id": None, "shipment_id": None})
        self.assertEqual(self.request("REL-C-4")["amount"], "51.00")
        # the PSP confirms the refund
        self.step("payment", payment("E-1", "C-4", "refund", "299.00", "SEK", "REF-C-4"))
        self.assertEqual(self.s.order("C-4")["refunded"], "299.00")
        assert_outputs_valid(self, self.s)

    def test_what_no_shipment_took_is_refunded_when_the_order_completes(self):
        self.step("order", checkout_order("C-5", "299.00", "299.00"))
        self.step("shipment", shipment("S-1", "C-5", [(1, 2)], shipped=True))
        self.step("cancellation", cancellation("X-1", "C-5", [(2, 1)]))
        o = self.s.order("C-5")
        self.assertEqual((o["status"], o["grand_total"]), ("completed", "249.00"))
        self.assertEqual(self.out("captures"), ["REF-C-5"])
        self.assertEqual(self.request("REF-C-5")["amount"], "50.00")
        # a return after: at most what is captured and not refunded
        self.step("return", ret("R-1", "C-5", "S-1", [(1, 2)], refund_shipping=True))
        self.assertEqual(self.request("REF-R-1")["amount"], "249.00")
        r = self.step("return", ret("R-2", "C-5", "S-1", [(1, 1)]), "rejected")
        self.assertEqual(codes(r), ["return_exceeds_shipped"])

    def test_a_return_named_as_the_order_gets_the_next_free_request_name(self):
        self.step("order", checkout_order("C-6", "299.00", "299.00"))
        self.step("shipment", shipment("S-1", "C-6", [(1, 1)], shipped=True))
        self.step("cancellation", cancellation("X-1", "C-6", [(1, 1), (2, 1)]))
        self.assertEqual(self.out("captures"), ["REF-C-6"])
        self.step("return", ret("C-6", "C-6", "S-1", [(1, 1)]))
        self.assertEqual(self.out("captures"), ["REF-C-6", "REF-C-6-2"])
        self.assertEqual(self.request("REF-C-6-2")["return_id"], "C-6")
        # the PSP's answer names it
        self.step("payment", payment("E-1", "C-6", "refund", "100.00", "SEK", "REF-C-6-2"))
        self.assertEqual(self.s.order("C-6")["refunded"], "100.00")

    def test_rejections(self):
        r = self.step("order", checkout_order("C-7", "100.00", "100.01"), "rejected")
        self.assertEqual(codes(r), ["captured_exceeds_authorized"])
        self.assertEqual(r["errors"][0]["field"], "captured_amount")
        r = self.step("order", checkout_order("C-8", "", "1.00"), "rejected")
        self.assertEqual(codes(r), ["captured_exceeds_authorized"])
        r = self.step("order", checkout_order("C-9", "299.00", "299.00", reference=None),
                      "rejected")
        self.assertEqual([(e["code"], e["field"]) for e in r["errors"]],
                         [("missing_field", "capture_reference")])
        r = self.step("order", checkout_order("C-10", "299.00", "-1.00"), "rejected")
        self.assertEqual(codes(r), ["invalid_money"])
        r = self.step("order", checkout_order("C-11", "299.00", "1.001"), "rejected")
        self.assertEqual(codes(r), ["invalid_money"])
        # nothing captured needs no reference
        self.step("order", checkout_order("C-12", "299.00", "0.00", reference=None))

    def test_a_changed_capture_is_not_a_duplicate(self):
        self.step("order", checkout_order("C-13", "299.00", "299.00"))
        self.step("order", checkout_order("C-13", "299.00", "299.00"), "duplicate")
        for changed in (checkout_order("C-13", "299.00", "200.00"),
                        checkout_order("C-13", "299.00", "299.00", reference="SWISH-2")):
            r = self.step("order", changed, "rejected")
            self.assertEqual(codes(r), ["order_number_reused"])

    def test_the_example_ships_paid(self):
        self.s.drop_example("orders", "orders-paid.csv")
        self.s.run_once()
        self.assertEqual(self.s.receipt("orders-paid.csv")["status"], "accepted")
        o = self.s.order("SL-1020")
        self.assertEqual((o["grand_total"], o["captured"], o["due"]), ("1148.00", "1148.00", "0.00"))
        self.step("shipment", shipment("S-1", "SL-1020", [(1, 1), (2, 2)], shipped=True))
        o = self.s.order("SL-1020")
        self.assertEqual((o["status"], o["shipments"][0]["prepaid"]), ("completed", "1148.00"))
        self.assertEqual(self.out("captures"), [])
        self.assertEqual(self.out("invoices"), ["INV-000001"])

    def test_xml_order(self):
        xml = """<?xml version="1.0" encoding="UTF-8"?>
<orders xmlns="urn:sluice:1"><order>
<order_number>C-14</order_number><order_date>2026-11-26T09:00:00Z</order_date>
<market>M</market><currency>EUR</currency><prices_include_vat>false</prices_include_vat>
<email>a@example.com</email><billing_address1>Street 1</billing_address1>
<billing_zip>11111</billing_zip><billing_city>City</billing_city>
<billing_country>DE</billing_country><payment_method>ideal</payment_method>
<payment_reference>ID-1</payment_reference><authorized_amount>119.00</authorized_amount>
<captured_amount>119.00</captured_amount><capture_reference>ID-CAP-1</capture_reference>
<line><line_id>1</line_id><sku>S</sku><name>Thing</name><quantity>1</quantity>
<unit_price>100.00</unit_price><vat_rate>19</vat_rate></line>
</order></orders>
"""
        self.step("order", xml, ext="xml")
        o = self.s.order("C-14")
        self.assertEqual((o["grand_total"], o["captured_amount"], o["capture_reference"]),
                         ("119.00", "119.00", "ID-CAP-1"))
        self.step("shipment", shipment("S-1", "C-14", [(1, 1)], shipped=True))
        self.assertEqual(self.s.order("C-14")["status"], "completed")
        self.assertEqual(self.out("invoices"), ["INV-000001"])
        self.assertEqual(self.out("captures"), [])
        assert_outputs_valid(self, self.s)

    def test_audit_sees_a_changed_checkout(self):
        self.step("order", checkout_order("C-15", "299.00", "299.00"))
        self.step("shipment", shipment("S-1", "C-15", [(1, 2)]))
        db = sqlite3.connect(self.s.path("ledger.db"))
        db.execute("UPDATE shipments SET prepaid = 1 WHERE shipment_id = 'S-1'")
        db.execute("UPDATE orders SET captured_amount = 5 WHERE order_number = 'C-15'")
        db.commit()
        db.close()
        r = self.s.sluice("audit")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("captured at checkout", r.stdout)
        self.assertIn("shipment paid at checkout S-1", r.stdout)
        # put back, for the audit every test ends with
        db = sqlite3.connect(self.s.path("ledger.db"))
        db.execute("UPDATE shipments SET prepaid = 24900 WHERE shipment_id = 'S-1'")
        db.execute("UPDATE orders SET captured_amount = 29900 WHERE order_number = 'C-15'")
        db.commit()
        db.close()


if __name__ == "__main__":
    run_tap()
