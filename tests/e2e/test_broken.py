# SPDX-License-Identifier: ISC
"""Broken order files: every type rule, missing fields, CSV structure, XML
well-formedness and schema, and the order rules.  Each must be rejected
with every error named by line, field and code, and leave the ledger as it
was."""
import hashlib
import unittest

from harness import Spool, codes, read, run_tap

HEAD = ["order_number", "order_date", "market", "currency", "prices_include_vat", "email",
        "billing_address1", "billing_zip", "billing_city", "billing_country", "shipping_price",
        "shipping_vat_rate", "payment_method", "payment_reference", "authorized_amount",
        "grand_total", "line_id", "sku", "ean", "name", "quantity", "unit_price", "discount",
        "vat_rate", "country_of_origin", "hs_code", "weight_grams", "comment"]
BASE = {"order_number": "B-1", "order_date": "2026-11-26T10:00:00Z", "market": "SE",
        "currency": "SEK", "prices_include_vat": "true", "email": "a@example.se",
        "billing_address1": "Gatan 1", "billing_zip": "11111", "billing_city": "Stockholm",
        "billing_country": "SE", "shipping_price": "", "shipping_vat_rate": "",
        "payment_method": "card", "payment_reference": "P-1", "authorized_amount": "200.00",
        "grand_total": "200.00", "line_id": "1", "sku": "SKU-1", "ean": "7350053850019",
        "name": "Thing", "quantity": "2", "unit_price": "100.00", "discount": "", "vat_rate": "25",
        "country_of_origin": "SE", "hs_code": "610910", "weight_grams": "100", "comment": ""}


def csv_row(**over):
    row = dict(BASE, **over)
    return ",".join(row[h] for h in HEAD)


def csv_file(*rows):
    return ",".join(HEAD) + "\n" + "".join(r + "\n" for r in rows)


# (name, file content, the (line, field, code) that the receipt must list)
TYPE_CASES = [
    ("bad id", csv_file(csv_row(order_number="-B1")), {(2, "order_number", "invalid_id")}),
    ("long id", csv_file(csv_row(order_number="B" * 65)), {(2, "order_number", "invalid_id")}),
    ("bad date", csv_file(csv_row(order_date="2026-02-30T10:00:00Z")), {(2, "order_date", "invalid_date")}),
    ("date without zone", csv_file(csv_row(order_date="2026-11-26T10:00:00")), {(2, "order_date", "invalid_date")}),
    ("money digits SEK", csv_file(csv_row(unit_price="100.0", grand_total="")), {(2, "unit_price", "invalid_money")}),
    ("money digits JPY", csv_file(csv_row(currency="JPY", unit_price="100", authorized_amount="200.00", grand_total="")),
     {(2, "authorized_amount", "invalid_money")}),
    ("negative money", csv_file(csv_row(discount="-1.00")), {(2, "discount", "invalid_money")}),
    ("money with comma", csv_file(csv_row(unit_price='"100,00"')), {(2, "unit_price", "invalid_money")}),
    ("rate above 100", csv_file(csv_row(vat_rate="125")), {(2, "vat_rate", "invalid_rate")}),
    ("rate with 3 decimals", csv_file(csv_row(vat_rate="7.755")), {(2, "vat_rate", "invalid_rate")}),
    ("quantity zero", csv_file(csv_row(quantity="0")), {(2, "quantity", "invalid_quantity")}),
    ("quantity too big", csv_file(csv_row(quantity="100001")), {(2, "quantity", "invalid_quantity")}),
    ("quantity not a number", csv_file(csv_row(quantity="two")), {(2, "quantity", "invalid_quantity")}),
    ("bool", csv_file(csv_row(prices_include_vat="yes")), {(2, "prices_include_vat", "invalid_bool")}),
    ("country", csv_file(csv_row(billing_country="SWE")), {(2, "billing_country", "invalid_country")}),
    ("country of origin", csv_file(csv_row(country_of_origin="XX")), {(2, "country_of_origin", "invalid_country")}),
    ("currency", csv_file(csv_row(currency="SEKK")), {(2, "currency", "invalid_currency")}),
    ("unsupported currency", csv_file(csv_row(currency="CHF")), {(2, "currency", "invalid_currency")}),
    ("email two ats", csv_file(csv_row(email="a@b@example.se")), {(2, "email", "invalid_email")}),
    ("email with space", csv_file(csv_row(email='"a b@example.se"')), {(2, "email", "invalid_email")}),
    ("ean check digit", csv_file(csv_row(ean="7350053850018")), {(2, "ean", "invalid_ean")}),
    ("ean length", csv_file(csv_row(ean="735005385")), {(2, "ean", "invalid_ean")}),
    ("hs code", csv_file(csv_row(hs_code="61091")), {(2, "hs_code", "invalid_number")}),
    ("weight", csv_file(csv_row(weight_grams="1.5")), {(2, "weight_grams", "invalid_number")}),
    ("line id zero", csv_file(csv_row(line_id="0")), {(2, "line_id", "invalid_number")}),
    ("status value", csv_file(csv_row().replace("SE,SEK,true", "SE,SEK,true")).replace(
        "prices_include_vat,", "prices_include_vat,status,").replace("SEK,true,", "SEK,true,shipped,"),
     {(2, "status", "invalid_value")}),
    ("text with control character", csv_file(csv_row(name="Bad\x01name")), {(2, "name", "invalid_text")}),
    ("text too long", csv_file(csv_row(name="x" * 201)), {(2, "name", "invalid_text")}),
    ("name on two lines", csv_file(csv_row(name='"two\nlines"')), {(2, "name", "invalid_text")}),
    ("invalid utf-8", csv_file(csv_row(billing_city="G\xf6teborg")), {(2, "billing_city", "invalid_text")}),
]

MISSING_CASES = [
    ("missing email", csv_file(csv_row(email="")), {(2, "email", "missing_field")}),
    ("missing sku", csv_file(csv_row(sku="")), {(2, "sku", "missing_field")}),
    ("missing required column", csv_file(csv_row()).replace("market,", "").replace(",SE,SEK", ",SEK"),
     {(1, "market", "missing_field")}),
    ("partial delivery address", csv_file(csv_row()).replace("comment", "delivery_city,comment").replace(
        "100,\n", "100,Uppsala,\n"),
     {(2, "delivery_address1", "missing_field"), (2, "delivery_zip", "missing_field"),
      (2, "delivery_country", "missing_field")}),
]

RULE_CASES = [
    ("grand total mismatch", csv_file(csv_row(grand_total="199.00")), {(2, "grand_total", "grand_total_mismatch")}),
    ("authorization without its method and reference",
     csv_file(csv_row(payment_method="", payment_reference="")),
     {(2, "payment_method", "missing_field"), (2, "payment_reference", "missing_field")}),
    ("discount above line", csv_file(csv_row(discount="200.01", grand_total="")),
     {(2, "discount", "discount_too_large")}),
    ("shipping without rate", csv_file(csv_row(shipping_price="10.00", grand_total="210.00", authorized_amount="210.00")),
     {(2, "shipping_vat_rate", "shipping_vat_rate_missing")}),
    ("duplicate line id", csv_file(csv_row(grand_total="400.00", authorized_amount="400.00"),
                                   csv_row(grand_total="400.00", authorized_amount="400.00")),
     {(3, "line_id", "duplicate_line_id")}),
]

STRUCTURE_CASES = [
    ("unknown column", csv_file(csv_row()).replace("comment\n", "comment,colour\n", 1).replace(",\n", ",red\n"),
     {(1, "colour", "csv_unknown_column")}),
    ("duplicate column", "sku," + csv_file(csv_row()).replace("\nB-1", "\nSKU-1,B-1"),
     {(1, "sku", "csv_duplicate_column")}),
    ("short row", csv_file(csv_row(), csv_row(line_id="2").rsplit(",", 2)[0]), {(3, None, "csv_column_count")}),
    ("inconsistent header", csv_file(csv_row(grand_total="400.00", authorized_amount="400.00"),
                                     csv_row(line_id="2", market="NO", grand_total="400.00", authorized_amount="400.00")),
     {(3, "market", "csv_header_mismatch")}),
    ("split record", csv_file(csv_row(grand_total="", authorized_amount="400.00"),
                              csv_row(order_number="B-2"),
                              csv_row(line_id="2", grand_total="", authorized_amount="400.00")),
     {(4, "order_number", "csv_split_record")}),
    ("stray quote", csv_file(csv_row(name='Th"ing')), {(2, None, "csv_syntax")}),
    ("unclosed quote", csv_file(csv_row()) + 'B-2,"open\n', {(3, None, "csv_syntax")}),
    ("header only", ",".join(HEAD) + "\n", {(1, None, "no_records")}),
    ("no lines", csv_file(csv_row(line_id="", sku="", ean="", name="", quantity="", unit_price="",
                                  vat_rate="", country_of_origin="", hs_code="", weight_grams="")),
     {(2, None, "no_lines")}),
]

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<orders xmlns="urn:sluice:1">\n'
XML_ORDER = """<order>
<order_number>X-1</order_number>
<order_date>2026-11-26T10:00:00Z</order_date>
<market>SE</market>
<currency>SEK</currency>
<email>a@example.se</email>
<billing_address1>Gatan 1</billing_address1>
<billing_zip>11111</billing_zip>
<billing_city>Stockholm</billing_city>
<billing_country>SE</billing_country>
<payment_method>card</payment_method>
<payment_reference>P-1</payment_reference>
<authorized_amount>100.00</authorized_amount>
<line>
<line_id>1</line_id>
<sku>S</sku>
<name>Thing</name>
<quantity>1</quantity>
<unit_price>100.00</unit_price>
<vat_rate>25</vat_rate>
</line>
</order>
"""


def xml_file(order=XML_ORDER):
    return XML_HEAD + order + "</orders>\n"


XML_CASES = [
    ("malformed", xml_file(XML_ORDER.replace("</market>", "</markt>")), {(6, None, "xml_malformed")}),
    ("truncated", xml_file()[:300], None),
    ("element out of order", xml_file(XML_ORDER.replace("<market>SE</market>\n", "").replace(
        "<email>", "<market>SE</market>\n<email>")), {(6, "currency", "xml_schema")}),
    ("unknown element", xml_file(XML_ORDER.replace("<email>", "<colour>red</colour>\n<email>")),
     {(8, "colour", "xml_schema")}),
    ("missing element", xml_file(XML_ORDER.replace("<sku>S</sku>\n", "")), {(16, "sku", "missing_field")}),
    ("bad value", xml_file(XML_ORDER.replace("<quantity>1</quantity>", "<quantity>zero</quantity>")),
     {(20, "quantity", "invalid_quantity")}),
    ("wrong root", XML_HEAD.replace("<orders", "<shipments") + "</shipments>\n", {(2, None, "xml_root")}),
    ("wrong namespace", xml_file().replace("urn:sluice:1", "urn:other"), {(2, None, "xml_root")}),
    ("doctype", xml_file().replace("<orders", '<!DOCTYPE orders [<!ENTITY x "y">]>\n<orders'),
     {(2, None, "xml_doctype")}),
    ("no records", XML_HEAD + "</orders>\n", None),
]

FILE_CASES = [
    ("empty file", "empty.csv", b"", {(0, None, "empty_file")}),
    ("unknown extension", "orders.txt", b"order_number\n", {(0, None, "unknown_format")}),
    ("no extension", "ORDERS", b"order_number\n", {(0, None, "unknown_format")}),
    ("binary garbage", "garbage.csv", bytes((i * 7919 + 13) % 256 for i in range(5000)), None),
    ("binary garbage xml", "garbage.xml", bytes((i * 7919 + 13) % 256 for i in range(5000)), None),
]


class Broken(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Spool()

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def reject(self, name, data, expected):
        self.s.drop("orders", name, data)
        self.s.run_once()
        r = self.s.receipt(name)
        self.assertEqual(r["status"], "rejected", name)
        self.assertTrue(r["errors"], name)
        for e in r["errors"]:
            self.assertTrue(e["code"] and e["message"], e)
        if expected is not None:
            self.assertLessEqual(expected, codes(r), name)
        filed = self.s.filed("rejected", name)
        self.assertEqual(len(filed), 1, name)
        self.assertEqual(read(filed[-1]), data if isinstance(data, bytes) else data.encode("latin-1"), name)
        return r

    def test_an_empty_element_is_one_error_where_it_stands(self):
        text = xml_file(XML_ORDER.replace("<quantity>1</quantity>", "<quantity></quantity>")
                        .replace("<name>Thing</name>", "<name/>"))
        r = self.reject("empty-elements.xml", text.encode(), None)
        self.assertEqual(codes(r), {(19, "name", "missing_field"), (20, "quantity", "missing_field")})

    def check_cases(self, cases, ext):
        accepted = self.s.status()["inputs"]["accepted"]
        for i, (title, text, expected) in enumerate(cases):
            with self.subTest(title):
                self.reject("%s-%d.%s" % (self._testMethodName, i, ext), text.encode("latin-1") if ext == "csv" else text.encode(), expected)
        # nothing of any of them reached the ledger
        self.assertEqual(self.s.status()["inputs"]["accepted"], accepted)
        for number in ("B-1", "B-2", "X-1"):
            self.assertIsNone(self.s.order(number))

    def test_type_rules(self):
        self.check_cases(TYPE_CASES, "csv")

    def test_missing_fields(self):
        self.check_cases(MISSING_CASES, "csv")

    def test_order_rules(self):
        self.check_cases(RULE_CASES, "csv")

    def test_csv_structure(self):
        self.check_cases(STRUCTURE_CASES, "csv")

    def test_xml(self):
        self.check_cases(XML_CASES, "xml")

    def test_files(self):
        for title, name, data, expected in FILE_CASES:
            with self.subTest(title):
                r = self.reject(name, data, expected)
                # read or not, the receipt identifies the file
                self.assertEqual(r["sha256"], hashlib.sha256(data).hexdigest())

    def test_every_error_of_a_file_is_listed(self):
        r = self.reject("many.csv", csv_file(csv_row(email="bad", quantity="0"),
                                             csv_row(order_number="B-2", currency="XXX", line_id="x")).encode(), None)
        self.assertEqual(codes(r), {(2, "email", "invalid_email"), (2, "quantity", "invalid_quantity"),
                                    (3, "currency", "invalid_currency"), (3, "line_id", "invalid_number")})

    def test_valid_control_is_accepted(self):
        """The base row the cases break is itself valid, so each case fails
        for its own reason."""
        self.s.drop("orders", "control.csv", csv_file(csv_row(order_number="OK-1")))
        self.s.drop("orders", "control.xml", xml_file(XML_ORDER.replace("X-1", "OK-2")))
        self.s.run_once()
        self.assertEqual(self.s.receipt("control.csv")["status"], "accepted")
        self.assertEqual(self.s.receipt("control.xml")["status"], "accepted")


if __name__ == "__main__":
    run_tap()
