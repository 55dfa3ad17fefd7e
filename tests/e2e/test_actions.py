# SPDX-License-Identifier: ISC
"""Actions (in/actions/): archive and capture requests for an order, as
inputs with identity, journal and receipts (doc/contract.md 3.8)."""
import os
import subprocess
import unittest

from harness import SRCDIR, Spool, Steps, read, run_tap
from lifecycle_util import amendment, csv, order, payment, shipment

XMLLINT = os.environ.get("XMLLINT") or "xmllint"


def action(aid, number, what, shipment_id=""):
    return csv(["action_id", "order_number", "action", "shipment_id"],
               [{"action_id": aid, "order_number": number, "action": what,
                 "shipment_id": shipment_id}])


def action_xml(aid, number, what, shipment_id=None):
    sid = "<shipment_id>%s</shipment_id>" % shipment_id if shipment_id else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<actions xmlns="urn:sluice:1"><action>'
            "<action_id>%s</action_id><order_number>%s</order_number><action>%s</action>%s"
            "</action></actions>\n" % (aid, number, what, sid))


def xmllint(xsd, paths):
    return subprocess.run([XMLLINT, "--noout", "--nonet", "--schema",
                           os.path.join(SRCDIR, "schemas", xsd)] + paths,
                          capture_output=True, text=True)


class Actions(Steps):
    def codes(self, r):
        return [e["code"] for e in r["errors"]]

    def captures(self):
        return sorted(os.listdir(self.s.path("out", "captures")))

    def completed(self, number, authorized="100.00"):
        """An order completed: shipped and captured."""
        self.step("orders", order(number, "SEK", True, authorized, [(1, 1, "100.00", "25")]))
        self.step("shipments", shipment("S-" + number, number, [(1, 1)], shipped=True))
        self.step("payments", payment("E-" + number, number, "capture", "100.00", "SEK",
                                      "CAP-S-" + number))
        self.assertEqual(self.s.order(number)["status"], "completed")

    def test_archive_of_a_completed_order(self):
        self.completed("A1")
        self.step("actions", action("X1", "A1", "archive"))
        self.assertEqual(self.s.order("A1")["status"], "archived")
        events = [e for e in self.s.order("A1")["events"] if e["type"] == "status_changed"]
        self.assertEqual(events[-1]["detail"], {"from": "completed", "to": "archived"})
        # archived: nothing more, archive or capture
        r = self.step("actions", action("X2", "A1", "archive"), "rejected")
        self.assertEqual(self.codes(r), ["order_closed"])
        r = self.step("actions", action("X3", "A1", "capture"), "rejected")
        self.assertEqual(self.codes(r), ["order_closed"])
        # the same action again changes nothing: a duplicate; other content
        # under its id is a conflict
        self.step("actions", action("X1", "A1", "archive"), "duplicate")
        r = self.step("actions", action("X1", "A1", "capture"), "rejected")
        self.assertEqual(self.codes(r), ["record_conflict"])

    def test_archive_refused_per_rule(self):
        self.step("orders", order("A2", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        r = self.step("actions", action("X1", "A2", "archive"), "rejected")
        self.assertEqual(self.codes(r), ["order_not_archivable"])
        self.assertIn("only completed or cancelled orders are archived", r["errors"][0]["message"])
        # the command refuses the same, saying the same
        c = self.s.sluice("order", "archive", "A2")
        self.assertEqual(c.returncode, 1)
        self.assertIn(r["errors"][0]["message"], c.stderr)
        # completed, with authorization left: its release awaits the PSP
        self.completed("A3", authorized="150.00")
        r = self.step("actions", action("X2", "A3", "archive"), "rejected")
        self.assertEqual(self.codes(r), ["order_not_archivable"])
        self.assertIn("REL-A3", r["errors"][0]["message"])
        c = self.s.sluice("order", "archive", "A3")
        self.assertEqual(c.returncode, 1)
        self.assertIn(r["errors"][0]["message"], c.stderr)
        self.step("payments", payment("E-REL", "A3", "release", "50.00", "SEK", "REL-A3"))
        r = self.step("actions", action("X3", "A3", "archive", "S-A3"), "rejected")
        self.assertEqual([(e["field"], e["code"]) for e in r["errors"]],
                         [("shipment_id", "invalid_value")])
        self.step("actions", action("X3", "A3", "archive"))
        self.assertEqual(self.s.order("A3")["status"], "archived")
        # the command: archived already is refused, as an action is
        c = self.s.sluice("order", "archive", "A3")
        self.assertEqual(c.returncode, 1)
        self.assertIn("order A3 is archived already", c.stderr)

    def test_order_archive_command_still_archives(self):
        self.completed("A4")
        c = self.s.sluice("order", "archive", "A4")
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(self.s.order("A4")["status"], "archived")

    def test_capture_of_an_order_on_hold(self):
        self.step("orders", order("H1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipments", shipment("S-H1", "H1", [(1, 1)]))
        self.step("payments", payment("E-H1", "H1", "capture", "100.00", "SEK", "CAP-S-H1",
                                      status="failed"))
        self.step("amendments", amendment("AM-H1", "H1", hold="true"))
        r = self.step("actions", action("X1", "H1", "capture"), "rejected")
        self.assertEqual(self.codes(r), ["order_on_hold"])
        self.step("amendments", amendment("AM-H2", "H1", hold="false"))
        self.step("actions", action("X1", "H1", "capture"))
        self.assertIn("CAP-S-H1-2.xml", self.captures())

    def test_unknown_order_and_shipment(self):
        r = self.step("actions", action("X1", "NOPE", "capture"), "deferred")
        self.assertEqual(self.codes(r), ["order_unknown"])
        self.step("orders", order("U1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("orders", order("U2", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipments", shipment("S-U2", "U2", [(1, 1)]))
        r = self.step("actions", action("X2", "U1", "capture", "S-U2"), "rejected")
        self.assertEqual(self.codes(r), ["wrong_order"])
        r = self.step("actions", action("X3", "U1", "capture", "S-LATER"), "deferred")
        self.assertEqual(self.codes(r), ["shipment_unknown"])
        r = self.step("actions", action("X4", "U1", "capture"), "rejected")
        self.assertEqual(self.codes(r), ["nothing_to_capture"])
        self.assertIn("no shipment whose capture", r["errors"][0]["message"])

    def test_failed_capture_requested_again_and_answered(self):
        self.step("orders", order("F1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipments", shipment("S-F1", "F1", [(1, 1)], shipped=True))
        self.step("payments", payment("E-1", "F1", "capture", "100.00", "SEK", "CAP-S-F1",
                                      status="failed"))
        before = read(self.s.path("out", "captures", "CAP-S-F1.xml"))
        self.step("actions", action("X1", "F1", "capture", "S-F1"))
        self.assertEqual(self.captures(), ["CAP-S-F1-2.xml", "CAP-S-F1.xml"])
        self.assertEqual(read(self.s.path("out", "captures", "CAP-S-F1.xml")), before)
        self.assertEqual(xmllint("payment_request.xsd",
                                 [self.s.path("out", "captures", "CAP-S-F1-2.xml")]).returncode, 0)
        # asked again while the new request is pending: nothing to capture
        r = self.step("actions", action("X2", "F1", "capture", "S-F1"), "rejected")
        self.assertEqual([(e["field"], e["code"]) for e in r["errors"]],
                         [("shipment_id", "nothing_to_capture")])
        # it fails too: a third request
        self.step("payments", payment("E-2", "F1", "capture", "100.00", "SEK", "CAP-S-F1-2",
                                      status="failed"))
        self.step("actions", action("X3", "F1", "capture"))
        self.step("payments", payment("E-3", "F1", "capture", "100.00", "SEK", "CAP-S-F1-3"))
        self.assertEqual(self.s.order("F1")["status"], "completed")
        r = self.s.sluice("audit")
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_capture_name_taken_by_another_shipment(self):
        """A shipment named like a capture request again (S-T1-2) makes
        the re-request take the next free name."""
        self.step("orders", order("T1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("orders", order("T2", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipments", shipment("S-T1", "T1", [(1, 1)]))
        self.step("shipments", shipment("S-T1-2", "T2", [(1, 1)]))
        self.step("payments", payment("E-1", "T1", "capture", "100.00", "SEK", "CAP-S-T1",
                                      status="failed"))
        self.step("actions", action("X1", "T1", "capture"))
        self.assertIn("CAP-S-T1-3.xml", self.captures())
        self.step("payments", payment("E-2", "T1", "capture", "100.00", "SEK", "CAP-S-T1-3"))

    def test_a_later_shipment_named_like_a_request_again(self):
        """S-L1's capture requested again is CAP-S-L1-2; a later shipment
        S-L1-2 has its own capture under the next free name."""
        self.step("orders", order("L1", "SEK", True, "300.00", [(1, 3, "100.00", "25")]))
        self.step("shipments", shipment("S-L1", "L1", [(1, 1)]))
        self.step("payments", payment("E-1", "L1", "capture", "100.00", "SEK", "CAP-S-L1",
                                      status="failed"))
        self.step("actions", action("X1", "L1", "capture"))
        self.step("shipments", shipment("S-L1-2", "L1", [(1, 1)]))
        self.assertEqual(self.captures(), ["CAP-S-L1-2-2.xml", "CAP-S-L1-2.xml", "CAP-S-L1.xml"])
        self.step("payments", payment("E-2", "L1", "capture", "100.00", "SEK", "CAP-S-L1-2-2"))
        self.step("payments", payment("E-3", "L1", "capture", "100.00", "SEK", "CAP-S-L1-2"))

    def test_the_longest_shipment_id_requested_again(self):
        """A request id longer than an id: CAP-, 64 characters, -2."""
        sid = "S" * 64
        self.step("orders", order("G1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipments", shipment(sid, "G1", [(1, 1)], shipped=True))
        self.step("payments", payment("E-1", "G1", "capture", "100.00", "SEK", "CAP-" + sid,
                                      status="failed"))
        self.step("actions", action_xml("X1", "G1", "capture", sid), ext="xml")
        self.assertIn("CAP-%s-2.xml" % sid, self.captures())
        r = self.step("payments", payment("E-2", "G1", "capture", "100.00", "SEK",
                                          "CAP-%s-3" % sid), "deferred")
        self.assertEqual(self.codes(r), ["request_unknown"])
        self.step("payments", payment("E-3", "G1", "capture", "100.00", "SEK", "CAP-%s-2" % sid))
        self.assertEqual(self.s.order("G1")["status"], "completed")

    def test_failed_capture_the_authorization_does_not_cover_waits(self):
        self.step("orders", order("W1", "SEK", True, "100.00", [(1, 2, "50.00", "25")]))
        self.step("shipments", shipment("S-W1", "W1", [(1, 1)]))
        self.step("payments", payment("E-1", "W1", "capture", "50.00", "SEK", "CAP-S-W1",
                                      status="failed"))
        # more products (not paid yet); their shipment and the second
        # unit's take the whole authorization
        self.step("amendments", amendment("AM-1", "W1", [(2, 1, "50.00", "25")]))
        self.step("shipments", shipment("S-W2", "W1", [(1, 1)]))
        self.step("shipments", shipment("S-W3", "W1", [(2, 1)]))
        self.step("actions", action("X1", "W1", "capture"))
        self.assertNotIn("CAP-S-W1-2.xml", self.captures())
        shipments = {s["shipment_id"]: s for s in self.s.order("W1")["shipments"]}
        self.assertFalse(shipments["S-W1"]["paid"])
        # the authorization raised: the waiting capture is requested
        self.step("payments", payment("E-B", "W1", "authorization", "50.00", "SEK"))
        self.assertIn("CAP-S-W1-2.xml", self.captures())


class OlderSpool(unittest.TestCase):
    def test_a_spool_made_before_actions_works_and_gets_their_folders(self):
        with Spool() as s:
            for d in ("in/actions", "work/actions", "out/receipts/actions"):
                os.rmdir(s.path(d))
            for args in (["status"], ["inputs", "--status", "claimed"], ["metrics"],
                         ["bulk", "hold", "--all"]):
                r = s.sluice(*args)
                self.assertEqual(r.returncode, 0, (args, r.stderr))
                self.assertNotIn("cannot read", r.stderr)
            s.run_once()
            for d in ("in/actions", "work/actions", "out/receipts/actions"):
                self.assertTrue(os.path.isdir(s.path(d)), d)


class Manual(Steps):
    """capture_on = manual: a capture action writes the request's file."""

    def setUp(self):
        super().setUp()
        self.s.close()
        self.s = Spool(capture_on="manual")

    def test_manual_capture_written_once(self):
        s = self.s
        self.step("orders", order("M1", "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.step("shipments", shipment("S-M1", "M1", [(1, 1)], shipped=True))
        self.assertEqual(os.listdir(s.path("out", "captures")), [])
        first = action("X1", "M1", "capture")
        self.step("actions", first)
        self.assertEqual(os.listdir(s.path("out", "captures")), ["CAP-S-M1.xml"])
        self.assertEqual(xmllint("payment_request.xsd",
                                 [s.path("out", "captures", "CAP-S-M1.xml")]).returncode, 0)
        # a second action: the file was written
        r = self.step("actions", action("X2", "M1", "capture"), "rejected")
        self.assertEqual([e["code"] for e in r["errors"]], ["nothing_to_capture"])
        # the same file again, and the same action as XML: duplicates
        self.step("actions", first, "duplicate")
        self.step("actions", action_xml("X1", "M1", "capture"), "duplicate", ext="xml")
        self.assertEqual(os.listdir(s.path("out", "captures")), ["CAP-S-M1.xml"])
        self.step("payments", payment("E-1", "M1", "capture", "100.00", "SEK", "CAP-S-M1"))
        self.assertEqual(s.order("M1")["status"], "completed")
        receipts = s.receipt_files()
        self.assertEqual(len([p for p in receipts if "/actions/" in p]), 4)
        r = xmllint("receipt.xsd", receipts)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    run_tap()
