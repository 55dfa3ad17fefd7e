# SPDX-License-Identifier: ISC
"""A story of two voucher orders written out, compared with the model after
every step as the random stories are (run_stories.story()): one in SEK with
prices including VAT and one in EUR without, each at three VAT rates with a
voucher; two shipments each, their captures paid; a return of each with its
credit note and refund paid.  Then the model and sluice are seen to agree
that each order's line shares add up to its voucher."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from harness import run_tap                                  # noqa: E402
from money import fmt_money, line_amounts, parse_money, parse_rate, part   # noqa: E402
from run_stories import ScriptCase                        # noqa: E402
from stories import Script                                    # noqa: E402

# number: (currency, prices include VAT, voucher, code, shipping, its rate,
# lines (line_id, quantity, unit_price, vat_rate, discount), shipments
# [(line_id, quantity)], return (shipment, [(line_id, quantity)], refund
# shipping, fee))
ORDERS = {
    "VS-SEK": ("SEK", True, "123.45", "VINTER-25", "49.00", "25",
               [(1, 3, "333.33", "25", ""), (2, 2, "99.99", "12", "10.01"),
                (3, 7, "12.50", "6", "")],
               [[(1, 2), (2, 1)], [(1, 1), (2, 1), (3, 7)]],
               (1, [(3, 2), (1, 1)], False, "")),
    "VS-EUR": ("EUR", False, "7.77", "SOMMER", "3.90", "19",
               [(1, 1, "19.99", "19", ""), (4, 3, "4.45", "7", ""), (9, 2, "2.50", "0", "")],
               [[(1, 1), (4, 2)], [(4, 1), (9, 2)]],
               (0, [(4, 1)], True, "1.00")),
}


def grand_total(cur, incl, voucher, shipping, rate, lines):
    """The order's total by doc/lifecycle.md, Money, for its authorization."""
    gross = {lid: q * parse_money(p, cur) - (parse_money(d, cur) if d else 0)
             for lid, q, p, _, d in lines}
    v, whole = parse_money(voucher, cur), sum(gross.values())
    total = line_amounts(parse_money(shipping, cur), parse_rate(rate), incl)[0]
    cum = 0
    for lid, _, _, r, _ in sorted(lines):
        share = part(v, cum + gross[lid], whole) - part(v, cum, whole)
        cum += gross[lid]
        total += line_amounts(gross[lid] - share, parse_rate(r), incl)[0]
    return total


def plan(script, model):
    """The story's steps: each order, each shipment and its capture's
    answer, each return and its refund's answer; an hour apart."""
    step = script.step

    for number, (cur, incl, voucher, code, ship, rate, lines, _, _) in ORDERS.items():
        st = step()
        script.order(st, number, cur, incl, lines, shipping_price=ship, shipping_vat_rate=rate,
                     voucher_code=code, voucher_value=voucher,
                     authorized_amount=fmt_money(grand_total(cur, incl, voucher, ship, rate,
                                                             lines), cur))
        yield st
    for k in range(2):
        for number, spec in ORDERS.items():
            sid = "SH-%s-%d" % (number, k + 1)
            st = step()
            script.ship(st, sid, number, spec[7][k])
            yield st
            st = step()
            script.paid(st, model, "CAP-" + sid)
            yield st
    for number, spec in ORDERS.items():
        at, lines, refund_shipping, fee = spec[8]
        rid = "RT-" + number
        st = step()
        h = {"refund_shipping": "true"} if refund_shipping else {}
        if fee:
            h["return_fee"] = fee
        script.ret(st, rid, number, "SH-%s-%d" % (number, at + 1), lines, **h)
        yield st
        st = step()
        script.paid(st, model, "REF-" + rid)
        yield st


class VoucherStory(ScriptCase):
    def test_two_voucher_orders_shipped_paid_and_returned(self):
        res = self.run_script(Script("vouchers", plan), 14)
        for number, spec in ORDERS.items():
            o = res.spool.order(number)
            m = res.model.orders[number]
            cur = spec[0]
            got = {ln["line_id"]: parse_money(ln["voucher"], cur) for ln in o["lines"]}
            self.assertEqual(got, {lid: ln.voucher for lid, ln in m.lines.items()})
            self.assertEqual(sum(got.values()), parse_money(spec[2], cur))
            self.assertEqual(sum(ln.voucher for ln in m.lines.values()), m.voucher_value)
            self.assertTrue(all(0 < v for v in got.values()), got)
            self.assertEqual(o["status"], "completed")
            self.assertEqual([d["type"] for d in o["documents"]].count("credit_note"), 1)


if __name__ == "__main__":
    run_tap()
