# SPDX-License-Identifier: ISC
"""The careless operator: commands run as root on a spool that belongs to
the daemon's user, commands run beside the daemon, odd configurations.
Whatever the operator does, the daemon's user goes on processing."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import NOBODY, SLUICE, Spool, SpoolTest, chown_tree, run_tap
from lifecycle_util import an_order
from story import free_invoice



def owned_by_root(top):
    """The paths under top that root owns."""
    found = []
    for d, dirs, files in os.walk(top):
        found += [os.path.join(d, n) for n in dirs + files
                  if os.lstat(os.path.join(d, n)).st_uid == 0]
    return found


class RootOnAnotherUsersSpool(unittest.TestCase):
    """A spool made by (and for) the daemon's user: root runs every command
    as that user, so that it never makes what the daemon could not write
    (a day's archive folder, a kind's receipts, the ledger's -wal)."""

    def setUp(self):
        self.s = Spool()
        os.chmod(self.s.dir, 0o755)
        chown_tree(self.s.dir, NOBODY)

    def tearDown(self):
        self.s.close()

    def drop(self, name, number):
        self.s.drop("orders", name, an_order(number), owner=NOBODY)

    def test_run_init_and_replay_as_root_leave_nothing_of_roots(self):
        self.drop("a.csv", "R-1")
        self.assertEqual(self.s.sluice("run", "--once").returncode, 0)
        self.assertEqual(self.s.receipt("a.csv")["status"], "accepted")
        self.assertEqual(self.s.sluice("init").returncode, 0)
        self.assertEqual(self.s.sluice("replay", self.s.path("archive")).returncode, 0)
        self.assertEqual(owned_by_root(self.s.root), [])
        self.drop("b.csv", "R-2")
        r = self.s.sluice("run", "--once", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.receipt("b.csv")["status"], "accepted")

    def test_an_earlier_layout_is_upgraded_by_root_as_the_owner(self):
        """init as root would have made out/receipts/<kind>/ root's: every
        receipt of that kind would then have waited for ever."""
        os.rmdir(self.s.path("out", "receipts", "orders"))
        self.assertEqual(self.s.sluice("init").returncode, 0)
        self.assertEqual(os.stat(self.s.path("out", "receipts", "orders")).st_uid, NOBODY)
        self.drop("b.csv", "R-2")
        r = self.s.sluice("run", "--once", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.receipt("b.csv")["status"], "accepted")

    def test_root_may_look_and_submit(self):
        """What reads the ledger, and submit (as the owner: a file root
        drops is the daemon's to take), work as root and leave nothing of
        root's behind."""
        self.drop("c.csv", "R-3")
        self.assertEqual(self.s.sluice("run", "--once", user=NOBODY).returncode, 0)
        for args in (["status"], ["status", "--json"], ["order", "show", "R-3"], ["audit"]):
            r = self.s.sluice(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
        src = os.path.join(self.s.dir, "d.csv")
        with open(src, "w") as f:
            f.write(an_order("R-4"))
        os.chmod(src, 0o644)
        self.assertEqual(self.s.sluice("submit", "orders", src).returncode, 0)
        self.assertEqual(owned_by_root(self.s.root), [])
        r = self.s.sluice("run", "--once", user=NOBODY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.receipt("d.csv")["status"], "accepted")
        self.assertEqual(owned_by_root(self.s.root), [])


class Concurrent(unittest.TestCase):
    def test_inits_at_the_same_time_all_succeed(self):
        """Each migration is applied by whichever command takes the
        ledger's write lock first; the others find it done."""
        for _ in range(5):
            top = tempfile.mkdtemp(prefix="sluice-e2e.")
            try:
                root = os.path.join(top, "spool")
                procs = [subprocess.Popen([SLUICE, "--spool", root, "init"], stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True) for _ in range(4)]
                done = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
                for out, err, rc in done:
                    self.assertEqual(rc, 0, err)
                    self.assertIn("ready", out)
                r = subprocess.run([SLUICE, "--spool", root, "audit"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
            finally:
                shutil.rmtree(top)


class ReaderWithoutWriteAccess(unittest.TestCase):
    """A user of the spool's group may read the ledger but not write
    beside it: sluice keeps the -wal and -shm files SQLite needs to read
    it.  Where they are missing (a ledger an earlier version closed), that
    is said as such, never as a damaged ledger to restore from a backup."""

    def setUp(self):
        self.s = Spool()
        self.s.drop("orders", "a.csv", an_order("G-1"))
        self.s.run_once()
        os.chmod(self.s.dir, 0o755)
        for d, dirs, files in os.walk(self.s.root):
            os.chown(d, 0, NOBODY)
            for n in files:
                os.lchown(os.path.join(d, n), 0, NOBODY)

    def tearDown(self):
        self.s.close()

    def test_status_order_show_and_audit_read(self):
        for args in (["status"], ["order", "show", "G-1"], ["audit"]):
            r = self.s.sluice(*args, user=NOBODY)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_without_the_wal_files_they_say_why(self):
        for suffix in ("-wal", "-shm"):
            os.unlink(self.s.path("ledger.db" + suffix))
        for args in (["status"], ["order", "show", "G-1"], ["audit"]):
            r = self.s.sluice(*args, user=NOBODY)
            self.assertEqual(r.returncode, 70, r.stderr)
            self.assertNotIn("damaged", r.stderr)
            self.assertIn("has no %s-wal beside it" % self.s.path("ledger.db"), r.stderr)
        self.assertEqual(self.s.sluice("status").returncode, 0)
        self.assertEqual(self.s.sluice("status", user=NOBODY).returncode, 0)


class OddSecretFile(SpoolTest):
    """link_secret_file naming something that is not a file: run refuses at
    once (status 78), naming it; it never waits for a writer."""

    def refused(self, path):
        with open(self.s.config, "a") as f:
            f.write("link_secret_file = %s\n" % path)
        for args in (["run", "--once"], ["link", "verify", "v1.x"]):
            r = self.s.sluice(*args, timeout=20)
            self.assertIn(path + " is not a regular file", r.stderr)
        self.assertEqual(self.s.sluice("run", "--once", timeout=20).returncode, 78)

    def test_a_fifo(self):
        fifo = os.path.join(self.s.dir, "secret-fifo")
        os.mkfifo(fifo)
        self.refused(fifo)

    def test_a_folder(self):
        folder = os.path.join(self.s.dir, "secret-folder")
        os.mkdir(folder)
        self.refused(folder)

    def test_a_device(self):
        self.refused("/dev/zero")


class OddTemplateFiles(unittest.TestCase):
    """A template file the operator replaced by a FIFO, a folder or a
    device never hangs the daemon: the default template's is an
    environment failure (the invoice waits, claimed, until it is fixed), a
    named template's is the input's unknown_template."""

    def setUp(self):
        self.s = Spool()
        self.conf = self.s.path("templates", "default.conf")
        os.rename(self.conf, self.conf + ".kept")

    def tearDown(self):
        self.s.close()

    def invoice(self, template=""):
        self.s.drop("invoices", "ft.csv", free_invoice("FT-1", "Kund AB", [("Konsult", 1, "100.00", "25")],
                                                       template=template))
        return self.s.sluice("run", "--once", timeout=20)

    def waits_until_fixed(self):
        r = self.invoice()
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("default.conf is not a regular file", r.stderr)
        self.assertEqual(self.s.receipt_files(), [])
        if os.path.isdir(self.conf):
            os.rmdir(self.conf)
        else:
            os.unlink(self.conf)
        os.rename(self.conf + ".kept", self.conf)
        self.s.run_once()
        self.assertEqual(self.s.receipt("ft.csv")["status"], "accepted")

    def test_a_fifo_default_template(self):
        os.mkfifo(self.conf)
        self.waits_until_fixed()

    def test_a_folder_default_template(self):
        os.mkdir(self.conf)
        self.waits_until_fixed()

    def test_a_named_templates_fifo(self):
        os.rename(self.conf + ".kept", self.conf)
        os.mkfifo(self.s.path("templates", "other.conf"))
        r = self.invoice("other")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([e["code"] for e in self.s.receipt("ft.csv")["errors"]], ["unknown_template"])


if __name__ == "__main__":
    run_tap()
