# SPDX-License-Identifier: ISC
"""Inputs that wait: once a deferred input goes through, its receipt says
what became of it, not why it waited."""

from harness import SpoolTest, run_tap
from lifecycle_util import amendment, an_order


class Deferred(SpoolTest):
    def test_an_input_that_waited_is_accepted_without_errors(self):
        added = amendment("AM-1", "W-1", [(2, 1, "50.00", "25")])
        self.s.drop("amendments", "a.csv", added)
        self.s.drop("amendments", "b.csv", added)
        self.s.run_once()
        for name in ("a.csv", "b.csv"):
            r = self.s.receipt(name)
            self.assertEqual((r["status"], [e["code"] for e in r["errors"]]),
                             ("deferred", ["order_unknown"]))
        self.s.drop("orders", "o.csv", an_order("W-1"))
        self.s.run_once()
        for name, status in (("a.csv", "accepted"), ("b.csv", "duplicate")):
            r = self.s.receipt(name)
            self.assertEqual((r["status"], r["errors"]), (status, []), name)

    def test_an_input_that_waited_is_rejected_with_its_own_errors(self):
        self.s.drop("amendments", "a.csv", amendment("AM-1", "W-2", [(1, 1, "50.00", "25")]))
        self.s.run_once()
        self.s.drop("orders", "o.csv", an_order("W-2"))
        self.s.run_once()
        r = self.s.receipt("a.csv")
        self.assertEqual((r["status"], [e["code"] for e in r["errors"]]),
                         ("rejected", ["line_exists"]))


if __name__ == "__main__":
    run_tap()
