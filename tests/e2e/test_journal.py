# SPDX-License-Identifier: ISC
"""Under systemd's journal (standard error is the stream JOURNAL_STREAM
names) every log line goes to the journal with its priority, and a decided
input's line carries what it is about in fields of its own: SLUICE_INPUT,
SLUICE_KIND, SLUICE_CODE, SLUICE_ORDER.  There is no journald here: the test
binds a socket of its own where the journal's is, in a mount namespace of
sluice's own (so it needs root), and reads what sluice sends it."""
import os
import socket
import struct
import subprocess
import unittest

from harness import Spool, run_tap
from lifecycle_util import an_order, shipment

# mounts a tmpfs over /run in sluice's own mount namespace, with the test's
# folder where the journal's socket is, then runs the command
NAMESPACE = ('mount -t tmpfs none /run && mkdir -p /run/systemd/journal && '
             'mount --bind "$1" /run/systemd/journal && shift && exec "$@"')


def parse_native(data):
    """The fields of one message of the journal's native protocol: KEY=value
    lines, or KEY, a newline, a 64-bit little-endian length and the value
    (for values holding a newline)."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        eq = data.find(b"=", i, nl)
        if eq >= 0:
            fields[data[i:eq].decode()] = data[eq + 1:nl].decode()
            i = nl + 1
        else:
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            fields[data[i:nl].decode()] = data[nl + 9:nl + 9 + n].decode()
            i = nl + 9 + n + 1
    return fields


@unittest.skipUnless(os.geteuid() == 0, "a mount namespace of its own needs root")
class JournalTest(unittest.TestCase):
    def setUp(self):
        self.s = Spool()
        self.jdir = os.path.join(self.s.dir, "journal")
        os.mkdir(self.jdir)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(os.path.join(self.jdir, "socket"))
        self.sock.setblocking(False)

    def tearDown(self):
        self.sock.close()
        self.s.close()

    def run_once(self, stream_matches=True):
        """run --once with its standard error in a file that JOURNAL_STREAM
        names (or, not stream_matches, another); the messages the journal
        got and what went to standard error."""
        err_path = os.path.join(self.s.dir, "stderr")
        with open(err_path, "w") as err:
            st = os.fstat(err.fileno())
            stream = "%d:%d" % (st.st_dev, st.st_ino + (0 if stream_matches else 1))
            r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                                NAMESPACE, "sh", self.jdir] + self.s.command("run", "--once"),
                               stderr=err, env=dict(os.environ, JOURNAL_STREAM=stream),
                               timeout=120)
        self.assertEqual(r.returncode, 0)
        got = []
        while True:
            try:
                got.append(parse_native(self.sock.recv(65536)))
            except BlockingIOError:
                break
        with open(err_path) as f:
            return got, f.read()

    def about(self, got, name):
        line, = [m for m in got if "/%s:" % name in m["MESSAGE"]]
        return line

    def test_decided_inputs_carry_their_fields(self):
        self.s.drop("orders", "good.csv", an_order("JR-1"))
        self.s.drop("orders", "bad.csv", an_order("JR-2").replace("buyer@example.com", "nobody"))
        self.s.drop("shipments", "early.csv", shipment("SH-J9", "JR-9", [(1, 1)]))
        got, err = self.run_once()
        self.assertEqual(err, "")
        good, bad, early = (self.about(got, n) for n in ("good.csv", "bad.csv", "early.csv"))
        for m, kind, prio in ((good, "orders", "6"), (bad, "orders", "4"), (early, "shipments", "6")):
            self.assertEqual(m["SYSLOG_IDENTIFIER"], "sluice")
            self.assertEqual(m["SLUICE_KIND"], kind)
            self.assertEqual(m["PRIORITY"], prio)
        self.assertEqual(good["SLUICE_ORDER"], "JR-1")
        self.assertNotIn("SLUICE_CODE", good)
        self.assertEqual(bad["SLUICE_ORDER"], "JR-2")
        self.assertEqual(bad["SLUICE_CODE"], "invalid_email")
        self.assertEqual(early["SLUICE_ORDER"], "JR-9")
        self.assertEqual(early["SLUICE_CODE"], "order_unknown")
        ids = sorted(int(m["SLUICE_INPUT"]) for m in (good, bad, early))
        self.assertEqual(len(set(ids)), 3)
        self.assertIn("input %s " % good["SLUICE_INPUT"], good["MESSAGE"])
        # lines about no input have no such fields
        other = [m for m in got if "SLUICE_INPUT" not in m]
        self.assertTrue(other)
        self.assertFalse(any(k.startswith("SLUICE_") for m in other for k in m))

    def test_a_field_with_a_newline_arrives_whole(self):
        self.s.drop("orders", "nl.csv", an_order("JR\n3"))
        got, err = self.run_once()
        m = self.about(got, "nl.csv")
        self.assertEqual(m["SLUICE_CODE"], "invalid_id")
        self.assertEqual(m.get("SLUICE_ORDER"), "JR\n3")
        self.assertNotIn("\n", m["MESSAGE"])

    def test_standard_error_elsewhere_is_not_the_journal(self):
        """A JOURNAL_STREAM that names another file (a child of a service
        whose standard error was sent elsewhere) is not the journal."""
        self.s.drop("orders", "good.csv", an_order("JR-1"))
        got, err = self.run_once(stream_matches=False)
        self.assertEqual(got, [])
        self.assertIn("sluice: info: orders/good.csv: input 1 accepted", err)


if __name__ == "__main__":
    run_tap()
