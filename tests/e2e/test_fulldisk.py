# SPDX-License-Identifier: ISC
"""A really full disk: the spool on a small tmpfs, filled up.  The daemon
stops taking files and says so in its log and in `sluice status`; when
space returns it goes on by itself, and nothing is lost.  Needs to mount a
tmpfs (root); elsewhere the test says it was skipped and why."""
import os
import subprocess
import tempfile
import time
import unittest

from harness import Spool, run_tap
from test_daemon import Daemon, Receipts

ORDERS = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "spool",
                           "examples", "orders.csv"), "rb").read()


def mount_tmpfs(path, size):
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path],
                       capture_output=True, text=True)
    return None if r.returncode == 0 else "cannot mount a tmpfs: " + r.stderr.strip()


class FullDisk(unittest.TestCase):
    def setUp(self):
        self.mnt = tempfile.mkdtemp(prefix="sluice-tmpfs.")
        why = mount_tmpfs(self.mnt, "8m")
        if why:
            os.rmdir(self.mnt)
            self.skipTest(why)
        self.s = Spool(quiet_period="0", spool=os.path.join(self.mnt, "spool"))
        # the Spool's own root is elsewhere: point it at the tmpfs spool
        self.s.root = os.path.join(self.mnt, "spool")
        self.s.sluice("init", check=True)

    def tearDown(self):
        if hasattr(self, "s"):
            self.s.close()
        subprocess.run(["umount", self.mnt], capture_output=True)
        os.rmdir(self.mnt)

    def fill(self):
        filler = os.path.join(self.mnt, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        return filler

    def test_stops_and_resumes_by_itself(self):
        receipts = Receipts(self.s)
        d = Daemon(self.s)
        try:
            self.s.drop("orders", "before.csv", ORDERS)
            receipts.wait("before.csv")
            # a file written just before the disk filled is renamed into
            # place on a full disk: it cannot be processed
            hidden = os.path.join(self.mnt, "spool", "in", "orders", ".full.csv.tmp")
            with open(hidden, "wb") as f:
                f.write(ORDERS.replace(b"SL-100", b"SL-200"))
            filler = self.fill()
            os.rename(hidden, os.path.join(self.mnt, "spool", "in", "orders", "full.csv"))
            deadline_log = "the disk of the spool is full"
            for _ in range(600):
                if any(deadline_log in line for line in d.log):
                    break
                time.sleep(0.05)   # polling the daemon's log, up to 30 s
            self.assertTrue(any(deadline_log in line for line in d.log), "".join(d.log))
            st = self.s.status()
            self.assertTrue(st["disk"]["full"])
            self.assertIn("FULL", self.s.sluice("status").stdout)
            self.assertFalse(os.path.exists(self.s.receipt_path("full.csv", "orders")))
            # space returns: the daemon takes the file by itself
            os.unlink(filler)
            receipts.wait("full.csv", timeout=60)
            self.assertEqual(self.s.receipt("full.csv")["status"], "accepted")
            self.assertIsNotNone(self.s.order("SL-2001"))
            self.assertFalse(self.s.status()["disk"]["full"])
            self.assertTrue(any("taking files" in line for line in d.log))
        finally:
            self.assertEqual(d.stop(), 0)
            receipts.close()


if __name__ == "__main__":
    run_tap()
