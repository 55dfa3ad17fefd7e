#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Differential runs of two sluice binaries (an OLD and a NEW one).

  tests/diff/difftool.py --old BIN --new BIN [--parts abc] [--seeds N] [--start S]
              [--min-steps A] [--max-steps B] [--work DIR] [--keep DIR]

Every scenario runs twice in the same folder (WORK/run), once per binary, so
that paths are equal; the clock is fixed with SLUICE_CLOCK and the link secret
is the golden one (tests/golden/link.secret, via link_secret_file), so outputs
are comparable byte for byte.  Compared: exit code, stdout and stderr of every
command, and after every step a snapshot of the spool: the ledger's dump
(sqlite3 .dump), every file under out/, archive/, rejected/ (bytes and mode),
and the names in in/, work/, tmp/.

(a) random stories of tests/model: generated against OLD (the generator reads
    the model and OLD's out/), recorded, then replayed step for step on NEW;
(b) spool/examples and the fuzz corpora, as inputs of their kinds: all at once,
    then one per run --once;
(c) every command (help, bad options and operands, -n, check-config, status,
    order show, audit, replay, link, submit, check, schema, order archive) on
    the spool left by some stories of (a).
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "model"))
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
os.environ.setdefault("SLUICE_SRCDIR", SRC)

from model import Model        # noqa: E402
from run_stories import write_recipe  # noqa: E402
from stories import Generator, T0  # noqa: E402

KINDS = ["orders", "amendments", "cancellations", "shipments", "payments", "returns", "invoices"]
SECRET = os.path.join(SRC, "tests", "golden", "link.secret")
NOISE = ("LSAN_OPTIONS", "ASAN_OPTIONS", "JOURNAL_STREAM", "NOTIFY_SOCKET", "SLUICE_CONFIG",
         "SLUICE_CLOCK", "WATCHDOG_USEC", "WATCHDOG_PID")


class Runner:
    """Runs one binary in WORK/run and records what it does."""

    def __init__(self, binary, work, config=None):
        self.bin = binary
        self.dir = os.path.join(work, "run")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.root = os.path.join(self.dir, "spool")
        self.conf = os.path.join(self.dir, "sluice.conf")
        settings = {"quiet_period": "0", "link_secret_file": SECRET}
        settings.update(config or {})
        with open(self.conf, "w") as f:
            for k, v in settings.items():
                f.write("%s = %s\n" % (k, v))
        self.log = []      # (label, args, rc, stdout, stderr)
        self.snaps = []    # (label, {name: bytes})
        self.clock = T0
        self.ticks = False   # normalise the fixed clock's ticks and pids (the daemon)

    def raw(self, args, clock=None, stdin=None, spool=True, label=None, cwd=None, timeout=None):
        # argv[0] is "sluice" for both (getopt's messages name it)
        argv = ["sluice"] + (["--spool", self.root, "--config", self.conf] if spool else []) + list(args)
        env = {k: v for k, v in os.environ.items() if k not in NOISE}
        env["SLUICE_CLOCK"] = str(clock if clock is not None else self.clock)
        # a command that runs on (the daemon) gets SIGTERM after `timeout`
        # seconds; its exit code is then recorded as "TERM:rc"
        if timeout is None:
            timeout = 8 if "run" in args and "--once" not in args else 300
        p = subprocess.Popen(argv, executable=self.bin, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             cwd=cwd or self.dir)
        try:
            out, err = p.communicate(stdin, timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            p.terminate()
            try:
                out, err = p.communicate(timeout=30)
                rc = "TERM:%s" % p.returncode
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
                rc = "KILL:%s" % p.returncode
        out, err = normalise(out), normalise(err)
        if self.ticks:
            out, err = ticks(out), ticks(err)
        self.log.append((label or " ".join(args), list(args), rc, out, err))
        return rc, out, err

    def drop(self, kind, name, data, root=None):
        d = os.path.join(root or self.root, "in", kind)
        tmp = os.path.join(d, ".difftool.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(d, name))

    def snap(self, label, root=None):
        snap = snapshot(root or self.root)
        if self.ticks:
            snap = {ticks(k.encode()).decode(): ticks(v) for k, v in snap.items()}
        self.snaps.append((label, snap))

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def normalise(b):
    """The free space of the disk (status) is the only volatile output."""
    b = re.sub(rb"disk( +)[0-9]+ MiB free", rb"disk\1N MiB free", b)
    return re.sub(rb'"free_bytes": [0-9]+', rb'"free_bytes": N', b)


def ticks(b):
    """SLUICE_CLOCK stops the clock but moves it on by 1 ns a reading: how
    many readings the daemon makes depends on its wake-ups (inotify events,
    timeouts), so under the daemon the nanoseconds (and pids) vary from run
    to run of the same binary."""
    b = re.sub(rb"(1[0-9]{9})[0-9]{9}", rb"\1.NS", b)
    b = re.sub(rb"(T[0-9]{6}\.)[0-9]{9}Z", rb"\1NSZ", b)
    return re.sub(rb"\(pid [0-9]+\)", rb"(pid N)", b)


def snapshot(root):
    out = {}
    db = os.path.join(root, "ledger.db")
    if os.path.exists(db):
        r = subprocess.run(["sqlite3", "-readonly", db, ".dump"], capture_output=True)
        out["ledger.dump"] = r.stdout + r.stderr
    for top in ("out", "archive", "rejected", "in", "work", "tmp", "templates"):
        base = os.path.join(root, top)
        for d, dirs, files in os.walk(base):
            dirs.sort()
            rel = os.path.relpath(d, root)
            st = os.lstat(d)
            out["%s/ (dir %o)" % (rel, stat.S_IMODE(st.st_mode))] = b""
            for f in sorted(files):
                p = os.path.join(d, f)
                st = os.lstat(p)
                key = "%s (%o)" % (os.path.join(rel, f), st.st_mode)
                if top in ("in", "work", "tmp") or not stat.S_ISREG(st.st_mode):
                    out[key] = b""
                else:
                    with open(p, "rb") as fh:
                        out[key] = fh.read()
    for f in ("link.secret", ".lock"):
        p = os.path.join(root, f)
        if os.path.lexists(p):
            out["%s (%o)" % (f, os.lstat(p).st_mode)] = b""
    return out


# ---------------------------------------------------------------- comparing

def first_diff(a, b):
    a, b = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "line %d:\n      old: %r\n      new: %r" % (i + 1, x[:400], y[:400])
    return "line %d: old has %d lines, new %d (old %r / new %r)" % (
        min(len(a), len(b)) + 1, len(a), len(b),
        a[len(b)][:300] if len(a) > len(b) else None, b[len(a)][:300] if len(b) > len(a) else None)


def compare(name, old, new):
    """Differences between two Runners' records, as text lines."""
    diffs = []
    if len(old.log) != len(new.log):
        diffs.append("%s: %d commands old, %d new" % (name, len(old.log), len(new.log)))
    for o, n in zip(old.log, new.log):
        label = o[0]
        if o[1] != n[1]:
            diffs.append("%s: command differs: %r / %r" % (name, o[1], n[1]))
            break
        if o[2] != n[2]:
            diffs.append("%s: `%s`: exit old %s, new %s\n    old stderr: %r\n    new stderr: %r" % (
                name, label, o[2], n[2], o[4][-600:], n[4][-600:]))
        for what, x, y in (("stdout", o[3], n[3]), ("stderr", o[4], n[4])):
            if x != y:
                diffs.append("%s: `%s`: %s differs, %s" % (name, label, what, first_diff(x, y)))
    for (lo, so), (ln, sn) in zip(old.snaps, new.snaps):
        if so != sn:
            for k in sorted(set(so) | set(sn)):
                if k not in sn:
                    diffs.append("%s: after %s: only old has %s" % (name, lo, k))
                elif k not in so:
                    diffs.append("%s: after %s: only new has %s" % (name, lo, k))
                elif so[k] != sn[k]:
                    diffs.append("%s: after %s: %s differs, %s" % (name, lo, k, first_diff(so[k], sn[k])))
            break      # the first step that differs is enough
    return diffs


# ---------------------------------------------------------------- (a) stories

def story_generate(r, seed, nsteps):
    """Runs a new story on r (the OLD binary), recording its steps."""
    gen = Generator(seed)
    gen.root = r.root
    model = Model(gen.config)
    steps = []
    r.raw(["init"], label="init")
    r.snap("init")
    for _ in range(nsteps):
        step = gen.next_step(model)
        steps.append(step)
        play_step(r, step)
        for cmd, number in step.commands:
            model.archive(number)
        decided = model.run(step.inputs, step.clock)
        byname = {(i.kind, i.name): i for st in steps for i in st.inputs}
        for key, out in decided.items():
            inp = byname[key]
            if out.status in ("accepted", "duplicate") and inp not in gen.sent:
                gen.sent.append(inp)
    return gen, steps


def play_step(r, step):
    r.clock = step.clock
    for cmd, number in step.commands:
        r.raw(["order", cmd, number], label="step %d: order %s %s" % (step.n, cmd, number))
    for inp in step.inputs:
        r.drop(inp.kind, inp.name, inp.data)
    r.raw(["run", "--once"], label="step %d: run --once" % step.n)
    r.snap("step %d (%s)" % (step.n, "; ".join(step.what)[:200]))


def story_replay(r, steps):
    r.raw(["init"], label="init")
    r.snap("init")
    for step in steps:
        play_step(r, step)


# ---------------------------------------------------------------- (c) commands

def command_suite(r, saved):
    """Every command on a copy of a spool left by a story (saved: its folder)."""
    shutil.rmtree(r.dir)
    shutil.copytree(saved, r.dir, symlinks=True)
    r.clock += 3600
    root = r.root
    orders = sorted(set(l.split("|")[0] for l in subprocess.run(
        ["sqlite3", "-readonly", os.path.join(root, "ledger.db"), "SELECT number FROM orders ORDER BY 1"],
        capture_output=True, text=True).stdout.split("\n") if l))
    tokens = []
    for d, _, files in os.walk(os.path.join(root, "out", "links")):
        for f in sorted(files):
            if f.endswith(".xml"):
                with open(os.path.join(d, f), "rb") as fh:
                    t = fh.read()
                i = t.find(b"<token>")
                if i >= 0:
                    tokens.append(t[i + 7:t.find(b"</token>", i)].decode())
    archived = []
    for d, _, files in os.walk(os.path.join(root, "archive")):
        archived += sorted(os.path.join(d, f) for f in files)
    rejected = []
    for d, _, files in os.walk(os.path.join(root, "rejected")):
        rejected += sorted(os.path.join(d, f) for f in files)
    archived.sort()
    rejected.sort()
    cmds = ["init", "run", "check", "submit", "replay", "order", "link", "audit", "status", "schema",
            "check-config"]
    # help and bad options, with and without a spool
    for spool in (False, True):
        for a in ([], ["--help"], ["-h"], ["--version"], ["-n"], ["--bogus"], ["-x"], ["bogus"],
                  ["--spool"], ["--config"], ["--ledger"], ["-v"], ["-q"], ["-v", "-q", "status"],
                  ["--config", "/nonexistent/x.conf", "status"], ["--help", "status"],
                  ["-n", "status"], ["status", "-n"]):
            r.raw(a, spool=spool)
        for c in cmds:
            for a in (["--help"], ["-h"], ["--bogus"], ["--help", "x"], ["x", "--help"], ["--"],
                      ["-"], [""]):
                r.raw([c] + a, spool=spool)
    r.raw(["status"], spool=False, cwd="/")
    # a bad configuration, -n and check-config
    bad = os.path.join(r.dir, "bad.conf")
    with open(bad, "w") as f:
        f.write("quiet_period = x\nbatch_files = 0\nnope = 1\ninvoice_on = sometimes\n"
                "capture_on = never\nsynchronous = maybe\nlog_level = loud\nin_mode = 9999\n"
                "max_errors = -1\nlink_url = \ndefault_order_status = frozen\n")
    for a in (["-n"], ["check-config"], ["status"], ["run", "--once"], ["audit"]):
        r.raw(["--config", bad] + a, spool=False)
    for c in ("invoice_on = shipment", "capture_on = shipped", "capture_on = manual",
              "synchronous = normal", "log_level = debug", "default_order_status = pending",
              "batch_files = 1", "quiet_period = 5m", "scan_interval = 1h", "in_mode = 0770",
              "max_errors = 1", "invoice_prefix = F-", "link_url = http://x/{token}/{token}",
              "link_url = http://x/", "synchronous = off", "log_level = error", "spool = /nonexistent"):
        p = os.path.join(r.dir, "one.conf")
        with open(p, "w") as f:
            f.write(c + "\n")
        r.raw(["--config", p, "-n"], spool=False, label="-n with %s" % c)
        r.raw(["--config", p, "check-config"], spool=False, label="check-config with %s" % c)
    r.raw(["-n"])
    r.raw(["check-config"])
    r.raw(["check-config", "extra"])
    # looking
    for a in (["status"], ["status", "--json"], ["status", "--json", "x"], ["status", "--xml"],
              ["audit"], ["audit", "x"], ["-v", "audit"], ["-q", "status"]):
        r.raw(a)
    for n in orders:
        r.raw(["order", "show", n])
        r.raw(["order", "show", n, "--json"])
        r.raw(["order", "show", "--json", n])
    for a in (["order"], ["order", "show"], ["order", "show", "NOPE-1"], ["order", "show", "NOPE-1", "--json"],
              ["order", "show", "a", "b"], ["order", "show", "--bogus", "x"], ["order", "bogus", "x"],
              ["order", "archive"], ["order", "archive", "NOPE"], ["order", "show", ""],
              ["order", "show", "bad id!"], ["order", "show", "x" * 300]):
        r.raw(a)
    for t in tokens:
        r.raw(["link", "verify", t])
        r.raw(["link", "verify", t[:-1] + ("A" if t[-1] != "A" else "B")])
        r.raw(["link", "verify", t + "x"])
    for a in (["link"], ["link", "verify"], ["link", "verify", ""], ["link", "verify", "abc"],
              ["link", "verify", "a.b"], ["link", "verify", "a", "b"], ["link", "bogus", "x"],
              ["link", "verify", "--json", "x"]):
        r.raw(a)
    for k in KINDS + ["bogus", "receipt", "", "ORDERS", "order"]:
        r.raw(["schema", k], spool=False)
    r.raw(["schema"])
    r.raw(["schema", "orders", "x"])
    # check, each archived and rejected file
    for p in archived[:60] + rejected[:60]:
        r.raw(["check", p], label="check " + os.path.relpath(p, root))
    kinds_of = {}
    for p in archived[:40]:
        k = next((k for k in KINDS if ("/" + k + "/") in p or ("." + k + ".") in p), None)
        kinds_of[p] = k
        r.raw(["check", "--kind", "orders", p], label="check --kind orders " + os.path.relpath(p, root))
    for a in (["check"], ["check", "/nonexistent"], ["check", "--kind", "bogus", SECRET],
              ["check", "--kind"], ["check", "--kind", "orders"], ["check", root],
              ["check", "--kind", "orders", "/dev/null"], ["check", SECRET]):
        r.raw(a)
    if archived:
        r.raw(["check"] + archived[:10], label="check 10 files")
    for ex in sorted(os.listdir(os.path.join(SRC, "spool", "examples"))):
        p = os.path.join(SRC, "spool", "examples", ex)
        r.raw(["check", p], label="check example " + ex)
        for k in KINDS:
            r.raw(["check", "--kind", k, p], label="check --kind %s example %s" % (k, ex))
    # submit
    ex = os.path.join(SRC, "spool", "examples")
    for a in (["submit"], ["submit", "orders"], ["submit", "bogus", os.path.join(ex, "orders.csv")],
              ["submit", "orders", "/nonexistent"], ["submit", "orders", root],
              ["submit", "orders", os.path.join(ex, "orders.csv"), os.path.join(ex, "orders.xml")],
              ["submit", "orders", os.path.join(ex, "orders.csv")],
              ["submit", "shipments", os.path.join(ex, "shipments.csv")],
              ["submit", "order", os.path.join(ex, "orders.csv")]):
        r.raw(a)
    r.snap("after submit")
    r.raw(["run", "--once"], label="run --once after submit")
    r.raw(["run", "--once", "x"])
    r.raw(["run", "--bogus"])
    r.snap("after run of submitted")
    # order archive
    for n in orders:
        r.raw(["order", "archive", n])
    r.raw(["order", "archive"] + orders[:3] + ["NOPE"], label="order archive 3 + NOPE")
    r.snap("after order archive")
    # replay into the same spool: everything is a duplicate
    r.raw(["replay", os.path.join(root, "archive")], label="replay archive into itself")
    r.snap("after replay into itself")
    for a in (["replay"], ["replay", "/nonexistent"], ["replay", "--kind", "bogus", ex],
              ["replay", "--kind"], ["replay", "--kind", "orders", os.path.join(ex, "orders.csv")],
              ["replay", ex], ["replay", "--kind", "shipments", ex]):
        r.raw(a)
    r.snap("after replays of examples")
    # replay into a new spool
    new = os.path.join(r.dir, "spool2")
    r.raw(["--spool", new, "--config", r.conf, "init"], spool=False, label="init spool2")
    r.raw(["--spool", new, "--config", r.conf, "replay", os.path.join(root, "archive"),
           os.path.join(root, "rejected")], spool=False, label="replay into spool2")
    r.raw(["--spool", new, "--config", r.conf, "audit"], spool=False, label="audit spool2")
    r.raw(["--spool", new, "--config", r.conf, "status", "--json"], spool=False, label="status spool2")
    r.snap("spool2", root=new)
    # init again, audit, status at the end
    r.raw(["init"], label="init again")
    r.raw(["audit"], label="final audit")
    r.raw(["status", "--json"], label="final status")
    r.snap("end")


# ---------------------------------------------------------------- (b) corpora

def corpus_inputs():
    """(kind, name, bytes) of the examples and fuzz corpora."""
    out = []
    ex = os.path.join(SRC, "spool", "examples")
    for f in sorted(os.listdir(ex)):
        stem = f.split(".")[0].split("-")[0]
        kind = stem if stem in KINDS else "orders"
        with open(os.path.join(ex, f), "rb") as fh:
            out.append((kind, "ex-" + f, fh.read()))
    for sub, ext in (("corpus/csv", "csv"), ("corpus/xml", "xml"), ("regressions", None)):
        d = os.path.join(SRC, "tests", "fuzz", sub)
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), "rb") as fh:
                data = fh.read()
            if not data:
                continue
            e = ext or ("xml" if "xml" in f else "csv")
            out.append((KINDS[data[0] % 7], "%s-%s.%s" % (sub.replace("/", "-"), f[:16], e), data[1:]))
    return out


def corpus_all_at_once(r, inputs):
    r.raw(["init"], label="init")
    for kind, name, data in inputs:
        r.drop(kind, name, data)
    r.raw(["run", "--once"], label="run --once (all corpora)")
    r.snap("all corpora")
    r.raw(["status", "--json"])
    r.raw(["audit"])


def corpus_one_by_one(r, inputs):
    r.raw(["init"], label="init")
    for i, (kind, name, data) in enumerate(inputs):
        r.clock = T0 + 60 * i
        r.raw(["check", "--kind", kind, "-"], label="check -", stdin=data)
        p = os.path.join(r.dir, name)
        with open(p, "wb") as f:
            f.write(data)
        r.raw(["check", "--kind", kind, p], label="check " + name)
        os.unlink(p)
        r.drop(kind, name, data)
        r.raw(["run", "--once"], label="run --once %s/%s" % (kind, name))
        if i % 25 == 24:
            r.snap("after %s" % name)
    r.snap("end")
    r.raw(["audit"])


# ---------------------------------------------------------------- (d) the daemon

def daemon_scenario(r):
    """sluice run (the daemon): files dropped one at a time while it
    watches, SIGHUP, a file written in place, a second run on the locked
    spool, then SIGTERM.  Each step waits until the spool is quiet, so the
    log is in one order."""
    import signal
    r.ticks = True
    r.raw(["init"], label="init")
    env = {k: v for k, v in os.environ.items() if k not in NOISE}
    env["SLUICE_CLOCK"] = str(r.clock)
    argv = ["sluice", "--spool", r.root, "--config", r.conf, "run"]
    errf = open(os.path.join(r.dir, "daemon.err"), "w+b")
    p = subprocess.Popen(argv, executable=r.bin, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=errf, env=env, cwd=r.dir)

    def settle(want_receipts):
        for _ in range(400):
            n = sum(len(f) for _, _, f in os.walk(os.path.join(r.root, "out", "receipts")))
            busy = any(f for k in KINDS for f in os.listdir(os.path.join(r.root, "in", k))
                       if not f.startswith("."))
            if n >= want_receipts and not busy:
                time.sleep(0.5)
                return n
            time.sleep(0.05)
        return -1

    ex = os.path.join(SRC, "spool", "examples")
    got = settle(0)
    steps = [("orders", "orders.csv"), ("orders", "orders.xml"), ("orders", "orders-broken.csv"),
             ("amendments", "amendments.csv"), ("shipments", "shipments.csv"),
             ("payments", "payments.xml"), ("shipments", "shipments-shipped.xml"),
             ("returns", "returns.csv"), ("cancellations", "cancellations.xml"),
             ("orders", "orders.csv")]
    want = 0
    for i, (kind, f) in enumerate(steps):
        with open(os.path.join(ex, f), "rb") as fh:
            data = fh.read()
        name = "%02d-%s" % (i, f)
        if i == 4:
            # written in place (no rename): taken once quiet
            with open(os.path.join(r.root, "in", kind, name), "wb") as fh:
                fh.write(data)
        else:
            r.drop(kind, name, data)
        want += 1
        got = settle(want)
        r.snap("daemon after %s" % name)
        if i == 5:
            p.send_signal(signal.SIGHUP)
            time.sleep(0.5)
        if i == 6:
            r.raw(["run", "--once"], label="run --once beside the daemon")
            r.raw(["replay", ex], label="replay beside the daemon")
    # a file dropped while it is not watching the kind's folder is found by the rescan
    p.send_signal(signal.SIGTERM)
    try:
        out, _ = p.communicate(timeout=60)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        rc = "KILL"
    errf.seek(0)
    err = errf.read()
    errf.close()
    r.log.append(("daemon", ["run"], rc, ticks(normalise(out)), ticks(normalise(err))))
    r.snap("daemon stopped")
    r.raw(["status", "--json"], label="status after the daemon")
    r.raw(["audit"], label="audit after the daemon")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--parts", default="abc")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--start", type=int, default=1)
    ap.add_argument("--min-steps", type=int, default=3)
    ap.add_argument("--max-steps", type=int, default=80)
    ap.add_argument("--suite-every", type=int, default=10, help="(c) on every Nth story")
    ap.add_argument("--daemon-runs", type=int, default=2, help="(d) how often")
    ap.add_argument("--work", default=None, help="a folder to work in (default: a new temporary one)")
    ap.add_argument("--keep", default=None, help="where differing stories' recipes go")
    args = ap.parse_args()
    old, new = os.path.abspath(args.old), os.path.abspath(args.new)
    args.work = args.work or tempfile.mkdtemp(prefix="sluice-diff.")
    keep = args.keep or os.path.join(args.work, "failures")
    os.makedirs(args.work, exist_ok=True)
    total, failed, counts = 0, [], {"commands": 0, "snapshots": 0, "steps": 0}

    def report(name, ro, rn):
        counts["commands"] += len(ro.log)
        counts["snapshots"] += len(ro.snaps)
        d = compare(name, ro, rn)
        if d:
            failed.append(name)
            print("DIFF %s" % name)
            for x in d[:40]:
                print("  " + x)
            sys.stdout.flush()
        return d

    if "a" in args.parts or "c" in args.parts:
        for seed in range(args.start, args.start + args.seeds):
            nsteps = random.Random(seed * 31 + 7).randint(args.min_steps, args.max_steps)
            cfg = Generator(seed).config
            ro = Runner(old, args.work, cfg)
            gen, steps = story_generate(ro, seed, nsteps)
            saved = os.path.join(args.work, "saved-old")
            shutil.rmtree(saved, ignore_errors=True)
            shutil.copytree(ro.dir, saved, symlinks=True)
            rn = Runner(new, args.work, cfg)
            story_replay(rn, steps)
            saved_new = os.path.join(args.work, "saved-new")
            shutil.rmtree(saved_new, ignore_errors=True)
            shutil.copytree(rn.dir, saved_new, symlinks=True)
            counts["steps"] += len(steps)
            total += 1
            if "a" in args.parts and report("story %d (%d steps, config %s)" % (seed, nsteps, cfg), ro, rn):
                write_recipe(os.path.join(keep, "seed-%d" % seed), seed, steps,
                             dict(cfg, link_secret_file=SECRET), init_clock=T0)
            if "c" in args.parts and (seed - args.start) % args.suite_every == 0:
                so = Runner(old, args.work, cfg)
                so.clock = steps[-1].clock if steps else T0
                command_suite(so, saved)
                sn = Runner(new, args.work, cfg)
                sn.clock = so.clock - 3600
                command_suite(sn, saved)     # the OLD spool, so both start equal
                total += 1
                report("commands on story %d" % seed, so, sn)
                so.close()
                sn.close()
            ro.close()
            rn.close()
    if "b" in args.parts:
        inputs = corpus_inputs()
        for name, fn in (("corpora at once", corpus_all_at_once), ("corpora one by one", corpus_one_by_one)):
            ro = Runner(old, args.work)
            fn(ro, inputs)
            rn = Runner(new, args.work)
            fn(rn, inputs)
            total += 1
            report("%s (%d inputs)" % (name, len(inputs)), ro, rn)
            ro.close()
            rn.close()
    if "d" in args.parts:
        for i in range(args.daemon_runs):
            ro = Runner(old, args.work)
            daemon_scenario(ro)
            rn = Runner(new, args.work)
            daemon_scenario(rn)
            total += 1
            report("daemon run %d" % (i + 1), ro, rn)
            ro.close()
            rn.close()
    print("%d scenarios, %d story steps, %d commands per binary, %d snapshots compared; %d differ%s"
          % (total, counts["steps"], counts["commands"], counts["snapshots"], len(failed),
             (": " + "; ".join(failed)) if failed else ""))
    if failed:
        print("the differing stories' recipes are in %s" % keep)
    elif args.keep is None:
        shutil.rmtree(args.work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
