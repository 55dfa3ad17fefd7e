# SPDX-License-Identifier: ISC
"""sluice bulk attacked: files of order numbers and tracking files as
operators' tools write them (a byte order mark, CRLF, bytes that are no
UTF-8), and --json output that must stay JSON whatever the operator
typed."""
import glob
import json
import os
import random
import signal
import subprocess
import time

from harness import SpoolTest, run_tap
from test_daemon import Daemon
from lifecycle_util import amendment, an_order, order, shipment, csv, ORDER_HEAD, ORDER_LINE


class BulkAttack(SpoolTest):
    def setUp(self):
        super().setUp()
        for n in ("SL-1", "SL-2"):
            self.s.drop("orders", n + ".csv", an_order(n))
        self.s.run_once()

    def bulk(self, *args, code=0, input=None):
        p = subprocess.run(self.s.command("bulk", *args), capture_output=True, input=input)
        self.assertEqual(p.returncode, code, p.stdout + p.stderr)
        return p.stdout

    def test_json_stays_json_for_numbers_that_are_no_utf8(self):
        # an order number of the file that is no UTF-8 is unknown, and
        # shown sanitized; the JSON around it stays JSON
        out = json.loads(self.bulk("hold", "--orders", "-", "--json", input=b"\xff\xfe1\nSL-1\n"))
        got = {o["order_number"]: (o["outcome"], o["code"]) for o in out["orders"]}
        self.assertEqual(got, {"\\xff\\xfe1": ("skipped", "order_unknown"),
                               "SL-1": ("applied", None)})
        again = json.loads(self.bulk("status", out["job"], "--json"))
        self.assertEqual(len(again["orders"]), 2)
        # a job whose command line is no UTF-8 is still listed
        self.bulk("unhold", "--market", "\udcff", "--json")
        jobs = json.loads(self.bulk("status", "--json"))
        self.assertEqual(len(jobs), 2, jobs)
        self.assertIn("--market \\xff", jobs[0]["command"] + jobs[1]["command"])

    def test_orders_file_with_a_byte_order_mark_and_crlf(self):
        # as a spreadsheet saves "CSV UTF-8": the first number is found
        path = self.s.path("..", "orders.txt")
        with open(path, "wb") as f:
            f.write(b"\xef\xbb\xbfSL-1\r\nSL-2\r\n")
        out = json.loads(self.bulk("hold", "--orders", path, "--json"))
        self.assertEqual({o["order_number"]: o["outcome"] for o in out["orders"]},
                         {"SL-1": "applied", "SL-2": "applied"})
        # a mark anywhere else is part of the number
        out = json.loads(self.bulk("unhold", "--orders", "-", "--json",
                                   input=b"SL-1\n\xef\xbb\xbfSL-2\n"))
        self.assertEqual([o["outcome"] for o in out["orders"]], ["applied", "skipped"])

    def test_tracking_file_with_a_byte_order_mark(self):
        self.s.drop("shipments", "s.csv", shipment("SH-1", "SL-1", [(1, 1)]))
        self.s.run_once()
        track = self.s.path("..", "track.csv")
        with open(track, "wb") as f:
            f.write(b"\xef\xbb\xbfshipment_id,carrier,tracking\r\nSH-1,PostNord,TR-1\r\n")
        out = json.loads(self.bulk("mark-shipped", "--orders", "-", "--tracking", track,
                                   "--json", input=b"SL-1\n"))
        self.assertEqual([o["outcome"] for o in out["orders"]], ["applied"])
        sh = self.s.order("SL-1")["shipments"][0]
        self.assertTrue(sh["shipped"])
        shown = json.loads(self.s.sluice("input", "show", out["orders"][0]["input"], "--json",
                                         check=True).stdout)
        with open(self.s.path(shown["file"]["path"])) as f:
            self.assertIn("SH-1,SL-1,PostNord,TR-1,true,", f.read())

    def test_an_option_given_twice_is_refused(self):
        # the first --orders or --status would be dropped without a word
        listed = self.s.path("..", "one.txt")
        with open(listed, "w") as f:
            f.write("SL-1\n")
        for args in (("--orders", listed, "--orders", "-"),
                     ("--status", "pending", "--status", "confirmed"),
                     ("--all", "--all"), ("--all", "--dry-run", "--dry-run")):
            r = self.s.sluice("bulk", "cancel", *args, input="SL-2\n")
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("given twice", r.stderr)
        for n in ("SL-1", "SL-2"):
            self.assertEqual(self.s.order(n)["status"], "confirmed")
        self.assertEqual(json.loads(self.bulk("status", "--json")), [])
        r = self.s.sluice("order", "show", "SL-1", "--json", "--json")
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_a_file_sent_under_a_jobs_input_name_is_not_the_jobs(self):
        # a job's input names are in its receipts' names, for every sender
        # to see; one sends a file under the name of an input that waits
        self.s.drop("orders", "u.csv", order("U-1", "SEK", True, "0.00",
                                             [(1, 1, "100.00", "25")]))
        self.s.run_once()
        out = json.loads(self.bulk("ship", "--orders", "-", "--json", input=b"U-1\n"))
        self.assertEqual([(o["outcome"], o["code"]) for o in out["orders"]],
                         [("deferred", "payment_due")])
        kind, name = out["orders"][0]["input"].split("/")
        self.s.drop(kind, name, "not,a\nshipment\n")
        self.s.run_once()
        self.assertEqual(self.s.receipt(name, kind)["status"], "rejected")
        # the job's input still waits, and the job says so
        now = json.loads(self.bulk("status", out["job"], "--json"))
        self.assertEqual([(o["outcome"], o["code"]) for o in now["orders"]],
                         [("deferred", "payment_due")])
        # another job leaves the order to it, and still does after that
        for _ in range(2):
            again = json.loads(self.bulk("ship", "--orders", "-", "--json", input=b"U-1\n"))
            self.assertEqual([(o["outcome"], o["code"]) for o in again["orders"]],
                             [("skipped", "in_progress")])
        # only the first job's shipment waits
        self.assertEqual(len(os.listdir(self.s.path("work", "shipments"))), 1)

    def test_a_file_sent_under_a_jobs_input_name_is_not_the_operators(self):
        # a sender reuses the name of a job's input: its change is its own,
        # never written in the order's story as done by who ran the job
        out = json.loads(self.bulk("hold", "--orders", "-", "--json", input=b"SL-1\n"))
        kind, name = out["orders"][0]["input"].split("/")
        self.s.drop(kind, name, amendment("AM-FORGED", "SL-1", hold="false"))
        self.s.run_once()
        self.assertEqual(self.s.receipt(name, kind)["status"], "accepted")
        events = [e for e in self.s.order("SL-1")["events"] if e["type"] == "amendment_applied"]
        self.assertEqual(len(events), 2, events)
        self.assertIn("by", events[0])
        self.assertNotIn("by", events[1])
        now = json.loads(self.bulk("status", out["job"], "--json"))
        self.assertEqual([o["outcome"] for o in now["orders"]], ["applied"])

    def test_orders_file_with_no_line_end_is_refused_not_swallowed(self):
        # numbers of 64 and 65 characters are numbers, known or not
        out = json.loads(self.bulk("hold", "--orders", "-", "--json",
                                   input=b"A" * 64 + b"\n" + b" " + b"B" * 65 + b" \nSL-1\n"))
        self.assertEqual([(o["outcome"], o["code"]) for o in out["orders"]],
                         [("skipped", "order_unknown")] * 2 + [("applied", None)])
        # a line longer than any order number (a file that is no list of
        # them) is refused before anything is done, not read into memory
        path = self.s.path("..", "huge.txt")
        with open(path, "wb") as f:
            f.write(b"SL-2\n" + b"C" * (10 * 1024 * 1024) + b"\n")
        for args, why in ((("unhold", "--orders", path), b"line "),
                          (("unhold", "--orders", "/dev/zero"), b"not a regular file"),
                          (("export", "--orders", "/dev/zero", "--output", "-"),
                           b"not a regular file")):
            r = subprocess.run(self.s.command("bulk", *args), capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 70, args)
            self.assertIn(why, r.stderr)
        self.assertTrue(self.s.order("SL-1")["hold"])
        self.assertEqual(len(json.loads(self.bulk("status", "--json"))), 1)

    def test_a_file_sent_under_a_name_the_job_has_yet_to_drop(self):
        # a job's first inputs name it; the names of its next chunk follow:
        # a sender writes a file in place under one before the job drops it
        # (the daemon waits for it to be quiet, an hour here)
        with open(self.s.config, "a") as f:
            f.write("quiet_period = 1h\n")
        d = Daemon(self.s)
        os.kill(d.proc.pid, signal.SIGSTOP)
        listed = self.s.path("..", "numbers.txt")
        with open(listed, "wb") as f:
            f.write(b"SL-1\n" + b"".join(b"NONE-%d\n" % i for i in range(1000)) + b"SL-2\n")
        p = subprocess.Popen(self.s.command("bulk", "hold", "--orders", listed, "--json"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while not os.listdir(self.s.path("in", "amendments")):
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        first = os.listdir(self.s.path("in", "amendments"))[0]
        forged = first[:-len("0000001.csv")] + "0001002.csv"
        with open(self.s.path("in", "amendments", forged), "w") as f:
            f.write(amendment("AM-FORGED", "SL-2", hold="true"))
        os.kill(d.proc.pid, signal.SIGCONT)
        stdout, stderr = p.communicate(timeout=60)
        d.stop()
        with open(self.s.config, "a") as f:
            f.write("quiet_period = 0\n")
        self.s.run_once()
        self.assertEqual(self.s.receipt(forged, "amendments")["status"], "accepted")
        # the sender's change is the sender's, and the job does not take
        # its outcome for the order's
        events = [e for e in self.s.order("SL-2")["events"] if e["type"] == "amendment_applied"]
        self.assertEqual(len(events), 1, events)
        self.assertNotIn("by", events[0])
        job = first.split("-")[1]
        now = json.loads(self.bulk("status", job, "--json"))
        got = {o["order_number"]: o["outcome"] for o in now["orders"]}
        self.assertEqual((got["SL-1"], got["SL-2"]), ("applied", "abandoned"), stderr)

class KilledOverAndOver(SpoolTest):
    """A job of 200 orders killed at random moments, each time run again,
    beside a daemon: it ends as one uninterrupted run would."""

    def test_killed_and_run_again(self):
        head = dict(order_date="2026-11-26T09:00:00Z", market="M", currency="SEK",
                    prices_include_vat="true", email="b@example.com", billing_address1="S 1",
                    billing_zip="11111", billing_city="C", billing_country="SE",
                    payment_method="card", authorized_amount="100.00", line_id=1, sku="K",
                    name="Item", quantity=1, unit_price="100.00", vat_rate="25")
        self.s.drop("orders", "all.csv", csv(ORDER_HEAD + ORDER_LINE, [
            dict(head, order_number="O-%03d" % i, payment_reference="P-%d" % i)
            for i in range(200)]))
        self.s.run_once()
        rnd = random.Random(7)
        d = Daemon(self.s)
        try:
            for _ in range(12):
                p = subprocess.Popen(self.s.command("bulk", "ship", "--all", "--shipped"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(rnd.uniform(0, 0.6))
                p.kill()
                p.wait()
            out = json.loads(self.bulk_json("ship", "--all", "--shipped"))
        finally:
            self.assertEqual(d.stop(), 0)
        self.assertEqual(out["totals"]["rejected"] + out["totals"]["submitted"], 0, out["totals"])
        for i in range(200):
            self.assertEqual(len(self.s.order("O-%03d" % i)["shipments"]), 1, i)
        for top in ("in", "work"):
            self.assertEqual([p for p in glob.glob(self.s.path(top, "**"), recursive=True)
                              if os.path.isfile(p)], [])
        self.assertEqual(len(os.listdir(self.s.path("out", "receipts", "shipments"))), 200)
        self.assertEqual(self.s.sluice("audit").returncode, 0)
        for job in json.loads(self.bulk_json("status")):
            self.assertEqual(job["orders"]["selected"] + job["orders"]["submitted"], 0, job)

    def bulk_json(self, *args):
        r = self.s.sluice("bulk", *args, "--json", check=True)
        return r.stdout


if __name__ == "__main__":
    run_tap()
