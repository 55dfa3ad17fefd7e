# SPDX-License-Identifier: ISC
"""A daemon that runs as its own user, and operators in its group.

The spool is made by its owner (a uid with no passwd entry); a user of
the owner's group reads it (status, order show, audit) whether the
daemon runs or not; a user outside the group, and writing commands by
anyone but the owner, are refused, naming the owner; root runs every
command as the owner, so that nothing in the spool ends up root's; the
journal names who asked for an operator action.  Needs root (to be the
other users); skipped otherwise."""
import contextlib
import json
import os
import pwd
import re
import signal
import subprocess
import tempfile
import time
import unittest

from harness import SLUICE, Spool, run_tap
from lifecycle_util import an_order, cancellation, order, payment, shipment
from test_daemon import Daemon, Receipts

OWNER = 4242     # the daemon's user; its group is the spool's
READER = 4243    # an operator in the owner's group
OUTSIDER = 4244  # a user outside it

AS_ROOT = os.geteuid() == 0


def as_uid(uid, groups=()):
    """The prefix that runs a program as uid (gid uid) with groups."""
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid] + \
        (["--groups=" + ",".join(str(g) for g in groups)] if groups else ["--clear-groups"])


def login_of(uid):
    """The name sluice gives the user who ran it without sudo: the login
    of the session, else uid's passwd name, else #uid."""
    try:
        return os.getlogin()
    except OSError:
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return "#%d" % uid


def not_owned_by(top, uid):
    """The paths under top (itself included) that uid does not own."""
    found = [top] if os.lstat(top).st_uid != uid else []
    for d, dirs, files in os.walk(top):
        found += [os.path.join(d, n) for n in dirs + files
                  if os.lstat(os.path.join(d, n)).st_uid != uid]
    return found


def tree(top):
    """Every path under top with its owner, mode, size and mtime."""
    out = {}
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            st = os.lstat(os.path.join(d, n))
            out[os.path.join(d, n)] = (st.st_uid, st.st_mode, st.st_size, st.st_mtime_ns)
    return out


class OwnedSpool(Spool):
    """A spool that OWNER made with sluice init, in a folder that every
    user may pass through (not read)."""

    def __init__(self, **config):
        self.dir = tempfile.mkdtemp(prefix="sluice-e2e.")
        os.chmod(self.dir, 0o711)
        os.chown(self.dir, OWNER, OWNER)
        self.root = os.path.join(self.dir, "spool")
        self.config = os.path.join(self.dir, "sluice.conf")
        with open(self.config, "w") as f:
            f.write("quiet_period = 0\n")
            for k, v in config.items():
                f.write("%s = %s\n" % (k, v))
        os.chmod(self.config, 0o644)
        r = self.run_as(OWNER, "init")
        assert r.returncode == 0, r.stderr

    def run_as(self, uid, *args, groups=(), env=None):
        """sluice args as uid (None: the test's own user, root)."""
        cmd = (as_uid(uid, groups) if uid is not None else []) + \
            [SLUICE, "--spool", self.root, "--config", self.config] + list(args)
        # SUDO_USER only where a test sets it (not the suite's own sudo)
        env = dict({k: v for k, v in os.environ.items() if k != "SUDO_USER"}, **(env or {}))
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)

    def read_as_reader(self, *args):
        return self.run_as(READER, *args, groups=(OWNER,))

    def drop_owned(self, kind, name, data):
        self.drop(kind, name, data, owner=OWNER)


def owners_daemon(s):
    """sluice run started as OWNER in the background."""
    return Daemon(s, prefix=as_uid(OWNER))


@unittest.skipUnless(AS_ROOT, "needs root to run sluice as other users")
class Users(unittest.TestCase):
    def setUp(self):
        self.s = OwnedSpool()

    def tearDown(self):
        self.s.close()

    def assert_reads(self, accepted):
        """READER sees the spool as it is."""
        r = self.s.read_as_reader("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["inputs"]["accepted"], accepted)
        r = self.s.read_as_reader("audit")
        self.assertEqual(r.returncode, 0, r.stderr)
        if accepted:
            r = self.s.read_as_reader("order", "show", "U-1", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["order_number"], "U-1")
        r = self.s.read_as_reader("order", "show", "U-404")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no order U-404", r.stderr)
        r = self.s.read_as_reader("inputs", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([i["status"] for i in json.loads(r.stdout)], ["accepted"] * accepted)
        if accepted:
            r = self.s.read_as_reader("input", "show", "1", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["status"], "accepted")
        r = self.s.read_as_reader("bulk", "export", "--all", "--output", "-")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([o["order_number"] for o in json.loads(r.stdout)], ["U-1"] * accepted)
        r = self.s.read_as_reader("metrics")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('sluice_inputs_total{kind="orders",outcome="accepted"} %d\n' % accepted,
                      r.stdout)

    def test_the_group_reads_right_after_init(self):
        self.assert_reads(0)
        for suffix in ("", "-wal", "-shm"):
            st = os.stat(self.s.path("ledger.db" + suffix))
            self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o777), (OWNER, OWNER, 0o640),
                             suffix)

    @contextlib.contextmanager
    def processed_by_the_daemon(self, name, number, stop=signal.SIGTERM):
        """Starts the owner's daemon, drops an order and waits for its
        receipt; the daemon is stopped with stop when the block ends."""
        receipts = Receipts(self.s)
        d = owners_daemon(self.s)
        try:
            self.s.drop_owned("orders", name, an_order(number))
            receipts.wait(name)
            yield
        finally:
            receipts.close()
            rc = d.stop(stop)
        if stop == signal.SIGTERM:
            self.assertEqual(rc, 0, "".join(d.log))

    def test_the_group_reads_with_the_daemon_running_and_stopped(self):
        with self.processed_by_the_daemon("u1.csv", "U-1"):
            self.assert_reads(1)
        self.assert_reads(1)
        self.assertEqual(not_owned_by(self.s.root, OWNER), [])

    def test_the_group_reads_after_the_daemon_was_killed(self):
        with self.processed_by_the_daemon("u1.csv", "U-1", stop=signal.SIGKILL):
            pass
        self.assert_reads(1)

    def test_a_user_outside_the_group_is_refused(self):
        for args in (["status"], ["order", "show", "U-1"], ["audit"], ["link", "verify", "v1.a.b"]):
            r = self.s.run_as(OUTSIDER, *args)
            self.assertEqual(r.returncode, 77, args)
            self.assertIn("the spool %s belongs to #4242: user #4244 may not read %s"
                          % (self.s.root, self.s.root), r.stderr)
        r = self.s.run_as(OUTSIDER, "run", "--once")
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn("the spool %s belongs to #4242: run this as #4242" % self.s.root, r.stderr)

    def test_writing_commands_by_another_user_are_refused_naming_the_owner(self):
        self.s.drop_owned("orders", "u1.csv", an_order("U-1"))
        before = tree(self.s.root)
        for args in (["run", "--once"], ["run"], ["init"], ["replay", self.s.path("archive")],
                     ["order", "archive", "U-1"], ["requeue", "1"], ["retry"],
                     ["purge", "--older-than", "1", "--rejected"]):
            r = self.s.read_as_reader(*args)
            self.assertEqual(r.returncode, 77, (args, r.stderr))
            self.assertIn("the spool %s belongs to #4242: run this as #4242 "
                          "(sudo -u '#4242' sluice ...)" % self.s.root, r.stderr)
        self.assertEqual(tree(self.s.root), before)
        # what the group may do still works
        r = self.s.read_as_reader("order", "show", "U-1")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no order U-1", r.stderr)

    def test_submit_is_for_whoever_may_write_in(self):
        """submit writes only into in/KIND/, the partners' folder: the
        group may (in_mode 2770); the file is then the daemon's to take."""
        src = os.path.join(self.s.dir, "src.csv")
        with open(src, "w") as f:
            f.write(an_order("U-1"))
        os.chmod(src, 0o644)
        r = self.s.read_as_reader("submit", "orders", src)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.stat(self.s.path("in", "orders", "src.csv")).st_uid, READER)
        r = self.s.run_as(OWNER, "run", "--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.receipt("src.csv")["status"], "accepted")

    def test_root_submitting_a_file_only_root_reads_is_told_why(self):
        """Root submits as the owner, who must be able to read the file."""
        src = os.path.join(self.s.dir, "mine.csv")
        with open(src, "w") as f:
            f.write(an_order("U-1"))
        os.chmod(src, 0o600)
        r = self.s.run_as(None, "submit", "orders", src)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("user #4242 may not read %s (owned by root" % src, r.stderr)
        self.assertEqual(os.listdir(self.s.path("in", "orders")), [])

    def test_check_by_a_reader_says_it_needs_to_write_the_ledger(self):
        src = os.path.join(self.s.dir, "c.csv")
        with open(src, "w") as f:
            f.write(an_order("U-1"))
        os.chmod(src, 0o644)
        r = self.s.read_as_reader("check", "--kind", "orders", src)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("#4243 may not write the ledger %s" % self.s.path("ledger.db"), r.stderr)
        r = self.s.run_as(OWNER, "check", "--kind", "orders", src)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_root_runs_as_the_owner_and_leaves_nothing_of_its_own(self):
        self.s.drop_owned("orders", "u1.csv", order("U-1", "SEK", True, "100.00",
                                                      [(1, 1, "100.00", "25")]))
        r = self.s.run_as(None, "run", "--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.receipt("u1.csv")["status"], "accepted")
        self.s.drop_owned("cancellations", "c1.csv", cancellation("CX-1", "U-1", whole=True))
        self.s.drop_owned("payments", "p1.csv", payment("EV-1", "U-1", "release", "100.00", "SEK",
                                                         "REL-U-1"))
        r = self.s.run_as(None, "run", "--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.s.run_as(None, "order", "archive", "U-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.s.run_as(None, "replay", self.s.path("archive"))
        self.assertEqual(r.returncode, 0, r.stderr)
        # a rejected input, requeued and purged by root
        self.s.drop_owned("orders", "bad.csv", an_order("U-3").replace("buyer@example.com", "x"))
        r = self.s.run_as(None, "run", "--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        bad = [i["id"] for i in json.loads(self.s.run_as(None, "inputs", "--json").stdout)
               if i["name"] == "bad.csv"]
        r = self.s.run_as(None, "requeue", str(bad[0]))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.s.run_as(None, "run", "--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.s.run_as(None, "purge", "--older-than", "1", "--rejected",
                          env={"SLUICE_CLOCK": str(int(time.time()) + 30 * 86400)})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("bad.csv", r.stdout)
        for args in (["status"], ["audit"], ["init"], ["metrics"]):
            r = self.s.run_as(None, *args)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
        self.assertEqual(not_owned_by(self.s.root, OWNER), [])
        with self.processed_by_the_daemon("u2.csv", "U-2"):
            pass
        self.assertEqual(self.s.receipt("u2.csv")["status"], "accepted")
        self.assertEqual(not_owned_by(self.s.root, OWNER), [])

    def test_root_starting_the_daemon_runs_it_as_the_owner(self):
        receipts = Receipts(self.s)
        d = Daemon(self.s)
        try:
            with open("/proc/%d/status" % d.proc.pid) as f:
                ids = {l.split(":")[0]: l.split()[1:] for l in f if l[:4] in ("Uid:", "Gid:")}
            self.assertEqual(ids["Uid"], [str(OWNER)] * 4)
            self.assertEqual(ids["Gid"], [str(OWNER)] * 4)
            self.s.drop_owned("orders", "u1.csv", an_order("U-1"))
            receipts.wait("u1.csv")
        finally:
            receipts.close()
            self.assertEqual(d.stop(), 0, "".join(d.log))
        self.assertEqual(not_owned_by(self.s.root, OWNER), [])

    def archive_as(self, uid, number, env):
        self.s.drop_owned("orders", number + ".csv", an_order(number))
        self.s.drop_owned("cancellations", number + "-c.csv",
                          cancellation("CX-" + number, number, whole=True))
        self.s.drop_owned("payments", number + "-p.csv",
                          payment("EV-" + number, number, "release", "100.00", "SEK",
                                  "REL-" + number))
        self.assertEqual(self.s.run_as(OWNER, "run", "--once").returncode, 0)
        r = self.s.run_as(uid, "order", "archive", number, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.s.read_as_reader("order", "show", number, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        events = json.loads(r.stdout)["events"]
        self.assertEqual(events[-1]["source"], "sluice order archive")
        self.assertNotIn("by", events[0])    # what an input did
        text = self.s.read_as_reader("order", "show", number).stdout
        return events[-1].get("by"), text

    def test_the_journal_names_who_asked(self):
        by, text = self.archive_as(None, "J-1", {"SUDO_USER": "alice"})
        self.assertEqual(by, "alice")
        self.assertIn("from sluice order archive by alice", text)
        by, _ = self.archive_as(None, "J-2", {})
        self.assertEqual(by, login_of(0))
        # SUDO_USER counts only for root: anyone may set it
        by, _ = self.archive_as(OWNER, "J-3", {"SUDO_USER": "mallory"})
        self.assertEqual(by, login_of(OWNER))
        r = self.s.read_as_reader("audit")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


@unittest.skipUnless(AS_ROOT, "needs root to run sluice as other users")
class HonestErrors(unittest.TestCase):
    """A permission problem is said as one, naming the file and the user;
    never as a damaged ledger or a spool to make."""

    def setUp(self):
        self.s = OwnedSpool()
        self.s.drop_owned("orders", "u1.csv", an_order("U-1"))
        self.assertEqual(self.s.run_as(OWNER, "run", "--once").returncode, 0)

    def tearDown(self):
        self.s.close()

    def assert_denied(self, r, *says):
        self.assertNotEqual(r.returncode, 0)
        for s in ("#4243",) + says:
            self.assertIn(s, r.stderr)
        for s in ("damaged", "backup", "run sluice init"):
            self.assertNotIn(s, r.stderr)

    def test_a_ledger_closed_to_the_group(self):
        os.chmod(self.s.path("ledger.db"), 0o600)
        r = self.s.read_as_reader("status")
        self.assert_denied(r, "may not read %s" % self.s.path("ledger.db"))

    def test_an_shm_file_closed_to_the_group(self):
        os.chmod(self.s.path("ledger.db-shm"), 0o600)
        r = self.s.read_as_reader("order", "show", "U-1")
        self.assert_denied(r, "may not read %s" % self.s.path("ledger.db-shm"))

    def test_a_ledger_of_an_earlier_version_without_its_wal_files(self):
        """An earlier sluice removed ledger.db-wal and -shm when it closed
        the ledger: the group cannot make them; the owner's next command
        does, and keeps them."""
        os.unlink(self.s.path("ledger.db-wal"))
        os.unlink(self.s.path("ledger.db-shm"))
        r = self.s.read_as_reader("audit")
        self.assert_denied(r, self.s.path("ledger.db-wal"), "sudo -u '#4242' sluice status")
        self.assertEqual(self.s.run_as(OWNER, "status").returncode, 0)
        r = self.s.read_as_reader("audit")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_private_folder_closed_to_the_group(self):
        os.chmod(self.s.path("work"), 0o700)
        r = self.s.read_as_reader("status")
        self.assert_denied(r, "may not enter %s" % self.s.path("work"))

    def test_the_link_secret_is_the_owners(self):
        for args in (["link", "verify", "v1.aaaa.bbbb"], ["link", "show", "v1.aaaa.bbbb"]):
            r = self.s.read_as_reader(*args)
            self.assertEqual(r.returncode, 77, r.stderr)
            self.assert_denied(r, self.s.path("link.secret"), "chmod 0640")
        # shared at the operator's decision
        os.chmod(self.s.path("link.secret"), 0o640)
        r = self.s.read_as_reader("link", "verify", "v1.aaaa.bbbb")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("invalid", r.stdout)

    def test_the_group_prints_documents(self):
        self.s.drop_owned("orders", "u1.csv", order("V-1", "SEK", True, "0.00",
                                                    [(1, 1, "100.00", "25")], status="pending"))
        self.s.drop_owned("orders", "u2.csv", an_order("V-2"))
        self.assertEqual(self.s.run_as(OWNER, "run", "--once").returncode, 0)
        self.s.drop_owned("shipments", "s.csv", shipment("SH-U2", "V-2", [(1, 1)]))
        self.assertEqual(self.s.run_as(OWNER, "run", "--once").returncode, 0)
        mine, closed = os.path.join(self.s.dir, "mine"), os.path.join(self.s.dir, "closed")
        os.mkdir(mine)
        os.chown(mine, READER, READER)
        os.mkdir(closed)
        os.chown(closed, OWNER, OWNER)
        out = os.path.join(mine, "print.pdf")

        def printed(path):
            return subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True,
                                  check=True).stdout
        # the confirmations need the link secret, the owner's
        r = self.s.read_as_reader("bulk", "print", "--all", "--output", out)
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assert_denied(r, self.s.path("link.secret"), "chmod 0640",
                           "--documents invoices,proformas")
        self.assertEqual(os.listdir(mine), [])
        r = self.s.read_as_reader("bulk", "print", "--all", "--output", out,
                                  "--documents", "invoices,proformas")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipped V-1: no documents", r.stderr)
        self.assertIn("PF-SH-U2", printed(out))
        self.assertEqual(os.stat(out).st_uid, READER)
        # a folder the reader may not write: the file there is left as it was
        there = os.path.join(closed, "print.pdf")
        with open(there, "w") as f:
            f.write("old")
        r = self.s.read_as_reader("bulk", "print", "--all", "--output", there,
                                  "--documents", "proformas")
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("cannot write %s: Permission denied" % there, r.stderr)
        with open(there) as f:
            self.assertEqual(f.read(), "old")
        self.assertEqual(os.listdir(closed), ["print.pdf"])
        # shared at the operator's decision
        os.chmod(self.s.path("link.secret"), 0o640)
        r = self.s.read_as_reader("bulk", "print", "--all", "--output", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(re.findall(r"LINK-V-1-1|PF-SH-U2", printed(out)),
                         ["LINK-V-1-1", "PF-SH-U2"])


if __name__ == "__main__":
    run_tap()
