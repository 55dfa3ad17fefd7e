/* Unit tests of stages/money and stages/totals: minor units, rounding half
 * away from zero, VAT both ways, and cumulative allocation of parts. */
#include "config.h"

#include "stages/money.h"
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

	line_money(2, 159254, 26240, 1200, true, &m);
	ck_assert_int_eq(m.gross, 292268);
	ck_assert_int_eq(m.total, 292268);
	ck_assert_int_eq(m.vat, 31314);
	line_money(2, 170647, 55942, 1200, false, &m);
	ck_assert_int_eq(m.gross, 285352);
	ck_assert_int_eq(m.vat, 34242);
	ck_assert_int_eq(m.total, 319594);
	/* the largest line the contract allows does not overflow */
	line_money(100000, MONEY_MAX, 0, 10000, false, &m);
	ck_assert_int_eq(m.gross, 100000 * MONEY_MAX);
	ck_assert_int_eq(m.total, 2 * 100000 * MONEY_MAX);
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

static Suite *
money_suite(void)
{
	Suite *s = suite_create("money");
	TCase *tc = tcase_create("money");

	tcase_add_test(tc, parse_by_currency_digits);
	tcase_add_test(tc, format_minor_units);
	tcase_add_test(tc, currency_table);
	tcase_add_test(tc, round_half_away_from_zero);
	tcase_add_test(tc, vat_both_ways);
	tcase_add_test(tc, line_amounts);
	tcase_add_test(tc, parts_add_up);
	tcase_add_test(tc, order_totals_with_cancellation_and_shipping);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(money_suite)
