# SPDX-License-Identifier: ISC
"""Money as the documents describe it: integer minor units, VAT and parts of
a line rounded half away from zero.  Written from doc/contract.md and
doc/lifecycle.md; it shares nothing with sluice's C."""

DIGITS = {"SEK": 2, "EUR": 2, "USD": 2, "NOK": 2, "DKK": 2, "GBP": 2,
          "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}
MONEY_MAX = 999999999999          # 9999999999.99 in minor units
INT64_MAX = 2 ** 63 - 1


def div_round(num, den):
    """num / den rounded half away from zero (den > 0)."""
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


def parse_money(text, currency):
    """Minor units of a money field, or None when it is not one (exactly the
    currency's minor digits, never negative, at most MONEY_MAX)."""
    d = DIGITS.get(currency)
    if d is None or text is None:
        return None
    if d == 0:
        if not text.isdigit() or not text.isascii():
            return None
        v = int(text)
    else:
        whole, dot, frac = text.partition(".")
        if not dot or len(frac) != d or not whole.isdigit() or not frac.isdigit() \
                or not whole.isascii() or not frac.isascii():
            return None
        v = int(whole) * 10 ** d + int(frac)
    return v if v <= MONEY_MAX else None


def fmt_money(v, currency):
    """Minor units as the decimal string sluice writes ("746.00")."""
    d = DIGITS[currency]
    sign = "-" if v < 0 else ""
    v = abs(v)
    if d == 0:
        return sign + str(v)
    return "%s%d.%0*d" % (sign, v // 10 ** d, d, v % 10 ** d)


def parse_rate(text):
    """A VAT rate in hundredths of a percent, or None."""
    if text is None or not text.isascii():
        return None
    whole, dot, frac = text.partition(".")
    if not whole.isdigit() or (dot and (not frac.isdigit() or len(frac) > 2)):
        return None
    v = int(whole) * 100 + (int(frac.ljust(2, "0")) if dot else 0)
    return v if v <= 10000 else None


def fmt_rate(r):
    """A rate in hundredths as a string without needless zeros ("25", "12.5")."""
    if r % 100 == 0:
        return str(r // 100)
    s = "%d.%02d" % (r // 100, r % 100)
    return s.rstrip("0")


def line_amounts(gross, rate, incl):
    """(total, vat) of a gross amount at a rate (hundredths)."""
    if incl:
        return gross, div_round(gross * rate, 10000 + rate)
    vat = div_round(gross * rate, 10000)
    return gross + vat, vat


def part(amount, k, n):
    """The first k of n units' share of amount."""
    return div_round(amount * k, n)


def slice_of(amount, k, q, n):
    """The share of units k+1..k+q of n."""
    return part(amount, k + q, n) - part(amount, k, n)
