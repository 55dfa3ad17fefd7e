# SPDX-License-Identifier: ISC
"""Orders end to end: accepted files, their receipts, archive and ledger
amounts worked out by hand; duplicates; reused order numbers; reused file
names."""
import os
import sqlite3

from harness import SpoolTest, codes, read, run_tap, EXAMPLES


class Orders(SpoolTest):
    def test_csv_and_xml_accepted_with_receipts(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.drop_example("orders", "orders.xml")
        self.s.run_once()
        for name in ("orders.csv", "orders.xml"):
            r = self.s.receipt(name)
            self.assertEqual(r["status"], "accepted")
            self.assertEqual(r["file"], name)
            self.assertEqual(r["kind"], "orders")
            self.assertEqual(r["records"], "2")
            self.assertEqual(r["errors"], [])
            archived = self.s.filed("archive", name)
            self.assertEqual(len(archived), 1)
            self.assertEqual(read(archived[0]), read(os.path.join(EXAMPLES, name)))
            self.assertEqual(os.listdir(self.s.path("in", "orders")), [])

    def test_amounts_sek_prices_include_vat(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        o = self.s.order("SL-1001")
        # line 1: 2 x 299.00 - 50.00 = 548.00, VAT 25% included = 109.60
        # line 2: 149.00, VAT 29.80; shipping 49.00 incl. 9.80 VAT
        self.assertEqual(o["status"], "confirmed")
        self.assertEqual(o["currency"], "SEK")
        self.assertEqual(o["grand_total"], "746.00")
        self.assertEqual(o["vat_total"], "149.20")
        self.assertEqual(o["authorized"], "746.00")
        self.assertEqual(o["due"], "0.00")
        self.assertEqual(o["captured"], "0.00")
        l1, l2 = o["lines"]
        self.assertEqual((l1["line_id"], l1["quantity"], l1["unit_price"], l1["discount"],
                          l1["vat_rate"], l1["line_total"], l1["vat"]),
                         (1, 2, "299.00", "50.00", "25", "548.00", "109.60"))
        self.assertEqual((l2["line_total"], l2["vat"]), ("149.00", "29.80"))
        self.assertEqual(o["hold"], False)
        self.assertEqual(o["shipments"], [])
        self.assertEqual(o["events"][0]["type"], "order_received")
        self.assertIn("orders.csv", o["events"][0]["source"])

    def test_amounts_eur_prices_exclude_vat_and_delivery(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        o = self.s.order("SL-1002")
        # 3 x 19.99 = 59.97 + 19% 11.39 = 71.36; 5.00 + 7% 0.35 = 5.35;
        # shipping 4.90 + 19% 0.93 = 5.83
        self.assertEqual(o["status"], "pending")
        self.assertEqual(o["grand_total"], "82.54")
        self.assertEqual(o["vat_total"], "12.67")
        self.assertEqual(o["shipping_total"], "5.83")
        self.assertEqual([l["line_total"] for l in o["lines"]], ["71.36", "5.35"])
        self.assertEqual(o["delivery"]["address1"], "Müllerstraße 40")
        self.assertEqual(o["billing"]["address1"], "Torstraße 5")

    def test_amounts_zero_and_three_minor_digits(self):
        self.s.drop_example("orders", "orders.xml")
        self.s.run_once()
        jpy = self.s.order("SL-1003")
        # 2 x 4980 = 9960, 10% included: 905.45 -> 905
        self.assertEqual((jpy["grand_total"], jpy["vat_total"]), ("9960", "905"))
        kwd = self.s.order("SL-1004")
        # 12.500 + 5% 0.625; shipping 1.250 + 5% 0.0625 -> 0.063
        self.assertEqual(kwd["lines"][0]["line_total"], "13.125")
        self.assertEqual((kwd["grand_total"], kwd["vat_total"]), ("14.438", "0.688"))
        self.assertEqual(kwd["authorized"], "15.000")

    def test_delivery_defaults_to_billing(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        o = self.s.order("SL-1001")
        self.assertEqual(o["delivery"], o["billing"])

    def test_same_file_twice_is_duplicate(self):
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        first = self.s.order("SL-1001")
        self.s.drop_example("orders", "orders.csv")
        self.s.run_once()
        r = self.s.receipt("orders.csv")
        self.assertEqual(r["status"], "duplicate")
        self.assertEqual(r["records"], "2")
        self.assertEqual(len(self.s.filed("archive", "orders.csv")), 2)
        self.assertEqual(self.s.order("SL-1001"), first)
        self.assertEqual(self.s.status()["inputs"],
                         {"accepted": 1, "duplicate": 1, "deferred": 0, "rejected": 0})

    def test_same_orders_in_other_format_is_duplicate(self):
        self.s.drop_example("orders", "orders.xml")
        self.s.run_once()
        xml = read(os.path.join(EXAMPLES, "orders.xml")).decode()
        # the same records, reformatted: other bytes, same content
        self.s.drop("orders", "again.xml", xml.replace("  ", "    "))
        self.s.run_once()
        self.assertEqual(self.s.receipt("again.xml")["status"], "duplicate")

    def test_reused_order_number_with_other_content_is_rejected(self):
        self.s.drop_example("orders", "orders.xml")
        self.s.run_once()
        xml = read(os.path.join(EXAMPLES, "orders.xml")).decode()
        changed = xml.replace("<email>noor@example.kw</email>", "<email>other@example.kw</email>")
        self.s.drop("orders", "changed.xml", changed)
        self.s.run_once()
        r = self.s.receipt("changed.xml")
        self.assertEqual(r["status"], "rejected")
        self.assertIn("order_number_reused", {e["code"] for e in r["errors"]})
        self.assertEqual(self.s.order("SL-1004")["email"], "noor@example.kw")
        self.assertEqual(len(self.s.filed("rejected", "changed.xml")), 1)

    def test_reused_file_name_is_a_new_input(self):
        self.s.drop_example("orders", "orders.xml", as_name="feed.xml")
        self.s.run_once()
        self.s.drop_example("orders", "orders.csv", as_name="feed.csv")
        csv = read(os.path.join(EXAMPLES, "orders.csv"))
        self.s.run_once()
        self.s.drop("orders", "feed.csv", csv.replace(b"SL-1001", b"SL-2001").replace(b"SL-1002", b"SL-2002"))
        self.s.run_once()
        self.assertEqual(self.s.receipt("feed.csv")["status"], "accepted")
        self.assertIsNotNone(self.s.order("SL-2001"))
        self.assertEqual(len(self.s.filed("archive", "feed.csv")), 2)

    def test_one_bad_record_rejects_the_whole_file(self):
        csv = read(os.path.join(EXAMPLES, "orders.csv")).decode()
        self.s.drop("orders", "mixed.csv", csv.replace("jonas.keller@example.de", "jonas-at-example.de"))
        self.s.run_once()
        r = self.s.receipt("mixed.csv")
        self.assertEqual(r["status"], "rejected")
        # header fields repeat on each row: the error is named once, where
        # the record starts (line 6; SL-1001 spans lines 2-5)
        self.assertEqual(codes(r), {(6, "email", "invalid_email")})
        self.assertIsNone(self.s.order("SL-1001"))

    def comment(self, number):
        """The comment the ledger keeps for an order (no command shows it)."""
        db = sqlite3.connect(self.s.path("ledger.db"))
        try:
            row = db.execute("SELECT comment FROM orders WHERE order_number = ?", (number,)).fetchone()
        finally:
            db.close()
        self.assertIsNotNone(row, number)
        return row[0]

    def test_bom_and_crlf(self):
        csv = read(os.path.join(EXAMPLES, "orders.csv"))
        crlf = b"\xef\xbb\xbf" + csv.replace(b"\n", b"\r\n")
        self.assertEqual(crlf.count(b"\r\n"), csv.count(b"\n"))
        self.s.drop("orders", "bom.csv", crlf)
        # the same file with LF line ends, under other order numbers
        self.s.drop("orders", "lf.csv", csv.replace(b"SL-100", b"SL-300"))
        # errors after the line breaks: the second order's rows are physical
        # lines 6 and 7 (each row of the first spans two: its comment holds
        # a line break), whatever the line ends
        bad = crlf.replace(b"SL-100", b"SL-400").replace(b"jonas.keller@example.de", b"jonas-at-example.de")
        bad = bad.replace(b"Field guide,1,", b"Field guide,one,")
        self.s.drop("orders", "bad.csv", bad)
        self.s.run_once()
        self.assertEqual(self.s.receipt("bom.csv")["status"], "accepted")
        # the quoted newline in the comment survives
        self.assertIsNotNone(self.s.order("SL-1001"))
        # as sent: CSV keeps a quoted line break's CR LF (doc/contract.md 1)
        self.assertEqual(self.comment("SL-1001"), "Gift wrap, please.\r\nLeave at the door.")
        self.assertEqual(self.s.receipt("lf.csv")["status"], "accepted")
        self.assertEqual(self.comment("SL-3001"), "Gift wrap, please.\nLeave at the door.")
        r = self.s.receipt("bad.csv")
        self.assertEqual(r["status"], "rejected")
        self.assertEqual(codes(r), {(6, "email", "invalid_email"), (7, "quantity", "invalid_quantity")})

    def test_an_empty_cell_is_named_on_its_own_line(self):
        """A required cell left empty is reported on the physical line where
        it stands, also after a quoted line break earlier in its row (the
        row's first line would point at the wrong line)."""
        head = (b"invoice_id,text,name,email,billing_country,billing_address1,billing_zip,"
                b"billing_city,currency,due_date,description,quantity,unit_price,vat_rate\n")
        row = (b'FT-1,"Thanks for\nyour order",Ada,ada@example.com,SE,,11151,Stockholm,SEK,'
               b'2026-12-31T00:00:00Z,Two lines,%s,10.00,25\n')
        data = head + row % b"1" + row % b""
        # FT-1's rows are lines 2-3 and 4-5: billing_address1 stands on
        # line 3 (a record's header fields are read from its first row),
        # the second row's quantity on line 5
        path = os.path.join(self.s.root, "ft.csv")
        with open(path, "wb") as f:
            f.write(data)
        r = self.s.sluice("check", "--kind", "invoices", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("ft.csv:3: billing_address1: missing_field:", r.stdout + r.stderr)
        self.assertIn("ft.csv:5: quantity: missing_field:", r.stdout + r.stderr)
        self.assertEqual(r.stdout.count("missing_field"), 2, r.stdout)


if __name__ == "__main__":
    run_tap()
