# SPDX-License-Identifier: ISC
"""Documents from what a hostile sender may write: a PDF's creation date
is the instant of the document's date, whatever valid spelling of RFC 3339
the date came in, never the clock at rendering."""
import re

from harness import SpoolTest, read, run_tap
from lifecycle_util import order, payment, shipment


def creation_date(path):
    found = re.findall(rb"/CreationDate \(D?:?(\d{14}Z?)\)", read(path))
    return found[0].decode() if len(found) == 1 else found


class PdfDates(SpoolTest):
    def invoice_at(self, number, occurred_at):
        """Captures a shipment of a new order with an event that occurred
        at occurred_at; returns the path of its invoice's PDF."""
        self.s.drop("orders", number + ".csv",
                    order(number, "SEK", True, "100.00", [(1, 1, "100.00", "25")]))
        self.s.drop("shipments", number + ".csv", shipment("SH-" + number, number, [(1, 1)]))
        self.s.run_once()
        event = payment("E-" + number, number, "capture", "100.00", "SEK", "CAP-SH-" + number)
        self.s.drop("payments", number + ".csv", event.replace("2026-11-27T10:00:00Z", occurred_at))
        self.s.run_once()
        self.assertEqual(self.s.receipt(number + ".csv", "payments")["status"], "accepted")
        [invoice] = [d["number"] for d in self.s.order(number)["documents"]
                     if d["type"] == "invoice"]
        return self.s.path("out", "invoices", invoice + ".pdf")

    def test_an_offset_is_counted(self):
        pdf = self.invoice_at("D-1", "2026-11-24T03:00:00.25+14:00")
        self.assertEqual(creation_date(pdf), "20261123130000Z")

    def test_lower_case_t_and_z_are_the_same_instant(self):
        pdf = self.invoice_at("D-2", "2026-11-24t16:45:10z")
        self.assertEqual(creation_date(pdf), "20261124164510Z")


if __name__ == "__main__":
    run_tap()
