/* SPDX-License-Identifier: ISC */
#include "config.h"

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
canonical_fields(struct buf *b, const struct field_def *defs, size_t n,
    const struct field_value *vals)
{
	for (size_t i = 0; i < n; i++) {
		const struct field_value *v = &vals[i];

		if (v->s == NULL && defs[i].dflt == NO_DEFAULT)
			continue;
		buf_puts(b, defs[i].name);
		buf_putc(b, '=');
		if (numeric(defs[i].type))
			buf_put_int(b, v->num);
		else
			buf_append(b, v->s, v->len);
		buf_putc(b, '\x1f');
	}
}

/* name=value<US> for each extra attribute, by name: the order of the
 * columns or elements that gave them is no part of the content. */
static void
canonical_attrs(struct buf *b, const struct record *rec)
{
	const struct record_attr *by_name[ATTR_MAX];
	size_t n = rec->nattrs < ATTR_MAX ? rec->nattrs : ATTR_MAX;

	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && strcmp(by_name[j - 1]->name, rec->attrs[i].name) > 0) {
			by_name[j] = by_name[j - 1];
			j--;
		}
		by_name[j] = &rec->attrs[i];
	}
	for (size_t i = 0; i < n; i++) {
		buf_append(b, by_name[i]->name, by_name[i]->name_len);
		buf_putc(b, '=');
		buf_append(b, by_name[i]->value.s, by_name[i]->value.len);
		buf_putc(b, '\x1f');
	}
}

void
identity_digest(const struct record *rec, struct sha256 *h, struct buf *scratch,
    char hex[SHA256_HEX])
{
	const struct kind_def *k = rec->kind;

	/* one digest update of the whole canonical text: far cheaper than one
	 * per field */
	buf_reset(scratch);
	buf_puts(scratch, k->singular);
	buf_putc(scratch, '\x1e');
	canonical_fields(scratch, k->head, k->nhead, rec->head);
	/* a record without attributes keeps the digest it had before there
	 * were any */
	if (rec->nattrs > 0) {
		buf_putc(scratch, '\x1c');
		canonical_attrs(scratch, rec);
	}
	for (size_t i = 0; i < rec->nlines; i++) {
		buf_putc(scratch, '\x1d');
		canonical_fields(scratch, k->line, k->nline, record_line(rec, i));
	}
	sha256_reset(h);
	sha256_update(h, scratch->data, scratch->len);
	sha256_final(h, hex);
}
