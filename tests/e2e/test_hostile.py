# SPDX-License-Identifier: ISC
"""Hostile input through run --once: links, FIFOs, devices and folders are
never followed or read; huge lines and files over the size limit are
rejected on bounded memory; entity bombs and external entities are refused;
odd names get receipts; temporary names are never touched."""
import os
import resource
import subprocess

from harness import Spool, SpoolTest, SLUICE, codes, read, run_tap

ORDER_CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "spool",
                         "examples", "orders.csv")


# The bound on memory that hostile input may take.  Under AddressSanitizer the
# resident set also holds shadow memory and the quarantine of freed blocks, so
# there the check only says that memory stays bounded at all.
RSS_LIMIT_MIB = 1024 if os.environ.get("SLUICE_SANITIZERS") == "yes" else 64


def peak_rss_mib(cmd, timeout=300):
    """Runs cmd in a child and returns (exit status, its peak RSS in MiB)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "/dev/stderr"] + cmd,
                       capture_output=True, text=True, timeout=timeout)
    kb = int(r.stderr.strip().splitlines()[-1])
    return r.returncode, kb / 1024


def run_once_on_bounded_memory(test, spool, timeout=300):
    """Runs `run --once` on spool, which must exit 0 within RSS_LIMIT_MIB."""
    rc, mib = peak_rss_mib([SLUICE, "--spool", spool.root, "--config", spool.config,
                            "run", "--once"], timeout)
    test.assertEqual(rc, 0)
    test.assertLess(mib, RSS_LIMIT_MIB)


class Hostile(SpoolTest):
    def test_symlink_is_not_followed(self):
        secret = os.path.join(self.s.dir, "secret.csv")
        with open(secret, "w") as f:
            f.write("do not read\n")
        os.symlink(secret, self.s.path("in", "orders", "link.csv"))
        self.s.run_once()
        r = self.s.receipt("link.csv")
        self.assertEqual(codes(r), {(0, None, "not_regular_file")})
        self.assertEqual(r["sha256"], "")
        moved = self.s.path(os.path.relpath(self.s.filed("rejected", "link.csv")[0], self.s.root)) \
            if self.s.filed("rejected", "link.csv") else None
        # links are not files: os.walk lists them among files
        self.assertIsNotNone(moved)
        self.assertTrue(os.path.islink(moved))
        self.assertEqual(read(secret), b"do not read\n")

    def test_fifo_does_not_block(self):
        os.mkfifo(self.s.path("in", "orders", "pipe.xml"))
        self.s.run_once()   # would hang if the FIFO were opened for reading
        self.assertEqual(codes(self.s.receipt("pipe.xml")), {(0, None, "not_regular_file")})

    def test_folder_is_rejected_whole(self):
        os.makedirs(self.s.path("in", "orders", "nested.csv", "inner"))
        self.s.run_once()
        self.assertEqual(codes(self.s.receipt("nested.csv")), {(0, None, "not_regular_file")})
        found = [d for d, dirs, _ in os.walk(self.s.path("rejected")) if d.endswith("nested.csv")]
        self.assertEqual(len(found), 1)
        self.assertTrue(os.path.isdir(os.path.join(found[0], "inner")))

    def test_device_is_never_opened(self):
        if os.geteuid() != 0:
            self.skipTest("making a device node needs root")
        os.mknod(self.s.path("in", "orders", "zero.csv"), 0o600 | 0o020000, os.makedev(1, 5))
        self.s.run_once()
        self.assertEqual(codes(self.s.receipt("zero.csv")), {(0, None, "not_regular_file")})

    def test_100_mb_single_line_csv_on_bounded_memory(self):
        path = self.s.path("in", "orders", ".big.csv.tmp")
        with open(path, "wb") as f:
            f.write(read(ORDER_CSV).split(b"\n")[0] + b"\n")
            chunk = b"x" * (1 << 20)
            for _ in range(100):
                f.write(chunk)
        os.rename(path, self.s.path("in", "orders", "big.csv"))
        run_once_on_bounded_memory(self, self.s)
        r = self.s.receipt("big.csv")
        self.assertEqual(r["status"], "rejected")
        self.assertIn("field_too_long", {e["code"] for e in r["errors"]})
        # receipts quote at most a short excerpt of bad input
        self.assertLess(os.path.getsize(self.s.receipt_path("big.csv")), 4096)

    def test_100_mb_single_line_xml_on_bounded_memory(self):
        path = self.s.path("in", "orders", ".big.xml.tmp")
        with open(path, "wb") as f:
            f.write(b'<orders xmlns="urn:sluice:1"><order><order_number>')
            chunk = b"x" * (1 << 20)
            for _ in range(100):
                f.write(chunk)
            f.write(b"</order_number></order></orders>")
        os.rename(path, self.s.path("in", "orders", "big.xml"))
        run_once_on_bounded_memory(self, self.s)
        self.assertEqual(self.s.receipt("big.xml")["status"], "rejected")
        self.assertLess(os.path.getsize(self.s.receipt_path("big.xml")), 4096)

    def test_file_over_size_limit_is_not_read(self):
        with Spool(max_file_size="2KiB") as s:
            data = read(ORDER_CSV) * 3
            s.drop("orders", "large.csv", data)
            s.drop("orders", "small.csv", read(ORDER_CSV))
            s.run_once()
            self.assertEqual(codes(s.receipt("large.csv")), {(0, None, "file_too_large")})
            self.assertEqual(s.receipt("small.csv")["status"], "accepted")
            self.assertEqual(read(s.filed("rejected", "large.csv")[0]), data)

    def test_entity_bomb_and_external_entities_refused(self):
        bomb = ('<?xml version="1.0"?>\n<!DOCTYPE orders [<!ENTITY a "aaaaaaaaaa">' +
                "".join('<!ENTITY a%d "%s">' % (i, ("&a%s;" % (i - 1 if i > 1 else "")) * 10)
                        for i in range(1, 10)) +
                ']>\n<orders xmlns="urn:sluice:1"><order><order_number>&a9;</order_number>'
                '</order></orders>\n')
        xxe = ('<?xml version="1.0"?>\n<!DOCTYPE orders [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
               '<orders xmlns="urn:sluice:1"><order><order_number>&x;</order_number></order></orders>\n')
        utf16 = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE orders SYSTEM "http://127.0.0.1:9/x.dtd">\n'
                 '<orders xmlns="urn:sluice:1"/>\n').encode("utf-16")
        self.s.drop("orders", "bomb.xml", bomb)
        self.s.drop("orders", "xxe.xml", xxe)
        self.s.drop("orders", "dtd16.xml", utf16)
        run_once_on_bounded_memory(self, self.s, timeout=60)
        for name in ("bomb.xml", "xxe.xml", "dtd16.xml"):
            self.assertEqual(codes(self.s.receipt(name)), {(2, None, "xml_doctype")}, name)
        self.assertNotIn("root:", open(self.s.receipt_path("xxe.xml")).read())

    def test_odd_names_get_receipts(self):
        names = ["with space.csv", "ünïcödé.csv", "semi;colon&amp.csv", "UPPER.CSV", "line\nbreak.csv",
                 "bad\xffbyte.csv".encode("latin-1").decode("utf-8", "surrogateescape")]
        for n in names:
            self.s.drop("orders", n, read(ORDER_CSV).replace(b"SL-100", ("N%d-" % names.index(n)).encode()))
        self.s.run_once()
        for n in names:
            r = self.s.receipt(n)
            self.assertEqual(r["status"], "accepted", n)
        self.assertEqual(self.s.receipt("line\nbreak.csv")["file"], "line\\x0abreak.csv")
        self.assertEqual(self.s.receipt(names[-1])["file"], "bad\\xffbyte.csv")

    def test_temporary_names_are_never_touched(self):
        names = [".hidden.csv", "upload.csv.tmp", "upload.csv.part", "upload.csv.partial",
                 "upload.csv.filepart", "upload.csv~", "UPLOAD.CSV.TMP"]
        for n in names:
            with open(self.s.path("in", "orders", n), "wb") as f:
                f.write(read(ORDER_CSV))
        self.s.run_once()
        self.assertEqual(sorted(os.listdir(self.s.path("in", "orders"))), sorted(names))
        self.assertEqual(self.s.receipt_files(), [])


if __name__ == "__main__":
    run_tap()
