/* SPDX-License-Identifier: ISC */
/*
 * csv_in: RFC 4180 CSV (UTF-8, optional BOM) into records, streaming.
 *
 * libcsv does the quoting.  To name the line of every field, the input is
 * fed to libcsv one physical line at a time: a callback always fires while
 * the current line is being fed, so a field starts on the line where the
 * previous field ended (or on the next line after a row ended).
 *
 * The header fields of a record repeat on each of its rows; rows are
 * grouped into one record while the record's id column stays the same.
 */
#include "config.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "stages/parse.h"
#include "stages/validate.h"

#define CHUNK (64 * 1024)
#define MAX_COLUMNS 256

struct column {
	int idx;        /* field index, -1 for an attribute, or an unknown or
	                   repeated column */
	bool line;      /* a line field (else a header field) */
	bool attr;      /* an extra attribute, named names[name_off..] */
	size_t name_off;
	size_t name_len;
};

struct cell {
	size_t off;
	size_t len;
	long line;
	bool present;
};

struct csv_in {
	struct csv_parser p;
	const struct kind_def *kind;
	const struct parse_limits *lim;
	struct errlist *errs;
	record_cb cb;
	void *ctx;
	int status;           /* -1 once cb failed */
	bool abandoned;       /* stop reading: input cannot be resynchronised */
	long cur_line;
	long next_field_line;

	bool header_done;
	struct column *cols;
	size_t ncols;
	int id_col;
	bool has_line_cols;
	struct buf names;     /* the attribute columns' names */

	struct buf text;      /* the current row's cell contents */
	struct cell *row;
	size_t nrow;          /* cells seen in the row, stored or not */
	size_t cap_row;
	bool row_too_long;

	struct record *rec;
	bool rec_open;
	size_t rec_rows;
	bool rec_too_large;
	size_t records;
};

static void
csv_flush_record(struct csv_in *c)
{
	if (!c->rec_open)
		return;
	c->rec_open = false;
	c->records++;
	if (c->status == 0 && c->cb(c->ctx, &c->rec) != 0)
		c->status = -1;
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csv_in *c = data;
	struct cell *cell;

	/* a row never needs more cells than the header has, plus one to
	 * notice that there are too many: memory stays bounded */
	if (c->nrow >= (c->header_done ? c->ncols + 1 : MAX_COLUMNS + 1)) {
		c->nrow++;
		c->next_field_line = c->cur_line;
		return;
	}
	c->row = xreserve(c->row, c->nrow, &c->cap_row, 32, sizeof *c->row);
	cell = &c->row[c->nrow++];
	cell->line = c->next_field_line;
	cell->present = s != NULL && len > 0;
	cell->off = c->text.len;
	cell->len = 0;
	c->next_field_line = c->cur_line;
	if (!cell->present || c->row_too_long)
		return;
	if (c->text.len + len > c->lim->max_field_bytes) {
		c->row_too_long = true;
		return;
	}
	buf_append(&c->text, s, len);
	buf_putc(&c->text, '\0');
	cell->len = len;
}

static const char *
cell_str(struct csv_in *c, const struct cell *cell)
{
	/* cells of a row that was cut short hold nothing */
	return c->text.data != NULL ? c->text.data + cell->off : "";
}

/* Maps header column i, attr_<name>, to the extra attribute name; reports
 * a name that is not one, or that an earlier column gave. */
static void
map_attr_column(struct csv_in *c, size_t i, long line, const char *name, size_t len)
{
	char ex[EXCERPT_SIZE], column[sizeof ATTR_COLUMN_PREFIX + EXCERPT_SIZE];

	snprintf(column, sizeof column, "%s%s", ATTR_COLUMN_PREFIX,
	    excerpt(name, len, 40, ex, sizeof ex));
	if (!valid_attr_name(name, len)) {
		errlist_add(c->errs, line, column, ERR_INVALID_ATTRIBUTE,
		    "column %s names no attribute: a name is 1-%d of a-z 0-9 _", column,
		    ATTR_NAME_MAX);
		return;
	}
	for (size_t k = 0; k < i; k++)
		if (c->cols[k].attr && c->cols[k].name_len == len &&
		    memcmp(c->names.data + c->cols[k].name_off, name, len) == 0) {
			errlist_add(c->errs, line, column, ERR_CSV_DUPLICATE_COLUMN,
			    "column %s appears twice in the header row", column);
			return;
		}
	c->cols[i] = (struct column){ .idx = -1, .attr = true, .name_off = c->names.len, .name_len = len };
	buf_append(&c->names, name, len);
}

/* Maps header column i to a header field, else a line field (seen[0] and
 * seen[1] mark the fields mapped so far); reports a column that names no
 * field, or a field named before. */
static void
map_column(struct csv_in *c, size_t i, long line, bool *seen[2])
{
	const struct kind_def *k = c->kind;
	const struct cell *cell = &c->row[i];
	const char *name = cell->present ? cell_str(c, cell) : "";
	size_t len = cell->present ? cell->len : 0;
	char ex[EXCERPT_SIZE];

	c->cols[i].idx = -1;
	if (k->attributes && len > strlen(ATTR_COLUMN_PREFIX) &&
	    memcmp(name, ATTR_COLUMN_PREFIX, strlen(ATTR_COLUMN_PREFIX)) == 0) {
		map_attr_column(c, i, line, name + strlen(ATTR_COLUMN_PREFIX),
		    len - strlen(ATTR_COLUMN_PREFIX));
		return;
	}
	for (int in_line = 0; in_line <= 1; in_line++) {
		int idx = kind_field_index(k, in_line, name, len);
		const char *field = idx < 0 ? NULL : in_line ? k->line[idx].name : k->head[idx].name;

		if (idx < 0)
			continue;
		if (seen[in_line][idx]) {
			errlist_add(c->errs, line, field, ERR_CSV_DUPLICATE_COLUMN,
			    "column %s appears twice in the header row", field);
			return;
		}
		seen[in_line][idx] = true;
		c->cols[i] = (struct column){ .idx = idx, .line = in_line };
		if (in_line)
			c->has_line_cols = true;
		else if ((size_t)idx == k->id_field)
			c->id_col = (int)i;
		return;
	}
	excerpt(name, len, 40, ex, sizeof ex);
	errlist_add(c->errs, line, ex, ERR_CSV_UNKNOWN_COLUMN,
	    "column '%s' is not a field of %s; remove it or check its spelling", ex, k->plural);
}

/* Reports every required field the header row has no column for (line
 * fields only when the file has lines or the kind needs them); any such
 * column abandons the file. */
static void
missing_columns(struct csv_in *c, long line, bool *seen[2])
{
	const struct kind_def *k = c->kind;

	for (size_t i = 0; i < k->nhead; i++)
		if (k->head[i].required && !seen[0][i]) {
			errlist_add(c->errs, line, k->head[i].name, ERR_MISSING_FIELD,
			    "the header row has no column %s, which %s require", k->head[i].name,
			    k->plural);
			c->abandoned = true;
		}
	if (c->has_line_cols || k->lines == LINES_REQUIRED)
		for (size_t i = 0; i < k->nline; i++)
			if (k->line[i].required && !seen[1][i]) {
				errlist_add(c->errs, line, k->line[i].name, ERR_MISSING_FIELD,
				    "the header row has no column %s, which lines of %s require",
				    k->line[i].name, k->plural);
				c->abandoned = true;
			}
}

/* The first row: map every column to a field, report unknown, repeated and
 * missing columns.  Missing required columns abandon the file: no row of it
 * could be read meaningfully. */
static void
csv_header(struct csv_in *c, long line)
{
	const struct kind_def *k = c->kind;
	bool *seen[2];

	c->header_done = true;
	if (c->row_too_long || c->nrow > MAX_COLUMNS) {
		if (c->row_too_long)
			errlist_add(c->errs, line, NULL, ERR_FIELD_TOO_LONG,
			    "the header row is longer than %zu bytes", c->lim->max_field_bytes);
		else
			errlist_add(c->errs, line, NULL, ERR_CSV_COLUMN_COUNT,
			    "the header row has more than %d columns", MAX_COLUMNS);
		c->abandoned = true;
		return;
	}
	seen[0] = xcalloc(k->nhead + 1, sizeof *seen[0]);
	seen[1] = xcalloc(k->nline + 1, sizeof *seen[1]);
	c->ncols = c->nrow;
	c->cols = xcalloc(c->ncols, sizeof *c->cols);
	c->id_col = -1;
	for (size_t i = 0; i < c->nrow; i++)
		map_column(c, i, line, seen);
	missing_columns(c, line, seen);
	free(seen[0]);
	free(seen[1]);
}

static bool
same_cell(struct csv_in *c, const struct cell *cell, const struct field_value *v)
{
	if (!cell->present || cell->len == 0)
		return v->s == NULL;
	return v->s != NULL && v->len == cell->len &&
	    memcmp(v->s, cell_str(c, cell), cell->len) == 0;
}

/* An attribute's cell on a further row of the open record: the same as on
 * its first row. */
static void
continue_attr(struct csv_in *c, const struct column *col, const struct cell *cell)
{
	static const struct field_value absent;
	const char *name = c->names.data + col->name_off;
	const struct record_attr *a = record_attr(c->rec, name, col->name_len);
	char column[sizeof ATTR_COLUMN_PREFIX + ATTR_NAME_MAX];

	if (same_cell(c, cell, a != NULL ? &a->value : &absent))
		return;
	snprintf(column, sizeof column, "%s%.*s", ATTR_COLUMN_PREFIX, (int)col->name_len, name);
	errlist_add(c->errs, cell->line, column, ERR_CSV_HEADER_MISMATCH,
	    "%s differs from the record's first row (line %ld); header fields must be the "
	    "same on every row of a record", column, c->rec->line);
}

/* A further row of the open record: its header fields must be the first
 * row's. */
static void
continue_record(struct csv_in *c)
{
	const struct kind_def *k = c->kind;

	c->rec_rows++;
	for (size_t i = 0; i < c->ncols; i++) {
		const struct column *col = &c->cols[i];

		if (col->attr) {
			continue_attr(c, col, &c->row[i]);
			continue;
		}
		if (col->idx < 0 || col->line || same_cell(c, &c->row[i], &c->rec->head[col->idx]))
			continue;
		errlist_add(c->errs, c->row[i].line, k->head[col->idx].name, ERR_CSV_HEADER_MISMATCH,
		    "%s differs from the record's first row (line %ld); header fields must "
		    "be the same on every row of a record", k->head[col->idx].name, c->rec->line);
	}
}

/* A row with another id: the open record is complete, and the row starts
 * the next one with its header fields. */
static void
start_record(struct csv_in *c, long line)
{
	csv_flush_record(c);
	record_reset(c->rec);
	c->rec->line = line;
	c->rec_open = true;
	c->rec_rows = 1;
	c->rec_too_large = false;
	for (size_t i = 0; i < c->ncols; i++) {
		const struct column *col = &c->cols[i];

		if (col->attr)
			record_add_attr(c->rec, c->names.data + col->name_off, col->name_len,
			    cell_str(c, &c->row[i]), c->row[i].present ? c->row[i].len : 0,
			    c->row[i].line);
		else if (col->idx >= 0 && !col->line)
			record_set_head(c->rec, (size_t)col->idx, cell_str(c, &c->row[i]),
			    c->row[i].present ? c->row[i].len : 0, c->row[i].line);
	}
}

/* Adds the row's line fields as a line of the record, unless the record is
 * too large already (reported once). */
static void
add_line(struct csv_in *c, long line)
{
	if (!record_takes_line(c->rec, c->lim->max_record_lines, c->lim->max_record_bytes, line,
	    &c->rec_too_large, c->errs))
		return;
	record_add_line(c->rec, line);
	for (size_t i = 0; i < c->ncols; i++) {
		const struct column *col = &c->cols[i];

		if (col->idx >= 0 && col->line)
			record_set_line(c->rec, c->rec->nlines - 1, (size_t)col->idx,
			    cell_str(c, &c->row[i]), c->row[i].present ? c->row[i].len : 0,
			    c->row[i].line);
	}
}

static void
csv_row(struct csv_in *c, long line)
{
	const struct kind_def *k = c->kind;
	bool has_line = false;

	if (c->nrow != c->ncols) {
		errlist_add(c->errs, line, NULL, ERR_CSV_COLUMN_COUNT,
		    "the row has %zu cells but the header row has %zu columns", c->nrow, c->ncols);
		return;
	}
	if (c->row_too_long) {
		errlist_add(c->errs, line, NULL, ERR_FIELD_TOO_LONG,
		    "the row is longer than %zu bytes", c->lim->max_field_bytes);
		return;
	}
	if (c->rec_open && same_cell(c, &c->row[c->id_col], &c->rec->head[k->id_field]))
		continue_record(c);
	else
		start_record(c, line);
	for (size_t i = 0; i < c->ncols; i++)
		if (c->cols[i].idx >= 0 && c->cols[i].line && c->row[i].present)
			has_line = true;
	if (has_line)
		add_line(c, line);
	else if (c->rec_rows > 1 && k->nline == 0)
		errlist_add(c->errs, line, k->head[k->id_field].name, ERR_CSV_SPLIT_RECORD,
		    "%s appears on more than one row; a %s is one row",
		    k->head[k->id_field].name, k->singular);
	else if (c->rec_rows > 1)
		errlist_add(c->errs, line, NULL, ERR_CSV_ROW_WITHOUT_LINE,
		    "the row repeats a %s without line fields", k->singular);
}

static void
on_row(int term, void *data)
{
	struct csv_in *c = data;
	long line = c->nrow > 0 ? c->row[0].line : c->cur_line;

	c->next_field_line = c->cur_line + 1;
	if (!c->abandoned) {
		if (!c->header_done)
			csv_header(c, line);
		else
			csv_row(c, line);
	}
	c->nrow = 0;
	c->row_too_long = false;
	buf_reset(&c->text);
}

static int
is_space_none(unsigned char ch)
{
	return 0;
}

/* Feeds buf[0..len) to libcsv one line at a time; false once abandoned. */
static bool
csv_feed(struct csv_in *c, const char *data, size_t len)
{
	while (len > 0 && !c->abandoned && c->status == 0) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl != NULL ? (size_t)(nl - data) + 1 : len;

		if (csv_parse(&c->p, data, seg, on_field, on_row, c) != seg) {
			/* the field limit below keeps buffers far from CSV_ETOOBIG */
			if (csv_error(&c->p) != CSV_EPARSE)
				fatal("libcsv: %s", csv_strerror(csv_error(&c->p)));
			errlist_add(c->errs, c->cur_line, NULL, ERR_CSV_SYNTAX,
			    "malformed CSV: a quote inside an unquoted field, or text after a "
			    "closing quote");
			c->abandoned = true;
			break;
		}
		if (c->p.entry_pos > c->lim->max_field_bytes) {
			errlist_add(c->errs, c->next_field_line, NULL, ERR_FIELD_TOO_LONG,
			    "a field starting here is longer than %zu bytes", c->lim->max_field_bytes);
			c->abandoned = true;
			break;
		}
		if (nl != NULL) {
			/* between rows (libcsv's ROW_NOT_BEGUN state, 0) the next
			 * field cannot start on this line: blank lines are skipped
			 * without a callback */
			if (c->p.pstate == 0)
				c->next_field_line = c->cur_line + 1;
			c->cur_line++;
		}
		data += seg;
		len -= seg;
	}
	return !c->abandoned && c->status == 0;
}

int
csv_in_parse(int fd, const char *name, const struct kind_def *k, const struct parse_limits *lim,
    record_cb cb, void *ctx, struct errlist *errs, size_t *nrecords)
{
	struct csv_in c = { 0 };
	char *chunk = xmalloc(CHUNK);
	bool first = true;
	ssize_t n;

	c.kind = k;
	c.lim = lim;
	c.errs = errs;
	c.cb = cb;
	c.ctx = ctx;
	c.cur_line = 1;
	c.next_field_line = 1;
	c.rec = record_new(k);
	if (csv_init(&c.p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
		fatal("csv_init failed");
	csv_set_space_func(&c.p, is_space_none);
	csv_set_blk_size(&c.p, 4096);

	while ((n = read(fd, chunk, CHUNK)) != 0) {
		const char *p = chunk;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* the machine's failure, not the file's: nothing of it counts */
			log_error("reading %s failed: %s", name, strerror(errno));
			c.status = -1;
			c.abandoned = true;
			break;
		}
		if (first && utf8_bom_len(p, (size_t)n) > 0) {
			p += 3;
			n -= 3;
		}
		first = false;
		if (!csv_feed(&c, p, (size_t)n))
			break;
	}
	if (!c.abandoned && c.status == 0 &&
	    csv_fini(&c.p, on_field, on_row, &c) != 0)
		errlist_add(errs, c.next_field_line, NULL, ERR_CSV_SYNTAX,
		    "malformed CSV: a quoted field starting here is never closed");
	if (c.status == 0 && !c.abandoned)
		csv_flush_record(&c);
	if (!c.header_done && !c.abandoned && errlist_total(errs) == 0)
		errlist_add(errs, 1, NULL, ERR_NO_RECORDS, "the file has no header row");
	*nrecords = c.records;
	csv_free(&c.p);
	record_free(c.rec);
	buf_free(&c.text);
	buf_free(&c.names);
	free(c.row);
	free(c.cols);
	free(chunk);
	return c.status;
}
