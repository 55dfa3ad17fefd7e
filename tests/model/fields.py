# SPDX-License-Identifier: ISC
"""Each input kind's fields and the type rules of doc/contract.md, section 2,
as the model reads them: which error code a bad value earns."""
import re
from datetime import datetime

from money import DIGITS, parse_money, parse_rate

# (name, required, type); a type is a tuple whose first item names it
LINE_PRODUCT = [
    ("line_id", True, ("int", 1, 1000000)), ("sku", True, ("text", 64, False)),
    ("ean", False, ("ean",)), ("name", True, ("text", 200, False)),
    ("variant", False, ("text", 100, False)), ("size", False, ("text", 50, False)),
    ("quantity", True, ("qty",)), ("unit_price", True, ("money",)),
    ("discount", False, ("money",)), ("vat_rate", True, ("rate",)),
    ("country_of_origin", False, ("country",)), ("hs_code", False, ("hs",)),
    ("weight_grams", False, ("int", 0, 1000000000)),
]
LINE_QTY = [("line_id", True, ("int", 1, 1000000)), ("quantity", True, ("qty",))]
DELIVERY = [
    ("delivery_address1", False, ("text", 200, False)), ("delivery_address2", False, ("text", 200, False)),
    ("delivery_zip", False, ("text", 20, False)), ("delivery_city", False, ("text", 100, False)),
    ("delivery_country", False, ("country",)),
]

KINDS = {
    "orders": ("order", [
        ("order_number", True, ("id",)), ("order_date", True, ("date",)),
        ("market", True, ("id",)), ("currency", True, ("currency",)),
        ("prices_include_vat", False, ("bool",)),
        ("status", False, ("enum", ("pending", "confirmed"))),
        ("email", True, ("email",)), ("first_name", False, ("text", 100, False)),
        ("last_name", False, ("text", 100, False)), ("phone", False, ("text", 40, False)),
        ("billing_address1", True, ("text", 200, False)), ("billing_address2", False, ("text", 200, False)),
        ("billing_zip", True, ("text", 20, False)), ("billing_city", True, ("text", 100, False)),
        ("billing_country", True, ("country",)),
    ] + DELIVERY + [
        ("shipping_method", False, ("text", 100, False)), ("shipping_price", False, ("money",)),
        ("shipping_vat_rate", False, ("rate",)), ("payment_method", False, ("text", 64, False)),
        ("payment_reference", False, ("text", 128, False)), ("authorized_amount", False, ("money",)),
        ("captured_amount", False, ("money",)), ("capture_reference", False, ("text", 128, False)),
        ("voucher_code", False, ("text", 64, False)), ("voucher_value", False, ("money",)),
        ("grand_total", False, ("money",)), ("billing_state", False, ("text", 64, False)),
        ("delivery_state", False, ("text", 64, False)),
        ("language", False, ("enum", ("en", "sv", "de"))), ("delivery_date", False, ("date",)),
        ("internal_comment", False, ("text", 2000, True)), ("comment", False, ("text", 2000, True)),
    ], LINE_PRODUCT),
    "amendments": ("amendment", [
        ("amendment_id", True, ("id",)), ("order_number", True, ("id",)),
        ("status", False, ("enum", ("confirmed",))), ("hold", False, ("bool",)),
    ] + DELIVERY + [("delivery_state", False, ("text", 64, False)),
                    ("reissue_link", False, ("bool",)), ("comment", False, ("text", 2000, True))],
        LINE_PRODUCT),
    "cancellations": ("cancellation", [
        ("cancellation_id", True, ("id",)), ("order_number", True, ("id",)),
        ("whole_order", False, ("bool",)), ("reason", False, ("text", 500, True)),
    ], LINE_QTY),
    "shipments": ("shipment", [
        ("shipment_id", True, ("id",)), ("order_number", True, ("id",)),
        ("carrier", False, ("text", 100, False)), ("service", False, ("text", 100, False)),
        ("tracking", False, ("text", 100, False)), ("shipped", False, ("bool",)),
        ("shipped_at", False, ("date",)),
    ], LINE_QTY),
    "payments": ("payment", [
        ("event_id", True, ("id",)), ("order_number", True, ("id",)),
        ("type", True, ("enum", ("capture", "refund", "release", "authorization"))),
        ("request_id", False, ("ref",)),
        ("status", True, ("enum", ("success", "failed"))), ("amount", True, ("money",)),
        ("currency", True, ("currency",)), ("psp_reference", False, ("text", 128, False)),
        ("occurred_at", False, ("date",)),
    ], []),
    "returns": ("return", [
        ("return_id", True, ("id",)), ("order_number", True, ("id",)),
        ("shipment_id", True, ("id",)), ("reason", False, ("text", 500, True)),
        ("restock", False, ("bool",)), ("refund_shipping", False, ("bool",)),
        ("return_fee", False, ("money",)),
    ], LINE_QTY),
    "invoices": ("invoice", [
        ("invoice_id", True, ("id",)), ("order_number", False, ("id",)),
        ("currency", True, ("currency",)), ("email", True, ("email",)),
        ("name", True, ("text", 200, False)), ("billing_address1", True, ("text", 200, False)),
        ("billing_zip", True, ("text", 20, False)), ("billing_city", True, ("text", 100, False)),
        ("billing_country", True, ("country",)), ("due_date", False, ("date",)),
        ("template", False, ("id",)), ("text", False, ("text", 4000, True)),
    ], [("description", True, ("text", 500, False)), ("quantity", True, ("qty",)),
        ("unit_price", True, ("money",)), ("vat_rate", True, ("rate",))]),
    "actions": ("action", [
        ("action_id", True, ("id",)), ("order_number", True, ("id",)),
        ("action", True, ("enum", ("capture", "archive"))), ("shipment_id", False, ("id",)),
    ], []),
}
ID_FIELD = {"orders": "order_number", "amendments": "amendment_id",
            "cancellations": "cancellation_id", "shipments": "shipment_id",
            "payments": "event_id", "returns": "return_id", "invoices": "invoice_id",
            "actions": "action_id"}
KIND_ORDER = ["orders", "amendments", "cancellations", "shipments", "payments", "returns", "invoices",
              "actions"]

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,511}\Z")
DATE_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)\Z")
COUNTRIES = set("""AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM
BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA
LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split())


BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def text_ok(v, limit, multiline):
    """At most limit characters, on one line unless multiline; no control
    characters (C0, DEL, C1), no line or paragraph separators, no
    bidirectional overrides, no noncharacters (U+FDD0-U+FDEF, and the last
    two of every plane)."""
    if len(v) > limit:
        return False
    for ch in v:
        o = ord(ch)
        if ch in "\n\r\t" and multiline:
            continue
        if o < 0x20 or 0x7f <= o <= 0x9f or o in (0x2028, 0x2029) or o in BIDI or \
                0xFDD0 <= o <= 0xFDEF or o & 0xFFFE == 0xFFFE:
            return False
    return True


def date_ok(v):
    m = DATE_RE.match(v)
    if not m:
        return False
    try:
        datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                 int(m.group(5)), min(int(m.group(6)), 59))
    except ValueError:
        return False
    return int(m.group(6)) <= 60


def ean_ok(v):
    if not v.isdigit() or not v.isascii() or len(v) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in v]
    body, check = digits[:-1], digits[-1]
    s = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - s % 10) % 10 == check


def email_ok(v):
    if len(v) > 254 or " " in v or v.count("@") != 1:
        return False
    a, b = v.split("@")
    return bool(a) and bool(b) and text_ok(v, 254, False)


def check(ftype, v, currency):
    """The error code of value v for a field of type ftype, or None."""
    t = ftype[0]
    if t == "id":
        return None if ID_RE.match(v) and v.isascii() else "invalid_id"
    if t == "ref":
        return None if REF_RE.match(v) and v.isascii() else "invalid_id"
    if t == "text":
        return None if text_ok(v, ftype[1], ftype[2]) else "invalid_text"
    if t == "money":
        if currency is None:
            return None
        return None if parse_money(v, currency) is not None else "invalid_money"
    if t == "rate":
        return None if parse_rate(v) is not None else "invalid_rate"
    if t == "qty":
        return None if v.isascii() and v.isdigit() and 1 <= int(v) <= 100000 else "invalid_quantity"
    if t == "int":
        return None if v.isascii() and v.isdigit() and ftype[1] <= int(v) <= ftype[2] else "invalid_number"
    if t == "bool":
        return None if v in ("true", "false") else "invalid_bool"
    if t == "date":
        return None if date_ok(v) else "invalid_date"
    if t == "country":
        return None if v in COUNTRIES else "invalid_country"
    if t == "currency":
        return None if v in DIGITS else "invalid_currency"
    if t == "email":
        return None if email_ok(v) else "invalid_email"
    if t == "ean":
        return None if ean_ok(v) else "invalid_ean"
    if t == "hs":
        return None if v.isascii() and v.isdigit() and 6 <= len(v) <= 10 else "invalid_number"
    if t == "enum":
        return None if v in ftype[1] else "invalid_value"
    raise ValueError(t)


# The subdivisions of the countries whose addresses need a state
# (doc/contract.md 3.1): ISO 3166-2 without the country prefix.
STATES = {
    "US": set("AK AL AR AS AZ CA CO CT DC DE FL GA GU HI IA ID IL IN KS KY LA MA MD ME MI MN "
              "MO MP MS MT NC ND NE NH NJ NM NV NY OH OK OR PA PR RI SC SD TN TX UM UT VA VI "
              "VT WA WI WV WY".split()),
    "CA": set("AB BC MB NB NL NS NT NU ON PE QC SK YT".split()),
    "AU": set("ACT NSW NT QLD SA TAS VIC WA".split()),
}


def state_error(country, state):
    """The error code a state earns in an address of country, or None."""
    if country not in STATES:
        return None
    if not state:
        return "missing_field"
    return None if state in STATES[country] else "invalid_state"

