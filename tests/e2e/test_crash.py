# SPDX-License-Identifier: ISC
"""Fault injection, bounded: the crash loop of tests/fault/crashloop.py over
a sample of its fault points (SIGKILL, EIO and ENOSPC at the Nth call of
write, fsync, rename, link, unlink, open and mkdir), each checked against a
clean run, for the daemon's pass over inputs of every kind and for a bulk
job run again after its fault.  `make crashloop` tries every point.  And the faults that are
the machine's, not the file's (an input or a font that cannot be read),
decide nothing: the work waits and is done on a later run."""
import glob
import os
import shutil
import subprocess
import sys
import unittest

from harness import SLUICE, SRCDIR, Spool, codes, run_tap
from lifecycle_util import order
from story import free_invoice

SHIM = os.environ.get("SLUICE_FAULT_SHIM", "")


class Crash(unittest.TestCase):
    def loop(self, actions, budget, scenario="files"):
        r = subprocess.run([sys.executable, os.path.join(SRCDIR, "tests", "fault", "crashloop.py"),
                            SLUICE, SHIM, "--actions", actions, "--budget", str(budget),
                            "--scenario", scenario],
                           capture_output=True, text=True, timeout=1800)
        for line in r.stdout.splitlines():
            print("# " + line)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
        self.assertIn("0 broke an invariant", r.stdout)

    def test_crashes_lose_nothing(self):
        self.loop("crash", 60)

    def test_io_errors_and_a_full_disk_lose_nothing(self):
        self.loop("eio,enospc", 40)

    def test_a_bulk_job_killed_and_run_again_applies_each_order_once(self):
        self.loop("crash,eio", 40, "bulk")


class Barrier(unittest.TestCase):
    def test_the_outputs_of_a_batch_share_one_durability_barrier(self):
        """A file system sync for all the outputs of a batch, not an fsync
        per output: 120 single-order files decided in one run --once get
        their 120 receipts (each an order confirmation and a pro-forma too)
        with far fewer syncs than files, and nothing is left in tmp/."""
        files = 120
        with Spool() as s:
            for i in range(files):
                s.drop("orders", "o-%03d.csv" % i,
                       order("B-%03d" % i, "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
            count = os.path.join(s.dir, "count")
            s.sluice("run", "--once", env=dict(fault(None, "-"), SLUICE_FAULT_COUNT=count),
                     check=True)
            syncs = int(dict(line.split() for line in open(count))["fsync"])
            self.assertEqual(len(os.listdir(s.path("out", "receipts", "orders"))), files)
            self.assertEqual(os.listdir(s.path("tmp")), [])
        self.assertGreater(syncs, 0)
        self.assertLess(syncs, files // 4, "%d syncs for %d files" % (syncs, files))


def fault(point, path):
    """The environment that fails the Nth open of a path containing path
    (point "open:N:ACTION"; None: fail nothing, count)."""
    env = {"LD_PRELOAD": SHIM, "SLUICE_FAULT_PATH": path,
           "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    if point:
        env["SLUICE_FAULT"] = point
    return env


class Unreadable(unittest.TestCase):
    def setUp(self):
        os.environ["SLUICE_CLOCK"] = "1795687200"   # documents comparable byte for byte
        self.s = Spool()
        self.s.drop("invoices", "ft.csv", free_invoice("FT-1", "Kund AB",
                                                      [("Konsult", 1, "100.00", "25")]))

    def tearDown(self):
        del os.environ["SLUICE_CLOCK"]
        self.s.close()

    def test_an_input_the_disk_fails_to_read_waits(self):
        r = self.s.sluice("run", "--once", env=fault("open:1:eio", "ft.csv"))
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("ft.csv could not be opened: Input/output error; it stays claimed", r.stderr)
        self.assertEqual(len(glob.glob(self.s.path("work", "invoices", "*ft.csv"))), 1)
        self.assertEqual(self.s.receipt_files(), [])
        self.s.run_once()
        self.assertEqual(self.s.receipt("ft.csv")["status"], "accepted")

    def test_an_input_sluice_may_not_read_is_rejected(self):
        r = self.s.sluice("run", "--once", env=fault("open:1:eacces", "ft.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(codes(self.s.receipt("ft.csv")), {(0, None, "io_error")})
        self.assertEqual(len(glob.glob(self.s.path("rejected", "*", "*", "ft.csv"))), 1)

    def test_a_template_the_disk_fails_to_read_is_not_the_senders_fault(self):
        """An I/O error on a named template holds the input back, claimed;
        only a template that is not there (or no template) rejects it."""
        shutil.copy(self.s.path("templates", "default.conf"), self.s.path("templates", "shop.conf"))
        self.s.drop("invoices", "named.csv", free_invoice("FT-2", "Kund AB", [("K", 1, "1.00", "25")],
                                                         template="shop"))
        r = self.s.sluice("run", "--once", env=fault("open:1:eio", "shop.conf"))
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("template shop:", r.stderr)
        # the batch is held back whole, and tried again
        self.assertEqual(self.s.receipt_files(), [])
        self.assertEqual(len(glob.glob(self.s.path("work", "invoices", "*named.csv"))), 1)
        self.s.run_once()
        self.assertEqual(self.s.receipt("named.csv")["status"], "accepted")
        self.assertEqual(self.s.receipt("ft.csv")["status"], "accepted")

    def test_a_logo_that_is_no_file_is_never_replaced_silently(self):
        """Only a default template with no logo.png at all gets the built-in
        logo; one that cannot be read holds documents back."""
        logo = self.s.path("templates", "logo.png")
        os.unlink(logo)
        os.mkfifo(logo)
        r = self.s.sluice("run", "--once")
        self.assertEqual(r.returncode, 70, r.stderr)
        self.assertIn("logo.png is not a regular file", r.stderr)
        self.assertEqual(self.s.receipt_files(), [])
        os.unlink(logo)
        self.s.run_once()
        self.assertEqual(self.s.receipt("ft.csv")["status"], "accepted")

    def each_font_open_failing(self, font, buyer):
        """Fails each open of a font file in turn while an invoice to buyer
        is made: sluice will not start (exit 78, the fonts are checked
        first), or the invoice's PDF is held back (exit 70) and written by
        the next run, or, when the failure did no harm, the PDF is written as
        it should be.  Returns the exit statuses seen."""
        def invoice(spool):
            spool.drop("invoices", "ft.csv", free_invoice("FT-1", buyer,
                                                          [("Konsult", 1, "100.00", "25")]))

        clean = Spool()
        count = os.path.join(clean.dir, "count")
        try:
            invoice(clean)
            clean.sluice("run", "--once", env=dict(fault(None, font), SLUICE_FAULT_COUNT=count),
                         check=True)
            with open(clean.path("out", "invoices", "INV-000001.pdf"), "rb") as f:
                want = f.read()
            opens = int(dict(line.split() for line in open(count))["open"])
        finally:
            clean.close()
        self.assertGreater(opens, 0)
        outcomes = set()
        for n in range(1, opens + 1):
            with Spool() as s:
                invoice(s)
                r = s.sluice("run", "--once", env=fault("open:%d:eio" % n, font))
                outcomes.add(r.returncode)
                if r.returncode == 78:
                    self.assertIn("cannot be loaded, so no PDF document can be made", r.stderr)
                    self.assertEqual(os.listdir(s.path("out", "invoices")), [])
                    s.run_once()
                elif r.returncode == 70:
                    self.assertIn("document INV-000001: PDF: a font could not be loaded", r.stderr)
                    self.assertEqual(os.listdir(s.path("out", "invoices")), ["INV-000001.xml"])
                    s.run_once()
                else:
                    self.assertEqual(r.returncode, 0, r.stderr)
                with open(s.path("out", "invoices", "INV-000001.pdf"), "rb") as f:
                    self.assertEqual(f.read(), want, "open %d of %d" % (n, opens))
        return outcomes

    def test_without_its_font_sluice_does_not_start(self):
        self.assertIn(78, self.each_font_open_failing("DejaVuSans-Bold", "Kund AB"))

    def test_a_pdf_whose_font_fails_to_load_is_not_published(self):
        self.assertIn(70, self.each_font_open_failing("DroidSansFallback", "株式会社さくら商事"))

    def test_a_font_failing_on_a_drawing_thread_holds_back_only_what_follows(self):
        """Twelve invoices drawn by four threads, each open of their font
        failing in turn: the invoices before the PDF that failed are
        published, none after it, and the next run publishes the rest with
        the bytes one thread draws."""
        def invoices(spool, threads):
            with open(spool.config, "a") as f:
                f.write("render_threads = %d\n" % threads)
            for i in range(12):
                spool.drop("invoices", "ft%02d.csv" % i,
                           free_invoice("FT-%d" % i, "株式会社さくら商事 %d" % i,
                                        [("Konsult", 1, "100.00", "25")]))

        pdfs = ["INV-%06d.pdf" % i for i in range(1, 13)]
        with Spool() as clean:
            invoices(clean, 1)
            clean.run_once()
            want = {p: open(clean.path("out", "invoices", p), "rb").read() for p in pdfs}
        with Spool() as counted:
            invoices(counted, 4)
            count = os.path.join(counted.dir, "count")
            counted.sluice("run", "--once", env=dict(fault(None, "DroidSansFallback"),
                                                     SLUICE_FAULT_COUNT=count), check=True)
            opens = int(dict(line.split() for line in open(count))["open"])
        held = 0
        for n in range(1, opens + 1):
            with Spool() as s:
                invoices(s, 4)
                r = s.sluice("run", "--once", env=fault("open:%d:eio" % n, "DroidSansFallback"))
                self.assertIn(r.returncode, (0, 70), r.stderr)
                got = sorted(f for f in os.listdir(s.path("out", "invoices")) if f.endswith(".pdf"))
                self.assertEqual(got, pdfs[:len(got)], "open %d of %d" % (n, opens))
                if r.returncode == 70:
                    held += 1
                    self.assertIn("PDF: a font could not be loaded", r.stderr)
                    self.assertLess(len(got), len(pdfs))
                    s.run_once()
                for p in pdfs:
                    with open(s.path("out", "invoices", p), "rb") as f:
                        self.assertEqual(f.read(), want[p], "%s, open %d of %d" % (p, n, opens))
        self.assertGreater(held, 0)


if __name__ == "__main__":
    run_tap()
