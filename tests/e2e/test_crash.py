"""Fault injection, bounded: the crash loop of tests/fault/crashloop.py over
a sample of its fault points (SIGKILL, EIO and ENOSPC at the Nth call of
write, fsync, rename, link, unlink, open and mkdir), each checked against a
clean run.  `make crashloop` tries every point."""
import os
import subprocess
import sys
import unittest

from harness import SLUICE, SRCDIR, run_tap

SHIM = os.environ.get("SLUICE_FAULT_SHIM", "")


class Crash(unittest.TestCase):
    def loop(self, actions, budget):
        r = subprocess.run([sys.executable, os.path.join(SRCDIR, "tests", "fault", "crashloop.py"),
                            SLUICE, SHIM, "--actions", actions, "--budget", str(budget)],
                           capture_output=True, text=True, timeout=1800)
        for line in r.stdout.splitlines():
            print("# " + line)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
        self.assertIn("0 broke an invariant", r.stdout)

    def test_crashes_lose_nothing(self):
        self.loop("crash", 60)

    def test_io_errors_and_a_full_disk_lose_nothing(self):
        self.loop("eio,enospc", 40)


if __name__ == "__main__":
    run_tap()
