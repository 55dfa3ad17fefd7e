# SPDX-License-Identifier: ISC
"""sluice metrics and the daemon's metrics_file: Prometheus' text format,
parsed by Prometheus' own client library, with values that match a known
spool; the file appears at start, is rewritten, and is never seen half
written."""
import os
import stat
import threading
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

from harness import Spool, run_tap
from lifecycle_util import an_amendment, an_order, order
from test_daemon import Daemon

KINDS = ["orders", "amendments", "cancellations", "shipments", "payments", "returns", "invoices",
         "actions"]


def parse(text):
    """{name: {labels tuple: value}} of every sample, and {name: type}."""
    samples, types = {}, {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples, types


def value(samples, name, **labels):
    return samples[name][tuple(sorted(labels.items()))]


class Metrics(unittest.TestCase):
    def setUp(self):
        self.s = Spool()

    def tearDown(self):
        self.s.close()

    def metrics(self):
        r = self.s.sluice("metrics", check=True)
        self.assertEqual(r.stderr, "")
        return parse(r.stdout)

    def test_empty_spool(self):
        samples, types = self.metrics()
        self.assertEqual(types["sluice_inputs"], "counter")
        self.assertEqual(types["sluice_documents"], "counter")
        for gauge in ("sluice_backlog_files", "sluice_backlog_oldest_seconds",
                      "sluice_deferred_inputs", "sluice_orders_awaiting_payment",
                      "sluice_last_batch_duration_seconds", "sluice_last_batch_records_per_second",
                      "sluice_disk_free_bytes", "sluice_outbox_pending"):
            self.assertEqual(types[gauge], "gauge", gauge)
        for k in KINDS:
            for outcome in ("accepted", "duplicate", "rejected"):
                self.assertEqual(value(samples, "sluice_inputs_total", kind=k, outcome=outcome), 0)
            self.assertEqual(value(samples, "sluice_backlog_files", kind=k), 0)
        self.assertGreater(value(samples, "sluice_disk_free_bytes"), 0)
        self.assertEqual(value(samples, "sluice_last_batch_duration_seconds"), 0)

    def test_known_spool(self):
        self.s.drop("orders", "o1.csv", an_order("SL-1"))
        self.s.drop("orders", "o1-again.csv", an_order("SL-1"))     # a duplicate
        self.s.drop("orders", "bad.csv", "not,an\norder,\n")
        self.s.drop("amendments", "a1.csv", an_amendment("A-1", "SL-404"))   # deferred
        self.s.run_once()
        # waiting: two orders, one of them an hour old
        self.s.drop("orders", "w1.csv", an_order("SL-2"))
        self.s.drop("orders", "w2.csv", an_order("SL-3"))
        hour_ago = time.time() - 3600
        os.utime(self.s.path("in", "orders", "w1.csv"), (hour_ago, hour_ago))
        samples, _ = self.metrics()
        self.assertEqual(value(samples, "sluice_inputs_total", kind="orders", outcome="accepted"), 1)
        self.assertEqual(value(samples, "sluice_inputs_total", kind="orders", outcome="duplicate"), 1)
        self.assertEqual(value(samples, "sluice_inputs_total", kind="orders", outcome="rejected"), 1)
        self.assertEqual(value(samples, "sluice_inputs_total", kind="amendments",
                               outcome="accepted"), 0)
        self.assertEqual(value(samples, "sluice_deferred_inputs", kind="amendments"), 1)
        self.assertEqual(value(samples, "sluice_deferred_inputs", kind="orders"), 0)
        self.assertEqual(value(samples, "sluice_backlog_files", kind="orders"), 2)
        # the deferred input is not backlog
        self.assertEqual(value(samples, "sluice_backlog_files", kind="amendments"), 0)
        # the file's change time is now: the later of its times counts
        self.assertLess(value(samples, "sluice_backlog_oldest_seconds", kind="orders"), 600)
        self.assertEqual(value(samples, "sluice_outbox_pending"), 0)
        self.assertGreater(value(samples, "sluice_last_batch_duration_seconds"), 0)
        self.assertGreater(value(samples, "sluice_last_batch_records_per_second"), 0)

    def test_oldest_waiting_age(self):
        self.s.drop("orders", "w1.csv", an_order("SL-2"))
        later = {"SLUICE_CLOCK": str(int(time.time()) + 7200)}
        samples, _ = parse(self.s.sluice("metrics", check=True, env=later).stdout)
        age = value(samples, "sluice_backlog_oldest_seconds", kind="orders")
        self.assertGreaterEqual(age, 7190)
        self.assertLessEqual(age, 7300)
        self.assertEqual(value(samples, "sluice_backlog_oldest_seconds", kind="returns"), 0)

    def test_documents_and_awaiting_payment(self):
        # an order with nothing authorized awaits payment and gets a link
        self.s.drop("orders", "o.csv", order("SL-7", "SEK", True, "0.00", [(1, 1, "100.00", "25")]))
        self.s.run_once()
        samples, _ = self.metrics()
        self.assertEqual(value(samples, "sluice_orders_awaiting_payment"), 1)
        self.assertEqual(value(samples, "sluice_documents_total", type="link"), 1)
        self.assertEqual(value(samples, "sluice_documents_total", type="invoice"), 0)

    def test_usage(self):
        r = self.s.sluice("metrics", "extra")
        self.assertEqual(r.returncode, 2)
        r = self.s.sluice("metrics", "--json")
        self.assertEqual(r.returncode, 2)


class MetricsFile(unittest.TestCase):
    def setUp(self):
        self.s = Spool()
        self.dir = os.path.join(self.s.dir, "textfile")
        os.mkdir(self.dir)
        self.file = os.path.join(self.dir, "sluice.prom")
        with open(self.s.config, "a") as f:
            f.write("metrics_file = %s\nmetrics_interval = 1s\n" % self.file)

    def tearDown(self):
        self.s.close()

    def test_written_at_start_rewritten_and_never_half(self):
        os.umask(0o077)
        seen, stop, bad = [], threading.Event(), []

        def reader():
            # every read sees a whole file: one that ends with the last metric
            while not stop.is_set():
                try:
                    with open(self.file) as f:
                        text = f.read()
                except FileNotFoundError:
                    continue
                if not text.rstrip().split("\n")[-1].startswith("sluice_disk_free_bytes "):
                    bad.append(text)
                seen.append(text)

        d = Daemon(self.s)
        t = threading.Thread(target=reader)
        try:
            self.assertTrue(os.path.exists(self.file), "not written at start")
            self.assertEqual(stat.S_IMODE(os.stat(self.file).st_mode), 0o644)
            samples, _ = parse(open(self.file).read())
            self.assertEqual(value(samples, "sluice_inputs_total", kind="orders",
                                   outcome="accepted"), 0)
            t.start()
            self.s.drop("orders", "o1.csv", an_order("SL-1"))
            deadline = time.time() + 30
            while time.time() < deadline:
                samples, _ = parse(open(self.file).read())
                if value(samples, "sluice_inputs_total", kind="orders", outcome="accepted") == 1:
                    break
                time.sleep(0.1)
            self.assertEqual(value(samples, "sluice_inputs_total", kind="orders",
                                   outcome="accepted"), 1)
        finally:
            stop.set()
            if t.is_alive():
                t.join()
            self.assertEqual(d.stop(), 0)
        self.assertEqual(bad, [])
        self.assertGreater(len(seen), 0)
        # no temporary file is left beside it
        self.assertEqual(os.listdir(self.dir), ["sluice.prom"])

    def test_failure_is_logged_once_and_never_stops_the_daemon(self):
        os.rmdir(self.dir)      # the folder is missing
        d = Daemon(self.s)
        try:
            time.sleep(3.5)     # three intervals
            self.s.drop("orders", "o1.csv", an_order("SL-1"))
            deadline = time.time() + 30
            while not os.path.exists(self.s.receipt_path("o1.csv", kind="orders")):
                self.assertLess(time.time(), deadline, "".join(d.log))
                time.sleep(0.05)
            os.mkdir(self.dir)
            deadline = time.time() + 30
            while not os.path.exists(self.file):
                self.assertLess(time.time(), deadline, "".join(d.log))
                time.sleep(0.05)
        finally:
            self.assertEqual(d.stop(), 0)
        log = "".join(d.log)
        self.assertEqual(log.count("cannot write the metrics file"), 1, log)
        self.assertIn("is written again", log)


if __name__ == "__main__":
    run_tap()
