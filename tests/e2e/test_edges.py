# SPDX-License-Identifier: ISC
"""The spool's edges: an entry that cannot be claimed (a name near the
file system's limit, a folder sluice may not move, a file it may not
rename) stops nothing else; receipts of the same name in two kinds, or of
an input decided after a newer one of its name, never replace each other,
and an older spool's flat receipts move into the per-kind folders; an input
that its sender can still write (a hard link, another owner) is archived as
the bytes that were applied; and the spool's private files are nobody
else's to read."""
import fcntl
import os
import re
import signal
import sqlite3
import stat
import subprocess
import threading
import unittest

from harness import NOBODY, Spool, SpoolTest, chown_tree, read, receipt_file, run_tap, sha
from lifecycle_util import an_amendment, an_order, shipment

SHIM = os.environ.get("SLUICE_FAULT_SHIM", "")
OTHER = 65533


def received_ns(path):
    """The time of receipt that a filed input's folder names."""
    return int(os.path.basename(os.path.dirname(path)).rsplit("-", 1)[1])


class Unclaimable(SpoolTest):
    """One entry that cannot be claimed as usual never stops the others."""

    def test_names_up_to_the_file_systems_limit_are_processed(self):
        names = ["注" * 80 + ".csv",            # 244 bytes: too long for the work name's prefix
                 "注" * 83 + "a.csv",           # 254 bytes
                 "a" * 251 + ".csv",            # 255 bytes, the limit
                 "a" * 230 + "b" * 21 + ".csv",  # the same first 230 bytes
                 "a" * 231 + ".csv"]            # 235 bytes
        for i, n in enumerate(names):
            self.s.drop("orders", n, an_order("LONG-%d" % i))
        self.s.drop("orders", "zz-after.csv", an_order("AFTER-1"))
        self.s.drop("shipments", "ship.csv", shipment("SH-1", "AFTER-1", [(1, 1)]))
        self.s.run_once()
        for i, n in enumerate(names):
            r = self.s.receipt(n, "orders")
            self.assertEqual((r["status"], r["file"]), ("accepted", n))
            self.assertEqual(len(self.s.filed("archive", n)), 1, n)
            self.assertIsNotNone(self.s.order("LONG-%d" % i))
        self.assertEqual(self.s.receipt("zz-after.csv")["status"], "accepted")
        self.assertEqual(self.s.receipt("ship.csv")["status"], "accepted")
        receipts = os.listdir(self.s.path("out", "receipts", "orders"))
        self.assertEqual(len(receipts), len(names) + 1)
        self.assertTrue(all(len(os.fsencode(f)) <= 255 for f in receipts))
        # the short receipt names say which name they stand for
        self.assertIn("a" * 226 + "~", receipt_file(names[3]))
        self.assertEqual(os.listdir(self.s.path("in", "orders")), [])
        self.assertEqual(os.listdir(self.s.path("work", "orders")), [])

    def test_a_long_name_waits_claimed_like_any_other(self):
        """A long name deferred, then decided on a later run: its claim
        survives between runs and is filed away whole."""
        name = "a" * 240 + ".csv"
        self.s.drop("amendments", name, an_amendment("AM-L", "LATE-1"))
        self.s.run_once()
        self.assertEqual(self.s.receipt(name)["status"], "deferred")
        self.s.drop("orders", "late.csv", an_order("LATE-1"))
        self.s.run_once()
        self.assertEqual(self.s.receipt(name)["status"], "accepted")
        self.assertEqual(len(self.s.filed("archive", name)), 1)
        self.assertEqual(os.listdir(self.s.path("work", "amendments")), [])
        self.assertEqual(self.s.status()["backlog"]["amendments"], {"waiting": 0, "claimed": 0})

    def test_a_long_name_is_submitted(self):
        name = "s" * 251 + ".csv"
        path = os.path.join(self.s.dir, name)
        with open(path, "w") as f:
            f.write(an_order("SUB-1"))
        r = self.s.sluice("submit", "orders", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.s.run_once()
        self.assertEqual(self.s.receipt(name)["status"], "accepted")

    def test_a_long_name_is_replayed(self):
        name = "ü" * 120 + ".csv"
        self.s.drop("orders", name, an_order("RE-1"))
        self.s.run_once()
        with Spool() as other:
            r = other.sluice("replay", self.s.path("archive"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(other.receipt(name)["status"], "accepted")
            self.assertIsNotNone(other.order("RE-1"))

    def owned_by_nobody(self):
        chown_tree(self.s.dir, NOBODY)

    def test_a_folder_sluice_may_not_move_is_left_and_the_rest_goes_on(self):
        """Moving a folder to another parent needs write permission on the
        folder itself; one owned by another user, mode 555, cannot be
        claimed by the daemon's user."""
        self.s.drop("orders", "a-first.csv", an_order("F-1"))
        self.s.drop("orders", "z-last.csv", an_order("F-2"))
        self.s.drop("shipments", "ship.csv", shipment("SH-1", "F-2", [(1, 1)]))
        self.owned_by_nobody()
        locked = self.s.path("in", "orders", "m-locked.csv")
        os.mkdir(locked)
        os.chown(locked, OTHER, OTHER)
        os.chmod(locked, 0o555)
        r = self.s.sluice("run", "--once", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        for n in ("a-first.csv", "z-last.csv", "ship.csv"):
            self.assertEqual(self.s.receipt(n)["status"], "accepted", n)
        self.assertTrue(os.path.isdir(locked))
        self.assertEqual(len(re.findall("m-locked.csv", r.stderr)), 1, r.stderr)
        self.assertIn("cannot be taken", r.stderr)
        self.assertEqual(self.s.status()["backlog"]["orders"]["waiting"], 1)

    def test_a_file_sluice_may_not_rename_is_left_and_the_rest_goes_on(self):
        """In a sticky folder that sluice does not own, it may not move
        another user's file (EPERM)."""
        self.owned_by_nobody()
        folder = self.s.path("in", "orders")
        os.chown(folder, OTHER, NOBODY)
        os.chmod(folder, 0o1770)
        self.s.drop("orders", "theirs.csv", an_order("T-1"))
        os.chown(os.path.join(folder, "theirs.csv"), OTHER, OTHER)
        self.s.drop("orders", "ours.csv", an_order("T-2"))
        os.chown(os.path.join(folder, "ours.csv"), NOBODY, NOBODY)
        r = self.s.sluice("run", "--once", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.receipt("ours.csv")["status"], "accepted")
        self.assertEqual(os.listdir(folder), ["theirs.csv"])
        self.assertIn("theirs.csv", r.stderr)

    def test_the_daemon_reports_an_entry_it_cannot_take_once(self):
        self.owned_by_nobody()
        locked = self.s.path("in", "orders", "locked.csv")
        os.mkdir(locked)
        os.chown(locked, OTHER, OTHER)
        os.chmod(locked, 0o555)
        proc = subprocess.Popen(
            self.s.command("run", user=NOBODY),
            stderr=subprocess.PIPE, text=True)
        log, cond = [], threading.Condition()

        def reader():
            for line in proc.stderr:
                with cond:
                    log.append(line)
                    cond.notify_all()
        threading.Thread(target=reader, daemon=True).start()

        def wait_for(text):
            with cond:
                if not cond.wait_for(lambda: any(re.search(text, l) for l in log), 30):
                    raise AssertionError("no %r in %s" % (text, "".join(log)))
        try:
            wait_for("watching")
            for i in range(3):
                # a file dropped after the rescan was asked for is taken by
                # it, or by a later pass: either way a pass saw locked.csv
                proc.send_signal(signal.SIGHUP)
                self.s.drop("orders", "n%d.csv" % i, an_order("N-%d" % i), owner=NOBODY)
                wait_for(r"orders/n%d\.csv: input \d+ accepted" % i)
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(30), 0)
        self.assertEqual(sum("locked.csv" in l for l in log), 1, "".join(log))
        self.assertTrue(os.path.isdir(locked))

    def test_a_file_held_by_a_lease_waits_alone(self):
        """A write lease makes opening the file fail with EWOULDBLOCK until
        its holder lets go (or the kernel breaks it): that file waits,
        claimed, and the others are applied."""
        for n in ("a.csv", "b.csv", "c.csv"):
            self.s.drop("orders", n, an_order("L-" + n[0]))
        before = signal.signal(signal.SIGIO, signal.SIG_IGN)
        fd = os.open(self.s.path("in", "orders", "b.csv"), os.O_RDONLY)
        try:
            try:
                fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
            except OSError as e:
                self.skipTest("no leases on this file system: %s" % e)
            r = self.s.sluice("run", "--once")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("orders/b.csv is held by another program", r.stderr)
            self.assertEqual(self.s.receipt("a.csv")["status"], "accepted")
            self.assertEqual(self.s.receipt("c.csv")["status"], "accepted")
            self.assertEqual(len(self.s.receipt_files()), 2)
        finally:
            os.close(fd)
            signal.signal(signal.SIGIO, before)
        self.s.run_once()
        self.assertEqual(self.s.receipt("b.csv")["status"], "accepted")
        self.assertEqual(os.listdir(self.s.path("work", "orders")), [])

    def test_a_failure_of_the_machine_still_stops_the_claim(self):
        """EIO on the claim's rename is the disk's, not the file's: nothing
        is taken, run --once exits 70, and the next run takes it."""
        self.s.drop("orders", "io.csv", an_order("IO-1"))
        env = {"LD_PRELOAD": SHIM, "SLUICE_FAULT": "rename:1:eio",
               "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
        r = self.s.sluice("run", "--once", env=env)
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertEqual(os.listdir(self.s.path("in", "orders")), ["io.csv"])
        self.s.run_once()
        self.assertEqual(self.s.receipt("io.csv")["status"], "accepted")


class Receipts(SpoolTest):
    def test_the_same_name_in_two_kinds_keeps_both_receipts(self):
        self.s.drop("orders", "export.csv", an_order("E-1"))
        self.s.drop("shipments", "export.csv", shipment("SH-E1", "E-1", [(1, 1)]))
        self.s.run_once()
        self.assertEqual(self.s.receipt("export.csv", "orders")["kind"], "orders")
        self.assertEqual(self.s.receipt("export.csv", "shipments")["kind"], "shipments")

    def test_a_late_decision_never_replaces_a_newer_inputs_receipt(self):
        older, newer = an_amendment("AM-1", "X-1"), an_amendment("AM-2", "Y-1")
        self.s.drop("orders", "y.csv", an_order("Y-1"))
        self.s.drop("amendments", "p.csv", older)
        self.s.run_once()
        self.assertEqual(self.s.receipt("p.csv")["status"], "deferred")
        self.s.drop("amendments", "p.csv", newer)
        self.s.run_once()
        self.s.drop("orders", "x.csv", an_order("X-1"))
        self.s.run_once()
        main = self.s.receipt("p.csv", "amendments")
        self.assertEqual((main["status"], main["sha256"]), ("accepted", sha(newer.encode())))
        archived = {read(p): p for p in self.s.filed("archive", "p.csv")}
        ns = received_ns(archived[older.encode()])
        late = self.s.receipt("p.csv", "amendments", received_ns=ns)
        self.assertEqual((late["status"], late["sha256"]), ("accepted", sha(older.encode())))
        self.assertRegex(receipt_file("p.csv", ns), r"^p\.csv\.\d{8}T\d{6}\.\d{9}Z\.receipt\.xml$")
        self.assertEqual(len(os.listdir(self.s.path("out", "receipts", "amendments"))), 2)

    def test_a_late_decision_of_a_long_name_gets_a_short_receipt_name(self):
        name = "b" * 230 + ".csv"
        older, newer = an_amendment("AM-1", "X-1"), an_amendment("AM-2", "Y-1")
        self.s.drop("orders", "y.csv", an_order("Y-1"))
        self.s.drop("amendments", name, older)
        self.s.run_once()
        self.s.drop("amendments", name, newer)
        self.s.drop("orders", "x.csv", an_order("X-1"))
        self.s.run_once()
        archived = {read(p): p for p in self.s.filed("archive", name)}
        late = self.s.receipt(name, "amendments", received_ns=received_ns(archived[older.encode()]))
        self.assertEqual((late["file"], late["sha256"]), (name, sha(older.encode())))
        self.assertEqual(self.s.receipt(name, "amendments")["sha256"], sha(newer.encode()))

    def flatten(self):
        """Turns the spool into one of the earlier layout: every receipt in
        out/receipts/ itself, the ledger's outbox naming those paths."""
        db = sqlite3.connect(self.s.path("ledger.db"))
        rows = db.execute("SELECT id, path FROM outbox WHERE doc = 'receipt' ORDER BY id").fetchall()
        for rid, path in rows:
            flat = "out/receipts/" + os.path.basename(path)
            if os.path.exists(self.s.path(path)):
                os.replace(self.s.path(path), self.s.path(flat))
            db.execute("UPDATE outbox SET path = ? WHERE id = ?", (flat, rid))
        db.commit()
        db.close()
        for k in os.listdir(self.s.path("out", "receipts")):
            if os.path.isdir(self.s.path("out", "receipts", k)):
                os.rmdir(self.s.path("out", "receipts", k))

    def test_an_earlier_spools_receipts_move_into_kind_folders(self):
        self.s.drop("orders", "a.csv", an_order("U-1"))
        self.s.drop("orders", "export.csv", an_order("U-2"))
        self.s.drop("shipments", "export.csv", shipment("SH-U2", "U-2", [(1, 1)]))
        self.s.drop("shipments", "s.csv", shipment("SH-U1", "U-1", [(1, 1)]))
        self.s.run_once()
        self.flatten()
        # the earlier layout kept one receipt of a name: the last written
        self.assertEqual(sorted(os.listdir(self.s.path("out", "receipts"))),
                         ["a.csv.receipt.xml", "export.csv.receipt.xml", "s.csv.receipt.xml"])
        # and one receipt was still to be written when it stopped
        db = sqlite3.connect(self.s.path("ledger.db"))
        db.execute("UPDATE outbox SET published = 0 WHERE path = 'out/receipts/s.csv.receipt.xml'")
        db.commit()
        db.close()
        os.unlink(self.s.path("out", "receipts", "s.csv.receipt.xml"))
        # a crash in the middle of the move, then init again, then run
        env = {"LD_PRELOAD": SHIM, "SLUICE_FAULT": "rename:2:crash",
               "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
        r = self.s.sluice("init", env=env)
        self.assertEqual(r.returncode, -9, r.stderr)
        self.s.sluice("init", check=True)
        self.s.sluice("init", check=True)
        self.s.run_once()
        self.assertEqual(sorted(f for f in os.listdir(self.s.path("out", "receipts"))
                                if not os.path.isdir(self.s.path("out", "receipts", f))), [])
        self.assertEqual(self.s.receipt("a.csv", "orders")["kind"], "orders")
        self.assertEqual(self.s.receipt("export.csv", "shipments")["kind"], "shipments")
        self.assertEqual(self.s.receipt("s.csv", "shipments")["status"], "accepted")
        self.assertEqual(self.s.sluice("status").returncode, 0)

    def test_run_moves_flat_receipts_without_init(self):
        self.s.drop("orders", "a.csv", an_order("U-1"))
        self.s.run_once()
        self.flatten()
        self.s.drop("orders", "b.csv", an_order("U-3"))
        self.s.run_once()
        self.assertEqual(self.s.receipt("a.csv", "orders")["status"], "accepted")
        self.assertEqual(self.s.receipt("b.csv", "orders")["status"], "accepted")
        self.assertFalse(os.path.exists(self.s.path("out", "receipts", "a.csv.receipt.xml")))


class Private(SpoolTest):
    """What was applied is what is archived, whatever the sender does with
    its file afterwards."""

    def check_archived(self, name, applied):
        [archived] = self.s.filed("archive", name)
        st = os.stat(archived)
        self.assertEqual(read(archived), applied)
        self.assertEqual(self.s.receipt(name)["sha256"], sha(applied))
        self.assertEqual((st.st_nlink, st.st_uid), (1, os.geteuid()))

    def test_a_hard_linked_input_is_archived_as_applied(self):
        data = an_order("H-1").encode()
        theirs = os.path.join(self.s.dir, "sender-copy.csv")
        with open(theirs, "wb") as f:
            f.write(data)
        os.link(theirs, self.s.path("in", "orders", "h.csv"))
        self.s.run_once()
        with open(theirs, "r+b") as f:   # the sender rewrites its own link
            f.write(an_order("H-9").encode())
        self.check_archived("h.csv", data)
        self.assertTrue(os.path.exists(theirs))

    def test_another_users_input_is_archived_as_applied(self):
        data = an_order("O-1").encode()
        self.s.drop("orders", "o.csv", data)
        path = self.s.path("in", "orders", "o.csv")
        os.chown(path, NOBODY, NOBODY)
        handle = open(path, "r+b")   # the sender keeps it open
        try:
            self.s.run_once()
            handle.write(an_order("O-9").encode())
            handle.flush()
        finally:
            handle.close()
        self.check_archived("o.csv", data)

    def test_a_crash_while_copying_loses_nothing(self):
        """The private copy is made by write, fsync and rename like every
        other file: a crash at any of them ends with the input applied
        once and archived as it was applied."""
        data = an_order("C-1").encode()

        def spool():
            s = Spool()
            theirs = os.path.join(s.dir, "sender-copy.csv")
            with open(theirs, "wb") as f:
                f.write(data)
            os.link(theirs, s.path("in", "orders", "c.csv"))
            return s, theirs

        s, _ = spool()
        count = os.path.join(s.dir, "count")
        env = {"LD_PRELOAD": SHIM, "SLUICE_FAULT_COUNT": count,
               "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
        try:
            s.sluice("run", "--once", env=env, check=True)
            counts = dict(line.split() for line in open(count))
        finally:
            s.close()
        for op in ("rename", "fsync", "write"):
            for n in range(1, int(counts[op]) + 1):
                s, theirs = spool()
                try:
                    r = s.sluice("run", "--once", env=dict(env, SLUICE_FAULT="%s:%d:crash" % (op, n)))
                    self.assertIn(r.returncode, (0, -9), r.stderr)
                    with open(theirs, "r+b") as f:
                        f.write(an_order("C-9").encode())
                    s.run_once()
                    [archived] = s.filed("archive", "c.csv")
                    applied = read(archived)
                    self.assertEqual(s.receipt("c.csv")["sha256"], sha(applied), (op, n))
                    self.assertIn(applied, (data, an_order("C-9").encode()), (op, n))
                    self.assertEqual(os.stat(archived).st_nlink, 1, (op, n))
                    self.assertEqual(os.listdir(s.path("tmp")), [], (op, n))
                    self.assertEqual(s.status()["inputs"]["accepted"], 1, (op, n))
                finally:
                    s.close()


class Permissions(unittest.TestCase):
    def mode(self, *parts):
        return stat.S_IMODE(os.stat(self.s.path(*parts)).st_mode)

    def tearDown(self):
        self.s.close()

    def test_the_daemons_own_files_are_nobody_elses(self):
        self.s = Spool()
        self.s.drop("orders", "a.csv", an_order("P-1"))
        self.s.drop("orders", "b.txt", "not an input")
        self.s.run_once()
        for f in ("ledger.db", "ledger.db-wal", "ledger.db-shm", ".lock"):
            if os.path.exists(self.s.path(f)):
                self.assertEqual(self.mode(f) & 0o027, 0, f)
        self.assertEqual(self.mode("link.secret"), 0o600)
        for d in ("work", "work/orders", "archive", "rejected", "tmp", "templates"):
            self.assertEqual(self.mode(d), 0o750, d)
        for where in ("archive", "rejected", "templates"):
            for dirpath, dirs, files in os.walk(self.s.path(where)):
                for n in dirs + files:
                    self.assertEqual(stat.S_IMODE(os.stat(os.path.join(dirpath, n)).st_mode)
                                     & 0o027, 0, os.path.join(dirpath, n))
        for k in ("orders", "payments", "invoices"):
            self.assertEqual(self.mode("in", k), 0o2770, k)
        self.assertEqual(self.mode("in"), 0o2750)
        for d in ("out", "out/invoices", "out/receipts", "out/receipts/orders"):
            self.assertEqual(self.mode(d), 0o750, d)
        self.assertEqual(os.stat(self.s.receipt_path("a.csv")).st_mode & 0o7777, 0o640)

    def test_configured_modes_of_in_and_out(self):
        self.s = Spool(in_mode="0770", out_mode="0755")
        self.s.drop("orders", "a.csv", an_order("P-1"))
        self.s.run_once()
        self.assertEqual(self.mode("in", "orders"), 0o770)
        self.assertEqual(self.mode("out", "receipts", "orders"), 0o755)
        self.assertEqual(os.stat(self.s.receipt_path("a.csv")).st_mode & 0o7777, 0o644)
        self.assertEqual(self.mode("archive"), 0o750)

    def test_bad_modes_are_refused(self):
        self.s = Spool(in_mode="03770", out_mode="000710")
        r = self.s.sluice("check-config", check=True)
        self.assertIn("in_mode = 3770\n", r.stdout)
        self.assertIn("out_mode = 0710\n", r.stdout)
        # what partners reach is never writable by others, nor setuid
        for key, value in (("in_mode", "999"), ("out_mode", "0640"), ("in_mode", "rwx"),
                           ("out_mode", "17777"), ("out_mode", "7777"), ("out_mode", "0752"),
                           ("in_mode", "2777"), ("in_mode", "4770"), ("out_mode", "1750")):
            with open(self.s.config, "a") as f:
                f.write("%s = %s\n" % (key, value))
            r = self.s.sluice("check-config")
            self.assertEqual(r.returncode, 78, (key, value))
            self.assertIn(key, r.stderr)
            with open(self.s.config) as f:
                lines = f.readlines()[:-1]
            with open(self.s.config, "w") as f:
                f.writelines(lines)

    def test_an_existing_spool_keeps_its_shared_folders_and_loses_others_access(self):
        """init on a spool made before the modes existed: in/ and out/ keep
        the modes partners may depend on; the private parts lose every
        permission of other users."""
        self.s = Spool()
        self.s.drop("orders", "a.csv", an_order("P-1"))
        self.s.run_once()
        shared = ["in", "in/orders", "out", "out/receipts", "out/receipts/orders"]
        private = ["work", "work/orders", "archive", "rejected", "tmp"]
        for d in shared + private:
            os.chmod(self.s.path(d), 0o775)
        for f in ("ledger.db", self.s.receipt_path("a.csv")):
            os.chmod(self.s.path(f), 0o664)
        self.s.sluice("init", check=True)
        for d in shared:
            self.assertEqual(self.mode(d), 0o775, d)
        for d in private:
            self.assertEqual(self.mode(d), 0o750, d)
        self.assertEqual(self.mode("ledger.db"), 0o640)
        self.assertEqual(os.stat(self.s.receipt_path("a.csv")).st_mode & 0o7777, 0o664)


if __name__ == "__main__":
    run_tap()
