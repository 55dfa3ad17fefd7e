/* SPDX-License-Identifier: ISC */
/*
 * validate: the type rules of the file contract, a checker per field type
 * (stages/validate.h).
 */
#include "config.h"

#include <stdio.h>

#include <string.h>

#include "base/token.h"
#include "base/money.h"
#include "stages/validate.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return len > 0;
}

/* 1..max of [A-Za-z0-9._-], starting with a letter or digit. */
static bool
valid_word(const char *s, size_t len, size_t max)
{
	if (len < 1 || len > max || !is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool
valid_id(const char *s, size_t len)
{
	return valid_word(s, len, 64);
}

/* An id followed by -<n>, n of 1 to 19 digits: a link's or a capture
 * request's number after the id it belongs to. */
static bool
valid_numbered_id(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_digit(s[len - 1 - n]))
		n++;
	return n >= 1 && n <= 19 && n + 1 < len && s[len - 1 - n] == '-' &&
	    valid_id(s, len - 1 - n);
}

/* A name sluice gives a payment request (CAP-, REF- or REL- before an id,
 * or before an id and -<n> when that name was taken: a capture requested
 * again, CAP-<shipment_id>-<n>) or a payment link (LINK-<order_number>-<n>):
 * longer than an id may be. */
static bool
valid_request_name(const char *s, size_t len)
{
	static const char *const prefixes[] = { "CAP-", "REF-", "REL-" };

	for (size_t i = 0; i < NELEM(prefixes); i++)
		if (len > 4 && memcmp(s, prefixes[i], 4) == 0)
			return valid_id(s + 4, len - 4) || valid_numbered_id(s + 4, len - 4);
	return len > 5 && memcmp(s, "LINK-", 5) == 0 && valid_numbered_id(s + 5, len - 5);
}

bool
valid_country(const char *s, size_t len)
{
	if (len != 2)
		return false;
	for (size_t i = 0; iso_countries[i] != NULL; i++)
		if (iso_countries[i][0] == s[0] && iso_countries[i][1] == s[1])
			return true;
	return false;
}

bool
valid_attr_name(const char *s, size_t len)
{
	if (len < 1 || len > ATTR_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'z') && s[i] != '_')
			return false;
	return true;
}

/* The subdivisions of the countries whose addresses need one (ISO 3166-2
 * codes without the country prefix), each list NULL-terminated. */
static const struct {
	const char *country;
	const char *const *codes;
} subdivisions[] = {
	{ "US", (const char *const[]){ "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC",
	    "DE", "FL", "GA", "GU", "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD",
	    "ME", "MI", "MN", "MO", "MP", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV",
	    "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX", "UM", "UT", "VA",
	    "VI", "VT", "WA", "WI", "WV", "WY", NULL } },
	{ "CA", (const char *const[]){ "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON",
	    "PE", "QC", "SK", "YT", NULL } },
	{ "AU", (const char *const[]){ "ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA",
	    NULL } },
};

static const char *const *
subdivisions_of(const char *country)
{
	for (size_t i = 0; country != NULL && i < NELEM(subdivisions); i++)
		if (strcmp(country, subdivisions[i].country) == 0)
			return subdivisions[i].codes;
	return NULL;
}

bool
state_required(const char *country)
{
	return subdivisions_of(country) != NULL;
}

bool
valid_state(const char *country, const char *s, size_t len)
{
	const char *const *codes = subdivisions_of(country);

	if (codes == NULL)
		return true;
	for (size_t i = 0; codes[i] != NULL; i++)
		if (strlen(codes[i]) == len && memcmp(codes[i], s, len) == 0)
			return true;
	return false;
}

bool
valid_email(const char *s, size_t len)
{
	const char *at;

	if (len < 3 || len > 254 || memchr(s, ' ', len) != NULL || !valid_text(s, len, 0, false))
		return false;
	at = memchr(s, '@', len);
	if (at == NULL || at == s || at == s + len - 1)
		return false;
	return memchr(at + 1, '@', len - (size_t)(at - s) - 1) == NULL;
}

bool
valid_ean(const char *s, size_t len)
{
	int sum = 0;

	if ((len != 8 && len != 12 && len != 13 && len != 14) || !all_digits(s, len))
		return false;
	/* weights 3, 1, 3, ... from the digit left of the check digit */
	for (size_t i = 0; i + 1 < len; i++) {
		int d = s[len - 2 - i] - '0';

		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (10 - sum % 10) % 10 == s[len - 1] - '0';
}

bool
valid_hs_code(const char *s, size_t len)
{
	return len >= 6 && len <= 10 && all_digits(s, len);
}

static bool
num2(const char *s, int *out)
{
	if (!is_digit(s[0]) || !is_digit(s[1]))
		return false;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool
parse_date(const char *s, size_t len, int64_t *epoch)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int yh, yl, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t i;
	int64_t y;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	if (!num2(s, &yh) || !num2(s + 2, &yl) || !num2(s + 5, &mo) || !num2(s + 8, &d) ||
	    !num2(s + 11, &h) || !num2(s + 14, &mi) || !num2(s + 17, &sec))
		return false;
	y = yh * 100 + yl;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
		return false;
	if (d > mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return false;
	i = 19;
	if (i < len && s[i] == '.') {
		size_t start = ++i;

		while (i < len && is_digit(s[i]))
			i++;
		if (i == start || i - start > 9)
			return false;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '+' ? 1 : -1;
		if (len - i != 6 || s[i + 3] != ':' || !num2(s + i + 1, &oh) ||
		    !num2(s + i + 4, &om) || oh > 23 || om > 59)
			return false;
		i += 6;
	} else
		return false;
	if (i != len)
		return false;
	*epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return true;
}

bool
parse_rate(const char *s, size_t len, int64_t *bp)
{
	int64_t whole = 0, frac = 0;
	size_t i = 0, fd = 0;

	while (i < len && is_digit(s[i]) && i < 3)
		whole = whole * 10 + (s[i++] - '0');
	if (i == 0)
		return false;
	if (i < len) {
		if (s[i++] != '.')
			return false;
		while (i < len && is_digit(s[i]) && fd < 2) {
			frac = frac * 10 + (s[i++] - '0');
			fd++;
		}
		if (fd == 0 || i != len)
			return false;
		if (fd == 1)
			frac *= 10;
	}
	*bp = whole * 100 + frac;
	return *bp <= 10000;
}

bool
parse_uint(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!all_digits(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (v > (max - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

bool
valid_text(const char *s, size_t len, long long max, bool multiline)
{
	long long chars = 0;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0 || (!unicode_printable(cp) &&
		    !(multiline && (cp == '\t' || cp == '\n' || cp == '\r'))))
			return false;
		chars++;
		i += n;
	}
	return max <= 0 || chars <= max;
}

/* Reports a bad value: the message quotes an escaped excerpt of it. */
static void
bad_value(struct errlist *errs, const struct field_def *f, const struct field_value *v,
    enum err_code code, const char *what)
{
	char ex[EXCERPT_SIZE];

	errlist_add(errs, v->line, f->name, code, "%s '%s' is not %s", f->name,
	    excerpt(v->s, v->len, 40, ex, sizeof ex), what);
}

/*
 * The type rules: per field type, a check of a value (giving its typed
 * value in *num where the type has one), and what the error says: its
 * code, and what a value must be (fixed, or written by describe() from the
 * field's limits).
 */
typedef bool type_check(const struct field_def *f, const struct field_value *v, int64_t *num);
typedef void type_describe(const struct field_def *f, struct buf *what);

static bool
check_id(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return valid_id(v->s, v->len);
}

static bool
check_ref(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	/* an id, a name sluice gave, or a token (which may be longer) */
	return valid_id(v->s, v->len) || valid_request_name(v->s, v->len) ||
	    (token_like(v->s) && valid_word(v->s, v->len, (size_t)f->limit));
}

static bool
check_text(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return valid_text(v->s, v->len, f->limit, f->type == FT_NOTE);
}

static void
describe_text(const struct field_def *f, struct buf *what)
{
	buf_printf(what, "valid UTF-8 text of at most %lld characters%s, without control or "
	    "bidirectional formatting characters", f->limit, f->type == FT_TEXT ? " on one line" : "");
}

static bool
check_date(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return parse_date(v->s, v->len, num);
}

static bool
check_money(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	/* the digits depend on the currency: validate_money() */
	return money_shape_ok(v->s, v->len);
}

static bool
check_rate(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return parse_rate(v->s, v->len, num);
}

static bool
check_qty(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return parse_uint(v->s, v->len, 1, 100000, num);
}

static bool
check_number(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return parse_uint(v->s, v->len, f->type == FT_POSINT ? 1 : 0, f->limit, num);
}

static void
describe_number(const struct field_def *f, struct buf *what)
{
	buf_printf(what, "a whole number from %d to %lld", f->type == FT_POSINT ? 1 : 0, f->limit);
}

static bool
check_bool(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	if (v->len == 4 && memcmp(v->s, "true", 4) == 0)
		*num = 1;
	else if (v->len == 5 && memcmp(v->s, "false", 5) == 0)
		*num = 0;
	else
		return false;
	return true;
}

static bool
check_country(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return valid_country(v->s, v->len);
}

static bool
check_currency(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return currency_digits(v->s, v->len) >= 0;
}

static bool
check_email(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return valid_email(v->s, v->len);
}

static bool
check_ean(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return valid_ean(v->s, v->len);
}

static bool
check_hs_code(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	return valid_hs_code(v->s, v->len);
}

static bool
check_enum(const struct field_def *f, const struct field_value *v, int64_t *num)
{
	/* by length, not strcmp: a CSV cell may hold a NUL byte */
	for (size_t i = 0; f->values[i] != NULL; i++)
		if (strlen(f->values[i]) == v->len && memcmp(f->values[i], v->s, v->len) == 0)
			return true;
	return false;
}

static void
describe_enum(const struct field_def *f, struct buf *what)
{
	buf_puts(what, "one of");
	for (size_t i = 0; f->values[i] != NULL; i++)
		buf_printf(what, " %s", f->values[i]);
}

static const struct type_rule {
	type_check *check;
	enum err_code code;
	const char *what;           /* what a value must be, or NULL: describe() */
	type_describe *describe;
} type_rules[] = {
	[FT_ID] = { check_id, ERR_INVALID_ID,
		"an id (1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)", NULL },
	[FT_REF] = { check_ref, ERR_INVALID_ID, "a request or link id, or a payment link token",
		NULL },
	[FT_TEXT] = { check_text, ERR_INVALID_TEXT, NULL, describe_text },
	[FT_NOTE] = { check_text, ERR_INVALID_TEXT, NULL, describe_text },
	[FT_DATE] = { check_date, ERR_INVALID_DATE,
		"an RFC 3339 date-time such as 2026-11-26T10:00:00Z", NULL },
	[FT_MONEY] = { check_money, ERR_INVALID_MONEY, "a decimal amount such as 12.50", NULL },
	[FT_RATE] = { check_rate, ERR_INVALID_RATE, "a VAT percent 0-100 with at most 2 decimals",
		NULL },
	[FT_QTY] = { check_qty, ERR_INVALID_QUANTITY, "a whole number from 1 to 100000", NULL },
	[FT_BOOL] = { check_bool, ERR_INVALID_BOOL, "true or false", NULL },
	[FT_COUNTRY] = { check_country, ERR_INVALID_COUNTRY, "an ISO 3166-1 alpha-2 country code",
		NULL },
	[FT_CURRENCY] = { check_currency, ERR_INVALID_CURRENCY,
		"a supported currency (" CURRENCY_LIST ")", NULL },
	[FT_EMAIL] = { check_email, ERR_INVALID_EMAIL,
		"an email address (one @, no spaces, at most 254 characters)", NULL },
	[FT_EAN] = { check_ean, ERR_INVALID_EAN,
		"an EAN/GTIN of 8, 12, 13 or 14 digits with a correct check digit", NULL },
	[FT_INT] = { check_number, ERR_INVALID_NUMBER, NULL, describe_number },
	[FT_POSINT] = { check_number, ERR_INVALID_NUMBER, NULL, describe_number },
	[FT_HS_CODE] = { check_hs_code, ERR_INVALID_NUMBER, "an HS code of 6 to 10 digits", NULL },
	[FT_ENUM] = { check_enum, ERR_INVALID_VALUE, NULL, describe_enum },
};

/* Checks v against the rule of f's type; 1 when it breaks it (error
 * added), else 0. */
static size_t
check_field(const struct field_def *f, struct field_value *v, struct errlist *errs)
{
	const struct type_rule *r = &type_rules[f->type];
	struct buf what = { 0 };
	int64_t num = v->num;

	/* a value of the type keeps its typed value; another leaves v as it was */
	if (r->check(f, v, &num)) {
		v->num = num;
		return 0;
	}
	if (r->describe != NULL)
		r->describe(f, &what);
	else
		buf_puts(&what, r->what);
	bad_value(errs, f, v, r->code, buf_str(&what));
	buf_free(&what);
	return 1;
}

/* Checks one set of fields (a header or a line) that starts at `line`. */
static size_t
check_fields(const struct field_def *defs, size_t n, struct field_value *vals, long line,
    struct errlist *errs)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		struct field_value *v = &vals[i];

		if (v->s == NULL) {
			/* an empty element or cell is named where it stands */
			if (defs[i].required) {
				errlist_add(errs, v->line > 0 ? v->line : line, defs[i].name,
				    ERR_MISSING_FIELD,
				    "required field %s is missing", defs[i].name);
				bad++;
			} else if (defs[i].dflt != NO_DEFAULT)
				v->num = defs[i].dflt;
			continue;
		}
		if (defs[i].type != FT_TEXT && defs[i].type != FT_NOTE && !utf8_valid(v->s, v->len)) {
			char ex[EXCERPT_SIZE];

			errlist_add(errs, v->line, defs[i].name, ERR_INVALID_TEXT,
			    "%s '%s' is not valid UTF-8", defs[i].name,
			    excerpt(v->s, v->len, 40, ex, sizeof ex));
			bad++;
			continue;
		}
		bad += check_field(&defs[i], v, errs);
	}
	return bad;
}

/* Reports attribute a of rec when its name is not one, or was given
 * before (`twice`); sets field to attr_<name> (an excerpt) for errors
 * about it.  Whether it reported. */
static bool
bad_attr_name(const struct record_attr *a, bool twice, char *field, size_t size,
    struct errlist *errs)
{
	char ex[EXCERPT_SIZE];

	snprintf(field, size, "%s%s", ATTR_COLUMN_PREFIX,
	    excerpt(a->name, a->name_len, 40, ex, sizeof ex));
	if (!valid_attr_name(a->name, a->name_len))
		errlist_add(errs, a->value.line, field, ERR_INVALID_ATTRIBUTE,
		    "attribute name '%s' is not 1-%d of a-z 0-9 _", ex, ATTR_NAME_MAX);
	else if (twice)
		errlist_add(errs, a->value.line, field, ERR_INVALID_ATTRIBUTE,
		    "attribute %s is given twice", a->name);
	return !valid_attr_name(a->name, a->name_len) || twice;
}

/* Whether one of the first n of rec's empty attributes is named as a. */
static bool
empty_named(const struct record *rec, size_t n, const struct record_attr *a)
{
	for (size_t i = 0; i < n; i++)
		if (rec->empty[i].name_len == a->name_len &&
		    memcmp(rec->empty[i].name, a->name, a->name_len) == 0)
			return true;
	return false;
}

/* Checks the extra attributes of rec: their names (well-formed, each
 * once, those given empty too), their number and their values, named
 * attr_<name> in errors. */
static size_t
check_attrs(struct record *rec, struct errlist *errs)
{
	size_t bad = 0, n = rec->nattrs < ATTR_MAX ? rec->nattrs : ATTR_MAX;
	char name[sizeof ATTR_COLUMN_PREFIX + EXCERPT_SIZE];

	if (rec->nattrs > ATTR_MAX) {
		errlist_add(errs, rec->attrs[0].value.line, ATTR_ELEMENT, ERR_INVALID_ATTRIBUTE,
		    "the %s has %zu extra attributes; at most %d are allowed", rec->kind->singular,
		    rec->nattrs, ATTR_MAX);
		bad++;
	}
	for (size_t i = 0; i < n; i++) {
		struct record_attr *a = &rec->attrs[i];
		struct field_def f = { name, FT_TEXT, false, ATTR_VALUE_MAX, NULL, NO_DEFAULT };

		if (bad_attr_name(a, record_attr(rec, a->name, a->name_len) != a, name, sizeof name,
		    errs))
			bad++;
		else
			bad += check_field(&f, &a->value, errs);
	}
	/* an empty one is no attribute, but a name all the same */
	for (size_t i = 0; i < rec->nempty; i++) {
		const struct record_attr *a = &rec->empty[i];

		if (bad_attr_name(a, record_attr(rec, a->name, a->name_len) != NULL ||
		    empty_named(rec, i, a), name, sizeof name, errs))
			bad++;
	}
	return bad;
}

/* The header index of the kind's currency field, or -1. */
static int
currency_field(const struct kind_def *k)
{
	for (size_t i = 0; i < k->nhead; i++)
		if (k->head[i].type == FT_CURRENCY)
			return (int)i;
	return -1;
}

size_t
validate_record(struct record *rec, struct errlist *errs)
{
	const struct kind_def *k = rec->kind;
	size_t bad;
	int cur, digits;

	bad = check_fields(k->head, k->nhead, rec->head, rec->line, errs);
	for (size_t i = 0; i < rec->nlines; i++)
		bad += check_fields(k->line, k->nline, record_line(rec, i), rec->line_at[i], errs);
	bad += check_attrs(rec, errs);
	if (k->lines == LINES_REQUIRED && rec->nlines == 0) {
		errlist_add(errs, rec->line, NULL, ERR_NO_LINES, "the %s has no lines", k->singular);
		bad++;
	}
	if ((cur = currency_field(k)) >= 0 && rec->head[cur].s != NULL &&
	    (digits = currency_digits(rec->head[cur].s, rec->head[cur].len)) >= 0)
		bad += validate_money(rec, digits, rec->head[cur].s, errs);
	return bad;
}

bool
kind_own_currency(const struct kind_def *k)
{
	return currency_field(k) >= 0;
}

static size_t
money_fields(const struct field_def *defs, size_t n, struct field_value *vals, int digits,
    const char *currency, struct errlist *errs)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		struct field_value *v = &vals[i];
		char what[96];

		if (defs[i].type != FT_MONEY || v->s == NULL || !money_shape_ok(v->s, v->len))
			continue;
		if (money_parse(v->s, v->len, digits, &v->num) == 0)
			continue;
		if (digits == 0)
			snprintf(what, sizeof what, "an amount in %s, which has no minor digits (such as 1250)",
			    currency);
		else
			snprintf(what, sizeof what, "an amount in %s with exactly %d decimals%s", currency,
			    digits, digits == 2 ? " (such as 12.50)" : " (such as 12.500)");
		bad_value(errs, &defs[i], v, ERR_INVALID_MONEY, what);
		bad++;
	}
	return bad;
}

size_t
validate_money(struct record *rec, int digits, const char *currency, struct errlist *errs)
{
	const struct kind_def *k = rec->kind;
	size_t bad;

	bad = money_fields(k->head, k->nhead, rec->head, digits, currency, errs);
	for (size_t i = 0; i < rec->nlines; i++)
		bad += money_fields(k->line, k->nline, record_line(rec, i), digits, currency, errs);
	return bad;
}
