# SPDX-License-Identifier: ISC
"""Names a hostile sender chooses: a name spelled like the receipt name
that sluice derives for another input (a long name's cut name with its
digest, or a name with a time of receipt) never takes that input's
receipt."""
import os

from harness import SpoolTest, read, receipt_file, run_tap, sha
from lifecycle_util import an_amendment, an_order


def stem(receipt_name):
    return receipt_name[:-len(".receipt.xml")]


class ReceiptNames(SpoolTest):
    def receipts(self, kind):
        return sorted(os.listdir(self.s.path("out", "receipts", kind)))

    def test_a_name_spelled_as_a_cut_receipt_name_keeps_apart(self):
        long_name = "a" * 251 + ".csv"
        data = an_order("N-1")
        self.s.drop("orders", long_name, data)
        self.s.run_once()
        cut = stem(receipt_file(long_name))
        self.assertEqual(len(os.fsencode(cut)), 243)
        self.s.drop("orders", cut, "not an order")
        self.s.run_once()
        kept = self.s.receipt(long_name, "orders")
        self.assertEqual((kept["file"], kept["status"], kept["sha256"]),
                         (long_name, "accepted", sha(data.encode())))
        other = self.s.receipt(cut, "orders")
        self.assertEqual((other["file"], other["status"]), (cut, "rejected"))
        self.assertEqual(len(self.receipts("orders")), 2)

    def test_a_name_spelled_as_a_late_receipt_name_keeps_apart(self):
        older, newer = an_amendment("AM-1", "X-1"), an_amendment("AM-2", "Y-1")
        self.s.drop("orders", "y.csv", an_order("Y-1"))
        self.s.drop("amendments", "p.csv", older)
        self.s.run_once()
        self.s.drop("amendments", "p.csv", newer)
        self.s.drop("orders", "x.csv", an_order("X-1"))
        self.s.run_once()
        archived = {read(p): p for p in self.s.filed("archive", "p.csv")}
        ns = int(os.path.basename(os.path.dirname(archived[older.encode()])).rsplit("-", 1)[1])
        late = stem(receipt_file("p.csv", ns))
        self.assertIn(late + ".receipt.xml", self.receipts("amendments"))
        self.s.drop("amendments", late, "not an amendment")
        self.s.run_once()
        kept = self.s.receipt("p.csv", "amendments", received_ns=ns)
        self.assertEqual((kept["file"], kept["sha256"]), ("p.csv", sha(older.encode())))
        self.assertEqual(self.s.receipt(late, "amendments")["file"], late)
        self.assertEqual(len(self.receipts("amendments")), 3)


if __name__ == "__main__":
    run_tap()
