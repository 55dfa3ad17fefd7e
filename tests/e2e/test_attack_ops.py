# SPDX-License-Identifier: ISC
"""The operator's tools misused: a metrics_file that names a file of the
spool or a file that is no metrics file, and the read-only commands of a
member of the spool's group who may not list the folders partners deliver
into."""
import json
import os
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

from harness import KINDS, Spool, run_tap
from lifecycle_util import an_order
from test_daemon import Daemon
from test_users import AS_ROOT, OWNER, OwnedSpool

DELIVERS = 4245   # the group that partners deliver into in/ with (not the reader's)


class MetricsFileElsewhere(unittest.TestCase):
    """The daemon never writes its metrics over the ledger, the link secret
    or any file that is no metrics file of its own, nor into the spool."""

    def setUp(self):
        self.s = Spool()
        self.s.sluice("init", check=True)

    def tearDown(self):
        self.s.close()

    def run_daemon_with(self, metrics_file):
        with open(self.s.config, "a") as f:
            f.write("metrics_file = %s\nmetrics_interval = 1s\n" % metrics_file)
        d = Daemon(self.s)
        try:
            self.s.drop("orders", "o1.csv", an_order("SL-1"))
            deadline = time.time() + 30
            while not os.path.exists(self.s.receipt_path("o1.csv", kind="orders")):
                self.assertLess(time.time(), deadline, "".join(d.log))
                time.sleep(0.05)
            time.sleep(1.5)     # another interval
        finally:
            self.assertEqual(d.stop(), 0)
        return "".join(d.log)

    def test_never_over_the_ledger(self):
        log = self.run_daemon_with(self.s.path("ledger.db"))
        self.assertIn("cannot write the metrics file", log)
        with open(self.s.path("ledger.db"), "rb") as f:
            self.assertEqual(f.read(16), b"SQLite format 3\0")
        st = self.s.sluice("status")
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertIn("1 accepted", st.stdout)

    def test_never_over_the_link_secret(self):
        secret = open(self.s.path("link.secret"), "rb").read()
        log = self.run_daemon_with(self.s.path("link.secret"))
        self.assertIn("cannot write the metrics file", log)
        self.assertEqual(open(self.s.path("link.secret"), "rb").read(), secret)

    def test_never_into_a_folder_of_in(self):
        log = self.run_daemon_with(self.s.path("in", "orders", "sluice.prom"))
        self.assertIn("cannot write the metrics file", log)
        self.assertFalse(os.path.exists(self.s.path("in", "orders", "sluice.prom")))
        # no metrics file was taken as an order
        ids = [i["name"] for i in json.loads(self.s.sluice("inputs", "--json", check=True).stdout)]
        self.assertEqual(ids, ["o1.csv"])

    def test_never_over_a_file_that_is_no_metrics_file(self):
        other = os.path.join(self.s.dir, "notes.txt")
        with open(other, "w") as f:
            f.write("the operator's notes\n")
        log = self.run_daemon_with(other)
        self.assertIn("cannot write the metrics file", log)
        self.assertEqual(log.count("cannot write the metrics file"), 1, log)
        self.assertEqual(open(other).read(), "the operator's notes\n")

    def test_its_own_file_is_replaced(self):
        mine = os.path.join(self.s.dir, "sluice.prom")
        log = self.run_daemon_with(mine)
        self.assertNotIn("cannot write the metrics file", log)
        list(text_string_to_metric_families(open(mine).read()))


class ConfigWithNul(unittest.TestCase):
    """A line of the configuration that holds a NUL byte is refused, not
    read up to the NUL (a reload would take what it cannot have meant)."""

    def test_refused(self):
        with Spool() as s:
            for text in (b"max_errors = 5\0junk\n", b"\0max_errors = x\n"):
                with open(s.config, "wb") as f:
                    f.write(b"quiet_period = 0\n" + text)
                r = s.sluice("check-config")
                self.assertEqual(r.returncode, 78, (text, r.stdout))
                self.assertIn("sluice.conf:2: ", r.stderr)


@unittest.skipUnless(AS_ROOT, "needs root to run sluice as other users")
class ReaderOutsideTheDeliveryGroup(unittest.TestCase):
    """The folders of in/ given to a delivery group of their own (as
    doc/operations.md sets up for the web frontend): a member of the
    spool's group still reads status and metrics, without the files
    waiting there."""

    def setUp(self):
        self.s = OwnedSpool()
        self.s.drop_owned("orders", "u1.csv", an_order("U-1"))
        self.assertEqual(self.s.run_as(OWNER, "run", "--once").returncode, 0)
        for k in KINDS:
            os.chown(self.s.path("in", k), OWNER, DELIVERS)
            os.chmod(self.s.path("in", k), 0o2770)

    def tearDown(self):
        self.s.close()

    def test_status(self):
        r = self.s.read_as_reader("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["inputs"]["accepted"], 1)
        self.assertEqual(j["backlog"]["orders"], {"waiting": None, "claimed": 0})
        self.assertIn("may not list %s" % self.s.path("in", "orders"), r.stderr)
        r = self.s.read_as_reader("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(" orders ?+0", r.stdout)
        # the owner still counts them
        r = self.s.run_as(OWNER, "status", "--json")
        self.assertEqual(json.loads(r.stdout)["backlog"]["orders"], {"waiting": 0, "claimed": 0})

    def test_metrics(self):
        r = self.s.read_as_reader("metrics")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("may not list %s" % self.s.path("in", "orders"), r.stderr)
        names = {(s.name, tuple(sorted(s.labels.items())))
                 for fam in text_string_to_metric_families(r.stdout) for s in fam.samples}
        self.assertIn(("sluice_inputs_total", (("kind", "orders"), ("outcome", "accepted"))),
                      names)
        # no backlog is made up for what it cannot see
        self.assertNotIn(("sluice_backlog_files", (("kind", "orders"),)), names)
        self.assertNotIn(("sluice_backlog_oldest_seconds", (("kind", "orders"),)), names)


if __name__ == "__main__":
    run_tap()
