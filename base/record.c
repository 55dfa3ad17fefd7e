/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/record.h"
#include "base/util.h"

struct record *
record_new(const struct kind_def *kind)
{
	struct record *rec = xcalloc(1, sizeof *rec);

	rec->kind = kind;
	rec->head = xcalloc(kind->nhead, sizeof *rec->head);
	return rec;
}

void
record_free(struct record *rec)
{
	if (rec == NULL)
		return;
	arena_free(&rec->arena);
	free(rec->head);
	free(rec->lines);
	free(rec->line_at);
	free(rec->attrs);
	free(rec->empty);
	free(rec);
}

void
record_reset(struct record *rec)
{
	arena_reset(&rec->arena);
	memset(rec->head, 0, rec->kind->nhead * sizeof *rec->head);
	rec->nlines = 0;
	rec->nattrs = 0;
	rec->nempty = 0;
	rec->bytes = 0;
	rec->line = 0;
}

static void
set_value(struct record *rec, struct field_value *v, const char *s, size_t len, long line)
{
	v->line = line;
	v->num = 0;
	if (len == 0) {
		v->s = NULL;
		v->len = 0;
		return;
	}
	v->s = arena_strndup(&rec->arena, s, len);
	v->len = len;
	rec->bytes += len + 1;
}

void
record_set_head(struct record *rec, size_t idx, const char *s, size_t len, long line)
{
	set_value(rec, &rec->head[idx], s, len, line);
}

void
record_add_attr(struct record *rec, const char *name, size_t name_len, const char *s,
    size_t len, long line)
{
	struct record_attr *a;

	if (len == 0) {
		if (rec->nempty == ATTR_MAX)
			return;
		if (rec->empty == NULL)
			rec->empty = xcalloc(ATTR_MAX, sizeof *rec->empty);
		a = &rec->empty[rec->nempty++];
	} else {
		if (rec->nattrs++ >= ATTR_MAX)
			return;
		if (rec->attrs == NULL)
			rec->attrs = xcalloc(ATTR_MAX, sizeof *rec->attrs);
		a = &rec->attrs[rec->nattrs - 1];
	}
	a->name = arena_strndup(&rec->arena, name, name_len);
	a->name_len = name_len;
	rec->bytes += name_len + 1;
	set_value(rec, &a->value, s, len, line);
}

const struct record_attr *
record_attr(const struct record *rec, const char *name, size_t name_len)
{
	for (size_t i = 0; i < rec->nattrs && i < ATTR_MAX; i++)
		if (rec->attrs[i].name_len == name_len && memcmp(rec->attrs[i].name, name,
		    name_len) == 0)
			return &rec->attrs[i];
	return NULL;
}

struct field_value *
record_add_line(struct record *rec, long line)
{
	size_t n = rec->kind->nline;
	struct field_value *v;

	if (rec->nlines == rec->cap_lines) {
		rec->cap_lines = rec->cap_lines ? rec->cap_lines * 2 : 16;
		rec->lines = xreallocarray(rec->lines, rec->cap_lines * n, sizeof *rec->lines);
		rec->line_at = xreallocarray(rec->line_at, rec->cap_lines, sizeof *rec->line_at);
	}
	v = &rec->lines[rec->nlines * n];
	memset(v, 0, n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i].line = line;
	rec->line_at[rec->nlines++] = line;
	return v;
}

bool
record_takes_line(const struct record *rec, size_t max_lines, size_t max_bytes, long line,
    bool *reported, struct errlist *errs)
{
	if (rec->nlines < max_lines && rec->bytes <= max_bytes)
		return true;
	if (!*reported)
		errlist_add(errs, line, NULL, ERR_RECORD_TOO_LARGE,
		    "the %s starting at line %ld has more than %zu lines or %zu bytes",
		    rec->kind->singular, rec->line, max_lines, max_bytes);
	*reported = true;
	return false;
}

void
record_set_line(struct record *rec, size_t i, size_t idx, const char *s, size_t len, long line)
{
	set_value(rec, &record_line(rec, i)[idx], s, len, line);
}

struct field_value *
record_line(const struct record *rec, size_t i)
{
	return &rec->lines[i * rec->kind->nline];
}

