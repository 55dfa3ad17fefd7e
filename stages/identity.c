#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stages/identity.h"

static bool
numeric(enum field_type t)
{
	return t == FT_MONEY || t == FT_RATE || t == FT_QTY || t == FT_BOOL || t == FT_INT ||
	    t == FT_POSINT;
}

/* name=value<US> for each field that has a value (its own or a default) */
static void
hash_fields(struct sha256 *h, const struct field_def *defs, size_t n,
    const struct field_value *vals)
{
	for (size_t i = 0; i < n; i++) {
		const struct field_value *v = &vals[i];
		char num[32];

		if (v->s == NULL && defs[i].dflt == NO_DEFAULT)
			continue;
		sha256_update(h, defs[i].name, strlen(defs[i].name));
		sha256_update(h, "=", 1);
		if (numeric(defs[i].type)) {
			int len = snprintf(num, sizeof num, "%" PRId64, v->num);

			sha256_update(h, num, (size_t)len);
		} else
			sha256_update(h, v->s, v->len);
		sha256_update(h, "\x1f", 1);
	}
}

void
identity_digest(const struct record *rec, struct sha256 *h, char hex[SHA256_HEX])
{
	const struct kind_def *k = rec->kind;

	sha256_reset(h);
	sha256_update(h, k->singular, strlen(k->singular));
	sha256_update(h, "\x1e", 1);
	hash_fields(h, k->head, k->nhead, rec->head);
	for (size_t i = 0; i < rec->nlines; i++) {
		sha256_update(h, "\x1d", 1);
		hash_fields(h, k->line, k->nline, record_line(rec, i));
	}
	sha256_final(h, hex);
}
