# SPDX-License-Identifier: ISC
"""Payment links at the edges a hostile sender or a careless operator
reaches: the longest names sluice gives links and requests, a link URL as
long as configuration allows, the links a ledger of the previous
version holds, and an archive replayed after the waits of its files
would have ended."""
import glob
import os
import re
import shutil
import sqlite3

from harness import SRCDIR, Spool, SpoolTest, codes, run_tap
from lifecycle_util import order, payment, shipment
from test_documents import pdf_pages, pdftext
from test_links import HOUR, Links, token_of, unpaid, url_of
from test_replay import ledger_view

DAY = 24 * HOUR


class LongNames(Links):
    """An id of 64 characters is the longest an input gives, but sluice
    names links and requests with a prefix before it: the payment events
    that answer them must be able to name them."""

    def test_the_longest_link_and_request_names_can_be_named(self):
        number, event, sid = "N" * 64, "E" * 64, "S" * 64
        link = "LINK-%s-1" % number
        self.step("order", unpaid(number, "SEK", True, [(1, 1, "100.00", "25")]))
        self.step("payment", payment("EV-1", number, "authorization", "100.00", "SEK", link))
        self.assertEqual(self.links(number), [(link, "100.00", "spent")])
        # paid again: released as REL-<event_id>, which its answer names
        self.step("payment", payment(event, number, "authorization", "100.00", "SEK", link))
        self.step("payment", payment("EV-2", number, "release", "100.00", "SEK", "REL-" + event))
        self.assertEqual(self.requests(number)["REL-" + event], ("release", "100.00", "succeeded"))
        # the capture of a shipment with the longest id
        self.step("shipment", shipment(sid, number, [(1, 1)]))
        self.step("payment", payment("EV-3", number, "capture", "100.00", "SEK", "CAP-" + sid))
        self.assertEqual(self.requests(number)["CAP-" + sid], ("capture", "100.00", "succeeded"))
        # what is no id at all is still refused
        r = self.step("payment", payment("EV-4", number, "capture", "100.00", "SEK",
                                         "CAP-" + sid + "!"), "rejected")
        self.assertEqual(codes(r), {(2, "request_id", "invalid_id")})


class AtTheLimit(Links):
    def test_money_on_a_dead_link_is_released_even_at_the_authorizations_limit(self):
        # authorized 9999999999.00 of 9999999999.50: a link for 0.50
        self.step("order", order("M-1", "SEK", True, "9999999999.00",
                                 [(1, 1, "9999999999.50", "0")]))
        self.step("payment", payment("EV-M1", "M-1", "authorization", "0.50", "SEK"))
        self.assertEqual(self.links("M-1"), [("LINK-M-1-1", "0.50", "void")])
        # authorized 9999999999.50: 0.50 more would be beyond what sluice
        # holds, but money on the void link is never authorized
        self.step("payment", payment("EV-M2", "M-1", "authorization", "0.50", "SEK", "LINK-M-1-1"))
        self.assertEqual(self.requests("M-1"), {"REL-EV-M2": ("release", "0.50", "pending")})
        r = self.step("payment", payment("EV-M3", "M-1", "authorization", "0.50", "SEK"),
                      "rejected")
        self.assertEqual(codes(r), {(2, "amount", "amount_too_large")})


class LongUrl(SpoolTest):
    """The longest link URL configuration allows stays whole, above the
    footer, on the page, wherever the order's lines leave the link's
    block."""

    BODY_END = 841.89 - 90.0
    FOOTER_TOP = BODY_END + 14

    def test_a_long_url_is_never_drawn_over_the_footer(self):
        self.s.close()
        self.s = Spool(link_url="https://pay.example.com/" + "x" * 990 + "/{token}")
        for n in (1, 10, 24):
            self.s.drop("orders", "o%d.csv" % n, unpaid("L-%d" % n, "SEK", True,
                                                      [(i, 1, "10.00", "25")
                                                       for i in range(1, n + 1)]))
        self.s.run_once()
        for n in (1, 10, 24):
            link = "LINK-L-%d-1" % n
            path = self.s.path("out", "links", link + ".pdf")
            url = url_of(self.s, link)
            self.assertIn(url, re.sub(r"\s+", "", pdftext(path)), n)
            self.assertIn("2026-", pdftext(path).split("Valid until")[1], n)
            for page, (width, words) in enumerate(pdf_pages(path), 1):
                for x0, y0, x1, y1, w in words:
                    in_body = y1 <= self.BODY_END + 1
                    in_footer = y0 >= self.FOOTER_TOP and not ("xxxx" in w or w.startswith("v1."))
                    self.assertTrue(in_body or in_footer, (n, page, w, y0, y1))


class OlderLedger(Links):
    """Before ledger version 5 a link was issued for what an amendment added
    and stayed open whatever came after; an order could end (completed or
    cancelled) with such a link open.  A link can be paid only while its
    order is open: money paid on a link of an ended order would be
    authorized and never released."""

    SECRET = "00112233445566778899aabbccddeeff" * 2
    TOKENS = {"A-1": "v1.TElOSy1BLTEtMXxBLTF8MjAwMHxTRUs.d6oRwSeL-iM4Z1Q46ie9rtGY-p_15Bf0r1_tM0XYmFg",
              "B-1": "v1.TElOSy1CLTEtMXxCLTF8MjAwMHxTRUs.56wt7G8HfA2aDBlmJGIuqO-EG7z_JkNqwRCYA-kjxvY"}

    def setUp(self):
        super().setUp()
        with open(self.s.path("link.secret"), "w") as f:
            f.write(self.SECRET + "\n")
        ledger = self.s.path("ledger.db")
        for path in glob.glob(ledger + "*"):
            os.unlink(path)
        db = sqlite3.connect(ledger)
        for v in range(1, 5):
            path, = glob.glob(os.path.join(SRCDIR, "schemas", "ledger", "%03d-*.sql" % v))
            with open(path) as f:
                db.executescript(f.read())
        with open(os.path.join(SRCDIR, "tests", "e2e", "fixtures", "ledger-v4-links.sql")) as f:
            db.executescript(f.read())
        db.execute("PRAGMA user_version = 4")
        db.commit()
        db.close()

    def assert_audit_clean(self):
        r = self.at_clock("audit")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_the_link_of_an_ended_order_is_void_after_the_upgrade(self):
        self.assertEqual(self.links("A-1"), [("LINK-A-1-1", "20.00", "void")])
        self.assertEqual(self.verify(self.TOKENS["A-1"]), (1, "void"))
        # paid all the same: released, not authorized
        self.step("payment", payment("EV-A", "A-1", "authorization", "20.00", "SEK",
                                     self.TOKENS["A-1"]))
        o = self.order_json("A-1")
        self.assertEqual(o["authorized"], "100.00")
        self.assertEqual(self.requests("A-1")["REL-EV-A"], ("release", "20.00", "pending"))
        self.assert_audit_clean()

    def test_an_old_link_shows_the_lines_there_were_when_it_was_issued(self):
        # a line added to B-1 after its link (by a later input), before the
        # upgrade
        db = sqlite3.connect(self.s.path("ledger.db"))
        db.execute("INSERT INTO order_lines VALUES('B-1',3,9,'SKU-3',NULL,'Item 3',NULL,NULL,1,"
                   "5000,0,2500,NULL,NULL,NULL,0,0)")
        db.execute("INSERT INTO journal (at, order_number, type, input_id, command, detail) "
                   "VALUES ('2026-11-17T08:00:00.000Z', 'B-1', 'line_added', 9, NULL, "
                   "'{\"line_id\":3,\"quantity\":1}')")
        db.commit()
        db.close()
        status, view = self.show(self.TOKENS["B-1"])
        self.assertEqual(status, 0)
        # line 2 was cancelled since: only line 1 shows
        self.assertEqual([ln["name"] for ln in view["order"]["lines"]], ["Item 1"])

    def test_an_order_that_ends_voids_its_old_link(self):
        # the order is open: its link can be paid (nothing is due, it adds
        # to what is released when the order ends)
        self.assertEqual(self.links("B-1"), [("LINK-B-1-1", "20.00", "open")])
        self.step("shipment", shipment("SH-B", "B-1", [(1, 1)], shipped=True))
        self.step("payment", payment("EV-B1", "B-1", "capture", "100.00", "SEK", "CAP-SH-B"))
        o = self.order_json("B-1")
        self.assertEqual((o["status"], o["authorized"]), ("completed", "100.00"))
        self.assertEqual(self.links("B-1"), [("LINK-B-1-1", "20.00", "void")])
        self.step("payment", payment("EV-B2", "B-1", "authorization", "20.00", "SEK",
                                     self.TOKENS["B-1"]))
        self.assertEqual(self.order_json("B-1")["authorized"], "100.00")
        self.assertIn("REL-EV-B2", self.requests("B-1"))
        self.assert_audit_clean()


class ReplayLater(Links):
    """An archive is replayed long after its files arrived: what waited
    then (a shipment for its order's payment, a payment for its order)
    waits again in the replay until what it waited for is replayed, as it
    did, rather than finding its wait over by the clock of the replay."""

    def test_waits_are_judged_as_they_were(self):
        self.step("order", unpaid("U-1", "SEK", True, [(1, 2, "100.00", "25")]))
        self.clock += HOUR
        self.step("shipment", shipment("SH-1", "U-1", [(1, 1)]), "deferred")
        self.step("payment", payment("EV-K", "K-1", "authorization", "10.00", "SEK"), "deferred")
        self.clock += HOUR
        self.step("payment", payment("EV-1", "U-1", "authorization", "200.00", "SEK",
                                     token_of(self.s, "LINK-U-1-1")))
        self.step("order", order("K-1", "SEK", True, "", [(1, 1, "10.00", "25")]))
        # a shipment whose order's link expired unpaid: rejected then
        self.step("order", unpaid("X-1", "SEK", True, [(1, 1, "100.00", "25")]))
        self.step("shipment", shipment("SH-X", "X-1", [(1, 1)]), "deferred")
        self.clock += 15 * DAY
        self.at_clock("run", "--once")
        self.assertEqual(self.s.receipt(self.last)["status"], "rejected")
        numbers = ["U-1", "K-1", "X-1"]
        with Spool() as b:
            shutil.copy(self.s.path("link.secret"), b.path("link.secret"))
            r = b.sluice("replay", self.s.path("archive"), self.s.path("rejected"),
                         env={"SLUICE_CLOCK": str(self.clock + 30 * DAY)})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("replayed 7 files: 6 accepted, 0 duplicate, 1 rejected", r.stderr)
            self.assertEqual(ledger_view(b, numbers), ledger_view(self.s, numbers))


if __name__ == "__main__":
    run_tap()
