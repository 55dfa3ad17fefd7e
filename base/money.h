/* SPDX-License-Identifier: ISC */
/*
 * money: integer minor units and the rounding rules of the domain.  No
 * floating point anywhere on a money path: rounding is half away from
 * zero, computed in 128-bit integers.
 */
#ifndef SLUICE_MONEY_H
#define SLUICE_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The largest amount a money field may hold, in minor units, and the
 * largest amount sluice keeps or computes: a line's total, an order's, a
 * shipment's, a refund, an invoice's, an order's authorization.  Bounded
 * so far inside int64 that sums of millions of them cannot overflow.
 */
#define MONEY_MAX INT64_C(999999999999)
#define MONEY_MAX_TEXT "999999999999"   /* the same, for SQL */

/*
 * The supported ISO 4217 currencies with their minor digits, in the order
 * the contract lists them: X(code, digits).  The one list of them: the
 * currency table below, validation's messages, the meaning of the error
 * code invalid_currency and the generated XSDs all take theirs from it.
 * The first stands apart only so that CURRENCY_LIST is one string literal.
 */
#define CURRENCIES(X) CURRENCY_FIRST(X) CURRENCY_REST(X)
#define CURRENCY_FIRST(X) X(SEK, 2)
#define CURRENCY_REST(X)                                                \
	X(EUR, 2) X(USD, 2) X(NOK, 2) X(DKK, 2) X(GBP, 2) X(JPY, 0)     \
	X(KRW, 0) X(KWD, 3) X(BHD, 3)
#define CURRENCY_CODE_TEXT(code, digits) #code
#define CURRENCY_CODE_SPACED(code, digits) " " #code
/* "SEK EUR USD NOK DKK GBP JPY KRW KWD BHD", as a string literal. */
#define CURRENCY_LIST CURRENCY_FIRST(CURRENCY_CODE_TEXT) CURRENCY_REST(CURRENCY_CODE_SPACED)

/* The codes of CURRENCIES, in its order; NULL-terminated. */
extern const char *const currency_codes[];

/* Minor digits of a supported ISO 4217 code, or -1 when unsupported. */
int currency_digits(const char *code, size_t len);

/*
 * Parses a non-negative decimal with exactly `digits` fraction digits
 * ("12.50" for 2, "1250" for 0) into minor units.  Returns 0, or -1 when
 * the text is malformed, has other fraction digits, or exceeds MONEY_MAX.
 */
int money_parse(const char *s, size_t len, int digits, int64_t *out);
/* True when s looks like a decimal of any supported precision (0-3). */
bool money_shape_ok(const char *s, size_t len);
/* Formats minor units with `digits` fraction digits; out needs 32 bytes. */
void money_format(int64_t minor, int digits, char *out, size_t outsz);
#define MONEY_SIZE 32

/* Formats a VAT rate in hundredths of a percent as the contract writes it
 * ("25", "7.75", "12.5"); out needs 16 bytes. */
void rate_format(int64_t bp, char *out, size_t outsz);

/*
 * Checked arithmetic on amounts: *out = a + b, a - b or a x b and 0; or -1,
 * *out untouched, when the exact result lies beyond -MONEY_MAX..MONEY_MAX
 * (every result that would overflow int64 does).  Every amount that is
 * summed or multiplied goes through these.
 */
int money_add(int64_t a, int64_t b, int64_t *out);
int money_sub(int64_t a, int64_t b, int64_t *out);
int money_mul(int64_t a, int64_t b, int64_t *out);

/* num / den rounded half away from zero; den > 0, and the quotient fits
 * int64 (it does for every call below: |num / den| <= the amount). */
int64_t div_round(__int128 num, int64_t den);

/* VAT of a gross amount at rate (hundredths of a percent, 0 to 10000): at
 * most the gross in magnitude. */
int64_t vat_of(int64_t gross, int64_t rate_bp, bool prices_include_vat);

/* The money of one order line. */
struct line_money {
	int64_t gross;  /* quantity x unit_price - discount */
	int64_t total;  /* gross with VAT included */
	int64_t vat;
};

/* Computes a line's money; -1 (out untouched) when quantity x unit_price,
 * the gross or the total is beyond MONEY_MAX. */
int line_money(int64_t quantity, int64_t unit_price, int64_t discount, int64_t rate_bp,
    bool prices_include_vat, struct line_money *out);

/* The amount of the first k of n units (0 <= k <= n) of something worth
 * `amount`: round(amount * k / n), at most the amount in magnitude.  Parts
 * k..m are charged part(m) - part(k), so the parts of a whole always add
 * up to the whole. */
int64_t part_of(int64_t amount, int64_t k, int64_t n);

#endif
