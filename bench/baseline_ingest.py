#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""baseline_ingest.py CSV DB: the plain script sluice's bulk ingest is
measured against.  Reads an order CSV of bench/gen_orders.py with the
standard library's csv, checks every field (required fields, types, money
format, lengths), and inserts the orders and their lines into two tables
of the SQLite database DB in one transaction (WAL, synchronous=FULL, as
sluice's ledger).  Exits 1 naming the first bad row."""
import csv
import re
import sqlite3
import sys

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?\Z")
MONEY = re.compile(r"(0|[1-9]\d{0,15})(\.\d{1,2})?\Z")
RATE = re.compile(r"\d{1,2}(\.\d{1,2})?\Z")
CODE2 = re.compile(r"[A-Z]{2}\Z")
CODE3 = re.compile(r"[A-Z]{3}\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


def money(value):
    """money text, checked, to integer minor units"""
    whole, _, cents = check(MONEY, value).partition(".")
    return int(whole) * 100 + int(cents.ljust(2, "0"))


def integer(text, low, high):
    n = int(text)
    if not low <= n <= high:
        raise ValueError(text)
    return n


def check(pattern, text):
    if not pattern.match(text):
        raise ValueError(text)
    return text


def text(value, most):
    if len(value) > most:
        raise ValueError(value)
    return value


def optional(fn, value, *args):
    return fn(value, *args) if value != "" else None


BOOL = {"true": 1, "false": 0}

db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE orders (number TEXT PRIMARY KEY, date TEXT NOT NULL, market TEXT,"
           " currency TEXT, gross INTEGER, email TEXT, first_name TEXT, last_name TEXT,"
           " address1 TEXT, zip TEXT, city TEXT, country TEXT, shipping_method TEXT,"
           " shipping_price INTEGER, shipping_vat TEXT, payment_method TEXT,"
           " payment_reference TEXT, authorized INTEGER, grand_total INTEGER)")
db.execute("CREATE TABLE lines (number TEXT, line_id INTEGER, sku TEXT, ean TEXT, name TEXT,"
           " quantity INTEGER, unit_price INTEGER, discount INTEGER, vat_rate TEXT,"
           " PRIMARY KEY (number, line_id))")
db.execute("BEGIN")
current = None
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        try:
            number = check(ID, row["order_number"])
            if number != current:
                current = number
                db.execute("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (
                    number, check(DATE, row["order_date"]), check(CODE2, row["market"]),
                    check(CODE3, row["currency"]), BOOL[row["prices_include_vat"]],
                    check(EMAIL, row["email"]), text(row["first_name"], 100),
                    text(row["last_name"], 100), text(row["billing_address1"], 200),
                    text(row["billing_zip"], 20), text(row["billing_city"], 100),
                    check(CODE2, row["billing_country"]), text(row["shipping_method"], 100),
                    money(row["shipping_price"]),
                    check(RATE, row["shipping_vat_rate"]), text(row["payment_method"], 100),
                    text(row["payment_reference"], 100),
                    optional(money, row["authorized_amount"]),
                    money(row["grand_total"])))
            db.execute("INSERT INTO lines VALUES (?,?,?,?,?,?,?,?,?)", (
                number, integer(row["line_id"], 1, 1000000), text(row["sku"], 64),
                optional(text, row["ean"], 14), text(row["name"], 200),
                integer(row["quantity"], 1, 1000000), money(row["unit_price"]),
                optional(money, row["discount"]),
                check(RATE, row["vat_rate"])))
        except (KeyError, ValueError, TypeError, sqlite3.IntegrityError) as e:
            sys.exit("baseline_ingest.py: bad row %r: %s" % (row, e))
db.execute("COMMIT")
db.close()
