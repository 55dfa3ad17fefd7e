# SPDX-License-Identifier: ISC
"""A state the ledger holds under a name sluice does not know (a ledger
edited by hand past its CHECK constraints, or damaged) is never read as
another state, nor guessed: the command that reads it fails and says which
column holds what; a payment link whose status is unknown never verifies as
valid and unpaid."""
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from harness import SLUICE, run_tap
from story import story_spool


class UnknownStates(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s, cls.token = story_spool()
        cls.tmp = tempfile.mkdtemp(prefix="sluice-states.")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def ledger_with(self, sql):
        """A copy of the story's ledger changed by sql, CHECKs off."""
        copy = os.path.join(self.tmp, "ledger-%d.db" % len(os.listdir(self.tmp)))
        shutil.copyfile(self.s.path("ledger.db"), copy)
        db = sqlite3.connect(copy)
        db.execute("PRAGMA ignore_check_constraints = ON")
        self.assertEqual(db.execute(sql).rowcount, 1 if sql.startswith("UPDATE") else -1, sql)
        db.commit()
        db.close()
        return copy

    def ledger_with_null(self, sql):
        """A copy of the story's ledger changed by sql, which sets a NULL
        where the schema says NOT NULL (which SQLite always enforces: the
        schema is changed around it)."""
        schema = "UPDATE sqlite_master SET sql = replace(sql, %s, %s) WHERE type = 'table'"
        copy = self.ledger_with("SELECT 1")
        for step in (schema % ("'NOT NULL'", "'/*NN*/'"), sql, schema % ("'/*NN*/'", "'NOT NULL'")):
            db = sqlite3.connect(copy)
            db.execute("PRAGMA writable_schema = ON")
            db.execute(step)
            db.commit()
            db.close()
        return copy

    def refused(self, ledger, column, value, *args):
        """sluice ARGS on ledger fails, naming the column and the value
        it does not know, and prints no answer."""
        r = self.s.sluice("--ledger", ledger, *args)
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn('the ledger is damaged: %s holds "%s", which sluice does not know'
                      % (column, value), r.stderr)

    def test_link_not_open_does_not_verify(self):
        ledger = self.ledger_with(
            "UPDATE payment_links SET status = 'paused' WHERE link_id = 'LINK-G-1-1'")
        self.refused(ledger, "payment_links.status", "paused", "link", "verify", self.token)
        self.refused(ledger, "payment_links.status", "paused", "link", "show", self.token)
        self.refused(ledger, "payment_links.status", "paused", "order", "show", "G-1", "--json")

    def test_order_status(self):
        ledger = self.ledger_with("UPDATE orders SET status = 'on_hold' WHERE order_number = 'G-1'")
        self.refused(ledger, "orders.status", "on_hold", "order", "show", "G-1", "--json")
        self.refused(ledger, "orders.status", "on_hold", "order", "show", "G-1")

    def test_capture(self):
        ledger = self.ledger_with(
            "UPDATE shipments SET capture = 'voided' WHERE shipment_id = 'SH-G1'")
        self.refused(ledger, "shipments.capture", "voided", "order", "show", "G-1", "--json")

    def test_request_status_and_type(self):
        ledger = self.ledger_with(
            "UPDATE payment_requests SET status = 'expired' WHERE request_id = 'CAP-SH-G1'")
        self.refused(ledger, "payment_requests.status", "expired", "order", "show", "G-1")
        ledger = self.ledger_with(
            "UPDATE payment_requests SET type = 'chargeback' WHERE request_id = 'CAP-SH-G1'")
        self.refused(ledger, "payment_requests.type", "chargeback", "order", "show", "G-1")

    def test_input_status(self):
        ledger = self.ledger_with("UPDATE inputs SET status = 'lost' WHERE id = 1")
        self.refused(ledger, "inputs.status", "lost", "status")

    def test_document_type(self):
        ledger = self.ledger_with(
            "UPDATE documents SET type = 'receipt' WHERE id = (SELECT min(id) FROM documents)")
        self.refused(ledger, "documents.type", "receipt", "order", "show", "G-1", "--json")
        # the text is written as it is read: it stops there, and fails
        r = self.s.sluice("--ledger", ledger, "order", "show", "G-1")
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('documents.type holds "receipt"', r.stderr)

    def test_order_currency(self):
        """Every amount of an order is read in its currency's minor digits:
        a code sluice does not know is not shown as minor units."""
        ledger = self.ledger_with("UPDATE orders SET currency = 'XYZ' WHERE order_number = 'G-1'")
        self.refused(ledger, "orders.currency", "XYZ", "order", "show", "G-1", "--json")
        self.refused(ledger, "orders.currency", "XYZ", "order", "show", "G-1")
        self.refused(ledger, "orders.currency", "XYZ", "link", "verify", self.token)
        ledger = self.ledger_with_null("UPDATE orders SET currency = NULL WHERE order_number = 'G-1'")
        self.refused(ledger, "orders.currency", "NULL", "order", "show", "G-1")
        self.refused(ledger, "orders.currency", "NULL", "link", "verify", self.token)

    def test_null_ids(self):
        ledger = self.ledger_with_null("UPDATE order_lines SET sku = NULL WHERE line_id = 1")
        self.refused(ledger, "order_lines.sku", "NULL", "order", "show", "G-1")
        ledger = self.ledger_with_null("UPDATE payment_links SET link_id = NULL")
        self.refused(ledger, "payment_links.link_id", "NULL", "link", "verify", self.token)
        self.refused(ledger, "payment_links.link_id", "NULL", "order", "show", "G-1")
        ledger = self.ledger_with_null(
            "UPDATE shipments SET shipment_id = NULL WHERE shipment_id = 'SH-G1'")
        self.refused(ledger, "shipments.shipment_id", "NULL", "order", "show", "G-1", "--json")

    def test_free_invoice_currency(self):
        """A free-text invoice written again (its output was not published
        yet) from a ledger whose currency for it is unknown: nothing is
        written, and the run fails naming the column."""
        spool = os.path.join(self.tmp, "spool")
        shutil.copytree(self.s.root, spool)
        db = sqlite3.connect(os.path.join(spool, "ledger.db"))
        number = db.execute("SELECT number FROM documents WHERE invoice_id = 'FT-G1'").fetchone()[0]
        db.execute("UPDATE free_invoices SET currency = 'XYZ'")
        db.execute("UPDATE outbox SET published = 0 WHERE path LIKE ?", ("%/" + number + ".%",))
        db.commit()
        db.close()
        for ext in ("xml", "pdf"):
            os.unlink(os.path.join(spool, "out", "invoices", number + "." + ext))
        r = subprocess.run([SLUICE, "--spool", spool, "--config", self.s.config, "run", "--once"],
                           capture_output=True, text=True, timeout=120)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn('the ledger is damaged: free_invoices.currency holds "XYZ"', r.stderr)
        self.assertEqual(sorted(os.listdir(os.path.join(spool, "out", "invoices"))),
                         sorted(n for n in os.listdir(self.s.path("out", "invoices"))
                                if not n.startswith(number)))

    def test_audit_reports_damage(self):
        """audit says the ledger is damaged, where a read of the tables
        alone finds nothing to compare wrongly."""
        for ledger, found in (
                (self.ledger_with("UPDATE shipments SET capture = 'voided' WHERE shipment_id = 'SH-G1'"),
                 "CHECK constraint failed in shipments"),
                (self.ledger_with("UPDATE inputs SET status = 'lost' WHERE id = 1"),
                 "CHECK constraint failed in inputs"),
                (self.ledger_with_null("UPDATE orders SET email = NULL WHERE order_number = 'G-1'"),
                 "NULL value in orders.email")):
            r = self.s.sluice("--ledger", ledger, "audit")
            self.assertEqual(r.returncode, 65, r.stdout + r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertIn("is damaged (SQLite quick_check: %s" % found, r.stderr)


if __name__ == "__main__":
    run_tap()
