# SPDX-License-Identifier: ISC
"""The daemon: files renamed in are taken at once, files written in place
only after their quiet period; hostile entries never stop it; signals end
it cleanly, SIGTERM after the batch in hand; one daemon per spool.
Receipts are awaited with inotifywait, never with fixed sleeps."""
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import Spool, SLUICE, codes, run_tap
from lifecycle_util import an_order, order, payment, ret, shipment

INOTIFYWAIT = os.environ.get("INOTIFYWAIT") or "inotifywait"
SHIM = os.environ.get("SLUICE_FAULT_SHIM", "")
ORDER = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "spool",
                          "examples", "orders.csv"), "rb").read()


class Daemon:
    """sluice run in the background, its log collected; prefix: what runs
    it (setpriv ..., to run it as another user)."""

    def __init__(self, spool, env=None, prefix=()):
        self.spool = spool
        self.log = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            list(prefix) + [SLUICE, "--spool", spool.root, "--config", spool.config, "run"],
            stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, **env) if env is not None else None)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.ready.wait(30):
            self.stop()
            raise AssertionError("the daemon did not start: %s" % "".join(self.log))

    def _read(self):
        for line in self.proc.stderr:
            self.log.append(line)
            if "watching" in line:
                self.ready.set()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(30)
        self.reader.join(5)
        return rc


class Receipts:
    """Watches out/receipts/ and its kinds' folders with inotifywait; wait()
    returns once the receipt of a name has been published (renamed into
    place)."""

    def __init__(self, spool):
        self.proc = subprocess.Popen(
            [INOTIFYWAIT, "-m", "-r", "-e", "moved_to", "--format", "%f", spool.path("out", "receipts")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # inotifywait says when its watch is in place
        for line in self.proc.stderr:
            if "Watches established" in line:
                break
        self.seen = []
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.seen.append(line.strip())
                self.lock.notify_all()

    def wait(self, name, timeout=30):
        want = name + ".receipt.xml"
        with self.lock:
            ok = self.lock.wait_for(lambda: want in self.seen, timeout)
        if not ok:
            raise AssertionError("no receipt for %s within %d s (saw %s)" % (name, timeout, self.seen))

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


class Watched(unittest.TestCase):
    """Each test: a daemon on a new spool of this configuration, and its
    receipts watched."""
    config = {}

    def setUp(self):
        self.s = Spool(**self.config)
        self.receipts = Receipts(self.s)
        self.d = Daemon(self.s)

    def tearDown(self):
        self.d.stop()
        self.receipts.close()
        self.s.close()


class DaemonTest(Watched):
    config = {"quiet_period": "3s"}

    def test_file_written_in_place_waits_for_its_quiet_period(self):
        path = self.s.path("in", "orders", "slow.csv")
        half = len(ORDER) // 2
        with open(path, "wb") as f:
            # an SFTP client writing in place, in pieces, 1 s apart
            for chunk in (ORDER[:half // 2], ORDER[half // 2:half], ORDER[half:]):
                f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
                last_write = time.monotonic()
                self.assertTrue(os.path.exists(path), "taken while still being written")
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    time.sleep(0.1)
                    self.assertTrue(os.path.exists(path), "taken while still being written")
        self.receipts.wait("slow.csv")
        # taken no sooner than the quiet period (3 s) after the last write
        # (file times are as coarse as the kernel's tick)
        self.assertGreaterEqual(time.monotonic() - last_write, 2.9)
        self.assertEqual(self.s.receipt("slow.csv")["status"], "accepted")
        self.assertIsNotNone(self.s.order("SL-1002"))

    def test_hostile_entries_do_not_stop_it(self):
        os.symlink("/etc/passwd", self.s.path("in", "orders", "link.csv"))
        self.receipts.wait("link.csv")
        os.mkfifo(self.s.path("in", "orders", "pipe.csv"))
        self.receipts.wait("pipe.csv")
        os.mkdir(self.s.path("in", "orders", "folder.csv"))
        self.receipts.wait("folder.csv")
        self.s.drop("orders", "garbage.csv", os.urandom(4096))
        self.receipts.wait("garbage.csv")
        for name in ("link.csv", "pipe.csv", "folder.csv"):
            self.assertEqual(codes(self.s.receipt(name)), {(0, None, "not_regular_file")})
        self.assertEqual(self.s.receipt("garbage.csv")["status"], "rejected")
        self.s.drop("orders", "after.csv", ORDER)
        self.receipts.wait("after.csv")
        self.assertEqual(self.s.receipt("after.csv")["status"], "accepted")
        self.assertIsNone(self.d.proc.poll())

    def test_a_second_daemon_and_run_once_refuse(self):
        r = self.s.sluice("run")
        self.assertEqual(r.returncode, 75)
        self.assertIn("in use by another sluice (pid %d)" % self.d.proc.pid, r.stderr)
        r = self.s.sluice("run", "--once")
        self.assertEqual(r.returncode, 75)

    def test_sigterm_exits_zero(self):
        self.s.drop("orders", "last.csv", ORDER)
        self.receipts.wait("last.csv")
        self.assertEqual(self.d.stop(signal.SIGTERM), 0)

    def test_sigint_exits_zero(self):
        self.assertEqual(self.d.stop(signal.SIGINT), 0)


class RenameTest(Watched):
    """A file renamed in is complete: the daemon takes it when inotify says
    so.  The quiet period and the periodic scan are an hour here, and the
    test waits a minute at most, however slow the machine: a receipt within
    that minute can only come from the rename's inotify event, never from
    waiting out the quiet period or from a scan."""
    config = {"quiet_period": "1h", "scan_interval": "1h"}
    WAIT = 60

    def test_renamed_file_is_taken_at_once(self):
        conf = self.s.sluice("check-config", check=True).stdout
        for key in ("quiet_period", "scan_interval"):
            self.assertIn("%s = 3600s\n" % key, conf)
        self.s.drop("orders", "fast.csv", ORDER)
        self.receipts.wait("fast.csv", timeout=self.WAIT)
        self.assertEqual(self.s.receipt("fast.csv")["status"], "accepted")


def process_state(pid):
    """The state letter of a process (R, S, T for stopped, ...)."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


class HeldDaemon(unittest.TestCase):
    """Tests of a daemon that the fault shim holds (stops with SIGSTOP)
    when it opens the input HOLD, so that a test looks and signals at a
    known point, whatever the machine's speed."""
    HOLD = None

    def hold(self):
        """Starts the daemon on self.s, to be held at HOLD."""
        self.d = Daemon(self.s, env={
            "LD_PRELOAD": SHIM, "SLUICE_FAULT": "open:1:stop", "SLUICE_FAULT_PATH": self.HOLD,
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"})

    def tearDown(self):
        if self.d.proc.poll() is None:
            os.kill(self.d.proc.pid, signal.SIGCONT)
            self.d.proc.kill()
        self.d.proc.wait(30)
        self.s.close()

    def inputs(self):
        """The ledger's inputs: {name: status}."""
        db = sqlite3.connect(self.s.path("ledger.db"))
        try:
            return dict(db.execute("SELECT name, status FROM inputs"))
        finally:
            db.close()

    def wait_stopped(self):
        deadline = time.monotonic() + 120
        while process_state(self.d.proc.pid) != "T":
            self.assertIsNone(self.d.proc.poll(), "".join(self.d.log))
            self.assertLess(time.monotonic(), deadline, "never held: " + "".join(self.d.log))
            time.sleep(0.05)

    def sigterm(self):
        """SIGTERM to the held daemon, which goes on and must exit 0."""
        os.kill(self.d.proc.pid, signal.SIGTERM)
        os.kill(self.d.proc.pid, signal.SIGCONT)
        self.assertEqual(self.d.proc.wait(120), 0, "".join(self.d.log))
        self.d.reader.join(30)


class StopTest(HeldDaemon):
    """SIGTERM while a batch is being applied: the batch in hand is
    finished (every input of it decided, filed away, its receipt
    published), nothing of a later batch is applied, and the daemon exits
    0.  Inputs claimed for later batches stay claimed in work/, those that
    came meanwhile stay in in/, and the next start takes both.  The daemon
    is held inside the first of three batches (when it opens the batch's
    second input)."""
    NAMES = ["b%02d.csv" % i for i in range(1, 8)]    # batches: b01-b03, b04-b06, b07
    IN_HAND = NAMES[:3]
    HOLD = "b02.csv"       # the input whose opening holds the daemon

    def setUp(self):
        self.s = Spool(quiet_period="0", batch_files="3")
        for i, name in enumerate(self.NAMES, 1):
            self.s.drop("orders", name, self.orders(i))
        self.hold()

    @staticmethod
    def orders(i):
        """Input i: SL-1001 and SL-1002 of the example as Bi-1 and Bi-2."""
        return ORDER.replace(b"SL-100", b"B%02d-" % i)

    def claimed(self):
        """The names of the inputs in work/orders/ (without their time of
        receipt)."""
        return sorted(n.split(".", 1)[1] for n in os.listdir(self.s.path("work", "orders")))

    def test_sigterm_finishes_the_batch_in_hand(self):
        self.wait_stopped()
        # held inside the first batch: everything claimed, nothing committed
        self.assertEqual(os.listdir(self.s.path("in", "orders")), [])
        self.assertEqual(self.claimed(), self.NAMES)
        self.assertEqual(self.inputs(), {})
        self.assertEqual(self.s.receipt_files(), [])
        self.s.drop("orders", "late.csv", self.orders(99))
        self.sigterm()
        log = "".join(self.d.log)
        self.assertIn("signal 15: finishing the batch in hand, then stopping", log)

        # the batch in hand was finished: decided, filed, receipts out
        self.assertEqual(self.inputs(), {name: "accepted" for name in self.IN_HAND})
        for i, name in enumerate(self.IN_HAND, 1):
            self.assertEqual(self.s.receipt(name, "orders")["status"], "accepted")
            self.assertEqual(len(self.s.filed("archive", name)), 1)
            for n in (1, 2):
                self.assertEqual(len(self.s.order("B%02d-%d" % (i, n))["lines"]), 2)
        # nothing of the later batches: claimed, undecided, unapplied
        later = self.NAMES[len(self.IN_HAND):]
        self.assertEqual(self.claimed(), later)
        self.assertEqual(len(self.s.receipt_files()), len(self.IN_HAND))
        for i in range(len(self.IN_HAND) + 1, len(self.NAMES) + 1):
            for n in (1, 2):
                self.assertIsNone(self.s.order("B%02d-%d" % (i, n)))
        # what came meanwhile was not claimed
        self.assertEqual(os.listdir(self.s.path("in", "orders")), ["late.csv"])
        self.assertIsNone(self.s.order("B99-1"))

        # the next start takes the rest
        self.s.run_once()
        self.assertEqual(self.inputs(), {name: "accepted" for name in self.NAMES + ["late.csv"]})
        self.assertEqual(self.claimed(), [])
        self.assertEqual(os.listdir(self.s.path("in", "orders")), [])
        self.assertEqual(len(self.s.receipt_files()), len(self.NAMES) + 1)


class StopInLastBatchTest(StopTest):
    """SIGTERM while the last batch of a pass is applied: that batch is
    finished and the daemon stops; it does not begin another pass and take
    the file that came meanwhile (held at b07, the pass's last batch)."""
    HOLD = "b07.csv"

    def test_sigterm_finishes_the_batch_in_hand(self):
        self.wait_stopped()
        self.s.drop("orders", "late.csv", self.orders(99))
        self.sigterm()
        self.assertEqual(self.inputs(), {name: "accepted" for name in self.NAMES})
        self.assertEqual(self.claimed(), [])
        self.assertEqual(len(self.s.receipt_files()), len(self.NAMES))
        self.assertEqual(os.listdir(self.s.path("in", "orders")), ["late.csv"])
        self.assertIsNone(self.s.order("B99-1"))
        self.assertEqual(self.s.sluice("audit").returncode, 0)


class StopBeforeAnotherRoundTest(HeldDaemon):
    """A refund's answer arrives with the return that asks for it: the
    answer, a payment, comes first and waits; the return is accepted, so
    the pass would go round again for the answer.  SIGTERM while the return
    is applied stops the daemon after that batch: the answer stays claimed
    and waiting, and the next start takes it."""
    HOLD = "the-return.csv"

    def setUp(self):
        self.s = Spool(quiet_period="0")
        self.s.drop("orders", "o.csv", an_order("R-1"))
        self.s.drop("shipments", "s.csv", shipment("SH-R1", "R-1", [(1, 1)]))
        self.s.run_once()
        self.s.drop("payments", "c.csv", payment("EV-C", "R-1", "capture", "100.00", "SEK",
                                                 "CAP-SH-R1"))
        self.s.run_once()
        self.s.drop("payments", "refund-answer.csv",
                    payment("EV-R", "R-1", "refund", "100.00", "SEK", "REF-RT-R1"))
        self.s.drop("returns", self.HOLD, ret("RT-R1", "R-1", "SH-R1", [(1, 1)]))
        self.hold()

    def test_no_other_round_after_sigterm(self):
        self.wait_stopped()
        self.sigterm()
        inputs = self.inputs()
        self.assertEqual(inputs[self.HOLD], "accepted")
        self.assertEqual(inputs["refund-answer.csv"], "deferred", "".join(self.d.log))
        self.assertEqual(len(os.listdir(self.s.path("work", "payments"))), 1)

        self.s.run_once()
        self.assertEqual(self.inputs()["refund-answer.csv"], "accepted")
        self.assertEqual(self.s.order("R-1")["refunded"], "100.00")


class SignalTest(unittest.TestCase):
    def test_a_signal_after_watching_never_kills_it(self):
        """The font check at start makes Pango start helper threads; one
        still finishing its work when the daemon says it is watching must
        not be the one a signal is delivered to (its default action would
        end the daemon)."""
        with Spool(quiet_period="0") as s:
            d = Daemon(s, env={"LD_PRELOAD": SHIM, "SLUICE_FAULT_LINGER": "5000",
                               "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
                               ":verify_asan_link_order=0"})
            def wait_for(text):
                deadline = time.monotonic() + 30
                while not any(text in l for l in d.log):
                    self.assertIsNone(d.proc.poll(), "".join(d.log))
                    self.assertLess(time.monotonic(), deadline, "".join(d.log))
                    time.sleep(0.05)
            try:
                d.proc.send_signal(signal.SIGHUP)
                wait_for("SIGHUP: re-reading the configuration and rescanning")
                s.drop("orders", "after.csv", ORDER)
                wait_for("orders/after.csv: input 1 accepted")
            finally:
                self.assertEqual(d.stop(), 0, "".join(d.log))


class StartupTest(unittest.TestCase):
    def test_files_waiting_at_start_are_processed(self):
        with Spool(quiet_period="0") as s:
            s.drop("orders", "early.csv", ORDER)
            receipts = Receipts(s)
            d = Daemon(s)
            try:
                receipts.wait("early.csv")
                self.assertEqual(s.receipt("early.csv")["status"], "accepted")
            finally:
                self.assertEqual(d.stop(), 0)
                receipts.close()



class Notify:
    """A notify socket of the test's own, as systemd gives a service: what
    sluice tells it, each message with when it came."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.got, self.done = [], threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self):
        while not self.done.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            self.got.extend((time.monotonic(), m) for m in data.decode().split("\n"))

    def wait(self, message, timeout=60):
        deadline = time.monotonic() + timeout
        while not any(m == message for _, m in self.got):
            if time.monotonic() > deadline:
                raise AssertionError("no %s among %r" % (message, self.got))
            time.sleep(0.05)

    def close(self):
        self.done.set()
        self.thread.join(5)
        self.sock.close()


class RecoveryTest(unittest.TestCase):
    def test_what_a_stopped_sluice_left_is_finished_before_it_is_ready(self):
        with Spool(quiet_period="0") as s:
            # a file a killed sluice had claimed: in work/, not in in/
            with open(s.path("work", "orders", "%020d.left.csv" % time.time_ns()), "wb") as f:
                f.write(ORDER)
            notify = Notify(s.dir)
            d = Daemon(s, env={"NOTIFY_SOCKET": notify.path})
            try:
                notify.wait("READY=1")
            finally:
                self.assertEqual(d.stop(), 0, "".join(d.log))
                notify.close()
            log = "".join(d.log)
            self.assertLess(log.index("orders/left.csv: input 1 accepted"), log.index("watching"),
                            log)
            self.assertEqual(s.receipt("left.csv")["status"], "accepted")


class ReloadTest(Watched):
    """SIGHUP re-reads the configuration between batches: a good file takes
    effect (but for the keys only a restart changes), a bad one is refused
    whole and the running configuration kept."""

    def configure(self, text):
        with open(self.s.config, "w") as f:
            f.write("quiet_period = 0\n" + text)
        self.d.proc.send_signal(signal.SIGHUP)

    def wait_log(self, text, start=0):
        deadline = time.monotonic() + 30
        while not any(text in line for line in self.d.log[start:]):
            self.assertIsNone(self.d.proc.poll(), "".join(self.d.log))
            self.assertLess(time.monotonic(), deadline, "no %r in %s" % (text, "".join(self.d.log)))
            time.sleep(0.05)
        return len(self.d.log)

    def ship(self, number):
        self.s.drop("orders", number + ".csv", an_order(number))
        self.receipts.wait(number + ".csv")
        self.s.drop("shipments", number + "-s.csv", shipment("SH-" + number, number, [(1, 1)]))
        self.receipts.wait(number + "-s.csv")
        return sorted(os.listdir(self.s.path("out", "invoices")))

    def test_a_good_configuration_takes_effect_and_a_bad_one_is_refused(self):
        # invoiced when its capture succeeds (the default): no invoice yet
        self.assertEqual(self.ship("RL-1"), [])
        metrics = os.path.join(self.s.dir, "sluice.prom")
        self.configure("invoice_on = shipment\ninvoice_prefix = RL-\nspool = /elsewhere\n"
                       "metrics_file = %s\n" % metrics)
        at = self.wait_log("re-read")
        deadline = time.monotonic() + 30
        while not os.path.exists(metrics):
            self.assertLess(time.monotonic(), deadline, "no metrics file after the reload")
            time.sleep(0.05)
        log = "".join(self.d.log)
        self.assertIn("invoice_on = shipment (was capture)", log)
        self.assertIn("invoice_prefix = RL- (was INV-)", log)
        self.assertIn("spool = /elsewhere (was ./spool): takes effect when sluice restarts", log)
        self.assertEqual(self.ship("RL-2"), ["RL-000001.pdf", "RL-000001.xml"])
        # a bad file: refused whole, its good line included
        self.configure("invoice_prefix = BAD-\nmax_errors = many\n")
        self.wait_log("is refused (see above) and the running one kept", at)
        self.assertIn(":3: max_errors must be", "".join(self.d.log[at:]))
        self.assertEqual(self.ship("RL-3"),
                         ["RL-000001.pdf", "RL-000001.xml", "RL-000002.pdf", "RL-000002.xml"])
        # the spool stays the one it started on
        self.assertEqual(self.s.receipt("RL-3-s.csv")["status"], "accepted")


class WatchdogTest(unittest.TestCase):
    """Under a systemd watchdog of 1 s (a notify socket of the test's own),
    pings keep coming while a long batch is applied and its documents are
    published, not only between passes: no gap reaches half the interval."""

    SHIPMENTS = 2000   # each with a pro-forma and an invoice (XML and PDF)

    def test_pings_keep_coming_inside_a_long_batch(self):
        n = self.SHIPMENTS
        with Spool(invoice_on="shipment") as s:
            notify = Notify(s.dir)
            # a warehouse's day: one shipment for each of n orders, in one file
            orders = [an_order("WD-%d" % i) for i in range(1, n + 1)]
            s.drop("orders", "o.csv", orders[0] + "".join(o.split("\n", 1)[1] for o in orders[1:]))
            s.drop("shipments", "s.csv", "shipment_id,order_number,line_id,quantity\n" +
                   "".join("SH-%d,WD-%d,1,1\n" % (i, i) for i in range(1, n + 1)))
            d = Daemon(s, env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"})
            try:
                deadline = time.monotonic() + 600
                while not os.path.exists(s.path("out", "invoices", "INV-%06d.pdf" % n)):
                    self.assertIsNone(d.proc.poll(), "".join(d.log))
                    self.assertLess(time.monotonic(), deadline, "".join(d.log))
                    time.sleep(0.05)
                end = time.monotonic()
            finally:
                self.assertEqual(d.stop(), 0, "".join(d.log))
                notify.close()
        self.assertIn("READY=1", [m for _, m in notify.got])
        pings = [t for t, m in notify.got if m == "WATCHDOG=1" and t <= end]
        self.assertGreater(len(pings), 2)
        gaps = [b - a for a, b in zip(pings, pings[1:])] + [end - pings[-1]]
        print("# %d shipments in %.1f s: %d pings, the largest gap %.3f s"
              % (n, end - pings[0], len(pings), max(gaps)))
        self.assertLess(max(gaps), 0.5, "largest gap between pings %.3f s" % max(gaps))


if __name__ == "__main__":
    run_tap()
