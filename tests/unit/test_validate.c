/* SPDX-License-Identifier: ISC */
/* Unit tests of stages/validate: every type rule of the contract, and
 * record validation with the errors it names. */
#include "config.h"

#include "stages/validate.h"
#include "testlib.h"

#define S(x) x, strlen(x)

START_TEST(ids)
{
	ck_assert(valid_id(S("EX-1001")));
	ck_assert(valid_id(S("a")));
	ck_assert(valid_id(S("9.x_y-z")));
	ck_assert(!valid_id(S("")));
	ck_assert(!valid_id(S("-lead")));
	ck_assert(!valid_id(S(".lead")));
	ck_assert(!valid_id(S("has space")));
	ck_assert(!valid_id(S("slash/no")));
	ck_assert(!valid_id(S("ünicode")));
	ck_assert(valid_id(S("A123456789012345678901234567890123456789012345678901234567890123")));
	ck_assert(!valid_id(S("A1234567890123456789012345678901234567890123456789012345678901234")));
}
END_TEST

START_TEST(dates)
{
	int64_t t;

	ck_assert(parse_date(S("2026-11-26T10:00:00Z"), &t));
	ck_assert_int_eq(t, 1795687200);
	ck_assert(parse_date(S("2026-11-26T11:00:00+01:00"), &t));
	ck_assert_int_eq(t, 1795687200);
	ck_assert(parse_date(S("2026-11-26T05:30:00-04:30"), &t));
	ck_assert_int_eq(t, 1795687200);
	ck_assert(parse_date(S("2026-11-26t10:00:00.123456z"), &t));
	ck_assert(parse_date(S("2024-02-29T00:00:00Z"), &t));
	ck_assert(parse_date(S("2000-02-29T00:00:00Z"), &t));
	ck_assert(!parse_date(S("2100-02-29T00:00:00Z"), &t));
	ck_assert(!parse_date(S("2026-02-29T00:00:00Z"), &t));
	ck_assert(!parse_date(S("2026-04-31T00:00:00Z"), &t));
	ck_assert(!parse_date(S("2026-13-01T00:00:00Z"), &t));
	ck_assert(!parse_date(S("2026-11-26T24:00:00Z"), &t));
	ck_assert(!parse_date(S("2026-11-26T10:60:00Z"), &t));
	ck_assert(!parse_date(S("2026-11-26T10:00:00"), &t));       /* no offset */
	ck_assert(!parse_date(S("2026-11-26 10:00:00Z"), &t));      /* space */
	ck_assert(!parse_date(S("2026-11-26"), &t));
	ck_assert(!parse_date(S("2026-11-26T10:00:00+1:00"), &t));
	ck_assert(!parse_date(S("2026-11-26T10:00:00+01:00x"), &t));
	ck_assert(!parse_date(S("2026-11-26T10:00:00.Z"), &t));
	ck_assert(!parse_date(S("26-11-2026T10:00:00Z"), &t));
}
END_TEST

START_TEST(rates)
{
	int64_t bp;

	ck_assert(parse_rate(S("25"), &bp));
	ck_assert_int_eq(bp, 2500);
	ck_assert(parse_rate(S("7.75"), &bp));
	ck_assert_int_eq(bp, 775);
	ck_assert(parse_rate(S("12.5"), &bp));
	ck_assert_int_eq(bp, 1250);
	ck_assert(parse_rate(S("0"), &bp));
	ck_assert_int_eq(bp, 0);
	ck_assert(parse_rate(S("100"), &bp));
	ck_assert_int_eq(bp, 10000);
	ck_assert(parse_rate(S("100.00"), &bp));
	ck_assert(!parse_rate(S("100.01"), &bp));
	ck_assert(!parse_rate(S("101"), &bp));
	ck_assert(!parse_rate(S("7.755"), &bp));
	ck_assert(!parse_rate(S("-1"), &bp));
	ck_assert(!parse_rate(S("25%"), &bp));
	ck_assert(!parse_rate(S("2.5.0"), &bp));
	ck_assert(!parse_rate(S("."), &bp));
	ck_assert(!parse_rate(S("25."), &bp));
	ck_assert(!parse_rate(S("1000"), &bp));
}
END_TEST

START_TEST(numbers)
{
	int64_t n;

	ck_assert(parse_uint(S("1"), 1, 100000, &n));
	ck_assert(parse_uint(S("100000"), 1, 100000, &n));
	ck_assert_int_eq(n, 100000);
	ck_assert(!parse_uint(S("100001"), 1, 100000, &n));
	ck_assert(!parse_uint(S("0"), 1, 100000, &n));
	ck_assert(!parse_uint(S("-1"), 1, 100000, &n));
	ck_assert(!parse_uint(S("1.0"), 1, 100000, &n));
	ck_assert(!parse_uint(S("zero"), 1, 100000, &n));
	ck_assert(!parse_uint(S(""), 0, 100000, &n));
	ck_assert(!parse_uint(S("99999999999999999999999"), 0, 100000, &n));
}
END_TEST

START_TEST(countries_emails_eans)
{
	ck_assert(valid_country(S("SE")));
	ck_assert(valid_country(S("KW")));
	ck_assert(valid_country(S("ZW")));
	ck_assert(!valid_country(S("se")));
	ck_assert(!valid_country(S("XX")));
	ck_assert(!valid_country(S("SWE")));
	ck_assert(!valid_country(S("UK")));

	ck_assert(valid_email(S("a@b")));
	ck_assert(valid_email(S("buyer366420@example.com")));
	ck_assert(!valid_email(S("no-at.example.com")));
	ck_assert(!valid_email(S("two@@example.com")));
	ck_assert(!valid_email(S("a@b@c")));
	ck_assert(!valid_email(S("@example.com")));
	ck_assert(!valid_email(S("user@")));
	ck_assert(!valid_email(S("us er@example.com")));
	ck_assert(!valid_email(S("user@exa\tmple.com")));

	ck_assert(valid_ean(S("7332208341658")));   /* EAN-13 */
	ck_assert(valid_ean(S("96385074")));        /* EAN-8 */
	ck_assert(valid_ean(S("036000291452")));    /* UPC-A */
	ck_assert(valid_ean(S("10036000291459")));  /* GTIN-14 */
	ck_assert(!valid_ean(S("7332208341657")));  /* wrong check digit */
	ck_assert(!valid_ean(S("733220834165")));   /* 12 digits, wrong check */
	ck_assert(!valid_ean(S("1234567")));
	ck_assert(!valid_ean(S("123456789012345")));
	ck_assert(!valid_ean(S("733220834165X")));

	ck_assert(valid_hs_code(S("620342")));
	ck_assert(valid_hs_code(S("6203420000")));
	ck_assert(!valid_hs_code(S("62034")));
	ck_assert(!valid_hs_code(S("62034200001")));
	ck_assert(!valid_hs_code(S("6203.42")));
}
END_TEST

START_TEST(states_and_attribute_names)
{
	ck_assert(state_required("US") && state_required("CA") && state_required("AU"));
	ck_assert(!state_required("SE") && !state_required(NULL));
	ck_assert(valid_state("US", S("CA")));
	ck_assert(valid_state("US", S("DC")));
	ck_assert(valid_state("US", S("UM")));
	ck_assert(!valid_state("US", S("ca")));
	ck_assert(!valid_state("US", S("ON")));
	ck_assert(!valid_state("US", S("US-CA")));
	ck_assert(!valid_state("US", S("C")));
	ck_assert(valid_state("CA", S("YT")));
	ck_assert(!valid_state("CA", S("CA")));
	ck_assert(valid_state("AU", S("NSW")));
	ck_assert(valid_state("AU", S("ACT")));
	ck_assert(!valid_state("AU", S("NS")));
	ck_assert(valid_state("SE", S("Skåne län")));

	ck_assert(valid_attr_name(S("gift_wrap")));
	ck_assert(valid_attr_name(S("0")));
	ck_assert(valid_attr_name(S("abcdefghijklmnopqrstuvwxyz012345")));
	ck_assert(!valid_attr_name(S("abcdefghijklmnopqrstuvwxyz0123456")));
	ck_assert(!valid_attr_name(S("")));
	ck_assert(!valid_attr_name(S("Gift")));
	ck_assert(!valid_attr_name(S("a-b")));
	ck_assert(!valid_attr_name(S("a b")));
}
END_TEST

START_TEST(email_length_limit)
{
	char e[300];

	memset(e, 'a', sizeof e);
	e[0] = 'x';
	e[1] = '@';
	ck_assert(valid_email(e, 254));
	ck_assert(!valid_email(e, 255));
}
END_TEST

START_TEST(texts)
{
	ck_assert(valid_text(S("Zürich"), 6, false));
	ck_assert(!valid_text(S("Zürichs"), 6, false));        /* 7 characters */
	ck_assert(valid_text(S("T-shirt \"Logo\""), 100, false));
	ck_assert(!valid_text(S("two\nlines"), 100, false));
	ck_assert(valid_text(S("two\nlines"), 100, true));
	ck_assert(!valid_text(S("nul\x01"), 100, true));
	ck_assert(!valid_text(S("bad \xc3\x28 utf8"), 100, true));
	ck_assert(!valid_text(S("overlong \xc0\xaf"), 100, true));
	ck_assert(!valid_text(S("surrogate \xed\xa0\x80"), 100, true));
	ck_assert(!valid_text(S("del \x7f"), 100, true));
}
END_TEST

/* What no text field takes, even where lines are allowed: C1 controls,
 * the bidirectional embeddings, overrides and isolates (an RLO makes
 * "gnp.exe" show as "exe.png"), and noncharacters (U+FFFE and U+FFFF are
 * not even characters of XML). */
START_TEST(texts_refuse_invisible_controls)
{
	static const char *const bad[] = {
		"nel \xc2\x85", "c1 \xc2\x80", "c1 \xc2\x9f", "lre \xe2\x80\xaa", "rlo \xe2\x80\xae",
		"lri \xe2\x81\xa6", "pdi \xe2\x81\xa9", "fffe \xef\xbf\xbe", "ffff \xef\xbf\xbf",
		"fdd0 \xef\xb7\x90", "fdef \xef\xb7\xaf", "1fffe \xf0\x9f\xbf\xbe",
		"10ffff \xf4\x8f\xbf\xbf", "ls \xe2\x80\xa8", "ps \xe2\x80\xa9",
	};
	static const char *const good[] = {
		"a0 \xc2\xa0nbsp", "lrm \xe2\x80\x8e", "2065 \xe2\x81\xa5", "202f \xe2\x80\xaf",
		"fdcf \xef\xb7\x8f", "fdf0 \xef\xb7\xb0", "fffd \xef\xbf\xbd", "1f600 \xf0\x9f\x98\x80",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(!valid_text(S(bad[i]), 100, true), "%s", bad[i]);
		ck_assert_msg(!valid_text(S(bad[i]), 100, false), "%s", bad[i]);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(valid_text(S(good[i]), 100, false), "%s", good[i]);
	ck_assert(valid_text(S("tab\tand\r\nlines"), 100, true));
	ck_assert(!valid_text(S("tab\ton one line"), 100, false));
	ck_assert(!valid_email(S("a\xef\xbf\xbf@example.com")));
	ck_assert(!valid_email(S("a\xe2\x80\xae@example.com")));
	ck_assert(!valid_email(S("a\xc2\x85@example.com")));
	ck_assert(valid_email(S("jos\xc3\xa9@example.com")));
}
END_TEST

/* Echoes of untrusted bytes (file names in receipts, logs) write every
 * byte that is not printable text as \xHH, the backslash too. */
START_TEST(sanitized_text)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain.csv", "plain.csv" },
		{ "C:\\temp", "C:\\x5ctemp" },
		{ "line\nbreak", "line\\x0abreak" },
		{ "z\xc3\xbcrich", "z\xc3\xbcrich" },
		{ "a\xef\xbf\xbe", "a\\xef\\xbf\\xbe" },
		{ "a\xef\xbf\xbf", "a\\xef\\xbf\\xbf" },
		{ "a\xc2\x85", "a\\xc2\\x85" },
		{ "gnp\xe2\x80\xae.exe", "gnp\\xe2\\x80\\xae.exe" },
		{ "a\xe2\x81\xa6" "b", "a\\xe2\\x81\\xa6b" },
		{ "overlong \xc0\xaf", "overlong \\xc0\\xaf" },
		{ "surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80" },
		{ "cut \xe2\x80", "cut \\xe2\\x80" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf b = { 0 };

		sanitize_text(cases[i].in, strlen(cases[i].in), &b);
		ck_assert_str_eq(buf_str(&b), cases[i].out);
		buf_free(&b);
	}
}
END_TEST

static struct record *
order_record(void)
{
	static const struct {
		int idx;
		const char *v;
	} head[] = {
		{ OH_order_number, "T-1" }, { OH_order_date, "2026-11-26T10:00:00Z" },
		{ OH_market, "M" }, { OH_currency, "SEK" }, { OH_email, "a@b.se" },
		{ OH_billing_address1, "Street 1" }, { OH_billing_zip, "11111" },
		{ OH_billing_city, "Stockholm" }, { OH_billing_country, "SE" },
		{ OH_payment_method, "card" }, { OH_payment_reference, "P-1" },
		{ OH_authorized_amount, "100.00" },
	};
	struct record *rec = record_new(kind_get(KIND_ORDERS));

	rec->line = 2;
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		record_set_head(rec, (size_t)head[i].idx, S(head[i].v), 2);
	record_add_line(rec, 2);
	record_set_line(rec, 0, PL_line_id, S("1"), 2);
	record_set_line(rec, 0, PL_sku, S("SKU"), 2);
	record_set_line(rec, 0, PL_name, S("Thing"), 2);
	record_set_line(rec, 0, PL_quantity, S("2"), 2);
	record_set_line(rec, 0, PL_unit_price, S("50.00"), 2);
	record_set_line(rec, 0, PL_vat_rate, S("25"), 2);
	return rec;
}

START_TEST(record_valid_with_defaults)
{
	struct record *rec = order_record();
	struct errlist errs;

	errlist_init(&errs, 100);
	ck_assert_int_eq(validate_record(rec, &errs), 0);
	ck_assert_int_eq(errs.n, 0);
	ck_assert_int_eq(rec->head[OH_authorized_amount].num, 10000);
	ck_assert_int_eq(rec->head[OH_prices_include_vat].num, 1);   /* default */
	ck_assert_int_eq(rec->head[OH_shipping_price].num, 0);       /* default */
	ck_assert_int_eq(record_line(rec, 0)[PL_unit_price].num, 5000);
	ck_assert_int_eq(record_line(rec, 0)[PL_vat_rate].num, 2500);
	ck_assert_int_eq(record_line(rec, 0)[PL_quantity].num, 2);
	errlist_free(&errs);
	record_free(rec);
}
END_TEST

START_TEST(record_errors_name_line_and_field)
{
	struct record *rec = order_record();
	struct errlist errs;

	record_set_head(rec, OH_email, S("not-an-email"), 2);
	record_set_head(rec, OH_currency, S("JPY"), 2);
	record_set_head(rec, OH_billing_country, NULL, 0, 2);
	record_add_line(rec, 3);
	record_set_line(rec, 1, PL_line_id, S("2"), 3);
	record_set_line(rec, 1, PL_sku, S("SKU2"), 3);
	record_set_line(rec, 1, PL_name, S("Other"), 3);
	record_set_line(rec, 1, PL_quantity, S("0"), 3);
	record_set_line(rec, 1, PL_unit_price, S("5"), 3);
	record_set_line(rec, 1, PL_vat_rate, S("25"), 3);
	record_set_line(rec, 1, PL_ean, S("7332208341657"), 4);
	errlist_init(&errs, 100);
	validate_record(rec, &errs);
	/* email; missing billing_country; quantity 0; ean; and in JPY both
	 * authorized_amount 100.00 and unit_price 50.00 have decimals */
	ck_assert_int_eq(errs.n, 6);
	ck_assert(errlist_has(&errs, 2, "email"));
	ck_assert(errlist_has(&errs, 2, "billing_country"));
	ck_assert(errlist_has(&errs, 3, "quantity"));
	ck_assert(errlist_has(&errs, 4, "ean"));
	ck_assert(errlist_has(&errs, 2, "authorized_amount"));
	ck_assert(errlist_has(&errs, 2, "unit_price"));
	ck_assert(!errlist_has(&errs, 3, "unit_price"));   /* "5" is fine in JPY */
	for (size_t i = 0; i < errs.n; i++)
		if (strcmp(errs.items[i].field, "billing_country") == 0)
			ck_assert_int_eq(errs.items[i].code, ERR_MISSING_FIELD);
		else if (strcmp(errs.items[i].field, "ean") == 0)
			ck_assert_int_eq(errs.items[i].code, ERR_INVALID_EAN);
	errlist_free(&errs);
	record_free(rec);
}
END_TEST

START_TEST(error_list_is_bounded)
{
	struct errlist errs;

	errlist_init(&errs, 3);
	for (int i = 0; i < 10; i++)
		errlist_add(&errs, 10 - i, "f", ERR_INVALID_ID, "error %d", i);
	ck_assert_int_eq(errs.n, 3);
	ck_assert_int_eq(errs.more, 7);
	ck_assert_int_eq(errlist_total(&errs), 10);
	errlist_sort(&errs);
	ck_assert_int_eq(errs.items[0].line, 8);
	ck_assert_int_eq(errs.items[2].line, 10);
	errlist_free(&errs);
}
END_TEST

CHECK_MAIN("validate", "types", NULL, ids, dates, rates, numbers, countries_emails_eans,
    states_and_attribute_names,
    email_length_limit, texts, texts_refuse_invisible_controls, sanitized_text,
    record_valid_with_defaults, record_errors_name_line_and_field, error_list_is_bounded)
