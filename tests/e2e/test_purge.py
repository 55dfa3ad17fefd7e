# SPDX-License-Identifier: ISC
"""sluice purge: retention of archived and rejected inputs and of out/.  A
file goes when the ledger's time (or, where the ledger does not know it,
its modification time) is older than DAYS; in/, work/, outputs not yet
published and young invoices and credit notes stay; a dry run changes
nothing; every purge is journaled; no link is followed out of the spool."""
import json
import os
import shutil
import sqlite3
import tempfile
import time
import unittest

from harness import Spool, run_tap
from lifecycle_util import an_amendment, an_order
from story import free_invoice
from test_daemon import Daemon

DAY = 86400


def later(days):
    """The environment of a sluice whose clock stands days from now."""
    return {"SLUICE_CLOCK": str(int(time.time()) + days * DAY)}


def tree(top):
    """Every entry below top (but the ledger) with its type and size."""
    out = {}
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(d, n)
            if n.startswith("ledger.db"):
                continue
            st = os.lstat(p)
            out[os.path.relpath(p, top)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def files_under(top):
    return sorted(os.path.relpath(os.path.join(d, n), top)
                  for d, _, files in os.walk(top) for n in files)


class Purge(unittest.TestCase):
    def setUp(self):
        self.s = Spool()

    def tearDown(self):
        self.s.close()

    def journal(self):
        db = sqlite3.connect(self.s.path("ledger.db"))
        try:
            return db.execute("SELECT seq, type, order_number, input_id, command, detail"
                              " FROM journal ORDER BY seq").fetchall()
        finally:
            db.close()

    def purges(self):
        return [(r[2], r[3], r[4], json.loads(r[5])) for r in self.journal() if r[1] == "purge"]

    def purge(self, *args, days=3, expect=0):
        r = self.s.sluice("purge", *args, env=later(days))
        self.assertEqual(r.returncode, expect, r.stdout + r.stderr)
        return r

    def accepted_and_rejected(self):
        self.s.drop("orders", "o1.csv", an_order("SL-1"))
        self.s.drop("orders", "bad.csv", "not,a,valid\norder,file,\n")
        self.s.run_once()
        self.assertEqual(len(files_under(self.s.path("archive"))), 1)
        self.assertEqual(len(files_under(self.s.path("rejected"))), 1)

    def test_bad_usage(self):
        for args in ([], ["--older-than", "3"], ["--archive"], ["--older-than", "0", "--archive"],
                     ["--older-than", "-1", "--archive"], ["--older-than", "x", "--archive"],
                     ["--older-than", "1.5", "--archive"], ["--older-than", "", "--archive"],
                     ["--older-than", "3", "--archive", "extra"], ["--older-than", "3", "--bogus"]):
            r = self.s.sluice("purge", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("usage: sluice purge", r.stderr)
        r = self.s.sluice("purge", "--older-than", "3")
        self.assertIn("--archive, --rejected and/or --documents", r.stderr)
        r = self.s.sluice("purge", "--older-than", "0", "--archive")
        self.assertIn("whole number of days", r.stderr)
        r = self.s.sluice("purge", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("retention_documents", r.stdout)

    def test_archive_dry_run_changes_nothing_then_purges(self):
        self.accepted_and_rejected()
        before, journal = tree(self.s.root), self.journal()
        r = self.purge("--older-than", "2", "--archive", "--dry-run")
        self.assertIn("would remove archive/", r.stdout)
        self.assertIn("archive: would remove 1 file", r.stdout)
        self.assertEqual(tree(self.s.root), before)
        self.assertEqual(self.journal(), journal)
        r = self.purge("--older-than", "2", "--archive")
        self.assertIn("archive: removed 1 file", r.stdout)
        self.assertIn("replay: sluice replay of the archive can no longer rebuild what 1 input",
                      r.stdout)
        # the file, its input's folder and its emptied date folder are gone;
        # rejected/ and out/ are untouched
        self.assertEqual(os.listdir(self.s.path("archive")), [".purged"])
        self.assertEqual(len(files_under(self.s.path("rejected"))), 1)
        self.assertTrue(os.path.exists(self.s.receipt_path("o1.csv")))
        (order, input_id, command, detail), = self.purges()
        self.assertIsNone(order)
        self.assertIsNone(input_id)
        self.assertEqual(command, "sluice purge")
        self.assertEqual(detail["archive"]["files"], 1)
        db = sqlite3.connect(self.s.path("ledger.db"))
        o1, = db.execute("SELECT id FROM inputs WHERE name = 'o1.csv'").fetchone()
        db.close()
        self.assertEqual(detail["archive"]["inputs"], [o1])
        self.assertEqual(len(detail["archive"]["dates"]), 1)
        self.assertNotIn("rejected", detail)
        # run again: nothing left, nothing journaled
        r = self.purge("--older-than", "2", "--archive")
        self.assertIn("archive: removed 0 files", r.stdout)
        self.assertEqual(len(self.purges()), 1)
        # the order it made is still in the ledger
        self.assertIsNotNone(self.s.order("SL-1"))

    def test_young_files_stay(self):
        self.accepted_and_rejected()
        before = tree(self.s.root)
        r = self.purge("--older-than", "4", "--archive", "--rejected", "--documents", days=3)
        self.assertIn("archive: removed 0 files", r.stdout)
        self.assertEqual(tree(self.s.root), before)
        self.assertEqual(self.purges(), [])

    def test_rejected(self):
        self.accepted_and_rejected()
        journal = self.journal()
        r = self.purge("--older-than", "1", "--rejected", "--dry-run")
        self.assertIn("would remove rejected/", r.stdout)
        self.assertEqual(self.journal(), journal)
        self.assertEqual(len(files_under(self.s.path("rejected"))), 1)
        r = self.purge("--older-than", "1", "--rejected")
        self.assertEqual(files_under(self.s.path("rejected")), [])
        self.assertEqual(os.listdir(self.s.path("rejected")), [])
        self.assertEqual(len(files_under(self.s.path("archive"))), 1)
        self.assertNotIn("replay:", r.stdout)
        self.assertEqual(self.purges()[0][3]["rejected"]["files"], 1)

    def test_documents_keep_young_invoices(self):
        self.s.drop("invoices", "inv.csv", free_invoice("FI-1", "Acme AB",
                                                      [("Work", 1, "100.00", "25")]))
        self.s.run_once()
        invoices = sorted(os.listdir(self.s.path("out", "invoices")))
        self.assertEqual(len(invoices), 2, invoices)   # the XML and the PDF
        before, journal = tree(self.s.root), self.journal()
        r = self.purge("--older-than", "1", "--documents", "--dry-run", days=30)
        self.assertEqual(tree(self.s.root), before)
        self.assertEqual(self.journal(), journal)
        r = self.purge("--older-than", "1", "--documents", days=30)
        self.assertIn("kept 2 invoice and credit note files younger than retention_documents",
                      r.stdout)
        self.assertEqual(sorted(os.listdir(self.s.path("out", "invoices"))), invoices)
        self.assertFalse(os.path.exists(self.s.receipt_path("inv.csv", kind="invoices")))
        # ten years on they may go
        r = self.purge("--older-than", "1", "--documents", days=3700)
        self.assertEqual(os.listdir(self.s.path("out", "invoices")), [])
        self.assertEqual(self.purges()[-1][3]["documents"]["files"], 2)

    def test_retention_documents_configured(self):
        with open(self.s.config, "a") as f:
            f.write("retention_documents = 20d\n")
        self.s.drop("invoices", "inv.csv", free_invoice("FI-1", "Acme AB",
                                                      [("Work", 1, "100.00", "25")]))
        self.s.run_once()
        self.purge("--older-than", "1", "--documents", days=10)
        self.assertEqual(len(os.listdir(self.s.path("out", "invoices"))), 2)
        self.purge("--older-than", "1", "--documents", days=30)
        self.assertEqual(os.listdir(self.s.path("out", "invoices")), [])

    def test_unpublished_output_stays(self):
        self.accepted_and_rejected()
        receipt = self.s.receipt_path("o1.csv")
        # a crash between publishing the receipt and marking it published
        db = sqlite3.connect(self.s.path("ledger.db"))
        db.execute("UPDATE outbox SET published = 0 WHERE path = ?",
                   (os.path.relpath(receipt, self.s.root),))
        db.commit()
        db.close()
        r = self.purge("--older-than", "1", "--documents")
        self.assertIn("kept 1 output not yet published", r.stdout)
        self.assertTrue(os.path.exists(receipt))
        self.assertFalse(os.path.exists(self.s.receipt_path("bad.csv", kind="orders")))

    def test_waiting_and_deferred_inputs_stay(self):
        self.s.drop("amendments", "a1.csv", an_amendment("A-1", "SL-404"))
        self.s.run_once()
        self.assertEqual(self.s.receipt("a1.csv")["status"], "deferred")
        self.s.drop("orders", "waiting.csv", an_order("SL-2"))
        # however old they look
        for d in ("work", "in"):
            for f in files_under(self.s.path(d)):
                os.utime(self.s.path(d, f), (0, 0))
        work, waiting = files_under(self.s.path("work")), files_under(self.s.path("in"))
        self.assertEqual(len(work), 1)
        r = self.purge("--older-than", "1", "--archive", "--rejected", "--documents", days=100)
        self.assertEqual(files_under(self.s.path("work")), work)
        self.assertEqual(files_under(self.s.path("in")), waiting)
        # the deferred input's receipt is published, and may go
        self.assertIn("documents: removed 1 file", r.stdout)

    def test_links_are_never_followed(self):
        outside = tempfile.mkdtemp(prefix="sluice-outside.")
        try:
            victim = os.path.join(outside, "victim.csv")
            with open(victim, "w") as f:
                f.write("keep me\n")
            old = time.time() - 30 * DAY
            os.utime(victim, (old, old))
            os.utime(outside, (old, old))
            # a link delivered into in/ is rejected as it is: a link
            os.symlink(victim, self.s.path("in", "orders", "link.csv"))
            self.s.run_once()
            # links planted in archive/: a date folder and a file
            os.symlink(outside, self.s.path("archive", "2000-01-01"))
            os.makedirs(self.s.path("archive", "2000-01-02"))
            os.symlink(victim, self.s.path("archive", "2000-01-02", "planted.csv"))
            os.symlink(outside, self.s.path("out", "invoices", "INV-9.xml"))
            r = self.purge("--older-than", "1", "--archive", "--rejected", "--documents",
                           days=10)
            with open(victim) as f:
                self.assertEqual(f.read(), "keep me\n")
            self.assertEqual(os.listdir(outside), ["victim.csv"])
            # the rejected link itself is gone
            self.assertEqual(files_under(self.s.path("rejected")), [])
            self.assertFalse(os.path.lexists(self.s.path("archive", "2000-01-02")))
            self.assertIn("removed rejected/", r.stdout)
        finally:
            shutil.rmtree(outside)

    def test_hostile_names_are_shown_sanitized(self):
        name = "two\nlines \x1b[31m.csv"
        self.s.drop("orders", name, an_order("SL-3"))
        self.s.run_once()
        r = self.purge("--older-than", "1", "--archive")
        self.assertNotIn("\x1b", r.stdout)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("removed ")]
        self.assertEqual(len(lines), 1, r.stdout)
        self.assertIn("two\\x0alines \\x1b[31m.csv", lines[0])
        self.assertEqual(files_under(self.s.path("archive")), [".purged"])

    def test_replay_afterwards_says_what_it_lost(self):
        self.s.drop("orders", "o1.csv", an_order("SL-1"))
        self.s.run_once()
        self.purge("--older-than", "1", "--archive", days=5)
        self.s.drop("orders", "o2.csv", an_order("SL-2"))
        self.s.run_once()
        with Spool() as fresh:
            r = fresh.sluice("replay", self.s.path("archive"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("1 archived input filed on", r.stderr)
            self.assertIn("does not rebuild what those inputs applied", r.stderr)
            self.assertIsNotNone(fresh.order("SL-2"))
            self.assertIsNone(fresh.order("SL-1"))

    def test_beside_the_daemon(self):
        self.accepted_and_rejected()
        d = Daemon(self.s)
        try:
            r = self.purge("--older-than", "1", "--archive", "--rejected", "--documents")
            self.s.drop("orders", "o9.csv", an_order("SL-9"))
            deadline = time.time() + 30
            while not os.path.exists(self.s.receipt_path("o9.csv", kind="orders")) and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(self.s.receipt("o9.csv")["status"], "accepted")
            self.assertEqual(len(files_under(self.s.path("archive"))), 2, r.stdout)
        finally:
            self.assertEqual(d.stop(), 0, "".join(d.log))
        self.assertNotIn("error", "".join(d.log))


if __name__ == "__main__":
    run_tap()
