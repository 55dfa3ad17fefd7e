#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/record.h"
#include "base/util.h"

#define ARENA_CHUNK 8192

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	char data[];
};

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
	struct arena_chunk *c, *next;

	if (rec == NULL)
		return;
	for (c = rec->arena; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(rec->head);
	free(rec->lines);
	free(rec->line_at);
	free(rec);
}

void
record_reset(struct record *rec)
{
	struct arena_chunk *c, *next;

	/* keep the first (largest-so-far) chunk, free the rest */
	if (rec->arena != NULL) {
		for (c = rec->arena->next; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
		rec->arena->next = NULL;
		rec->arena->used = 0;
	}
	memset(rec->head, 0, rec->kind->nhead * sizeof *rec->head);
	rec->nlines = 0;
	rec->bytes = 0;
	rec->line = 0;
}

static const char *
arena_copy(struct record *rec, const char *s, size_t len)
{
	struct arena_chunk *c = rec->arena;
	char *p;

	if (c == NULL || c->size - c->used < len + 1) {
		size_t size = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;

		c = xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		/* new chunk goes first so later copies fill it */
		c->next = rec->arena;
		rec->arena = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	rec->bytes += len + 1;
	return p;
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
	v->s = arena_copy(rec, s, len);
	v->len = len;
}

void
record_set_head(struct record *rec, size_t idx, const char *s, size_t len, long line)
{
	set_value(rec, &rec->head[idx], s, len, line);
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

