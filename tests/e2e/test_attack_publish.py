# SPDX-License-Identifier: ISC
"""Publishing outputs a chunk at a time, attacked: an output whose path in
out/ is taken by a folder, a tmp/ on a file system of its own, more outputs
than one chunk holds.  What is placed is published once; what is not is
named in the log by its path in out/, and published by a later run."""
import os
import re
import shutil
import subprocess
import unittest

from harness import Spool, run_tap
from lifecycle_util import an_order


def receipts(s):
    return sorted(os.listdir(s.path("out", "receipts", "orders")))


def mount_tmpfs(test, path):
    """Mounts a tmpfs on path for the time of test, or skips it."""
    if os.geteuid() != 0:
        test.skipTest("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", path], capture_output=True, text=True)
    if r.returncode != 0:
        test.skipTest("cannot mount a tmpfs: " + r.stderr.strip())
    test.addCleanup(subprocess.run, ["umount", path], capture_output=True)


class Blocked(unittest.TestCase):
    def setUp(self):
        self.s = Spool(batch_files="2000")

    def tearDown(self):
        self.s.close()

    def test_an_output_whose_path_is_a_folder_is_named_and_published_later(self):
        """The outputs before it are published, it and those after wait
        (none lost, nothing left in tmp/), and the log names its path in
        out/, not the temporary file it was written to."""
        for n in "abc":
            self.s.drop("orders", n + ".csv", an_order("P-" + n))
        blocker = self.s.receipt_path("b.csv", kind="orders")
        os.mkdir(blocker)
        r = self.s.sluice("run", "--once")
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("cannot rename into %s: Is a directory" % blocker, r.stderr)
        self.assertNotIn(self.s.path("tmp", ""), r.stderr)
        self.assertEqual(receipts(self.s), ["a.csv.receipt.xml", "b.csv.receipt.xml"])
        self.assertEqual(os.listdir(self.s.path("tmp")), [])
        os.rmdir(blocker)
        self.s.run_once()
        self.assertEqual(receipts(self.s), ["%s.csv.receipt.xml" % n for n in "abc"])
        for n in "abc":
            self.assertEqual(self.s.receipt(n + ".csv")["status"], "accepted")

    def test_more_outputs_than_a_chunk_are_published_in_order_and_once(self):
        """1,100 receipts (more than the 1,024 of a chunk), the 1,051st
        blocked: the first chunk and the second's outputs before it are
        published; after, all 1,100, once each."""
        n = 1100
        for i in range(n):
            self.s.drop("orders", "o-%04d.csv" % i, an_order("C-%04d" % i))
        blocker = self.s.receipt_path("o-1050.csv", kind="orders")
        os.mkdir(blocker)
        r = self.s.sluice("run", "--once")
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertEqual(receipts(self.s), sorted(["o-%04d.csv.receipt.xml" % i
                                                   for i in range(1051)]))
        os.rmdir(blocker)
        self.s.run_once()
        self.assertEqual(len(receipts(self.s)), n)
        self.assertEqual(os.listdir(self.s.path("tmp")), [])
        r = self.s.sluice("audit")
        self.assertEqual(r.returncode, 0, r.stdout)


class TmpElsewhere(unittest.TestCase):
    """A tmp/ that an operator mounted a file system on: no output can be
    renamed from it into out/; the log says why."""

    def setUp(self):
        self.s = Spool()
        self.addCleanup(self.s.close)
        mount_tmpfs(self, self.s.path("tmp"))

    def test_outputs_wait_and_the_log_says_why(self):
        self.s.drop("orders", "a.csv", an_order("X-1"))
        r = self.s.sluice("run", "--once")
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("cannot rename into %s: Invalid cross-device link (tmp/ is on another "
                      "file system)" % self.s.receipt_path("a.csv", kind="orders"), r.stderr)
        self.assertEqual(receipts(self.s), [])
        self.assertEqual(os.listdir(self.s.path("tmp")), [])
        subprocess.run(["umount", self.s.path("tmp")], check=True)
        self.s.run_once()
        self.assertEqual(self.s.receipt("a.csv")["status"], "accepted")


class MovedElsewhere(unittest.TestCase):
    """out/ grows for years, and an operator moves it, with tmp/ (so that
    outputs can still be renamed into it), to a bigger disk through links:
    the sync that makes a chunk durable before it is renamed into place is
    of that disk's file system, not the spool root's."""

    def setUp(self):
        self.s = Spool()
        self.addCleanup(self.s.close)
        if shutil.which("strace") is None:
            self.skipTest("needs strace")
        self.disk = os.path.join(self.s.dir, "disk")
        os.mkdir(self.disk)
        mount_tmpfs(self, self.disk)
        for name in ("out", "tmp"):
            shutil.copytree(self.s.path(name), os.path.join(self.disk, name), symlinks=True)
            shutil.rmtree(self.s.path(name))
            os.symlink(os.path.join(self.disk, name), self.s.path(name))

    def test_the_file_system_synced_is_the_one_that_holds_the_outputs(self):
        self.s.drop("orders", "a.csv", an_order("D-1"))
        trace = os.path.join(self.s.dir, "trace")
        # LeakSanitizer cannot work under ptrace
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
        r = subprocess.run(["strace", "-f", "-y", "-e", "trace=syncfs", "-o", trace] +
                           self.s.command("run", "--once"), capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.receipt("a.csv")["status"], "accepted")
        synced = re.findall(r"syncfs\(\d+<([^>]*)>\)", open(trace).read())
        self.assertNotEqual(synced, [])
        for path in synced:
            self.assertTrue(path.startswith(self.disk + "/"), "%s synced, not %s" % (path, self.disk))


if __name__ == "__main__":
    run_tap()
