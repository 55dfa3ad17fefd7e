#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Crash and fault loop: fails sluice on purpose at the Nth call of each
operation that matters, restarts it, and checks that nothing was lost or
applied twice.

A scenario of every input kind and every output document is run once
cleanly, at a fixed clock, as the reference.  Then, for each operation
(write, fsync, rename, link, unlink, open, mkdir) and each N from 1 to the
number of its calls in the reference run, the scenario runs again in a
fresh spool with the Nth call failing (SIGKILL, EIO or ENOSPC, through the
LD_PRELOAD shim tests/fault/fault.so), then once more without faults, and
these must hold:
  - every input is in exactly one final place (archive/ or rejected/), with
    exactly one receipt, and nothing is left in in/ or work/;
  - out/ holds the reference's files, byte for byte (receipts, documents,
    number series), and no temporary file;
  - every order's `order show --json` equals the reference's;
  - `sluice audit` finds the ledger equal to its journal.

With --scenario bulk, the faulted command is instead `sluice bulk ship` over
50 confirmed orders, recovered by running the same command again (then `run
--once`); the job's ids are random, so its ids and digests are compared with
those replaced by placeholders, and these must hold:
  - every order has exactly one shipment of all its units;
  - each input of the job was filed once, accepted, with its receipt, and
    nothing is left in in/ or work/;
  - out/ and every order equal the clean run's (ids and digests aside);
  - `sluice audit` finds the ledger equal to its journal.

usage: crashloop.py SLUICE FAULT_SO [--actions crash,eio,enospc]
                    [--budget N] [--ops write,fsync,...] [--scenario files|bulk]
With --budget, at most about N fault points are tried, spread evenly over
each operation's calls; without, every point.  Prints how many it tried.
"""
import argparse
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from lifecycle_util import amendment, cancellation, order, payment, ret, shipment  # noqa: E402

T0 = 1795687200
OPS = ["write", "fsync", "rename", "link", "unlink", "open", "mkdir"]
ORDERS = ["F-1", "F-2", "F-3", "F-4"]
BULK_ORDERS = ["BK-%02d" % i for i in range(1, 51)]
BULK_SHIP = ["bulk", "ship", "--all", "--carrier", "Crash Post"]


def scenario():
    """(folder, name, text): every kind; one pass applies it in order."""
    return [
        ("orders", "a-orders.csv", order("F-1", "SEK", True, "618.00",
                                         [(1, 2, "250.00", "25", "20.00"), (2, 1, "99.00", "12")],
                                         "39.00", "25") +
         order("F-2", "EUR", False, "59.50", [(1, 2, "25.00", "19")]).split("\n", 1)[1]),
        ("orders", "b-orders.csv", order("F-3", "SEK", True, "100.00", [(1, 1, "100.00", "25")])),
        ("orders", "c-broken.csv", order("F-9", "SEK", True, "1.00", [(1, 1, "100.00", "25", "200.00")])),
        # awaiting payment: a link at once, its shipment waits for it
        ("orders", "d-unpaid.csv", order("F-4", "SEK", True, "0.00", [(1, 1, "80.00", "25")])),
        # a voucher, paid at checkout: its shipment is invoiced at once, and
        # the cancelled line's money refunded when the order completes
        ("orders", "e-paid.csv", order("F-5", "SEK", True, "270.00",
                                       [(1, 2, "100.00", "25"), (2, 1, "100.00", "12")],
                                       voucher_code="V10", voucher_value="30.00",
                                       captured_amount="270.00", capture_reference="SW-F5")),
        ("amendments", "a-amend.csv", amendment("AM-F1", "F-1", [(3, 1, "120.00", "25")])),
        ("cancellations", "a-cancel.csv", cancellation("CX-F3", "F-3", whole=True)),
        ("cancellations", "b-cancel.csv", cancellation("CX-F5", "F-5", [(2, 1)])),
        ("shipments", "a-ship.csv", shipment("SH-F1", "F-1", [(1, 2), (2, 1)])),
        ("shipments", "b-ship.csv", shipment("SH-F2", "F-2", [(1, 2)])),
        ("shipments", "c-shipped.csv", shipment("SH-F1", "F-1", [(1, 2), (2, 1)], shipped=True)),
        ("shipments", "d-ship.csv", shipment("SH-F4", "F-4", [(1, 1)])),
        ("shipments", "e-ship.csv", shipment("SH-F5", "F-5", [(1, 2)], shipped=True)),
        ("payments", "a-capture.csv", payment("EV-F1", "F-1", "capture", "618.00", "SEK", "CAP-SH-F1")),
        ("payments", "b-link.csv", payment("EV-F2", "F-1", "authorization", "120.00", "SEK", "LINK-F-1-1")),
        ("payments", "c-capture.csv", payment("EV-F3", "F-2", "capture", "59.50", "EUR", "CAP-SH-F2")),
        ("payments", "d-link.csv", payment("EV-F4", "F-4", "authorization", "80.00", "SEK", "LINK-F-4-1")),
        # the spent link paid again: released at once
        ("payments", "e-dead.csv", payment("EV-F5", "F-1", "authorization", "120.00", "SEK", "LINK-F-1-1")),
        ("returns", "a-return.csv", ret("RT-F1", "F-1", "SH-F1", [(1, 1)], refund_shipping=True, fee="5.00")),
        ("invoices", "a-invoice.xml", """<?xml version="1.0" encoding="UTF-8"?>
<invoices xmlns="urn:sluice:1"><invoice><invoice_id>FT-F1</invoice_id><currency>SEK</currency>
<email>ap@example.com</email><name>Brightside AB</name><billing_address1>Kungsgatan 4</billing_address1>
<billing_zip>11143</billing_zip><billing_city>Stockholm</billing_city><billing_country>SE</billing_country>
<line><description>Workshop</description><quantity>1</quantity><unit_price>4500.00</unit_price>
<vat_rate>25</vat_rate></line></invoice></invoices>
"""),
    ]


class Run:
    def __init__(self, sluice, shim, root):
        self.sluice, self.shim, self.root = sluice, shim, root
        os.makedirs(root, exist_ok=True)
        self.spool = os.path.join(root, "spool")
        self.config = os.path.join(root, "sluice.conf")
        with open(self.config, "w") as f:
            f.write("quiet_period = 0\nlink_secret_file = %s\n" % os.path.join(root, "link.secret"))
        with open(os.path.join(root, "link.secret"), "w") as f:
            f.write("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n")

    def env(self, fault=None, count=None):
        env = dict(os.environ, SLUICE_CLOCK=str(T0))
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
        env["LD_PRELOAD"] = self.shim
        env.pop("SLUICE_FAULT", None)
        if fault:
            env["SLUICE_FAULT"] = fault
        if count:
            env["SLUICE_FAULT_COUNT"] = count
        return env

    def cmd(self, *args, fault=None, count=None, check=True):
        r = subprocess.run([self.sluice, "-q", "--spool", self.spool, "--config", self.config] + list(args),
                           capture_output=True, text=True, env=self.env(fault, count), timeout=300)
        if check and r.returncode != 0:
            raise AssertionError("sluice %s exited %d: %s" % (" ".join(args), r.returncode, r.stderr))
        return r

    def prepare(self):
        self.cmd("init")
        for folder, name, text in scenario():
            with open(os.path.join(self.spool, "in", folder, "." + name), "w") as f:
                f.write(text)
            os.rename(os.path.join(self.spool, "in", folder, "." + name),
                      os.path.join(self.spool, "in", folder, name))

    def prepare_bulk(self):
        """50 confirmed orders, applied without faults."""
        self.cmd("init")
        for n in BULK_ORDERS:
            with open(os.path.join(self.spool, "in", "orders", n + ".csv"), "w") as f:
                f.write(order(n, "SEK", True, "300.00", [(1, 2, "100.00", "25"),
                                                         (2, 1, "100.00", "25")]))
        self.cmd("run", "--once")

    def orders(self, numbers=ORDERS):
        out = {}
        for n in numbers:
            r = self.cmd("order", "show", n, "--json", check=False)
            out[n] = json.loads(r.stdout) if r.returncode == 0 else None
        return out


def snapshot_out(spool):
    files = {}
    for dirpath, _, names in os.walk(os.path.join(spool, "out")):
        for n in names:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                files[os.path.relpath(p, spool)] = f.read()
    return files


def check(run, reference):
    """Returns a list of broken invariants (empty when all hold)."""
    problems = []
    names = [name for _, name, _ in scenario()]
    placed = {}
    for where in ("archive", "rejected"):
        for dirpath, _, files in os.walk(os.path.join(run.spool, where)):
            for f in files:
                placed.setdefault(f, []).append(where)
    for name in names:
        if len(placed.get(name, [])) != 1:
            problems.append("%s filed %s" % (name, placed.get(name, [])))
    for folder in ("in", "work"):
        for dirpath, _, files in os.walk(os.path.join(run.spool, folder)):
            if files:
                problems.append("left in %s: %s" % (os.path.relpath(dirpath, run.spool), files))
    out = snapshot_out(run.spool)
    if sorted(out) != sorted(reference["out"]):
        problems.append("out/ differs: extra %s, missing %s" % (
            sorted(set(out) - set(reference["out"])), sorted(set(reference["out"]) - set(out))))
    for p in set(out) & set(reference["out"]):
        if out[p] != reference["out"][p]:
            problems.append("%s differs from the clean run's" % p)
    if run.orders() != reference["orders"]:
        problems.append("the ledger differs from the clean run's")
    audit = run.cmd("audit", check=False)
    if audit.returncode != 0:
        problems.append("the ledger differs from its journal: " + audit.stdout.strip())
    return problems


# a job's id, in its inputs' names and records' ids; a SHA-256
JOB_ID = re.compile(rb"(?<![A-Za-z0-9])[a-km-np-z2-9]{8}(?=-(BK-|[0-9]{7}))")
DIGEST = re.compile(rb"[0-9a-f]{64}")


def normal(data):
    return DIGEST.sub(b"SHA", JOB_ID.sub(b"JOB", data))


def bulk_snapshot(run):
    out = {normal(p.encode()): (normal(d) if not p.endswith(".pdf") else b"pdf")
           for p, d in snapshot_out(run.spool).items()}
    orders = normal(json.dumps(run.orders(BULK_ORDERS), sort_keys=True).encode())
    return {"out": out, "orders": orders}


def check_bulk(run, reference):
    """As check(), for the bulk scenario."""
    problems = []
    for folder in ("in", "work", "rejected"):
        for dirpath, _, files in os.walk(os.path.join(run.spool, folder)):
            if files:
                problems.append("left in %s: %s" % (os.path.relpath(dirpath, run.spool), files))
    filed = {}
    for dirpath, _, files in os.walk(os.path.join(run.spool, "archive")):
        for f in files:
            if f.startswith("bulk-"):
                filed[f] = filed.get(f, 0) + 1
                if not os.path.exists(os.path.join(run.spool, "out", "receipts", "shipments",
                                                   f + ".receipt.xml")):
                    problems.append("%s has no receipt" % f)
    if sorted(filed.values()) != [1] * len(BULK_ORDERS):
        problems.append("the job's inputs were filed %s" % sorted(filed.items()))
    for n, o in run.orders(BULK_ORDERS).items():
        if o is None or len(o["shipments"]) != 1 or \
                any(l["shipped"] != l["quantity"] for l in o["lines"]):
            problems.append("order %s: %s" % (n, o and o["shipments"]))
    now = bulk_snapshot(run)
    if sorted(now["out"]) != sorted(reference["out"]):
        problems.append("out/ differs: extra %s, missing %s" % (
            sorted(set(now["out"]) - set(reference["out"])),
            sorted(set(reference["out"]) - set(now["out"]))))
    for p in set(now["out"]) & set(reference["out"]):
        if now["out"][p] != reference["out"][p]:
            problems.append("%s differs from the clean run's" % p.decode())
    if now["orders"] != reference["orders"]:
        problems.append("the ledger differs from the clean run's")
    audit = run.cmd("audit", check=False)
    if audit.returncode != 0:
        problems.append("the ledger differs from its journal: " + audit.stdout.strip())
    return problems


def bulk_point(a, work, template, point, action, reference):
    """One fault point of the bulk scenario: its problems."""
    root = os.path.join(work, "p")
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(template, root)
    run = Run(a.sluice, a.shim, root)
    r = run.cmd(*BULK_SHIP, fault=point, check=False)
    if action == "crash" and r.returncode not in (0, 1, 70, -9, 137):
        return ["exited %d under %s: %s" % (r.returncode, point, r.stderr[-300:])]
    rec = run.cmd(*BULK_SHIP, check=False)
    if rec.returncode != 0:
        return ["the second run exited %d: %s" % (rec.returncode, rec.stderr[-300:])]
    run.cmd("run", "--once")
    return check_bulk(run, reference)


def main_bulk(a, work):
    template = os.path.join(work, "template")
    Run(a.sluice, a.shim, template).prepare_bulk()
    shutil.copytree(template, os.path.join(work, "reference"))
    ref = Run(a.sluice, a.shim, os.path.join(work, "reference"))
    counts_file = os.path.join(work, "counts")
    ref.cmd(*BULK_SHIP, count=counts_file)
    counts = dict(line.split() for line in open(counts_file))
    reference = bulk_snapshot(ref)
    problems = check_bulk(ref, reference)
    if problems:
        print("the clean run itself breaks: %s" % problems)
        return 1
    return loop(a, counts, lambda point, action: bulk_point(a, work, template, point, action,
                                                           reference))


def file_point(a, work, point, action, reference):
    """One fault point of the files scenario: its problems."""
    root = os.path.join(work, "p")
    shutil.rmtree(root, ignore_errors=True)
    run = Run(a.sluice, a.shim, root)
    run.prepare()
    r = run.cmd("run", "--once", fault=point, check=False)
    if action == "crash" and r.returncode not in (0, -9, 137):
        return ["exited %d under %s: %s" % (r.returncode, point, r.stderr[-300:])]
    rec = run.cmd("run", "--once", check=False)
    return check(run, reference) if rec.returncode == 0 else \
        ["recovery exited %d: %s" % (rec.returncode, rec.stderr[-300:])]


def loop(a, counts, try_point):
    """Tries the fault points (try_point(point, action): its problems);
    prints and returns the exit status."""
    ops = [o for o in a.ops.split(",") if int(counts.get(o, 0)) > 0]
    total_points = sum(int(counts[o]) for o in ops)
    print("# clean run: %s" % ", ".join("%s %s" % (o, counts.get(o, 0)) for o in OPS))
    tried = failures = 0
    for action in a.actions.split(","):
        for op in ops:
            n = int(counts[op])
            step = 1
            if a.budget:
                share = max(1, a.budget * n // total_points // len(a.actions.split(",")))
                step = max(1, n // share)
            for k in range(1, n + 1, step):
                point = "%s:%d:%s" % (op, k, action)
                problems = try_point(point, action)
                tried += 1
                if problems:
                    failures += 1
                    print("not ok %s: %s" % (point, "; ".join(problems)))
                    sys.stdout.flush()
    print("# tried %d fault points (%s) of %d calls; %d broke an invariant" % (
        tried, a.actions, total_points, failures))
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("shim")
    ap.add_argument("--actions", default="crash")
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--budget", type=int, default=0)
    ap.add_argument("--scenario", choices=("files", "bulk"), default="files")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="sluice-crash.")
    try:
        if a.scenario == "bulk":
            return main_bulk(a, work)
        ref = Run(a.sluice, a.shim, os.path.join(work, "reference"))
        ref.prepare()
        counts_file = os.path.join(work, "counts")
        ref.cmd("run", "--once", count=counts_file)
        counts = dict(line.split() for line in open(counts_file))
        reference = {"out": snapshot_out(ref.spool), "orders": ref.orders()}
        problems = check(ref, reference)
        if problems:
            print("the clean run itself breaks: %s" % problems)
            return 1
        return loop(a, counts, lambda point, action: file_point(a, work, point, action,
                                                               reference))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
