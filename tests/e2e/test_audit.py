# SPDX-License-Identifier: ISC
"""sluice audit: a ledger built by the pipeline equals what its journal
gives; each kind of drift between the two, made by hand in a copy of the
ledger, is named with the journal's and the ledger's values."""
import os
import shutil
import sqlite3
import tempfile
import unittest

from harness import Spool, run_tap
from lifecycle_util import amendment, cancellation, order, payment, ret, shipment
from story import free_invoice, story_spool


class Audit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # the story, and a JPY order put on hold, partly cancelled, released,
        # shipped with a capture that fails
        cls.s, _ = story_spool([
            ("orders", order("G-3", "JPY", True, "5000", [(1, 3, "1000", "10"),
                                                          (2, 2, "500", "10")])),
            ("amendments", amendment("AM-G3", "G-3", hold="true")),
            ("cancellations", cancellation("CX-G3", "G-3", [(1, 1)])),
            ("amendments", amendment("AM-G3b", "G-3", hold="false")),
            ("shipments", shipment("SH-G3", "G-3", [(1, 2)])),
            ("payments", payment("EV-G3F", "G-3", "capture", "2000", "JPY", "CAP-SH-G3",
                                 status="failed"))])
        cls.tmp = tempfile.mkdtemp(prefix="sluice-audit.")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def audit_after(self, *sql):
        """Audits a copy of the ledger changed by sql (each statement
        changing one row, or dropping something); returns (exit, lines)."""
        copy = os.path.join(self.tmp, "ledger-%d.db" % len(os.listdir(self.tmp)))
        shutil.copyfile(self.s.path("ledger.db"), copy)
        db = sqlite3.connect(copy)
        for q in sql:
            self.assertEqual(db.execute(q).rowcount, -1 if q.startswith("DROP") else 1, q)
        db.commit()
        db.close()
        r = self.s.sluice("--ledger", copy, "audit")
        return r.returncode, r.stdout.splitlines()

    def test_the_pipelines_ledger_equals_its_journal(self):
        r = self.s.sluice("audit")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stdout, r"^3 orders, \d+ journal events: 0 differences\n$")
        o = self.s.order("G-3")
        self.assertEqual([(l["quantity"], l["shipped"], l["cancelled"]) for l in o["lines"]],
                         [(3, 2, 1), (2, 0, 0)])

    def test_drift_is_named(self):
        cases = [
            ("UPDATE order_lines SET shipped = 1 WHERE order_number = 'G-1' AND line_id = 1",
             "G-1: line 1: journal 2 ordered, 2 shipped, 0 cancelled, 1 returned; "
             "ledger 2 ordered, 1 shipped, 0 cancelled, 1 returned"),
            ("UPDATE order_lines SET cancelled = 0 WHERE order_number = 'G-3' AND line_id = 1",
             "G-3: line 1: journal 3 ordered, 2 shipped, 1 cancelled, 0 returned; "
             "ledger 3 ordered, 2 shipped, 0 cancelled, 0 returned"),
            ("UPDATE shipment_lines SET returned = 0 WHERE shipment_id = 'SH-G1' AND line_id = 1",
             "G-1: line 1: journal 2 ordered, 2 shipped, 0 cancelled, 1 returned; "
             "ledger 2 ordered, 2 shipped, 0 cancelled, 0 returned"),
            ("DELETE FROM order_lines WHERE order_number = 'G-1' AND line_id = 3",
             "G-1: line 3: journal 1 ordered, 1 shipped, 0 cancelled, 0 returned; ledger none"),
            ("UPDATE orders SET authorized = authorized + 1 WHERE order_number = 'G-1'",
             "G-1: authorized: journal 738.00; ledger 738.01"),
            ("UPDATE orders SET authorized = 4999 WHERE order_number = 'G-3'",
             "G-3: authorized: journal 5000; ledger 4999"),
            ("UPDATE orders SET status = 'completed' WHERE order_number = 'G-2'",
             "G-2: status: journal cancelled; ledger completed"),
            ("UPDATE orders SET hold = 1 WHERE order_number = 'G-3'",
             "G-3: hold: journal off; ledger on"),
            ("UPDATE shipments SET amount = 61900 WHERE shipment_id = 'SH-G1'",
             "G-1: shipment SH-G1: journal 618.00; ledger 619.00"),
            ("UPDATE shipments SET shipped = 1 WHERE shipment_id = 'SH-G3'",
             "G-3: shipment SH-G3: journal not shipped; ledger shipped"),
            ("UPDATE returns SET refund = 0 WHERE return_id = 'RT-G1'",
             "G-1: return RT-G1: journal 269.00; ledger 0.00"),
            ("UPDATE payment_requests SET status = 'pending' WHERE request_id = 'CAP-SH-G1'",
             "G-1: request CAP-SH-G1: journal succeeded; ledger pending"),
            ("UPDATE payment_requests SET status = 'succeeded' WHERE request_id = 'CAP-SH-G3'",
             "G-3: request CAP-SH-G3: journal failed; ledger succeeded"),
            ("UPDATE payment_requests SET amount = 1 WHERE request_id = 'REL-G-2'",
             "G-2: request REL-G-2: journal 300.00; ledger 0.01"),
            ("UPDATE payment_links SET status = 'open' WHERE link_id = 'LINK-G-1-1'",
             "G-1: link LINK-G-1-1: journal spent; ledger open"),
            ("UPDATE payment_links SET status = 'void' WHERE link_id = 'LINK-G-1-1'",
             "G-1: link LINK-G-1-1: journal spent; ledger void"),
            ("UPDATE orders SET awaiting_payment = 1 WHERE order_number = 'G-1'",
             "G-1: awaiting payment: journal no; ledger yes"),
            ("UPDATE documents SET order_number = 'G-2' WHERE number = 'CN-000001'",
             "G-2: document CN-000001: journal credit_note of G-1; ledger credit_note of G-2"),
            ("UPDATE orders SET order_number = 'G-9' WHERE order_number = 'G-2'",
             "G-2: order: journal received; ledger none"),
            ("UPDATE payment_requests SET order_number = 'G-2' WHERE request_id = 'CAP-SH-G1'",
             "G-1: request CAP-SH-G1 order: journal G-1; ledger G-2"),
            ("UPDATE shipment_lines SET quantity = 1 WHERE shipment_id = 'SH-G1' AND line_id = 1",
             "G-1: shipment SH-G1 line 1: journal 2; ledger 1"),
            ("UPDATE return_lines SET quantity = 2 WHERE return_id = 'RT-G1' AND line_id = 1",
             "G-1: return RT-G1 line 1: journal 1; ledger 2"),
            ("UPDATE orders SET shipping_refunded = 0 WHERE order_number = 'G-1'",
             "G-1: shipping refunded: journal yes; ledger no"),
            ("UPDATE returns SET shipping_amount = 0 WHERE return_id = 'RT-G1'",
             "G-1: shipping refunded by return RT-G1: journal 39.00; ledger 0.00"),
            ("DELETE FROM number_series WHERE prefix = 'CN-'",
             "G-1: document CN-000001: journal in a number series; ledger in none"),
        ]
        for sql, line in cases:
            with self.subTest(sql):
                code, out = self.audit_after(sql)
                self.assertEqual(code, 1, out)
                self.assertIn(line, out)

    def test_amounts_beyond_int64_in_the_journal_are_named(self):
        """Amounts that add up beyond int64 are a difference, not a failure."""
        big = "92233720368547758.07"   # INT64_MAX minor units
        code, out = self.audit_after(
            "DROP TRIGGER journal_no_update",
            "UPDATE journal SET detail = json_set(detail, '$.authorized', '%s')"
            " WHERE order_number = 'G-1' AND type = 'order_received'" % big,
            "UPDATE journal SET detail = json_set(detail, '$.amount', '%s')"
            " WHERE order_number = 'G-1' AND type = 'payment_succeeded'"
            " AND json_extract(detail, '$.type') = 'authorization'" % big)
        self.assertEqual(code, 1, out)
        self.assertIn("G-1: authorized: journal beyond 9999999999.99; ledger 738.00", out)
        # so are units
        code, out = self.audit_after(
            "DROP TRIGGER journal_no_update",
            "UPDATE journal SET detail = json_set(detail, '$.lines[0].quantity', %d)"
            " WHERE order_number = 'G-1' AND type = 'order_received'" % (2 ** 63 - 1),
            "UPDATE journal SET detail = json_set(detail, '$.lines[0].quantity', %d)"
            " WHERE type = 'shipment_created' AND json_extract(detail, '$.shipment_id') = 'SH-G1'"
            % (2 ** 63 - 1))
        self.assertEqual(code, 1, out)
        self.assertTrue(any(l.startswith("G-1: line ") for l in out), out)
        # negative amounts are no amounts either
        code, out = self.audit_after(
            "DROP TRIGGER journal_no_update",
            "UPDATE journal SET detail = json_set(detail, '$.authorized', '-1.00')"
            " WHERE order_number = 'G-1' AND type = 'order_received'")
        self.assertEqual(code, 1, out)
        self.assertIn("G-1: authorized: journal beyond 9999999999.99; ledger 738.00", out)

    def test_a_gap_in_a_series_is_named(self):
        code, out = self.audit_after("DELETE FROM documents WHERE number = 'INV-000002'")
        self.assertEqual(code, 1)
        self.assertIn("G-1: document INV-000002: journal invoice of G-1; ledger none", out)
        self.assertIn("-: series INV-: journal 3 documents numbered 1 to 3; "
                      "ledger 2 documents numbered 1 to 3", out)
        self.assertTrue(out[-1].endswith(": 2 differences"), out)

    def test_series_of_other_prefixes(self):
        """Prefixes that begin other numbers (C, CAP-) or one another
        (INV-, INV-2027-) keep their series apart."""
        with Spool(credit_note_prefix="C") as s:
            run = [("orders", order("P-1", "SEK", True, "100.00", [(1, 2, "50.00", "25")])),
                   ("shipments", shipment("SH-P1", "P-1", [(1, 2)], shipped=True)),
                   ("payments", payment("EV-P1", "P-1", "capture", "100.00", "SEK", "CAP-SH-P1")),
                   ("returns", ret("RT-P1", "P-1", "SH-P1", [(1, 1)]))]
            for i, (kind, text) in enumerate(run):
                s.drop(kind, "%d.csv" % i, text)
                s.run_once()
                self.assertEqual(s.receipt("%d.csv" % i)["status"], "accepted")
            with open(s.config, "a") as f:
                f.write("invoice_prefix = INV-2027-\n")
            s.drop("invoices", "ft.csv", free_invoice("FT-P", "Kund AB", [("Konsult", 1, "10.00", "25")]))
            s.run_once()
            self.assertTrue(os.path.exists(s.path("out", "invoices", "INV-2027-000001.xml")))
            self.assertTrue(os.path.exists(s.path("out", "invoices", "C000001.xml")))
            r = s.sluice("audit")
            self.assertEqual(r.returncode, 0, r.stdout)

    def test_an_empty_ledger(self):
        with Spool() as s:
            r = s.sluice("audit")
            self.assertEqual((r.returncode, r.stdout), (0, "0 orders, 0 journal events: 0 differences\n"))
            self.assertEqual(s.sluice("audit", "extra").returncode, 2)


if __name__ == "__main__":
    run_tap()
