/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/money.h"

#define CURRENCY_CODE(code, digits) #code,
#define CURRENCY_DIGITS(code, digits) digits,

const char *const currency_codes[] = { CURRENCIES(CURRENCY_CODE) NULL };
/* The minor digits of currency_codes[i]. */
static const int currency_minor_digits[] = { CURRENCIES(CURRENCY_DIGITS) };

int
currency_digits(const char *code, size_t len)
{
	for (size_t i = 0; currency_codes[i] != NULL; i++)
		if (len == 3 && memcmp(code, currency_codes[i], 3) == 0)
			return currency_minor_digits[i];
	return -1;
}

bool
money_shape_ok(const char *s, size_t len)
{
	size_t i = 0, intd = 0, frac = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		i++;
		intd++;
	}
	if (intd == 0)
		return false;
	if (i == len)
		return true;
	if (s[i++] != '.')
		return false;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		i++;
		frac++;
	}
	return i == len && frac >= 1 && frac <= 3;
}

int
money_parse(const char *s, size_t len, int digits, int64_t *out)
{
	int64_t v = 0;
	size_t i = 0;
	int frac = 0;

	if (len == 0 || digits < 0)
		return -1;
	for (; i < len && s[i] != '.'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > MONEY_MAX / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return -1;
	if (i < len) {
		if (digits == 0)
			return -1;
		for (i++; i < len; i++, frac++) {
			if (s[i] < '0' || s[i] > '9' || frac >= digits)
				return -1;
			v = v * 10 + (s[i] - '0');
		}
	}
	if (frac != digits)
		return -1;
	if (v > MONEY_MAX)
		return -1;
	*out = v;
	return 0;
}

void
money_format(int64_t minor, int digits, char *out, size_t outsz)
{
	/* written backwards, without printf: amounts are formatted for every
	 * order */
	char text[MONEY_SIZE], *p = text + sizeof text;
	uint64_t m = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	size_t len;

	if (digits > 0 && digits <= 3) {
		for (int i = 0; i < digits; i++, m /= 10)
			*--p = (char)('0' + m % 10);
		*--p = '.';
	}
	do
		*--p = (char)('0' + m % 10);
	while ((m /= 10) != 0);
	if (minor < 0)
		*--p = '-';
	if (outsz == 0)
		return;
	len = (size_t)(text + sizeof text - p);
	if (len >= outsz)
		len = outsz - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

void
rate_format(int64_t bp, char *out, size_t outsz)
{
	if (bp % 100 == 0)
		snprintf(out, outsz, "%lld", (long long)(bp / 100));
	else if (bp % 10 == 0)
		snprintf(out, outsz, "%lld.%lld", (long long)(bp / 100), (long long)(bp % 100 / 10));
	else
		snprintf(out, outsz, "%lld.%02lld", (long long)(bp / 100), (long long)(bp % 100));
}

/* a op b for op '+', '-' or 'x', checked against int64 and the bound of
 * amounts. */
static int
checked(int64_t a, char op, int64_t b, int64_t *out)
{
	int64_t r;
	bool overflowed = op == '+' ? __builtin_add_overflow(a, b, &r) :
	    op == '-' ? __builtin_sub_overflow(a, b, &r) : __builtin_mul_overflow(a, b, &r);

	if (overflowed || r > MONEY_MAX || r < -MONEY_MAX)
		return -1;
	*out = r;
	return 0;
}

int
money_add(int64_t a, int64_t b, int64_t *out)
{
	return checked(a, '+', b, out);
}

int
money_sub(int64_t a, int64_t b, int64_t *out)
{
	return checked(a, '-', b, out);
}

int
money_mul(int64_t a, int64_t b, int64_t *out)
{
	return checked(a, 'x', b, out);
}

int64_t
div_round(__int128 num, int64_t den)
{
	__int128 q, r;

	q = num / den;
	r = num % den;
	if (r < 0)
		r = -r;
	if (2 * r >= den)
		q += num < 0 ? -1 : 1;
	return (int64_t)q;
}

int64_t
vat_of(int64_t gross, int64_t rate_bp, bool prices_include_vat)
{
	if (prices_include_vat)
		return div_round((__int128)gross * rate_bp, 10000 + rate_bp);
	return div_round((__int128)gross * rate_bp, 10000);
}

int
line_money(int64_t quantity, int64_t unit_price, int64_t discount, int64_t rate_bp,
    bool prices_include_vat, struct line_money *out)
{
	struct line_money m;

	if (money_mul(quantity, unit_price, &m.gross) != 0 ||
	    money_sub(m.gross, discount, &m.gross) != 0)
		return -1;
	m.vat = vat_of(m.gross, rate_bp, prices_include_vat);
	m.total = m.gross;
	if (!prices_include_vat && money_add(m.gross, m.vat, &m.total) != 0)
		return -1;
	*out = m;
	return 0;
}

int64_t
part_of(int64_t amount, int64_t k, int64_t n)
{
	if (n <= 0)
		return 0;
	return div_round((__int128)amount * k, n);
}
