# SPDX-License-Identifier: ISC
"""The order lifecycle end to end: multi-step stories whose amounts are
worked out by hand (in the comments), in currencies with 2, 0 and 3 minor
digits and with prices with and without VAT; and a scenario per rule of the
domain with the rejection it must produce."""
import os

from harness import Steps, codes, run_tap
from lifecycle_util import amendment, cancellation, order, payment, ret, shipment

class Story(Steps):
    def reject(self, kind, text, code):
        r = self.step(kind, text, "rejected")
        self.assertIn(code, {e["code"] for e in r["errors"]}, r["errors"])
        return r

    def requests(self, o):
        return {r["request_id"]: (r["type"], r["amount"], r["status"]) for r in o["requests"]}


class SekIncludingVat(Story):
    """Order, amendment with a payment link, authorization, partial shipments,
    captures, a cancelled unit, completion releasing what is left of the
    authorization, and a return with shipping refunded."""

    def test_full_story(self):
        # L1 3 x 100.00 @25% = 300.00 (VAT 60.00); L2 2 x 49.90 @12% = 99.80
        # (VAT 10.69); shipping 59.00 (VAT 11.80): 458.80, authorized 500.00
        self.step("order", order("LC-1", "SEK", True, "500.00",
                                 [(1, 3, "100.00", "25"), (2, 2, "49.90", "12")], "59.00", "25"))
        o = self.s.order("LC-1")
        self.assertEqual((o["grand_total"], o["vat_total"], o["due"]), ("458.80", "82.49", "0.00"))

        # + L3 1 x 200.00 @25%: 658.80, 158.80 beyond the authorization
        self.step("amendment", amendment("AM-1", "LC-1", [(3, 1, "200.00", "25")]))
        o = self.s.order("LC-1")
        self.assertEqual((o["grand_total"], o["due"]), ("658.80", "158.80"))
        self.assertEqual([{k: v for k, v in x.items() if k != "expires_at"} for x in o["links"]],
                         [{"link_id": "LINK-LC-1-1", "amount": "158.80", "status": "open",
                           "event_id": None}])

        # the link is paid: authorized 658.80
        self.step("payment", payment("EV-A1", "LC-1", "authorization", "158.80", "SEK", "LINK-LC-1-1"))
        o = self.s.order("LC-1")
        self.assertEqual((o["authorized"], o["due"], o["links"][0]["status"]),
                         ("658.80", "0.00", "spent"))
        # a link is spent once: money paid on it again pays nothing, and is
        # released at once
        self.step("payment", payment("EV-A2", "LC-1", "authorization", "158.80", "SEK",
                                     "LINK-LC-1-1"))
        o = self.s.order("LC-1")
        self.assertEqual((o["authorized"], self.requests(o)["REL-EV-A2"]),
                         ("658.80", ("release", "158.80", "pending")))

        # SH-A: L1 x 2 = part(300.00, 2 of 3) = 200.00; L2 x 1 = 49.90;
        # shipping on the first shipment 59.00: capture 308.90
        self.step("shipment", shipment("SH-A", "LC-1", [(1, 2), (2, 1)], carrier="PostNord"))
        o = self.s.order("LC-1")
        self.assertEqual(o["status"], "processing")
        self.assertEqual(self.requests(o)["CAP-SH-A"], ("capture", "308.90", "pending"))
        self.assertEqual(o["shipments"][0]["amount"], "308.90")

        # the other unit of L2 is cancelled: L2 is worth part(99.80, 1 of 2)
        # = 49.90, so 608.90 in all
        self.step("cancellation", cancellation("CX-1", "LC-1", [(2, 1)]))
        o = self.s.order("LC-1")
        self.assertEqual(o["grand_total"], "608.90")
        self.assertEqual([(l["line_id"], l["shipped"], l["cancelled"]) for l in o["lines"]],
                         [(1, 2, 0), (2, 1, 1), (3, 0, 0)])

        self.step("payment", payment("EV-C1", "LC-1", "capture", "308.90", "SEK", "CAP-SH-A"))
        # SH-B: L1 x 1 = 300.00 - 200.00 = 100.00; L3 200.00: capture 300.00
        self.step("shipment", shipment("SH-B", "LC-1", [(1, 1), (3, 1)]))
        self.step("payment", payment("EV-C2", "LC-1", "capture", "300.00", "SEK", "CAP-SH-B"))
        o = self.s.order("LC-1")
        self.assertEqual(o["captured"], "608.90")
        self.assertEqual(o["status"], "processing")   # nothing shipped yet

        # both marked shipped: every unit shipped or cancelled, every
        # shipment shipped and paid: completed, 658.80 - 608.90 = 49.90 released
        self.step("shipment", shipment("SH-A", "LC-1", [(1, 2), (2, 1)], shipped=True,
                                       tracking="00370712345678901234"))
        self.assertEqual(self.s.order("LC-1")["status"], "processing")
        self.step("shipment", shipment("SH-B", "LC-1", [(3, 1), (1, 1)], shipped=True))
        o = self.s.order("LC-1")
        self.assertEqual(o["status"], "completed")
        self.assertEqual(self.requests(o)["REL-LC-1"], ("release", "49.90", "pending"))
        self.assertEqual([s["completed"] for s in o["shipments"]], [True, True])
        self.assertEqual(o["shipments"][0]["tracking"], "00370712345678901234")

        # a return from SH-A: L1 x 1 = part(200.00, 1 of 2) = 100.00, plus
        # the shipping 59.00: refund 159.00
        self.step("return", ret("RT-1", "LC-1", "SH-A", [(1, 1)], refund_shipping=True))
        o = self.s.order("LC-1")
        self.assertEqual(o["returns"][0]["refund"], "159.00")
        self.assertEqual(self.requests(o)["REF-RT-1"], ("refund", "159.00", "pending"))
        self.assertEqual(o["lines"][0]["returned"], 1)
        # shipping is refunded once
        self.reject("return", ret("RT-2", "LC-1", "SH-A", [(1, 1)], refund_shipping=True),
                    "shipping_already_refunded")
        self.step("payment", payment("EV-R1", "LC-1", "refund", "159.00", "SEK", "REF-RT-1"))
        self.step("payment", payment("EV-L1", "LC-1", "release", "49.90", "SEK", "REL-LC-1"))
        self.step("payment", payment("EV-L2", "LC-1", "release", "158.80", "SEK", "REL-EV-A2"))
        o = self.s.order("LC-1")
        self.assertEqual((o["status"], o["grand_total"], o["captured"], o["refunded"], o["due"]),
                         ("completed", "608.90", "608.90", "159.00", "0.00"))
        # VAT: L1 60.00, L2 part(10.69, 1 of 2) = 5.35, L3 40.00, shipping 11.80
        self.assertEqual(o["vat_total"], "117.15")
        self.assertEqual({r[2] for r in self.requests(o).values()}, {"succeeded"})
        types = [e["type"] for e in o["events"]]
        for t in ("order_received", "line_added", "link_created", "payment_succeeded",
                  "shipment_created", "units_cancelled", "shipment_shipped", "return_received"):
            self.assertIn(t, types)
        self.assertEqual(types.count("status_changed"), 2)   # processing, completed
        # a completed order takes no amendment
        self.reject("amendment", amendment("AM-2", "LC-1", hold="true"), "order_closed")


class EurExcludingVat(Story):
    """Prices without VAT; a failed capture keeps the order from completing;
    captures wait while the authorization does not cover them."""

    def test_failed_capture_and_waiting_capture(self):
        # L1 4 x 10.00 + 19% = 47.60; shipping 5.00 + 0.95 = 5.95: 53.55
        self.step("order", order("LC-2", "EUR", False, "53.55", [(1, 4, "10.00", "19")], "5.00", "19"))
        self.assertEqual(self.s.order("LC-2")["grand_total"], "53.55")
        # SH-C: part(47.60, 3 of 4) = 35.70 + 5.95 = 41.65
        self.step("shipment", shipment("SH-C", "LC-2", [(1, 3)], shipped=True))
        self.step("payment", payment("EV-F1", "LC-2", "capture", "41.65", "EUR", "CAP-SH-C",
                                     status="failed"))
        o = self.s.order("LC-2")
        self.assertEqual(o["shipments"][0]["capture"], "failed")
        self.assertFalse(o["shipments"][0]["paid"])
        self.assertEqual(o["captured"], "0.00")
        # answered once
        self.reject("payment", payment("EV-F2", "LC-2", "capture", "41.65", "EUR", "CAP-SH-C"),
                    "request_answered")
        # + L2 1 x 100.00 + 19% = 119.00: 172.55 in all, 119.00 due
        self.step("amendment", amendment("AM-3", "LC-2", [(2, 1, "100.00", "19")]))
        # SH-D: L1 x 1 = 47.60 - 35.70 = 11.90; L2 119.00: 130.90. Requested
        # captures would be 41.65 + 130.90 > 53.55: it waits
        self.step("shipment", shipment("SH-D", "LC-2", [(1, 1), (2, 1)]))
        o = self.s.order("LC-2")
        self.assertEqual(o["shipments"][1]["capture"], "waiting")
        self.assertNotIn("CAP-SH-D", self.requests(o))
        # the payment link pays 119.00: 172.55 authorized, and the capture
        # is requested
        self.step("payment", payment("EV-A3", "LC-2", "authorization", "119.00", "EUR", "LINK-LC-2-1"))
        o = self.s.order("LC-2")
        self.assertEqual(self.requests(o)["CAP-SH-D"], ("capture", "130.90", "pending"))
        self.step("payment", payment("EV-C3", "LC-2", "capture", "130.90", "EUR", "CAP-SH-D"))
        self.step("shipment", shipment("SH-D", "LC-2", [(1, 1), (2, 1)], shipped=True))
        o = self.s.order("LC-2")
        # every unit shipped, but SH-C is unpaid: not completed
        self.assertEqual(o["status"], "processing")
        self.assertEqual((o["captured"], o["grand_total"], o["authorized"]),
                         ("130.90", "172.55", "172.55"))


class ZeroAndThreeDigits(Story):
    def test_jpy_parts_and_whole_order_cancellation(self):
        # 3 x 1000 - 1 discount = 2999, 10% included; shipped one by one:
        # part(2999, 1 of 3) = 1000, part 2 = 1999, part 3 = 2999
        self.step("order", order("LC-3", "JPY", True, "2999", [(1, 3, "1000", "10", "1")]))
        for i, want in ((1, "1000"), (2, "999"), (3, "1000")):
            self.step("shipment", shipment("SH-J%d" % i, "LC-3", [(1, 1)]))
            self.assertEqual(self.s.order("LC-3")["shipments"][i - 1]["amount"], want)
        o = self.s.order("LC-3")
        self.assertEqual(sum(int(s["amount"]) for s in o["shipments"]), 2999)
        # whole-order cancellation is refused once anything is shipped
        self.reject("cancellation", cancellation("CX-J", "LC-3", whole=True), "order_not_cancellable")

        # another order, cancelled whole: its authorization (3500) is released
        self.step("order", order("LC-5", "JPY", True, "3500", [(1, 3, "1000", "10")]))
        self.step("cancellation", cancellation("CX-W", "LC-5", whole=True))
        o = self.s.order("LC-5")
        self.assertEqual((o["status"], o["grand_total"], o["vat_total"]), ("cancelled", "0", "0"))
        self.assertEqual(self.requests(o)["REL-LC-5"], ("release", "3500", "pending"))
        self.assertEqual(o["lines"][0]["cancelled"], 3)
        self.reject("shipment", shipment("SH-X", "LC-5", [(1, 1)]), "order_not_shippable")

    def test_kwd_cancelled_line_by_line(self):
        # L1 2 x 1.250 + 5% = 2.625; L2 0.333 + 0.01665 -> 0.017 = 0.350;
        # shipping 0.500 + 0.025 = 0.525: 3.500, authorized 4.000
        self.step("order", order("LC-4", "KWD", False, "4.000",
                                 [(1, 2, "1.250", "5"), (2, 1, "0.333", "5")], "0.500", "5"))
        o = self.s.order("LC-4")
        self.assertEqual((o["grand_total"], o["vat_total"]), ("3.500", "0.167"))
        # one unit of L1 cancelled: L1 is worth part(2.625, 1 of 2) = 1.313
        self.step("cancellation", cancellation("CX-K1", "LC-4", [(1, 1)]))
        self.assertEqual(self.s.order("LC-4")["grand_total"], "2.188")
        # everything else cancelled, nothing shipped: the order is cancelled,
        # shipping no longer counts, and 4.000 is released
        self.step("cancellation", cancellation("CX-K2", "LC-4", [(1, 1), (2, 1)]))
        o = self.s.order("LC-4")
        self.assertEqual((o["status"], o["grand_total"]), ("cancelled", "0.000"))
        self.assertEqual(self.requests(o)["REL-LC-4"], ("release", "4.000", "pending"))


class Rules(Story):
    """One scenario per rule, each with the rejection it must produce."""

    def setUp(self):
        super().setUp()
        # L1 2 x 100.00 @25 incl, shipping 0: 200.00, authorized 200.00
        self.step("order", order("R-1", "SEK", True, "200.00", [(1, 2, "100.00", "25")]))

    def test_amendment_line_exists(self):
        self.reject("amendment", amendment("AM-R1", "R-1", [(1, 1, "5.00", "25")]), "line_exists")

    def test_amendment_money_in_order_currency(self):
        self.reject("amendment", amendment("AM-R2", "R-1", [(2, 1, "5.0", "25")]), "invalid_money")

    def test_amendment_confirms_and_holds(self):
        self.step("order", order("R-P", "SEK", True, "200.00", [(1, 1, "100.00", "25")], status="pending"))
        self.reject("shipment", shipment("SH-P", "R-P", [(1, 1)]), "order_not_shippable")
        self.step("amendment", amendment("AM-R3", "R-P", status="confirmed", hold="true",
                                         delivery_address1="New 1", delivery_zip="22222",
                                         delivery_city="Lund", delivery_country="SE"))
        o = self.s.order("R-P")
        self.assertEqual((o["status"], o["hold"], o["delivery"]["city"]), ("confirmed", True, "Lund"))
        # on hold: no shipment
        self.reject("shipment", shipment("SH-P", "R-P", [(1, 1)]), "order_not_shippable")
        self.step("amendment", amendment("AM-R4", "R-P", hold="false"))
        self.step("shipment", shipment("SH-P", "R-P", [(1, 1)]))

    def test_hold_keeps_captures_waiting(self):
        self.step("shipment", shipment("SH-H", "R-1", [(1, 1)]))
        self.step("amendment", amendment("AM-H1", "R-1", hold="true"))
        self.step("shipment", shipment("SH-H2", "R-1", [(1, 1)]), "rejected")
        o = self.s.order("R-1")
        self.assertEqual(self.requests(o)["CAP-SH-H"], ("capture", "100.00", "pending"))

    def test_cancel_more_than_open(self):
        self.step("shipment", shipment("SH-R", "R-1", [(1, 1)]))
        self.reject("cancellation", cancellation("CX-R1", "R-1", [(1, 2)]), "quantity_not_open")
        self.reject("cancellation", cancellation("CX-R2", "R-1", [(9, 1)]), "unknown_line")
        self.step("cancellation", cancellation("CX-R3", "R-1", [(1, 1)]))

    def test_ship_more_than_open(self):
        self.reject("shipment", shipment("SH-R2", "R-1", [(1, 3)]), "quantity_not_open")
        self.reject("shipment", shipment("SH-R3", "R-1", [(7, 1)]), "unknown_line")

    def test_shipment_update_rules(self):
        self.step("shipment", shipment("SH-U", "R-1", [(1, 1)]))
        self.reject("shipment", shipment("SH-U", "R-1", [(1, 2)]), "shipment_conflict")
        self.step("shipment", shipment("SH-U", "R-1", [(1, 1)], shipped=True, carrier="DHL"))
        # the same update again changes nothing
        self.step("shipment", shipment("SH-U", "R-1", [(1, 1)], shipped=True, carrier="DHL"),
                  "duplicate")
        o = self.s.order("R-1")
        self.assertEqual((o["shipments"][0]["shipped"], o["shipments"][0]["carrier"]), (True, "DHL"))

    def test_return_rules(self):
        self.step("shipment", shipment("SH-T", "R-1", [(1, 1)]))
        # captured nothing yet, but the capture is requested: the return waits
        r = self.step("return", ret("RT-R0", "R-1", "SH-T", [(1, 1)]), "deferred")
        self.assertEqual(codes(r), {(2, "return_id", "capture_pending")})
        # the capture fails: the return can never be refunded
        self.step("payment", payment("EV-TF", "R-1", "capture", "100.00", "SEK", "CAP-SH-T",
                                     status="failed"))
        r = self.s.receipt("003-return.csv")
        self.assertEqual(r["status"], "rejected")
        self.assertIn("refund_exceeds_captured", {e["code"] for e in r["errors"]})
        self.step("shipment", shipment("SH-T2", "R-1", [(1, 1)]))
        self.step("payment", payment("EV-T", "R-1", "capture", "100.00", "SEK", "CAP-SH-T2"))
        self.reject("return", ret("RT-R1", "R-1", "SH-T2", [(1, 2)]), "return_exceeds_shipped")
        # a fee larger than the refund gives no refund, and no refund request
        self.step("return", ret("RT-R2", "R-1", "SH-T2", [(1, 1)], fee="150.00"))
        o = self.s.order("R-1")
        self.assertEqual(o["returns"][0]["refund"], "0.00")
        self.assertNotIn("REF-RT-R2", self.requests(o))
        self.reject("return", ret("RT-R3", "R-1", "SH-T2", [(1, 1)]), "return_exceeds_shipped")

    def test_return_against_another_orders_shipment(self):
        self.step("order", order("R-2", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipment", shipment("SH-O", "R-2", [(1, 1)]))
        self.reject("return", ret("RT-O", "R-1", "SH-O", [(1, 1)]), "wrong_order")

    def test_payment_must_match_its_request(self):
        self.step("shipment", shipment("SH-M", "R-1", [(1, 1)]))
        self.reject("payment", payment("EV-M1", "R-1", "capture", "100.00", "EUR", "CAP-SH-M"),
                    "currency_mismatch")
        self.reject("payment", payment("EV-M2", "R-1", "capture", "99.00", "SEK", "CAP-SH-M"),
                    "request_mismatch")
        self.reject("payment", payment("EV-M3", "R-1", "refund", "100.00", "SEK", "CAP-SH-M"),
                    "request_mismatch")
        self.reject("payment", payment("EV-M4", "R-1", "capture", "100.00", "SEK"), "missing_field")
        self.step("payment", payment("EV-M5", "R-1", "capture", "100.00", "SEK", "CAP-SH-M"))

    def test_authorization_without_link(self):
        self.step("payment", payment("EV-AU", "R-1", "authorization", "50.00", "SEK"))
        self.assertEqual(self.s.order("R-1")["authorized"], "250.00")
        self.step("payment", payment("EV-AF", "R-1", "authorization", "50.00", "SEK", status="failed"))
        self.assertEqual(self.s.order("R-1")["authorized"], "250.00")

    def test_record_ids_are_applied_once(self):
        text = shipment("SH-I", "R-1", [(1, 1)])
        self.step("shipment", text)
        self.step("shipment", text, "duplicate")
        self.step("cancellation", cancellation("CX-I", "R-1", [(1, 1)]))
        self.step("cancellation", cancellation("CX-I", "R-1", [(1, 1)]), "duplicate")
        self.reject("cancellation", cancellation("CX-I", "R-1", [(1, 2)]), "record_conflict")
        o = self.s.order("R-1")
        self.assertEqual((o["lines"][0]["shipped"], o["lines"][0]["cancelled"]), (1, 1))


class Archive(Story):
    def test_operators_archive_closed_orders(self):
        self.step("order", order("A-1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("order", order("A-2", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("cancellation", cancellation("CX-A", "A-1", whole=True))
        self.step("payment", payment("EV-R", "A-1", "release", "100.00", "SEK", "REL-A-1"))
        r = self.s.sluice("order", "archive", "A-1", "A-2", "A-9")
        self.assertEqual(r.returncode, 1)
        self.assertIn("archived A-1", r.stdout)
        self.assertIn("order A-2 is confirmed", r.stderr)
        self.assertIn("no order A-9", r.stderr)
        o = self.s.order("A-1")
        self.assertEqual(o["status"], "archived")
        self.assertEqual(o["events"][-1]["source"], "sluice order archive")
        self.assertEqual(self.s.order("A-2")["status"], "confirmed")
        # nothing changes an archived order
        self.reject("amendment", amendment("AM-A", "A-1", hold="true"), "order_closed")
        self.reject("payment", payment("EV-A", "A-1", "authorization", "100.00", "SEK"),
                    "order_closed")

    def test_an_archived_orders_shipment_stays_as_it_was(self):
        self.step("order", order("A-3", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipment", shipment("SH-A3", "A-3", [(1, 1)], shipped=True, tracking="T-1"))
        self.step("payment", payment("EV-A3", "A-3", "capture", "100.00", "SEK", "CAP-SH-A3"))
        self.assertEqual(self.s.order("A-3")["status"], "completed")
        self.s.sluice("order", "archive", "A-3", check=True)
        self.step("shipment", shipment("SH-A3", "A-3", [(1, 1)], shipped=True, tracking="T-1"),
                  "duplicate")
        self.reject("shipment", shipment("SH-A3", "A-3", [(1, 1)], shipped=True, tracking="T-2"),
                    "order_closed")
        self.assertEqual(self.s.order("A-3")["shipments"][0]["tracking"], "T-1")


class Deferral(Story):
    def test_files_in_the_wrong_order_wait(self):
        r = self.step("amendment", amendment("AM-D", "D-1", [(2, 1, "10.00", "25")]), "deferred")
        self.assertEqual(codes(r), {(2, "order_number", "order_unknown")})
        self.step("shipment", shipment("SH-D1", "D-1", [(1, 1)]), "deferred")
        self.step("return", ret("RT-D", "D-1", "SH-D9", [(1, 1)]), "deferred")
        self.assertEqual(self.s.status()["inputs"]["deferred"], 3)
        self.assertEqual(len(os.listdir(self.s.path("work", "amendments"))), 1)
        # the order arrives: the amendment and the shipment go through
        self.step("order", order("D-1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.assertEqual(self.s.receipt("001-amendment.csv")["status"], "accepted")
        self.assertEqual(self.s.receipt("002-shipment.csv")["status"], "accepted")
        # the return still waits for its shipment
        r = self.s.receipt("003-return.csv")
        self.assertEqual(r["status"], "deferred")
        self.assertEqual(codes(r), {(2, "shipment_id", "shipment_unknown")})
        o = self.s.order("D-1")
        self.assertEqual(len(o["lines"]), 2)
        self.assertEqual(self.s.status()["inputs"]["deferred"], 1)
        self.assertEqual(len(self.s.filed("archive", "001-amendment.csv")), 1)

    def test_payment_for_unknown_request_waits(self):
        self.step("order", order("D-2", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        r = self.step("payment", payment("EV-D", "D-2", "capture", "100.00", "SEK", "CAP-SH-D2"),
                      "deferred")
        self.assertEqual(codes(r), {(2, "request_id", "request_unknown")})
        self.step("shipment", shipment("SH-D2", "D-2", [(1, 1)]))
        self.assertEqual(self.s.receipt("002-payment.csv")["status"], "accepted")
        self.assertEqual(self.s.order("D-2")["captured"], "100.00")

    def test_deferral_expires(self):
        t0 = 1795687200   # 2026-11-26T10:00:00Z
        os.environ["SLUICE_CLOCK"] = str(t0)
        try:
            self.step("amendment", amendment("AM-E", "E-1", hold="true"), "deferred")
            # 47 hours later it still waits; after 48 it is rejected
            os.environ["SLUICE_CLOCK"] = str(t0 + 47 * 3600)
            self.s.run_once()
            self.assertEqual(self.s.receipt("001-amendment.csv")["status"], "deferred")
            os.environ["SLUICE_CLOCK"] = str(t0 + 48 * 3600)
            self.s.run_once()
        finally:
            del os.environ["SLUICE_CLOCK"]
        r = self.s.receipt("001-amendment.csv")
        self.assertEqual(r["status"], "rejected")
        self.assertEqual(codes(r), {(2, "order_number", "order_unknown"), (0, None, "deferral_expired")})
        self.assertEqual(len(self.s.filed("rejected", "001-amendment.csv")), 1)
        self.assertEqual(os.listdir(self.s.path("work", "amendments")), [])

    def test_a_rule_violation_is_rejected_not_deferred(self):
        self.step("order", order("D-3", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.reject("shipment", shipment("SH-D3", "D-3", [(1, 5)]), "quantity_not_open")

    def test_dependency_order_within_one_run(self):
        # all at once: orders first, then amendments, shipments, payments, returns
        self.s.drop("returns", "a.csv", ret("RT-W", "W-1", "SH-W", [(1, 1)]))
        self.s.drop("payments", "a.csv", payment("EV-W", "W-1", "capture", "100.00", "SEK", "CAP-SH-W"))
        self.s.drop("shipments", "a.csv", shipment("SH-W", "W-1", [(1, 1)]))
        self.s.drop("orders", "z.csv", order("W-1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.s.run_once()
        for kind in ("orders", "shipments", "payments", "returns"):
            self.assertEqual(len(os.listdir(self.s.path("in", kind))), 0)
        o = self.s.order("W-1")
        self.assertEqual((o["captured"], o["returns"][0]["refund"]), ("100.00", "100.00"))
        self.assertEqual(self.s.status()["inputs"]["deferred"], 0)


if __name__ == "__main__":
    run_tap()
