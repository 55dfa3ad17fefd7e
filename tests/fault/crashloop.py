#!/usr/bin/env python3
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

usage: crashloop.py SLUICE FAULT_SO [--actions crash,eio,enospc]
                    [--budget N] [--ops write,fsync,...]
With --budget, at most about N fault points are tried, spread evenly over
each operation's calls; without, every point.  Prints how many it tried.
"""
import argparse
import filecmp
import json
import os
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
        ("amendments", "a-amend.csv", amendment("AM-F1", "F-1", [(3, 1, "120.00", "25")])),
        ("cancellations", "a-cancel.csv", cancellation("CX-F3", "F-3", whole=True)),
        ("shipments", "a-ship.csv", shipment("SH-F1", "F-1", [(1, 2), (2, 1)])),
        ("shipments", "b-ship.csv", shipment("SH-F2", "F-2", [(1, 2)])),
        ("shipments", "c-shipped.csv", shipment("SH-F1", "F-1", [(1, 2), (2, 1)], shipped=True)),
        ("shipments", "d-ship.csv", shipment("SH-F4", "F-4", [(1, 1)])),
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

    def orders(self):
        out = {}
        for n in ORDERS:
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("shim")
    ap.add_argument("--actions", default="crash")
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--budget", type=int, default=0)
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="sluice-crash.")
    try:
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
        ops = [o for o in a.ops.split(",") if int(counts.get(o, 0)) > 0]
        total_points = sum(int(counts[o]) for o in ops)
        print("# clean run: %s" % ", ".join("%s %s" % (o, counts[o]) for o in OPS))
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
                    root = os.path.join(work, "p")
                    shutil.rmtree(root, ignore_errors=True)
                    run = Run(a.sluice, a.shim, root)
                    run.prepare()
                    r = run.cmd("run", "--once", fault=point, check=False)
                    if action == "crash" and r.returncode not in (0, -9, 137):
                        problems = ["exited %d under %s: %s" % (r.returncode, point, r.stderr[-300:])]
                    else:
                        rec = run.cmd("run", "--once", check=False)
                        problems = check(run, reference) if rec.returncode == 0 else \
                            ["recovery exited %d: %s" % (rec.returncode, rec.stderr[-300:])]
                    tried += 1
                    if problems:
                        failures += 1
                        print("not ok %s: %s" % (point, "; ".join(problems)))
        print("# tried %d fault points (%s) of %d calls; %d broke an invariant" % (
            tried, a.actions, total_points, failures))
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
