# SPDX-License-Identifier: ISC
"""The story behind the golden documents: one order through amendment,
payment link, shipments, captures and a return, a cancelled order, and a
free-text invoice.  Shared by the documents and the replay tests."""
import os
import re

from harness import SRCDIR, Spool, read
from lifecycle_util import amendment, cancellation, csv, order, payment, ret, shipment

SECRET = os.path.join(SRCDIR, "tests", "golden", "link.secret")
T0 = 1795687200   # 2026-11-26T10:00:00Z: the story's clock


def free_invoice(iid, name, lines, template="", order_number=""):
    cols = ["invoice_id", "order_number", "currency", "email", "name", "billing_address1",
            "billing_zip", "billing_city", "billing_country", "due_date", "template", "text",
            "description", "quantity", "unit_price", "vat_rate"]
    head = {"invoice_id": iid, "order_number": order_number, "currency": "SEK",
            "email": "ap@example.com", "name": name, "billing_address1": "Kungsgatan 4",
            "billing_zip": "11143", "billing_city": "Stockholm", "billing_country": "SE",
            "due_date": "2026-12-26T00:00:00Z", "template": template, "text": "Workshop, November"}
    return csv(cols, [dict(head, description=d, quantity=q, unit_price=p, vat_rate=r)
                      for d, q, p, r in lines])


def story_spool(more=()):
    """A new spool (with the golden link secret) in which the story ran at the
    clock T0, followed by the steps in more, (kind, text) each; returns the
    spool and the payment link's token."""
    os.environ["SLUICE_CLOCK"] = str(T0)
    try:
        s = Spool(link_secret_file=SECRET)
        return s, build_story(s, more)
    finally:
        del os.environ["SLUICE_CLOCK"]


def build_story(s, more=()):
    """Runs the story in spool s, one file at a time, then the steps in more;
    each must be accepted.  Returns the payment link's token."""
    n = [0]

    def step(kind, text):
        n[0] += 1
        name = "%02d-%s.csv" % (n[0], kind)
        s.drop(kind, name, text)
        s.run_once()
        r = s.receipt(name)
        assert r["status"] == "accepted", (name, r)

    # 1: 2 x 250.00 - 20.00 = 480.00; 2: 99.00 @12%; shipping 39.00: 618.00
    g1 = order("G-1", "SEK", True, "618.00", [(1, 2, "250.00", "25", "20.00"),
                                             (2, 1, "99.00", "12")], "39.00", "25")
    g1 = g1.replace("buyer@example.com", "asa.oberg@example.se")
    g1 = g1.replace("order_number,", "first_name,last_name,order_number,", 1)
    g1 = "\n".join([g1.split("\n")[0]] + ["Åsa,Öberg," + l for l in g1.split("\n")[1:] if l]) + "\n"
    step("orders", g1)
    step("amendments", amendment("AM-G1", "G-1", [(3, 1, "120.00", "25")]))
    step("shipments", shipment("SH-G1", "G-1", [(1, 2), (2, 1)], carrier="PostNord"))
    step("payments", payment("EV-G1", "G-1", "capture", "618.00", "SEK", "CAP-SH-G1"))
    token = re.search(r"<token>(.*)</token>",
                      read(s.path("out", "links", "LINK-G-1-1.xml")).decode()).group(1)
    step("payments", payment("EV-G2", "G-1", "authorization", "120.00", "SEK", token))
    step("shipments", shipment("SH-G2", "G-1", [(3, 1)]))
    step("payments", payment("EV-G3", "G-1", "capture", "120.00", "SEK", "CAP-SH-G2"))
    # 240.00 (one of two units of line 1) + shipping 39.00 - fee 10.00
    step("returns", ret("RT-G1", "G-1", "SH-G1", [(1, 1)], refund_shipping=True, fee="10.00"))
    step("orders", order("G-2", "SEK", True, "300.00", [(1, 1, "300.00", "25")]))
    step("cancellations", cancellation("CX-G2", "G-2", whole=True))
    step("invoices", free_invoice("FT-G1", "Brightside AB", [("Workshop, half day", 1, "4500.00", "25"),
                                                             ("Travel", 2, "350.00", "6")]))
    for kind, text in more:
        step(kind, text)
    return token
