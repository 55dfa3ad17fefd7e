# SPDX-License-Identifier: ISC
"""Large CSV inputs, which sluice parses on a thread of its own while it
applies them: every order lands, the errors are named at their lines and
fields with nothing added or lost, an order applied early in the file is
there for a later record, and records near the 16 MiB bound pass through
on bounded memory."""
import os

from harness import SLUICE, Spool, SpoolTest, codes, run_tap
from test_hostile import RSS_LIMIT_MIB, peak_rss_mib, run_once_on_bounded_memory

HEADER = ("order_number,order_date,market,currency,prices_include_vat,email,first_name,"
          "last_name,billing_address1,billing_zip,billing_city,billing_country,"
          "shipping_method,shipping_price,shipping_vat_rate,payment_method,payment_reference,"
          "authorized_amount,grand_total,line_id,sku,ean,name,quantity,unit_price,discount,"
          "vat_rate\n")


def order_row(n, unit_price="10.00", name="Product"):
    return ("LG-%06d,2026-11-26T10:00:00Z,SE,SEK,true,b%d@example.com,Ada,Lind,Storgatan 1,"
            "11151,Stockholm,SE,standard,0.00,25,card,PSP-%d,10.00,10.00,1,SKU-1,,%s,1,%s,,25\n"
            % (n, n, n, name, unit_price))


def orders_csv(count, faults=None):
    """count one-line orders; faults maps an order's index to the row
    written in its place."""
    faults = faults or {}
    return HEADER + "".join(faults.get(i, order_row(i)) for i in range(count))


class LargeCsv(SpoolTest):
    def test_every_order_of_a_large_file_lands(self):
        data = orders_csv(4000)
        self.assertGreater(len(data), 512 * 1024)   # well past the size parsed apart
        self.s.drop("orders", "large.csv", data)
        self.s.run_once()
        r = self.s.receipt("large.csv")
        self.assertEqual((r["status"], r["records"], r["errors"]), ("accepted", "4000", []))
        for n in (0, 1999, 3999):
            self.assertEqual(self.s.order("LG-%06d" % n)["grand_total"], "10.00")
        self.assertIsNone(self.s.order("LG-%06d" % 4000))

    def test_errors_are_named_where_they_are_and_only_there(self):
        # row k + 2 holds order k (line 1 is the header)
        faults = {
            3: order_row(3, unit_price="10.0"),
            1200: order_row(1200).replace("Ada,", "Ada,,", 1),
            2500: order_row(2500, unit_price="ten"),
            3998: order_row(3998).replace("b3998@example.com", "not-an-address"),
        }
        data = orders_csv(4000, faults) + 'LG-x,"never closed\n'
        self.s.drop("orders", "faulty.csv", data)
        self.s.run_once()
        r = self.s.receipt("faulty.csv")
        self.assertEqual(r["status"], "rejected")
        self.assertEqual(codes(r), {
            (5, "unit_price", "invalid_money"),
            (1202, None, "csv_column_count"),
            (2502, "unit_price", "invalid_money"),
            (4000, "email", "invalid_email"),
            (4002, None, "csv_syntax"),
        })
        # the lines in the order they are in the file
        self.assertEqual([int(e["line"]) for e in r["errors"]], [5, 1202, 2502, 4000, 4002])
        self.assertIsNone(self.s.order("LG-%06d" % 0))   # all or nothing

    def test_a_record_applied_early_is_seen_by_a_later_one(self):
        # the same order number twice with other content: the second is
        # checked against the first, applied under the file's savepoint
        data = orders_csv(3000, {2900: order_row(7, unit_price="11.00")})
        self.s.drop("orders", "twice.csv", data)
        self.s.run_once()
        r = self.s.receipt("twice.csv")
        self.assertEqual(r["status"], "rejected")
        self.assertIn((2902, "order_number", "csv_split_record"), codes(r))

    def test_records_near_the_bound_pass_on_bounded_memory(self):
        # four orders of 900 lines of 14 KiB names each (12 MiB a record):
        # a thread parsing ahead must not hold several at once
        name = "N" * (14 * 1024)
        rows = []
        for n in range(4):
            for line in range(1, 901):
                rows.append(order_row(n, name=name).replace(",1,SKU-1,", ",%d,SKU-1," % line))
        path = self.s.path("in", "orders", ".huge.csv.tmp")
        with open(path, "w") as f:
            f.write(HEADER)
            f.writelines(rows)
        os.rename(path, self.s.path("in", "orders", "huge.csv"))
        run_once_on_bounded_memory(self, self.s)
        r = self.s.receipt("huge.csv")
        self.assertEqual((r["status"], r["records"]), ("rejected", "4"))

    def test_records_of_many_short_lines_pass_on_bounded_memory(self):
        # seventy orders of 10000 lines with next to no text each: a record's
        # lines cost memory of their own, well beyond their few bytes of text,
        # and one thread held only one such record at a time
        cols = HEADER.rstrip("\n").split(",")
        row = [""] * len(cols)
        row[cols.index("line_id")] = "1"
        path = self.s.path("in", "orders", ".lines.csv.tmp")
        with open(path, "w") as f:
            f.write(HEADER)
            for n in range(70):
                row[0] = "ML-%d" % n
                f.write((",".join(row) + "\n") * 10000)
        os.rename(path, self.s.path("in", "orders", "lines.csv"))
        run_once_on_bounded_memory(self, self.s)
        r = self.s.receipt("lines.csv")
        self.assertEqual((r["status"], r["records"]), ("rejected", "70"))

    def test_errors_past_the_receipts_list_are_counted_on_bounded_memory(self):
        # seventy orders, each after 100000 rows of one cell, with
        # max_errors at its highest: the receipt lists the first 100000
        # errors and counts the rest, and one thread kept no more than those
        self.s.close()
        self.s = Spool(max_errors=100000)
        path = self.s.path("in", "orders", ".errors.csv.tmp")
        with open(path, "w") as f:
            f.write(HEADER)
            for n in range(70):
                f.write("x\n" * 100000)
                f.write(order_row(n))
        os.rename(path, self.s.path("in", "orders", "errors.csv"))
        rc, mib = peak_rss_mib([SLUICE, "--spool", self.s.root, "--config", self.s.config,
                                "run", "--once"])
        self.assertEqual(rc, 0)
        # the list itself takes about 60 MiB
        self.assertLess(mib, max(RSS_LIMIT_MIB, 128))
        r = self.s.receipt("errors.csv")
        self.assertEqual((r["status"], r["records"]), ("rejected", "70"))
        self.assertEqual(len(r["errors"]), 100001)


if __name__ == "__main__":
    run_tap()
