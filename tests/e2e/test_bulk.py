# SPDX-License-Identifier: ISC
"""sluice bulk: a selection of orders from the ledger (each selector alone
and combined, --orders in its own order, unknown and repeated numbers) and
bulk export, whose JSON and CSV hold what `order show --json` shows,
written to a file that is replaced whole."""
import csv
import io
import json
import os
import re
import unittest

from harness import SpoolTest, read, run_tap
from lifecycle_util import amendment, cancellation, order, shipment

FORMULA_SKU = "=HYPERLINK(\"http://x\",\"a,b\")"

# number: (status after the story, market, delivery country, order date)
ORDERS = {
    "B-01": ("pending", "SE", "SE", "2026-11-20T09:00:00Z"),
    "B-02": ("confirmed", "SE", "NO", "2026-11-20T23:59:59+00:00"),
    "B-03": ("pending", "NO", "NO", "2026-11-21T00:30:00+01:00"),   # 11-20T23:30Z
    "B-04": ("processing", "NO", "SE", "2026-11-22T08:00:00Z"),
    "B-05": ("cancelled", "SE", "SE", "2026-11-22T10:00:00Z"),
    "B-06": ("pending", "SE", "SE", "2026-11-22T12:00:00Z"),
}
HELD = {"B-03"}
UNPAID = {"B-06"}


class Bulk(SpoolTest):
    def setUp(self):
        super().setUp()
        for n, (status, market, country, date) in sorted(ORDERS.items()):
            data = order(n, "SEK", True, "0.00" if n in UNPAID else "300.00",
                         [(1, 2, "100.00", "25"), (2, 1, "100.00", "25")],
                         status="pending" if status == "pending" else "",
                         order_date=date, market=market, delivery_address1="Road 1",
                         delivery_zip="111", delivery_city="Town", delivery_country=country)
            if n == "B-01":
                data = data.replace("SKU-2", '"' + FORMULA_SKU.replace('"', '""') + '"')
            self.s.drop("orders", n + ".csv", data)
        self.s.run_once()
        self.s.drop("amendments", "hold.csv", amendment("AM-H", "B-03", hold="true"))
        self.s.drop("shipments", "ship.csv", shipment("SH-4", "B-04", [(1, 1)], shipped=True))
        self.s.drop("cancellations", "c.csv", cancellation("C-5", "B-05", whole=True))
        self.s.run_once()
        for n, (status, *_rest) in ORDERS.items():
            o = self.s.order(n)
            self.assertEqual((o["status"], o["hold"]), (status, n in HELD), n)

    def export(self, *args, fmt="json", input=None, code=0):
        out = os.path.join(self.s.dir, "export." + fmt)
        r = self.s.sluice("bulk", "export", "--output", out, "--format", fmt, *args,
                          input=input)
        self.assertEqual(r.returncode, code, r.stderr)
        if code != 0:
            return r, None
        with open(out, newline="") as f:
            text = f.read()
        return r, json.loads(text) if fmt == "json" else list(csv.DictReader(io.StringIO(text)))

    def selected(self, *args):
        return [o["order_number"] for o in self.export(*args)[1]]

    def test_each_selector_alone(self):
        every = sorted(ORDERS)
        self.assertEqual(self.selected("--all"), every)
        self.assertEqual(self.selected("--status", "pending"), ["B-01", "B-03", "B-06"])
        self.assertEqual(self.selected("--status", "cancelled,processing"), ["B-04", "B-05"])
        self.assertEqual(self.selected("--market", "NO"), ["B-03", "B-04"])
        self.assertEqual(self.selected("--country", "NO"), ["B-02", "B-03"])
        self.assertEqual(self.selected("--hold", "true"), ["B-03"])
        self.assertEqual(self.selected("--hold", "false"), [n for n in every if n != "B-03"])
        # a date is a UTC day; --until takes that whole day; an offset counts
        self.assertEqual(self.selected("--until", "2026-11-20"), ["B-01", "B-02", "B-03"])
        self.assertEqual(self.selected("--since", "2026-11-21"), ["B-04", "B-05", "B-06"])
        self.assertEqual(self.selected("--since", "2026-11-22T10:00:00Z"), ["B-05", "B-06"])
        self.assertEqual(self.selected("--since", "2026-11-22T10:00:00.5Z"), ["B-06"])
        self.assertEqual(self.selected("--until", "2026-11-22T10:00:00Z"),
                         ["B-01", "B-02", "B-03", "B-04", "B-05"])
        self.assertEqual(self.selected("--market", "XX"), [])

    def test_selectors_combine(self):
        self.assertEqual(self.selected("--market", "SE", "--country", "SE"),
                         ["B-01", "B-05", "B-06"])
        self.assertEqual(self.selected("--status", "pending", "--market", "SE", "--since",
                                       "2026-11-21"), ["B-06"])
        self.assertEqual(self.selected("--all", "--country", "NO", "--hold", "false"), ["B-02"])
        self.assertEqual(self.selected("--since", "2026-11-20", "--until", "2026-11-20"),
                         ["B-01", "B-02", "B-03"])

    def test_orders_file_keeps_its_order_once_each(self):
        path = os.path.join(self.s.dir, "list.txt")
        with open(path, "w") as f:
            f.write("B-05\n\n  B-02  \r\nNOPE-9\nB-05\nB-01\n\t\n")
        r, got = self.export("--orders", path)
        self.assertEqual([o["order_number"] for o in got], ["B-05", "B-02", "B-01"])
        self.assertIn("skipped NOPE-9: unknown order", r.stderr)
        self.assertIn("exported 3 orders, 1 skipped", r.stderr)
        # with other selectors, the file's order still
        self.assertEqual(self.selected("--orders", path, "--market", "SE", "--status",
                                       "cancelled,pending"), ["B-05", "B-01"])
        # - reads standard input
        r, got = self.export("--orders", "-", input="B-04\nB-03\nB-04\n")
        self.assertEqual([o["order_number"] for o in got], ["B-04", "B-03"])

    def test_usage_errors(self):
        out = os.path.join(self.s.dir, "never.json")
        for args in [("export", "--output", out),                       # no selection
                     ("frobnicate", "--all"),                            # no such action
                     ("export", "--all"),                                # no --output
                     ("export", "--all", "--output", out, "--format", "xml"),
                     ("export", "--status", "pending,bogus", "--output", out),
                     ("export", "--status", "pending,", "--output", out),
                     ("export", "--hold", "yes", "--output", out),
                     ("export", "--since", "2026-13-01", "--output", out),
                     ("export", "--until", "yesterday", "--output", out),
                     ("export", "--orders"),
                     ("export", "--all", "--output", out, "extra"),
                     ()]:
            r = self.s.sluice("bulk", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn("usage: sluice bulk", r.stderr)
        self.assertIn("unknown action frobnicate; the actions are: confirm hold unhold ship",
                      self.s.sluice("bulk", "frobnicate", "--all").stderr)
        self.assertFalse(os.path.exists(out))

    def test_never_writes_into_the_spool(self):
        for target in (self.s.path("ledger.db"), self.s.path("in", "orders", "x.csv"),
                       self.s.path("out", "export.json")):
            before = os.path.exists(target) and read(target)
            r = self.s.sluice("bulk", "export", "--all", "--output", target)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("is in the spool", r.stderr)
            self.assertEqual(os.path.exists(target) and read(target), before)
        self.assertEqual(self.s.order("B-01")["order_number"], "B-01")

    def test_json_is_order_show(self):
        _, got = self.export("--all")
        self.assertEqual(len(got), len(ORDERS))
        for o in got:
            self.assertEqual(o, self.s.order(o["order_number"]))
        # to standard output too
        r = self.s.sluice("bulk", "export", "--status", "cancelled", "--output", "-")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), [self.s.order("B-05")])

    def test_csv_is_order_show_one_row_a_line(self):
        _, rows = self.export("--all", fmt="csv")
        scalars = ["order_number", "status", "hold", "awaiting_payment", "currency",
                   "prices_include_vat", "order_date", "market", "email", "grand_total",
                   "vat_total", "shipping_total", "authorized", "captured", "refunded", "due",
                   "captured_amount", "capture_reference", "voucher_code", "voucher_value"]
        fields = ["line_id", "sku", "name", "quantity", "shipped", "cancelled", "returned",
                  "unit_price", "discount", "voucher", "vat_rate", "line_total", "vat"]
        later = ["language", "delivery_date", "internal_comment"]
        self.assertEqual(list(rows[0]), scalars +
                         ["%s_%s" % (a, k) for a in ("billing", "delivery")
                          for k in ("address1", "address2", "zip", "city", "country", "state")]
                         + later + ["attributes"] + fields)

        def text(v):
            if isinstance(v, bool):
                return "true" if v else "false"
            if v is None:
                return ""
            v = str(v)
            number = re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v)
            return "'" + v if v[:1] in ("=", "+", "-", "@") and not number else v

        i = 0
        for n in sorted(ORDERS):
            o = self.s.order(n)
            for ln in o["lines"]:
                row = rows[i]
                i += 1
                for k in scalars + later:
                    self.assertEqual(row[k], text(o[k]), (n, k))
                self.assertEqual(row["attributes"], "")
                for a in ("billing", "delivery"):
                    for k, v in o[a].items():
                        self.assertEqual(row["%s_%s" % (a, k)], text(v), (n, a, k))
                for k in fields:
                    self.assertEqual(row[k], text(ln[k]), (n, k))
        self.assertEqual(i, len(rows))
        # a value a spreadsheet would run as a formula is defused, numbers are not
        b01 = [r for r in rows if r["order_number"] == "B-01"]
        self.assertEqual(b01[1]["sku"], "'" + FORMULA_SKU)
        self.assertTrue(all(not r["due"].startswith("'") for r in rows))

    def test_output_replaced_whole_and_atomically(self):
        out = os.path.join(self.s.dir, "export.json")
        with open(out, "w") as f:
            f.write("old " * 10000)
        _, got = self.export("--orders", "-", input="B-02\n")
        self.assertEqual([o["order_number"] for o in got], ["B-02"])
        self.assertEqual([f for f in os.listdir(self.s.root) if f.startswith(".export")], [])
        # a failure leaves the old file as it was and no temporary file
        r = self.s.sluice("bulk", "export", "--all", "--output",
                          os.path.join(self.s.dir, "no", "such", "dir.json"))
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.s.sluice("bulk", "export", "--orders", os.path.join(self.s.dir, "absent"),
                                       "--output", out).returncode, 70)
        with open(out) as f:
            self.assertEqual([o["order_number"] for o in json.load(f)], ["B-02"])
        self.assertEqual([f for f in os.listdir(self.s.root) if f.startswith(".export")], [])


if __name__ == "__main__":
    run_tap()
