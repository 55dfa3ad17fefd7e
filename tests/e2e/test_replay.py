# SPDX-License-Identifier: ISC
"""Replay: the archive replayed into its own spool applies nothing (all
duplicates); replayed into a new spool it rebuilds the same ledger and the
same documents, byte for byte.  Other folders replay with their kind told by
--kind, their folder or their content."""
import glob
import json
import os
import unittest

from harness import Spool, read, run_tap
from lifecycle_util import order, shipment
from story import SECRET, story_spool


def outputs(spool):
    """Every document file (not receipts) by its path under out/."""
    out = {}
    for folder in ("invoices", "proformas", "captures", "links"):
        for p in glob.glob(spool.path("out", folder, "*")):
            out[os.path.relpath(p, spool.root)] = read(p)
    return out


def ledger_view(spool, numbers):
    """order show --json of each order, less the times of processing."""
    view = {}
    for n in numbers:
        o = spool.order(n)
        for e in o["events"]:
            del e["at"]
        view[n] = o
    return view


class Replay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s, _ = story_spool()
        cls.orders = ["G-1", "G-2"]

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def test_a_new_spool_is_rebuilt_identically(self):
        with Spool(link_secret_file=SECRET) as b:
            r = b.sluice("replay", self.s.path("archive"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("replayed 11 files: 11 accepted", r.stderr)
            self.assertEqual(ledger_view(b, self.orders), ledger_view(self.s, self.orders))
            self.assertEqual(b.sluice("audit").returncode, 0)
            want, got = outputs(self.s), outputs(b)
            self.assertEqual(sorted(got), sorted(want))
            for path in want:
                self.assertEqual(got[path], want[path], path)

    def test_replaying_into_the_same_spool_applies_nothing(self):
        before_docs = outputs(self.s)
        before = ledger_view(self.s, self.orders)
        counts = self.s.status()["inputs"]
        r = self.s.sluice("replay", self.s.path("archive"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 accepted, 11 duplicate, 0 rejected", r.stderr)
        self.assertEqual(ledger_view(self.s, self.orders), before)
        self.assertEqual(self.s.sluice("audit").returncode, 0)
        self.assertEqual(outputs(self.s), before_docs)
        after = self.s.status()["inputs"]
        self.assertEqual(after["duplicate"], counts["duplicate"] + 11)
        self.assertEqual(after["accepted"], counts["accepted"])


class OtherFolders(unittest.TestCase):
    def test_kind_from_option_folder_or_content(self):
        with Spool() as s:
            src = os.path.join(s.dir, "drop")
            os.makedirs(os.path.join(src, "shipments"))
            with open(os.path.join(src, "a-order.csv"), "w") as f:
                f.write(order("RP-1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
            with open(os.path.join(src, "shipments", "b.csv"), "w") as f:
                f.write(shipment("RS-1", "RP-1", [(1, 1)]))
            r = s.sluice("replay", src)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(s.order("RP-1")["shipments"][0]["shipment_id"], "RS-1")
            with open(os.path.join(src, "mystery.txt"), "w") as f:
                f.write("nothing\n")
            r = s.sluice("replay", os.path.join(src, "mystery.txt"))
            self.assertEqual(r.returncode, 1)
            self.assertIn("use --kind", r.stderr)
            r = s.sluice("replay", "--kind", "orders", os.path.join(src, "mystery.txt"))
            self.assertEqual(r.returncode, 0)
            self.assertEqual(s.receipt("mystery.txt")["status"], "rejected")


if __name__ == "__main__":
    run_tap()
