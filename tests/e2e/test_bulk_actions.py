# SPDX-License-Identifier: ISC
"""sluice bulk: the actions that change orders, on a ledger of mixed orders
(pending, confirmed, on hold, partly and fully shipped, cancelled, archived,
unpaid): each order's outcome, the inputs that carried the changes, a dry
run that changes nothing, a second run that changes nothing, a job whose
inputs wait for a daemon, jobs beside a running daemon, and jobs that were
interrupted."""
import json
import os
import signal
import subprocess
import time
import unittest

from harness import SLUICE, SpoolTest, run_tap
from lifecycle_util import amendment, cancellation, order, payment, shipment
from test_daemon import Daemon

LINES = [(1, 2, "100.00", "25"), (2, 1, "100.00", "25")]

# number: (status, hold) after the story
MIXED = {
    "P-1": ("pending", False),
    "P-2": ("pending", True),
    "C-1": ("confirmed", False),
    "C-2": ("confirmed", True),
    "S-1": ("processing", False),    # one unit of line 1 shipped, not marked shipped
    "S-2": ("processing", False),    # everything shipped and marked, its capture failed
    "X-1": ("cancelled", False),     # its release answered: it may be archived
    "A-1": ("archived", False),
    "U-1": ("confirmed", False),     # unpaid: awaits payment through its link
}

# action: {order: (outcome, code)}; the orders not named are skipped with order_closed
EXPECTED = {
    "confirm": {"P-1": ("applied", None), "P-2": ("applied", None),
                "C-1": ("skipped", "already_done"), "C-2": ("skipped", "already_done"),
                "S-1": ("skipped", "already_done"), "S-2": ("skipped", "already_done"),
                "U-1": ("skipped", "already_done")},
    "hold": {"P-1": ("applied", None), "P-2": ("skipped", "already_done"),
             "C-1": ("applied", None), "C-2": ("skipped", "already_done"),
             "S-1": ("applied", None), "S-2": ("applied", None), "U-1": ("applied", None)},
    "unhold": {"P-1": ("skipped", "already_done"), "P-2": ("applied", None),
               "C-1": ("skipped", "already_done"), "C-2": ("applied", None),
               "S-1": ("skipped", "already_done"), "S-2": ("skipped", "already_done"),
               "U-1": ("skipped", "already_done")},
    "ship": {"P-1": ("skipped", "order_not_shippable"), "P-2": ("skipped", "order_not_shippable"),
             "C-1": ("applied", None), "C-2": ("skipped", "order_not_shippable"),
             "S-1": ("applied", None), "S-2": ("skipped", "nothing_to_ship"),
             "U-1": ("deferred", "payment_due")},
    "mark-shipped": {"P-1": ("skipped", "nothing_to_ship"), "P-2": ("skipped", "nothing_to_ship"),
                     "C-1": ("skipped", "nothing_to_ship"), "C-2": ("skipped", "nothing_to_ship"),
                     "S-1": ("applied", None), "S-2": ("skipped", "already_done"),
                     "U-1": ("skipped", "nothing_to_ship")},
    "cancel": {"P-1": ("applied", None), "P-2": ("applied", None), "C-1": ("applied", None),
               "C-2": ("applied", None), "S-1": ("skipped", "order_not_cancellable"),
               "S-2": ("skipped", "order_not_cancellable"), "X-1": ("skipped", "already_done"),
               "U-1": ("applied", None)},
    "capture": {"P-1": ("skipped", "nothing_to_capture"), "P-2": ("skipped", "order_on_hold"),
                "C-1": ("skipped", "nothing_to_capture"), "C-2": ("skipped", "order_on_hold"),
                "S-1": ("skipped", "nothing_to_capture"), "S-2": ("applied", None),
                "U-1": ("skipped", "nothing_to_capture")},
    "archive": {n: ("skipped", "order_not_archivable") for n in MIXED} |
               {"X-1": ("applied", None), "A-1": ("skipped", "already_done")},
}


def expected(action):
    e = {n: ("skipped", "order_closed") for n in MIXED}
    e.update(EXPECTED[action])
    return e


def mixed_ledger(s):
    """Builds the orders of MIXED in spool s."""
    for n in MIXED:
        s.drop("orders", n + ".csv", order(n, "SEK", True, "0.00" if n == "U-1" else "300.00",
                                           LINES, status="pending" if n.startswith("P") else ""))
    s.run_once()
    s.drop("amendments", "h.csv", amendment("AM-P2", "P-2", hold="true") +
           amendment("AM-C2", "C-2", hold="true").split("\n", 1)[1])
    s.drop("shipments", "s1.csv", shipment("SH-S1", "S-1", [(1, 1)]))
    s.drop("shipments", "s2.csv", shipment("SH-S2", "S-2", [(1, 2), (2, 1)], shipped=True))
    s.drop("cancellations", "x.csv", cancellation("CX-X1", "X-1", whole=True) +
           cancellation("CX-A1", "A-1", whole=True).split("\n", 1)[1])
    s.run_once()
    s.drop("payments", "rel.csv", payment("EV-A1", "A-1", "release", "300.00", "SEK",
                                          request_id="REL-A-1"))
    s.drop("payments", "rel-x.csv", payment("EV-X1", "X-1", "release", "300.00", "SEK",
                                            request_id="REL-X-1"))
    s.drop("payments", "failed.csv", payment("EV-S2", "S-2", "capture", "300.00", "SEK",
                                             request_id="CAP-SH-S2", status="failed"))
    s.run_once()
    s.sluice("order", "archive", "A-1", check=True)


class BulkActions(SpoolTest):
    def setUp(self):
        super().setUp()
        mixed_ledger(self.s)
        for n, (status, hold) in MIXED.items():
            o = self.s.order(n)
            self.assertEqual((o["status"], o["hold"]), (status, hold), n)

    def bulk(self, *args, code=0, input=None):
        r = self.s.sluice("bulk", *args, "--json", input=input)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def outcomes(self, out):
        return {o["order_number"]: (o["outcome"], o["code"]) for o in out["orders"]}

    def snapshot(self):
        """What a change would show: every order as order show has it, the
        inputs, and every file of the spool but the ledger's."""
        files = []
        for top, _dirs, names in os.walk(self.s.root):
            files += [os.path.relpath(os.path.join(top, n), self.s.root) for n in names
                      if not n.startswith("ledger.db") and n != ".bulk.lock"]
        inputs = self.s.sluice("inputs", "--json", check=True).stdout
        return {n: self.s.order(n) for n in MIXED}, inputs, sorted(files)

    def check_action(self, action):
        """The dry run says what the run then does and changes nothing; the
        run applies each change through an input with its receipt; a second
        run changes nothing."""
        before = self.snapshot()
        dry = self.bulk(action, "--all", "--dry-run")
        self.assertTrue(dry["dry_run"])
        self.assertEqual(self.outcomes(dry), expected(action))
        self.assertEqual(self.snapshot(), before, "the dry run changed something")
        out = self.bulk(action, "--all")
        self.assertFalse(out["dry_run"])
        self.assertEqual(self.outcomes(out), expected(action))
        self.assertEqual(out["totals"]["applied"],
                         sum(1 for o, _c in expected(action).values() if o == "applied"))
        for o in out["orders"]:
            if o["outcome"] in ("applied", "deferred"):
                kind, name = o["input"].split("/")
                self.assertTrue(os.path.exists(self.s.receipt_path(name, kind)), o)
            else:
                self.assertNotIn("input", o)
        after = self.snapshot()
        again = self.bulk(action, "--all")
        for n, (o, c) in self.outcomes(again).items():
            if expected(action)[n][0] == "deferred":
                # its input still waits: the order is left to it
                self.assertEqual((o, c), ("skipped", "in_progress"), n)
            else:
                self.assertEqual(o, "skipped", n)
        self.assertEqual(again["totals"]["applied"], 0)
        self.assertEqual(self.snapshot()[0], after[0], "the second run changed an order")

    def test_states_after_each_action(self):
        self.bulk("hold", "--status", "confirmed")
        self.assertTrue(self.s.order("C-1")["hold"])
        self.assertFalse(self.s.order("P-1")["hold"])    # not selected
        self.bulk("unhold", "--hold", "true")
        self.assertFalse(any(self.s.order(n)["hold"] for n in MIXED))
        self.bulk("confirm", "--status", "pending")
        self.assertEqual(self.s.order("P-2")["status"], "confirmed")
        out = self.bulk("ship", "--orders", "-", "--carrier", "DHL", "--service", "Express",
                        "--shipped", input="S-1\nC-1\n")
        self.assertEqual([o["order_number"] for o in out["orders"]], ["S-1", "C-1"])
        c1 = self.s.order("C-1")
        self.assertEqual(c1["status"], "processing")
        sh = c1["shipments"]
        self.assertEqual(len(sh), 1)
        self.assertTrue(sh[0]["shipped"])
        self.assertEqual(sorted((l["line_id"], l["quantity"]) for l in sh[0]["lines"]),
                         [(1, 2), (2, 1)])
        s1 = self.s.order("S-1")
        self.assertEqual([(l["line_id"], l["shipped"]) for l in s1["lines"]], [(1, 2), (2, 1)])
        # the journal names the job's input and who ran it
        ev = [e for e in c1["events"] if e["type"] == "shipment_created"]
        self.assertEqual(len(ev), 1)
        self.assertTrue(ev[0]["source"].startswith("shipments/bulk-" + out["job"] + "-")
                        or ev[0]["source"].startswith("bulk-" + out["job"] + "-"), ev)
        self.assertIn("by", ev[0])
        out = self.bulk("cancel", "--orders", "-", "--reason", "customer asked,\nby phone",
                        input="P-1\nNOPE\nP-1\n")
        self.assertEqual(self.outcomes(out), {"P-1": ("applied", None),
                                              "NOPE": ("skipped", "order_unknown")})
        self.assertEqual(self.s.order("P-1")["status"], "cancelled")

    def test_capture_asks_again_then_the_order_completes(self):
        out = self.bulk("capture", "--orders", "-", input="S-2\n")
        self.assertEqual(self.outcomes(out), {"S-2": ("applied", None)})
        self.assertTrue(os.path.exists(self.s.path("out", "captures", "CAP-SH-S2-2.xml")))
        self.s.drop("payments", "ok.csv", payment("EV-S2-OK", "S-2", "capture", "300.00", "SEK",
                                                  request_id="CAP-SH-S2-2"))
        self.s.run_once()
        self.assertEqual(self.s.order("S-2")["status"], "completed")
        out = self.bulk("archive", "--status", "completed")
        # captured in full, nothing left to release: its payment business is over
        self.assertEqual(self.outcomes(out), {"S-2": ("applied", None)})
        self.assertEqual(self.s.order("S-2")["status"], "archived")

    def test_mark_shipped_with_tracking(self):
        track = self.s.path("..", "track.csv")
        with open(track, "w") as f:
            f.write('shipment_id,carrier,tracking\r\nSH-S1,"Post, Nord",TR-1\r\nOTHER,X,Y\r\n')
        out = self.bulk("mark-shipped", "--all", "--tracking", track)
        self.assertEqual(self.outcomes(out)["S-1"], ("applied", None))
        sh = self.s.order("S-1")["shipments"][0]
        self.assertTrue(sh["shipped"])
        # the update carried the carrier and tracking number, quoted as CSV
        o = [o for o in out["orders"] if o["order_number"] == "S-1"][0]
        shown = json.loads(self.s.sluice("input", "show", o["input"], "--json",
                                         check=True).stdout)
        with open(self.s.path(shown["file"]["path"])) as f:
            text = f.read()
        self.assertIn('SH-S1,S-1,"Post, Nord",TR-1,true,', text)
        # malformed tracking files are refused before anything is done
        for bad in ("SH-S1,X\n", "SH-S1,X,Y\nSH-S1,X,Z\n", "bad id!,X,Y\n", '"SH-S1,X,Y\n'):
            with open(track, "w") as f:
                f.write(bad)
            r = self.s.sluice("bulk", "mark-shipped", "--all", "--tracking", track)
            self.assertEqual(r.returncode, 2, bad + r.stderr)
        # an --orders or --tracking that is no regular file is refused, never read
        for opt in ("--orders", "--tracking"):
            args = ["mark-shipped", "--all"] if opt == "--tracking" else ["hold"]
            r = self.s.sluice("bulk", *args, opt, "/dev/zero", timeout=20)
            self.assertIn(r.returncode, (2, 70), r.stderr)
            self.assertIn("not a regular file", r.stderr)

    def test_usage(self):
        for args in (["confirm"], ["confirm", "--all", "--carrier", "X"],
                     ["ship", "--all", "--carrier", "x" * 101], ["ship", "--all", "--output", "f"],
                     ["cancel", "--all", "--reason", "a\x01b"], ["nonsense", "--all"],
                     ["export", "--all", "--output", "-", "--dry-run"],
                     ["status", "--all"], ["confirm", "--all", "extra"]):
            r = self.s.sluice("bulk", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
        r = self.s.sluice("bulk", "status", "nosuchjob")
        self.assertEqual(r.returncode, 1)

    def test_status_lists_jobs_and_outcomes(self):
        out = self.bulk("hold", "--all")
        r = self.s.sluice("bulk", "status", check=True)
        self.assertIn(out["job"] + " hold by ", r.stdout)
        again = json.loads(self.s.sluice("bulk", "status", out["job"], "--json",
                                         check=True).stdout)
        self.assertEqual(self.outcomes(again), self.outcomes(out))
        jobs = json.loads(self.s.sluice("bulk", "status", "--json", check=True).stdout)
        self.assertEqual(jobs[-1]["job"], out["job"])
        self.assertEqual(jobs[-1]["orders"]["applied"], out["totals"]["applied"])

    def test_no_wait_then_status_shows_the_verdicts(self):
        out = self.bulk("ship", "--all", "--no-wait")
        self.assertEqual(self.outcomes(out)["C-1"], ("submitted", None))
        self.assertEqual(self.s.order("C-1")["status"], "confirmed")
        # an ERP puts C-1 on hold before the shipments are processed:
        # amendments go before shipments, so C-1's shipment is rejected
        self.s.drop("amendments", "erp-hold.csv", amendment("AM-ERP", "C-1", hold="true"))
        self.s.run_once()
        r = self.s.sluice("bulk", "status", out["job"], "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        now = self.outcomes(json.loads(r.stdout))
        self.assertEqual(now["C-1"], ("rejected", "order_not_shippable"))
        self.assertEqual(now["S-1"], ("applied", None))
        self.assertEqual(now["U-1"], ("deferred", "payment_due"))

    def test_a_waiting_input_holds_back_its_action_only(self):
        self.bulk("ship", "--orders", "-", input="U-1\n")
        self.assertEqual(self.outcomes(self.bulk("ship", "--orders", "-", input="U-1\n")),
                         {"U-1": ("skipped", "in_progress")})
        # another action goes on: the waiting shipment is then rejected
        # for the cancelled order when the daemon tries it again
        self.assertEqual(self.outcomes(self.bulk("cancel", "--orders", "-", input="U-1\n")),
                         {"U-1": ("applied", None)})
        self.assertEqual(self.s.order("U-1")["status"], "cancelled")

    def test_only_the_owner_changes_orders(self):
        os.chmod(self.s.dir, 0o755)
        os.chmod(self.s.config, 0o644)
        r = self.s.sluice("bulk", "hold", "--all", user=65534)
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertFalse(any(self.s.order(n)["hold"] for n in ("P-1", "C-1")))

    def test_beside_a_running_daemon(self):
        d = Daemon(self.s)
        try:
            out = self.bulk("ship", "--all")
            self.assertEqual(self.outcomes(out), expected("ship"))
            self.assertEqual(self.s.order("C-1")["status"], "processing")
            self.assertFalse(os.listdir(self.s.path("in", "shipments")))
        finally:
            self.assertEqual(d.stop(), 0)

    def test_a_slow_orders_list_never_holds_the_daemon_up(self):
        d = Daemon(self.s)
        try:
            p = subprocess.Popen(self.s.command("bulk", "hold", "--orders", "-", "--json"),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            p.stdin.write("P-1\n")
            p.stdin.flush()
            time.sleep(0.5)
            self.s.drop("orders", "late.csv", order("N-1", "SEK", True, "300.00", LINES))
            deadline = time.time() + 8
            while self.s.order("N-1") is None and time.time() < deadline:
                time.sleep(0.1)
            self.assertIsNotNone(self.s.order("N-1"), "the daemon was held up")
            stdout, stderr = p.communicate("C-1\n", timeout=60)
            self.assertEqual(p.returncode, 0, stderr)
            self.assertEqual(self.outcomes(json.loads(stdout)),
                             {"P-1": ("applied", None), "C-1": ("applied", None)})
        finally:
            self.assertEqual(d.stop(), 0)

    def test_a_rerun_waits_for_what_an_earlier_job_left_on_its_way(self):
        d = Daemon(self.s)
        try:
            os.kill(d.proc.pid, signal.SIGSTOP)
            first = self.bulk("ship", "--all", "--no-wait")
            p = subprocess.Popen(self.s.command("bulk", "ship", "--all", "--json"),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1)
            self.assertIsNone(p.poll(), "the rerun did not wait for the first job's inputs")
            os.kill(d.proc.pid, signal.SIGCONT)
            stdout, stderr = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, stderr)
            again = self.outcomes(json.loads(stdout))
            # the first job's shipments were applied before the rerun looked
            self.assertEqual(again["C-1"], ("skipped", "nothing_to_ship"))
            self.assertEqual(again["S-1"], ("skipped", "nothing_to_ship"))
            self.assertEqual(again["U-1"], ("skipped", "in_progress"))   # it waits for payment
            now = self.outcomes(json.loads(self.s.sluice("bulk", "status", first["job"],
                                                         "--json").stdout))
            self.assertEqual(now["C-1"], ("applied", None))
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
            self.assertEqual(d.stop(), 0)

    def test_daemon_gone_while_waiting(self):
        # a daemon that holds the spool but never processes: stopped mid-job,
        # bulk takes the work over
        d = Daemon(self.s)
        os.kill(d.proc.pid, signal.SIGSTOP)
        p = subprocess.Popen(self.s.command("bulk", "hold", "--all", "--json"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        self.assertIsNone(p.poll())
        os.kill(d.proc.pid, signal.SIGKILL)
        d.proc.wait()
        stdout, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, stderr)
        self.assertEqual(self.outcomes(json.loads(stdout)), expected("hold"))

    def test_interrupted_job_rerun_ends_as_one_run(self):
        # a job killed after it recorded its orders as submitted: what it
        # dropped is applied once, what it never dropped is taken by the rerun
        fresh = self.s.sluice("bulk", "ship", "--all", "--no-wait", "--json", check=True)
        first = json.loads(fresh.stdout)
        # lose one of its files, as a crash before the rename would
        lost = [o for o in first["orders"] if o["order_number"] == "C-1"][0]
        kind, name = lost["input"].split("/")
        os.unlink(self.s.path("in", kind, name))
        out = self.bulk("ship", "--all")
        self.assertEqual(self.outcomes(out)["C-1"], ("applied", None))
        self.assertEqual(self.outcomes(out)["S-1"], ("skipped", "nothing_to_ship"))
        self.assertEqual(len(self.s.order("C-1")["shipments"]), 1)
        self.assertEqual(len(self.s.order("S-1")["shipments"]), 2)
        first_now = self.outcomes(json.loads(self.s.sluice("bulk", "status", first["job"],
                                                           "--json").stdout))
        self.assertEqual(first_now["C-1"], ("abandoned", "not_submitted"))
        self.assertEqual(first_now["S-1"], ("applied", None))

    def test_long_order_numbers_get_digest_ids(self):
        n = "L" * 64
        self.s.drop("orders", "long.csv", order(n, "SEK", True, "300.00", LINES))
        self.s.run_once()
        out = self.bulk("ship", "--orders", "-", input=n + "\n")
        self.assertEqual(self.outcomes(out), {n: ("applied", None)})
        sid = self.s.order(n)["shipments"][0]["shipment_id"]
        self.assertLessEqual(len(sid), 64)
        self.assertTrue(sid.startswith(out["job"] + "-"))


for _action in EXPECTED:
    setattr(BulkActions, "test_action_" + _action.replace("-", "_"),
            lambda self, a=_action: self.check_action(a))


if __name__ == "__main__":
    run_tap()
