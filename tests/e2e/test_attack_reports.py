# SPDX-License-Identifier: ISC
"""What sluice reports in JSON about hostile input: text is the text as it
was sent (a backslash is a backslash), an error's message is the one its
receipt gives, and only a file's name, which may be any bytes, is written
escaped."""
import os

from harness import SpoolTest, run_tap
from lifecycle_util import ORDER_HEAD, ORDER_LINE, csv


def an_order(number, **fields):
    row = {"order_number": number, "order_date": "2026-11-26T09:00:00Z", "market": "M",
           "currency": "SEK", "email": "buyer@example.com", "billing_address1": "Street 1",
           "billing_zip": "11111", "billing_city": "City", "billing_country": "SE",
           "payment_method": "card", "payment_reference": "PSP-1", "authorized_amount": "100.00",
           "line_id": 1, "sku": "SKU-1", "name": "Item", "quantity": 1, "unit_price": "100.00",
           "vat_rate": "25"}
    row.update(fields)
    return csv(ORDER_HEAD + ORDER_LINE, [row])


class Json(SpoolTest):
    def test_order_show_gives_text_as_sent(self):
        self.s.drop("orders", "o.csv", an_order("R-1", sku="A\\B", name="C:\\temp \u00e5",
                                                billing_address1="Gate 1 \\ Yard"))
        self.s.run_once()
        o = self.s.order("R-1")
        self.assertEqual((o["lines"][0]["sku"], o["lines"][0]["name"]), ("A\\B", "C:\\temp \u00e5"))
        self.assertEqual(o["billing"]["address1"], "Gate 1 \\ Yard")

    def test_status_gives_the_receipts_message(self):
        name = os.fsdecode(b"bad\\\xff.csv")
        self.s.drop("orders", name, an_order("R-2", quantity="x\u202e\\"))
        self.s.run_once()
        receipt = self.s.receipt(name)
        [last] = self.s.status()["last_errors"]
        self.assertEqual((last["file"], last["code"], last["message"]),
                         (receipt["file"], "invalid_quantity", receipt["errors"][0]["message"]))
        self.assertEqual(last["file"], "bad\\x5c\\xff.csv")
        self.assertIn("'x\\xe2\\x80\\xae\\x5c'", last["message"])


if __name__ == "__main__":
    run_tap()
