/* SPDX-License-Identifier: ISC */
/* Unit tests of stages/money and stages/totals: minor units, rounding half
 * away from zero, VAT both ways, cumulative allocation of parts, and
 * checked arithmetic at the bound of amounts and at int64's. */
#include "config.h"

#include <stdlib.h>

#include "base/money.h"
#include "stages/totals.h"
#include "testlib.h"

START_TEST(parse_by_currency_digits)
{
	int64_t v;

	ck_assert_int_eq(money_parse("12.50", 5, 2, &v), 0);
	ck_assert_int_eq(v, 1250);
	ck_assert_int_eq(money_parse("0.05", 4, 2, &v), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_int_eq(money_parse("1250", 4, 0, &v), 0);
	ck_assert_int_eq(v, 1250);
	ck_assert_int_eq(money_parse("1.250", 5, 3, &v), 0);
	ck_assert_int_eq(v, 1250);
	/* exactly the currency's digits */
	ck_assert_int_eq(money_parse("12.5", 4, 2, &v), -1);
	ck_assert_int_eq(money_parse("12.500", 6, 2, &v), -1);
	ck_assert_int_eq(money_parse("12", 2, 2, &v), -1);
	ck_assert_int_eq(money_parse("12.00", 5, 0, &v), -1);
	ck_assert_int_eq(money_parse("1.25", 4, 3, &v), -1);
	/* never negative, never anything but digits and one point */
	ck_assert_int_eq(money_parse("-1.00", 5, 2, &v), -1);
	ck_assert_int_eq(money_parse("+1.00", 5, 2, &v), -1);
	ck_assert_int_eq(money_parse("1,00", 4, 2, &v), -1);
	ck_assert_int_eq(money_parse(".50", 3, 2, &v), -1);
	ck_assert_int_eq(money_parse("1.0a", 4, 2, &v), -1);
	ck_assert_int_eq(money_parse("1e3", 3, 0, &v), -1);
	ck_assert_int_eq(money_parse("", 0, 2, &v), -1);
	/* the upper bound */
	ck_assert_int_eq(money_parse("9999999999.99", 13, 2, &v), 0);
	ck_assert_int_eq(v, MONEY_MAX);
	ck_assert_int_eq(money_parse("10000000000.00", 14, 2, &v), -1);
	ck_assert_int_eq(strtoll(MONEY_MAX_TEXT, NULL, 10), MONEY_MAX);
	ck_assert_int_eq(money_parse("99999999999999999999999", 23, 0, &v), -1);
}
END_TEST

START_TEST(format_minor_units)
{
	char b[MONEY_SIZE];

	money_format(1250, 2, b, sizeof b);
	ck_assert_str_eq(b, "12.50");
	money_format(5, 2, b, sizeof b);
	ck_assert_str_eq(b, "0.05");
	money_format(0, 3, b, sizeof b);
	ck_assert_str_eq(b, "0.000");
	money_format(70317, 0, b, sizeof b);
	ck_assert_str_eq(b, "70317");
	money_format(-1250, 2, b, sizeof b);
	ck_assert_str_eq(b, "-12.50");
	money_format(1001, 3, b, sizeof b);
	ck_assert_str_eq(b, "1.001");
	money_format(-5, 3, b, sizeof b);
	ck_assert_str_eq(b, "-0.005");
	money_format(MONEY_MAX, 2, b, sizeof b);
	ck_assert_str_eq(b, "9999999999.99");
	money_format(-MONEY_MAX, 0, b, sizeof b);
	ck_assert_str_eq(b, "-999999999999");
	money_format(INT64_MIN, 2, b, sizeof b);
	ck_assert_str_eq(b, "-92233720368547758.08");
	money_format(INT64_MAX, 4, b, sizeof b);   /* no such currency: whole units */
	ck_assert_str_eq(b, "9223372036854775807");
}
END_TEST

START_TEST(format_cut_to_the_buffer)
{
	char b[6] = "xxxxx";
	struct buf text = { 0 };

	/* as snprintf cuts: what fits, and the end of the string */
	money_format(123456, 2, b, sizeof b);
	ck_assert_str_eq(b, "1234.");
	money_format(7, 2, b, 1);
	ck_assert_str_eq(b, "");
	money_format(7, 2, b, 0);
	ck_assert_str_eq(b, "");
	buf_put_int(&text, INT64_MIN);
	buf_putc(&text, ' ');
	buf_put_int(&text, 0);
	buf_putc(&text, ' ');
	buf_put_int(&text, INT64_MAX);
	ck_assert_str_eq(buf_str(&text), "-9223372036854775808 0 9223372036854775807");
	buf_free(&text);
}
END_TEST

START_TEST(currency_table)
{
	ck_assert_int_eq(currency_digits("SEK", 3), 2);
	ck_assert_int_eq(currency_digits("JPY", 3), 0);
	ck_assert_int_eq(currency_digits("KRW", 3), 0);
	ck_assert_int_eq(currency_digits("KWD", 3), 3);
	ck_assert_int_eq(currency_digits("BHD", 3), 3);
	ck_assert_int_eq(currency_digits("XXX", 3), -1);
	ck_assert_int_eq(currency_digits("sek", 3), -1);
	ck_assert_int_eq(currency_digits("SEKK", 4), -1);
}
END_TEST

START_TEST(round_half_away_from_zero)
{
	ck_assert_int_eq(div_round(5, 2), 3);
	ck_assert_int_eq(div_round(-5, 2), -3);
	ck_assert_int_eq(div_round(4, 3), 1);
	ck_assert_int_eq(div_round(5, 3), 2);
	ck_assert_int_eq(div_round(-4, 3), -1);
	ck_assert_int_eq(div_round(15, 10), 2);
	ck_assert_int_eq(div_round(14, 10), 1);
	ck_assert_int_eq(div_round(25, 10), 3);   /* not banker's rounding */
	ck_assert_int_eq(div_round(0, 7), 0);
}
END_TEST

START_TEST(vat_both_ways)
{
	/* 25% included in 125.00 is 25.00; 25% on top of 100.00 is 25.00 */
	ck_assert_int_eq(vat_of(12500, 2500, true), 2500);
	ck_assert_int_eq(vat_of(10000, 2500, false), 2500);
	/* 12% on 2853.52 is 342.4224 -> 342.42 */
	ck_assert_int_eq(vat_of(285352, 1200, false), 34242);
	/* 12% included in 2922.68: 313.1443 -> 313.14 */
	ck_assert_int_eq(vat_of(292268, 1200, true), 31314);
	/* 25% on 37.79 is 9.4475 -> 9.45 (half away from zero) */
	ck_assert_int_eq(vat_of(3779, 2500, false), 945);
	/* 7.75% included in 48498 (JPY): 3488.18... -> 3488 */
	ck_assert_int_eq(vat_of(48498, 775, true), 3488);
	/* 0% */
	ck_assert_int_eq(vat_of(21746, 0, true), 0);
	/* an exact half: 6% on 0.25 = 0.015 -> 0.02 */
	ck_assert_int_eq(vat_of(25, 600, false), 2);
}
END_TEST

START_TEST(line_amounts)
{
	struct line_money m;

	ck_assert_int_eq(line_money(2, 159254, 26240, 1200, true, &m), 0);
	ck_assert_int_eq(m.gross, 292268);
	ck_assert_int_eq(m.total, 292268);
	ck_assert_int_eq(m.vat, 31314);
	ck_assert_int_eq(line_money(2, 170647, 55942, 1200, false, &m), 0);
	ck_assert_int_eq(m.gross, 285352);
	ck_assert_int_eq(m.vat, 34242);
	ck_assert_int_eq(m.total, 319594);
	/* at the limit: 7999999999.99 + 25% = 9999999999.99 */
	ck_assert_int_eq(line_money(1, 799999999999, 0, 2500, false, &m), 0);
	ck_assert_int_eq(m.vat, 200000000000);
	ck_assert_int_eq(m.total, MONEY_MAX);
	ck_assert_int_eq(line_money(1, MONEY_MAX, 0, 2500, true, &m), 0);
	ck_assert_int_eq(m.total, MONEY_MAX);
	/* one minor unit beyond, by VAT, by quantity, by price: m untouched */
	m.total = 7;
	ck_assert_int_eq(line_money(1, 800000000000, 0, 2500, false, &m), -1);
	ck_assert_int_eq(line_money(2, 500000000000, 0, 0, true, &m), -1);
	ck_assert_int_eq(line_money(100000, MONEY_MAX, 0, 10000, false, &m), -1);
	ck_assert_int_eq(line_money(100000, MONEY_MAX, MONEY_MAX, 0, true, &m), -1);
	ck_assert_int_eq(line_money(INT64_MAX, INT64_MAX, 0, 0, true, &m), -1);
	ck_assert_int_eq(m.total, 7);
	/* a discount brings a product within the limit back only when the
	 * product itself fits */
	ck_assert_int_eq(line_money(2, MONEY_MAX / 2, 1, 0, true, &m), 0);
	ck_assert_int_eq(m.total, MONEY_MAX / 2 * 2 - 1);
}
END_TEST

START_TEST(checked_arithmetic_at_the_limits)
{
	int64_t r = 42;

	ck_assert_int_eq(money_add(MONEY_MAX, 0, &r), 0);
	ck_assert_int_eq(r, MONEY_MAX);
	ck_assert_int_eq(money_add(MONEY_MAX - 1, 1, &r), 0);
	ck_assert_int_eq(r, MONEY_MAX);
	ck_assert_int_eq(money_add(-MONEY_MAX, 0, &r), 0);
	ck_assert_int_eq(r, -MONEY_MAX);
	/* the exact result counts, not the operands */
	ck_assert_int_eq(money_add(INT64_MAX, INT64_MIN, &r), 0);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(money_sub(INT64_MAX, INT64_MAX, &r), 0);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(money_sub(INT64_MIN, INT64_MIN, &r), 0);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(money_mul(INT64_MIN, 0, &r), 0);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(money_mul(-1, MONEY_MAX, &r), 0);
	ck_assert_int_eq(r, -MONEY_MAX);
	ck_assert_int_eq(money_mul(999999, 1000000, &r), 0);
	ck_assert_int_eq(r, 999999000000);
	ck_assert_int_eq(money_sub(0, MONEY_MAX, &r), 0);
	ck_assert_int_eq(r, -MONEY_MAX);
	/* beyond the bound, or beyond int64: -1, r untouched */
	r = 42;
	ck_assert_int_eq(money_add(MONEY_MAX, 1, &r), -1);
	ck_assert_int_eq(money_add(-MONEY_MAX, -1, &r), -1);
	ck_assert_int_eq(money_add(INT64_MAX, 1, &r), -1);
	ck_assert_int_eq(money_add(INT64_MAX, INT64_MAX, &r), -1);
	ck_assert_int_eq(money_add(INT64_MIN, -1, &r), -1);
	ck_assert_int_eq(money_add(INT64_MIN, INT64_MIN, &r), -1);
	ck_assert_int_eq(money_sub(-MONEY_MAX, 1, &r), -1);
	ck_assert_int_eq(money_sub(MONEY_MAX, -1, &r), -1);
	ck_assert_int_eq(money_sub(INT64_MIN, 1, &r), -1);
	ck_assert_int_eq(money_sub(0, INT64_MIN, &r), -1);
	ck_assert_int_eq(money_sub(INT64_MAX, -1, &r), -1);
	ck_assert_int_eq(money_sub(INT64_MAX, INT64_MIN, &r), -1);
	ck_assert_int_eq(money_mul(1000000, 1000000, &r), -1);
	ck_assert_int_eq(money_mul(100000, MONEY_MAX, &r), -1);
	ck_assert_int_eq(money_mul(INT64_MIN, -1, &r), -1);
	ck_assert_int_eq(money_mul(INT64_MAX, 2, &r), -1);
	ck_assert_int_eq(money_mul(INT64_MAX, INT64_MAX, &r), -1);
	ck_assert_int_eq(money_mul(INT64_MIN, INT64_MIN, &r), -1);
	ck_assert_int_eq(money_mul(3037000500, 3037000500, &r), -1);
	ck_assert_int_eq(money_mul(-3037000500, 3037000500, &r), -1);
	ck_assert_int_eq(r, 42);
}
END_TEST

START_TEST(rounding_at_the_int64_limits)
{
	__int128 sum = 0;

	/* 128-bit intermediates: amount x k never overflows, and the quotient
	 * is at most the amount */
	ck_assert_int_eq(div_round(INT64_MAX, 1), INT64_MAX);
	ck_assert_int_eq(div_round(INT64_MIN, 1), INT64_MIN);
	ck_assert_int_eq(div_round((__int128)INT64_MAX * INT64_MAX, INT64_MAX), INT64_MAX);
	ck_assert_int_eq(div_round((__int128)INT64_MIN * INT64_MAX, INT64_MAX), INT64_MIN);
	ck_assert_int_eq(div_round(INT64_C(1) << 62, INT64_MAX), 1);   /* 2r >= den */
	ck_assert_int_eq(div_round((INT64_C(1) << 62) - 1, INT64_MAX), 0);
	ck_assert_int_eq(part_of(INT64_MAX, 1, 1), INT64_MAX);
	ck_assert_int_eq(part_of(INT64_MIN, 1, 1), INT64_MIN);
	ck_assert_int_eq(part_of(INT64_MAX, 99999, 100000), INT64_C(9223279803134407259));
	ck_assert_int_eq(part_of(INT64_MAX, 0, 100000), 0);
	for (int64_t k = 1; k <= 7; k++)
		sum += part_of(INT64_MAX, k, 7) - part_of(INT64_MAX, k - 1, 7);
	ck_assert(sum == INT64_MAX);
	ck_assert_int_eq(vat_of(INT64_MAX, 10000, false), INT64_MAX);
	ck_assert_int_eq(vat_of(INT64_MAX, 10000, true), INT64_C(4611686018427387904));
	ck_assert_int_eq(vat_of(INT64_MIN, 10000, true), INT64_C(-4611686018427387904));
	ck_assert_int_eq(vat_of(MONEY_MAX, 2500, false), 250000000000);
	ck_assert_int_eq(vat_of(MONEY_MAX, 2500, true), 200000000000);
}
END_TEST

START_TEST(parts_add_up)
{
	/* any split of a line into parts adds up to the line exactly */
	static const int64_t amounts[] = { 1000, 999, 1, 7, 292268, 70317, 100 };

	for (size_t a = 0; a < sizeof amounts / sizeof amounts[0]; a++)
		for (int64_t n = 1; n <= 13; n++) {
			int64_t sum = 0;

			for (int64_t k = 1; k <= n; k++)
				sum += part_of(amounts[a], k, n) - part_of(amounts[a], k - 1, n);
			ck_assert_int_eq(sum, amounts[a]);
			ck_assert_int_eq(part_of(amounts[a], 0, n), 0);
			ck_assert_int_eq(part_of(amounts[a], n, n), amounts[a]);
		}
	/* 10.00 in three parts: 3.33, 3.34, 3.33 (cumulative 333, 667, 1000) */
	ck_assert_int_eq(part_of(1000, 1, 3), 333);
	ck_assert_int_eq(part_of(1000, 2, 3), 667);
}
END_TEST

START_TEST(order_totals_with_cancellation_and_shipping)
{
	struct order_line lines[2] = {
		{ .line_id = 1, .quantity = 3, .unit_price = 1000, .vat_rate = 2500 },
		{ .line_id = 2, .quantity = 2, .unit_price = 500, .vat_rate = 1200 },
	};
	struct order o = { .prices_include_vat = false, .shipping_price = 4900,
		.shipping_vat_rate = 2500, .lines = lines, .nlines = 2 };
	struct order_totals t;

	ck_assert_int_eq(totals_order(&o, &t), 0);
	/* line 1: 30.00 + 7.50; line 2: 10.00 + 1.20; shipping 49.00 + 12.25 */
	ck_assert_int_eq(t.lines_total, 3750 + 1120);
	ck_assert_int_eq(t.shipping_total, 6125);
	ck_assert_int_eq(t.grand_total, 3750 + 1120 + 6125);
	ck_assert_int_eq(t.vat_total, 750 + 120 + 1225);
	/* one unit of line 1 cancelled: it keeps round(37.50 * 2 / 3) = 25.00 */
	lines[0].cancelled = 1;
	ck_assert_int_eq(totals_order(&o, &t), 0);
	ck_assert_int_eq(t.lines_total, 2500 + 1120);
	ck_assert_int_eq(t.vat_total, 500 + 120 + 1225);
	/* everything cancelled: no shipping either */
	lines[0].cancelled = 3;
	lines[1].cancelled = 2;
	ck_assert_int_eq(totals_order(&o, &t), 0);
	ck_assert_int_eq(t.grand_total, 0);
	ck_assert_int_eq(t.vat_total, 0);
}
END_TEST

START_TEST(order_totals_beyond_the_limit)
{
	struct order_line lines[3] = {
		{ .line_id = 1, .quantity = 1, .unit_price = 600000000000, .vat_rate = 2500 },
		{ .line_id = 2, .quantity = 1, .unit_price = 399999999999, .vat_rate = 2500 },
		{ .line_id = 3, .quantity = 1, .unit_price = 1, .vat_rate = 2500 },
	};
	struct order o = { .prices_include_vat = true, .lines = lines, .nlines = 2 };
	struct order_totals t;

	/* exactly the limit */
	ck_assert_int_eq(totals_order(&o, &t), 0);
	ck_assert_int_eq(t.grand_total, MONEY_MAX);
	/* one more line: it is where the sum goes beyond */
	o.nlines = 3;
	ck_assert_int_eq(totals_order(&o, &t), -1);
	ck_assert_uint_eq(t.beyond, 2);
	/* the shipping */
	o.nlines = 2;
	o.shipping_price = 1;
	ck_assert_int_eq(totals_order(&o, &t), -1);
	ck_assert_uint_eq(t.beyond, 2);
	/* shipping counts while a unit is not cancelled; a cancelled unit
	 * takes its line's amount off */
	lines[0].cancelled = 1;
	ck_assert_int_eq(totals_order(&o, &t), 0);
	ck_assert_int_eq(t.grand_total, 399999999999 + 1);
	/* a line beyond on its own */
	lines[0] = (struct order_line){ .line_id = 1, .quantity = 100000, .unit_price = MONEY_MAX };
	ck_assert_int_eq(totals_order(&o, &t), -1);
	ck_assert_uint_eq(t.beyond, 0);
	/* the shipping beyond, VAT added */
	lines[0] = (struct order_line){ .line_id = 1, .quantity = 1, .unit_price = 1 };
	o.nlines = 1;
	o.prices_include_vat = false;
	o.shipping_price = MONEY_MAX;
	o.shipping_vat_rate = 100;
	ck_assert_int_eq(totals_order(&o, &t), -1);
	ck_assert_uint_eq(t.beyond, 1);
}
END_TEST

CHECK_MAIN("money", "money", NULL, parse_by_currency_digits, format_minor_units,
    format_cut_to_the_buffer,
    currency_table, round_half_away_from_zero, vat_both_ways, line_amounts,
    checked_arithmetic_at_the_limits, rounding_at_the_int64_limits, parts_add_up,
    order_totals_with_cancellation_and_shipping, order_totals_beyond_the_limit)
