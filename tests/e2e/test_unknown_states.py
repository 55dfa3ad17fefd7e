"""A state the ledger holds under a name sluice does not know (a ledger
edited by hand past its CHECK constraints, or damaged) is never read as
another state, nor guessed: the command that reads it fails and says which
column holds what; a payment link whose status is unknown never verifies as
valid and unpaid."""
import os
import shutil
import sqlite3
import tempfile
import unittest

from harness import run_tap
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
        self.assertEqual(db.execute(sql).rowcount, 1, sql)
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
            "UPDATE payment_links SET status = 'void' WHERE link_id = 'LINK-G-1-1'")
        self.refused(ledger, "payment_links.status", "void", "link", "verify", self.token)
        self.refused(ledger, "payment_links.status", "void", "order", "show", "G-1", "--json")

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


if __name__ == "__main__":
    run_tap()
