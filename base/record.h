/* SPDX-License-Identifier: ISC */
/*
 * record: one input record (an order, a shipment, ...) as both parsers
 * produce it: header fields and lines of fields, each with the line of the
 * file where it starts, so every error can name line and field.
 *
 * A record owns its strings (an arena that record_reset() recycles), so a
 * parser reuses one record for a whole file and memory does not grow with
 * the number of records.
 */
#ifndef SLUICE_RECORD_H
#define SLUICE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/errors.h"
#include "schemas/fields.h"

struct field_value {
	const char *s;   /* NUL-terminated; NULL when the field is absent */
	size_t len;
	long line;       /* where the field starts in the file */
	int64_t num;     /* the typed value after validation (money in minor
	                    units, rates in hundredths, bools 0/1) */
};

/* An extra attribute of a record (kinds with attributes only). */
struct record_attr {
	const char *name;   /* NUL-terminated, as given */
	size_t name_len;
	struct field_value value;
};

struct record {
	const struct kind_def *kind;
	long line;                  /* where the record starts */
	struct field_value *head;   /* kind->nhead values */
	struct field_value *lines;  /* nlines * kind->nline values */
	long *line_at;              /* where each line starts */
	size_t nlines;
	size_t cap_lines;
	struct record_attr *attrs;  /* in the order given, the first
	                               ATTR_MAX of nattrs (more are
	                               counted, not kept) */
	size_t nattrs;              /* how many were given */
	struct record_attr *empty;  /* the attributes given empty: no
	                               attributes, their names kept to be
	                               checked (the first ATTR_MAX) */
	size_t nempty;
	size_t bytes;               /* field bytes held, for the size limit */
	struct arena arena;         /* the field values' bytes */
};

struct record *record_new(const struct kind_def *kind);
void record_free(struct record *rec);
/* Forgets every field and line, keeping the memory for the next record. */
void record_reset(struct record *rec);
/* Copies s[0..len) into the record as header field idx; an empty value
 * leaves the field absent. */
void record_set_head(struct record *rec, size_t idx, const char *s, size_t len, long line);
/* Adds an extra attribute; past ATTR_MAX it is only counted.  One with a
 * value of len 0 is none: only its name is kept, among rec->empty. */
void record_add_attr(struct record *rec, const char *name, size_t name_len, const char *s,
    size_t len, long line);
/* The attribute named name, or NULL. */
const struct record_attr *record_attr(const struct record *rec, const char *name,
    size_t name_len);
/* Appends an empty line starting at the given line; returns its values. */
struct field_value *record_add_line(struct record *rec, long line);
/* Whether rec may take another line: it holds fewer than max_lines lines
 * and at most max_bytes of field text.  When not, reports
 * record_too_large at line, once per record (*reported remembers it). */
bool record_takes_line(const struct record *rec, size_t max_lines, size_t max_bytes, long line,
    bool *reported, struct errlist *errs);
/* Copies s[0..len) into field idx of line i (empty leaves it absent). */
void record_set_line(struct record *rec, size_t i, size_t idx, const char *s, size_t len, long line);
/* The values of line i. */
struct field_value *record_line(const struct record *rec, size_t i);

/* Called by a parser for each complete record, *rec; returns 0, or -1 to
 * stop the parse (the ledger failed: an environment error, not bad
 * input).  It may keep *rec and leave in its place another record of the
 * same kind, which the parser resets before it uses it. */
typedef int (*record_cb)(void *ctx, struct record **rec);

#endif
