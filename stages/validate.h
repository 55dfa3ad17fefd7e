/* SPDX-License-Identifier: ISC */
/*
 * validate: the type rules of the file contract, driven by the field
 * tables.  Each check is also exported on its own for the unit tests and
 * for the rules that need one.
 */
#ifndef SLUICE_VALIDATE_H
#define SLUICE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/errors.h"
#include "base/record.h"

bool valid_id(const char *s, size_t len);
bool valid_country(const char *s, size_t len);
bool valid_email(const char *s, size_t len);
/* An extra attribute's name: 1-ATTR_NAME_MAX of a-z 0-9 _. */
bool valid_attr_name(const char *s, size_t len);
/* Whether addresses in country (ISO 3166-1 alpha-2) need a state: US, CA
 * and AU, whose subdivisions sluice knows. */
bool state_required(const char *country);
/* Whether s is a subdivision code (ISO 3166-2 without the country prefix,
 * upper case) of country; any text is one for a country that needs none. */
bool valid_state(const char *country, const char *s, size_t len);
bool valid_ean(const char *s, size_t len);
bool valid_hs_code(const char *s, size_t len);
/* RFC 3339 date-time; on success *epoch holds seconds since 1970 UTC. */
bool parse_date(const char *s, size_t len, int64_t *epoch);
/* VAT percent 0-100 with up to 2 decimals, as hundredths. */
bool parse_rate(const char *s, size_t len, int64_t *bp);
/* A whole number of digits only, within [min, max]. */
bool parse_uint(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
/* UTF-8 text of at most max characters (max <= 0: any number) of what
 * unicode_printable() allows, and where multiline is true tab, CR and LF. */
bool valid_text(const char *s, size_t len, long long max, bool multiline);

/*
 * Checks every field of rec against its type, fills each value's num and
 * reports an error per fault (missing required fields included).  Money
 * fields are checked against the record's own currency field when the
 * kind has one; kinds without one call validate_money() once the order's
 * currency is known.  Returns the number of errors added.
 */
size_t validate_record(struct record *rec, struct errlist *errs);

/* True when the kind's amounts are in a currency field of its own, which
 * validate_record() reads; false when they are in the order's. */
bool kind_own_currency(const struct kind_def *k);

/* Checks the money fields of rec (header and lines) for `digits` minor
 * digits and fills their num.  Returns the number of errors added. */
size_t validate_money(struct record *rec, int digits, const char *currency, struct errlist *errs);

#endif
