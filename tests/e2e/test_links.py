# SPDX-License-Identifier: ISC
"""Orders created awaiting payment and their shareable order link, end to
end: the order accepted without an authorization, its link (XML, and a PDF
whose QR code decodes to the link's URL), a shipment waiting for the
payment, the payment through the link, the shipment captured and invoiced;
one open link per order, always for the whole due (amendments, cancellations
and reissues void it and issue the next); money paid on a link that is no
longer open released at once; expiry judged by the event's time; and what
`link verify` and `link show` say of each state."""
import glob
import json
import os
import re
import sqlite3
import subprocess

from harness import SRCDIR, Spool, Steps, codes, read, run_tap
from lifecycle_util import amendment, cancellation, csv, order, payment, shipment

XMLLINT = os.environ.get("XMLLINT") or "xmllint"
XSD = {"invoices": "invoice.xsd", "proformas": "proforma.xsd", "captures": "payment_request.xsd",
       "links": "payment_link.xsd", "receipts": "receipt.xsd"}
T0 = 1794902400            # 2026-11-17T08:00:00Z: the clock of the stories below
HOUR = 3600

UNPAID_HEAD = ["order_number", "order_date", "market", "currency", "prices_include_vat", "email",
               "first_name", "last_name", "billing_address1", "billing_zip", "billing_city",
               "billing_country", "shipping_price", "shipping_vat_rate", "payment_method",
               "line_id", "sku", "name", "variant", "size", "quantity", "unit_price", "vat_rate"]


def unpaid(number, currency, incl, lines, shipping="", shipping_rate="", method="link"):
    """An order typed in by customer service: no authorization, no payment
    reference.  lines: (line_id, quantity, unit_price, vat_rate)."""
    head = {"order_number": number, "order_date": "2026-11-17T09:00:00+01:00", "market": "M",
            "currency": currency, "prices_include_vat": "true" if incl else "false",
            "email": "kim@example.com", "first_name": "Kim", "last_name": "Berg",
            "billing_address1": "Storgatan 1", "billing_zip": "11122", "billing_city": "Stockholm",
            "billing_country": "SE", "shipping_price": shipping, "shipping_vat_rate": shipping_rate,
            "payment_method": method}
    return csv(UNPAID_HEAD, [dict(head, line_id=l, sku="SKU-%d" % l, name="Item %d" % l,
                                  variant="Blue" if l == 1 else "", size="M" if l == 1 else "",
                                  quantity=q, unit_price=p, vat_rate=r)
                             for l, q, p, r in lines])


def token_of(spool, link_id):
    return re.search(r"<token>(.*)</token>",
                     read(spool.path("out", "links", link_id + ".xml")).decode()).group(1)


def url_of(spool, link_id):
    return re.search(r"<url>(.*)</url>", read(spool.path("out", "links", link_id + ".xml")).decode()).group(1)


class Links(Steps):
    """Steps at a clock: each file is processed with sluice's clock at
    self.clock (seconds), which tests move on."""

    def setUp(self):
        super().setUp()
        self.clock = T0

    def config(self, **settings):
        """A fresh spool with these settings instead of the defaults."""
        self.s.close()
        self.s = Spool(**settings)

    def at_clock(self, *args):
        return self.s.sluice(*args, env={"SLUICE_CLOCK": str(self.clock)})

    def step(self, kind, text, expect="accepted", ext="csv"):
        self.n += 1
        name = "%03d-%s.%s" % (self.n, kind, ext)
        folder = {"order": "orders", "amendment": "amendments", "cancellation": "cancellations",
                  "shipment": "shipments", "payment": "payments"}.get(kind, kind)
        self.s.drop(folder, name, text)
        r = self.at_clock("run", "--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        receipt = self.s.receipt(name)
        self.assertEqual(receipt["status"], expect, "%s: %s" % (name, receipt["errors"]))
        self.last = name
        return receipt

    def order_json(self, number):
        r = self.at_clock("order", "show", number, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def links(self, number):
        return [(k["link_id"], k["amount"], k["status"]) for k in self.order_json(number)["links"]]

    def requests(self, number):
        return {r["request_id"]: (r["type"], r["amount"], r["status"])
                for r in self.order_json(number)["requests"]}

    def show(self, token):
        """link show --json: (exit status, the object or None)."""
        r = self.at_clock("link", "show", token, "--json")
        return r.returncode, json.loads(r.stdout) if r.stdout else None

    def verify(self, token):
        r = self.at_clock("link", "verify", token)
        return r.returncode, r.stdout.split(":")[0]

    def assert_valid_outputs(self):
        """Every XML sluice wrote validates against its XSD."""
        for folder, xsd in XSD.items():
            files = glob.glob(self.s.path("out", folder, "**", "*.xml"), recursive=True)
            if not files:
                continue
            r = subprocess.run([XMLLINT, "--noout", "--nonet", "--schema",
                                os.path.join(SRCDIR, "schemas", xsd)] + files,
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)

    def assert_qr_is_url(self, link_id):
        """The link's PDF, rendered, holds one QR code: the link's URL."""
        pdf = self.s.path("out", "links", link_id + ".pdf")
        png = os.path.join(self.s.dir, link_id)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", pdf, png], check=True)
        r = subprocess.run(["zbarimg", "-q", "--raw", png + ".png"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), url_of(self.s, link_id))
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True,
                              text=True, check=True).stdout
        return text

    def pay_the_order(self, number, link_id, amount, currency, use_token, shipment_id,
                      invoice_total):
        """The story's second half: a shipment waits for the payment, the
        payment spends the link, the shipment goes through in the same run,
        is captured and invoiced."""
        text = shipment(shipment_id, number, [(1, 1), (2, 2)])
        path = os.path.join(self.s.dir, "check.csv")
        with open(path, "w") as f:
            f.write(text)
        r = self.at_clock("check", "--kind", "shipments", path)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("%s:2: order_number: payment_due: order %s awaits payment" % (path, number),
                      r.stdout)
        r = self.step("shipment", text, "deferred")
        self.assertEqual(codes(r), {(2, "order_number", "payment_due")})
        self.assertIn(link_id, r["errors"][0]["message"])
        waiting = self.last
        token = token_of(self.s, link_id)
        self.assertEqual(self.verify(token), (0, "valid"))

        self.step("payment", payment("EV-" + number, number, "authorization", amount, currency,
                                     token if use_token else link_id))
        self.assertEqual(self.s.receipt(waiting)["status"], "accepted")
        o = self.order_json(number)
        self.assertEqual((o["awaiting_payment"], o["authorized"], o["due"]),
                         (False, amount, "0.00"))
        self.assertEqual(self.links(number), [(link_id, amount, "spent")])
        self.assertEqual(self.verify(token), (1, "spent"))
        status, view = self.show(token)
        self.assertEqual((status, view["state"], view["order"]["amount_due"]),
                         (0, "spent", amount))
        # the capture names the paying authorization's PSP reference
        cap = read(self.s.path("out", "captures", "CAP-%s.xml" % shipment_id)).decode()
        self.assertIn("<payment_reference>PSP-EV-%s</payment_reference>" % number, cap)
        self.assertIn("<amount>%s</amount>" % invoice_total, cap)
        self.step("payment", payment("EV-C-" + number, number, "capture", invoice_total, currency,
                                     "CAP-" + shipment_id))
        inv = read(self.s.path("out", "invoices", "INV-000001.xml")).decode()
        self.assertIn("<total>%s</total>" % invoice_total, inv)
        self.assertIn("<order_number>%s</order_number>" % number, inv)
        self.assert_valid_outputs()


class AwaitingPayment(Links):
    def test_sek_with_vat_included(self):
        # 1 x 1000.00 @25% (VAT 200.00) + 2 x 150.00 @12% (VAT 32.14) +
        # shipping 49.00 @25% (VAT 9.80): 1349.00, VAT 241.94, nothing paid
        self.step("order", unpaid("U-1", "SEK", True, [(1, 1, "1000.00", "25"),
                                                       (2, 2, "150.00", "12")], "49.00", "25"))
        o = self.order_json("U-1")
        self.assertEqual((o["status"], o["awaiting_payment"], o["grand_total"], o["vat_total"],
                          o["authorized"], o["due"]),
                         ("confirmed", True, "1349.00", "241.94", "0.00", "1349.00"))
        self.assertEqual(self.links("U-1"), [("LINK-U-1-1", "1349.00", "open")])
        # issued at the clock, open for link_ttl (14 days)
        self.assertEqual(o["links"][0]["expires_at"], "2026-12-01T08:00:00.000Z")
        link = read(self.s.path("out", "links", "LINK-U-1-1.xml")).decode()
        self.assertIn("<expires_at>2026-12-01T08:00:00.000Z</expires_at>", link)
        text = self.assert_qr_is_url("LINK-U-1-1")
        for words in ("Order confirmation", "1349.00", "Item 2", "Amount due SEK", "Kim Berg",
                      "2026-12-01T08:00:00.000Z"):
            self.assertIn(words, text)
        self.assertIn("1 awaiting payment", self.at_clock("status").stdout)
        self.assertEqual(json.loads(self.at_clock("status", "--json").stdout)["awaiting_payment"], 1)

        # the customer's view: the order, and nothing of the shop's
        status, view = self.show(token_of(self.s, "LINK-U-1-1"))
        self.assertEqual(status, 0)
        self.assertEqual((view["state"], view["order"]["order_number"],
                          view["order"]["grand_total"], view["order"]["amount_due"],
                          view["order"]["shipping"], view["order"]["vat_total"]),
                         ("open", "U-1", "1349.00", "1349.00", "49.00", "241.94"))
        self.assertEqual([(ln["name"], ln["variant"], ln["size"], ln["quantity"], ln["line_total"])
                          for ln in view["order"]["lines"]],
                         [("Item 1", "Blue", "M", 1, "1000.00"), ("Item 2", None, None, 2, "300.00")])
        dumped = json.dumps(view)
        for secret in ("LINK-U-1", "SKU-", "kim@example.com", "Storgatan", "PSP", "M-"):
            self.assertNotIn(secret, dumped)
        self.pay_the_order("U-1", "LINK-U-1-1", "1349.00", "SEK", True, "SH-U1", "1349.00")
        self.assertIn("0 awaiting payment", self.at_clock("status").stdout)

    def test_eur_without_vat_in_xml(self):
        # 1 x 50.00 + 2 x 40.00 @20% = 130.00 + VAT 26.00; shipping 5.00 +
        # VAT 1.00: 162.00
        xml = """<?xml version="1.0" encoding="UTF-8"?>
<orders xmlns="urn:sluice:1"><order>
<order_number>U-2</order_number><order_date>2026-11-17T09:00:00Z</order_date>
<market>DE</market><currency>EUR</currency><prices_include_vat>false</prices_include_vat>
<email>anna@example.de</email><billing_address1>Hauptstr. 1</billing_address1>
<billing_zip>10115</billing_zip><billing_city>Berlin</billing_city><billing_country>DE</billing_country>
<shipping_price>5.00</shipping_price><shipping_vat_rate>20</shipping_vat_rate>
<line><line_id>1</line_id><sku>A</sku><name>Mug</name><quantity>1</quantity><unit_price>50.00</unit_price><vat_rate>20</vat_rate></line>
<line><line_id>2</line_id><sku>B</sku><name>Plate</name><quantity>2</quantity><unit_price>40.00</unit_price><vat_rate>20</vat_rate></line>
</order></orders>
"""
        self.step("order", xml, ext="xml")
        o = self.order_json("U-2")
        self.assertEqual((o["awaiting_payment"], o["grand_total"], o["due"]), (True, "162.00", "162.00"))
        text = self.assert_qr_is_url("LINK-U-2-1")
        self.assertIn("162.00", text)
        # paid by the link's id rather than its token
        self.pay_the_order("U-2", "LINK-U-2-1", "162.00", "EUR", False, "SH-U2", "162.00")

    def test_partly_authorized_and_fully_authorized(self):
        # 100.00 of which 30.00 is authorized: a link for 70.00, and the
        # order's own payment reference on its captures
        self.step("order", order("P-1", "SEK", True, "30.00", [(1, 1, "100.00", "25")]))
        self.assertEqual(self.links("P-1"), [("LINK-P-1-1", "70.00", "open")])
        self.step("payment", payment("EV-P1", "P-1", "authorization", "70.00", "SEK", "LINK-P-1-1"))
        self.step("shipment", shipment("SH-P1", "P-1", [(1, 1)]))
        cap = read(self.s.path("out", "captures", "CAP-SH-P1.xml")).decode()
        self.assertIn("<payment_reference>PSP-P-1</payment_reference>", cap)
        # payment_method link on an order authorized in full: no link
        self.step("order", order("P-2", "SEK", True, "10.00", [(1, 1, "10.00", "25")])
                  .replace(",card,", ",link,"))
        o = self.order_json("P-2")
        self.assertEqual((o["awaiting_payment"], o["links"], o["documents"]), (False, [], []))

    def test_an_authorization_needs_its_method_and_reference(self):
        # in XML: an absent field is named at its record's line, an empty
        # one where it stands
        xml = """<?xml version="1.0" encoding="UTF-8"?>
<orders xmlns="urn:sluice:1"><order>
<order_number>R-1</order_number><order_date>2026-11-17T09:00:00Z</order_date>
<market>SE</market><currency>SEK</currency><email>a@example.se</email>
<billing_address1>Gatan 1</billing_address1><billing_zip>11111</billing_zip>
<billing_city>Stockholm</billing_city><billing_country>SE</billing_country>
<payment_reference></payment_reference>
<authorized_amount>10.00</authorized_amount>
<line><line_id>1</line_id><sku>A</sku><name>Mug</name><quantity>1</quantity><unit_price>50.00</unit_price><vat_rate>25</vat_rate></line>
</order></orders>
"""
        r = self.step("order", xml, "rejected", ext="xml")
        self.assertEqual(codes(r), {(2, "payment_method", "missing_field"),
                                    (7, "payment_reference", "missing_field")})

    def test_a_paid_order_amended_later_ships_on(self):
        self.step("order", order("Q-1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("amendment", amendment("AM-Q", "Q-1", [(2, 1, "20.00", "25")]))
        self.assertEqual(self.links("Q-1"), [("LINK-Q-1-1", "20.00", "open")])
        self.assertFalse(self.order_json("Q-1")["awaiting_payment"])
        # its shipments are not stopped; the capture beyond the
        # authorization waits for it
        self.step("shipment", shipment("SH-Q1", "Q-1", [(1, 1), (2, 1)]))
        self.assertEqual(self.requests("Q-1"), {})
        self.step("payment", payment("EV-Q", "Q-1", "authorization", "20.00", "SEK", "LINK-Q-1-1"))
        self.assertEqual(self.requests("Q-1"), {"CAP-SH-Q1": ("capture", "120.00", "pending")})


class OneOpenLink(Links):
    def test_the_link_follows_the_due(self):
        self.step("order", unpaid("V-1", "SEK", True, [(1, 1, "60.00", "25"), (2, 1, "40.00", "25")]))
        first = token_of(self.s, "LINK-V-1-1")
        # products added: the due is 120.00, the open link void, a new one
        self.step("amendment", amendment("AM-1", "V-1", [(3, 1, "20.00", "25")]))
        self.assertEqual(self.links("V-1"), [("LINK-V-1-1", "100.00", "void"),
                                             ("LINK-V-1-2", "120.00", "open")])
        # a reissue: the same due, a new link
        self.step("amendment", amendment("AM-2", "V-1", reissue_link="true"))
        self.assertEqual(self.links("V-1")[1:], [("LINK-V-1-2", "120.00", "void"),
                                                 ("LINK-V-1-3", "120.00", "open")])
        # a line cancelled: the next link shows the order without it
        self.step("cancellation", cancellation("CX-1", "V-1", [(2, 1)]))
        self.assertEqual(self.links("V-1")[2:], [("LINK-V-1-3", "120.00", "void"),
                                                 ("LINK-V-1-4", "80.00", "open")])
        status, view = self.show(token_of(self.s, "LINK-V-1-4"))
        self.assertEqual([ln["name"] for ln in view["order"]["lines"]], ["Item 1", "Item 3"])
        self.assertEqual(view["order"]["grand_total"], "80.00")
        # ... and an old link still shows what it showed
        self.assertEqual(self.verify(first), (1, "void"))
        status, view = self.show(first)
        self.assertEqual((status, view), (0, {"state": "void",
                                              "expires_at": "2026-12-01T08:00:00.000Z"}))
        # the whole order cancelled: nothing due, no open link
        self.step("cancellation", cancellation("CX-2", "V-1", whole=True))
        o = self.order_json("V-1")
        self.assertEqual((o["status"], o["awaiting_payment"], o["due"]), ("cancelled", False, "0.00"))
        self.assertEqual([k[2] for k in self.links("V-1")], ["void"] * 4)
        self.assertEqual(self.requests("V-1"), {})
        self.assert_valid_outputs()

    def test_a_partial_authorization_renews_the_link(self):
        self.step("order", unpaid("V-2", "EUR", True, [(1, 1, "100.00", "20")]))
        self.step("payment", payment("EV-V2", "V-2", "authorization", "30.00", "EUR"))
        self.assertEqual(self.links("V-2"), [("LINK-V-2-1", "100.00", "void"),
                                             ("LINK-V-2-2", "70.00", "open")])
        self.assertTrue(self.order_json("V-2")["awaiting_payment"])
        # a wrong amount on the open link is refused
        r = self.step("payment", payment("EV-V2B", "V-2", "authorization", "69.99", "EUR",
                                         "LINK-V-2-2"), "rejected")
        self.assertEqual(codes(r), {(2, "amount", "request_mismatch")})
        self.step("payment", payment("EV-V2C", "V-2", "authorization", "70.00", "EUR", "LINK-V-2-2"))
        self.assertFalse(self.order_json("V-2")["awaiting_payment"])
        # a reissue with nothing due issues nothing
        self.step("amendment", amendment("AM-V2", "V-2", reissue_link="true"))
        self.assertEqual(len(self.links("V-2")), 2)


class DeadLinks(Links):
    def test_money_on_a_void_or_spent_link_is_released(self):
        self.step("order", unpaid("D-1", "SEK", True, [(1, 1, "100.00", "25")]))
        self.step("amendment", amendment("AM-D", "D-1", [(2, 1, "10.00", "25")]))
        # the customer pays the first link after it was replaced
        self.step("payment", payment("EV-D1", "D-1", "authorization", "100.00", "SEK",
                                     token_of(self.s, "LINK-D-1-1")))
        o = self.order_json("D-1")
        self.assertEqual((o["authorized"], o["awaiting_payment"]), ("0.00", True))
        self.assertEqual(self.requests("D-1"), {"REL-EV-D1": ("release", "100.00", "pending")})
        rel = read(self.s.path("out", "captures", "REL-EV-D1.xml")).decode()
        self.assertIn("<payment_reference>PSP-EV-D1</payment_reference>", rel)
        self.assertEqual([p["applied"] for p in o["payments"]], [False])
        self.assertEqual(self.links("D-1"), [("LINK-D-1-1", "100.00", "void"),
                                             ("LINK-D-1-2", "110.00", "open")])
        # the open link paid, then paid again
        self.step("payment", payment("EV-D2", "D-1", "authorization", "110.00", "SEK", "LINK-D-1-2"))
        self.step("payment", payment("EV-D3", "D-1", "authorization", "110.00", "SEK", "LINK-D-1-2"))
        o = self.order_json("D-1")
        self.assertEqual(o["authorized"], "110.00")
        self.assertEqual(self.requests("D-1")["REL-EV-D3"], ("release", "110.00", "pending"))
        # a failed payment on a dead link releases nothing
        self.step("payment", payment("EV-D4", "D-1", "authorization", "110.00", "SEK", "LINK-D-1-2",
                                     status="failed"))
        self.assertNotIn("REL-EV-D4", self.requests("D-1"))
        # the PSP answers a release like any other
        self.step("payment", payment("EV-D5", "D-1", "release", "100.00", "SEK", "REL-EV-D1"))
        self.assertEqual(self.requests("D-1")["REL-EV-D1"], ("release", "100.00", "succeeded"))
        self.assert_valid_outputs()

    def test_money_for_an_order_that_has_ended_is_released(self):
        self.step("order", order("Z-1", "SEK", True, "10.00", [(1, 1, "10.00", "25")]))
        self.step("cancellation", cancellation("CX-Z", "Z-1", whole=True))
        self.assertEqual(self.requests("Z-1"), {"REL-Z-1": ("release", "10.00", "pending")})
        # an authorization that comes after: the order's release was made
        self.step("payment", payment("EV-Z", "Z-1", "authorization", "5.00", "SEK"))
        o = self.order_json("Z-1")
        self.assertEqual((o["authorized"], o["payments"][0]["applied"]), ("10.00", False))
        self.assertEqual(self.requests("Z-1")["REL-EV-Z"], ("release", "5.00", "pending"))

    def test_expiry_by_the_events_time(self):
        self.config(link_ttl="2h")
        self.step("order", unpaid("E-1", "SEK", True, [(1, 1, "100.00", "25")]))
        token = token_of(self.s, "LINK-E-1-1")
        # an hour later by the clock, but the event says it happened at the
        # instant the link expired: it pays nothing
        self.clock += HOUR
        late = payment("EV-E1", "E-1", "authorization", "100.00", "SEK", token).replace(
            "2026-11-27T10:00:00Z", "2026-11-17T10:00:00Z")
        self.step("payment", late)
        self.assertEqual(self.links("E-1"), [("LINK-E-1-1", "100.00", "expired")])
        # a second before, it would have paid: as another order's link does
        self.clock -= HOUR
        self.step("order", unpaid("E-2", "SEK", True, [(1, 1, "100.00", "25")]))
        self.clock += HOUR
        self.step("payment", payment("EV-E0", "E-2", "authorization", "100.00", "SEK",
                                     "LINK-E-2-1").replace("2026-11-27T10:00:00Z",
                                                           "2026-11-17T09:59:59Z"))
        self.assertEqual(self.links("E-2"), [("LINK-E-2-1", "100.00", "spent")])
        self.assertEqual(self.requests("E-1"), {"REL-EV-E1": ("release", "100.00", "pending")})
        self.assertEqual(self.verify(token), (1, "expired"))
        self.assertEqual(self.show(token), (0, {"state": "expired",
                                                "expires_at": "2026-11-17T10:00:00.000Z"}))
        # the due did not change: no new link until one is asked for
        self.step("amendment", amendment("AM-E", "E-1", reissue_link="true"))
        self.assertEqual(self.links("E-1")[1:], [("LINK-E-1-2", "100.00", "open")])
        # an event without occurred_at is judged by when it was received
        self.clock += 3 * HOUR
        self.assertEqual(self.verify(token_of(self.s, "LINK-E-1-2")), (1, "expired"))
        self.assertEqual(self.links("E-1")[1:], [("LINK-E-1-2", "100.00", "expired")])
        nodate = payment("EV-E2", "E-1", "authorization", "100.00", "SEK", "LINK-E-1-2").replace(
            "2026-11-27T10:00:00Z", "")
        self.step("payment", nodate)
        self.assertIn("REL-EV-E2", self.requests("E-1"))

    def test_a_shipment_waits_as_long_as_the_link(self):
        self.config(link_ttl="2h")
        self.step("order", unpaid("W-1", "SEK", True, [(1, 1, "100.00", "25")]))
        self.clock += 60
        self.step("shipment", shipment("SH-W", "W-1", [(1, 1)]), "deferred")
        waiting = self.last
        # a reissue after 90 minutes: the shipment waits for the new link
        self.clock += 90 * 60
        self.step("amendment", amendment("AM-W", "W-1", reissue_link="true"))
        self.clock += HOUR
        self.assertEqual(self.at_clock("run", "--once").returncode, 0)
        r = self.s.receipt(waiting)
        self.assertEqual(r["status"], "deferred")
        self.assertIn("LINK-W-1-2", r["errors"][0]["message"])
        # past the new link's expiry, long before defer_expiry (48h)
        self.clock += 2 * HOUR
        self.assertEqual(self.at_clock("run", "--once").returncode, 0)
        r = self.s.receipt(waiting)
        self.assertEqual(r["status"], "rejected")
        self.assertEqual({e["code"] for e in r["errors"]}, {"payment_due", "deferral_expired"})
        expired = [e["message"] for e in r["errors"] if e["code"] == "deferral_expired"]
        self.assertIn("LINK-W-1-2", [e["message"] for e in r["errors"]
                                     if e["code"] == "payment_due"][0])
        self.assertEqual(expired, ["the payment link the file waited for expired at "
                                   "2026-11-17T11:31:00.000Z before it was paid"])

    def test_release_names_are_never_taken_twice(self):
        self.step("order", order("EV-T1", "SEK", True, "10.00", [(1, 1, "10.00", "25")]))
        self.step("order", unpaid("T-2", "SEK", True, [(1, 1, "10.00", "25")]))
        self.step("payment", payment("EV-T0", "T-2", "authorization", "10.00", "SEK", "LINK-T-2-1"))
        # money on the spent link from an event named like an order: its
        # release would have that order's release's name
        r = self.step("payment", payment("EV-T1", "T-2", "authorization", "10.00", "SEK",
                                         "LINK-T-2-1"), "rejected")
        self.assertEqual(codes(r), {(2, "event_id", "request_id_taken")})
        self.step("payment", payment("X-9", "T-2", "authorization", "10.00", "SEK", "LINK-T-2-1"))
        self.assertIn("REL-X-9", self.requests("T-2"))
        # an order named like an earlier event whose money was released
        r = self.step("order", order("X-9", "SEK", True, "10.00", [(1, 1, "10.00", "25")]),
                      "rejected")
        self.assertEqual(codes(r), {(2, "order_number", "request_id_taken")})


class Audit(Links):
    def test_the_journal_gives_link_states_and_the_awaiting_flag(self):
        self.step("order", unpaid("A-1", "SEK", True, [(1, 1, "100.00", "25")]))
        self.step("amendment", amendment("AM-A", "A-1", [(2, 1, "10.00", "25")]))
        self.step("payment", payment("EV-A1", "A-1", "authorization", "100.00", "SEK", "LINK-A-1-1"))
        self.assertEqual(self.at_clock("audit").returncode, 0)
        ledger = self.s.path("ledger.db")
        for sql, line in [
                ("UPDATE orders SET awaiting_payment = 0", "A-1: awaiting payment: journal yes; ledger no"),
                ("UPDATE payment_links SET status = 'open' WHERE link_id = 'LINK-A-1-1'",
                 "A-1: link LINK-A-1-1: journal void; ledger open"),
                ("UPDATE payment_links SET status = 'spent' WHERE link_id = 'LINK-A-1-2'",
                 "A-1: link LINK-A-1-2: journal open; ledger spent"),
                # the money on the void link paid nothing
                ("UPDATE orders SET authorized = 10000", "A-1: authorized: journal 0.00; ledger 100.00")]:
            with self.subTest(sql):
                copy = os.path.join(self.s.dir, "copy.db")
                with open(ledger, "rb") as src, open(copy, "wb") as dst:
                    dst.write(src.read())
                db = sqlite3.connect(copy)
                self.assertEqual(db.execute(sql).rowcount, 1)
                db.commit()
                db.close()
                r = self.at_clock("--ledger", copy, "audit")
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn(line, r.stdout.splitlines())


class Tokens(Links):
    def test_what_is_not_a_genuine_token_gets_nothing(self):
        self.step("order", unpaid("K-1", "SEK", True, [(1, 1, "10.00", "25")]))
        token = token_of(self.s, "LINK-K-1-1")
        said = set()
        for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "v1.x.y", "LINK-K-1-1", ""):
            r = self.at_clock("link", "show", bad, "--json")
            self.assertEqual((r.returncode, r.stdout), (1, ""), bad)
            said.add(r.stderr)
            self.assertEqual(self.verify(bad)[0], 1)
        # a genuine token of a link this ledger does not have
        with Spool() as other:
            other.drop("orders", "o.csv", unpaid("K-1", "SEK", True, [(1, 1, "10.00", "25")]))
            other.run_once()
            r = other.sluice("link", "show", token)
            self.assertEqual((r.returncode, r.stdout), (1, ""))
            said.add(r.stderr)
        # forged or genuine, a token of no link here is told the same
        self.assertEqual(said, {"sluice: not a payment link of this spool\n"})
        text = self.at_clock("link", "show", token).stdout
        self.assertIn("open, open until", text)
        self.assertIn("amount due 10.00", text)


if __name__ == "__main__":
    run_tap()
