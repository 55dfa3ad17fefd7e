/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/errors.h"

static const struct {
	const char *name;
	const char *doc;
} err_table[ERR__COUNT] = {
#define X(sym, str, doc) { str, doc },
	ERROR_CODES(X)
#undef X
};

const char *
err_code_name(enum err_code code)
{
	return code < ERR__COUNT ? err_table[code].name : "unknown";
}

const char *
err_code_doc(enum err_code code)
{
	return code < ERR__COUNT ? err_table[code].doc : "";
}

void
errlist_init(struct errlist *l, size_t max)
{
	memset(l, 0, sizeof *l);
	l->max = max > 0 ? max : 1;
}

void
errlist_add(struct errlist *l, long line, const char *field, enum err_code code,
    const char *fmt, ...)
{
	struct error_item *e;
	struct buf msg = { 0 };
	va_list ap;

	if (l->n >= l->max) {
		l->more++;
		return;
	}
	l->items = xreserve(l->items, l->n, &l->cap, 8, sizeof *l->items);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	e = &l->items[l->n++];
	e->line = line;
	e->field = arena_strdup(&l->arena, field);
	e->code = code;
	e->message = arena_strndup(&l->arena, buf_str(&msg), msg.len);
	buf_free(&msg);
}

void
errlist_append(struct errlist *dst, const struct errlist *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct error_item *e = &src->items[i];

		errlist_add(dst, e->line, e->field, e->code, "%s", e->message);
	}
	dst->more += src->more;
}

size_t
errlist_total(const struct errlist *l)
{
	return l->n + l->more;
}

bool
errlist_has(const struct errlist *l, long line, const char *field)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct error_item *e = &l->items[i];

		if (e->line != line)
			continue;
		if (field == NULL || (e->field != NULL && strcmp(e->field, field) == 0))
			return true;
	}
	return false;
}

void
errlist_sort(struct errlist *l)
{
	/* insertion sort: stable, and lists are short and nearly sorted */
	for (size_t i = 1; i < l->n; i++) {
		struct error_item e = l->items[i];
		size_t j = i;

		while (j > 0 && l->items[j - 1].line > e.line) {
			l->items[j] = l->items[j - 1];
			j--;
		}
		l->items[j] = e;
	}
}

void
errlist_clear(struct errlist *l)
{
	arena_reset(&l->arena);
	l->n = 0;
	l->more = 0;
}

void
errlist_free(struct errlist *l)
{
	errlist_clear(l);
	arena_free(&l->arena);
	free(l->items);
	l->items = NULL;
	l->cap = 0;
}
