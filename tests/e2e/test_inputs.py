# SPDX-License-Identifier: ISC
"""The operator's view of inputs: `sluice inputs` lists them (one at a
time), `sluice input show` tells one's whole story, `sluice requeue` puts a
rejected one back into in/ without ever replacing a waiting file, and
`sluice retry` has the running daemon try the deferred ones now."""
import json
import os
import signal
import sqlite3
import stat
import subprocess
import time
import unittest

from harness import Spool, SpoolTest, codes, read, run_tap, sha
from lifecycle_util import amendment, an_amendment, an_order, shipment
from test_daemon import Daemon

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "spool", "examples")
BAD_ORDER = "order_number,order_date\nX-1,2026-11-26T09:00:00Z\n"   # lacks required fields


def example(name):
    return read(os.path.join(EXAMPLES, name))


def fmt_ns(ns):
    """ns since the epoch as sluice prints instants (format_time)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + \
        ".%03dZ" % (ns % 10**9 // 10**6)


class Listing(SpoolTest):
    def inputs(self, *args):
        r = self.s.sluice("inputs", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_every_input_oldest_first_with_its_first_error(self):
        self.s.drop("orders", "good.csv", an_order("L-1"))
        self.s.run_once()
        self.s.drop("amendments", "wait.csv", an_amendment("AM-1", "L-404"))
        self.s.run_once()
        self.s.drop("orders", "bad.csv", BAD_ORDER)
        self.s.run_once()
        rows = self.inputs()
        self.assertEqual([(r["id"], r["kind"], r["name"], r["status"]) for r in rows],
                         [(1, "orders", "good.csv", "accepted"),
                          (2, "amendments", "wait.csv", "deferred"),
                          (3, "orders", "bad.csv", "rejected")])
        self.assertEqual(list(rows[0]), ["id", "kind", "name", "received", "status", "records",
                                         "error_count", "first_error", "expires", "expires_by"])
        self.assertEqual((rows[0]["records"], rows[0]["first_error"], rows[0]["expires"]),
                         (1, None, None))
        rejected = self.s.receipt("bad.csv")
        self.assertEqual(rows[2]["first_error"],
                         {k: (int(v) if k == "line" else v or None)
                          for k, v in rejected["errors"][0].items()})
        self.assertEqual(rows[2]["error_count"], len(rejected["errors"]))
        # what a deferred input waits for, and when the daemon rejects it:
        # defer_expiry (48 h) after its receipt
        self.assertEqual((rows[1]["first_error"]["code"], rows[1]["expires_by"]),
                         ("order_unknown", "defer_expiry"))
        received = self.received_ns(2)
        self.assertEqual(rows[1]["received"], fmt_ns(received))
        self.assertEqual(rows[1]["expires"], fmt_ns(received + 48 * 3600 * 10**9))
        text = self.s.sluice("inputs").stdout.splitlines()
        self.assertEqual(len(text), 3)
        self.assertTrue(text[1].startswith("2  amendments/wait.csv  %s  deferred" % fmt_ns(received)),
                        text[1])
        self.assertIn("order_unknown", text[1])
        self.assertIn("expires %s" % rows[1]["expires"], text[1])

    def received_ns(self, input_id):
        db = sqlite3.connect(self.s.path("ledger.db"))
        try:
            return db.execute("SELECT received_ns FROM inputs WHERE id = ?", (input_id,)).fetchone()[0]
        finally:
            db.close()

    def test_filters(self):
        self.s.drop("orders", "a.csv", an_order("F-1"))
        self.s.drop("orders", "bad.csv", BAD_ORDER)
        self.s.drop("amendments", "b.csv", an_amendment("AM-1", "F-1"))
        self.s.run_once()
        self.assertEqual([r["name"] for r in self.inputs("--status", "rejected")], ["bad.csv"])
        self.assertEqual([r["name"] for r in self.inputs("--kind", "amendments")], ["b.csv"])
        self.assertEqual([r["name"] for r in self.inputs("--kind", "orders", "--status",
                                                          "accepted")], ["a.csv"])
        self.assertEqual(self.inputs("--status", "deferred"), [])
        self.assertEqual(len(self.inputs("--since", "2000-01-01")), 3)
        self.assertEqual(self.inputs("--since", "2999-01-01"), [])
        # an instant: the second input's time of receipt, to the nanosecond
        second = self.received_ns(2)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second // 10**9))
        ids = [r["id"] for r in self.inputs("--since", "%s.%09dZ" % (stamp, second % 10**9))]
        self.assertEqual(ids, [i for i in (1, 2, 3) if self.received_ns(i) >= second])
        self.assertIn(2, ids)
        ids = [r["id"] for r in self.inputs("--since", "%s.%09d+00:00" % (stamp, second % 10**9 + 1))]
        self.assertNotIn(2, ids)
        self.assertEqual(self.s.sluice("inputs", "--json", "--since", "2999-01-01").stdout, "[]\n")

    def test_bad_usage(self):
        for args in (["--status", "waiting"], ["--since", "yesterday"],
                     ["--since", "2026-02-30"], ["--since", "2026-11-27T25:00:00Z"],
                     ["--kind", "order"], ["extra"], ["--since"]):
            r = self.s.sluice("inputs", *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("usage: sluice inputs", r.stderr)
        self.assertIn("--since 'yesterday' is neither a date",
                      self.s.sluice("inputs", "--since", "yesterday").stderr)

    def test_claimed_files_not_yet_decided(self):
        """A file claimed (in work/) with no outcome yet, as a crash leaves
        it: listed as claimed, with no id."""
        self.s.drop("orders", "done.csv", an_order("C-1"))
        self.s.run_once()
        received = time.time_ns()
        work_name = "%020d.%s" % (received, "in flight.csv")
        with open(self.s.path("work", "orders", work_name), "w") as f:
            f.write(an_order("C-2"))
        rows = self.inputs()
        self.assertEqual([(r["id"], r["name"], r["status"]) for r in rows],
                         [(1, "done.csv", "accepted"), (None, "in flight.csv", "claimed")])
        self.assertEqual((rows[1]["received"], rows[1]["records"]), (fmt_ns(received), None))
        self.assertEqual([r["name"] for r in self.inputs("--status", "claimed")], ["in flight.csv"])
        self.assertEqual(self.inputs("--status", "claimed", "--kind", "shipments"), [])
        self.assertEqual(self.inputs("--status", "accepted", "--kind", "orders")[0]["id"], 1)
        self.assertIn("-  orders/in flight.csv  %s  claimed" % fmt_ns(received),
                      self.s.sluice("inputs").stdout)
        shown = json.loads(self.s.sluice("input", "show", "orders/in flight.csv", "--json").stdout)
        self.assertEqual((shown["id"], shown["status"], shown["file"]),
                         (None, "claimed", {"path": "work/orders/" + work_name, "present": True}))
        # once decided, it is an input like any other
        self.s.run_once()
        self.assertEqual([(r["id"], r["status"]) for r in self.inputs()],
                         [(1, "accepted"), (2, "accepted")])

    def test_a_large_ledger_is_listed_one_input_at_a_time(self):
        """100 000 inputs: the listing streams them, in bounded memory."""
        self.s.drop("orders", "seed.csv", BAD_ORDER)
        self.s.run_once()
        db = sqlite3.connect(self.s.path("ledger.db"))
        with db:
            db.executemany(
                "INSERT INTO inputs (work_name, name, kind, sha256, size, received_ns, status,"
                " records, processed_at, error_count, filed_as) VALUES (?, ?, 'orders', ?, 10, ?,"
                " 'rejected', 0, '2026-11-27T10:00:00.000Z', 1, 'rejected/x')",
                (("%020d.n%d.csv" % (i, i), "n%d.csv" % i, "0" * 64, i) for i in range(1, 100001)))
            db.execute("INSERT INTO input_errors SELECT id, 0, 1, NULL, 'empty_file', 'empty'"
                       " FROM inputs WHERE id > 1")
        db.close()
        # AddressSanitizer keeps freed memory in quarantine: a little only
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
                   ":quarantine_size_mb=8")
        proc = subprocess.Popen(self.s.command("inputs", "--json"), stdout=subprocess.PIPE,
                                env=env)
        n, peak = 0, 0
        first = proc.stdout.readline()
        self.assertEqual(first, b"[\n")
        for line in proc.stdout:
            if line.strip() != b"]":
                row = json.loads(line.rstrip(b",\n"))
                n += 1
            if n % 10000 == 0:
                with open("/proc/%d/status" % proc.pid) as f:
                    for l in f:
                        if l.startswith("VmRSS:"):
                            peak = max(peak, int(l.split()[1]))
        self.assertEqual(proc.wait(), 0)
        self.assertEqual((n, row["id"], row["first_error"]["code"]), (100001, 100001, "empty_file"))
        # sanitizers take memory of their own (shadow memory, allocation records)
        limit = 96 * 1024 if os.environ.get("SLUICE_SANITIZERS") == "yes" else 32 * 1024
        self.assertLess(peak, limit, "kB resident")


class Show(SpoolTest):
    def show(self, ref, status=0):
        r = self.s.sluice("input", "show", ref, "--json")
        self.assertEqual(r.returncode, status, r.stderr)
        return json.loads(r.stdout) if status == 0 else r

    def test_an_accepted_input(self):
        data = example("orders.csv")
        self.s.drop("orders", "o.csv", data)
        self.s.run_once()
        j = self.show("1")
        self.assertEqual((j["id"], j["kind"], j["name"], j["status"], j["records"]),
                         (1, "orders", "o.csv", "accepted", 2))
        self.assertEqual((j["sha256"], j["size"]), (sha(data), len(data)))
        self.assertTrue(j["file"]["path"].startswith("archive/"))
        self.assertTrue(j["file"]["present"])
        self.assertEqual(read(self.s.path(j["file"]["path"])), data)
        self.assertEqual(j["receipt"], {"path": "out/receipts/orders/o.csv.receipt.xml",
                                        "written": True, "present": True, "replaced_by": None})
        self.assertEqual(sorted((a["kind"], a["id"]) for a in j["applied"]),
                         [("orders", "SL-1001"), ("orders", "SL-1002")])
        self.assertEqual((j["errors"], j["actions"]), ([], []))
        self.assertEqual(self.show("orders/o.csv"), j)
        text = self.s.sluice("input", "show", "1").stdout
        for want in ("1  orders/o.csv", "  sha256     " + sha(data), "  file       archive/",
                     "  receipt    out/receipts/orders/o.csv.receipt.xml", "applied\n  orders SL-1001"):
            self.assertIn(want, text)

    def test_records_of_other_kinds_name_their_order(self):
        self.s.drop("orders", "o.csv", an_order("R-1"))
        self.s.run_once()
        self.s.drop("amendments", "a.csv", an_amendment("AM-9", "R-1"))
        self.s.run_once()
        self.assertEqual(self.show("2")["applied"], [{"kind": "amendments", "id": "AM-9",
                                                       "order": "R-1"}])
        self.assertIn("  amendments AM-9 (order R-1)", self.s.sluice("input", "show", "2").stdout)

    def test_a_rejected_input_lists_every_error(self):
        self.s.drop("orders", "bad.csv", example("orders-broken.csv"))
        self.s.run_once()
        j = self.show("orders/bad.csv")
        r = self.s.receipt("bad.csv")
        self.assertEqual([(e["line"], e["field"], e["code"]) for e in j["errors"]],
                         [(int(e["line"]), e.get("field") or None, e["code"]) for e in r["errors"]])
        self.assertTrue(j["file"]["path"].startswith("rejected/"))
        self.assertEqual(j["applied"], [])

    def test_the_newest_input_of_a_name_and_the_receipt_it_replaced(self):
        self.s.drop("orders", "o.csv", BAD_ORDER)
        self.s.run_once()
        self.s.drop("orders", "o.csv", an_order("N-1"))
        self.s.run_once()
        self.assertEqual(self.show("orders/o.csv")["id"], 2)
        old = self.show("1")
        self.assertEqual(old["receipt"]["replaced_by"], 2)
        self.assertIn("(replaced by the receipt of input 2)",
                      self.s.sluice("input", "show", "1").stdout)

    def test_a_file_that_is_gone_is_missing(self):
        self.s.drop("orders", "bad.csv", BAD_ORDER)
        self.s.run_once()
        path = self.show("1")["file"]["path"]
        os.unlink(self.s.path(path))
        self.assertEqual(self.show("1")["file"], {"path": path, "present": False})
        self.assertIn("(missing", self.s.sluice("input", "show", "1").stdout)

    def test_a_deferred_input_says_what_it_waits_for_and_when_it_expires(self):
        self.s.drop("amendments", "a.csv", amendment("AM-1", "D-1", [(2, 1, "50.00", "25")]))
        self.s.run_once()
        j = self.show("amendments/a.csv")
        self.assertEqual((j["status"], [e["code"] for e in j["errors"]], j["expires_by"]),
                         ("deferred", ["order_unknown"], "defer_expiry"))
        self.assertTrue(j["file"]["path"].startswith("work/amendments/"))
        self.assertTrue(j["file"]["present"])
        text = self.s.sluice("input", "show", "1").stdout
        self.assertIn("waits for\n  line 2, order_number: order_unknown", text)

    def test_a_payment_waits_as_long_as_its_link(self):
        """A shipment of an order that awaits payment expires with the
        order's payment link (link_ttl 1 h), before defer_expiry (48 h)."""
        self.s.close()
        self.s = Spool(link_ttl="1h")
        self.s.drop("orders", "u.csv", example("orders-unpaid.csv"))
        self.s.run_once()
        self.s.drop("shipments", "s.csv", shipment("SH-1", "SL-1007", [(1, 1)]))
        self.s.run_once()
        j = self.show("shipments/s.csv")
        link = json.loads(self.s.sluice("order", "show", "SL-1007", "--json").stdout)["links"][0]
        self.assertEqual((j["status"], j["first_error"]["code"], j["expires_by"], j["expires"]),
                         ("deferred", "payment_due", "payment_link", link["expires_at"]))
        listed = json.loads(self.s.sluice("inputs", "--json", "--status", "deferred").stdout)
        self.assertEqual([(r["id"], r["expires"]) for r in listed], [(j["id"], j["expires"])])
        # a ledger from before link expiries were kept learns it at the next try
        db = sqlite3.connect(self.s.path("ledger.db"))
        with db:
            db.execute("UPDATE inputs SET link_expires_ns = NULL")
        db.close()
        self.assertEqual(self.show(str(j["id"]))["expires"], None)
        self.assertIn("expires unknown until it is tried again",
                      self.s.sluice("inputs", "--status", "deferred").stdout)
        self.s.run_once()
        self.assertEqual(self.show(str(j["id"]))["expires"], link["expires_at"])

    def test_unknown_and_bad_references(self):
        self.s.drop("orders", "o.csv", an_order("U-1"))
        self.s.run_once()
        for ref in ("2", "99999999999999999999", "orders/none.csv", "shipments/o.csv"):
            r = self.s.sluice("input", "show", ref)
            self.assertEqual((r.returncode, r.stdout), (1, ""), ref)
            self.assertIn("no input", r.stderr)
        for args in (["show", "o.csv"], ["show", "order/o.csv"], ["show"], ["list", "1"],
                     ["show", "1", "2"]):
            r = self.s.sluice("input", *args)
            self.assertEqual(r.returncode, 2, args)

    def test_hostile_names(self):
        names = ["sp ace.csv", "new\nline.csv", "esc\x1b[31mred.csv", "bell\x07.csv",
                 "bidi\u202egnp.csv", "a" * 251 + ".csv"]
        raw = [os.fsencode(n) for n in names] + [b"bad\xff\xfeutf8.csv"]
        for n in raw:
            self.s.drop("orders", os.fsdecode(n), BAD_ORDER)
        self.s.run_once()
        listed = json.loads(self.s.sluice("inputs", "--json").stdout)
        self.assertEqual(len(listed), len(raw))
        text = self.s.sluice("inputs").stdout
        self.assertEqual(len(text.splitlines()), len(raw))
        for ch in ("\x1b", "\x07", "\u202e", "\udcff"):
            self.assertNotIn(ch, text)
        self.assertIn("new\\x0aline.csv", text)
        self.assertIn("bad\\xff\\xfeutf8.csv", text)
        for row in listed:
            r = self.s.sluice("input", "show", str(row["id"]), "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            shown = json.loads(r.stdout)      # valid UTF-8 and JSON
            self.assertEqual(shown["name"], row["name"])
            self.assertTrue(shown["file"]["present"], shown["file"])
            r = subprocess.run(self.s.command("input", "show", str(row["id"])),
                               capture_output=True)
            self.assertEqual(r.returncode, 0)
            for b in (b"\n" + b"line", b"\x1b", b"\x07", b"\xff"):
                self.assertNotIn(b, r.stdout)
        # by name, as it is
        for n in raw:
            r = subprocess.run(self.s.command("input", "show", b"orders/" + n, "--json"),
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["status"], "rejected")


class Requeue(SpoolTest):
    def test_a_rejected_input_goes_back_and_becomes_a_new_input(self):
        self.s.close()
        self.s = Spool(in_mode="2750")
        data = BAD_ORDER
        self.s.drop("orders", "o.csv", data)
        self.s.run_once()
        old = json.loads(self.s.sluice("input", "show", "1", "--json").stdout)
        r = self.s.sluice("requeue", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "requeued input 1 as in/orders/o.csv\n")
        waiting = self.s.path("in", "orders", "o.csv")
        self.assertEqual(read(waiting).decode(), data)
        # the mode of in/'s files (in_mode without x), the spool's owner's
        self.assertEqual(stat.S_IMODE(os.stat(waiting).st_mode), 0o640)
        # the rejected copy stays
        self.assertEqual(read(self.s.path(old["file"]["path"])).decode(), data)
        self.assertEqual(os.listdir(self.s.path("tmp")), [])
        shown = json.loads(self.s.sluice("input", "show", "1", "--json").stdout)
        self.assertEqual([(a["command"], a["type"], a["detail"]) for a in shown["actions"]],
                         [("sluice requeue", "input_requeued",
                           {"from": old["file"]["path"], "to": "in/orders/o.csv"})])
        self.assertIsNotNone(shown["actions"][0]["by"])
        self.assertIn("  sluice requeue  input_requeued by %s; from %s; to in/orders/o.csv\n"
                      % (shown["actions"][0]["by"], old["file"]["path"]),
                      self.s.sluice("input", "show", "1").stdout)
        # fixed at the source meanwhile: it goes through as input 2
        with open(waiting, "w") as f:
            f.write(an_order("Q-1"))
        self.s.run_once()
        new = json.loads(self.s.sluice("input", "show", "orders/o.csv", "--json").stdout)
        self.assertEqual((new["id"], new["status"]), (2, "accepted"))
        self.assertEqual(self.s.receipt("o.csv", "orders")["status"], "accepted")
        # the old outcome stays in the ledger
        again = json.loads(self.s.sluice("input", "show", "1", "--json").stdout)
        self.assertEqual((again["status"], again["receipt"]["replaced_by"]), ("rejected", 2))
        self.assertEqual(self.s.sluice("audit").returncode, 0)

    def test_requeued_as_it_was_it_is_rejected_again_with_a_new_receipt(self):
        self.s.drop("orders", "o.csv", BAD_ORDER)
        self.s.run_once()
        first = read(self.s.receipt_path("o.csv", "orders"))
        self.assertEqual(self.s.sluice("requeue", "1").returncode, 0)
        self.s.run_once()
        rows = [json.loads(self.s.sluice("input", "show", str(i), "--json").stdout) for i in (1, 2)]
        self.assertEqual([(r["id"], r["status"]) for r in rows], [(1, "rejected"), (2, "rejected")])
        now = read(self.s.receipt_path("o.csv", "orders"))
        self.assertNotEqual(now, first)
        self.assertIn(("<processed_at>%s</processed_at>" % rows[1]["processed_at"]).encode(), now)

    def test_a_waiting_file_is_never_replaced(self):
        self.s.drop("orders", "a.csv", BAD_ORDER)
        self.s.drop("orders", "b.csv", BAD_ORDER + "X-2,2026-11-26T09:00:00Z\n")
        self.s.run_once()
        self.s.drop("orders", "a.csv", "partner's new file\n")
        r = self.s.sluice("requeue", "1", "2")
        self.assertEqual(r.returncode, 1)
        self.assertIn("input 1 is not requeued: in/orders/a.csv is waiting already", r.stderr)
        self.assertEqual(read(self.s.path("in", "orders", "a.csv")), b"partner's new file\n")
        self.assertTrue(os.path.exists(self.s.path("in", "orders", "b.csv")))
        self.assertEqual(r.stdout, "requeued input 2 as in/orders/b.csv\n")
        self.assertEqual(os.listdir(self.s.path("tmp")), [])
        # the refused one is not journaled as requeued
        self.assertEqual(json.loads(self.s.sluice("input", "show", "1", "--json").stdout)["actions"], [])
        # run twice: the file is waiting
        self.assertEqual(self.s.sluice("requeue", "2").returncode, 1)

    def test_only_rejected_inputs(self):
        self.s.drop("orders", "o.csv", an_order("K-1"))
        self.s.run_once()
        self.s.drop("orders", "dup.csv", an_order("K-1"))
        self.s.drop("amendments", "w.csv", an_amendment("AM-1", "K-404"))
        self.s.run_once()
        ids = {r["status"]: r["id"] for r in json.loads(self.s.sluice("inputs", "--json").stdout)}
        self.assertEqual(sorted(ids), ["accepted", "deferred", "duplicate"])
        for input_id, said in ((ids["accepted"], "was accepted"),
                               (ids["deferred"], "sluice retry"),
                               (ids["duplicate"], "was duplicate"),
                               (9, "no input 9")):
            r = self.s.sluice("requeue", str(input_id))
            self.assertEqual(r.returncode, 1, input_id)
            self.assertIn(said, r.stderr)
        self.assertEqual(sorted(os.listdir(self.s.path("in", "orders"))), [])
        for bad in ("x", "-1", "1.5", ""):
            r = self.s.sluice("requeue", bad)
            self.assertEqual(r.returncode, 2, bad)
        self.assertEqual(self.s.sluice("requeue").returncode, 2)

    def test_a_hostile_name_is_shown_escaped_once(self):
        self.s.drop("orders", "back\\sl\x1bash.csv", BAD_ORDER)
        self.s.run_once()
        self.assertEqual(self.s.sluice("requeue", "1").returncode, 0)
        shown = self.s.sluice("input", "show", "1").stdout
        self.assertIn("; to in/orders/back\\x5csl\\x1bash.csv\n", shown)
        self.assertNotIn("\x1b", shown)
        # the name as sluice prints it finds the input too
        r = self.s.sluice("input", "show", "orders/back\\x5csl\\x1bash.csv", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["id"], 1)

    def test_a_name_in_never_reads_is_not_requeued(self):
        """A rejected input named as no file in in/ is taken (a replayed
        .tmp, or a ledger changed by hand) never lands anywhere."""
        self.s.drop("orders", "o.csv", BAD_ORDER)
        self.s.drop("orders", "p.csv", BAD_ORDER + "\n")
        self.s.run_once()
        db = sqlite3.connect(self.s.path("ledger.db"))
        with db:
            db.execute("UPDATE inputs SET name = 'o.csv.tmp' WHERE id = 1")
            db.execute("UPDATE inputs SET name = '../../escaped.csv' WHERE id = 2")
        db.close()
        for input_id in ("1", "2"):
            r = self.s.sluice("requeue", input_id)
            self.assertEqual(r.returncode, 1)
            self.assertIn("which sluice never takes from in/", r.stderr)
        self.assertEqual(os.listdir(self.s.path("in", "orders")), [])
        self.assertFalse(os.path.exists(self.s.path("escaped.csv")))

    def test_a_purged_file_cannot_be_requeued(self):
        self.s.drop("orders", "o.csv", BAD_ORDER)
        self.s.run_once()
        os.unlink(self.s.path(json.loads(self.s.sluice("input", "show", "1", "--json").stdout)
                              ["file"]["path"]))
        r = self.s.sluice("requeue", "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not there any more", r.stderr)
        self.assertEqual(os.listdir(self.s.path("in", "orders")), [])

    def test_an_entry_rejected_unread_is_not_copied(self):
        os.symlink("/etc/passwd", self.s.path("in", "orders", "link.csv"))
        self.s.run_once()
        r = self.s.sluice("requeue", "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no regular file", r.stderr)
        self.assertEqual(os.listdir(self.s.path("in", "orders")), [])

    def test_hostile_names_go_back_as_they_were(self):
        names = [b"new\nline.csv", b"bad\xff.csv", b"a" * 251 + b".csv"]
        for n in names:
            self.s.drop("orders", os.fsdecode(n), BAD_ORDER)
        self.s.run_once()
        r = subprocess.run(self.s.command("requeue", "1", "2", "3"), capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"\xff", r.stdout)
        self.assertEqual(len(r.stdout.splitlines()), 3)
        self.assertEqual(sorted(os.listdir(os.fsencode(self.s.path("in", "orders")))), sorted(names))


class Retry(unittest.TestCase):
    def setUp(self):
        # no periodic pass for a day: only a file or a signal brings one
        self.s = Spool(scan_interval="86400s", defer_expiry="2s")

    def tearDown(self):
        self.s.close()

    def status_of(self, input_id):
        r = self.s.sluice("input", "show", str(input_id), "--json")
        return json.loads(r.stdout)["status"] if r.returncode == 0 else None

    def wait_for(self, what, timeout=20):
        deadline = time.monotonic() + timeout
        while not what():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def test_the_daemon_rejects_an_expired_deferral_at_once(self):
        """A deferred input past defer_expiry is rejected at the daemon's
        next try; with no file arriving and scan_interval a day away, that
        is when sluice retry asks for it."""
        d = Daemon(self.s)
        try:
            self.s.drop("amendments", "a.csv", an_amendment("AM-1", "T-404"))
            self.assertTrue(self.wait_for(lambda: self.status_of(1) == "deferred"))
            expires = json.loads(self.s.sluice("input", "show", "1", "--json").stdout)["expires"]
            # past its expiry, the daemon has no reason to look again
            time.sleep(3)
            self.assertEqual(self.status_of(1), "deferred")
            r = self.s.sluice("retry")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("asked the daemon (pid %d)" % d.proc.pid, r.stdout)
            # the receipt is published after the verdict's commit: wait for it
            self.assertTrue(self.wait_for(
                lambda: self.s.receipt("a.csv", "amendments")["status"] == "rejected", 10),
                "".join(d.log))
            self.assertEqual(self.status_of(1), "rejected")
            rc = self.s.receipt("a.csv", "amendments")
            self.assertEqual(sorted(e["code"] for e in rc["errors"]),
                             ["deferral_expired", "order_unknown"])
            self.assertGreater(rc["processed_at"], expires)
            self.assertTrue(any("SIGUSR1" in line for line in d.log), "".join(d.log))
            self.assertIsNone(d.proc.poll())
        finally:
            self.assertEqual(d.stop(), 0)

    def test_a_file_that_arrives_decides_what_waits_for_it_without_retry(self):
        """What a deferred input waits for, arriving as a file, wakes the
        daemon, whose pass tries the deferred inputs too."""
        self.s.close()
        self.s = Spool(scan_interval="86400s")
        d = Daemon(self.s)
        try:
            self.s.drop("amendments", "a.csv", an_amendment("AM-1", "T-1"))
            self.assertTrue(self.wait_for(lambda: self.status_of(1) == "deferred"))
            self.s.drop("orders", "o.csv", an_order("T-1"))
            self.assertTrue(self.wait_for(lambda: self.status_of(1) == "accepted", 10))
        finally:
            self.assertEqual(d.stop(), 0)

    def test_no_daemon(self):
        r = self.s.sluice("retry")
        self.assertEqual(r.returncode, 1)
        self.assertIn("sluice run --once", r.stderr)
        # one that ran and stopped left its pid behind
        self.s.run_once()
        r = self.s.sluice("retry")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no daemon runs", r.stderr)

    def test_a_stale_pid_is_never_signalled(self):
        """The .lock of a daemon that died names a pid that another
        program has now: nobody holds the lock, so nothing is signalled
        (SIGUSR1 would end that program)."""
        other = subprocess.Popen(["sleep", "60"])
        try:
            with open(self.s.path(".lock"), "w") as f:
                f.write("%d\n" % other.pid)
            r = self.s.sluice("retry")
            self.assertEqual(r.returncode, 1)
            self.assertIn("pid %d, which does not hold it" % other.pid, r.stderr)
            # a process that holds the lock but is not the one named
            holder = subprocess.Popen(["flock", "-x", self.s.path(".lock"), "sleep", "60"])
            try:
                self.assertTrue(self.wait_for(lambda: subprocess.run(
                    ["flock", "-n", "-s", self.s.path(".lock"), "true"]).returncode != 0))
                r = self.s.sluice("retry")
                self.assertEqual(r.returncode, 1)
                self.assertIn("try again", r.stderr)
            finally:
                holder.kill()
                holder.wait()
            time.sleep(0.2)
            self.assertIsNone(other.poll(), "the unrelated process was signalled")
        finally:
            other.kill()
            other.wait()

    def test_other_sluices_holding_the_spool_ignore_it(self):
        """A sluice that holds the lock without being the daemon (here run
        --once, waiting out a file's quiet period) goes on when signalled."""
        self.s.close()
        self.s = Spool(quiet_period="3s")
        with open(self.s.path("in", "orders", "o.csv"), "w") as f:   # written in place
            f.write(an_order("I-1"))
        proc = subprocess.Popen(self.s.command("run", "--once"), stderr=subprocess.PIPE)
        try:
            self.assertTrue(self.wait_for(lambda: read(self.s.path(".lock")).strip() ==
                                          str(proc.pid).encode()))
            r = self.s.sluice("retry")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(proc.wait(30), 0, proc.stderr.read())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        self.assertEqual(self.s.receipt("o.csv", "orders")["status"], "accepted")

if __name__ == "__main__":
    run_tap()
