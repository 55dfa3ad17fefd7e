# SPDX-License-Identifier: ISC
"""A story of orders paid at checkout written out, compared with the model
after every step as the random stories are (run_stories.story()):
- CK-SEK (prices with VAT) paid in full with Swish: its two shipments get
  no capture request and are invoiced when created; a return is refunded;
- CK-EUR (prices without VAT, a voucher) authorized in full, part of it
  captured at checkout: its first shipment takes that part and a capture
  request for the rest; the rest of the order is cancelled, and the
  authorization not captured is released;
- CK-DKK paid in full, half of it shipped, the rest cancelled:
  what no shipment took is refunded under the checkout's reference."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from harness import run_tap                  # noqa: E402
from run_stories import ScriptCase           # noqa: E402
from stories import Script                   # noqa: E402

SEK_LINES = [(1, 2, "100.00", "25", ""), (2, 1, "50.00", "12", ""), (3, 4, "12.50", "6", "")]
EUR_LINES = [(1, 3, "19.99", "19", ""), (2, 2, "4.45", "7", "")]


def plan(script, model):
    step = script.step

    def cancel(st, cid, number, lines):
        script.add(st, "cancellations", [({"cancellation_id": cid, "order_number": number},
                                          [{"line_id": str(lid), "quantity": str(q)}
                                           for lid, q in lines])], "cancel " + cid)

    # SEK: 200.00 + 50.00 + 50.00 + shipping 49.00 = 349.00, all captured
    st = step()
    script.order(st, "CK-SEK", "SEK", True, SEK_LINES, shipping_price="49.00",
                 shipping_vat_rate="25", payment_method="swish", authorized_amount="349.00",
                 captured_amount="349.00", capture_reference="SW-CK-1")
    # EUR: 78.53 after the voucher (69.29 + 9.24), 80.00 authorized, 30.00
    # of it captured at checkout
    script.order(st, "CK-EUR", "EUR", False, EUR_LINES, voucher_code="TEN", voucher_value="2.00",
                 authorized_amount="80.00", captured_amount="30.00", capture_reference="PP-9")
    script.order(st, "CK-DKK", "DKK", True, [(1, 2, "300.00", "25", "")],
                 payment_method="mobilepay", authorized_amount="600.00",
                 captured_amount="600.00", capture_reference="MP-3")
    yield st
    st = step()
    script.ship(st, "SH-SEK-1", "CK-SEK", [(1, 2), (3, 1)])
    script.ship(st, "SH-EUR-1", "CK-EUR", [(1, 3)])
    script.ship(st, "SH-DKK-1", "CK-DKK", [(1, 1)])
    yield st
    st = step()
    script.paid(st, model, "CAP-SH-EUR-1")
    script.ship(st, "SH-SEK-2", "CK-SEK", [(2, 1), (3, 3)])
    cancel(st, "X-EUR", "CK-EUR", [(2, 2)])
    cancel(st, "X-DKK", "CK-DKK", [(1, 1)])
    yield st
    st = step()
    script.ret(st, "RT-SEK", "CK-SEK", "SH-SEK-1", [(1, 1)], refund_shipping="true")
    script.paid(st, model, "REF-CK-DKK")
    script.paid(st, model, "REL-CK-EUR")
    yield st
    st = step()
    script.paid(st, model, "REF-RT-SEK")
    yield st


class CheckoutStory(ScriptCase):
    def test_orders_paid_at_checkout(self):
        res = self.run_script(Script("checkout", plan), 5)
        sek, eur, dkk = (res.spool.order(n) for n in ("CK-SEK", "CK-EUR", "CK-DKK"))
        # no capture was requested for money captured at checkout
        self.assertEqual([r["request_id"] for r in sek["requests"]], ["REF-RT-SEK"])
        self.assertEqual([d["type"] for d in sek["documents"]].count("invoice"), 2)
        self.assertEqual((sek["status"], sek["captured"], sek["refunded"]),
                         ("completed", "349.00", "149.00"))
        self.assertEqual([(r["request_id"], r["status"]) for r in eur["requests"]],
                         [("CAP-SH-EUR-1", "succeeded"), ("REL-CK-EUR", "succeeded")])
        self.assertEqual([(r["request_id"], r["amount"]) for r in dkk["requests"]],
                         [("REF-CK-DKK", "300.00")])
        self.assertEqual(dkk["status"], "completed")


if __name__ == "__main__":
    run_tap()
