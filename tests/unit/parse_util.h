/* SPDX-License-Identifier: ISC */
/*
 * parse_util: runs a parser over a string and keeps a text summary of each
 * record ("L2 order_number=EX-1@2 | L2 line_id=1@2 ..."), for the parser
 * unit tests to compare.
 */
#ifndef SLUICE_PARSE_UTIL_H
#define SLUICE_PARSE_UTIL_H

#include "base/util.h"
#include "stages/parse.h"
#include "testlib.h"

struct collected {
	struct buf text;
	size_t n;
};

static inline void
summarize(struct buf *b, const struct field_def *defs, size_t n, const struct field_value *v)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].s != NULL)
			buf_printf(b, " %s=%s@%ld", defs[i].name, v[i].s, v[i].line);
}

/* Appends a line that sums up rec to b. */
static inline void
summarize_record(struct buf *b, const struct record *rec)
{
	const struct kind_def *k = rec->kind;

	buf_printf(b, "L%ld", rec->line);
	summarize(b, k->head, k->nhead, rec->head);
	for (size_t i = 0; i < rec->nlines; i++) {
		buf_printf(b, " | L%ld", rec->line_at[i]);
		summarize(b, k->line, k->nline, record_line(rec, i));
	}
	buf_puts(b, "\n");
}

static inline int
collect_record(void *ctx, struct record **rec)
{
	struct collected *c = ctx;

	summarize_record(&c->text, *rec);
	c->n++;
	return 0;
}

static const struct parse_limits test_limits = { 65536, 1000, MAX_RECORD_BYTES };

/* Parses text as kind k with fn; returns the number of records. */
static inline size_t
parse_text(parse_fn fn, enum kind k, const char *text, size_t len, struct collected *c,
    struct errlist *errs)
{
	int fd = temp_fd(text, len);
	size_t nrec = 0;

	memset(c, 0, sizeof *c);
	errlist_init(errs, 100);
	ck_assert_int_eq(fn(fd, "test", kind_get(k), &test_limits, collect_record, c, errs, &nrec), 0);
	close(fd);
	ck_assert_int_eq(nrec, c->n);
	return nrec;
}

/* Frees what parse_text() filled in. */
static inline void
collected_free(struct collected *c, struct errlist *errs)
{
	buf_free(&c->text);
	errlist_free(errs);
}

/* The code of the first error found at line (with field, if given). */
static inline int
error_code_at(const struct errlist *errs, long line, const char *field)
{
	for (size_t i = 0; i < errs->n; i++)
		if (errs->items[i].line == line && (field == NULL ||
		    (errs->items[i].field != NULL && strcmp(errs->items[i].field, field) == 0)))
			return (int)errs->items[i].code;
	return -1;
}

/* Parses text as kind k with fn and checks that it gives n records, no
 * error, and (unless NULL) the summary given. */
static inline void
parse_records(parse_fn fn, enum kind k, const char *text, size_t len, size_t n,
    const char *summary)
{
	struct collected c;
	struct errlist e;

	ck_assert_int_eq(parse_text(fn, k, text, len, &c, &e), n);
	ck_assert_int_eq(e.n, 0);
	if (summary != NULL)
		ck_assert_str_eq(buf_str(&c.text), summary);
	collected_free(&c, &e);
}

/* Parses text as kind k with fn; returns the code of the first error at
 * line (with field, if given), or -1. */
static inline int
parse_error_at(parse_fn fn, enum kind k, const char *text, size_t len, long line,
    const char *field)
{
	struct collected c;
	struct errlist e;
	int code;

	parse_text(fn, k, text, len, &c, &e);
	code = error_code_at(&e, line, field);
	collected_free(&c, &e);
	return code;
}

#endif
